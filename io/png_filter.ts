/**
 * PNG row filtering for the encoder: every row gets the filter (None, Sub,
 * Up, Average or Paeth) whose residual bytes `r` have the smallest sum of
 * `min(r, 256 − r)` — libpng's default heuristic — the lower type on a tie.
 *
 * {@linkcode filterRows} filters an image band by band (about 256 KiB of
 * rows at a time) and hands each band of filtered rows (type byte + bytes)
 * to a consumer, so the whole filtered image is never held. The SIMD kernel
 * (`png_filter.wat`, glue `png_filter_simd.ts`) does the work when SIMD is
 * on; {@linkcode filterRow} here is the reference it is tested against and
 * the fallback, byte for byte the same.
 *
 * @module
 */

import type { Image } from "../core/image.ts";
import { simdFilterRows } from "./png_filter_simd.ts";

/** Raw bytes of filtered rows per band handed to the consumer. */
const BAND_BYTES = 1 << 18;

/**
 * Filters one row of `n` bytes (`prev`: the row above, all zeros for the
 * first row; `bpp` bytes per pixel) into `out[at]` (the type) and
 * `out[at + 1 ..= at + n]`. Returns the type.
 */
export function filterRow(
  cur: Uint8Array,
  prev: Uint8Array,
  n: number,
  bpp: number,
  out: Uint8Array,
  at: number,
): number {
  const cost = [0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const x = cur[i], b = prev[i];
    const a = i >= bpp ? cur[i - bpp] : 0, c = i >= bpp ? prev[i - bpp] : 0;
    const r0 = x, r1 = (x - a) & 255, r2 = (x - b) & 255, r3 = (x - ((a + b) >> 1)) & 255;
    const r4 = (x - paeth(a, b, c)) & 255;
    cost[0] += r0 < 128 ? r0 : 256 - r0;
    cost[1] += r1 < 128 ? r1 : 256 - r1;
    cost[2] += r2 < 128 ? r2 : 256 - r2;
    cost[3] += r3 < 128 ? r3 : 256 - r3;
    cost[4] += r4 < 128 ? r4 : 256 - r4;
  }
  let type = 0;
  for (let t = 1; t < 5; t++) if (cost[t] < cost[type]) type = t;
  out[at] = type;
  for (let i = 0; i < n; i++) {
    const x = cur[i], b = prev[i];
    const a = i >= bpp ? cur[i - bpp] : 0, c = i >= bpp ? prev[i - bpp] : 0;
    const pred = type === 0
      ? 0
      : type === 1
      ? a
      : type === 2
      ? b
      : type === 3
      ? (a + b) >> 1
      : paeth(a, b, c);
    out[at + 1 + i] = x - pred;
  }
  return type;
}

/** The Paeth predictor of PNG (the neighbour closest to a + b − c, ties a, b, c). */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Filters the rows of a `u8` or `u16` image (16-bit samples big-endian, as
 * PNG stores them) and hands them to `push` a band at a time: rows of a
 * type byte and `width · channels · bytes` bytes. `push` must use or copy
 * each band before returning (the buffer is reused).
 */
export function filterRows(image: Image, push: (band: Uint8Array) => void): void {
  const { width, height, channels } = image;
  const is16 = image.dtype === "u16";
  const bpp = channels * (is16 ? 2 : 1);
  const stride = width * bpp;
  const bandRows = Math.max(1, Math.min(height, Math.floor(BAND_BYTES / stride)));
  if (simdFilterRows(image, bpp, bandRows, push)) return;
  const src = image.data;
  let cur = new Uint8Array(stride), prev = new Uint8Array(stride);
  const out = new Uint8Array(bandRows * (stride + 1));
  for (let y0 = 0; y0 < height; y0 += bandRows) {
    const rows = Math.min(bandRows, height - y0);
    for (let r = 0; r < rows; r++) {
      const base = (y0 + r) * width * channels;
      if (is16) {
        for (let i = 0, n = width * channels; i < n; i++) {
          const v = src[base + i];
          cur[2 * i] = v >> 8;
          cur[2 * i + 1] = v & 255;
        }
      } else {
        cur.set((src as Uint8Array).subarray(base, base + stride));
      }
      filterRow(cur, prev, stride, bpp, out, r * (stride + 1));
      [cur, prev] = [prev, cur];
    }
    push(out.subarray(0, rows * (stride + 1)));
  }
}
