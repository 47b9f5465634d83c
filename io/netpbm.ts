/**
 * Netpbm, read and write: PBM, PGM and PPM, plain (P1–P3) and raw (P4–P6),
 * and PAM (P7: BLACKANDWHITE, GRAYSCALE, RGB and their _ALPHA forms).
 *
 * Samples as Pillow reads them: maxval ≤ 255 → `u8`, 256–65535 → `u16`;
 * maxval 255 and 65535 are kept as stored, any other maxval is scaled to the
 * full range, `round(v / maxval × 255)` (or × 65535), ties to even — so a
 * PGM with maxval 1000 holds 0–65535, as `PIL.Image.open` gives it. Raw
 * samples above maxval saturate and plain ones are refused (as Pillow).
 * Bitmaps (PBM, PAM BLACKANDWHITE) read as `u8` 0/255, PBM's 1 (ink) as 0.
 * Pillow reduces 16-bit PPM to 8 bits and cannot read PAM; imfilter keeps
 * 16 bits and reads PAM by the same rule.
 *
 * Writing: 1 channel → P5, 3 → P6, 2 and 4 → P7 (GRAYSCALE_ALPHA,
 * RGB_ALPHA); `u8` with maxval 255, `u16` with 65535. The kind follows the
 * channels, not the extension, as Pillow does.
 *
 * Untrusted input: header numbers have at most 10 digits, the size cap and
 * the raster's minimum length are checked before anything is allocated.
 *
 * @module
 */

import type { Codec } from "./codecs.ts";
import { FilterError, show } from "../core/errors.ts";
import { checkImageBytes, checkImageSize, DEFAULT_MAX_BYTES, Image } from "../core/image.ts";

