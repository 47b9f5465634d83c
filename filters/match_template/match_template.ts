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
 * @module
 */

import { FilterError } from "../../core/errors.ts";
import { nextFastSize } from "../../engines/fft.ts";
import { correlateValid, type RealPlane } from "../../engines/fft_correlate.ts";
import { Image } from "../../core/image.ts";
import type { ParamSpecs } from "../../core/params.ts";
import { planeOf } from "../../core/planes.ts";
import { type FilterPlugin, PLUGIN_BRAND, registerFilter, runSync } from "../../core/registry.ts";
import { type CorrelationSource, simdCorrelateValid } from "../../engines/fft_simd.ts";

/** The template matching methods (OpenCV `TM_*`, lower case). */
export type MatchMethod =
  | "sqdiff"
  | "sqdiff_normed"
  | "ccorr"
  | "ccorr_normed"
  | "ccoeff"
  | "ccoeff_normed";

/** Every {@linkcode MatchMethod}. */
export const MATCH_METHODS: readonly MatchMethod[] = [
  "sqdiff",
  "sqdiff_normed",
  "ccorr",
  "ccorr_normed",
  "ccoeff",
  "ccoeff_normed",
];

/** One match: the template's top-left corner (or centre with `padInput`) and its score. */
export interface Match {
  /** Column. */
  x: number;
  /** Row. */
  y: number;
  /** The score at `(x, y)`. */
  score: number;
}

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

const FLT_EPSILON = 1.1920928955078125e-7;

function isSqdiff(method: MatchMethod): boolean {
  return method === "sqdiff" || method === "sqdiff_normed";
}

/** OpenCV's normalisation with its guards (see the module notes). */
function normalise(
  num: number,
  energy: number,
  wndSum2: number,
  tNorm: number,
  sq: boolean,
): number {
  const diff2 = energy > 0 ? energy : 0;
  const t = diff2 <= Math.min(0.5, 10 * FLT_EPSILON * wndSum2) ? 0 : Math.sqrt(diff2) * tNorm;
  const a = Math.abs(num);
  if (a < t) return num / t;
  if (a < t * 1.125) return num > 0 ? 1 : -1;
  return sq ? 1 : 0;
}

function planesOf(image: Image): Float64Array[] {
  const out: Float64Array[] = [];
  for (let c = 0; c < image.channels; c++) out.push(planeOf(image, c));
  return out;
}

/**
 * Internal float64 work arrays kept between calls through weak references:
 * repeated matching at one size reuses their pages instead of faulting in
 * tens of megabytes of fresh memory per call; the collector may still take them.
 */
const workArrays = new Map<string, WeakRef<Float64Array>>();

/** A work array of `n` values for `key` (contents unspecified). */
function workArray(key: string, n: number): Float64Array {
  const cached = workArrays.get(key)?.deref();
  if (cached && cached.length === n) return cached;
  const a = new Float64Array(n);
  workArrays.set(key, new WeakRef(a));
  return a;
}

/** The channels of `image` as float64 planes in reused work arrays. */
function workPlanesOf(image: Image): Float64Array[] {
  const n = image.width * image.height, ch = image.channels, src = image.data;
  const out: Float64Array[] = [];
  for (let c = 0; c < ch; c++) {
    const p = workArray(`plane${c}`, n);
    deinterleave(p, src, c, ch, n);
    out.push(p);
  }
  return out;
}

function deinterleave(
  p: Float64Array,
  src: ArrayLike<number>,
  c: number,
  ch: number,
  n: number,
): void {
  for (let i = 0, j = c; i < n; i++, j += ch) p[i] = src[j];
}

function padPlane(
  p: Float64Array,
  W: number,
  H: number,
  l: number,
  r: number,
  t: number,
  b: number,
  cval: number,
): Float64Array {
  const pw = W + l + r, ph = H + t + b;
  const out = new Float64Array(pw * ph).fill(cval);
  for (let y = 0; y < H; y++) out.set(p.subarray(y * W, y * W + W), (y + t) * pw + l);
  return out;
}

