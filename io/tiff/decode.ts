/**
 * The TIFF decoder: one page (IFD) of a classic or BigTIFF file, strips or
 * tiles, chunky or planar samples, uncompressed, PackBits, LZW or Deflate
 * data, predictors 2 and 3, FillOrder 2.
 *
 * Samples and dtypes (imfilter holds u8, u16 and f32): u8 → `u8`, u16 →
 * `u16`, everything else → `f32` with the value `arr.astype(np.float32)`
 * gives for tifffile's array — exact for i8, i16, f16 and f32, and for i32,
 * u32, i64 and u64 of magnitude up to 2^24; otherwise rounded to the nearest
 * float32 (ties to even; f64 beyond float32's range becomes ±Infinity, as
 * NumPy casts it). Complex samples cannot be represented and are refused.
 * 1-, 2- and 4-bit gray is scaled to 0–255 as Pillow and imfilter's PNG
 * reader do (tifffile returns the stored levels). Palette images become RGB
 * with the colour map's top 8 bits (as Pillow's `convert("RGB")`; tifffile
 * returns the indices). WhiteIsZero samples of 1 to 8 bits are inverted to
 * black-is-zero, as Pillow does (tifffile returns stored values; Pillow too
 * for 16 bits, and so does imfilter).
 *
 * Bounds, all checked before the image is allocated:
 * - the IFD is read lazily (`ifd.ts`): only the tags below, each with the
 *   count it must have; strip/tile tables are read one value at a time;
 * - every strip or tile lies inside the file, and together they claim no
 *   more bytes than the file has (no chunk is read twice);
 * - every chunk's byte count can hold its decoded size at its compression's
 *   best ratio ({@linkcode MAX_RATIO}), and so can the file as a whole; a
 *   tile decodes to at most max(image, 16 MiB) bytes; a Deflate page has at
 *   most 262,144 strips or tiles (each costs a decompression stream);
 * - decompressors stop at the chunk's size.
 * So a small file declaring a huge image is refused at once, and memory stays
 * within the output image plus one chunk.
 *
 * @module
 */

import { checkImageBytes, checkImageSize, Image } from "../../core/image.ts";
import { halfToFloat, int64ToFloat } from "../numeric.ts";
import { InflateError, inflateInto } from "../zlib.ts";
import {
  floatPredictor,
  horizontalPredictor,
  HOST_LE,
  type IntSamples,
  lzwDecode,
  packBitsDecode,
  reverseBits,
  swapBytes,
} from "./compression.ts";
import { fail, findIfd, parseHeader, readIfd, Tags, type TiffFile } from "./ifd.ts";

/**
 * Most bytes one byte of each compression can decode to: none 1; PackBits 64
 * (a 2-byte run of 128); LZW 3,641 (a code is at least 9 bits and stands for
 * at most 4,096 bytes: 4096 × 8/9); Deflate 1,032 (a 258-byte match in 2
 * bits, zlib's maximum ratio).
 */
export const MAX_RATIO: Record<number, number> = { 1: 1, 32773: 64, 5: 3641, 8: 1032, 32946: 1032 };
const COMPRESSION_NAMES: Record<number, string> = {
  1: "none",
  5: "LZW",
  8: "Deflate",
  32946: "Deflate",
  32773: "PackBits",
};
const PHOTOMETRIC_NAMES: Record<number, string> = {
  4: "transparency mask",
  5: "separated (CMYK)",
  6: "YCbCr",
  8: "CIE L*a*b*",
  9: "ICC L*a*b*",
  10: "ITU L*a*b*",
  32844: "LogL",
  32845: "LogLuv",
};
const MAX_TILE_BYTES = 1 << 24;
/**
 * Most Deflate strips or tiles in a page: each goes through a web
 * decompression stream, about 25 µs however small (measured: 100,000
 * one-byte strips took 2.9 s), so this keeps any file under about 8 s.
 */
const MAX_DEFLATE_CHUNKS = 1 << 18;

/** Everything the header says about the page, validated. */
interface Layout {
  width: number;
  height: number;
  spp: number;
  bits: number;
  /** 1 unsigned, 2 signed, 3 float (SampleFormat; 4 "void" reads as unsigned). */
  format: number;
  photometric: number;
  compression: number;
  predictor: number;
  /** Samples per pixel inside one chunk (1 when planar). */
  chunkSpp: number;
  planes: number;
  chunkW: number;
  chunkH: number;
  across: number;
  down: number;
  tiled: boolean;
  rowBytes: number;
  fillOrder: number;
  dtype: "u8" | "u16" | "f32";
}

