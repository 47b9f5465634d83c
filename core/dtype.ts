/**
 * Pixel types and the one conversion rule: integer outputs are rounded to
 * nearest with ties to even (OpenCV `saturate_cast`) and saturated.
 *
 * @module
 */

import { FilterError, show } from "./errors.ts";

/** The pixel types an {@linkcode Image} can hold. */
export type DType = "u8" | "u16" | "f32";

/** The typed array behind each {@linkcode DType}. */
export type PixelArray = Uint8Array | Uint16Array | Float32Array;

/**
 * What {@linkcode Image} accepts as pixels: a {@linkcode PixelArray}, or a
 * `Uint8ClampedArray` (what a canvas `ImageData` holds), taken as u8.
 */
export type PixelInput = PixelArray | Uint8ClampedArray;

/** Every dtype name, in a stable order. */
export const DTYPES: readonly DType[] = ["u8", "u16", "f32"];

/** The dtype of a pixel array, or `undefined` when it is not one. */
export function dtypeOf(data: unknown): DType | undefined {
  if (data instanceof Uint8Array) return "u8";
  if (data instanceof Uint16Array) return "u16";
  if (data instanceof Float32Array) return "f32";
  return undefined;
}

/**
 * The pixel array behind accepted pixel data, without copying: a
 * `Uint8ClampedArray` becomes a `Uint8Array` view of the same memory;
 * `undefined` when `data` is no pixel array.
 */
export function pixelArrayOf(data: unknown): PixelArray | undefined {
  if (data instanceof Uint8ClampedArray) {
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  }
  return dtypeOf(data) === undefined ? undefined : data as PixelArray;
}

function unsupported(dtype: unknown, what = "dtype"): never {
  throw new FilterError(
    "UNSUPPORTED_DTYPE",
    `${what} ${show(dtype)} is not supported; use "u8", "u16" or "f32"`,
  );
}

/** Bytes per sample of a dtype. */
export function bytesPerSample(dtype: DType): number {
  return dtype === "u8" ? 1 : dtype === "u16" ? 2 : 4;
}

/**
 * A pixel array of a dtype viewing `length` samples of `buffer` from
 * `byteOffset` (an `ArrayBuffer` or a `SharedArrayBuffer` shared with workers).
 */
export function pixelView(
  dtype: DType,
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
): PixelArray {
  switch (dtype) {
    case "u8":
      return new Uint8Array(buffer, byteOffset, length);
    case "u16":
      return new Uint16Array(buffer, byteOffset, length);
    case "f32":
      return new Float32Array(buffer, byteOffset, length);
  }
  return unsupported(dtype);
}

/** Allocates a zeroed pixel array of a dtype. */
export function allocate(dtype: DType, length: number): PixelArray {
  switch (dtype) {
    case "u8":
      return new Uint8Array(length);
    case "u16":
      return new Uint16Array(length);
    case "f32":
      return new Float32Array(length);
  }
  return unsupported(dtype);
}

/**
 * Memory for `length` samples of a dtype: `into` when it is exactly that
 * (the caller memory a runner asked output rows to go to, see
 * `OutputRows`), else a fresh zeroed array.
 */
export function allocateInto(dtype: DType, length: number, into?: PixelArray): PixelArray {
  return into && into.length === length && dtypeOf(into) === dtype ? into : allocate(dtype, length);
}

/** Checks a dtype name, with a clear error naming what is allowed. */
export function checkDtype(dtype: unknown, what = "dtype"): DType {
  if (dtype === "u8" || dtype === "u16" || dtype === "f32") return dtype;
  return unsupported(dtype, what);
}

/** The largest value of an integer dtype (Infinity for f32). */
export function dtypeMax(dtype: DType): number {
  return dtype === "u8" ? 255 : dtype === "u16" ? 65535 : Infinity;
}

/**
 * Rounds to nearest, ties to even (banker's rounding, as `saturate_cast`).
 *
 * @example
 * ```ts
 * import { roundHalfEven } from "@imfilter/imfilter";
 * console.log(roundHalfEven(2.5), roundHalfEven(3.5)); // 2 4
 * ```
 */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/**
 * Copies numbers into a pixel array of any dtype: integer targets are rounded
 * (ties to even) and saturated, NaN becomes 0; float targets take the values
 * as they are.
 */
export function storeInto(dst: PixelArray, src: ArrayLike<number>): void {
  const n = dst.length;
  if (dst instanceof Float32Array) {
    for (let i = 0; i < n; i++) dst[i] = src[i];
    return;
  }
  const max = dst instanceof Uint8Array ? 255 : 65535;
  for (let i = 0; i < n; i++) {
    const v = src[i];
    if (v > 0) {
      if (v >= max) dst[i] = max;
      else {
        const r = Math.round(v);
        dst[i] = r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
      }
    } else dst[i] = 0; // negatives and NaN
  }
}

/** Converts a whole pixel array to another dtype (rounding and saturating). */
export function convertArray(src: PixelArray, dtype: DType): PixelArray {
  const dst = allocate(dtype, src.length);
  storeInto(dst, src);
  return dst;
}