/**
 * The correlation `Σ K_c · I_c` of every window: by the WebAssembly SIMD
 * float64 FFT (reading the samples in place: interleaved channels need no
 * float64 copy) when the FFT is the cheaper method and SIMD is on, else by
 * `correlateValid` on float64 planes (`planes()`, made on demand). With
 * `tNorm` (ccoeff_normed, 1 or 3 channels) the SIMD engine returns the
 * scores instead, computed with the same window sums and guards as
 * {@linkcode grayCcoeffNormedRow} / {@linkcode rgbCcoeffNormedRow}. A SIMD
 * correlation lives in the engine's memory, valid until its next call.
 */
function correlation(
  I: readonly CorrelationSource[],
  planes: () => readonly ArrayLike<number>[],
  W: number,
  H: number,
  kernels: RealPlane[],
  w: number,
  h: number,
  tNorm?: number,
): { num?: Float64Array; scores?: Float32Array; best?: number } {
  const ow = W - w + 1, oh = H - h + 1, c = I.length;
  const n = nextFastSize(W) * nextFastSize(H);
  // correlateValid's cost rule (FFT when the direct sum takes more
  // operations) with the SIMD transform and scoring at 1/8 of the cost:
  // measured, they beat the TypeScript direct sum (and scoring) from about
  // 4×4 templates on 512² and 3×3 on 2048².
  if (ow * oh * w * h * c > ((c + 1) * n * (Math.log2(n) + 2)) / 4) {
    const ccoeffNormed = tNorm === undefined ? undefined : { tNorm, fltEpsilon: FLT_EPSILON };
    const simd = simdCorrelateValid(I, W, H, kernels, w, h, nextFastSize, { ccoeffNormed });
    if (simd) return simd;
  }
  const images = planes().map((data) => ({ data, width: W, height: H }));
  return { num: correlateValid(images, kernels, workArray("num", ow * oh)) };
}

/**
 * Scores without a mask. `I` are the image's channels, read in place
 * (`data[offset + tap·i]`); `planes()` gives them as contiguous planes for
 * the TypeScript correlation. `best`, when known, is the index of the first
 * maximum (what {@linkcode bestOf} finds).
 */
function scoresUnmasked(
  I: readonly CorrelationSource[],
  planes: () => readonly ArrayLike<number>[],
  W: number,
  H: number,
  T: Float64Array[],
  w: number,
  h: number,
  method: MatchMethod,
): { data: Float32Array; best?: number } {
  const C = I.length, n = w * h, ow = W - w + 1, oh = H - h + 1;
  const ccoeff = method === "ccoeff" || method === "ccoeff_normed";
  const normed = method.endsWith("_normed");
  const sq = isSqdiff(method);
  // Template statistics (per channel means for ccoeff).
  const kernels: RealPlane[] = [];
  let tSum2 = 0, tCentred2 = 0;
  for (let c = 0; c < C; c++) {
    const t = T[c];
    let mean = 0;
    for (let i = 0; i < n; i++) mean += t[i];
    mean /= n;
    const k = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const d = t[i] - mean;
      tSum2 += t[i] * t[i];
      tCentred2 += d * d;
      k[i] = ccoeff ? d : t[i];
    }
    kernels.push({ data: k, width: w, height: h });
  }
  if (method === "ccoeff_normed" && tCentred2 < Number.EPSILON) {
    return { data: new Float32Array(ow * oh).fill(1) };
  }
  const tNorm = Math.sqrt(ccoeff ? tCentred2 : tSum2);
  const scoring = method === "ccoeff_normed" && (C === 1 || C === 3);
  const corr = correlation(I, planes, W, H, kernels, w, h, scoring ? tNorm : undefined);
  if (corr.scores) return { data: corr.scores, best: corr.best };
  const num = corr.num!;
  if (method === "ccorr" || method === "ccoeff") return { data: new Float32Array(num) };
  const out = new Float32Array(ow * oh);
  // Window sums Σ I² (all channels) and Σ I_c (ccoeff) in float64: running
  // column sums over the h rows of the window, then a running sum along the
  // row (Lewis's integral-image idea, one row at a time; exact for integer
  // data, where every partial sum is an integer below 2^53).
  const col2 = new Float64Array(W), col1 = new Float64Array(ccoeff ? W * C : 0);
  const wnd2 = new Float64Array(ow), energy = new Float64Array(ow);
  for (let j = 0; j < h; j++) slideColumns(col2, ccoeff ? col1 : undefined, I, -1, j * W, W);
  const gray = ccoeff && C === 1 && normed, rgb = ccoeff && C === 3 && normed;
  for (let y = 0; y < oh; y++) {
    // One call per step (no inner loops here: the JIT optimises the small
    // helpers at once, where a loop nest would wait for on-stack replacement).
    if (y > 0) slideColumns(col2, ccoeff ? col1 : undefined, I, (y - 1) * W, (y + h - 1) * W, W);
    const row = y * ow;
    if (gray) {
      grayCcoeffNormedRow(out, row, num, col1, col2, w, ow, n, tNorm);
    } else if (rgb) {
      rgbCcoeffNormedRow(out, row, num, col1, col2, W, w, ow, n, tNorm);
    } else {
      windowSums(wnd2, energy, col2, ccoeff ? col1 : undefined, C, W, w, ow, n);
      scoreRow(out, row, num, wnd2, energy, ow, tSum2, tNorm, sq, normed);
    }
  }
  return { data: out };
}

