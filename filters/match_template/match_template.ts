/**
 * `match-template`: template matching with OpenCV's six `matchTemplate`
 * methods, scikit-image's `match_template(pad_input=True)` layout, masks, and
 * top-k peak finding with non-maximum suppression.
 *
 * With `T` the template (`w × h`), `I` the image window at `(x, y)`, sums over
 * the template and all channels, and `T' = T − mean(T)`, `I' = I − mean(I)`
 * (means per channel, as OpenCV):
 *
 * | method | score |
 * |---|---|
 * | `sqdiff` | `Σ (T − I)²` |
 * | `sqdiff_normed` | `Σ (T − I)² / √(Σ T² · Σ I²)` |
 * | `ccorr` | `Σ T · I` |
 * | `ccorr_normed` | `Σ T · I / √(Σ T² · Σ I²)` |
 * | `ccoeff` | `Σ T' · I'` |
 * | `ccoeff_normed` | `Σ T' · I' / √(Σ T'² · Σ I'²)` (default; Pearson correlation) |
 *
 * The output is float32 of size `(W − w + 1) × (H − h + 1)`; `(x, y)` is the
 * window's top-left corner. The correlation `Σ T·I` is computed by FFT (or
 * directly when that is cheaper) and the window sums `Σ I`, `Σ I²` by
 * integral images (J. P. Lewis, "Fast normalized cross-correlation"), all in
 * float64, so flat windows give exactly zero variance and large dynamic
 * ranges do not lose digits. Where WebAssembly SIMD is available (and not
 * turned off: `IMFILTER_SIMD=0`, `withSimd(false, …)`) the FFT runs in f64x2
 * (`engines/fft_simd.ts`), reading the image's samples in place, and
 * `ccoeff_normed` of 1 or 3 channels is scored there as the inverse
 * transform produces each row, with the same float64 window sums, order of
 * operations and guards as the TypeScript path.
 *
 * Guards, as OpenCV's `matchTemplate`: for normed methods, when a window's
 * energy `Σ I'²` (or `Σ I²`) is at most `min(0.5, 10·FLT_EPSILON·Σ I²)` the
 * window is treated as flat and the denominator as 0; then the score is the
 * numerator over the denominator when `|num| < den`, `±1` when
 * `|num| < 1.125·den` (rounding overshoot), and otherwise 0 (1 for
 * `sqdiff_normed`). A flat window therefore scores 0 (`ccoeff_normed`,
 * `ccorr_normed`) or 1 (`sqdiff_normed`). A constant template with
 * `ccoeff_normed` gives 1 everywhere (OpenCV's rule). `sqdiff` is clamped at 0,
 * and `sqdiff_normed`, which can mathematically exceed 1, is capped at 1 by
 * the same rule. With a `mask` the same guards apply (OpenCV's masked path
 * divides without them, so it can return inf/NaN where imfilter returns 0 or 1).
 *
 * This module is the plugin: the methods' list, options, params, specs, the
 * `match-template` plugin and its dispatch (input checks, padding, masked or
 * not, the best score), and {@linkcode matchTemplate}. The score maps are
 * computed in `scores.ts` (its {@linkcode MatchMethod} is re-exported
 * here); peak finding ({@linkcode findMatches}, {@linkcode Match}) is in
 * `find_matches.ts`, re-exported here too.
 *
 * @module
 */

import { FilterError } from "../../core/errors.ts";
import { Image } from "../../core/image.ts";
import type { ParamSpecs } from "../../core/params.ts";
import { planeOf } from "../../core/planes.ts";
import { type FilterPlugin, PLUGIN_BRAND, registerBuiltin, runSync } from "../../core/registry.ts";
import { findMatches, type Match } from "./find_matches.ts";
import {
  isSqdiff,
  type MatchMethod,
  padPlane,
  planesOf,
  scoresMasked,
  scoresUnmasked,
  workPlanesOf,
} from "./scores.ts";

export type { MatchMethod } from "./scores.ts";
export { findMatches, type FindMatchesOptions, type Match } from "./find_matches.ts";

