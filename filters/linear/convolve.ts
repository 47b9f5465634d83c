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
 * Engines (`method`, default `"auto"`), all but `simd` equal to the direct
 * reference up to float64 rounding (tested property by property):
 *
 * - `direct`: the exact 2-D sum (filters/linear/direct.ts), `kw·kh` operations per pixel.
 * - `box`: running sums for constant kernels (every weight equal), about
 *   four additions per pixel whatever the size, exact for integer images.
 * - `separable`: a row pass and a column pass when `Kernel.separate()` finds
 *   the kernel rank 1 (within {@linkcode SEPARABLE_TOLERANCE}), `kw + kh`
 *   operations per pixel.
 * - `fft`: float64 FFT of the padded plane, `O(log N)` per pixel whatever
 *   the kernel size.
 * - `simd`: the direct sum in float32 by a WebAssembly 128-bit SIMD kernel
 *   (filters/linear/correlate_simd.ts), `kw·kh / 4` vector operations per pixel. Not
 *   float64: it differs from the exact sum by at most
 *   `(kw·kh + 1) · 2^-23 · Σ|K| · max(|I|, |cval|)`, so u8/u16 outputs match
 *   the float64 engines except, by one step, where the exact value lies
 *   within that distance of a `.5` tie (OpenCV's `filter2D` accumulates 8-bit
 *   images in float32 too). When SIMD is unavailable or disabled
 *   (`IMFILTER_SIMD=0`), or a float input holds NaN/±Inf (or
 *   `Σ|K| · max(|I|, |cval|)` reaches 2^100), it runs the float64
 *   row-buffered direct sum instead.
 *
 * `auto` picks box, then — for u8/u16 input and output with SIMD available —
 * `simd` up to {@linkcode SIMD_OVER_SEPARABLE_TAPS} taps, then separable,
 * then `simd` up to {@linkcode SIMD_MAX_TAPS} taps, then
 * FFT when the kernel has at least {@linkcode FFT_MIN_TAPS} taps (the
 * measured crossover), else direct. Float (f32) outputs never take the
 * float32 `simd` engine unless asked for by name.
 *
 * @module
 */

import type { BoundaryMode } from "../../core/boundary.ts";
import { type DType, dtypeMax } from "../../core/dtype.ts";
import type { Image } from "../../core/image.ts";
import { FilterError } from "../../core/errors.ts";
import { type Kernel, type Point, SEPARABLE_TOLERANCE } from "../../core/kernel.ts";
import {
  correlatePlaneDirect,
  correlationGeometry,
  OUTPUT_MODES,
  type OutputMode,
} from "./direct.ts";
import { boxFilterImage } from "./box_sums.ts";
import { FFTCorrelator } from "./overlap_save.ts";
import { forEachChannel, storeRow } from "../../core/strided_planes.ts";
import { correlateSeparableChannel, exactFactors } from "./separable.ts";
import { correlateSimdImage, simdCorrelateAvailable } from "./correlate_simd.ts";
import { correlateSmallChannel, correlateSmallImage } from "./small_kernel.ts";
import type { ParamSpec, ParamSpecs } from "../../core/params.ts";
import { type AlphaMode, mapPlanes } from "../../core/planes.ts";
import {
  type FilterPlugin,
  PLUGIN_BRAND,
  registerBuiltin,
  runSyncImage,
} from "../../core/registry.ts";

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
  /**
   * Engine: `"auto"` (default), `"direct"`, `"box"`, `"separable"`, `"fft"` or
   * `"simd"` (float32 WebAssembly SIMD: integer outputs may differ by one step
   * next to a `.5` tie; see the module doc).
   */
  method?: LinearMethod;
}

/** The correlation engines of {@linkcode convolve} and {@linkcode correlate}. */
export type LinearMethod = "auto" | "direct" | "box" | "separable" | "fft" | "simd";

/** Every {@linkcode LinearMethod}. */
export const LINEAR_METHODS: readonly LinearMethod[] = [
  "auto",
  "direct",
  "box",
  "separable",
  "fft",
  "simd",
];