/** One output row from the correlation and the window sums (any method but ccorr/ccoeff). */
function scoreRow(
  out: Float32Array,
  row: number,
  num: Float64Array,
  wnd2: Float64Array,
  energy: Float64Array,
  ow: number,
  tSum2: number,
  tNorm: number,
  sq: boolean,
  normed: boolean,
): void {
  for (let x = 0; x < ow; x++) {
    let v = num[row + x];
    if (sq) {
      const d = wnd2[x] - 2 * v + tSum2;
      v = d > 0 ? d : 0;
    }
    out[row + x] = normed ? normalise(v, energy[x], wnd2[x], tNorm, sq) : v;
  }
}

/**
 * Moves the window's column sums down one row: adds row `come` and removes
 * row `gone` (none when `gone < 0`; rows given as `y·W`) of every channel
 * (`Σ I²` of all channels into `col2`, `Σ I_c` into `col1` at `c·W`).
 */
function slideColumns(
  col2: Float64Array,
  col1: Float64Array | undefined,
  I: readonly CorrelationSource[],
  gone: number,
  come: number,
  W: number,
): void {
  for (let c = 0; c < I.length; c++) {
    const p = I[c].data, t = I[c].tap, cw = c * W;
    const b0 = I[c].offset + come * t, a0 = I[c].offset + gone * t;
    if (gone < 0) {
      for (let x = 0, j = b0; x < W; x++, j += t) {
        const b = p[j];
        col2[x] += b * b;
        if (col1) col1[cw + x] += b;
      }
    } else if (col1) {
      for (let x = 0, i = a0, j = b0; x < W; x++, i += t, j += t) {
        const a = p[i], b = p[j];
        col2[x] += b * b - a * a;
        col1[cw + x] += b - a;
      }
    } else {
      for (let x = 0, i = a0, j = b0; x < W; x++, i += t, j += t) {
        const a = p[i], b = p[j];
        col2[x] += b * b - a * a;
      }
    }
  }
}

/**
 * Window sums of one output row: `Σ I²` into `wnd2` and `energy`, minus
 * `(Σ I_c)² / n` of each channel from `energy` when `col1` is given.
 */
