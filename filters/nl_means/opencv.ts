/**
 * The OpenCV NL-means engine (`compat: "opencv"`): {@linkcode nlmOpenCV}
 * picks the u8 integer path or the float path of float.ts, and this file
 * holds the integer path, OpenCV's `fastNlMeansDenoising` for u8 — integer
 * patch SSDs, its fixed-point weight table (with its `cvRound`), int32 sums
 * and rounding division — as `nlmInt`, its row state and its rows. For 1 and
 * 2 channels the per-offset sums come from the WebAssembly SIMD kernel of
 * nl_means_simd.ts (same traversal, same bytes).
 *
 * Siblings: nl_means.ts (the plugin: params, dispatch, `nlMeans()`) calls
 * this file; float.ts holds the float path and the engine inputs
 * (`NlmEngineParams`, `Progress`); skimage.ts the scikit-image variant;
 * lab.ts the RGB ⇄ Lab conversion of `color: "lab"`.
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { padPlaneInto } from "../../core/native_planes.ts";
import { type NlmEngineParams, nlmFloat, type Progress } from "./float.ts";
import { addSquaredDiffRows, nlMeansIntSimd } from "./nl_means_simd.ts";

/**
 * OpenCV-style NL-means of `cn` planes sharing one weight per pixel.
 * `integer`: the u8 fixed-point table path; otherwise float weights.
 */
export function nlmOpenCV(
  planes: ArrayLike<number>[],
  w: number,
  h: number,
  hs: number,
  p: NlmEngineParams,
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
 * take nl_means_simd.ts instead: the same traversal and int32 sums in
 * WebAssembly (i32x4 lanes), so the same bytes.
 */
function nlmInt(
  planes: ArrayLike<number>[],
  w: number,
  h: number,
  hs: number,
  p: NlmEngineParams,
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
    // x = 0 weighs 1 whatever h: for an h whose square underflows, 0 / 0
    // would be NaN; the limit h → 0 keeps exactly the patches within 2σ².
    const x = Math.max(a * mult - var2, 0);
    let wt = roundHalfAway(fixedMult * (x === 0 ? 1 : Math.exp(-x / hh)));
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
    checkAbort();
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

function roundHalfAway(v: number): number {
  // cvRound: nearest, ties to even
  const r = Math.round(v);
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}
