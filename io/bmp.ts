/**
 * Windows BMP, read and write.
 *
 * Reads what Pillow reads, to the same pixels: OS/2 core (12-byte) and
 * Windows info headers (40, 52, 56, 64, 108, 124 bytes); 1-, 4- and 8-bit
 * palettes (uncompressed, RLE4, RLE8), 16-, 24- and 32-bit BI_RGB and
 * BI_BITFIELDS; bottom-up and top-down rows. Channels as Pillow's mode:
 * a palette is RGB, except one Pillow calls gray — entry i equal to (i, i, i)
 * for every entry, or black and white for two entries — which reads as 1
 * channel; 16- and 24-bit and 32-bit BI_RGB are RGB (the fourth byte of a
 * BI_RGB pixel is not alpha); 32-bit bitfields with an alpha mask are RGBA.
 * A 5- or 6-bit field v becomes ⌊v × 255 / max⌋, as Pillow unpacks it. Any
 * mask layout is read (Pillow knows eleven), each field scaled that way.
 *
 * RLE follows Pillow's reading, which fills the image as one run of pixels:
 * an end of line pads to the next row, a delta skips (dx + dy × width)
 * pixels, skipped pixels are index 0, a run past the row's end is cut, and
 * data that ends (or says end of bitmap) before every pixel is set is
 * `DECODE_FAILED`. One difference: an odd RLE4 absolute run keeps its last
 * pixel, as the format says (Pillow drops it and loses its place).
 *
 * Untrusted input: the size cap is applied from the header, and before the
 * image is allocated uncompressed data must hold every row and RLE data at
 * least one byte per 65,536 pixels (a delta skips at most 255 rows).
 *
 * Writes `u8`: 1 channel as 8-bit gray palette, 3 as 24-bit, 2 and 4 as
 * 32-bit BI_BITFIELDS with an alpha mask (a V4 header: Pillow, browsers and
 * Windows read the alpha); rows bottom-up, as every writer does.
 *
 * Metadata: the density is the header's pixels per metre (written 72 dpi
 * unless given); an ICC profile is embedded with a V5 header
 * (PROFILE_EMBEDDED, the profile after the pixels) and read back from one.
 *
 * @module
 */

import type { Codec } from "./codecs.ts";
import { FilterError } from "../core/errors.ts";
import { checkImageBytes, checkImageSize, DEFAULT_MAX_BYTES, Image } from "../core/image.ts";
import {
  densityFromPerMetre,
  type ImageMetadata,
  isIcc,
  MAX_ICC_BYTES,
  perMetre,
} from "./metadata.ts";

/** bV5CSType of a V5 header whose profile is in the file ("MBED"). */
const PROFILE_EMBEDDED = 0x4d424544;

function fail(message: string): never {
  throw new FilterError("DECODE_FAILED", `BMP: ${message}`);
}

/** Whether the bytes start with "BM". */
export function isBmp(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d;
}

const HEADER_SIZES = [12, 40, 52, 56, 64, 108, 124];

/** One bitfield: where it is in the pixel and how it scales to 8 bits. */
interface Field {
  shift: number;
  max: number;
}

