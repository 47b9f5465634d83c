/**
 * `convolve` and `correlate`: exact linear filtering with any kernel, every
 * boundary mode, `same`/`full`/`valid` output and custom anchors.
 *
 * Formulas, with `a` the anchor, `K` the kernel and `I` the padded input:
 *
 * - correlate: `out[y][x] = Σ_j Σ_i K[j][i] · I[y + j − a.y][x + i − a.x]`
 * - convolve:  `out[y][x] = Σ_j Σ_i K[j][i] · I[y − j + a.y][x − i + a.x]`
 *
 * Default anchors: `floor(size / 2)` for correlate (OpenCV `filter2D`,
 * `scipy.ndimage.correlate`), `floor((size − 1) / 2)` for convolve
 * (`scipy.signal.convolve2d` 'same'), so that
 * `convolve(I, K) == correlate(I, K.flip())` for every size.
 *
 * @module
 */

import type { BoundaryMode } from "../core/boundary.ts";
import type { DType } from "../core/dtype.ts";
import type { Image } from "../core/image.ts";
import { Kernel, type Point } from "../core/kernel.ts";
import {
  correlatePlaneDirect,
  correlationGeometry,
  OUTPUT_MODES,
  type OutputMode,
} from "../core/linear.ts";
import type { ParamSpec, ParamSpecs } from "../core/params.ts";
import { type AlphaMode, mapPlanes } from "../core/planes.ts";
import { type FilterPlugin, PLUGIN_BRAND, registerFilter, runSyncImage } from "../core/registry.ts";

/** Options shared by {@linkcode convolve} and {@linkcode correlate}. */
export interface LinearOptions {
  /** Border handling (default `"reflect"`; aliases accepted). */
  boundary?: BoundaryMode | string;
  /** The value outside the image for `boundary: "constant"` (default 0). */
  cval?: number;
  /** Output size: `"same"` (default), `"full"` or `"valid"`. */
  mode?: OutputMode;
  /** The kernel element over the output pixel in `same` mode (overrides the kernel's own). */
  anchor?: Point | [number, number];
  /** Output dtype (default: the input's). */
  dtype?: DType;
  /** `"keep"` (default) passes an alpha channel through; `"filter"` filters it too. */
  alpha?: AlphaMode;
}

/** Resolved params of the `convolve`/`correlate` plugins. */
export interface LinearParams {
  /** The kernel. */
  kernel: Kernel;
  /** Border handling. */
  boundary: BoundaryMode;
  /** Constant border value. */
  cval: number;
  /** Output size mode. */
  mode: OutputMode;
  /** Anchor override. */
  anchor?: Point;
  /** Output dtype. */
  dtype?: DType;
  /** Alpha handling. */
  alpha: AlphaMode;
}

/** Param specs shared by linear filters: boundary, cval, dtype, alpha. */
export const commonLinearSpecs: {
  boundary: ParamSpec;
  cval: ParamSpec;
  dtype: ParamSpec;
  alpha: ParamSpec;
} = {
  boundary: {
    type: "boundary",
    default: "reflect",
    description: "border handling",
    example: "replicate",
  },
  cval: {
    type: "number",
    default: 0,
    description: "value outside the image for boundary constant",
  },
  dtype: {
    type: "dtype",
    description: "output dtype (default: the input's); f32 keeps signed values",
  },
  alpha: {
    type: "enum",
    values: ["keep", "filter"],
    default: "keep",
    description: "alpha channel (2nd of 2, 4th of 4): keep unchanged or filter it too",
  },
};

const linearSpecs: ParamSpecs<LinearParams> = {
  kernel: {
    type: "kernel",
    required: true,
    description: "the kernel: inline rows, a named kernel or a .json/.npy file",
    example: '"1,0,1;0,1,0;1,0,1"',
  },
  mode: {
    type: "enum",
    values: OUTPUT_MODES,
    default: "same",
    description: "output size: same (input size), full or valid (no border pixels)",
  },
  anchor: {
    type: "point",
    description: "kernel element over the output pixel, x,y (default: the centre)",
  },
  ...commonLinearSpecs,
};

/**
 * Correlates every channel with a kernel by the exact direct method (the
 * reference implementation); `flip` turns it into convolution.
 */
