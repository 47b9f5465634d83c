/**
 * A self-contained PNG codec (inflating through the web-standard DecompressionStream, deflating with
 * imfilter's own compressor), strict about untrusted
 * input: every chunk's CRC is checked, the header is validated and the size
 * cap applied before anything is allocated, and inflation is bounded by the
 * exact number of bytes the header implies.
 *
 * The channel count comes from the header: gray 1, gray+alpha 2, RGB 3,
 * RGBA 4, palette 3; a `tRNS` chunk adds an alpha channel (gray 2, RGB and
 * palette 4). Bit depth 16 reads as `u16`, every other depth as `u8` (depths
 * 1, 2 and 4 are scaled to 0–255).
 *
 * @module
 */

import type { Codec } from "./codecs.ts";
import { FilterError } from "../core/errors.ts";
import { checkImageBudget, DEFAULT_MAX_BYTES, Image } from "../core/image.ts";
import { concatBytes, InflateError, inflateStream } from "./zlib.ts";
import { zlibDeflate } from "./deflate.ts";
import type { ImageMetadata } from "./metadata.ts";
import { filterRows } from "./png_filter.ts";
import { pngMetadataChunks, readPngMetadata } from "./png_metadata.ts";

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const MAX_CHUNK = 0x7fffffff;

/**
 * CRC-32 tables for slicing by 8 (Intel's method): `CRC_TABLES[k * 256 + b]`
 * is the CRC of byte `b` followed by `k` zero bytes, so eight bytes fold in
 * with eight lookups and no dependency between them (about 5× the
 * byte-at-a-time speed: what a 20 MB IDAT costs).
 */
