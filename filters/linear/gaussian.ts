/**
 * `gaussian`: Gaussian blur, with OpenCV's and SciPy's parameter conventions.
 *
 * - `size` is OpenCV's `ksize` (odd; a number or `[width, height]`). When it
 *   is absent the radius is `floor(truncate · sigma + 0.5)` per axis, with
 *   `truncate` 4 by default (`scipy.ndimage.gaussian_filter`). OpenCV's own
 *   default size differs (`round(2·3σ + 1) | 1` for 8-bit, `2·4σ + 1` for
 *   float), so OpenCV parity means passing `size`.
 * - `sigmaY` defaults to `sigma`; with `size` given and `sigma` absent (or
 *   0), sigma comes from OpenCV's rule `0.3·((size − 1)/2 − 1) + 0.8`, with
 *   its fixed tables for sizes 3, 5, 7 and 9.
 * - `method: "exact"` (default): for u8 and u16 images (with an integer
 *   output of the same dtype) the integer fixed-point path, bit-exact with
 *   OpenCV's `GaussianBlur` for the same size and sigma (filters/linear/gaussian_fixed.ts);
 *   for float images, or another output dtype, the exact separable FIR in
 *   float64. `"float"` forces the float64 FIR for every dtype.
 *   `"fast"`: a 4th-order Deriche-style recursive filter, O(1) per pixel
 *   whatever sigma, within about `1.2e-3` of the value range of the exact
 *   Gaussian (filters/linear/gaussian_recursive.ts); it approximates the untruncated
 *   Gaussian, so `size` only matters when sigma is absent (OpenCV's rule).
 *
 * @module
 */

import type { BoundaryMode } from "../../core/boundary.ts";
import type { DType } from "../../core/dtype.ts";
import { FilterError, show } from "../../core/errors.ts";
import { checkFinite, type Image } from "../../core/image.ts";
import { correlationGeometry } from "./direct.ts";
import { fastGaussianBlur } from "./gaussian_recursive.ts";
import {
  fixedPointKernel,
  gaussianFixedChannel,
  gaussianFixedU8,
  opencvGaussianKernel,
} from "./gaussian_fixed.ts";
import { gaussianFixedU8Simd } from "./gaussian_simd.ts";
import { forEachChannel } from "../../core/strided_planes.ts";
import { correlateSeparableChannel } from "./separable.ts";
import type { ParamSpecs, Size } from "../../core/params.ts";
import type { AlphaMode } from "../../core/planes.ts";
import {
  type FilterPlugin,
  type OutputRows,
  PLUGIN_BRAND,
  registerBuiltin,
  runSyncImage,
} from "../../core/registry.ts";
import { commonLinearSpecs } from "./convolve.ts";

/** The engines of {@linkcode gaussian}. */
export type GaussianMethod = "exact" | "float" | "fast";

/** Options of {@linkcode gaussian}. */
export interface GaussianOptions {
  /** Standard deviation along x (and y unless `sigmaY`); required unless `size` is given. */
  sigma?: number;
  /** Standard deviation along y (default: `sigma`). */
  sigmaY?: number;
  /** Kernel size, odd: a number or `[width, height]` (default: from `truncate`). */
  size?: number | [number, number];
  /** Radius in sigmas when `size` is absent: `floor(truncate·sigma + 0.5)` (default 4). */
  truncate?: number;
  /** Border handling (default `"reflect"`; aliases accepted). */
  boundary?: BoundaryMode | string;
  /** The value outside the image for `boundary: "constant"` (default 0). */
  cval?: number;
  /** Output dtype (default: the input's). */
  dtype?: DType;
  /** `"keep"` (default) passes an alpha channel through; `"filter"` blurs it too. */
  alpha?: AlphaMode;
  /** `"exact"` (default), `"float"` or `"fast"` (O(1) per pixel, approximate). */
  method?: GaussianMethod;
}

