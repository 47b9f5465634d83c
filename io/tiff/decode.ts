/**
 * A baseline TIFF decoder (first image only), strict about untrusted input:
 * strips of uncompressed, PackBits, LZW or Deflate data with optional
 * horizontal predictor; 8- and 16-bit unsigned and 32-bit float samples;
 * gray (either polarity), gray+alpha, RGB, RGBA and 8-bit palette images.
 * The channel count comes from SamplesPerPixel and PhotometricInterpretation;
 * the size cap is applied before anything is allocated; every decompressor
 * is bounded by the byte count the header implies.
 *
 * (imagescript 1.3.1's TIFF decoder fails on ordinary files with "memory
 * access out of bounds", so imfilter reads TIFF itself.)
 *
 * @module
 */

import type { Codec } from "./codecs.ts";
import { FilterError } from "../core/errors.ts";
import { checkImageSize, Image } from "../core/image.ts";
import { InflateError, inflateInto } from "./zlib.ts";

function fail(message: string): never {
  throw new FilterError("DECODE_FAILED", `TIFF: ${message}`);
}

/** Whether the bytes start with a (classic) TIFF header. */
export function isTiff(b: Uint8Array): boolean {
  return b.length >= 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 42 && b[3] === 0) ||
      (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 42));
}

const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4 };
const MAX_VALUES = 1 << 24;

/** The first IFD's tags, each as an array of unsigned integers. */
function readIfd(bytes: Uint8Array, view: DataView, le: boolean): Map<number, number[]> {
  const ifd = view.getUint32(4, le);
  if (ifd < 8 || ifd + 2 > bytes.length) fail("first IFD offset is past the end of the file");
  const count = view.getUint16(ifd, le);
  if (count === 0) fail("first IFD is empty");
  if (ifd + 2 + count * 12 > bytes.length) fail("first IFD is truncated");
  const tags = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    const tag = view.getUint16(e, le), type = view.getUint16(e + 2, le);
    const n = view.getUint32(e + 4, le);
    const size = TYPE_SIZES[type];
    if (size === undefined || type === 2 || type === 5) continue; // text, rationals: unused
    if (n > MAX_VALUES) fail(`tag ${tag} has ${n} values`);
    const at = n * size <= 4 ? e + 8 : view.getUint32(e + 8, le);
    if (at + n * size > bytes.length) fail(`tag ${tag}'s values run past the end of the file`);
    const values: number[] = new Array(n);
    for (let k = 0; k < n; k++) {
      const p = at + k * size;
      values[k] = size === 1
        ? bytes[p]
        : size === 2
        ? view.getUint16(p, le)
        : view.getUint32(p, le);
    }
    tags.set(tag, values);
  }
  return tags;
}

function packBits(src: Uint8Array, out: Uint8Array): number {
  let i = 0, o = 0;
  while (i < src.length && o < out.length) {
    const n = (src[i++] << 24) >> 24;
    if (n >= 0) {
      const end = Math.min(i + n + 1, src.length);
      while (i < end && o < out.length) out[o++] = src[i++];
    } else if (n !== -128) {
      if (i >= src.length) break;
      const v = src[i++];
      for (let k = 0; k < 1 - n && o < out.length; k++) out[o++] = v;
    }
  }
  return o;
}

function lzw(src: Uint8Array, out: Uint8Array): number {
  const prefix = new Int16Array(4096), suffix = new Uint8Array(4096), len = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    len[i] = 1;
  }
  let next = 258, width = 9, old = -1, bitPos = 0, o = 0;
  const totalBits = src.length * 8;
  const first = (code: number): number => {
    while (prefix[code] >= 0) code = prefix[code];
    return suffix[code];
  };
  const emit = (code: number): void => {
    const n = len[code];
    let p = o + n - 1;
    for (let c = code; c >= 0; c = prefix[c], p--) if (p < out.length) out[p] = suffix[c];
    o = Math.min(o + n, out.length);
  };
  while (bitPos + width <= totalBits && o < out.length) {
    let code = 0;
    for (let k = 0; k < width; k++, bitPos++) {
      code = (code << 1) | ((src[bitPos >> 3] >> (7 - (bitPos & 7))) & 1);
    }
    if (code === 256) {
      next = 258;
      width = 9;
      old = -1;
      continue;
    }
    if (code === 257) break;
    if (old < 0) {
      if (code > 255) fail("LZW data is corrupt (first code is not a literal)");
      out[o++] = code;
      old = code;
      continue;
    }
    if (code > next) fail("LZW data is corrupt (code out of range)");
    const f = code < next ? first(code) : first(old);
    if (next < 4096) {
      prefix[next] = old;
      suffix[next] = f;
      len[next] = len[old] + 1;
      next++;
    }
    emit(code);
    if (next >= (1 << width) - 1 && width < 12) width++;
    old = code;
  }
  return o;
}

/**
 * Decodes the first image of a TIFF file. Throws `DECODE_FAILED` for
 * anything malformed or unsupported and `IMAGE_TOO_LARGE` over `maxPixels`.
 */