function field(mask: number): Field {
  if (mask === 0) return { shift: 0, max: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  if ((max & (max + 1)) !== 0) fail(`bitfield mask 0x${mask.toString(16)} is not contiguous`);
  return { shift, max };
}

/** Decodes the RLE4/RLE8 stream at `p` into palette indices, as Pillow does (module doc). */
function rle(b: Uint8Array, p: number, width: number, height: number, four: boolean): Uint8Array {
  const total = width * height, out = new Uint8Array(total);
  let o = 0, x = 0;
  while (o < total) {
    if (p + 2 > b.length) fail("RLE data ends before the end of bitmap");
    const n = b[p], v = b[p + 1];
    p += 2;
    if (n > 0) {
      const count = Math.min(n, Math.max(0, width - x)); // a run past the row end is cut
      for (let k = 0; k < count && o < total; k++) {
        out[o++] = four ? (k & 1 ? v & 15 : v >> 4) : v;
      }
      x += count;
    } else if (v === 0) {
      o = Math.ceil(o / width) * width;
      x = 0;
    } else if (v === 1) fail(`RLE end of bitmap after ${o} of ${total} pixels`);
    else if (v === 2) {
      if (p + 2 > b.length) fail("RLE data ends inside a delta");
      o += b[p] + b[p + 1] * width;
      x = o % width;
      p += 2;
    } else {
      const bytes = four ? (v + 1) >> 1 : v;
      if (p + bytes > b.length) fail("RLE data ends inside an absolute run");
      for (let k = 0; k < v && o < total; k++) {
        out[o++] = four ? (k & 1 ? b[p + (k >> 1)] & 15 : b[p + (k >> 1)] >> 4) : b[p + k];
      }
      p += bytes;
      if (p & 1) p++; // runs end on a 16-bit boundary of the file
      x += v;
    }
  }
  return out;
}

/**
 * Decodes a BMP file (see the module doc). Malformed or unsupported input
 * is `DECODE_FAILED`; more than `maxPixels` samples or `maxBytes` bytes is `IMAGE_TOO_LARGE`,
 * before anything is allocated.
 */
export function decodeBmp(
  bytes: Uint8Array,
  maxPixels: number,
  maxBytes: number = DEFAULT_MAX_BYTES,
): Image {
  if (!isBmp(bytes)) fail("bad magic (not a BMP file)");
  if (bytes.length < 18) fail("file is truncated in its header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = view.getUint32(10, true);
  const hsize = view.getUint32(14, true);
  if (!HEADER_SIZES.includes(hsize)) fail(`info header of ${hsize} bytes is not a known kind`);
  if (14 + hsize > bytes.length) fail("file is truncated in its info header");
  let width: number, height: number, bits: number, compression = 0, colours = 0;
  let topDown = false;
  if (hsize === 12) {
    width = view.getUint16(18, true);
    height = view.getUint16(20, true);
    bits = view.getUint16(24, true);
  } else {
    width = view.getInt32(18, true);
    height = view.getInt32(22, true);
    bits = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colours = view.getUint32(46, true);
    if (height < 0) {
      topDown = true;
      height = -height;
    }
  }
  if (width < 1 || height < 1) fail(`size ${width}x${height} is empty`);
  if (![1, 4, 8, 16, 24, 32].includes(bits)) fail(`${bits} bits per pixel is not supported`);
  const palettised = bits <= 8;
  if (compression === 1 && bits !== 8) fail(`RLE8 with ${bits} bits per pixel`);
  if (compression === 2 && bits !== 4) fail(`RLE4 with ${bits} bits per pixel`);
  if (compression === 3 && palettised) fail(`bitfields with ${bits} bits per pixel`);
  if (compression > 3) fail(`compression ${compression} (JPEG, PNG, ...) is not supported`);

  // Bitfields: in the header from V2 on, else three masks after a 40-byte header.
  let masks = bits === 16 ? [0x7c00, 0x3e0, 0x1f, 0] : [0xff0000, 0xff00, 0xff, 0];
  let after = 14 + hsize;
  if (compression === 3) {
    if (hsize >= 52) {
      masks = [0, 1, 2, 3].map((
        i,
      ) => (hsize >= 56 || i < 3 ? view.getUint32(54 + 4 * i, true) : 0));
    } else {
      if (after + 12 > bytes.length) fail("file is truncated in its bitfield masks");
      masks = [0, 1, 2].map((i) => view.getUint32(after + 4 * i, true)).concat(0);
      after += 12;
    }
    if (masks.every((m) => m === 0)) masks = [0xff0000, 0xff00, 0xff, 0xff000000]; // as Pillow
    if (bits !== 32) masks[3] = 0; // Pillow keeps alpha of 32-bit pixels only
  }
  const fields = masks.map(field);

  let palette: Uint8Array | undefined, entry = 4, gray = false;
  if (palettised) {
    entry = hsize === 12 ? 3 : 4;
    const n = colours || 1 << bits;
    if (n > 65536) fail(`palette of ${n} colours is invalid`);
    if (after + n * entry > bytes.length) fail("file is truncated in its palette");
    palette = bytes.subarray(after, after + n * entry);
    if (offset === 14 + hsize) offset += n * entry; // a writer that left the palette out
    gray = n <= 256;
    for (let i = 0; i < n && gray; i++) {
      const v = n === 2 ? i * 255 : i;
      for (let c = 0; c < 3; c++) if (palette[i * entry + c] !== v) gray = false;
    }
  }
  const channels = palettised ? (gray ? 1 : 3) : fields[3].max ? 4 : 3;
  checkImageSize(width, height, channels, maxPixels);
  if (offset > bytes.length) fail(`pixel data offset ${offset} is past the end of the file`);
  // Before allocating: raw rows must all be there; RLE codes at most 65,536 pixels a byte.
  const stride = ((width * bits + 31) >>> 5) * 4;
  const rleBytes = bytes.length - offset;
  if (compression === 1 || compression === 2) {
    if (width * height > rleBytes * 65536) {
      fail(`${rleBytes} bytes of RLE data cannot hold ${width}x${height} pixels`);
    }
  } else if (offset + stride * height > bytes.length) {
    fail(`pixel data is truncated: ${bytes.length - offset} of ${stride * height} bytes`);
  }

  // The memory budget, after the checks that the file can hold the image (those are DECODE_FAILED).
  checkImageBytes(width, height, channels, 1, maxBytes);
  const out = new Uint8Array(width * height * channels);
  const colour = (dst: number, index: number): void => {
    const at = index * entry;
    if (at >= palette!.length) return; // outside the palette: black
    if (gray) out[dst] = palette![at];
    else {
      out[dst] = palette![at + 2];
      out[dst + 1] = palette![at + 1];
      out[dst + 2] = palette![at];
    }
  };
  if (compression === 1 || compression === 2) {
    const indices = rle(bytes, offset, width, height, compression === 2);
    for (let y = 0; y < height; y++) {
      const row = topDown ? y : height - 1 - y;
      for (let x = 0; x < width; x++) colour((row * width + x) * channels, indices[y * width + x]);
    }
    return new Image(width, height, channels, out);
  }
  const bytesPer = bits >> 3;
  for (let r = 0; r < height; r++) {
    const src = offset + r * stride;
    let dst = (topDown ? r : height - 1 - r) * width * channels;
    if (palettised) {
      const mask = (1 << bits) - 1;
      for (let x = 0; x < width; x++, dst += channels) {
        const bit = x * bits;
        colour(dst, (bytes[src + (bit >> 3)] >> (8 - bits - (bit & 7))) & mask);
      }
      continue;
    }
    for (let x = 0, p = src; x < width; x++, p += bytesPer, dst += channels) {
      const v = bits === 16
        ? view.getUint16(p, true)
        : bits === 24
        ? bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16)
        : view.getUint32(p, true);
      for (let c = 0; c < channels; c++) {
        const { shift, max } = fields[c];
        const f = max ? ((v >>> shift) & max) >>> 0 : 0;
        out[dst + c] = max === 255 ? f : Math.floor((f * 255) / (max || 1));
      }
    }
  }
  return new Image(width, height, channels, out);
}

/**
 * Encodes a `u8` image as BMP (see the module doc); `u16` and `f32` are
 * `UNSUPPORTED_DTYPE`.
 */
export function encodeBmp(image: Image, metadata: ImageMetadata = {}): Uint8Array {
  const { width, height, channels, data } = image;
  if (image.dtype !== "u8") {
    throw new FilterError(
      "UNSUPPORTED_DTYPE",
      `BMP holds 8-bit samples, got ${image.dtype}; pass dtype u8, or write .png, .tif or .npy`,
    );
  }
  const bits = channels === 1 ? 8 : channels === 3 ? 24 : 32;
  const icc = metadata.icc && metadata.icc.length > 0 ? metadata.icc : undefined;
  const hsize = icc ? 124 : bits === 32 ? 108 : 40;
  const paletteBytes = bits === 8 ? 1024 : 0;
  const stride = ((width * bits + 31) >>> 5) * 4;
  const offset = 14 + hsize + paletteBytes;
  const pixelsEnd = offset + stride * height;
  const out = new Uint8Array(pixelsEnd + (icc?.length ?? 0));
  const view = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  view.setUint32(2, out.length, true);
  view.setUint32(10, offset, true);
  view.setUint32(14, hsize, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, bits, true);
  view.setUint32(30, bits === 32 ? 3 : 0, true);
  view.setUint32(34, stride * height, true);
  const d = metadata.density;
  const ppmX = d && perMetre(d.x, d.unit), ppmY = d && perMetre(d.y, d.unit);
  view.setInt32(38, ppmX && ppmY ? ppmX : 2835, true); // default 72 dpi
  view.setInt32(42, ppmX && ppmY ? ppmY : 2835, true);
  if (bits === 8) {
    view.setUint32(46, 256, true);
    for (let i = 0; i < 256; i++) out.set([i, i, i, 0], 14 + hsize + 4 * i);
  }
  if (bits === 32) {
    [0xff0000, 0xff00, 0xff, 0xff000000].forEach((m, i) => view.setUint32(54 + 4 * i, m, true));
    view.setUint32(70, 0x73524742, true); // LCS_sRGB
  }
  if (icc) {
    view.setUint32(70, PROFILE_EMBEDDED, true);
    view.setUint32(14 + 108, 4, true); // LCS_GM_IMAGES
    view.setUint32(14 + 112, pixelsEnd - 14, true); // from the info header's start
    view.setUint32(14 + 116, icc.length, true);
    out.set(icc, pixelsEnd);
  }
  for (let y = 0; y < height; y++) {
    let p = offset + (height - 1 - y) * stride, s = y * width * channels;
    for (let x = 0; x < width; x++, s += channels) {
      if (channels === 1) out[p++] = data[s];
      else if (channels === 2) {
        out.set([data[s], data[s], data[s], data[s + 1]], p);
        p += 4;
      } else {
        out[p++] = data[s + 2];
        out[p++] = data[s + 1];
        out[p++] = data[s];
        if (channels === 4) out[p++] = data[s + 3];
      }
    }
  }
  return out;
}

/** A BMP's density (Windows headers) and embedded ICC profile (V5 headers). */
export function readBmpMetadata(b: Uint8Array): ImageMetadata {
  const meta: ImageMetadata = {};
  if (b.length < 18) return meta;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const hsize = view.getUint32(14, true);
  if (hsize >= 40 && 14 + hsize <= b.length) {
    const x = view.getInt32(38, true), y = view.getInt32(42, true);
    if (x > 0 && y > 0) meta.density = densityFromPerMetre(x, y);
  }
  if (hsize === 124 && 14 + hsize <= b.length && view.getUint32(70, true) === PROFILE_EMBEDDED) {
    const at = 14 + view.getUint32(14 + 112, true), size = view.getUint32(14 + 116, true);
    if (size <= MAX_ICC_BYTES && at + size <= b.length) {
      const icc = b.slice(at, at + size);
      if (isIcc(icc)) meta.icc = icc;
    }
  }
  return meta;
}

/** BMP: palette, 16/24/32-bit, bitfields, RLE; written as 8-bit gray, 24-bit or 32-bit. */
export const bmpCodec: Codec = {
  format: "bmp",
  label: "BMP",
  extensions: [".bmp"],
  sniff: isBmp,
  decode: (bytes, { maxPixels, maxBytes }) => decodeBmp(bytes, maxPixels, maxBytes),
  readMetadata: readBmpMetadata,
  encode: (image, { metadata }) => encodeBmp(image, metadata),
};