function windowSums(
  wnd2: Float64Array,
  energy: Float64Array,
  col2: Float64Array,
  col1: Float64Array | undefined,
  C: number,
  W: number,
  w: number,
  ow: number,
  n: number,
): void {
  let s2 = 0;
  for (let x = 0; x < w - 1; x++) s2 += col2[x];
  for (let x = 0; x < ow; x++) {
    s2 += col2[x + w - 1];
    wnd2[x] = s2;
    energy[x] = s2;
    s2 -= col2[x];
  }
  if (!col1) return;
  for (let c = 0; c < C; c++) {
    const cw = c * W;
    let s1 = 0;
    for (let x = 0; x < w - 1; x++) s1 += col1[cw + x];
    for (let x = 0; x < ow; x++) {
      s1 += col1[cw + x + w - 1];
      energy[x] -= (s1 * s1) / n;
      s1 -= col1[cw + x];
    }
  }
}

/**
 * One row of one-channel `ccoeff_normed` in a single pass: `Σ I`, `Σ I²`,
 * the centred energy and the guarded score (as {@linkcode normalise}).
 */
function grayCcoeffNormedRow(
  out: Float32Array,
  row: number,
  num: Float64Array,
  col1: Float64Array,
  col2: Float64Array,
  w: number,
  ow: number,
  n: number,
  tNorm: number,
): void {
  // With en = n·Σ I² − (Σ I)² = n·energy (exact for integer data, no
  // division), the guard is en ≤ n·min(0.5, 10·ε·Σ I²) and the denominator
  // √en · tNorm/√n.
  const tn = tNorm / Math.sqrt(n), half = 0.5 * n, eps = 10 * FLT_EPSILON * n;
  let s1 = 0, s2 = 0;
  for (let x = 0; x < w - 1; x++) {
    s1 += col1[x];
    s2 += col2[x];
  }
  for (let x = 0; x < ow; x++) {
    s1 += col1[x + w - 1];
    s2 += col2[x + w - 1];
    const en = n * s2 - s1 * s1, v = num[row + x];
    const flat = eps * s2;
    const t = en <= (flat < half ? flat : half) ? 0 : Math.sqrt(en) * tn;
    const a = v < 0 ? -v : v;
    out[row + x] = a < t ? v / t : a < t * 1.125 ? (v > 0 ? 1 : -1) : 0;
    s1 -= col1[x];
    s2 -= col2[x];
  }
}

/** {@linkcode grayCcoeffNormedRow} for three channels (per-channel means, as OpenCV). */
function rgbCcoeffNormedRow(
  out: Float32Array,
  row: number,
  num: Float64Array,
  col1: Float64Array,
  col2: Float64Array,
  W: number,
  w: number,
  ow: number,
  n: number,
  tNorm: number,
): void {
  const tn = tNorm / Math.sqrt(n), half = 0.5 * n, eps = 10 * FLT_EPSILON * n;
  const g = W, b = 2 * W;
  let s1r = 0, s1g = 0, s1b = 0, s2 = 0;
  for (let x = 0; x < w - 1; x++) {
    s1r += col1[x];
    s1g += col1[g + x];
    s1b += col1[b + x];
    s2 += col2[x];
  }
  for (let x = 0; x < ow; x++) {
    const xe = x + w - 1;
    s1r += col1[xe];
    s1g += col1[g + xe];
    s1b += col1[b + xe];
    s2 += col2[xe];
    const en = n * s2 - s1r * s1r - s1g * s1g - s1b * s1b, v = num[row + x];
    const flat = eps * s2;
    const t = en <= (flat < half ? flat : half) ? 0 : Math.sqrt(en) * tn;
    const a = v < 0 ? -v : v;
    out[row + x] = a < t ? v / t : a < t * 1.125 ? (v > 0 ? 1 : -1) : 0;
    s1r -= col1[x];
    s1g -= col1[g + x];
    s1b -= col1[b + x];
    s2 -= col2[x];
  }
}