/**
 * `method: "auto"` uses the FFT engine for non-separable kernels with at
 * least this many taps (7×7). Measured on the project machine (2-core Xeon,
 * Deno 2.9, one thread), 2048×2048 gray u8, median of 3 runs: the
 * row-buffered direct sum took 121 ms for 5×5, 193 ms for 7×7 and 326 ms for
 * 9×9 (about 4 ms per tap); the tiled FFT took 155–185 ms for every kernel
 * from 5×5 to 15×15. At 512×512 the FFT took 12–13 ms against 13 ms (5×5)
 * and 20 ms (7×7) for the reference direct engine. So the crossover is about
 * 45–50 taps.
 */
export const FFT_MIN_TAPS = 49;

/**
 * `method: "auto"` uses the SIMD engine (float32 sums) for u8/u16 input and
 * output with non-constant kernels of at most this many taps (25×25); larger
 * kernels take the FFT, whose cost does not grow with the kernel. Integer
 * outputs always run the plain SIMD build (separate multiply and add: the
 * same bytes in every runtime), so this is its crossover. Measured on the
 * project machine (AMD EPYC with FMA, 2 cores shared, Deno 2.9, one thread),
 * 2048² gray u8, median of 7, FMA SIMD / plain SIMD / tiled FFT in ms: 15×15
 * 43 / 54 / 175, 25×25 111 / 167 / 194, 31×31 170 / 224 / 192, 35×35 229 /
 * 311 / 211: plain SIMD is faster than the FFT at 25×25, slower at 31×31.
 * (The fused build's crossover, 31×31, applied to integer outputs until they
 * left it for byte-identical results across runtimes.)
 */
export const SIMD_MAX_TAPS = 625;

/**
 * The same as {@linkcode SIMD_MAX_TAPS}, from when the fused multiply-add
 * build had its own, larger limit.
 *
 * @deprecated Use {@linkcode SIMD_MAX_TAPS}: integer outputs always run the plain SIMD build now.
 */
export const SIMD_PLAIN_MAX_TAPS: number = SIMD_MAX_TAPS;

/**
 * Rank-1 kernels of at most this many taps (15×15) take the SIMD engine
 * rather than the separable one under `method: "auto"` when the SIMD engine
 * applies (u8/u16 input and output). Measured on 2048² u8, median of 7,
 * 2-D SIMD vs float64 separable in ms. Plain SIMD build, gray: 3×3 7.7 vs
 * 51, 5×5 13 vs 58, 9×9 28 vs 79, 15×15 74 vs 117; RGB: 3×3 23 vs 136, 9×9
 * 98 vs 282, 15×15 216 vs 330. FMA build, gray: 15×15 44 vs 102, 21×21 83
 * vs 130, 25×25 116 vs 151; RGB: 15×15 139 vs 298, 25×25 356 vs 425. 15×15
 * keeps a margin for both builds.
 */
export const SIMD_OVER_SEPARABLE_TAPS = 225;

/**
 * `method: "auto"` uses the separable engine for rank-1 kernels with at
 * least this many taps (5×5). Measured like {@linkcode FFT_MIN_TAPS}
 * (2048² gray u8, best of 5): separable 62 / 79 / 102 ms for 3×3 / 5×5 /
 * 7×7 against 44 / 126 / 197 ms for the row-buffered direct sum.
 */
export const SEPARABLE_MIN_TAPS = 25;

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
  /** Engine. */
  method: LinearMethod;
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
    max: 1001,
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
  method: {
    type: "enum",
    values: LINEAR_METHODS,
    default: "auto",
    description: "engine: auto, direct (exact 2-D sum), box (running sums, constant kernels), " +
      "separable (rank-1 kernels), fft or simd (float32 WebAssembly SIMD direct sum)",
  },
  ...commonLinearSpecs,
};

