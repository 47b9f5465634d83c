/**
 * `nlMeans`: non-local means denoising. Each pixel becomes a weighted mean of
 * the pixels in its `searchSize × searchSize` neighbourhood, weighted by how
 * similar their `patchSize × patchSize` patches are.
 *
 * Algorithm: the outer loop runs over the search offsets; for each offset the
 * patch distances of all pixels come from running column sums of squared
 * differences (one add and one subtract per pixel and direction), so the cost
 * is `O(pixels · searchSize²)` whatever the patch size.
 *
 * Semantics (default, `compat: "opencv"`), as OpenCV's `fastNlMeansDenoising`:
 * border `reflect` (BORDER_REFLECT_101) around a `searchSize/2 + patchSize/2`
 * margin; `d² = SSD / patchSize²` per channel; weight `exp(−max(d² − 2σ², 0) / h²)`
 * with weights below 0.001 dropped. For u8 the weights come from OpenCV's
 * integer table (SSD shifted by the nearest power of two of `patchSize²`,
 * fixed-point weights, integer rounding division), so results match OpenCV to
 * ±1 grey level; f32 and u16 use the exact formula.
 *
 * Colour (`color`): `"lab"` (default for 3- and 4-channel images) converts to
 * CIE Lab as OpenCV's `fastNlMeansDenoisingColored` does (linear RGB, 8-bit
 * Lab scaling), denoises L with `h` and a, b jointly with `hColor`, and
 * converts back; `"joint"` uses one weight per pixel from the distance summed
 * over the channels; `"per-channel"` denoises each channel on its own.
 *
 * `compat: "skimage"` reproduces scikit-image's
 * `denoise_nl_means(fast_mode=True)`: `h` and `sigma` in the image's own units
 * (e.g. 0.08 for images in [0, 1]), `searchSize = 2·patch_distance + 1`,
 * numpy `reflect` padding, channels jointly, its `2⌊p/2⌋`-wide box distance
 * normalised by `C·h²·p²`, and its fast approximate `exp`.
 *
 * This file is the family's public module (re-exported by filters/mod.ts):
 * the params and their specs, the dispatch over semantics and colour
 * handling, the band halo, the plugin and {@linkcode nlMeans}. The
 * algorithms sit beside it: opencv.ts (the OpenCV engine and its u8 integer
 * path, with nl_means_simd.ts for its WebAssembly SIMD sums), float.ts (its
 * float path, and the engine inputs), skimage.ts (the scikit-image variant)
 * and lab.ts (the RGB ⇄ Lab conversion).
 *
 * @module
 */

import { filterByBands } from "../../core/bands.ts";
import { FilterError } from "../../core/errors.ts";
import { hasAlpha, Image } from "../../core/image.ts";
import { allocate, storeInto } from "../../core/dtype.ts";
import type { ParamSpecs } from "../../core/params.ts";
import type { AlphaMode } from "../../core/planes.ts";
import { nativePlane } from "../../core/native_planes.ts";
import type { Progress } from "./float.ts";
import { lab8ToRgb, rgbToLab8 } from "./lab.ts";
import { nlmOpenCV } from "./opencv.ts";
import { nlmSkimage } from "./skimage.ts";
import {
  type FilterPlugin,
  PLUGIN_BRAND,
  registerBuiltin,
  runSyncImage,
} from "../../core/registry.ts";

/** How colour images are denoised. */
export type NlMeansColor = "lab" | "joint" | "per-channel";

/** Options of {@linkcode nlMeans}. */
export interface NlMeansOptions {
  /** Filter strength for luminance / gray (default 10; image units). */
  h?: number;
  /** Filter strength for the chroma channels with `color: "lab"` (default: `h`). */
  hColor?: number;
  /** Patch size, odd (default 7). */
  patchSize?: number;
  /** Search window size, odd (default 21). */
  searchSize?: number;
  /** Noise standard deviation subtracted from distances (`2σ²`), default 0. */
  sigma?: number;
  /** Colour handling (default `"lab"`). */
  color?: NlMeansColor;
  /** `"opencv"` (default) or `"skimage"` (scikit-image fast mode) semantics. */
  compat?: "opencv" | "skimage";
  /** `"keep"` (default) passes an alpha channel through; `"filter"` filters it too. */
  alpha?: AlphaMode;
}

/** Resolved params of the `nl-means` plugin. */
export interface NlMeansParams {
  /** Strength. */
  h: number;
  /** Chroma strength. */
  hColor?: number;
  /** Patch size. */
  patchSize: number;
  /** Search size. */
  searchSize: number;
  /** Noise sigma. */
  sigma: number;
  /** Colour handling. */
  color: NlMeansColor;
  /** Semantics. */
  compat: "opencv" | "skimage";
  /** Alpha handling. */
  alpha: AlphaMode;
}

const nlMeansSpecs: ParamSpecs<NlMeansParams> = {
  h: {
    type: "number",
    default: 10,
    min: 0,
    exclusiveMin: true,
    description: "filter strength (larger removes more noise and more detail)",
    example: "10",
  },
  hColor: {
    type: "number",
    min: 0,
    exclusiveMin: true,
    description: "chroma strength for color lab (default: h)",
  },
  patchSize: {
    type: "integer",
    default: 7,
    min: 1,
    max: 101,
    odd: true,
    description: "patch size, odd",
  },
  searchSize: {
    type: "integer",
    default: 21,
    min: 1,
    max: 101,
    odd: true,
    description: "search window size, odd",
  },
  sigma: {
    type: "number",
    default: 0,
    min: 0,
    description: "noise standard deviation; distances are reduced by 2 sigma^2",
  },
  color: {
    type: "enum",
    values: ["lab", "joint", "per-channel"],
    default: "lab",
    description: "colour: lab (OpenCV Colored), joint distance, or per-channel",
  },
  compat: {
    type: "enum",
    values: ["opencv", "skimage"],
    default: "opencv",
    description: "semantics: opencv (fastNlMeansDenoising) or skimage (denoise_nl_means fast)",
  },
  alpha: {
    type: "enum",
    values: ["keep", "filter"],
    default: "keep",
    description: "alpha channel (2nd of 2, 4th of 4): keep unchanged or filter it too",
  },
};

