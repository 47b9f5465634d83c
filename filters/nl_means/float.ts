/**
 * The float path of the OpenCV NL-means engine (f32 and u16 images):
 * `nlmFloat`, the same half-plane traversal as the u8 integer path of
 * opencv.ts with float64 sums and an interpolated `exp` weight table.
 *
 * It also declares what the engines (this file, opencv.ts, skimage.ts) take
 * ({@linkcode NlmEngineParams}, {@linkcode Progress}), so that no engine
 * imports the plugin module nl_means.ts, which imports the engines.
 * opencv.ts's `nlmOpenCV` is the only caller of `nlmFloat`.
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { padPlaneInto } from "../../core/native_planes.ts";
import { addSquaredDiffRows } from "./nl_means_simd.ts";

/**
 * The resolved params the engines read (the plugin's `NlMeansParams` has
 * them all; the OpenCV paths take their strength as an argument instead).
 */
export interface NlmEngineParams {
  /** Strength, image units (read by the scikit-image engine). */
  h: number;
  /** Patch size, odd. */
  patchSize: number;
  /** Search window size, odd. */
  searchSize: number;
  /** Noise standard deviation subtracted from distances (`2σ²`). */
  sigma: number;
}

/** Progress callback of the engines: the fraction done, 0 to 1. */
export type Progress = (fraction: number) => void;

/**
 * The float path (f32, u16): the same traversal as `nlmInt` (opencv.ts) with
 * float64 sums and the weight `exp(−max(SSD/(t²·C) − 2σ², 0) / h²)` read
 * from a 8192-entry table with linear interpolation (relative error < 1e-7),
 * weights below 0.001 dropped, as OpenCV.
 */
export function nlmFloat(
  planes: ArrayLike<number>[],
  w: number,
  h: number,
  hs: number,
  p: NlmEngineParams,
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
  // 1/h², finite however small h is (its square may underflow to 0): the
  // weights then keep exactly the patches within 2σ², the limit h → 0.
  const ih2 = 1 / Math.max(hs * hs, 1e-300);
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
    checkAbort();
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