/**
 * Correlates every channel with a kernel (`flip` turns it into convolution)
 * with the engine `params.method` — or the fastest one for the kernel when
 * it is `"auto"`.
 *
 * @example
 * ```ts
 * import { Image, Kernel, linearFilter } from "@imfilter/imfilter";
 * const out = linearFilter(Image.fromRows([[1, 2, 3]]), {
 *   kernel: Kernel.from([[1, 1]]),
 *   boundary: "constant",
 *   cval: 0,
 *   mode: "full",
 *   alpha: "keep",
 *   method: "direct",
 * }, true);
 * console.log(Array.from(out.data)); // [1, 3, 5, 3]
 * ```
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
  const { boundary, cval } = params;
  const method = params.method ?? "auto";
  const shape = { width: g.width, height: g.height, dtype: params.dtype, alpha: params.alpha };
  const w = image.width, h = image.height, taps = kw * kh;
  const weight = constantWeight(kernel);
  if (method === "box" || (method === "auto" && weight !== undefined && taps >= 4)) {
    if (weight === undefined) {
      throw new FilterError(
        "INVALID_PARAM",
        `method "box" needs a constant kernel (every weight equal); this ${kw}x${kh} kernel ` +
          `is not, use method "auto"`,
      );
    }
    const divisor = weight === 0 ? Infinity : 1 / weight;
    const dtype = params.dtype ?? image.dtype;
    return boxFilterImage(image, kw, kh, g, boundary, cval, dtype, params.alpha, divisor);
  }
  const dtype = params.dtype ?? image.dtype;
  const simd = method === "auto" && autoSimd(image, dtype, kernel, cval);
  const trySeparable = method === "separable" ||
    (method === "auto" && taps >= SEPARABLE_MIN_TAPS &&
      !(simd && taps <= SIMD_OVER_SEPARABLE_TAPS));
  const svd = trySeparable ? kernel.separate() : undefined;
  const factors = svd && exactFactors(kernel.data, kw, kh, svd);
  if (method === "separable" && factors === undefined) {
    throw new FilterError(
      "INVALID_PARAM",
      `method "separable" needs a rank-1 kernel (tolerance ${SEPARABLE_TOLERANCE}); this ` +
        `${kw}x${kh} kernel is not separable, use method "auto", "direct" or "fft"`,
    );
  }
  if (factors !== undefined) {
    const { column, row } = factors;
    return forEachChannel(image, { ...shape, dtype }, (src, dst) => {
      correlateSeparableChannel(src, w, h, column, row, g, boundary, cval, dst);
    });
  }
  if (method === "simd" || simd) {
    const out = simd || simdSafe(image, kernel, cval)
      ? correlateSimdImage(image, kernel, g, boundary, cval, dtype, params.alpha)
      : undefined;
    if (out !== undefined) return out;
    // SIMD off or unsupported, or a sample float32 cannot carry: the TS engines.
  }
  // NaN/Inf would spread over a whole FFT tile; such inputs take the direct
  // sum, where they stay within the kernel's support (as in every engine).
  const fftOk = image.dtype !== "f32" || allFinite(image.data);
  if (fftOk && (method === "fft" || (method === "auto" && taps >= FFT_MIN_TAPS))) {
    const engine = new FFTCorrelator(kernel, g);
    return forEachChannel(image, { ...shape, dtype }, (src, dst) => {
      const out = engine.correlate(src, w, h, boundary, cval);
      storeRow(dst.data, dst.offset, dst.stride, out, 0, out.length, 1);
    });
  }
  if (method === "auto" || method === "fft" || method === "simd") {
    // The reference sum, row-buffered and in place (filters/linear/small_kernel.ts).
    if (image.channels > 1) {
      return correlateSmallImage(image, kernel, g, boundary, cval, dtype, params.alpha);
    }
    return forEachChannel(
      image,
      { ...shape, dtype },
      (src, dst) => correlateSmallChannel(src, w, h, kernel, g, boundary, cval, dst),
    );
  }
  return mapPlanes(
    image,
    (plane) => correlatePlaneDirect(plane, w, h, kernel, g, boundary, cval),
    shape,
  );
}

/**
 * Whether `method: "auto"` takes the SIMD engine: u8/u16 input and output
 * (float outputs keep float64 sums; integer outputs run the plain build, the
 * same in every runtime), at most {@linkcode SIMD_MAX_TAPS} taps, SIMD
 * available, float32 safe for the kernel and `cval`.
 */
function autoSimd(image: Image, dtype: DType, kernel: Kernel, cval: number): boolean {
  if (image.dtype === "f32" || dtype === "f32") return false;
  return simdCorrelateAvailable() && kernel.width * kernel.height <= SIMD_MAX_TAPS &&
    simdSafe(image, kernel, cval);
}

/**
 * Whether float32 sums stay finite and meaningful: every sample finite and
 * `Σ|K| · max(|I|, |cval|)` below 2^100 (far from float32 overflow).
 */
function simdSafe(image: Image, kernel: Kernel, cval: number): boolean {
  let k1 = 0;
  for (const v of kernel.data) k1 += Math.abs(v);
  let peak = Math.abs(cval);
  if (image.dtype === "f32") {
    const d = image.data;
    for (let i = 0; i < d.length; i++) {
      const a = Math.abs(d[i]);
      if (!Number.isFinite(a)) return false;
      if (a > peak) peak = a;
    }
  } else {
    peak = Math.max(peak, dtypeMax(image.dtype));
  }
  return k1 * peak < 2 ** 100;
}

