/**
 * `bilateral`: edge-preserving smoothing, `out(p) = Σ w_s(q−p)·w_c(I(q), I(p))·I(q) / Σ w`.
 *
 * The default (`method: "exact"`) has OpenCV's `bilateralFilter` semantics:
 *
 * - radius `floor(diameter / 2)`, or `cvRound(1.5 · sigmaSpace)` (ties to even) when
 *   `diameter <= 0`; at least 1;
 * - a disk window `dx² + dy² <= radius²` (`window: "square"` for the full square);
 * - space weight `exp(−r² / (2·sigmaSpace²))`, colour weight
 *   `exp(−D² / (2·sigmaColor²))` with `D` the L1 distance summed over the
 *   colour channels (`colorDistance: "l2"` for the Euclidean distance);
 * - for u8, both weights are float32 tables built as OpenCV builds them
 *   (indexed by the integer distance), sums in float64, rounding ties to even;
 *   for f32 the weights are computed exactly (`Math.exp`).
 *
 * `sigmaColor` or `sigmaSpace` of 0 returns a copy (the limit of the filter;
 * OpenCV instead replaces a sigma <= 0 by 1).
 *
 * For u8 images with the L1 distance the exact sums run in WebAssembly SIMD
 * (filters/bilateral/exact.ts hands its own weight tables to
 * bilateral_simd.ts and bilateral.wat), byte-identical to the TypeScript
 * path, which stays the fallback and the test reference (`IMFILTER_SIMD=0`,
 * `withSimd(false, …)`).
 *
 * scikit-image's `denoise_bilateral(win_size=w, sigma_color, sigma_spatial,
 * mode="reflect")` is `{ diameter: w, window: "skimage", colorDistance: "l2",
 * boundary: "reflect", sigmaSpace: sigma_spatial, sigmaColor: sigma_color · C }`
 * for a `C`-channel image: scikit-image divides the Euclidean colour distance
 * by the channel count, and quantises the colour weight into `bins` (imfilter
 * does not; the difference is below 1e-3 on images in [0, 1]). `window:
 * "skimage"` reproduces scikit-image 0.19's spatial weights, which are not the
 * radial Gaussian its documentation describes (its table is read with the
 * wrong stride); `window: "square"` gives the documented filter.
 *
 * `method: "fast"` is a bilateral grid (Chen, Paris & Durand 2007): samples
 * are splatted into a coarse (x, y, intensity) grid with the spatial step set
 * to the standard deviation of the exact spatial weights (so it follows the
 * disk truncation) and the range step `sigmaColor`, blurred with a [1 4 6 4 1]
 * kernel along each axis and sliced with trilinear interpolation. Its cost does
 * not depend on the diameter. Windows of at most 81 taps (a disk of diameter
 * 9, a 9×9 square), where the grid is slower than the direct sum, use the
 * separable approximation instead (Pham & van Vliet 2005: a 1-D bilateral
 * along rows, then along columns, with Gaussian space weights over the square
 * `[-r, r]²`; u8 rounds the row pass to whole levels): 2·(2r + 1) taps per
 * pixel instead of ~π·r². Against exact on 64×64 photograph crops (d 5–9):
 * mean error 0.9–3.7 levels, worst pixel ≤ 34 (tests: mean < 4, worst < 48);
 * on the 2048² benchmark photographs (d 9): mean 0.8 gray / 0.6 RGB. Colour
 * images use the channel sum as the range axis (close to the L1 distance when
 * channels move together). Measured
 * against the exact method on u8 photograph crops (diameters 15–31,
 * sigmaColor 20–75): mean absolute error 0.6–2.2 grey levels, worst pixel
 * 4–31 (at sharp edges); the tests bound it at mean < 3 and worst < 40.
 *
 * Memory beyond the input and the output: the exact method and the
 * separable approximation keep a ring of the `2r + 1` padded rows (or row
 * pass results) the current output row reads and write each output row
 * straight into the output, O(window height × width) (4096² RGB f32, d 9:
 * ~10 MiB); the grid holds its cells only, `(C + 1)` float64 per cell (4096²
 * RGB f32, sigmaSpace 8, sigmaColor 0.3: ~190 MiB), blurred in place.
 *
 * This module holds the options, the param specs, the dispatch between the
 * methods and the plugin; the algorithms live beside it: exact.ts (the exact
 * sums and their SIMD dispatch), grid.ts (the bilateral grid), separable.ts
 * (the separable approximation), and taps.ts (the resolved params, radius,
 * window taps and row plumbing they share; its public names are re-exported
 * from here).
 *
 * @module
 */