function applyNlMeans(image: Image, p: NlMeansParams, report: Progress): Image {
  const { width: w, height: h, channels: ch } = image;
  const cn = p.alpha === "keep" && hasAlpha(ch) ? ch - 1 : ch;
  const planes: ArrayLike<number>[] = [];
  for (let c = 0; c < cn; c++) planes.push(nativePlane(image, c));
  const integer = image.dtype === "u8" && p.compat === "opencv";
  let outs: Float64Array[];
  const progress = report;
  if (p.compat === "skimage") {
    outs = p.color === "per-channel"
      ? planes.map((pl, i) => nlmSkimage([pl], w, h, p, false, (f) => progress((i + f) / cn))[0])
      : nlmSkimage(planes, w, h, p, false, progress);
  } else if (cn >= 3 && p.color === "lab") {
    if (image.dtype !== "u8") {
      throw new FilterError(
        "UNSUPPORTED_DTYPE",
        `nl-means: color "lab" needs a u8 image, got ${image.dtype}; ` +
          `use color "joint" or "per-channel"`,
      );
    }
    const lab = rgbToLab8(planes[0], planes[1], planes[2]);
    const [L] = nlmOpenCV([lab[0]], w, h, p.h, p, true, (f) => progress(f / 3));
    const [A, B] = nlmOpenCV(
      [lab[1], lab[2]],
      w,
      h,
      p.hColor ?? p.h,
      p,
      true,
      (f) => progress((1 + 2 * f) / 3),
    );
    outs = lab8ToRgb(L, A, B);
    for (let c = 3; c < cn; c++) {
      outs.push(nlmOpenCV([planes[c]], w, h, p.h, p, true, () => {})[0]);
    }
  } else if (p.color === "per-channel" && cn > 1) {
    outs = planes.map((pl, i) =>
      nlmOpenCV([pl], w, h, p.h, p, integer, (f) => progress((i + f) / cn))[0]
    );
  } else {
    if (integer && cn > 3) {
      outs = planes.map((pl) => nlmOpenCV([pl], w, h, p.h, p, true, progress)[0]);
    } else outs = nlmOpenCV(planes, w, h, p.h, p, integer, progress);
  }
  const n = w * h;
  const out = allocate(image.dtype, n * ch);
  const tmp = allocate(image.dtype, n);
  for (let c = 0; c < ch; c++) {
    if (c < cn) storeInto(tmp, outs[c]);
    else tmp.set(nativePlane(image, c) as never);
    for (let i = 0, j = c; i < n; i++, j += ch) out[j] = tmp[i];
  }
  return new Image(w, h, ch, out);
}

/**
 * Rows of context an output row needs: it reads the patches around every
 * pixel of its search window, half a search window plus half a patch of
 * rows (and one spare).
 */
function nlMeansHalo(params: NlMeansParams): number {
  return (params.searchSize >> 1) + (params.patchSize >> 1) + 1;
}

/** The `nl-means` plugin. */
export const nlMeansPlugin: FilterPlugin<NlMeansParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "nl-means",
  family: "nl-means",
  summary: "non-local means denoising (OpenCV fastNlMeansDenoising[Colored], skimage)",
  params: nlMeansSpecs,
  example: "in.png out.png --h 10 --patchSize 7 --searchSize 21",
  cost:
    "O((W + s)·(H + s)·s²) whatever the patch size (s = searchSize <= 101, patchSize <= 101; the image is padded by s/2 + patch/2), in bands of 4 M samples",
  halo: (params) => nlMeansHalo(params),
  // Band by band (4 M samples at a time), so the per-offset sums and
  // the weight and value accumulators are one band's, not the image's; each
  // band has the halo of real context rows, so the result is the same.
  apply: (image, params, ctx) =>
    filterByBands(
      image,
      { halo: nlMeansHalo(params), rows: ctx.rows },
      (band, progress) => applyNlMeans(band, params, progress),
      (f) => ctx.progress(f),
    ),
};

/**
 * Non-local means denoising with OpenCV's semantics (`fastNlMeansDenoising`
 * for gray, `fastNlMeansDenoisingColored` for colour); `compat: "skimage"`
 * for scikit-image's. Cost does not depend on `patchSize`.
 *
 * @example Denoising a flat patch
 * ```ts
 * import { Image, nlMeans } from "@imfilter/imfilter";
 * const data = Uint8Array.from({ length: 256 }, (_, i) => 100 + (i * 7919 % 11) - 5);
 * const noisy = new Image(16, 16, 1, data);
 * const out = nlMeans(noisy, { h: 10, patchSize: 3, searchSize: 7 });
 * console.log(Math.abs(out.get(8, 8) - 100) <= 2); // true
 * ```
 */
export function nlMeans(image: Image, options: NlMeansOptions = {}): Image {
  return runSyncImage(nlMeansPlugin, image, { ...options });
}

registerBuiltin(nlMeansPlugin);