function layout(tags: Tags, maxPixels: number, fileBytes: number): Layout {
  const width = tags.one(256), height = tags.one(257);
  if (width < 1 || height < 1) fail(`size ${width}x${height} is empty`);
  const spp = tags.one(277, 1);
  if (spp < 1) fail("SamplesPerPixel is 0");
  if (spp > 4) fail(`${spp} samples per pixel; imfilter images hold 1 to 4 channels`);
  const bitsList = tags.perSample(258, spp, 1);
  const bits = bitsList[0];
  if (bitsList.some((b) => b !== bits)) {
    fail(`samples of different bit depths (${bitsList.join(", ")}) are not supported`);
  }
  let format = tags.perSample(339, spp, 1).reduce((a, b) => {
    if (a !== b) fail("samples of different SampleFormats are not supported");
    return b;
  });
  if (format === 4) format = 1;
  if (format === 5 || format === 6) fail("complex samples cannot be represented in an image");
  if (format < 1 || format > 3) fail(`SampleFormat ${format} is invalid`);
  const ok = format === 1
    ? [1, 2, 4, 8, 16, 32, 64].includes(bits)
    : format === 2
    ? [8, 16, 32, 64].includes(bits)
    : [16, 32, 64].includes(bits);
  if (!ok) {
    const kind = ["", "unsigned", "signed", "float"][format];
    fail(`${bits}-bit ${kind} samples are not supported`);
  }
  const photometric = tags.one(262, spp >= 3 ? 2 : 1);
  const colour = photometric === 2 ? 3 : 1;
  if (photometric > 3) {
    const name = PHOTOMETRIC_NAMES[photometric] ?? "unknown";
    fail(`photometric interpretation ${photometric} (${name}) is not supported`);
  }
  if (spp < colour) fail(`RGB image with ${spp} samples per pixel`);
  if (photometric === 3 && (spp !== 1 || format !== 1 || bits > 8)) {
    fail(`palette images must have one unsigned sample of 1 to 8 bits, not ${spp} of ${bits}`);
  }
  const compression = tags.one(259, 1);
  const ratio = MAX_RATIO[compression];
  if (ratio === undefined) {
    fail(`compression ${compression} is not supported (none, PackBits, LZW, Deflate)`);
  }
  const predictor = tags.one(317, 1);
  if (predictor === 2 && (format === 3 || bits < 8 || bits > 32)) {
    fail(
      `predictor 2 on ${bits}-bit ${format === 3 ? "float" : "integer"} samples is not supported`,
    );
  }
  if (predictor === 3 && format !== 3) fail("predictor 3 (floating point) on integer samples");
  if (predictor < 1 || predictor > 3) fail(`predictor ${predictor} is not supported`);
  const planar = tags.one(284, 1);
  if (planar !== 1 && planar !== 2) fail(`PlanarConfiguration ${planar} is invalid`);
  const fillOrder = tags.one(266, 1);
  if (fillOrder !== 1 && fillOrder !== 2) fail(`FillOrder ${fillOrder} is invalid`);
  const channels = photometric === 3 ? 3 : spp;
  checkImageSize(width, height, channels, maxPixels);

  const tiled = tags.has(322) || tags.has(323) || tags.has(324);
  const chunkSpp = planar === 2 ? 1 : spp, planes = planar === 2 ? spp : 1;
  let chunkW = width, chunkH: number;
  if (tiled) {
    chunkW = tags.one(322);
    chunkH = tags.one(323);
    if (chunkW < 1 || chunkH < 1) fail(`tile size ${chunkW}x${chunkH} is empty`);
  } else {
    const rps = tags.one(278, height);
    chunkH = rps === 0 || rps > height ? height : rps;
  }
  const rowBytes = Math.ceil((chunkW * chunkSpp * bits) / 8);
  const imageBytes = planes * height * Math.ceil((width * chunkSpp * bits) / 8);
  if (tiled && rowBytes * chunkH > Math.max(imageBytes, MAX_TILE_BYTES)) {
    fail(`tile ${chunkW}x${chunkH} is far larger than the ${width}x${height} image`);
  }
  if (imageBytes > fileBytes * ratio) {
    fail(
      `a ${fileBytes}-byte file cannot hold a ${width}x${height} image of ${imageBytes} bytes ` +
        `(${COMPRESSION_NAMES[compression]} expands at most ${ratio}:1)`,
    );
  }
  const dtype = format === 1 && bits <= 8 ? "u8" : format === 1 && bits === 16 ? "u16" : "f32";
  return {
    width,
    height,
    spp,
    bits,
    format,
    photometric,
    compression,
    predictor,
    chunkSpp,
    planes,
    chunkW,
    chunkH,
    across: Math.ceil(width / chunkW),
    down: Math.ceil(height / chunkH),
    tiled,
    rowBytes,
    fillOrder,
    dtype,
  };
}