/** Resolved params of the `gaussian` plugin. */
export interface GaussianParams {
  /** Sigma along x (0 or absent: from size). */
  sigma?: number;
  /** Sigma along y. */
  sigmaY?: number;
  /** Kernel size `[width, height]`. */
  size?: Size;
  /** Radius in sigmas. */
  truncate: number;
  /** Border handling. */
  boundary: BoundaryMode;
  /** Constant border value. */
  cval: number;
  /** Output dtype. */
  dtype?: DType;
  /** Alpha handling. */
  alpha: AlphaMode;
  /** Engine. */
  method: GaussianMethod;
}

/** The largest kernel the exact path builds (the `size` param's own maximum). */
const MAX_KERNEL_SIZE = 8191;

const gaussianSpecs: ParamSpecs<GaussianParams> = {
  sigma: {
    type: "number",
    min: 0,
    max: 10000,
    description: "standard deviation along x (and y); 0 or absent: from size (OpenCV rule)",
    example: "2",
  },
  sigmaY: {
    type: "number",
    min: 0,
    max: 10000,
    description: "standard deviation along y (default: sigma)",
  },
  size: {
    type: "size",
    min: 1,
    max: 8191,
    odd: true,
    description: "kernel size like OpenCV ksize, odd N or WxH (default: from truncate)",
    example: "7x5",
  },
  truncate: {
    type: "number",
    default: 4,
    min: 0,
    exclusiveMin: true,
    max: 100,
    description: "radius in sigmas when size is absent: floor(truncate*sigma + 0.5)",
  },
  ...commonLinearSpecs,
  method: {
    type: "enum",
    values: ["exact", "float", "fast"],
    default: "exact",
    description: "exact (u8/u16: OpenCV bit-exact fixed point; else float64 FIR), " +
      "float (float64 FIR always) or fast (recursive, O(1) per pixel, error ~0.1% of range)",
  },
};

/** The per-axis sizes and sigmas of a Gaussian (`0` sigma: OpenCV's rule from the size). */
function gaussianGeometry(
  params: Pick<GaussianParams, "sigma" | "sigmaY" | "size" | "truncate" | "method">,
): { sizeX: number; sizeY: number; sigmaX: number; sigmaY: number } {
  const sx = params.sigma ?? 0;
  const sy = params.sigmaY !== undefined && params.sigmaY > 0 ? params.sigmaY : sx;
  if (params.size === undefined && !(sx > 0)) {
    throw new FilterError(
      "INVALID_PARAM",
      `gaussian: sigma ${show(params.sigma)} needs to be > 0 when size is absent; ` +
        `give sigma (e.g. 2) or an odd size (e.g. 5)`,
    );
  }
  const radius = (s: number) => Math.floor(params.truncate * s + 0.5);
  const sizeX = params.size ? params.size[0] : 2 * radius(sx) + 1;
  const sizeY = params.size ? params.size[1] : 2 * radius(sy) + 1;
  if (!params.size && Math.max(sizeX, sizeY) > MAX_KERNEL_SIZE && params.method !== "fast") {
    throw new FilterError(
      "INVALID_PARAM",
      `gaussian: sigma ${Math.max(sx, sy)} with truncate ${params.truncate} needs a ${
        Math.max(sizeX, sizeY)
      }-tap kernel, above ${MAX_KERNEL_SIZE}; use method "fast" (cost independent of sigma) or a smaller truncate`,
    );
  }
  return { sizeX, sizeY, sigmaX: sx, sigmaY: sy };
}

/** Sigma used for an axis: the given one, or OpenCV's rule from the size. */
function effectiveSigma(sigma: number, size: number): number {
  return sigma > 0 ? sigma : 0.3 * ((size - 1) * 0.5 - 1) + 0.8;
}