import type { BoundaryMode } from "../../core/boundary.ts";
import { checkFinite, hasAlpha, Image } from "../../core/image.ts";
import { checkDerived, type ParamSpecs } from "../../core/params.ts";
import type { AlphaMode } from "../../core/planes.ts";
import {
  type FilterPlugin,
  PLUGIN_BRAND,
  registerBuiltin,
  runSyncImage,
} from "../../core/registry.ts";
import {
  type BilateralParams,
  bilateralRadius,
  type BilateralWindow,
  gaussCoeff,
  spaceTaps,
} from "./taps.ts";
import { exactBilateral } from "./exact.ts";
import { gridBilateral } from "./grid.ts";
import { separableBilateral } from "./separable.ts";

export { type BilateralParams, bilateralRadius, type BilateralWindow } from "./taps.ts";

/** Options of {@linkcode bilateral}. */
export interface BilateralOptions {
  /** Window diameter (default 9); <= 0 derives the radius as `cvRound(1.5 · sigmaSpace)` (ties to even). */
  diameter?: number;
  /** Colour sigma, in the image's units (default 75). */
  sigmaColor?: number;
  /** Space sigma, in pixels (default 75). */
  sigmaSpace?: number;
  /** Border handling (default `"reflect"`, OpenCV's BORDER_REFLECT_101). */
  boundary?: BoundaryMode | string;
  /** The value outside the image for `boundary: "constant"` (default 0). */
  cval?: number;
  /**
   * `"exact"` (default) or `"fast"` (bilateral grid, cost independent of the
   * diameter; separable approximation for windows of at most 81 taps).
   */
  method?: "exact" | "fast";
  /** `"disk"` (default, OpenCV), `"square"` or `"skimage"` ({@linkcode BilateralWindow}). */
  window?: BilateralWindow;
  /** `"l1"` (default, OpenCV) or `"l2"` (Euclidean, scikit-image) colour distance. */
  colorDistance?: "l1" | "l2";
  /** `"keep"` (default) passes an alpha channel through; `"filter"` filters it too. */
  alpha?: AlphaMode;
}

const bilateralSpecs: ParamSpecs<BilateralParams> = {
  diameter: {
    type: "integer",
    default: 9,
    max: 1001,
    description: "window diameter; <= 0: radius = round(1.5 * sigmaSpace), ties to even",
    example: "9",
  },
  sigmaColor: {
    type: "number",
    default: 75,
    min: 0,
    description: "colour sigma in the image's units (0: copy)",
    example: "75",
  },
  sigmaSpace: {
    type: "number",
    default: 75,
    min: 0,
    max: 1000,
    description: "space sigma in pixels (0: copy)",
    example: "75",
  },
  boundary: {
    type: "boundary",
    default: "reflect",
    description: "border handling (OpenCV default: reflect)",
    example: "replicate",
  },
  cval: {
    type: "number",
    default: 0,
    description: "value outside the image for boundary constant",
  },
  method: {
    type: "enum",
    values: ["exact", "fast"],
    default: "exact",
    description:
      "exact (OpenCV semantics) or fast (grid, O(1) in the diameter; separable if small)",
  },
  window: {
    type: "enum",
    values: ["disk", "square", "skimage"],
    default: "disk",
    description: "window: disk (OpenCV), square, or skimage (scikit-image 0.19's weight table)",
  },
  colorDistance: {
    type: "enum",
    values: ["l1", "l2"],
    default: "l1",
    description: "colour distance over channels: l1 (OpenCV) or l2 (scikit-image)",
  },
  alpha: {
    type: "enum",
    values: ["keep", "filter"],
    default: "keep",
    description: "alpha channel (2nd of 2, 4th of 4): keep unchanged or filter it too",
  },
};

/**
 * Whether the bilateral grid would cost more than the exact method: the grid
 * has about `pixels / ss²` cells per range bin, the exact method a number of
 * taps per pixel that grows with the window, so small windows stay exact.
 */
function gridIsSlower(p: BilateralParams): boolean {
  const r = bilateralRadius(p.diameter, p.sigmaSpace);
  const taps = spaceTaps(r, p.sigmaSpace, p.window);
  return taps.w.length <= 81;
}

/** The widest window, given or derived from `sigmaSpace` (`diameter` <= 0). */
const MAX_WINDOW = 1001;

/**
 * The widest window of the exact method: its cost is O(W·H·d²) — at 1001
 * px a 64×64 image took 17 s (u8) and 27 s (f32) here; at 255, 1.2 s.
 * The grid (`method: "fast"`) costs the same whatever the window.
 */