/** Every {@linkcode MatchMethod}. */
export const MATCH_METHODS: readonly MatchMethod[] = [
  "sqdiff",
  "sqdiff_normed",
  "ccorr",
  "ccorr_normed",
  "ccoeff",
  "ccoeff_normed",
];

/** Options of {@linkcode matchTemplate}. */
export interface MatchTemplateOptions {
  /** The method (default `"ccoeff_normed"`). */
  method?: MatchMethod;
  /**
   * Template-shaped weights, 1 channel or the template's channels (OpenCV's
   * `mask`): every term is weighted by the mask (`M·T`, `M·I`, means
   * weighted by `M`).
   */
  mask?: Image;
  /**
   * scikit-image `match_template(pad_input=True)`: pad the image with `cval`
   * so the score map has the image's size and `(x, y)` is the window's
   * centre (template element `(w/2, h/2)`, rounded down). Default false.
   */
  padInput?: boolean;
  /** The padding value for `padInput` (default 0). */
  cval?: number;
}

/** The result of {@linkcode matchTemplate}. */
export interface MatchTemplateResult {
  /** The score map, float32, one channel. */
  scores: Image;
  /** The best score: the minimum for the `sqdiff` methods, the maximum otherwise. */
  best: Match;
}

/** Resolved params of the `match-template` plugin. */
export interface MatchTemplateParams {
  /** The template. */
  template: Image;
  /** The method. */
  method: MatchMethod;
  /** Optional template-shaped weights. */
  mask?: Image;
  /** scikit-image `pad_input`. */
  padInput: boolean;
  /** Padding value for `padInput`. */
  cval: number;
  /** How many matches to report in `data.matches`. */
  count: number;
  /** Only matches scoring at least this (at most, for sqdiff methods). */
  minScore?: number;
  /** Matches are more than this many pixels apart (Chebyshev); default half the template. */
  minDistance?: number;
}

/**
 * The best finite score of a map: min for sqdiff methods, max otherwise
 * (first in row-major order). NaN and ±Infinity (windows over non-finite
 * samples) are skipped; with no finite score at all, `(−1, −1)` and NaN.
 */
function bestOf(scores: Float32Array, width: number, minimise: boolean): Match {
  let bi = -1, bv = NaN;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (Number.isFinite(v) && (bi < 0 || (minimise ? v < bv : v > bv))) {
      bv = v;
      bi = i;
    }
  }
  return bi < 0
    ? { x: -1, y: -1, score: NaN }
    : { x: bi % width, y: Math.floor(bi / width), score: bv };
}

/** Refuses NaN or ±Infinity in the template or the mask: they are part of every window. */
function refuseNonFinite(image: Image, what: string): void {
  if (image.dtype !== "f32") return;
  const i = (image.data as Float32Array).findIndex((v) => !Number.isFinite(v));
  if (i < 0) return;
  const p = Math.floor(i / image.channels);
  throw new FilterError(
    "INVALID_PARAM",
    `match-template: the ${what} has ${image.data[i]} at x=${p % image.width}, y=${
      Math.floor(p / image.width)
    }; it is part of every window, so every score would be NaN — replace it first`,
  );
}

/**
 * The pixels of a float image with a NaN or ±Infinity in any channel, and
 * the image with 0 in their place (so that the FFT correlation and the
 * window sums do not spread them); `undefined` when every sample is finite.
 */
function nonFinitePixels(image: Image): { flags: Uint8Array; clean: Image } | undefined {
  if (image.dtype !== "f32") return undefined;
  const d = image.data as Float32Array, ch = image.channels;
  let flags: Uint8Array | undefined, clean: Float32Array | undefined;
  for (let i = 0; i < d.length; i++) {
    if (Number.isFinite(d[i])) continue;
    flags ??= new Uint8Array(image.width * image.height);
    clean ??= d.slice();
    flags[Math.floor(i / ch)] = 1;
    clean[i] = 0;
  }
  return flags && { flags, clean: new Image(image.width, image.height, ch, clean!) };
}