export function linearFilter(image: Image, params: LinearParams, flip: boolean): Image {
  const base = params.anchor ? params.kernel.withAnchor(params.anchor) : params.kernel;
  const kw = base.width, kh = base.height;
  let kernel: Kernel, anchor: Point;
  if (flip) {
    // convolve(I, K) with anchor a == correlate(I, flip(K)) with anchor (size − 1 − a).
    const a = base.anchor ?? { x: (kw - 1) >> 1, y: (kh - 1) >> 1 };
    kernel = base.withAnchor(a).flip();
    anchor = kernel.anchor!;
  } else {
    kernel = base;
    anchor = base.anchor ?? { x: kw >> 1, y: kh >> 1 };
  }
  const g = correlationGeometry(image.width, image.height, kw, kh, params.mode, anchor);
  return mapPlanes(
    image,
    (plane) =>
      correlatePlaneDirect(
        plane,
        image.width,
        image.height,
        kernel,
        g,
        params.boundary,
        params.cval,
      ),
    { width: g.width, height: g.height, dtype: params.dtype, alpha: params.alpha },
  );
}

/** The `correlate` plugin (no kernel flip: OpenCV `filter2D`, `scipy.ndimage.correlate`). */
export const correlatePlugin: FilterPlugin<LinearParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "correlate",
  summary: "correlation with any kernel (no flip; OpenCV filter2D, scipy.ndimage.correlate)",
  params: linearSpecs,
  linear: true,
  shape: "any",
  example: 'in.png out.png --kernel "0,1,0;1,-4,1;0,1,0" --dtype f32 --boundary replicate',
  apply: (image, params) => linearFilter(image, params, false),
};

/** The `convolve` plugin (kernel flipped: `scipy.signal.convolve2d`, the textbook definition). */
export const convolvePlugin: FilterPlugin<LinearParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "convolve",
  summary: "convolution with any kernel (flipped; scipy.signal.convolve2d, the textbook I*M)",
  params: linearSpecs,
  linear: true,
  shape: "any",
  example: 'in.png out.png --kernel "1,0,1;0,1,0;1,0,1" --boundary constant',
  apply: (image, params) => linearFilter(image, params, true),
};

/**
 * Convolves an image with a kernel: `out[y][x] = Σ K[j][i] · I[y − j + a.y][x − i + a.x]`.
 *
 * @example The lecture notes' worked example (valid mode)
 * ```ts
 * import { convolve, Image } from "@imfilter/imfilter";
 * const img = Image.fromRows([
 *   [0, 1, 1, 1, 0, 0, 0], [0, 0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 1, 1, 0],
 *   [0, 0, 0, 1, 1, 0, 0], [0, 0, 1, 1, 0, 0, 0], [0, 1, 1, 0, 0, 0, 0],
 *   [1, 1, 0, 0, 0, 0, 0],
 * ]);
 * const out = convolve(img, [[1, 0, 1], [0, 1, 0], [1, 0, 1]], { mode: "valid" });
 * console.log(out.width, out.height, out.get(0, 0)); // 5 5 1
 * ```
 */
export function convolve(
  image: Image,
  kernel: Kernel | readonly (readonly number[])[] | string,
  options: LinearOptions = {},
): Image {
  return runSyncImage(convolvePlugin, image, { ...options, kernel });
}

/**
 * Correlates an image with a kernel: `out[y][x] = Σ K[j][i] · I[y + j − a.y][x + i − a.x]`.
 *
 * @example A signed derivative needs dtype f32
 * ```ts
 * import { correlate, Image } from "@imfilter/imfilter";
 * const ramp = Image.fromRows([[0, 10, 20, 30]], "u8");
 * const dx = correlate(ramp, "-1,0,1", { dtype: "f32", boundary: "replicate" });
 * console.log(Array.from(dx.data)); // [10, 20, 20, 10]
 * ```
 */
export function correlate(
  image: Image,
  kernel: Kernel | readonly (readonly number[])[] | string,
  options: LinearOptions = {},
): Image {
  return runSyncImage(correlatePlugin, image, { ...options, kernel });
}

registerFilter(correlatePlugin);
registerFilter(convolvePlugin);