/** Whether every value is finite. */
function allFinite(data: ArrayLike<number>): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return false;
  return true;
}

/** The common weight when every weight of the kernel is equal, else `undefined`. */
function constantWeight(kernel: Kernel): number | undefined {
  const d = kernel.data, v = d[0];
  for (let i = 1; i < d.length; i++) if (d[i] !== v) return undefined;
  return v;
}

/**
 * Rows of context for striped runs: `same` mode with an engine whose sums do
 * not depend on the pixel's position (direct, separable, integer box) — the
 * FFT's tiles and float running sums would round differently in a stripe.
 */
function linearHalo(params: LinearParams, image: Image): number | undefined {
  if (params.mode !== "same") return undefined;
  const { width: kw, height: kh } = params.kernel;
  const method = params.method ?? "auto";
  const constant = constantWeight(params.kernel) !== undefined;
  const taps = kw * kh;
  const simd = method === "auto" &&
    autoSimd(image, params.dtype ?? image.dtype, params.kernel, params.cval ?? 0);
  if (method === "fft" || (method === "auto" && taps >= FFT_MIN_TAPS && !constant && !simd)) {
    return undefined;
  }
  if ((method === "box" || (method === "auto" && constant)) && image.dtype === "f32") {
    return undefined;
  }
  return kh;
}

/** The `correlate` plugin (no kernel flip: OpenCV `filter2D`, `scipy.ndimage.correlate`). */
export const correlatePlugin: FilterPlugin<LinearParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "correlate",
  family: "linear",
  summary: "correlation with any kernel (no flip; OpenCV filter2D, scipy.ndimage.correlate)",
  params: linearSpecs,
  linear: true,
  shape: "any",
  example: 'in.png out.png --kernel "0,1,0;1,-4,1;0,1,0" --dtype f32 --boundary replicate',
  cost:
    "O(W·H·kw·kh) direct or SIMD (small kernels), O(W·H·(kw + kh)) separable, O(W·H) box, O(W·H·log(W·H)) FFT (auto picks the cheapest); kernel <= 1001 a side",
  halo: (params, image) => linearHalo(params, image),
  apply: (image, params) => linearFilter(image, params, false),
};

/** The `convolve` plugin (kernel flipped: `scipy.signal.convolve2d`, the textbook definition). */
export const convolvePlugin: FilterPlugin<LinearParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "convolve",
  family: "linear",
  summary: "convolution with any kernel (flipped; scipy.signal.convolve2d, the textbook I*M)",
  params: linearSpecs,
  linear: true,
  shape: "any",
  example: 'in.png out.png --kernel "1,0,1;0,1,0;1,0,1" --boundary constant',
  cost:
    "O(W·H·kw·kh) direct or SIMD (small kernels), O(W·H·(kw + kh)) separable, O(W·H) box, O(W·H·log(W·H)) FFT (auto picks the cheapest); kernel <= 1001 a side",
  halo: (params, image) => linearHalo(params, image),
  apply: (image, params) => linearFilter(image, params, true),
};

/**
 * Convolves an image with a kernel: `out[y][x] = Σ K[j][i] · I[y − j + a.y][x − i + a.x]`.
 *
 * Precision: float outputs are float64 sums rounded once. u8/u16 images
 * with u8/u16 output use the float32 WebAssembly SIMD engine when it is
 * fastest (`method: "simd"`; see the module doc): its sum is within
 * `(kw·kh + 1) · 2^-23 · Σ|K| · max(|I|, |cval|)` of the exact one, so an
 * output sample can differ from the float64 result by one step, and only
 * where the exact value lies within that distance of a `.5` tie. Pass
 * `method: "direct"` for the float64 reference.
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
 * Precision as {@linkcode convolve}: integer outputs of integer images may
 * come from the float32 SIMD engine, one step off the float64 result only
 * within `(kw·kh + 1) · 2^-23 · Σ|K| · max(|I|, |cval|)` of a `.5` tie
 * (as OpenCV's float32 `filter2D`); `method: "direct"` is the float64 reference.
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

registerBuiltin(correlatePlugin);
registerBuiltin(convolvePlugin);