/**
 * Sets to NaN the scores of the windows that cover a flagged pixel — and
 * only those, as the convolution family does: window `(x, y)` covers the
 * (possibly padded) pixels `[x, x + w) × [y, y + h)`; image pixel `(i, j)`
 * sits at `(i + l, j + t)`. A summed-area table of the flags counts them.
 */
function markWindows(
  scores: Float32Array,
  flags: Uint8Array,
  iw: number,
  ih: number,
  pad: { l: number; t: number; W: number; H: number },
  w: number,
  h: number,
): void {
  const { l, t, W, H } = pad, sw = W + 1;
  const sat = new Int32Array(sw * (H + 1));
  for (let y = 0; y < H; y++) {
    let row = 0;
    const j = y - t;
    for (let x = 0; x < W; x++) {
      const i = x - l;
      if (j >= 0 && j < ih && i >= 0 && i < iw) row += flags[j * iw + i];
      sat[(y + 1) * sw + x + 1] = sat[y * sw + x + 1] + row;
    }
  }
  const ow = W - w + 1, oh = H - h + 1;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const n = sat[(y + h) * sw + x + w] - sat[y * sw + x + w] - sat[(y + h) * sw + x] +
        sat[y * sw + x];
      if (n > 0) scores[y * ow + x] = NaN;
    }
  }
}

function computeScores(input: Image, params: MatchTemplateParams): MatchTemplateResult {
  const { template, method, mask, padInput, cval } = params;
  refuseNonFinite(template, "template");
  if (mask) refuseNonFinite(mask, "mask");
  // Non-finite samples: scored as 0, then their windows set to NaN.
  const bad = nonFinitePixels(input);
  const image = bad ? bad.clean : input;
  if (template.channels !== image.channels) {
    throw new FilterError(
      "SIZE_MISMATCH",
      `match-template: template has ${template.channels} channels but the image has ` +
        `${image.channels}; give a template with the image's channels`,
    );
  }
  const w = template.width, h = template.height;
  // Unpadded, unmasked channels are read in place (no float64 copy, but for
  // the TypeScript correlation of several channels).
  const inPlace = !padInput && !mask;
  let I = inPlace ? [] : planesOf(image);
  let W = image.width, H = image.height;
  if (padInput) {
    const l = w >> 1, r = (w - 1) >> 1, t = h >> 1, b = (h - 1) >> 1;
    I = I.map((p) => padPlane(p, W, H, l, r, t, b, cval));
    W += w - 1;
    H += h - 1;
  }
  if (w > W || h > H) {
    throw new FilterError(
      "SIZE_MISMATCH",
      `match-template: template ${w}x${h} is larger than the ${W}x${H} image; ` +
        `use a smaller template or padInput`,
    );
  }
  const T = planesOf(template);
  let data: Float32Array, bestIndex: number | undefined;
  if (mask) {
    if (
      mask.width !== w || mask.height !== h ||
      (mask.channels !== 1 && mask.channels !== template.channels)
    ) {
      throw new FilterError(
        "SIZE_MISMATCH",
        `match-template: mask is ${mask.width}x${mask.height}x${mask.channels}; it must be ` +
          `${w}x${h} (the template's size) with 1 or ${template.channels} channels`,
      );
    }
    const M = T.map((_, c) => planeOf(mask, mask.channels === 1 ? 0 : c));
    data = new Float32Array(scoresMasked(I, W, H, T, w, h, M, method));
  } else {
    const C = image.channels;
    const samples = inPlace
      ? T.map((_, c) => ({ data: image.data, offset: c, tap: C }))
      : I.map((data) => ({ data, offset: 0, tap: 1 }));
    const planes = () => inPlace ? (C === 1 ? [image.data] : workPlanesOf(image)) : I;
    ({ data, best: bestIndex } = scoresUnmasked(samples, planes, W, H, T, w, h, method));
  }
  const ow = W - w + 1, oh = H - h + 1;
  if (bad) {
    const pad = padInput ? { l: w >> 1, t: h >> 1, W, H } : { l: 0, t: 0, W, H };
    markWindows(data, bad.flags, input.width, input.height, pad, w, h);
  }
  const best = bestIndex === undefined || bad || !Number.isFinite(data[bestIndex])
    ? bestOf(data, ow, isSqdiff(method))
    : { x: bestIndex % ow, y: Math.floor(bestIndex / ow), score: data[bestIndex] };
  return { scores: new Image(ow, oh, 1, data), best };
}