const CRC_TABLES: Int32Array = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = t[prev & 0xff] ^ (prev >>> 8);
    }
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG uses) of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  const t = CRC_TABLES;
  let c = -1, i = start;
  for (const last = end - 8; i <= last; i += 8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c = t[1792 + (lo & 0xff)] ^ t[1536 + ((lo >>> 8) & 0xff)] ^ t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^ t[768 + bytes[i + 4]] ^ t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^ t[bytes[i + 7]];
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function fail(message: string): never {
  throw new FilterError("DECODE_FAILED", `PNG: ${message}`);
}

function u32(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

/** Whether the bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) return false;
  return true;
}

/** What an IHDR chunk says. */
interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

const SAMPLES_PER_PIXEL: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

function parseIhdr(b: Uint8Array, p: number, length: number): PngHeader {
  if (length !== 13) fail(`IHDR chunk has length ${length}, expected 13`);
  const h: PngHeader = {
    width: u32(b, p),
    height: u32(b, p + 4),
    bitDepth: b[p + 8],
    colorType: b[p + 9],
    interlace: b[p + 12],
  };
  if (h.width < 1 || h.height < 1 || h.width > MAX_CHUNK || h.height > MAX_CHUNK) {
    fail(`header size ${h.width}x${h.height} is invalid`);
  }
  const depths = ALLOWED_DEPTHS[h.colorType];
  if (!depths) fail(`colour type ${h.colorType} is invalid (allowed 0, 2, 3, 4, 6)`);
  if (!depths.includes(h.bitDepth)) {
    fail(`bit depth ${h.bitDepth} is invalid for colour type ${h.colorType}`);
  }
  if (b[p + 10] !== 0) fail(`compression method ${b[p + 10]} is invalid`);
  if (b[p + 11] !== 0) fail(`filter method ${b[p + 11]} is invalid`);
  if (h.interlace > 1) fail(`interlace method ${h.interlace} is invalid`);
  return h;
}

/** The channel count a decoded image gets, from the header and tRNS presence. */
function outputChannels(colorType: number, hasTrns: boolean): number {
  switch (colorType) {
    case 0:
      return hasTrns ? 2 : 1;
    case 2:
    case 3:
      return hasTrns ? 4 : 3;
    case 4:
      return 2;
    default:
      return 4;
  }
}

function rowBytes(width: number, bitsPerPixel: number): number {
  return Math.ceil((width * bitsPerPixel) / 8);
}

/**
 * Reverses the PNG filter of one row in place: `row[0]` is the filter type,
 * `row[1 ..= stride]` the bytes; `prev` is the previous row of the same
 * pass in the same layout, all zeros for a pass's first row (which is what
 * the PNG filters assume above the image).
 */
function unfilterRow(row: Uint8Array, prev: Uint8Array, stride: number, bpp: number, y: number) {
  const type = row[0];
  const end = stride + 1;
  switch (type) {
    case 0:
      break;
    case 1:
      for (let i = 1 + bpp; i < end; i++) row[i] = (row[i] + row[i - bpp]) & 255;
      break;
    case 2:
      for (let i = 1; i < end; i++) row[i] = (row[i] + prev[i]) & 255;
      break;
    case 3: {
      const first = Math.min(end, 1 + bpp);
      for (let i = 1; i < first; i++) row[i] = (row[i] + (prev[i] >> 1)) & 255;
      for (let i = first; i < end; i++) row[i] = (row[i] + ((row[i - bpp] + prev[i]) >> 1)) & 255;
      break;
    }
    case 4: {
      const first = Math.min(end, 1 + bpp);
      // With a = c = 0 the Paeth predictor is the byte above.
      for (let i = 1; i < first; i++) row[i] = (row[i] + prev[i]) & 255;
      for (let i = first; i < end; i++) {
        const a = row[i - bpp], u = prev[i], c = prev[i - bpp];
        const p = a + u - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - u), pc = Math.abs(p - c);
        const pred = pa <= pb && pa <= pc ? a : pb <= pc ? u : c;
        row[i] = (row[i] + pred) & 255;
      }
      break;
    }
    default:
      fail(`row ${y} has filter type ${type} (allowed 0-4)`);
  }
}

/**
 * Decodes a PNG file. Throws `DECODE_FAILED` for anything malformed and
 * `IMAGE_TOO_LARGE` when `width * height * channels` exceeds `maxPixels` or
 * the image's bytes exceed `maxBytes` (checked at IHDR). The image data is
 * inflated and unfiltered row by row into the output (interlaced files
 * too, pass by pass), so the peak is the file plus the image plus a few rows.
 */
export async function decodePng(
  bytes: Uint8Array,
  maxPixels: number,
  maxBytes: number = DEFAULT_MAX_BYTES,
): Promise<Image> {
  if (!isPng(bytes)) fail("bad signature (not a PNG file)");
  let header: PngHeader | undefined;
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let idatLength = 0;
  let ended = false;
  let p = 8;
  while (p < bytes.length) {
    if (p + 12 > bytes.length) fail(`truncated chunk header at byte ${p}`);
    const length = u32(bytes, p);
    const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
    if (!/^[A-Za-z]{4}$/.test(type)) fail(`invalid chunk type at byte ${p + 4}`);
    if (length > MAX_CHUNK || p + 12 + length > bytes.length) {
      fail(`${type} chunk at byte ${p} is truncated (file cut short?)`);
    }
    const data = p + 8;
    if (crc32(bytes, p + 4, data + length) !== u32(bytes, data + length)) {
      fail(`${type} chunk at byte ${p} has a bad CRC (corrupt file)`);
    }
    if (header === undefined && type !== "IHDR") fail(`first chunk is ${type}, expected IHDR`);
    switch (type) {
      case "IHDR":
        if (header) fail("more than one IHDR chunk");
        header = parseIhdr(bytes, data, length);
        // Reject absurd sizes now, before reading any more.
        checkImageBudget(
          header.width,
          header.height,
          outputChannels(header.colorType, false),
          header.bitDepth === 16 ? 2 : 1,
          maxPixels,
          maxBytes,
        );
        break;
      case "PLTE":
        if (palette) fail("more than one PLTE chunk");
        if (length % 3 !== 0 || length === 0 || length > 768) {
          fail(`PLTE length ${length} is invalid`);
        }
        palette = bytes.subarray(data, data + length);
        break;
      case "tRNS":
        if (idat.length) fail("tRNS chunk after image data");
        trns = bytes.subarray(data, data + length);
        break;
      case "IDAT":
        idat.push(bytes.subarray(data, data + length));
        idatLength += length;
        break;
      case "IEND":
        ended = true;
        break;
      default:
        if ((bytes[p + 4] & 0x20) === 0) fail(`unknown critical chunk ${type}`);
    }
    p = data + length + 4;
    if (ended) break;
  }
  if (!header) fail("no IHDR chunk");
  if (!ended) fail("no IEND chunk (file cut short?)");
  if (idat.length === 0) fail("no image data (IDAT)");
  const { width, height, bitDepth, colorType, interlace } = header;
  if (colorType === 3 && !palette) fail("palette image without a PLTE chunk");
  if (trns) {
    const want = colorType === 0 ? 2 : colorType === 2 ? 6 : colorType === 3 ? -1 : 0;
    if (want === 0) fail(`tRNS chunk is not allowed for colour type ${colorType}`);
    if (want > 0 && trns.length !== want) fail(`tRNS length ${trns.length} is invalid`);
    if (want < 0 && trns.length > palette!.length / 3) fail("tRNS has more entries than PLTE");
  }
  const channels = outputChannels(colorType, trns !== undefined);
  checkImageBudget(width, height, channels, bitDepth === 16 ? 2 : 1, maxPixels, maxBytes);

  const spp = SAMPLES_PER_PIXEL[colorType];
  const bitsPerPixel = spp * bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const passes = interlace
    ? ADAM7.map(([x0, y0, dx, dy]) => ({
      x0,
      y0,
      dx,
      dy,
      w: width > x0 ? Math.ceil((width - x0) / dx) : 0,
      h: height > y0 ? Math.ceil((height - y0) / dy) : 0,
    }))
    : [{ x0: 0, y0: 0, dx: 1, dy: 1, w: width, h: height }];
  let expected = 0;
  for (const s of passes) {
    if (s.w > 0 && s.h > 0) expected += s.h * (1 + rowBytes(s.w, bitsPerPixel));
  }

  const is16 = bitDepth === 16;
  const out = is16
    ? new Uint16Array(width * height * channels)
    : new Uint8Array(width * height * channels);
  const samples = new Uint16Array(width * spp);
  const maxv = (1 << bitDepth) - 1;
  const scale = bitDepth < 8 ? 255 / maxv : 1;
  const entries = palette ? palette.length / 3 : 0;
  const trnsKey = trns && colorType !== 3
    ? Array.from(
      { length: trns.length / 2 },
      (_, i) => ((trns![2 * i] << 8) | trns![2 * i + 1]) & maxv,
    )
    : undefined;

  /** Writes one unfiltered row (`raw[1 ..= stride]`) of pass `s` into `out`. */
  const emit = (raw: Uint8Array, s: (typeof passes)[number], r: number) => {
    const row = 1;
    const n = s.w * spp;
    const y = s.y0 + r * s.dy;
    const direct = s.dx === 1 && colorType !== 3 && !trnsKey;
    if (direct && bitDepth === 8) {
      // Same layout in and out: one copy.
      out.set(raw.subarray(row, row + n), y * width * channels);
      return;
    }
    // Unpack the row's samples.
    if (bitDepth === 8) {
      for (let i = 0; i < n; i++) samples[i] = raw[row + i];
    } else if (is16) {
      for (let i = 0; i < n; i++) samples[i] = (raw[row + 2 * i] << 8) | raw[row + 2 * i + 1];
    } else {
      const perByte = 8 / bitDepth;
      for (let i = 0; i < n; i++) {
        const byte = raw[row + Math.floor(i / perByte)];
        const shift = 8 - bitDepth * (1 + (i % perByte));
        samples[i] = (byte >> shift) & maxv;
      }
    }
    if (direct && is16) {
      out.set(samples.subarray(0, n), y * width * channels);
      return;
    }
    for (let i = 0; i < s.w; i++) {
      const dst = (y * width + s.x0 + i * s.dx) * channels;
      const src = i * spp;
      switch (colorType) {
        case 0: {
          const v = samples[src];
          out[dst] = bitDepth < 8 ? Math.round(v * scale) : v;
          if (trnsKey) out[dst + 1] = v === trnsKey[0] ? 0 : is16 ? 65535 : 255;
          break;
        }
        case 2: {
          const r0 = samples[src], g0 = samples[src + 1], b0 = samples[src + 2];
          out[dst] = r0;
          out[dst + 1] = g0;
          out[dst + 2] = b0;
          if (trnsKey) {
            const clear = r0 === trnsKey[0] && g0 === trnsKey[1] && b0 === trnsKey[2];
            out[dst + 3] = clear ? 0 : is16 ? 65535 : 255;
          }
          break;
        }
        case 3: {
          const idx = samples[src];
          if (idx < entries) {
            out[dst] = palette![3 * idx];
            out[dst + 1] = palette![3 * idx + 1];
            out[dst + 2] = palette![3 * idx + 2];
          } // out-of-range indices stay black, as libpng does
          if (trns) out[dst + 3] = idx < trns.length ? trns[idx] : 255;
          break;
        }
        default:
          for (let c = 0; c < spp; c++) out[dst + c] = samples[src + c];
      }
    }
  };

  // Stream: each row is unfiltered and written out as its bytes arrive, so
  // the filtered data is never held whole (peak: the file, the image, two rows
  // and the inflate window). Adam7 passes are rows too, each pass starting
  // from a zero row above.
  const live = passes.filter((s) => s.w > 0 && s.h > 0);
  const maxStride = Math.max(...live.map((s) => rowBytes(s.w, bitsPerPixel)));
  let cur = new Uint8Array(maxStride + 1);
  let prev = new Uint8Array(maxStride + 1);
  let pass = 0, r = 0, fill = 0;
  let stride = rowBytes(live[0].w, bitsPerPixel);
  const sink = (chunk: Uint8Array) => {
    let pos = 0;
    while (pos < chunk.length) {
      const take = Math.min(stride + 1 - fill, chunk.length - pos);
      cur.set(chunk.subarray(pos, pos + take), fill);
      fill += take;
      pos += take;
      if (fill < stride + 1) return;
      const s = live[pass];
      unfilterRow(cur, prev, stride, bpp, r);
      emit(cur, s, r);
      [cur, prev] = [prev, cur];
      fill = 0;
      if (++r === s.h && ++pass < live.length) {
        r = 0;
        stride = rowBytes(live[pass].w, bitsPerPixel);
        prev.fill(0);
      }
    }
  };
  let got = 0;
  try {
    got = await inflateStream(idat, expected, sink);
  } catch (e) {
    if (!(e instanceof InflateError)) throw e;
    if (e.kind === "overflow") fail("more image data than the header allows");
    fail(`image data is corrupt (${e.message})`);
  }
  if (got < expected) fail(`image data is truncated: ${got} of ${expected} bytes`);
  return new Image(width, height, channels, out);
}

/** A PNG chunk: length, type, `data` and its CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk, 4, 8 + data.length));
  return chunk;
}

function writeChunk(parts: Uint8Array[], type: string, data: Uint8Array): void {
  parts.push(pngChunk(type, data));
}

/**
 * Encodes a `u8` or `u16` image as PNG with the colour type matching its
 * channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) and bit depth 8 or 16.
 * Each row uses the filter with the smallest sum of absolute differences
 * (png_filter.ts); the rows are deflated as they are filtered
 * (deflate.ts), so the filtered image is never held whole. `metadata` goes
 * in iCCP, pHYs and eXIf chunks (`png_metadata.ts`).
 */
export async function encodePng(
  image: Image,
  metadata: ImageMetadata = {},
): Promise<Uint8Array> {
  const { width, height, channels } = image;
  const is16 = image.dtype === "u16";
  if (!is16 && image.dtype !== "u8") {
    throw new FilterError(
      "UNSUPPORTED_DTYPE",
      `PNG holds u8 or u16 samples, got ${image.dtype}; pass dtype u8 or u16, or write .npy`,
    );
  }
  const colorType = [0, 0, 4, 2, 6][channels];
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = is16 ? 16 : 8;
  ihdr[9] = colorType;
  const z = zlibDeflate((push) => filterRows(image, push));
  const parts: Uint8Array[] = [new Uint8Array(SIGNATURE)];
  writeChunk(parts, "IHDR", ihdr);
  for (const [type, data] of await pngMetadataChunks(metadata)) writeChunk(parts, type, data);
  const step = 1 << 23;
  for (let i = 0; i < z.length; i += step) {
    writeChunk(
      parts,
      "IDAT",
      new Uint8Array(z.buffer, z.byteOffset + i, Math.min(step, z.length - i)),
    );
  }
  writeChunk(parts, "IEND", new Uint8Array(0));
  return concatBytes(parts);
}

/** PNG: 1–16-bit gray, gray+alpha, palette, RGB(A); written as 8 or 16 bits. */
export const pngCodec: Codec = {
  format: "png",
  label: "PNG",
  extensions: [".png"],
  sniff: isPng,
  decode: (bytes, { maxPixels, maxBytes }) => decodePng(bytes, maxPixels, maxBytes),
  readMetadata: readPngMetadata,
  orientation: "exif",
  encode: (image, { metadata }) => encodePng(image, metadata),
};
