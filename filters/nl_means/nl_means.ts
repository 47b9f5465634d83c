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
 * @module
 */

import { filterByBands } from "../../core/bands.ts";
import { FilterError } from "../../core/errors.ts";
import { hasAlpha, Image } from "../../core/image.ts";
import { allocate, storeInto } from "../../core/dtype.ts";
import type { ParamSpecs } from "../../core/params.ts";
import type { AlphaMode } from "../../core/planes.ts";
import { nativePlane, padPlaneInto } from "../../core/native_planes.ts";
import { addSquaredDiffRows, nlMeansIntSimd } from "./nl_means_simd.ts";
import {
  type FilterPlugin,
  PLUGIN_BRAND,
  registerFilter,
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
    max: 201,
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

type Progress = (fraction: number) => void;

/**
 * OpenCV-style NL-means of `cn` planes sharing one weight per pixel.
 * `integer`: the u8 fixed-point table path; otherwise float weights.
 */
function nlmOpenCV(
  planes: ArrayLike<number>[],
  w: number,
  h: number,
  hs: number,
  p: NlMeansParams,
  integer: boolean,
  progress: Progress,
): Float64Array[] {
  if (integer) return nlmInt(planes, w, h, hs, p, progress);
  return nlmFloat(planes, w, h, hs, p, progress);
}

/**
 * The u8 path of {@linkcode nlmOpenCV}: integer SSDs, OpenCV's fixed-point
 * weight table, int32 sums (as OpenCV: the table's scale keeps 255 × the sum
 * of every weight below 2³¹) and rounding division. Rows outside, offsets
 * inside, so the per-offset column sums of the current row and the row
 * accumulators stay in cache; each row is one call of {@linkcode nlmIntRow}
 * (the engine optimises it whole), and for 1 and 2 channels each offset's
 * column-sum update and weight computation are one streaming pass, its
 * anchor and partner accumulation another. With SIMD on, 1 and 2 channels
 * take filters/nl_means/nl_means_simd.ts instead: the same traversal and int32 sums in
 * WebAssembly (i32x4 lanes), so the same bytes.
 */
function nlmInt(
  planes: ArrayLike<number>[],
  w: number,
  h: number,
  hs: number,
  p: NlMeansParams,
  progress: Progress,
): Float64Array[] {
  const cn = planes.length;
  const th = p.patchSize >> 1, sh = p.searchSize >> 1;
  const t = 2 * th + 1, s = 2 * sh + 1;
  const B = th + sh;
  const ew = w + 2 * B, eh = h + 2 * B;
  const E: Int32Array[] = planes.map((pl) => {
    const e = new Int32Array(ew * eh);
    padPlaneInto(pl, w, h, B, B, B, B, "reflect", 0, e);
    return e;
  });
  const fixedMult = Math.floor(2147483647 / (s * s * 255));
  const tsq = t * t;
  let shift = 0;
  while (1 << shift < tsq) shift++;
  const mult = (1 << shift) / tsq;
  const almostMax = Math.floor(255 * 255 * cn / mult + 1);
  const table = new Int32Array(almostMax);
  const hh = Math.fround(Math.fround(hs * hs) * cn);
  const var2 = 2 * p.sigma * p.sigma * cn;
  for (let a = 0; a < almostMax; a++) {
    let wt = roundHalfAway(fixedMult * Math.exp(-Math.max(a * mult - var2, 0) / hh));
    if (wt < 0.001 * fixedMult) wt = 0;
    table[a] = wt;
  }
  // beyond the last non-zero weight every distance maps to 0: clamp the index
  // there so the hot table stays small (cache-resident)
  let cut = almostMax - 1;
  while (cut > 0 && table[cut - 1] === 0) cut--;
  // Symmetry: SSD(p, p + d) = SSD(p + d, p), so only offsets d in the positive
  // half-plane are computed, over anchors p in rows [-sh, h) and columns
  // [-sh, w + sh); each weight goes to p (if inside) and to p + d (if inside).
  const half: number[] = [];
  for (let dy = 0; dy <= sh; dy++) {
    for (let dx = -sh; dx <= sh; dx++) if (dy > 0 || dx > 0) half.push(dy, dx);
  }
  const no = half.length >> 1;
  const aw = w + 2 * sh; // anchor columns
  const cw = aw + 2 * th; // column-sum columns
  const cols = new Int32Array(no * cw);
  const wrow = new Int32Array(aw);
  // int32 sums, as OpenCV: fixedMult keeps 255 · (sum of all weights) < 2^31
  const est = planes.map(() => new Int32Array(w * h));
  const wsum = new Int32Array(w * h);
  const c3 = cn <= 3;
  const E0 = E[0], E1 = E[cn > 1 ? 1 : 0], E2 = E[cn > 2 ? 2 : 0];
  const A0 = est[0], A1 = est[cn > 1 ? 1 : 0], A2 = est[cn > 2 ? 2 : 0];
  // anchor (row ar, col ac) sits at E[(ar + B) * ew + ac + B]; column c of a
  // column-sum row is E column c - sh - th + B = c.
  const st: NlmIntState = {
    E,
    E0,
    E1,
    E2,
    A0,
    A1,
    A2,
    est,
    wsum,
    cols,
    wrow,
    table,
    half,
    no,
    cn,
    c3,
    w,
    h,
    ew,
    B,
    sh,
    th,
    t,
    aw,
    cw,
    shift,
    cut,
  };
  // 1 and 2 channels: the same sums from the WebAssembly SIMD kernel
  const simd = cn <= 2
    ? nlMeansIntSimd({ E, w, h, th, sh, table, shift, cut, half }, progress)
    : undefined;
  if (simd) {
    for (let k = 0; k < cn; k++) est[k].set(simd.est[k]);
    wsum.set(simd.wsum);
  } else {
    for (let ar = -sh; ar < h; ar++) {
      if (((ar + sh) & 15) === 0) progress((ar + sh) / (h + sh));
      nlmIntRow(st, ar);
    }
  }
  // the zero offset: weight table[0] on every pixel itself
  const w0 = table[0];
  for (let y = 0; y < h; y++) {
    const pe = (y + B) * ew + B;
    for (let x = 0; x < w; x++) {
      wsum[y * w + x] += w0;
      for (let k = 0; k < cn; k++) est[k][y * w + x] += w0 * E[k][pe + x];
    }
  }
  const n = w * h;
  const res = est.map(() => new Float64Array(n));
  for (let k = 0; k < cn; k++) {
    const e = est[k], r = res[k];
    for (let i = 0; i < n; i++) {
      const ws = wsum[i];
      r[i] = Math.floor((e[i] + (ws >> 1)) / ws);
    }
  }
  progress(1);
  return res;
}

/** Buffers and sizes shared by the rows of {@linkcode nlmInt}. */
interface NlmIntState {
  E: Int32Array[];
  E0: Int32Array;
  E1: Int32Array;
  E2: Int32Array;
  A0: Int32Array;
  A1: Int32Array;
  A2: Int32Array;
  est: Int32Array[];
  wsum: Int32Array;
  cols: Int32Array;
  wrow: Int32Array;
  table: Int32Array;
  half: number[];
  no: number;
  cn: number;
  c3: boolean;
  w: number;
  h: number;
  ew: number;
  B: number;
  sh: number;
  th: number;
  t: number;
  aw: number;
  cw: number;
  shift: number;
  cut: number;
}

/**
 * One anchor row of {@linkcode nlmInt} over every half-plane offset (a
 * function of its own, called per row, so the engine optimises it whole
 * instead of on-stack-replacing inner loops of one long call).
 */
function nlmIntRow(st: NlmIntState, ar: number): void {
  const { E, E0, E1, E2, A0, A1, A2, est, wsum, cols, wrow, table, half, no } = st;
  const { cn, c3, w, h, ew, B, sh, th, t, aw, cw, shift, cut } = st;
  const rowIn = ar >= 0;
  for (let o = 0; o < no; o++) {
    const dy = half[2 * o], dx = half[2 * o + 1];
    const doff = dy * ew + dx, cb = o * cw;
    const qr = ar + dy;
    const qIn = qr >= 0 && qr < h;
    const need = rowIn || qIn;
    if (ar === -sh) {
      addSquaredDiffRows(E, cn, ew, B, ar - th, ar + th, cw, doff, cols, cb);
      let run = 0;
      for (let c = 0; c < t - 1; c++) run += cols[cb + c];
      for (let x = 0; x < aw; x++) {
        run += cols[cb + x + t - 1];
        wrow[x] = table[Math.min(run >>> shift, cut)];
        run -= cols[cb + x];
      }
    } else if (cn === 1 && need) {
      // gray: the same streaming pass without channel tests
      const oa = (ar + th + B) * ew, or = (ar - th - 1 + B) * ew;
      const oad = oa + doff, ord = or + doff;
      let run = 0;
      for (let c = 0; c < t - 1; c++) {
        const a = E0[oa + c] - E0[oad + c], b = E0[or + c] - E0[ord + c];
        const v = cols[cb + c] + a * a - b * b;
        cols[cb + c] = v;
        run += v;
      }
      for (let c = t - 1, x = 0; c < cw; c++, x++) {
        const a = E0[oa + c] - E0[oad + c], b = E0[or + c] - E0[ord + c];
        const v = cols[cb + c] + a * a - b * b;
        cols[cb + c] = v;
        run += v;
        wrow[x] = table[Math.min(run >>> shift, cut)];
        run -= cols[cb + x];
      }
    } else if (cn === 2 && need) {
      // two channels (OpenCV's chroma pass): the same, unrolled
      const oa = (ar + th + B) * ew, or = (ar - th - 1 + B) * ew;
      const oad = oa + doff, ord = or + doff;
      let run = 0;
      for (let c = 0; c < t - 1; c++) {
        const a = E0[oa + c] - E0[oad + c], b = E0[or + c] - E0[ord + c];
        const a1 = E1[oa + c] - E1[oad + c], b1 = E1[or + c] - E1[ord + c];
        const v = cols[cb + c] + a * a - b * b + a1 * a1 - b1 * b1;
        cols[cb + c] = v;
        run += v;
      }
      for (let c = t - 1, x = 0; c < cw; c++, x++) {
        const a = E0[oa + c] - E0[oad + c], b = E0[or + c] - E0[ord + c];
        const a1 = E1[oa + c] - E1[oad + c], b1 = E1[or + c] - E1[ord + c];
        const v = cols[cb + c] + a * a - b * b + a1 * a1 - b1 * b1;
        cols[cb + c] = v;
        run += v;
        wrow[x] = table[Math.min(run >>> shift, cut)];
        run -= cols[cb + x];
      }
    } else if (c3) {
      // one streaming pass: column sums of the offset's squared differences
      // slide down a row, and the patch sums slide along it into weights
      const oa = (ar + th + B) * ew, or = (ar - th - 1 + B) * ew;
      const oad = oa + doff, ord = or + doff;
      let run = 0;
      for (let c = 0; c < cw; c++) {
        let a = E0[oa + c] - E0[oad + c], b = E0[or + c] - E0[ord + c];
        let v = cols[cb + c] + a * a - b * b;
        if (cn > 1) {
          a = E1[oa + c] - E1[oad + c];
          b = E1[or + c] - E1[ord + c];
          v += a * a - b * b;
          if (cn > 2) {
            a = E2[oa + c] - E2[oad + c];
            b = E2[or + c] - E2[ord + c];
            v += a * a - b * b;
          }
        }
        cols[cb + c] = v;
        if (!need) continue;
        run += v;
        const x = c - t + 1;
        if (x >= 0) {
          wrow[x] = table[Math.min(run >>> shift, cut)];
          run -= cols[cb + x];
        }
      }
    } else {
      const oa = (ar + th + B) * ew, or = (ar - th - 1 + B) * ew;
      for (let c = 0; c < cw; c++) {
        let d2 = 0;
        for (let k = 0; k < cn; k++) {
          const a = E[k][oa + c] - E[k][oa + c + doff];
          const b = E[k][or + c] - E[k][or + c + doff];
          d2 += a * a - b * b;
        }
        cols[cb + c] += d2;
      }
      let run = 0;
      for (let c = 0; c < t - 1; c++) run += cols[cb + c];
      for (let x = 0; x < aw; x++) {
        run += cols[cb + x + t - 1];
        wrow[x] = table[Math.min(run >>> shift, cut)];
        run -= cols[cb + x];
      }
    }
    if (!need) continue;
    // anchor p = (ar, x - sh) inside: x in [sh, sh + w); its partner
    // q = p + d inside: x in [lo, hi)
    const pe = (ar + B) * ew + B - sh; // E index of anchor column 0 (x = 0)
    const src = pe + doff;
    const abase = ar * w - sh;
    const lo = qIn ? Math.max(0, sh - dx) : aw, hi = qIn ? Math.min(aw, sh - dx + w) : aw;
    const qbase = qr * w - sh + dx;
    if (cn === 1 && rowIn && qIn && Math.max(sh, lo) < Math.min(sh + w, hi)) {
      // gray, anchor and partner rows both inside: one loop where they overlap
      const f0 = Math.max(sh, lo), f1 = Math.min(sh + w, hi);
      for (let x = sh; x < f0; x++) {
        const wt = wrow[x];
        wsum[abase + x] += wt;
        A0[abase + x] += wt * E0[src + x];
      }
      for (let x = f1; x < sh + w; x++) {
        const wt = wrow[x];
        wsum[abase + x] += wt;
        A0[abase + x] += wt * E0[src + x];
      }
      for (let x = lo; x < f0; x++) {
        const wt = wrow[x];
        wsum[qbase + x] += wt;
        A0[qbase + x] += wt * E0[pe + x];
      }
      for (let x = f1; x < hi; x++) {
        const wt = wrow[x];
        wsum[qbase + x] += wt;
        A0[qbase + x] += wt * E0[pe + x];
      }
      for (let x = f0; x < f1; x++) {
        const wt = wrow[x];
        const i = abase + x, j = qbase + x;
        wsum[i] += wt;
        A0[i] += wt * E0[src + x];
        wsum[j] += wt;
        A0[j] += wt * E0[pe + x];
      }
    } else if (cn === 2 && rowIn && qIn && Math.max(sh, lo) < Math.min(sh + w, hi)) {
      const f0 = Math.max(sh, lo), f1 = Math.min(sh + w, hi);
      for (let x = sh; x < f0; x++) {
        const wt = wrow[x], i = abase + x, j = src + x;
        wsum[i] += wt;
        A0[i] += wt * E0[j];
        A1[i] += wt * E1[j];
      }
      for (let x = f1; x < sh + w; x++) {
        const wt = wrow[x], i = abase + x, j = src + x;
        wsum[i] += wt;
        A0[i] += wt * E0[j];
        A1[i] += wt * E1[j];
      }
      for (let x = lo; x < f0; x++) {
        const wt = wrow[x], i = qbase + x, j = pe + x;
        wsum[i] += wt;
        A0[i] += wt * E0[j];
        A1[i] += wt * E1[j];
      }
      for (let x = f1; x < hi; x++) {
        const wt = wrow[x], i = qbase + x, j = pe + x;
        wsum[i] += wt;
        A0[i] += wt * E0[j];
        A1[i] += wt * E1[j];
      }
      for (let x = f0; x < f1; x++) {
        const wt = wrow[x];
        const i = abase + x, j = qbase + x, u = src + x, v = pe + x;
        wsum[i] += wt;
        A0[i] += wt * E0[u];
        A1[i] += wt * E1[u];
        wsum[j] += wt;
        A0[j] += wt * E0[v];
        A1[j] += wt * E1[v];
      }
    } else if (c3) {
      if (rowIn) {
        for (let x = sh; x < sh + w; x++) {
          const wt = wrow[x];
          const i = abase + x, j = src + x;
          wsum[i] += wt;
          A0[i] += wt * E0[j];
          if (cn > 1) {
            A1[i] += wt * E1[j];
            if (cn > 2) A2[i] += wt * E2[j];
          }
        }
      }
      for (let x = lo; x < hi; x++) {
        const wt = wrow[x];
        const i = qbase + x, j = pe + x;
        wsum[i] += wt;
        A0[i] += wt * E0[j];
        if (cn > 1) {
          A1[i] += wt * E1[j];
          if (cn > 2) A2[i] += wt * E2[j];
        }
      }
    } else {
      if (rowIn) {
        for (let x = sh; x < sh + w; x++) {
          const wt = wrow[x];
          wsum[abase + x] += wt;
          for (let k = 0; k < cn; k++) est[k][abase + x] += wt * E[k][src + x];
        }
      }
      for (let x = lo; x < hi; x++) {
        const wt = wrow[x];
        wsum[qbase + x] += wt;
        for (let k = 0; k < cn; k++) est[k][qbase + x] += wt * E[k][pe + x];
      }
    }
  }
}

/**
 * The float path (f32, u16): the same traversal as {@linkcode nlmInt} with
 * float64 sums and the weight `exp(−max(SSD/(t²·C) − 2σ², 0) / h²)` read
 * from a 8192-entry table with linear interpolation (relative error < 1e-7),
 * weights below 0.001 dropped, as OpenCV.
 */
function nlmFloat(
  planes: ArrayLike<number>[],
  w: number,
  h: number,
  hs: number,
  p: NlMeansParams,
  progress: Progress,
): Float64Array[] {
  const cn = planes.length;
  const th = p.patchSize >> 1, sh = p.searchSize >> 1;
  const t = 2 * th + 1;
  const B = th + sh;
  const ew = w + 2 * B, eh = h + 2 * B;
  const E: Float64Array[] = planes.map((pl) => {
    const e = new Float64Array(ew * eh);
    padPlaneInto(pl, w, h, B, B, B, B, "reflect", 0, e);
    return e;
  });
  // weight as a function of u = SSD · scale, u in [0, umax]; 0 beyond
  const var2 = 2 * p.sigma * p.sigma;
  const ih2 = 1 / (hs * hs);
  const umax = var2 * ih2 + 7; // exp(−7) < 0.001: zero from there on
  const bins = 8192;
  const lut = new Float64Array(bins + 2);
  for (let i = 0; i <= bins + 1; i++) {
    const u = (i * umax) / bins;
    const wt = Math.exp(-Math.max(u - var2 * ih2, 0));
    lut[i] = wt < 0.001 ? 0 : wt;
  }
  lut[bins] = lut[bins + 1] = 0; // the clamp bin: every larger distance
  const scale = (ih2 / (t * t * cn)) * (bins / umax);
  // Symmetry: SSD(p, p + d) = SSD(p + d, p), so only offsets d in the positive
  // half-plane are computed, over anchors p in rows [-sh, h) and columns
  // [-sh, w + sh); each weight goes to p (if inside) and to p + d (if inside).
  const half: number[] = [];
  for (let dy = 0; dy <= sh; dy++) {
    for (let dx = -sh; dx <= sh; dx++) if (dy > 0 || dx > 0) half.push(dy, dx);
  }
  const no = half.length >> 1;
  const aw = w + 2 * sh; // anchor columns
  const cw = aw + 2 * th; // column-sum columns
  const cols = new Float64Array(no * cw);
  const wrow = new Float64Array(aw);
  const est = planes.map(() => new Float64Array(w * h));
  const wsum = new Float64Array(w * h);
  const E0 = E[0], E1 = E[cn > 1 ? 1 : 0];
  // anchor (row ar, col ac) sits at E[(ar + B) * ew + ac + B]; column c of a
  // column-sum row is E column c - sh - th + B = c.
  for (let ar = -sh; ar < h; ar++) {
    if (((ar + sh) & 15) === 0) progress((ar + sh) / (h + sh));
    const rowIn = ar >= 0;
    for (let o = 0; o < no; o++) {
      const dy = half[2 * o], dx = half[2 * o + 1];
      const doff = dy * ew + dx, cb = o * cw;
      if (ar === -sh) {
        addSquaredDiffRows(E, cn, ew, B, ar - th, ar + th, cw, doff, cols, cb);
      } else {
        const oa = (ar + th + B) * ew, or = (ar - th - 1 + B) * ew;
        if (cn === 1) {
          for (let c = 0; c < cw; c++) {
            const a = E0[oa + c] - E0[oa + c + doff];
            const b = E0[or + c] - E0[or + c + doff];
            cols[cb + c] += a * a - b * b;
          }
        } else if (cn === 2) {
          for (let c = 0; c < cw; c++) {
            const a = E0[oa + c] - E0[oa + c + doff];
            const b = E0[or + c] - E0[or + c + doff];
            const a1 = E1[oa + c] - E1[oa + c + doff];
            const b1 = E1[or + c] - E1[or + c + doff];
            cols[cb + c] += a * a - b * b + a1 * a1 - b1 * b1;
          }
        } else {
          for (let c = 0; c < cw; c++) {
            let d2 = 0;
            for (let k = 0; k < cn; k++) {
              const a = E[k][oa + c] - E[k][oa + c + doff];
              const b = E[k][or + c] - E[k][or + c + doff];
              d2 += a * a - b * b;
            }
            cols[cb + c] += d2;
          }
        }
      }
      const qr = ar + dy;
      const qIn = qr < h;
      if (!rowIn && !qIn) continue;
      // weights of the anchors of this row (only the columns that matter)
      const x0 = rowIn ? 0 : Math.max(0, -dx), x1 = rowIn ? aw : Math.min(aw, w - dx + 2 * sh);
      let run = 0;
      for (let c = x0; c < x0 + t - 1; c++) run += cols[cb + c];
      for (let x = x0; x < x1; x++) {
        run += cols[cb + x + t - 1];
        const u = Math.min(run * scale, bins);
        const i = u | 0, fr = u - i;
        wrow[x] = lut[i] + fr * (lut[i + 1] - lut[i]);
        run -= cols[cb + x];
      }
      // anchor p = (ar, x - sh) inside: x - sh in [0, w)
      const pe = (ar + B) * ew + B - sh; // E index of anchor column 0 (x = 0)
      if (rowIn) {
        const base = ar * w - sh;
        if (cn === 1) {
          const A = est[0], src = pe + doff;
          for (let x = sh; x < sh + w; x++) {
            const wt = wrow[x];
            wsum[base + x] += wt;
            A[base + x] += wt * E0[src + x];
          }
        } else if (cn === 2) {
          const A = est[0], A1 = est[1], src = pe + doff;
          for (let x = sh; x < sh + w; x++) {
            const wt = wrow[x];
            wsum[base + x] += wt;
            A[base + x] += wt * E0[src + x];
            A1[base + x] += wt * E1[src + x];
          }
        } else {
          for (let x = sh; x < sh + w; x++) {
            const wt = wrow[x];
            wsum[base + x] += wt;
            for (let k = 0; k < cn; k++) est[k][base + x] += wt * E[k][pe + x + doff];
          }
        }
      }
      // partner q = p + d inside: x - sh + dx in [0, w)
      if (qIn && qr >= 0) {
        const lo = Math.max(0, sh - dx), hi = Math.min(aw, sh - dx + w);
        const base = qr * w - sh + dx;
        if (cn === 1) {
          const A = est[0];
          for (let x = lo; x < hi; x++) {
            const wt = wrow[x];
            wsum[base + x] += wt;
            A[base + x] += wt * E0[pe + x];
          }
        } else if (cn === 2) {
          const A = est[0], A1 = est[1];
          for (let x = lo; x < hi; x++) {
            const wt = wrow[x];
            wsum[base + x] += wt;
            A[base + x] += wt * E0[pe + x];
            A1[base + x] += wt * E1[pe + x];
          }
        } else {
          for (let x = lo; x < hi; x++) {
            const wt = wrow[x];
            wsum[base + x] += wt;
            for (let k = 0; k < cn; k++) est[k][base + x] += wt * E[k][pe + x];
          }
        }
      }
    }
  }
  // the zero offset: weight 1 on every pixel itself
  const w0 = lut[0];
  for (let y = 0; y < h; y++) {
    const pe = (y + B) * ew + B;
    for (let x = 0; x < w; x++) {
      wsum[y * w + x] += w0;
      for (let k = 0; k < cn; k++) est[k][y * w + x] += w0 * E[k][pe + x];
    }
  }
  const n = w * h;
  for (let k = 0; k < cn; k++) {
    const e = est[k];
    for (let i = 0; i < n; i++) e[i] /= wsum[i];
  }
  progress(1);
  return est;
}

function roundHalfAway(v: number): number {
  // cvRound: nearest, ties to even
  const r = Math.round(v);
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/** Schraudolph's exponential approximation, as scikit-image's `fast_exp`. */
const fexpBuf = new DataView(new ArrayBuffer(8));
function fastExp(y: number): number {
  fexpBuf.setInt32(0, 0, true);
  fexpBuf.setInt32(4, Math.trunc(1512775 * y + 1072632447) | 0, true);
  return fexpBuf.getFloat64(0, true);
}

/** scikit-image 0.19 `_fast_nl_means_denoising_2d`, channels jointly. */
function nlmSkimage(
  planes: ArrayLike<number>[],
  w: number,
  h: number,
  p: NlMeansParams,
  exact: boolean,
  progress: Progress,
): Float64Array[] {
  const cn = planes.length;
  let s = p.patchSize;
  if (s % 2 === 0) s++;
  const offset = s >> 1, d = p.searchSize >> 1;
  const pad = offset + d + 1;
  const nr = h + 2 * pad, nc = w + 2 * pad;
  const P = planes.map((pl) => {
    const e = new Float64Array(nr * nc);
    padPlaneInto(pl, w, h, pad, pad, pad, pad, "reflect", 0, e);
    return e;
  });
  const result = planes.map(() => new Float64Array(nr * nc));
  const weights = new Float64Array(nr * nc);
  const integral = new Float64Array(nr * nc);
  const h2s2 = cn * p.h * p.h * s * s;
  const v2 = 2 * p.sigma * p.sigma;
  const ex = exact ? Math.exp : fastExp;
  for (let tr = -d; tr <= d; tr++) {
    progress((tr + d) / (2 * d + 1));
    for (let tc = 0; tc <= d; tc++) {
      const alpha = tc === 0 && tr !== 0 ? 0.5 : 1;
      integral.fill(0);
      const toff = tr * nc + tc;
      for (let row = Math.max(1, -tr); row < Math.min(nr, nr - tr); row++) {
        for (let c = Math.max(1, -tc); c < Math.min(nc, nc - tc); c++) {
          const i = row * nc + c;
          let dist = 0;
          for (let k = 0; k < cn; k++) {
            const t = P[k][i] - P[k][i + toff];
            dist += t * t;
          }
          dist -= cn * v2;
          integral[i] = dist + integral[i - nc] + integral[i - 1] - integral[i - nc - 1];
        }
      }
      for (
        let row = Math.max(offset, offset - tr);
        row < Math.min(nr - offset, nr - offset - tr);
        row++
      ) {
        for (
          let c = Math.max(offset, offset - tc);
          c < Math.min(nc - offset, nc - offset - tc);
          c++
        ) {
          let dist = integral[(row + offset) * nc + c + offset] +
            integral[(row - offset) * nc + c - offset] -
            integral[(row - offset) * nc + c + offset] -
            integral[(row + offset) * nc + c - offset];
          dist = Math.max(dist, 0) / h2s2;
          if (dist > 5) continue;
          const wt = alpha * ex(-dist);
          const i = row * nc + c, j = i + toff;
          weights[i] += wt;
          weights[j] += wt;
          for (let k = 0; k < cn; k++) {
            result[k][i] += wt * P[k][j];
            result[k][j] += wt * P[k][i];
          }
        }
      }
    }
  }
  progress(1);
  return result.map((r) => {
    const out = new Float64Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y + pad) * nc + x + pad;
        out[y * w + x] = r[i] / weights[i];
      }
    }
    return out;
  });
}

