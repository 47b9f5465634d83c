/**
 * Edge and effect filters built on the catalogue kernels: `sobel`, `scharr`
 * (x, y, gradient magnitude or angle), `laplacian`, `sharpen`, `emboss`, and
 * the lecture notes' derivative masks (`derivative`).
 *
 * Signs and dtypes: derivatives are signed. Following the dtype rule, the
 * output has the input's dtype unless `dtype` is given, so a u8 image gives
 * a u8 result where negative values saturate to 0 — pass `dtype: "f32"` to
 * keep signed values. The default `output` of `sobel`/`scharr` is the
 * magnitude, which is never negative and is useful as it is in u8 (it
 * saturates at 255). `x`/`y` are correlations with `sobel-x`/`sobel-y`
 * (positive where the image gets brighter towards +x / +y, as OpenCV's
 * `Sobel`); magnitude is `|x + i·y|` — the modulus of the article's complex
 * Scharr response; angle is `atan2(y, x)` in degrees in `[0, 360)` (as
 * `cv2.phase(…, angleInDegrees=True)`; use u16 or f32 output).
 *
 * Algorithm and memory of `sobel`/`scharr`: both derivatives are separable
 * (`[1 2 1]` or `[3 10 3]` smoothing times the `[-1 0 1]` difference), run
 * by the streaming separable engine channel by channel, reading the input in
 * place and writing each output row straight into the output image (for
 * `magnitude`/`angle` the two derivatives share each source row and are
 * combined row by row). Beyond input and output, a few rows of float64.
 *
 * `laplacian`, `sharpen`, `emboss` and `derivative` are convolutions with
 * their catalogue kernel (the textbook `I ∗ M`, as the lecture notes write
 * them), so each one's impulse response is its kernel.
 *
 * @module
 */

import type { BoundaryMode } from "../../core/boundary.ts";
import type { DType } from "../../core/dtype.ts";
import type { Image } from "../../core/image.ts";
import type { Kernel } from "../../core/kernel.ts";
import { parseKernel } from "../../core/kernels.ts";
import { correlationGeometry } from "./direct.ts";
import { forEachChannel, storeRow } from "../../core/strided_planes.ts";
import { correlateSeparableChannel, correlateSeparableRows } from "./separable.ts";
import type { ParamSpecs } from "../../core/params.ts";
import type { AlphaMode } from "../../core/planes.ts";
import {
  type FilterPlugin,
  PLUGIN_BRAND,
  registerBuiltin,
  runSyncImage,
} from "../../core/registry.ts";
import { commonLinearSpecs, linearFilter } from "./convolve.ts";

/** What `sobel` and `scharr` return. */
export type GradientOutput = "x" | "y" | "magnitude" | "angle";

/** Options shared by the edge and effect filters. */
export interface EdgeOptions {
  /** Border handling (default `"reflect"`; aliases accepted). */
  boundary?: BoundaryMode | string;
  /** The value outside the image for `boundary: "constant"` (default 0). */
  cval?: number;
  /** Output dtype (default: the input's; `"f32"` keeps signed values). */
  dtype?: DType;
  /** `"keep"` (default) passes an alpha channel through; `"filter"` filters it too. */
  alpha?: AlphaMode;
}

/** Options of {@linkcode sobel} and {@linkcode scharr}. */
export interface GradientOptions extends EdgeOptions {
  /** `"magnitude"` (default), `"x"`, `"y"` or `"angle"` (degrees). */
  output?: GradientOutput;
}

/** Resolved params of the plain edge/effect plugins. */
export interface EdgeParams {
  /** Border handling. */
  boundary: BoundaryMode;
  /** Constant border value. */
  cval: number;
  /** Output dtype. */
  dtype?: DType;
  /** Alpha handling. */
  alpha: AlphaMode;
}

/** Resolved params of `sobel` and `scharr`. */
export interface GradientParams extends EdgeParams {
  /** What to return. */
  output: GradientOutput;
}

/** Resolved params of `laplacian`. */
export interface LaplacianParams extends EdgeParams {
  /** `"4"` (default) or `"8"` neighbours. */
  neighbours: "4" | "8";
}

/** Resolved params of `derivative`. */
export interface DerivativeParams extends EdgeParams {
  /** Which of the lecture notes' masks. */
  mask: "y" | "y-avg" | "x" | "x-avg";
}

const gradientSpecs: ParamSpecs<GradientParams> = {
  output: {
    type: "enum",
    values: ["magnitude", "x", "y", "angle"],
    default: "magnitude",
    description: "magnitude |x + iy|, x or y derivative (signed: use dtype f32), " +
      "or angle atan2(y, x) in degrees",
  },
  ...commonLinearSpecs,
};

/**
 * `sobel`/`scharr`: the x derivative is the correlation with `smooth × diff`
 * (`column × row`), the y derivative with `diff × smooth`. Streams channel by
 * channel and row by row straight into the output image: `x`/`y` run one
 * separable kernel, `magnitude`/`angle` run both over the same source rows
 * and combine each pair of output rows before storing it, so the extra
 * memory is a few rows of float64 whatever the output.
 */
