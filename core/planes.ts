/**
 * Channel plumbing shared by filters: run a per-plane function over every
 * channel of an image, keep alpha when asked, and store the result in the
 * output dtype with the one rounding rule.
 *
 * @module
 */

import { checkAbort } from "./abort.ts";
import { allocate, type DType, storeInto } from "./dtype.ts";
import { hasAlpha, Image } from "./image.ts";

/** What happens to an alpha channel (the last of 2 or 4). */
export type AlphaMode = "keep" | "filter";

/** One channel as float64, row-major. */
export function planeOf(image: Image, c: number): Float64Array {
  const n = image.width * image.height, ch = image.channels, src = image.data;
  const out = new Float64Array(n);
  for (let i = 0, j = c; i < n; i++, j += ch) out[i] = src[j];
  return out;
}

/** Options of {@linkcode mapPlanes}. */
export interface MapPlanesOptions {
  /** Output width (default: the input's). */
  width?: number;
  /** Output height (default: the input's). */
  height?: number;
  /** Output dtype (default: the input's). */
  dtype?: DType;
  /**
   * `keep` (default) copies an alpha channel unchanged when the output has the
   * input's size; `filter` treats it like any other channel.
   */
  alpha?: AlphaMode;
}

/**
 * Applies `fn` to each channel (as a float64 plane) and interleaves the
 * results into a new image, rounding and saturating for integer dtypes.
 * `fn` returns a plane of `width * height` values.
 *
 * @example
 * ```ts
 * import { Image, mapPlanes } from "@imfilter/imfilter";
 * const rgb = Image.zeros(2, 1, 3, "u8");
 * const inverted = mapPlanes(rgb, (plane) => plane.map((v) => 255 - v));
 * console.log(Array.from(inverted.data)); // [255, 255, 255, 255, 255, 255]
 * ```
 */
export function mapPlanes(
  image: Image,
  fn: (plane: Float64Array, channel: number) => ArrayLike<number>,
  options: MapPlanesOptions = {},
): Image {
  const width = options.width ?? image.width;
  const height = options.height ?? image.height;
  const dtype = options.dtype ?? image.dtype;
  const ch = image.channels, n = width * height;
  const sameSize = width === image.width && height === image.height;
  const keepAlpha = (options.alpha ?? "keep") === "keep" && hasAlpha(ch) && sameSize;
  const out = allocate(dtype, n * ch);
  const tmp = allocate(dtype, n);
  for (let c = 0; c < ch; c++) {
    checkAbort();
    const plane = planeOf(image, c);
    const result = keepAlpha && c === ch - 1 ? plane : fn(plane, c);
    storeInto(tmp, result);
    for (let i = 0, j = c; i < n; i++, j += ch) out[j] = tmp[i];
  }
  return new Image(width, height, ch, out);
}
