/**
 * Strided channel plumbing for engines that read interleaved samples in
 * place and write straight into the output pixel array (no float64 plane
 * copies), with the same rounding rule as `mapPlanes` (round half to even,
 * saturate) and the same alpha handling. The linear engines and the
 * bilateral filter use it.
 *
 * @module
 */

import { checkAbort } from "./abort.ts";
import { allocate, type DType, type PixelArray } from "./dtype.ts";
import { hasAlpha, Image } from "./image.ts";
import type { AlphaMode } from "./planes.ts";

/** Where one channel of an interleaved image lives. */
export interface StridedPlane {
  /** The interleaved samples. */
  data: PixelArray | Float64Array;
  /** Index of the channel's first sample. */
  offset: number;
  /** Distance between consecutive samples of the channel (the channel count). */
  stride: number;
}

/**
 * Runs `fn` once per channel with the source channel and the destination
 * channel (an output of `width × height`, default the input's size), copying
 * an alpha channel unchanged when `alpha` is `"keep"` and the size is kept
 * (as `mapPlanes` does); returns the new image of dtype `dtype`.
 */
export function forEachChannel(
  image: Image,
  options: { dtype: DType; alpha: AlphaMode; width?: number; height?: number },
  fn: (src: StridedPlane, dst: OutputPlane) => void,
): Image {
  const ch = image.channels;
  const width = options.width ?? image.width, height = options.height ?? image.height;
  const same = width === image.width && height === image.height;
  const out = allocate(options.dtype, width * height * ch);
  const keep = options.alpha === "keep" && hasAlpha(ch) && same;
  for (let c = 0; c < ch; c++) {
    const src = { data: image.data, offset: c, stride: ch };
    const dst = { data: out, offset: c, stride: ch };
    if (keep && c === ch - 1) copyChannel(src, dst, width * height);
    else fn(src, dst);
  }
  return new Image(width, height, ch, out);
}

/** A destination channel: like {@linkcode StridedPlane}, in a pixel array. */
export interface OutputPlane extends StridedPlane {
  /** The interleaved output samples. */
  data: PixelArray;
}

/** A whole single-channel plane as a {@linkcode StridedPlane}. */
export function wholePlane(data: PixelArray | Float64Array): StridedPlane {
  return { data, offset: 0, stride: 1 };
}

/**
 * Copies the alpha channel of the interleaved `src` into `out` (same size,
 * `ch` channels, the rounding rule for the output dtype) when `alpha` is
 * `"keep"` and the image has one; the fast engines filter every channel
 * at once and then restore alpha with this.
 */
export function restoreAlpha(
  src: PixelArray,
  out: PixelArray,
  ch: number,
  alpha: AlphaMode | undefined,
): void {
  if (alpha !== "keep" || !hasAlpha(ch)) return;
  const n = src.length / ch;
  copyChannel(
    { data: src, offset: ch - 1, stride: ch },
    { data: out, offset: ch - 1, stride: ch },
    n,
  );
}

/** Copies `n` samples of one channel, converting with the rounding rule. */
export function copyChannel(src: StridedPlane, dst: OutputPlane, n: number): void {
  // In chunks, so the float64 staging stays small whatever the image size.
  const chunk = Math.min(n, 4096), row = new Float64Array(chunk);
  for (let at = 0; at < n; at += chunk) {
    const m = Math.min(chunk, n - at);
    for (let i = 0, j = src.offset + at * src.stride; i < m; i++, j += src.stride) {
      row[i] = src.data[j];
    }
    storeRow(dst.data, dst.offset + at * dst.stride, dst.stride, row, 0, m, 1);
  }
}

/**
 * Stores `row[from .. from + n) / divisor` into `dst` at `o`, `o + stride`, …:
 * integer targets are rounded half to even and saturated (NaN becomes 0),
 * float targets take the quotient as it is. Branch-free in the data: u8
 * goes through a `Uint8ClampedArray` view (whose conversion is exactly
 * round-half-even plus saturation), u16 through the 1.5·2^52 rounding trick.
 * Division (not multiplication by `1/divisor`) keeps exact ties exact.
 */
export function storeRow(
  dst: PixelArray,
  o: number,
  stride: number,
  row: Float64Array,
  from: number,
  n: number,
  divisor: number,
): void {
  checkAbort(); // once per output row: where a long run can stop
  if (dst instanceof Float32Array) {
    if (divisor === 1) { for (let i = 0; i < n; i++, o += stride) dst[o] = row[from + i]; }
    else for (let i = 0; i < n; i++, o += stride) dst[o] = row[from + i] / divisor;
    return;
  }
  if (dst instanceof Uint8Array) {
    const c = new Uint8ClampedArray(dst.buffer, dst.byteOffset, dst.length);
    if (divisor === 1) { for (let i = 0; i < n; i++, o += stride) c[o] = row[from + i]; }
    else for (let i = 0; i < n; i++, o += stride) c[o] = row[from + i] / divisor;
    return;
  }
  for (let i = 0; i < n; i++, o += stride) {
    const v = divisor === 1 ? row[from + i] : row[from + i] / divisor;
    // NaN stays NaN through min/max and is stored as 0.
    dst[o] = Math.max(0, Math.min(65535, v + MAGIC - MAGIC));
  }
}

/** Stores `row[0 .. n)` at `o`, `o + stride`, … of a destination array. */
export type RowStorer = (row: Float64Array, n: number, o: number, stride: number) => void;

/**
 * {@linkcode storeRow}'s rule (integers rounded half to even and saturated,
 * NaN stored as 0; floats as they are, divisor 1) bound to one destination,
 * for loops that store many short runs (its setup is done once).
 */
export function rowStorer(data: PixelArray): RowStorer {
  if (data instanceof Float32Array) {
    return (row, n, o, stride) => {
      checkAbort();
      for (let i = 0; i < n; i++, o += stride) data[o] = row[i];
    };
  }
  if (data instanceof Uint8Array) {
    const c = new Uint8ClampedArray(data.buffer, data.byteOffset, data.length);
    return (row, n, o, stride) => {
      checkAbort();
      for (let i = 0; i < n; i++, o += stride) c[o] = row[i];
    };
  }
  return (row, n, o, stride) => {
    checkAbort();
    for (let i = 0; i < n; i++, o += stride) {
      data[o] = Math.max(0, Math.min(65535, row[i] + MAGIC - MAGIC));
    }
  };
}

/** `(v + MAGIC) − MAGIC` rounds a double to the nearest integer, ties to even (|v| < 2^51). */
const MAGIC = 1.5 * 2 ** 52;