export async function decodeTiff(bytes: Uint8Array, maxPixels: number): Promise<Image> {
  if (!isTiff(bytes)) fail("bad magic (not a TIFF file, or BigTIFF)");
  if (bytes.length < 8) fail("file is truncated in its header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[0] === 0x49;
  const tags = readIfd(bytes, view, le);
  const one = (tag: number, def?: number): number => {
    const v = tags.get(tag);
    if (v && v.length > 0) return v[0];
    if (def === undefined) fail(`required tag ${tag} is missing`);
    return def;
  };
  const width = one(256), height = one(257);
  const spp = one(277, 1);
  const photometric = one(262);
  const compression = one(259, 1);
  const predictor = one(317, 1);
  const format = one(339, 1);
  const bitsList = tags.get(258) ?? [1];
  const bits = bitsList[0];
  if (width < 1 || height < 1) fail(`size ${width}x${height} is empty`);
  if (bitsList.some((b) => b !== bits)) fail("samples of different bit depths are not supported");
  if (tags.has(322) || tags.has(324)) fail("tiled TIFF is not supported; save it in strips");
  if (one(284, 1) !== 1) fail("planar (separate) sample layout is not supported");
  let channels: number;
  if (photometric === 0 || photometric === 1) {
    if (spp > 2) fail(`gray image with ${spp} samples per pixel is not supported`);
    channels = spp;
  } else if (photometric === 2) {
    if (spp !== 3 && spp !== 4) fail(`RGB image with ${spp} samples per pixel is not supported`);
    channels = spp;
  } else if (photometric === 3) {
    if (spp !== 1) fail(`palette image with ${spp} samples per pixel is not supported`);
    channels = 3;
  } else {
    fail(`photometric interpretation ${photometric} (CMYK, YCbCr, ...) is not supported`);
  }
  const isFloat = format === 3;
  if (isFloat ? bits !== 32 : (format !== 1 || (bits !== 8 && bits !== 16))) {
    fail(
      `${bits}-bit samples of format ${format} are not supported (8/16-bit unsigned, 32-bit float)`,
    );
  }
  if (photometric === 3 && bits !== 8) fail("only 8-bit palette images are supported");
  if (isFloat && photometric === 3) fail("float palette images are invalid");
  checkImageSize(width, height, channels, maxPixels);

  const offsets = tags.get(273), counts = tags.get(279);
  if (!offsets || !counts || offsets.length !== counts.length) {
    fail("strip offsets or byte counts are missing or inconsistent");
  }
  const rowsPerStrip = Math.min(one(278, height), height) || height;
  const strips = Math.ceil(height / rowsPerStrip);
  if (offsets.length < strips) fail(`${offsets.length} strips cannot hold ${height} rows`);
  const bytesPerSample = bits / 8;
  const rowBytes = width * spp * bytesPerSample;
  const raw = new Uint8Array(rowBytes * height);
  for (let s = 0; s < strips; s++) {
    const rows = Math.min(rowsPerStrip, height - s * rowsPerStrip);
    const target = raw.subarray(s * rowsPerStrip * rowBytes, (s * rowsPerStrip + rows) * rowBytes);
    const start = offsets[s], n = counts[s];
    if (start + n > bytes.length) fail(`strip ${s} runs past the end of the file (truncated?)`);
    const src = bytes.subarray(start, start + n);
    let got: number;
    if (compression === 1) {
      got = Math.min(src.length, target.length);
      target.set(src.subarray(0, got));
    } else if (compression === 32773) {
      got = packBits(src, target);
    } else if (compression === 5) {
      got = lzw(src, target);
    } else if (compression === 8 || compression === 32946) {
      try {
        got = await inflateInto(src, target);
      } catch (e) {
        if (!(e instanceof InflateError)) throw e;
        fail(`strip ${s} has corrupt Deflate data (${e.message})`);
      }
    } else {
      fail(`compression ${compression} is not supported (none, PackBits, LZW, Deflate)`);
    }
    if (got < target.length) fail(`strip ${s} is truncated: ${got} of ${target.length} bytes`);
  }

  const samples = width * height * spp;
  let values: Uint8Array | Uint16Array | Float32Array;
  if (bits === 8) values = raw;
  else if (bits === 16) {
    values = new Uint16Array(samples);
    const rv = new DataView(raw.buffer);
    for (let i = 0; i < samples; i++) values[i] = rv.getUint16(2 * i, le);
  } else {
    values = new Float32Array(samples);
    const rv = new DataView(raw.buffer);
    for (let i = 0; i < samples; i++) values[i] = rv.getFloat32(4 * i, le);
  }
  if (predictor === 2) {
    if (isFloat) fail("horizontal predictor on float samples is not supported");
    const mask = bits === 8 ? 0xff : 0xffff;
    for (let y = 0; y < height; y++) {
      const row = y * width * spp;
      for (let i = spp; i < width * spp; i++) {
        values[row + i] = (values[row + i] + values[row + i - spp]) & mask;
      }
    }
  } else if (predictor !== 1) fail(`predictor ${predictor} is not supported`);

  if (photometric === 0) {
    if (isFloat) fail("WhiteIsZero float images are not supported");
    const max = bits === 8 ? 255 : 65535;
    for (let i = 0; i < samples; i += spp) values[i] = max - values[i];
  }
  if (photometric === 3) {
    const map = tags.get(320);
    if (!map || map.length !== 3 * 256) fail("palette image has no valid ColorMap");
    const out = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) {
      const idx = values[i];
      out[3 * i] = map[idx] >> 8;
      out[3 * i + 1] = map[256 + idx] >> 8;
      out[3 * i + 2] = map[512 + idx] >> 8;
    }
    return new Image(width, height, 3, out);
  }
  return new Image(width, height, channels, values);
}

/** TIFF (read). */
export const tiffCodec: Codec = {
  format: "tiff",
  label: "TIFF",
  extensions: [".tif", ".tiff"],
  sniff: isTiff,
  decode: (bytes, { maxPixels }) => decodeTiff(bytes, maxPixels),
};
