/**
 * The score maps of `match_template.ts`: every {@linkcode MatchMethod},
 * unmasked ({@linkcode scoresUnmasked}: the correlation by FFT or directly,
 * float64 window sums `Σ I`, `Σ I²` updated row by row, one-pass
 * `ccoeff_normed` rows for 1 and 3 channels, the SIMD FFT engine scoring
 * `ccoeff_normed` itself when it runs) and masked
 * ({@linkcode scoresMasked}: weighted correlations), with OpenCV's guards as
 * `match_template.ts`'s module notes describe them; also the float64 planes
 * and reused work arrays they read.
 *
 * `match_template.ts` (the plugin) checks the inputs, lays out the planes
 * and calls these; `find_matches.ts` finds peaks in the resulting map.
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { nextFastSize } from "../../engines/fft.ts";
import { correlateValid, type RealPlane } from "../../engines/fft_correlate.ts";
import type { Image } from "../../core/image.ts";
import { planeOf } from "../../core/planes.ts";
import { type CorrelationSource, simdCorrelateValid } from "../../engines/fft_simd.ts";

/** The template matching methods (OpenCV `TM_*`, lower case). */
export type MatchMethod =
  | "sqdiff"
  | "sqdiff_normed"
  | "ccorr"
  | "ccorr_normed"
  | "ccoeff"
  | "ccoeff_normed";

const FLT_EPSILON = 1.1920928955078125e-7;

/** True for the `sqdiff` methods, whose best score is the lowest. */
export function isSqdiff(method: MatchMethod): boolean {
  return method === "sqdiff" || method === "sqdiff_normed";
}

/** OpenCV's normalisation with its guards (see `match_template.ts`'s module notes). */
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

/** The channels of `image` as float64 planes. */
export function planesOf(image: Image): Float64Array[] {
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
export function workPlanesOf(image: Image): Float64Array[] {
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

/** `p` (`W × H`) padded with `cval`: `l`, `r` columns and `t`, `b` rows. */
export function padPlane(
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
 * maximum (what `bestOf` in `match_template.ts` finds).
 */
export function scoresUnmasked(
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
    checkAbort();
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
    checkAbort();
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
    checkAbort();
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

/** Scores with a mask: each term weighted by `M` (means weighted by `M`), as OpenCV. */
export function scoresMasked(
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
      checkAbort();
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
      checkAbort();
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