// ---- colour: OpenCV's 8-bit linear-RGB ⇄ Lab ----

const RGB2XYZ = [
  0.412453,
  0.35758,
  0.180423,
  0.212671,
  0.71516,
  0.072169,
  0.019334,
  0.119193,
  0.950227,
];
const WHITE = [0.950456, 1, 1.088754];

function labF(t: number): number {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

/** RGB planes (0..255) → 8-bit Lab planes (L·255/100, a+128, b+128), rounded. */
function rgbToLab8(
  r: ArrayLike<number>,
  g: ArrayLike<number>,
  b: ArrayLike<number>,
): Float64Array[] {
  const n = r.length;
  const L = new Float64Array(n), A = new Float64Array(n), Bb = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const R = r[i] / 255, G = g[i] / 255, B = b[i] / 255;
    const X = (RGB2XYZ[0] * R + RGB2XYZ[1] * G + RGB2XYZ[2] * B) / WHITE[0];
    const Y = RGB2XYZ[3] * R + RGB2XYZ[4] * G + RGB2XYZ[5] * B;
    const Z = (RGB2XYZ[6] * R + RGB2XYZ[7] * G + RGB2XYZ[8] * B) / WHITE[2];
    const fx = labF(X), fy = labF(Y), fz = labF(Z);
    const l = Y > 0.008856 ? 116 * fy - 16 : 903.3 * Y;
    L[i] = clamp8(Math.round(l * 255 / 100));
    A[i] = clamp8(Math.round(500 * (fx - fy) + 128));
    Bb[i] = clamp8(Math.round(200 * (fy - fz) + 128));
  }
  return [L, A, Bb];
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** 8-bit Lab planes → RGB planes (0..255, not yet rounded). */
function lab8ToRgb(L8: Float64Array, A8: Float64Array, B8: Float64Array): Float64Array[] {
  const n = L8.length;
  const R = new Float64Array(n), G = new Float64Array(n), B = new Float64Array(n);
  // inverse of RGB2XYZ
  const m = RGB2XYZ;
  const det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6]);
  const inv = [
    (m[4] * m[8] - m[5] * m[7]) / det,
    (m[2] * m[7] - m[1] * m[8]) / det,
    (m[1] * m[5] - m[2] * m[4]) / det,
    (m[5] * m[6] - m[3] * m[8]) / det,
    (m[0] * m[8] - m[2] * m[6]) / det,
    (m[2] * m[3] - m[0] * m[5]) / det,
    (m[3] * m[7] - m[4] * m[6]) / det,
    (m[1] * m[6] - m[0] * m[7]) / det,
    (m[0] * m[4] - m[1] * m[3]) / det,
  ];
  for (let i = 0; i < n; i++) {
    const l = L8[i] * 100 / 255, a = A8[i] - 128, b = B8[i] - 128;
    let Y: number, fy: number;
    if (l <= 8) {
      Y = l / 903.3;
      fy = 7.787 * Y + 16 / 116;
    } else {
      fy = (l + 16) / 116;
      Y = fy * fy * fy;
    }
    const fx = fy + a / 500, fz = fy - b / 200;
    const X = (fx > 0.206893 ? fx * fx * fx : (fx - 16 / 116) / 7.787) * WHITE[0];
    const Z = (fz > 0.206893 ? fz * fz * fz : (fz - 16 / 116) / 7.787) * WHITE[2];
    R[i] = 255 * (inv[0] * X + inv[1] * Y + inv[2] * Z);
    G[i] = 255 * (inv[3] * X + inv[4] * Y + inv[5] * Z);
    B[i] = 255 * (inv[6] * X + inv[7] * Y + inv[8] * Z);
  }
  return [R, G, B];
}

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
  summary: "non-local means denoising (OpenCV fastNlMeansDenoising[Colored], skimage)",
  params: nlMeansSpecs,
  example: "in.png out.png --h 10 --patchSize 7 --searchSize 21",
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

registerFilter(nlMeansPlugin);