function fail(message: string): never {
  throw new FilterError("DECODE_FAILED", `netpbm: ${message}`);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Whether the bytes start with a netpbm magic number (P1–P7 and whitespace). */
export function isNetpbm(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x50 && b[1] >= 0x31 && b[1] <= 0x37 && isSpace(b[2]);
}

/** Skips whitespace and `#` comments from `p`. */
function skip(b: Uint8Array, p: number): number {
  for (;;) {
    while (p < b.length && isSpace(b[p])) p++;
    if (b[p] !== 0x23) return p;
    while (p < b.length && b[p] !== 10 && b[p] !== 13) p++;
  }
}

/** A decimal number of at most 10 digits at `p`; returns it and the position after it. */
function number(b: Uint8Array, p: number, what: string): [number, number] {
  let v = 0, n = 0;
  while (p + n < b.length && b[p + n] >= 0x30 && b[p + n] <= 0x39) {
    if (n === 10) fail(`${what} has more than 10 digits`);
    v = v * 10 + b[p + n] - 0x30;
    n++;
  }
  if (n === 0) {
    fail(p >= b.length ? `the file ends before the ${what}` : `${what} is not a number`);
  }
  return [v, p + n];
}

/** What the header says. */
interface Header {
  kind: number;
  width: number;
  height: number;
  depth: number;
  maxval: number;
  /** Where the raster starts. */
  data: number;
}

const TUPLE_DEPTHS: Record<string, number> = {
  BLACKANDWHITE: 1,
  GRAYSCALE: 1,
  RGB: 3,
  BLACKANDWHITE_ALPHA: 2,
  GRAYSCALE_ALPHA: 2,
  RGB_ALPHA: 4,
};

function pamHeader(b: Uint8Array): Header {
  const seen = new Map<string, string>();
  let p = 3;
  for (;;) {
    if (p >= b.length) fail("PAM header has no ENDHDR line");
    let end = p;
    while (end < b.length && b[end] !== 10) end++;
    if (end - p > 256) fail("PAM header line is longer than 256 bytes");
    const line = String.fromCharCode(...b.subarray(p, end)).trim();
    p = end + 1;
    if (line === "" || line.startsWith("#")) continue;
    if (line === "ENDHDR") break;
    const m = /^([A-Z]+)(?:\s+(.*))?$/.exec(line);
    const key = m?.[1] ?? "";
    if (!m || !["WIDTH", "HEIGHT", "DEPTH", "MAXVAL", "TUPLTYPE"].includes(key)) {
      fail(
        `PAM header line ${
          show(line.slice(0, 40))
        } is not WIDTH, HEIGHT, DEPTH, MAXVAL or TUPLTYPE`,
      );
    }
    const value = (m[2] ?? "").trim();
    if (key === "TUPLTYPE") seen.set(key, ((seen.get(key) ?? "") + " " + value).trim());
    else if (seen.has(key)) fail(`PAM header repeats ${key}`);
    else seen.set(key, value);
  }
  const num = (key: string): number => {
    const v = seen.get(key);
    if (v === undefined) fail(`PAM header has no ${key}`);
    if (!/^\d{1,10}$/.test(v)) fail(`PAM ${key} ${show(v)} is not a number`);
    return Number(v);
  };
  const width = num("WIDTH"), height = num("HEIGHT"), depth = num("DEPTH"), maxval = num("MAXVAL");
  const tuple = seen.get("TUPLTYPE") ?? "";
  if (depth < 1 || depth > 4) fail(`PAM depth ${depth} is not 1 to 4 channels`);
  if (tuple !== "" && TUPLE_DEPTHS[tuple] !== depth) {
    fail(`PAM TUPLTYPE ${show(tuple.slice(0, 40))} does not go with depth ${depth}`);
  }
  if (tuple.startsWith("BLACKANDWHITE") && maxval !== 1) fail("BLACKANDWHITE PAM needs maxval 1");
  return { kind: 7, width, height, depth, maxval, data: p };
}

function parseHeader(b: Uint8Array): Header {
  if (!isNetpbm(b)) fail("bad magic number (not P1 to P7)");
  const kind = b[1] - 0x30;
  const h = kind === 7 ? pamHeader(b) : (() => {
    let p = skip(b, 2), width: number, height: number, maxval = 1;
    [width, p] = number(b, p, "width");
    [height, p] = number(b, skip(b, p), "height");
    if (kind !== 1 && kind !== 4) [maxval, p] = number(b, skip(b, p), "maxval");
    // Raw rasters start after exactly one whitespace byte; plain ones after any.
    if (p < b.length && !isSpace(b[p])) {
      fail("the header's last number is not followed by whitespace");
    }
    const depth = kind === 3 || kind === 6 ? 3 : 1;
    return { kind, width, height, depth, maxval, data: p + 1 };
  })();
  if (h.width < 1 || h.height < 1) fail(`size ${h.width}x${h.height} is empty`);
  if (h.maxval < 1 || h.maxval > 65535) fail(`maxval ${h.maxval} is not 1 to 65535`);
  return h;
}

/** Maps stored samples to image samples (Pillow's scaling); identity for maxval 255/65535. */
function scaleTable(maxval: number, outMax: number, raw: boolean): Uint16Array | undefined {
  if (maxval === outMax) return undefined;
  const table = new Uint16Array(raw ? (outMax === 255 ? 256 : 65536) : maxval + 1);
  for (let v = 0; v < table.length; v++) {
    const x = (v / maxval) * outMax;
    let r = Math.round(x);
    if (r - x === 0.5 && r % 2 === 1) r--; // ties to even, as Python's round()
    table[v] = Math.min(outMax, r);
  }
  return table;
}

/**
 * Decodes a netpbm file (see the module doc for the sample rule). Malformed
 * input is `DECODE_FAILED`; more than `maxPixels` samples or `maxBytes`
 * bytes is `IMAGE_TOO_LARGE`, before anything is allocated.
 */
export function decodeNetpbm(
  bytes: Uint8Array,
  maxPixels: number,
  maxBytes: number = DEFAULT_MAX_BYTES,
): Image {
  const h = parseHeader(bytes);
  const { kind, width, height, depth, maxval } = h;
  const bitmap = kind === 1 || kind === 4;
  checkImageSize(width, height, depth, maxPixels);
  const count = width * height * depth;
  const wide = maxval > 255;
  const plain = kind <= 3;
  const size = bitmap && !plain ? Math.ceil(width / 8) * height : plain
    ? count // at least one byte a sample
    : count * (wide ? 2 : 1);
  if (bytes.length - h.data < size) {
    fail(`the raster is truncated: ${Math.max(0, bytes.length - h.data)} of ${size} bytes`);
  }
  // The memory budget, after the checks that the file can hold the image (those are DECODE_FAILED).
  checkImageBytes(width, height, depth, wide ? 2 : 1, maxBytes);
  const out = wide ? new Uint16Array(count) : new Uint8Array(count);
  if (bitmap) {
    const stride = Math.ceil(width / 8);
    for (let y = 0, p = h.data, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i++) {
        if (plain) {
          p = skip(bytes, p);
          const c = bytes[p++];
          if (c !== 0x30 && c !== 0x31) {
            fail(p > bytes.length ? "the raster is truncated" : "a PBM sample is not 0 or 1");
          }
          out[i] = c === 0x31 ? 0 : 255;
        } else out[i] = (bytes[h.data + y * stride + (x >> 3)] >> (7 - (x & 7))) & 1 ? 0 : 255;
      }
    }
    return new Image(width, height, 1, out);
  }
  const table = scaleTable(maxval, wide ? 65535 : 255, !plain);
  if (plain) {
    for (let i = 0, p = h.data; i < count; i++) {
      let v: number;
      [v, p] = number(bytes, skip(bytes, p), `sample ${i}`);
      if (v > maxval) fail(`sample ${i} is ${v}, above maxval ${maxval}`);
      out[i] = table ? table[v] : v;
    }
  } else if (wide) {
    for (let i = 0, p = h.data; i < count; i++, p += 2) {
      const v = (bytes[p] << 8) | bytes[p + 1];
      out[i] = table ? table[v] : v;
    }
  } else if (table) {
    for (let i = 0; i < count; i++) out[i] = table[bytes[h.data + i]];
  } else out.set(bytes.subarray(h.data, h.data + count));
  return new Image(width, height, depth, out);
}