/** The blur; `rows` (optional to honour): only those output rows are wanted. */
function applyGaussian(image: Image, params: GaussianParams, rows?: OutputRows): Image {
  const { sizeX, sizeY, sigmaX, sigmaY } = gaussianGeometry(params);
  const { boundary, cval, alpha } = params;
  const w = image.width, h = image.height;
  const dtype = params.dtype ?? image.dtype;
  if (params.method === "fast") {
    checkFinite(image, "gaussian", 'use method "exact" (keeps them local) or replace them first');
    const sx = sizeX === 1 ? 0 : effectiveSigma(sigmaX, sizeX);
    const sy = sizeY === 1 ? 0 : effectiveSigma(sigmaY, sizeY);
    // Straight into the output channels; scratch reused across channels.
    return forEachChannel(image, { dtype, alpha }, fastGaussianBlur(w, h, sx, sy, boundary, cval));
  }
  const kx = opencvGaussianKernel(sizeX, sigmaX);
  const ky = opencvGaussianKernel(sizeY, sigmaY);
  const integer = image.dtype !== "f32" && dtype === image.dtype;
  const max = image.dtype === "u8" ? 255 : 65535;
  if (
    params.method === "exact" && integer && Number.isInteger(cval) && cval >= 0 && cval <= max
  ) {
    const bits = image.dtype === "u8" ? 8 : 16;
    const fx = fixedPointKernel(kx, bits), fy = fixedPointKernel(ky, bits);
    const simd = bits === 8
      ? gaussianFixedU8Simd(image, fx, fy, boundary, cval, alpha, rows)
      : undefined;
    if (simd) return simd;
    return forEachChannel(image, { dtype, alpha }, (src, dst) => {
      if (bits === 8) gaussianFixedU8(src, w, h, fx, fy, boundary, cval, dst);
      else gaussianFixedChannel(src, w, h, fx, fy, bits, boundary, cval, dst);
    });
  }
  const g = correlationGeometry(w, h, sizeX, sizeY, "same", { x: sizeX >> 1, y: sizeY >> 1 });
  return forEachChannel(image, { dtype, alpha }, (src, dst) => {
    correlateSeparableChannel(src, w, h, ky, kx, g, boundary, cval, dst);
  });
}

/** The `gaussian` plugin. */
export const gaussianPlugin: FilterPlugin<GaussianParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "gaussian",
  family: "linear",
  summary: "Gaussian blur (OpenCV GaussianBlur / scipy gaussian_filter; u8 bit-exact with OpenCV)",
  params: gaussianSpecs,
  linear: true,
  example: "in.png out.png --sigma 2 --boundary replicate",
  cost:
    "O(W·H·(tx + ty)) for tx × ty taps (<= 8191 each, separable); method fast O(W·H) whatever sigma",
  // The FIR passes sum each pixel's window in a fixed order: stripes with the
  // kernel's radius of context give identical rows. The recursive method
  // depends on every row, so it is not striped.
  halo: (params) => params.method === "fast" ? undefined : gaussianGeometry(params).sizeY >> 1,
  apply: (image, params, ctx) => applyGaussian(image, params, ctx.rows),
};

/**
 * Blurs an image with a Gaussian: separable, exact FIR by default; on u8 the
 * integer fixed-point result of OpenCV's `GaussianBlur` for the same size and
 * sigma, pixel for pixel.
 *
 * @example SciPy's radius rule by default, OpenCV's ksize when given
 * ```ts
 * import { gaussian, Image } from "@imfilter/imfilter";
 * const img = Image.zeros(9, 9, 1, "f32");
 * img.data[4 * 9 + 4] = 1;
 * const out = gaussian(img, { sigma: 1 });
 * console.log(out.get(4, 4).toFixed(4)); // "0.1592"
 * const cv = gaussian(Image.zeros(9, 9, 1, "u8"), { size: 5 }); // sigma from size, as OpenCV
 * console.log(cv.dtype); // "u8"
 * ```
 */
export function gaussian(image: Image, options: GaussianOptions = {}): Image {
  return runSyncImage(gaussianPlugin, image, { ...options });
}

registerBuiltin(gaussianPlugin);