/** Where each chunk's data is, checked against the file before anything is decoded. */
function chunkTable(tags: Tags, l: Layout, f: TiffFile): {
  offset: (i: number) => number;
  count: (i: number) => number;
} {
  const n = l.across * l.down * l.planes;
  const kind = l.tiled ? "tile" : "strip";
  if (n > MAX_DEFLATE_CHUNKS && (l.compression === 8 || l.compression === 32946)) {
    fail(`${n} Deflate ${kind}s in one page; imfilter reads up to ${MAX_DEFLATE_CHUNKS}`);
  }
  const offset = tags.reader(l.tiled ? 324 : 273, n);
  const counts = l.tiled ? 325 : 279;
  // Without StripByteCounts an uncompressed strip is as long as its rows, as libtiff assumes.
  const count = !l.tiled && !tags.has(counts) && l.compression === 1
    ? (i: number) => neededBytes(l, i)
    : tags.reader(counts, n);
  const ratio = MAX_RATIO[l.compression];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const at = offset(i), c = count(i);
    if (c === 0 || at === 0) continue; // sparse: reads as zeros, as libtiff and tifffile do
    if (at + c > f.bytes.length) fail(`${kind} ${i} runs past the end of the file (truncated?)`);
    const need = neededBytes(l, i);
    if (c * ratio < need) {
      fail(`${kind} ${i} has ${c} bytes, too few for its ${need} bytes`);
    }
    total += c;
  }
  if (total > f.bytes.length) {
    fail(`the ${kind}s claim ${total} bytes, more than the file's ${f.bytes.length}`);
  }
  return { offset, count };
}

/** Bytes chunk `i` must decode to: a full tile, or a strip's rows inside the image. */
function neededBytes(l: Layout, i: number): number {
  if (l.tiled) return l.rowBytes * l.chunkH;
  const row = (i % l.down) * l.chunkH;
  return l.rowBytes * Math.min(l.chunkH, l.height - row);
}

type Samples = IntSamples | Float32Array | Float64Array;

/** The samples of `rows` decoded rows of one chunk, predictor undone. */
function samples(
  l: Layout,
  raw: Uint8Array,
  rows: number,
  le: boolean,
  levels: Uint8Array,
): Samples {
  const perRow = l.chunkW * l.chunkSpp, n = rows * perRow, size = l.bits / 8;
  if (l.bits < 8) {
    // Unpack MSB-first levels; each row starts on a byte.
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < perRow; i++) {
        const bit = i * l.bits, byte = raw[r * l.rowBytes + (bit >> 3)];
        levels[r * perRow + i] = (byte >> (8 - l.bits - (bit & 7))) & ((1 << l.bits) - 1);
      }
    }
    return levels;
  }
  if (l.predictor === 3) floatPredictor(raw, rows, perRow, size, l.chunkSpp, false);
  else if (size > 1 && le !== HOST_LE) swapBytes(raw.subarray(0, n * size), size);
  const buf = raw.buffer, at = raw.byteOffset;
  let out: Samples;
  if (l.format === 3) {
    if (size === 2) {
      const h = new Uint16Array(buf, at, n);
      out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(h[i]);
    } else out = size === 4 ? new Float32Array(buf, at, n) : new Float64Array(buf, at, n);
    return out;
  }
  if (size === 8) {
    const view = new DataView(buf, at, n * 8);
    out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = int64ToFloat(
        l.format === 2 ? view.getBigInt64(8 * i, HOST_LE) : view.getBigUint64(8 * i, HOST_LE),
      );
    }
    return out;
  }
  const signed = l.format === 2;
  const ints = size === 1
    ? (signed ? new Int8Array(buf, at, n) : new Uint8Array(buf, at, n))
    : size === 2
    ? (signed ? new Int16Array(buf, at, n) : new Uint16Array(buf, at, n))
    : (signed ? new Int32Array(buf, at, n) : new Uint32Array(buf, at, n));
  if (l.predictor === 2) horizontalPredictor(ints, rows, perRow, l.chunkSpp, false);
  return ints;
}

