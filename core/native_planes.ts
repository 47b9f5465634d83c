/**
 * Plane helpers in the image's own dtype (the non-linear filters — median,
 * bilateral, non-local means — use them): channel extraction without a float copy, padded
 * copies of a plane with any boundary mode, and interleaving results back.
 *
 * @module
 */

import { checkAbort } from "./abort.ts";
import { type BoundaryMode, paddedIndices } from "./boundary.ts";
import { allocate, type DType, type PixelArray, storeInto } from "./dtype.ts";
import { hasAlpha, Image } from "./image.ts";

/** A plane of samples in any numeric typed array. */
export type NumericPlane =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** One channel in the image's own dtype (no copy for one-channel images). */
export function nativePlane(image: Image, c: number): PixelArray {
  if (image.channels === 1) return image.data;
  return image.channel(c).data;
}

/**
 * Runs `fn` over each channel in its native dtype and interleaves the
 * results (rounded and saturated into `dtype`, default the input's). An
 * alpha channel is copied unchanged when `keepAlpha` is set.
 */
export function mapNativePlanes(
  image: Image,
  fn: (plane: PixelArray, channel: number) => ArrayLike<number>,
  keepAlpha: boolean,
  dtype: DType = image.dtype,
): Image {
  const ch = image.channels, n = image.width * image.height;
  const keep = keepAlpha && hasAlpha(ch);
  const out = allocate(dtype, n * ch);
  const tmp = ch === 1 ? out : allocate(dtype, n);
  for (let c = 0; c < ch; c++) {
    checkAbort();
    const plane = nativePlane(image, c);
    const result = keep && c === ch - 1 ? plane : fn(plane, c);
    if (result !== tmp) {
      if (sameKind(result, tmp)) (tmp as Float32Array).set(result as Float32Array);
      else storeInto(tmp, result);
    }
    if (ch > 1) { for (let i = 0, j = c; i < n; i++, j += ch) out[j] = tmp[i]; }
  }
  return new Image(image.width, image.height, ch, out);
}

function sameKind(a: ArrayLike<number>, b: PixelArray): boolean {
  return (a instanceof Uint8Array && b instanceof Uint8Array) ||
    (a instanceof Uint16Array && b instanceof Uint16Array) ||
    (a instanceof Float32Array && b instanceof Float32Array);
}

/**
 * Copies a plane into `out` (size `(w + left + right) × (h + top + bottom)`)
 * with the boundary mode's padding; `constant` cells get `cval`.
 */
export function padPlaneInto(
  src: ArrayLike<number>,
  w: number,
  h: number,
  left: number,
  right: number,
  top: number,
  bottom: number,
  mode: BoundaryMode,
  cval: number,
  out: NumericPlane,
): void {
  const xs = paddedIndices(w, left, right, mode);
  const ys = paddedIndices(h, top, bottom, mode);
  const pw = xs.length, ph = ys.length;
  for (let py = 0; py < ph; py++) {
    const sy = ys[py], o = py * pw;
    if (sy < 0) {
      out.fill(cval, o, o + pw);
      continue;
    }
    const so = sy * w;
    for (let px = 0; px < pw; px++) {
      const sx = xs[px];
      out[o + px] = sx < 0 ? cval : src[so + sx];
    }
  }
}
