/**
 * The PNG row filter's SIMD kernel (`png_filter.wat`) and its glue: each
 * band of source rows (and the row above it) is copied into the kernel's
 * memory, 16-bit rows turned big-endian there, filtered, and the filtered
 * band handed on straight from that memory. Byte for byte
 * {@linkcode filterRow} of png_filter.ts, which stays the fallback.
 *
 * @module
 */

import type { Image } from "../core/image.ts";
import { lazyKernel } from "../engines/simd.ts";
import { WASM_BASE64 } from "./png_filter_wasm.ts";

const kernel = lazyKernel(() => WASM_BASE64);

interface Exports {
  filter_rows(src: number, prev0: number, rows: number, n: number, bpp: number, dst: number): void;
  swap16(p: number, n: number): void;
}

const align = (n: number) => (n + 63) & ~63;

/**
 * Filters `image` (see `filterRows`) with the SIMD kernel, `bandRows` rows
 * at a time; returns `false` (having done nothing) when SIMD is off or
 * unsupported, the rows are too long for its 31-bit scores, or its memory
 * cannot grow.
 */
export function simdFilterRows(
  image: Image,
  bpp: number,
  bandRows: number,
  push: (band: Uint8Array) => void,
): boolean {
  const { width, height, channels } = image;
  const stride = width * bpp;
  const k = stride < 2 ** 24 ? kernel.get() : undefined;
  if (!k) return false;
  // [zero row][row above the band][band rows][filtered band], each with slack.
  const zero = 64, src = align(zero + stride + 32), dst = align(src + (bandRows + 1) * stride + 32);
  let buffer: ArrayBuffer;
  try {
    buffer = k.reserve(dst + bandRows * (stride + 1) + 64);
  } catch {
    return false;
  }
  const e = k.exports as unknown as Exports;
  const u8 = new Uint8Array(buffer);
  u8.fill(0, 0, src);
  const is16 = image.dtype === "u16";
  const samples = width * channels;
  for (let y0 = 0; y0 < height; y0 += bandRows) {
    const rows = Math.min(bandRows, height - y0);
    // The row above comes along (it is the first row's upper neighbour).
    const from = Math.max(0, y0 - 1), at = y0 > 0 ? src : src + stride;
    const data = image.data.subarray(from * samples, (y0 + rows) * samples);
    if (is16) {
      new Uint16Array(buffer, at, data.length).set(data);
      e.swap16(at, data.length * 2);
    } else {
      u8.set(data as Uint8Array, at);
    }
    e.filter_rows(src + stride, y0 > 0 ? src : zero, rows, stride, bpp, dst);
    push(u8.subarray(dst, dst + rows * (stride + 1)));
  }
  return true;
}