const matchSpecs: ParamSpecs<MatchTemplateParams> = {
  template: {
    type: "image",
    required: true,
    description: "the template (an image with the input's channels)",
    example: "eye.png",
  },
  method: {
    type: "enum",
    values: MATCH_METHODS,
    default: "ccoeff_normed",
    aliases: {
      tm_sqdiff: "sqdiff",
      tm_sqdiff_normed: "sqdiff_normed",
      tm_ccorr: "ccorr",
      tm_ccorr_normed: "ccorr_normed",
      tm_ccoeff: "ccoeff",
      tm_ccoeff_normed: "ccoeff_normed",
    },
    description: "OpenCV method: sqdiff, ccorr, ccoeff and their _normed forms",
  },
  mask: {
    type: "image",
    description: "template-shaped weights (1 channel or the template's)",
  },
  padInput: {
    type: "boolean",
    default: false,
    description: "skimage pad_input: image-sized map, (x, y) is the window centre",
  },
  cval: { type: "number", default: 0, description: "padding value for padInput" },
  count: {
    type: "integer",
    default: 1,
    min: 0,
    description: "how many matches to report (non-maximum suppression)",
  },
  minScore: {
    type: "number",
    description: "report only matches scoring at least this (at most, for sqdiff)",
  },
  minDistance: {
    type: "number",
    min: 0,
    description: "reported matches are more than this apart (default: half the template)",
  },
};

/** The `match-template` plugin: the score map as the image, `{ best, matches }` as data. */
export const matchTemplatePlugin: FilterPlugin<MatchTemplateParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "match-template",
  family: "match-template",
  summary: "template matching: OpenCV's six matchTemplate methods, float32 score map",
  params: matchSpecs,
  shape: "any",
  example: "scene.png scores.npy --template eye.png --method ccoeff_normed --count 3 --json",
  cost:
    "O(C·W·H·min(w·h, log(W·H))): direct or FFT correlation, whichever is cheaper, plus O(C·W·H) window sums",
  apply(image, params) {
    const { scores, best } = computeScores(image, params);
    const md = params.minDistance ??
      Math.max(1, Math.floor(Math.min(params.template.width, params.template.height) / 2));
    const lower = isSqdiff(params.method);
    const passes = Number.isFinite(best.score) && (params.minScore === undefined ||
      (lower ? best.score <= params.minScore : best.score >= params.minScore));
    // The best score is the first global extremum: the only match when count is 1.
    const matches = params.count === 1 ? (passes ? [best] : []) : findMatches(scores, {
      count: params.count,
      minScore: params.minScore,
      minDistance: md,
      lowerIsBetter: lower,
    });
    return { image: scores, data: { best, matches } };
  },
};

/**
 * Finds a template in an image: the float32 score map of OpenCV's
 * `matchTemplate` (size `(W − w + 1) × (H − h + 1)`) and the best match's
 * top-left corner.
 *
 * @example Finding a patch cut from the image itself
 * ```ts
 * import { Image, matchTemplate } from "@imfilter/imfilter";
 * const img = Image.zeros(32, 24, 1, "f32");
 * for (let i = 0; i < img.data.length; i++) img.data[i] = Math.sin(i * 0.37) * 50 + (i % 7);
 * const tpl = new Image(5, 4, 1, new Float32Array(20));
 * for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) tpl.data[y * 5 + x] = img.get(9 + x, 6 + y);
 * const { scores, best } = matchTemplate(img, tpl);
 * console.log(scores.width, scores.height, best.x, best.y); // 28 21 9 6
 * ```
 */
export function matchTemplate(
  image: Image,
  template: Image,
  options: MatchTemplateOptions = {},
): MatchTemplateResult {
  const out = runSync(matchTemplatePlugin, image, { ...options, template, count: 0 });
  return { scores: out.image!, best: (out.data as { best: Match }).best };
}

registerBuiltin(matchTemplatePlugin);
