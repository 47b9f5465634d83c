/**
 * `box` ({@linkcode boxBlur}): the mean (or sum) over a `width × height`
 * window — OpenCV `blur` / `boxFilter`, `scipy.ndimage.uniform_filter`.
 * Running sums make the cost independent of the size (filters/linear/box_sums.ts);
 * integer images are summed exactly, so the mean of a u8 image is the
 * exact quotient rounded half to even.
 *
 * The window of an even size `k` covers offsets `−floor(k/2) … k − 1 − floor(k/2)`
 * (OpenCV's anchor `(-1, -1)` = `floor(k/2)`; also `uniform_filter`'s centring).
 *
 * @module
 */

import type { BoundaryMode } from "../../core/boundary.ts";
import type { DType } from "../../core/dtype.ts";
import type { Image } from "../../core/image.ts";
import { correlationGeometry } from "./direct.ts";
import { boxFilterImage } from "./box_sums.ts";
import type { ParamSpecs, Size } from "../../core/params.ts";
import type { AlphaMode } from "../../core/planes.ts";
import {
  type FilterPlugin,
  PLUGIN_BRAND,
  registerBuiltin,
  runSyncImage,
} from "../../core/registry.ts";
import { commonLinearSpecs } from "./convolve.ts";

/** Options of {@linkcode boxBlur}. */
export interface BoxOptions {
  /** Window size: a number or `[width, height]` (default 3). */
  size?: number | [number, number];
  /** Divide by the window area (the mean, default) or not (the plain sum). */
  normalize?: boolean;
  /** Border handling (default `"reflect"`; aliases accepted). */
  boundary?: BoundaryMode | string;
  /** The value outside the image for `boundary: "constant"` (default 0). */
  cval?: number;
  /** Output dtype (default: the input's; sums of u8 images usually want `"f32"`). */
  dtype?: DType;
  /** `"keep"` (default) passes an alpha channel through; `"filter"` blurs it too. */
  alpha?: AlphaMode;
}

/** Resolved params of the `box` plugin. */
export interface BoxParams {
  /** Window `[width, height]`. */
  size: Size;
  /** Mean (true) or sum (false). */
  normalize: boolean;
  /** Border handling. */
  boundary: BoundaryMode;
  /** Constant border value. */
  cval: number;
  /** Output dtype. */
  dtype?: DType;
  /** Alpha handling. */
  alpha: AlphaMode;
}

const boxSpecs: ParamSpecs<BoxParams> = {
  size: {
    type: "size",
    default: [3, 3],
    min: 1,
    max: 8191,
    description: "window size, N or WxH",
    example: "5",
  },
  normalize: {
    type: "boolean",
    default: true,
    description: "divide by the window area (mean); false gives the window sum",
  },
  ...commonLinearSpecs,
};

function applyBox(image: Image, params: BoxParams): Image {
  const [kw, kh] = params.size;
  const w = image.width, h = image.height;
  const g = correlationGeometry(w, h, kw, kh, "same", { x: kw >> 1, y: kh >> 1 });
  const divisor = params.normalize ? kw * kh : 1;
  const { boundary, cval, alpha } = params;
  const dtype = params.dtype ?? image.dtype;
  return boxFilterImage(image, kw, kh, g, boundary, cval, dtype, alpha, divisor);
}

/** The `box` plugin. */
export const boxPlugin: FilterPlugin<BoxParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "box",
  family: "linear",
  summary: "box (mean) blur by running sums, any size at the same cost (OpenCV blur/boxFilter)",
  params: boxSpecs,
  linear: true,
  example: "in.png out.png --size 31",
  cost: "O(W·H) whatever the size (running sums); size <= 8191",
  // Integer running sums are exact, so stripes give identical rows; float
  // sums restart at row multiples of the size, which a stripe would shift.
  halo: (params, image) =>
    image.dtype !== "f32" && Number.isInteger(params.cval) ? params.size[1] >> 1 : undefined,
  apply: (image, params) => applyBox(image, params),
};

/**
 * The mean (or, with `normalize: false`, the sum) over a window around each
 * pixel, at a cost independent of the window size.
 *
 * @example
 * ```ts
 * import { boxBlur, Image } from "@imfilter/imfilter";
 * const img = Image.fromRows([[0, 3, 6, 9]], "u8");
 * console.log(Array.from(boxBlur(img, { size: [3, 1], boundary: "replicate" }).data));
 * // [1, 3, 6, 8]
 * ```
 */
export function boxBlur(image: Image, options: BoxOptions = {}): Image {
  return runSyncImage(boxPlugin, image, { ...options });
}

registerBuiltin(boxPlugin);