function scoresMasked(
  I: Float64Array[],
  W: number,
  H: number,
  T: Float64Array[],
  w: number,
  h: number,
  M: Float64Array[],
  method: MatchMethod,
): Float64Array {
  const C = I.length, n = w * h, ow = W - w + 1, oh = H - h + 1, on = ow * oh;
  const corr = (imgs: Float64Array[], ks: Float64Array[]) =>
    correlateValid(
      imgs.map((data) => ({ data, width: W, height: H })),
      ks.map((data) => ({ data, width: w, height: h })),
    );
  const mul = (a: Float64Array, b: Float64Array) => a.map((v, i) => v * b[i]);
  const M2 = M.map((m) => mul(m, m));
  const sq = isSqdiff(method), normed = method.endsWith("_normed");
  if (method === "ccoeff" || method === "ccoeff_normed") {
    const T2: Float64Array[] = [], sumT2: number[] = [], sumM: number[] = [], sumM2: number[] = [];
    let tNorm2 = 0;
    for (let c = 0; c < C; c++) {
      let sm = 0, smt = 0, sm2 = 0;
      for (let i = 0; i < n; i++) {
        sm += M[c][i];
        smt += M[c][i] * T[c][i];
        sm2 += M2[c][i];
      }
      const mu = sm !== 0 ? smt / sm : 0;
      const t2 = new Float64Array(n);
      let s = 0;
      for (let i = 0; i < n; i++) {
        const d = T[c][i] - mu;
        t2[i] = M2[c][i] * d;
        s += t2[i];
        tNorm2 += M2[c][i] * d * d;
      }
      T2.push(t2);
      sumT2.push(s);
      sumM.push(sm);
      sumM2.push(sm2);
    }
    if (method === "ccoeff_normed" && tNorm2 < Number.EPSILON) return new Float64Array(on).fill(1);
    const num = new Float64Array(on), energy = new Float64Array(on), wnd = new Float64Array(on);
    for (let c = 0; c < C; c++) {
      const cross = corr([I[c]], [T2[c]]);
      const im = corr([I[c]], [M[c]]);
      const im2 = normed ? corr([I[c]], [M2[c]]) : undefined;
      const i2m2 = normed ? corr([mul(I[c], I[c])], [M2[c]]) : undefined;
      for (let i = 0; i < on; i++) {
        const mu = sumM[c] !== 0 ? im[i] / sumM[c] : 0;
        num[i] += cross[i] - mu * sumT2[c];
        if (im2 && i2m2) {
          energy[i] += i2m2[i] - 2 * mu * im2[i] + mu * mu * sumM2[c];
          wnd[i] += i2m2[i];
        }
      }
    }
    if (!normed) return num;
    const tNorm = Math.sqrt(tNorm2);
    for (let i = 0; i < on; i++) num[i] = normalise(num[i], energy[i], wnd[i], tNorm, false);
    return num;
  }
  // ccorr and sqdiff: Σ M²·T·I, Σ M²·I², Σ M²·T².
  const num = corr(I, T.map((t, c) => mul(t, M2[c])));
  if (method === "ccorr") return num;
  let tSum2 = 0;
  for (let c = 0; c < C; c++) for (let i = 0; i < n; i++) tSum2 += M2[c][i] * T[c][i] * T[c][i];
  const wnd = corr(I.map((p) => mul(p, p)), M2);
  if (sq) {
    for (let i = 0; i < on; i++) {
      const d = wnd[i] - 2 * num[i] + tSum2;
      num[i] = d > 0 ? d : 0;
    }
    if (!normed) return num;
  }
  const tNorm = Math.sqrt(tSum2);
  for (let i = 0; i < on; i++) num[i] = normalise(num[i], wnd[i], wnd[i], tNorm, sq);
  return num;
}

/** The best score of a map: min for sqdiff methods, max otherwise (first in row-major order). */
function bestOf(scores: Float32Array, width: number, minimise: boolean): Match {
  let bi = 0, bv = scores[0];
  for (let i = 1; i < scores.length; i++) {
    const v = scores[i];
    if (minimise ? v < bv : v > bv) {
      bv = v;
      bi = i;
    }
  }
  return { x: bi % width, y: Math.floor(bi / width), score: bv };
}