function gradient(image: Image, params: GradientParams, smooth: number[], diff: number[]): Image {
  const w = image.width, h = image.height;
  const g = correlationGeometry(w, h, 3, 3, "same", { x: 1, y: 1 });
  const { boundary, cval, output } = params;
  const gx = { column: smooth, row: diff }, gy = { column: diff, row: smooth };
  const dtype = params.dtype ?? image.dtype;
  return forEachChannel(image, { dtype, alpha: params.alpha }, (src, dst) => {
    if (output === "x" || output === "y") {
      const { column, row } = output === "x" ? gx : gy;
      correlateSeparableChannel(src, w, h, column, row, g, boundary, cval, dst);
      return;
    }
    const combine = output === "magnitude" ? magnitudeRow : angleRow;
    const step = w * dst.stride;
    correlateSeparableRows(src, w, h, [gx, gy], g, boundary, cval, (y, [rx, ry]) => {
      combine(rx, ry);
      storeRow(dst.data, dst.offset + y * step, dst.stride, rx, 0, w, 1);
    });
  });
}

/** `x[i] = hypot(x[i], y[i])`, the modulus of `x + iy`. */
function magnitudeRow(x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) x[i] = Math.hypot(x[i], y[i]);
}

/** `x[i] = atan2(y[i], x[i])` in degrees, in `[0, 360)`. */
function angleRow(x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) {
    const a = (Math.atan2(y[i], x[i]) * 180) / Math.PI;
    x[i] = a < 0 ? a + 360 : a;
  }
}

function convolveWith(image: Image, params: EdgeParams, kernel: Kernel): Image {
  return linearFilter(image, { ...params, kernel, mode: "same", method: "auto" }, true);
}

/** The `sobel` plugin. */
export const sobelPlugin: FilterPlugin<GradientParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "sobel",
  family: "linear",
  summary: "Sobel gradient: magnitude (default), x, y or angle",
  params: gradientSpecs,
  example: "in.png edges.png --output magnitude",
  cost: "O(W·H) (3×3 kernels)",
  apply: (image, params) => gradient(image, params, [1, 2, 1], [-1, 0, 1]),
};

/** The `scharr` plugin. */
export const scharrPlugin: FilterPlugin<GradientParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "scharr",
  family: "linear",
  summary: "Scharr gradient: magnitude |x + iy| (default), x, y or angle",
  params: gradientSpecs,
  example: "in.png dx.npy --output x --dtype f32",
  cost: "O(W·H) (3×3 kernels)",
  apply: (image, params) => gradient(image, params, [3, 10, 3], [-1, 0, 1]),
};

/** The `laplacian` plugin. */
export const laplacianPlugin: FilterPlugin<LaplacianParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "laplacian",
  family: "linear",
  summary: "Laplacian (4- or 8-neighbour), signed: use --dtype f32",
  params: {
    neighbours: {
      type: "enum",
      values: ["4", "8"],
      default: "4",
      description: "4: [0 1 0; 1 -4 1; 0 1 0], 8: [1 1 1; 1 -8 1; 1 1 1]",
    },
    ...commonLinearSpecs,
  },
  linear: true,
  example: "in.png lap.npy --dtype f32",
  cost: "O(W·H) (3×3 kernels)",
  apply: (image, params) =>
    convolveWith(image, params, parseKernel(params.neighbours === "8" ? "laplace-8" : "laplace")),
};

const edgeSpecs: ParamSpecs<EdgeParams> = { ...commonLinearSpecs };

/** The `sharpen` plugin. */
export const sharpenPlugin: FilterPlugin<EdgeParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "sharpen",
  family: "linear",
  summary: "sharpen: [0 -1 0; -1 5 -1; 0 -1 0] (identity minus the Laplacian)",
  params: edgeSpecs,
  linear: true,
  example: "in.png out.png",
  cost: "O(W·H) (3×3 kernel)",
  apply: (image, params) => convolveWith(image, params, parseKernel("sharpen")),
};

/** The `emboss` plugin. */
export const embossPlugin: FilterPlugin<EdgeParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "emboss",
  family: "linear",
  summary: "emboss: convolution with [-2 -1 0; -1 1 1; 0 1 2] from the convolution article",
  params: edgeSpecs,
  linear: true,
  example: "in.png out.png",
  cost: "O(W·H) (3×3 kernel)",
  apply: (image, params) => convolveWith(image, params, parseKernel("emboss")),
};

const MASKS: Record<DerivativeParams["mask"], () => Kernel> = {
  "y": () => parseKernel("deriv-y"),
  "y-avg": () => parseKernel("deriv-y-avg"),
  "x": () => transpose(parseKernel("deriv-y")),
  "x-avg": () => transpose(parseKernel("deriv-y-avg")),
};

function transpose(k: Kernel): Kernel {
  const rows = k.toRows();
  return parseKernel(JSON.stringify(rows[0].map((_, i) => rows.map((r) => r[i]))));
}