/** Decompresses one chunk into `target`; returns the bytes written. */
async function decompress(
  l: Layout,
  src: Uint8Array,
  target: Uint8Array,
  what: string,
): Promise<number> {
  switch (l.compression) {
    case 1: {
      const n = Math.min(src.length, target.length);
      target.set(src.subarray(0, n));
      return n;
    }
    case 5:
      return lzwDecode(src, target);
    case 32773:
      return packBitsDecode(src, target);
    default:
      try {
        return await inflateInto(src, target);
      } catch (e) {
        if (!(e instanceof InflateError)) throw e;
        if (e.kind === "overflow") fail(`${what} holds more data than its size`);
        fail(`${what} has corrupt Deflate data (${e.message})`);
      }
  }
}

/**
 * Decodes page `page` (0-based; default the first) of a TIFF file. Throws
 * `DECODE_FAILED` for anything malformed or unsupported (one line, saying
 * which) and `IMAGE_TOO_LARGE` over `maxPixels` or `maxBytes`, before allocating.
 */
export async function decodeTiff(
  bytes: Uint8Array,
  options: { maxPixels: number; maxBytes?: number; page?: number },
): Promise<Image> {
  const f = parseHeader(bytes);
  const { at } = findIfd(f, options.page ?? 0);
  const tags = new Tags(f, readIfd(f, at));
  const l = layout(tags, options.maxPixels, bytes.length);
  const { offset, count } = chunkTable(tags, l, f);
  const { width, height, spp, chunkW, chunkH, chunkSpp } = l;
  const palette = l.photometric === 3;
  const colormap = palette ? tags.list(320, 3 << l.bits) : [];
  const pixels = width * height * spp;
  // The memory budget, after the checks that the file can hold the image (those are DECODE_FAILED).
  const bps = l.dtype === "u8" || palette ? 1 : l.dtype === "u16" ? 2 : 4;
  checkImageBytes(width, height, palette ? 3 : spp, bps, options.maxBytes);
  const out = l.dtype === "u8" || palette
    ? new Uint8Array(pixels)
    : l.dtype === "u16"
    ? new Uint16Array(pixels)
    : new Float32Array(pixels);
  const chunkBytes = l.rowBytes * chunkH;
  const scratch = new Uint8Array(chunkBytes);
  const levels = new Uint8Array(l.bits < 8 ? chunkW * chunkSpp * chunkH : 0);
  const kind = l.tiled ? "tile" : "strip";
  for (let plane = 0, i = 0; plane < l.planes; plane++) {
    for (let ty = 0; ty < l.down; ty++) {
      for (let tx = 0; tx < l.across; tx++, i++) {
        const y0 = ty * chunkH, x0 = tx * chunkW;
        const rows = Math.min(chunkH, height - y0), cols = Math.min(chunkW, width - x0);
        const at = offset(i), c = count(i);
        if (c === 0 || at === 0) continue;
        let src = bytes.subarray(at, at + c);
        if (l.fillOrder === 2) src = reverseBits(src);
        const need = neededBytes(l, i);
        scratch.fill(0);
        const got = await decompress(l, src, scratch, `${kind} ${i}`);
        if (got < need) fail(`${kind} ${i} is truncated: ${got} of ${need} bytes`);
        const values = samples(l, scratch, rows, f.le, levels);
        for (let r = 0; r < rows; r++) {
          let s = r * chunkW * chunkSpp;
          let d = ((y0 + r) * width + x0) * spp + plane;
          for (let x = 0; x < cols; x++, d += spp) {
            for (let k = 0; k < chunkSpp; k++) out[d + k] = values[s++];
          }
        }
      }
    }
  }
  const max = 2 ** l.bits - 1;
  if (l.photometric === 0 && l.bits <= 8) {
    for (let p = 0; p < pixels; p += spp) out[p] = max - out[p];
  }
  if (palette) {
    const n = 1 << l.bits, rgb = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const idx = out[p];
      rgb[3 * p] = colormap[idx] >> 8;
      rgb[3 * p + 1] = colormap[n + idx] >> 8;
      rgb[3 * p + 2] = colormap[2 * n + idx] >> 8;
    }
    return new Image(width, height, 3, rgb);
  }
  if (l.bits < 8) {
    for (let p = 0; p < pixels; p++) out[p] = Math.round((out[p] * 255) / max);
  }
  return new Image(width, height, spp, out);
}