/**
 * Encodes a `u8` or `u16` image as raw netpbm: PGM (1 channel), PPM (3) or
 * PAM (2, 4), maxval 255 or 65535. `f32` is `UNSUPPORTED_DTYPE`.
 */
export function encodeNetpbm(image: Image): Uint8Array {
  const { width, height, channels, dtype, data } = image;
  if (dtype === "f32") {
    throw new FilterError(
      "UNSUPPORTED_DTYPE",
      "netpbm holds u8 or u16 samples, got f32; pass dtype u8 or u16, or write .tif or .npy",
    );
  }
  const maxval = dtype === "u16" ? 65535 : 255;
  const head = channels === 1 || channels === 3
    ? `P${channels === 1 ? 5 : 6}\n${width} ${height}\n${maxval}\n`
    : `P7\nWIDTH ${width}\nHEIGHT ${height}\nDEPTH ${channels}\nMAXVAL ${maxval}\nTUPLTYPE ${
      channels === 2 ? "GRAYSCALE_ALPHA" : "RGB_ALPHA"
    }\nENDHDR\n`;
  const text = new TextEncoder().encode(head);
  const out = new Uint8Array(text.length + data.length * (dtype === "u16" ? 2 : 1));
  out.set(text);
  if (dtype === "u8") out.set(data as Uint8Array, text.length);
  else {
    for (let i = 0, p = text.length; i < data.length; i++, p += 2) {
      out[p] = data[i] >> 8;
      out[p + 1] = data[i] & 255;
    }
  }
  return out;
}

/** Netpbm: PBM/PGM/PPM plain and raw, PAM; written as P5/P6/P7. */
export const netpbmCodec: Codec = {
  format: "netpbm",
  label: "netpbm",
  extensions: [".pnm", ".pbm", ".pgm", ".ppm", ".pam"],
  sniff: isNetpbm,
  decode: (bytes, { maxPixels, maxBytes }) => decodeNetpbm(bytes, maxPixels, maxBytes),
  encode: (image) => encodeNetpbm(image),
};