const MAX_EXACT_WINDOW = 255;

/** Refuses windows past the maxima, whether given or derived from `sigmaSpace`. */
function checkWindow(p: BilateralParams): void {
  const d = 2 * bilateralRadius(p.diameter, p.sigmaSpace) + 1;
  const what = p.diameter > 0
    ? `the window of diameter ${p.diameter}`
    : `the window derived from sigmaSpace ${p.sigmaSpace} (diameter ${p.diameter}: 2·round(1.5·sigmaSpace) + 1 px)`;
  const fix = p.diameter > 0
    ? "give a smaller diameter"
    : `give a diameter (the window need not follow sigmaSpace) or sigmaSpace <= ${
      Math.floor((MAX_WINDOW >> 1) / 1.5)
    }`;
  checkDerived("bilateral", what, d, MAX_WINDOW, fix);
  if (p.method !== "fast") {
    checkDerived(
      "bilateral",
      `${what} with method exact`,
      d,
      MAX_EXACT_WINDOW,
      `method fast costs the same for any window; or ${fix}`,
    );
  }
}

/**
 * Whether the filter is at its limit, a copy: no neighbour has a non-zero
 * weight. Space: the nearest tap (r² = 1) weighs `exp(−1/(2σs²))`. Colour:
 * on integer samples the smallest distance that is not 0 is 1; on floats
 * (or a fractional `cval`) any distance can be tiny, so only a `2σc²` that
 * underflows to 0 makes every non-zero distance weigh 0. Equal values
 * average to themselves, so what remains is the input.
 */
function isCopy(image: Image, p: BilateralParams): boolean {
  if (p.sigmaColor === 0 || p.sigmaSpace === 0) return true;
  if (Math.exp(gaussCoeff(p.sigmaSpace)) === 0) return true;
  const integer = image.dtype !== "f32" &&
    (p.boundary !== "constant" || Number.isInteger(p.cval));
  return integer ? Math.exp(gaussCoeff(p.sigmaColor)) === 0 : 2 * p.sigmaColor * p.sigmaColor === 0;
}

function applyBilateral(image: Image, p: BilateralParams): Image {
  checkWindow(p);
  if (isCopy(image, p)) return image.clone();
  if (p.method === "fast") {
    checkFinite(image, "bilateral", "use method exact, which keeps them local");
  }
  const ch = image.channels;
  const cn = p.alpha === "keep" && hasAlpha(ch) ? ch - 1 : ch;
  // each method returns the finished interleaved samples
  const data = p.method !== "fast"
    ? exactBilateral(image, cn, p)
    : gridIsSlower(p)
    ? separableBilateral(image, cn, p)
    : gridBilateral(image, cn, p);
  return new Image(image.width, image.height, ch, data);
}

/** The `bilateral` plugin. */
export const bilateralPlugin: FilterPlugin<BilateralParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "bilateral",
  family: "bilateral",
  summary: "edge-preserving bilateral filter (OpenCV bilateralFilter; fast bilateral grid)",
  params: bilateralSpecs,
  example: "in.png out.png --diameter 9 --sigmaColor 75 --sigmaSpace 75",
  cost:
    "exact O(W·H·d²), window d <= 255; fast O(W·H) plus its grid; d <= 1001, a window derived from sigmaSpace alike",
  // Exact: each output reads its window only. The fast grid's range axis
  // spans the whole image's intensities, so stripes would differ.
  halo: (params) =>
    params.method === "exact" ? bilateralRadius(params.diameter, params.sigmaSpace) : undefined,
  apply: (image, params) => applyBilateral(image, params),
};

/**
 * Bilateral filter with OpenCV's semantics (disk window, L1 colour distance,
 * float32 weight tables for u8); `method: "fast"` uses a bilateral grid whose
 * cost does not depend on the diameter.
 *
 * @example Smoothing noise but keeping an edge
 * ```ts
 * import { bilateral, Image } from "@imfilter/imfilter";
 * const img = Image.fromRows([[10, 12, 200, 202], [11, 9, 199, 201]], "u8");
 * const out = bilateral(img, { diameter: 3, sigmaColor: 20, sigmaSpace: 2 });
 * console.log(out.get(1, 0) < 20, out.get(2, 0) > 190); // true true
 * ```
 */
export function bilateral(image: Image, options: BilateralOptions = {}): Image {
  return runSyncImage(bilateralPlugin, image, { ...options });
}

registerBuiltin(bilateralPlugin);