/** The `derivative` plugin. */
export const derivativePlugin: FilterPlugin<DerivativeParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "derivative",
  family: "linear",
  summary: "the lecture notes' derivative masks 1/2[1 1 1;0 0 0;-1 -1 -1], 1/18[2 3 2;…] (+ x)",
  params: {
    mask: {
      type: "enum",
      values: ["y", "y-avg", "x", "x-avg"],
      default: "y",
      description: "y: 1/2 [1 1 1; 0 0 0; -1 -1 -1]; y-avg: 1/18 [2 3 2; 0 0 0; -2 -3 -2]; " +
        "x, x-avg: their transposes (convolution: positive towards +y / +x)",
    },
    ...commonLinearSpecs,
  },
  linear: true,
  example: "in.png dy.npy --mask y-avg --dtype f32",
  cost: "O(W·H) (3×3 kernels)",
  apply: (image, params) => convolveWith(image, params, MASKS[params.mask]()),
};

/**
 * Sobel gradient: magnitude by default; `output: "x" | "y"` for the signed
 * derivatives (pass `dtype: "f32"`), `"angle"` for the direction in degrees.
 *
 * @example
 * ```ts
 * import { Image, sobel } from "@imfilter/imfilter";
 * const ramp = Image.fromRows([[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]);
 * console.log(sobel(ramp, { output: "x" }).get(1, 1)); // 8
 * ```
 */
export function sobel(image: Image, options: GradientOptions = {}): Image {
  return runSyncImage(sobelPlugin, image, { ...options });
}

/**
 * Scharr gradient (`[3 10 3]` smoothing): magnitude `|x + iy|` by default.
 *
 * @example
 * ```ts
 * import { Image, scharr } from "@imfilter/imfilter";
 * const ramp = Image.fromRows([[0, 1, 2], [0, 1, 2], [0, 1, 2]]);
 * console.log(scharr(ramp).get(1, 1)); // 32
 * ```
 */
export function scharr(image: Image, options: GradientOptions = {}): Image {
  return runSyncImage(scharrPlugin, image, { ...options });
}

/**
 * Laplacian (4-neighbour by default); signed, so pass `dtype: "f32"` for u8 images.
 *
 * @example
 * ```ts
 * import { Image, laplacian } from "@imfilter/imfilter";
 * const img = Image.fromRows([[0, 0, 0], [0, 1, 0], [0, 0, 0]]);
 * console.log(laplacian(img, { boundary: "constant" }).get(1, 1)); // -4
 * ```
 */
export function laplacian(
  image: Image,
  options: EdgeOptions & { neighbours?: "4" | "8" } = {},
): Image {
  return runSyncImage(laplacianPlugin, image, { ...options });
}

/**
 * Sharpens with `[0 -1 0; -1 5 -1; 0 -1 0]`.
 *
 * @example
 * ```ts
 * import { Image, sharpen } from "@imfilter/imfilter";
 * const flat = Image.fromRows([[7, 7, 7], [7, 7, 7]], "u8");
 * console.log(Array.from(sharpen(flat).data)); // [7, 7, 7, 7, 7, 7]
 * ```
 */
export function sharpen(image: Image, options: EdgeOptions = {}): Image {
  return runSyncImage(sharpenPlugin, image, { ...options });
}

/**
 * Embosses (convolution with the article's `[-2 -1 0; -1 1 1; 0 1 2]`).
 *
 * @example
 * ```ts
 * import { emboss, Image } from "@imfilter/imfilter";
 * const flat = Image.fromRows([[5, 5], [5, 5]], "u8");
 * console.log(Array.from(emboss(flat).data)); // [5, 5, 5, 5]
 * ```
 */
export function emboss(image: Image, options: EdgeOptions = {}): Image {
  return runSyncImage(embossPlugin, image, { ...options });
}

/**
 * The lecture notes' derivative masks: `mask: "y"` (default) is
 * `1/2 [1 1 1; 0 0 0; −1 −1 −1]`, `"y-avg"` is `1/18 [2 3 2; 0 0 0; −2 −3 −2]`,
 * `"x"`/`"x-avg"` their transposes; convolution, so positive where the image
 * gets brighter towards +y (+x). Signed: pass `dtype: "f32"` for u8 images.
 *
 * @example
 * ```ts
 * import { derivative, Image } from "@imfilter/imfilter";
 * const img = Image.fromRows([[0, 0, 0], [1, 1, 1], [2, 2, 2]]);
 * console.log(derivative(img).get(1, 1)); // 3
 * ```
 */
export function derivative(
  image: Image,
  options: EdgeOptions & { mask?: DerivativeParams["mask"] } = {},
): Image {
  return runSyncImage(derivativePlugin, image, { ...options });
}

registerBuiltin(sobelPlugin);
registerBuiltin(scharrPlugin);
registerBuiltin(laplacianPlugin);
registerBuiltin(sharpenPlugin);
registerBuiltin(embossPlugin);
registerBuiltin(derivativePlugin);