function computeScores(image: Image, params: MatchTemplateParams): MatchTemplateResult {
  const { template, method, mask, padInput, cval } = params;
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
  const best = bestIndex === undefined
    ? bestOf(data, ow, isSqdiff(method))
    : { x: bestIndex % ow, y: Math.floor(bestIndex / ow), score: data[bestIndex] };
  return { scores: new Image(ow, oh, 1, data), best };
}

/** Options of {@linkcode findMatches}. */
export interface FindMatchesOptions {
  /** The most matches to return (default 1). */
  count?: number;
  /** Only scores at least this (at most this with `lowerIsBetter`); default: no threshold. */
  minScore?: number;
  /**
   * Any two matches are more than this many pixels apart in both x or y
   * (Chebyshev distance `> minDistance`); default 1.
   */
  minDistance?: number;
  /** Lower scores are better (the `sqdiff` methods). Default false. */
  lowerIsBetter?: boolean;
}

/**
 * The best peaks of a score map with non-maximum suppression: the local
 * extrema (3×3 neighbourhood) sorted by score, taken greedily, skipping any
 * within `minDistance` of one already taken. Ties go to the first in
 * row-major order.
 *
 * @example
 * ```ts
 * import { findMatches, Image } from "@imfilter/imfilter";
 * const scores = Image.fromRows([
 *   [0.1, 0.9, 0.2, 0.1, 0.1],
 *   [0.1, 0.3, 0.2, 0.1, 0.8],
 *   [0.1, 0.1, 0.1, 0.1, 0.1],
 * ]);
 * const m = findMatches(scores, { count: 3, minScore: 0.5, minDistance: 1 });
 * console.log(m.map((p) => [p.x, p.y])); // [[1, 0], [4, 1]]
 * ```
 */
export function findMatches(scores: Image, options: FindMatchesOptions = {}): Match[] {
  const count = options.count ?? 1, minDistance = options.minDistance ?? 1;
  const lower = options.lowerIsBetter ?? false;
  if (!Number.isInteger(count) || count < 0) {
    throw new FilterError(
      "INVALID_PARAM",
      `findMatches: count must be an integer >= 0, got ${count}`,
    );
  }
  if (!(minDistance >= 0)) {
    throw new FilterError(
      "INVALID_PARAM",
      `findMatches: minDistance must be a number >= 0, got ${minDistance}`,
    );
  }
  const W = scores.width, H = scores.height, s = scores.data, ch = scores.channels;
  if (count === 0) return [];
  const sign = lower ? -1 : 1;
  const thr = options.minScore === undefined ? -Infinity : sign * options.minScore;
  const val = (x: number, y: number) => sign * s[(y * W + x) * ch];
  const cand: number[] = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = val(x, y);
      if (!(v >= thr)) continue;
      let peak = true;
      for (let dy = -1; dy <= 1 && peak; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= H) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= W || (dx === 0 && dy === 0)) continue;
          if (val(xx, yy) > v) {
            peak = false;
            break;
          }
        }
      }
      if (peak) cand.push(y * W + x);
    }
  }
  cand.sort((a, b) => sign * (s[b * ch] - s[a * ch]) || a - b);
  const out: Match[] = [];
  for (const i of cand) {
    if (out.length >= count) break;
    const x = i % W, y = Math.floor(i / W);
    if (out.some((m) => Math.max(Math.abs(m.x - x), Math.abs(m.y - y)) <= minDistance)) continue;
    out.push({ x, y, score: s[i * ch] });
  }
  return out;
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
  summary: "template matching: OpenCV's six matchTemplate methods, float32 score map",
  params: matchSpecs,
  shape: "any",
  example: "scene.png scores.npy --template eye.png --method ccoeff_normed --count 3 --json",
  apply(image, params) {
    const { scores, best } = computeScores(image, params);
    const md = params.minDistance ??
      Math.max(1, Math.floor(Math.min(params.template.width, params.template.height) / 2));
    const lower = isSqdiff(params.method);
    const passes = params.minScore === undefined ||
      (lower ? best.score <= params.minScore : best.score >= params.minScore);
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

registerFilter(matchTemplatePlugin);
