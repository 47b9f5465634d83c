/**
 * The separable approximation (`method: "fast"` for windows of at most 81
 * taps; Pham & van Vliet 2005, described in filters/bilateral/bilateral.ts):
 * a 1-D bilateral along rows into a ring of row pass results, then one along
 * columns of that ring; integer passes with float32 per-tap tables for u8
 * gray and L1 colour, float64 passes with a colour weight table otherwise.
 *
 * The window and the row plumbing come from taps.ts; the plugin module
 * (bilateral.ts) calls {@linkcode separableBilateral} where the bilateral
 * grid (grid.ts) would be slower.
 *
 * @module
 */

import { paddedIndices } from "../../core/boundary.ts";
import type { Image } from "../../core/image.ts";
import { allocate, type PixelArray } from "../../core/dtype.ts";
import { storeRow } from "../../core/strided_planes.ts";
import {
  type BilateralParams,
  bilateralRadius,
  copyChannels,
  fillRow,
  gaussCoeff,
} from "./taps.ts";

/**
 * `method: "fast"` for small windows: the separable approximation (Pham &
 * van Vliet 2005) — a 1-D bilateral along rows, then one along columns of
 * that result, with the 1-D Gaussian space weights of `sigmaSpace` over
 * `[-r, r]` (a square window, not the disk) and the colour weight read from
 * a 2048-entry table over `[0, 6·sigmaColor]` (zero beyond). 2·(2r + 1) taps
 * per pixel instead of the disk's ~π·r². The row pass results are kept for
 * the `2r + 1` padded rows the current output row reads (a ring; the rows
 * near the border that the boundary mode maps to are computed again), and
 * each output row goes straight into the output (other channels copied).
 */
export function separableBilateral(image: Image, cn: number, p: BilateralParams): PixelArray {
  const { width: w, height: h, channels: ch } = image;
  const r = bilateralRadius(p.diameter, p.sigmaSpace);
  const gs = gaussCoeff(p.sigmaSpace);
  const nt = 2 * r + 1;
  const sw = new Float64Array(nt);
  for (let k = -r; k <= r; k++) sw[k + r] = Math.exp(k * k * gs);
  const l2 = p.colorDistance === "l2" && cn > 1;
  const sc = p.sigmaColor, gc = gaussCoeff(sc);
  const bins = 2048;
  const q = bins / (l2 ? 36 * sc * sc : 6 * sc);
  const lut = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) {
    const u = i / q;
    lut[i] = Math.exp((l2 ? u : u * u) * gc);
  }
  const maxv = image.dtype === "u8" ? 255 : 65535;
  if (
    (cn === 1 || (cn === 3 && !l2)) && image.dtype !== "f32" && maxv * cn < 1 << 12 &&
    (p.boundary !== "constant" || (Number.isInteger(p.cval) && p.cval >= 0 && p.cval <= maxv))
  ) return separableInt(image, cn, p, r, sw, gc, maxv * cn + 1);
  const src = image.data;
  const out = allocate(image.dtype, w * h * ch);
  if (cn < ch) copyChannels(image, out, cn);
  // rows: each source row padded left and right into a small buffer
  const xs = paddedIndices(w, r, r, p.boundary), ys = paddedIndices(h, r, r, p.boundary);
  const rowBuf: Float64Array[] = [];
  const mid: Float64Array[] = [];
  const res: Float64Array[] = [];
  for (let c = 0; c < cn; c++) {
    rowBuf.push(new Float64Array(w + 2 * r));
    mid.push(new Float64Array(nt * w));
    res.push(new Float64Array(w));
  }
  const hOffs = new Int32Array(nt);
  for (let k = 0; k < nt; k++) hOffs[k] = k;
  const vOffs = new Int32Array(nt);
  // the row pass of padded row py into its ring slot (a row of cval outside)
  for (let py = 0; py < h + 2 * r; py++) {
    const sy = ys[py], o = (py % nt) * w;
    if (sy < 0) { for (const m of mid) m.fill(p.cval, o, o + w); }
    else {
      for (let c = 0; c < cn; c++) fillRow(src, w, ch, c, sy, xs, p.cval, rowBuf[c], 0);
      sepRow(rowBuf, hOffs, r, mid, o, w, cn, sw, lut, q, bins, l2);
    }
    if (py < 2 * r) continue;
    // columns of the row result
    const y = py - 2 * r;
    for (let k = 0; k < nt; k++) vOffs[k] = ((y + k) % nt) * w;
    sepRow(mid, vOffs, ((y + r) % nt) * w, res, 0, w, cn, sw, lut, q, bins, l2);
    for (let c = 0; c < cn; c++) storeRow(out, y * w * ch + c, ch, res[c], 0, w, 1);
  }
  return out;
}

/**
 * The separable approximation on u8 samples (gray, or colour with the L1
 * distance): both passes on integers (the row pass rounds to the nearest
 * level), with one float32 table per tap holding space × colour weight, as
 * the exact gray kernel; a ring of row pass results as the float path.
 */
function separableInt(
  image: Image,
  cn: number,
  p: BilateralParams,
  r: number,
  sw: Float64Array,
  gc: number,
  ts: number,
): PixelArray {
  const { width: w, height: h, channels: ch } = image;
  const nt = 2 * r + 1;
  const T = new Float32Array(nt * ts);
  for (let k = 0; k < nt; k++) {
    for (let d = 0; d < ts; d++) T[k * ts + d] = sw[k] * Math.exp(d * d * gc);
  }
  const src = image.data;
  const out = allocate(image.dtype, w * h * ch);
  if (cn < ch) copyChannels(image, out, cn);
  const xs = paddedIndices(w, r, r, p.boundary), ys = paddedIndices(h, r, r, p.boundary);
  const rowBuf: Int32Array[] = [];
  const mid: Int32Array[] = [];
  const res: Int32Array[] = [];
  for (let c = 0; c < cn; c++) {
    rowBuf.push(new Int32Array(w + 2 * r));
    mid.push(new Int32Array(nt * w));
    res.push(new Int32Array(w));
  }
  const hOffs = new Int32Array(nt);
  for (let k = 0; k < nt; k++) hOffs[k] = k;
  const vOffs = new Int32Array(nt);
  for (let py = 0; py < h + 2 * r; py++) {
    const sy = ys[py], o = (py % nt) * w;
    if (sy < 0) { for (const m of mid) m.fill(p.cval, o, o + w); }
    else {
      for (let c = 0; c < cn; c++) fillRow(src, w, ch, c, sy, xs, p.cval, rowBuf[c], 0);
      if (cn === 1) sepIntRow1(rowBuf[0], hOffs, r, mid[0], o, w, T, ts);
      else sepIntRow3(rowBuf, hOffs, r, mid, o, w, T, ts);
    }
    if (py < 2 * r) continue;
    const y = py - 2 * r;
    for (let k = 0; k < nt; k++) vOffs[k] = ((y + k) % nt) * w;
    const base = ((y + r) % nt) * w;
    if (cn === 1) sepIntRow1(mid[0], vOffs, base, res[0], 0, w, T, ts);
    else sepIntRow3(mid, vOffs, base, res, 0, w, T, ts);
    // already rounded levels in range
    for (let c = 0; c < cn; c++) {
      const R = res[c];
      for (let x = 0, j = y * w * ch + c; x < w; x++, j += ch) out[j] = R[x];
    }
  }
  return out;
}

/** One row of an integer 1-D pass, gray: centre `base + x`, tap k at `offs[k] + x`. */
function sepIntRow1(
  S: Int32Array,
  offs: Int32Array,
  base: number,
  D: Int32Array,
  o0: number,
  w: number,
  T: Float32Array,
  ts: number,
): void {
  const nt = offs.length;
  let x = 0;
  for (; x + 1 < w; x += 2) {
    const c = S[base + x], c1 = S[base + x + 1];
    let sum = 0, ws = 0, sum1 = 0, ws1 = 0;
    for (let k = 0, tb = 0; k < nt; k++, tb += ts) {
      const i = offs[k] + x;
      const v = S[i], v1 = S[i + 1];
      let d = v - c, d1 = v1 - c1;
      d = (d ^ (d >> 31)) - (d >> 31);
      d1 = (d1 ^ (d1 >> 31)) - (d1 >> 31);
      const wt = T[tb + d], wt1 = T[tb + d1];
      sum += v * wt;
      ws += wt;
      sum1 += v1 * wt1;
      ws1 += wt1;
    }
    D[o0 + x] = (sum / ws + 0.5) | 0;
    D[o0 + x + 1] = (sum1 / ws1 + 0.5) | 0;
  }
  for (; x < w; x++) {
    const c = S[base + x];
    let sum = 0, ws = 0;
    for (let k = 0, tb = 0; k < nt; k++, tb += ts) {
      const v = S[offs[k] + x];
      let d = v - c;
      d = (d ^ (d >> 31)) - (d >> 31);
      const wt = T[tb + d];
      sum += v * wt;
      ws += wt;
    }
    D[o0 + x] = (sum / ws + 0.5) | 0;
  }
}

/** One row of an integer 1-D pass, 3 planes with the L1 colour distance. */
function sepIntRow3(
  P: Int32Array[],
  offs: Int32Array,
  base: number,
  O: Int32Array[],
  o0: number,
  w: number,
  T: Float32Array,
  ts: number,
): void {
  const nt = offs.length;
  const S0 = P[0], S1 = P[1], S2 = P[2], D0 = O[0], D1 = O[1], D2 = O[2];
  let x = 0;
  for (; x + 1 < w; x += 2) {
    const b = base + x;
    const c0 = S0[b], c1 = S1[b], c2 = S2[b];
    const e0 = S0[b + 1], e1 = S1[b + 1], e2 = S2[b + 1];
    let s0 = 0, s1 = 0, s2 = 0, ws = 0, t0 = 0, t1 = 0, t2 = 0, wu = 0;
    for (let k = 0, tb = 0; k < nt; k++, tb += ts) {
      const i = offs[k] + x;
      const v0 = S0[i], v1 = S1[i], v2 = S2[i];
      const u0 = S0[i + 1], u1 = S1[i + 1], u2 = S2[i + 1];
      let d0 = v0 - c0, d1 = v1 - c1, d2 = v2 - c2;
      d0 = (d0 ^ (d0 >> 31)) - (d0 >> 31);
      d1 = (d1 ^ (d1 >> 31)) - (d1 >> 31);
      d2 = (d2 ^ (d2 >> 31)) - (d2 >> 31);
      let f0 = u0 - e0, f1 = u1 - e1, f2 = u2 - e2;
      f0 = (f0 ^ (f0 >> 31)) - (f0 >> 31);
      f1 = (f1 ^ (f1 >> 31)) - (f1 >> 31);
      f2 = (f2 ^ (f2 >> 31)) - (f2 >> 31);
      const wt = T[tb + d0 + d1 + d2], wt1 = T[tb + f0 + f1 + f2];
      s0 += v0 * wt;
      s1 += v1 * wt;
      s2 += v2 * wt;
      ws += wt;
      t0 += u0 * wt1;
      t1 += u1 * wt1;
      t2 += u2 * wt1;
      wu += wt1;
    }
    D0[o0 + x] = (s0 / ws + 0.5) | 0;
    D1[o0 + x] = (s1 / ws + 0.5) | 0;
    D2[o0 + x] = (s2 / ws + 0.5) | 0;
    D0[o0 + x + 1] = (t0 / wu + 0.5) | 0;
    D1[o0 + x + 1] = (t1 / wu + 0.5) | 0;
    D2[o0 + x + 1] = (t2 / wu + 0.5) | 0;
  }
  for (; x < w; x++) {
    const c0 = S0[base + x], c1 = S1[base + x], c2 = S2[base + x];
    let s0 = 0, s1 = 0, s2 = 0, ws = 0;
    for (let k = 0, tb = 0; k < nt; k++, tb += ts) {
      const i = offs[k] + x;
      const v0 = S0[i], v1 = S1[i], v2 = S2[i];
      let d0 = v0 - c0, d1 = v1 - c1, d2 = v2 - c2;
      d0 = (d0 ^ (d0 >> 31)) - (d0 >> 31);
      d1 = (d1 ^ (d1 >> 31)) - (d1 >> 31);
      d2 = (d2 ^ (d2 >> 31)) - (d2 >> 31);
      const wt = T[tb + d0 + d1 + d2];
      s0 += v0 * wt;
      s1 += v1 * wt;
      s2 += v2 * wt;
      ws += wt;
    }
    D0[o0 + x] = (s0 / ws + 0.5) | 0;
    D1[o0 + x] = (s1 / ws + 0.5) | 0;
    D2[o0 + x] = (s2 / ws + 0.5) | 0;
  }
}

/**
 * One row of a 1-D bilateral pass over planes: output pixel x (at `o0 + x`)
 * has its centre at `base + x` and tap k at `offs[k] + x`.
 */
function sepRow(
  P: Float64Array[],
  offs: Int32Array,
  base: number,
  O: Float64Array[],
  o0: number,
  w: number,
  cn: number,
  sw: Float64Array,
  lut: Float64Array,
  q: number,
  bins: number,
  l2: boolean,
): void {
  if (cn === 1) sepRow1(P, offs, base, O, o0, w, sw, lut, q, bins);
  else if (cn === 3 && !l2) sepRow3(P, offs, base, O, o0, w, sw, lut, q, bins);
  else sepRowN(P, offs, base, O, o0, w, cn, sw, lut, q, bins, l2);
}

function sepRow1(
  P: Float64Array[],
  offs: Int32Array,
  base: number,
  O: Float64Array[],
  o0: number,
  w: number,
  sw: Float64Array,
  lut: Float64Array,
  q: number,
  bins: number,
): void {
  const nt = offs.length;
  const S = P[0], D = O[0];
  let x = 0;
  for (; x + 1 < w; x += 2) {
    const c = S[base + x], c1 = S[base + x + 1];
    let sum = 0, ws = 0, sum1 = 0, ws1 = 0;
    for (let k = 0; k < nt; k++) {
      const i = offs[k] + x, s = sw[k];
      const v = S[i], v1 = S[i + 1];
      const u = Math.abs(v - c) * q, u1 = Math.abs(v1 - c1) * q;
      const wt = u < bins ? s * lut[(u + 0.5) | 0] : 0;
      const wt1 = u1 < bins ? s * lut[(u1 + 0.5) | 0] : 0;
      sum += v * wt;
      ws += wt;
      sum1 += v1 * wt1;
      ws1 += wt1;
    }
    D[o0 + x] = sum / ws;
    D[o0 + x + 1] = sum1 / ws1;
  }
  for (; x < w; x++) {
    const c = S[base + x];
    let sum = 0, ws = 0;
    for (let k = 0; k < nt; k++) {
      const v = S[offs[k] + x];
      const u = Math.abs(v - c) * q;
      const wt = u < bins ? sw[k] * lut[(u + 0.5) | 0] : 0;
      sum += v * wt;
      ws += wt;
    }
    D[o0 + x] = sum / ws;
  }
}

function sepRow3(
  P: Float64Array[],
  offs: Int32Array,
  base: number,
  O: Float64Array[],
  o0: number,
  w: number,
  sw: Float64Array,
  lut: Float64Array,
  q: number,
  bins: number,
): void {
  const nt = offs.length;
  const S0 = P[0], S1 = P[1], S2 = P[2], D0 = O[0], D1 = O[1], D2 = O[2];
  for (let x = 0; x < w; x++) {
    const c0 = S0[base + x], c1 = S1[base + x], c2 = S2[base + x];
    let s0 = 0, s1 = 0, s2 = 0, ws = 0;
    for (let k = 0; k < nt; k++) {
      const i = offs[k] + x;
      const v0 = S0[i], v1 = S1[i], v2 = S2[i];
      const d = Math.abs(v0 - c0) + Math.abs(v1 - c1) + Math.abs(v2 - c2);
      const u = d * q;
      const wt = u < bins ? sw[k] * lut[(u + 0.5) | 0] : 0;
      s0 += v0 * wt;
      s1 += v1 * wt;
      s2 += v2 * wt;
      ws += wt;
    }
    D0[o0 + x] = s0 / ws;
    D1[o0 + x] = s1 / ws;
    D2[o0 + x] = s2 / ws;
  }
}

function sepRowN(
  P: Float64Array[],
  offs: Int32Array,
  base: number,
  O: Float64Array[],
  o0: number,
  w: number,
  cn: number,
  sw: Float64Array,
  lut: Float64Array,
  q: number,
  bins: number,
  l2: boolean,
): void {
  const nt = offs.length;
  for (let x = 0; x < w; x++) {
    let ws = 0;
    for (let c = 0; c < cn; c++) O[c][o0 + x] = 0;
    for (let k = 0; k < nt; k++) {
      const i = offs[k] + x;
      let d = 0;
      for (let c = 0; c < cn; c++) {
        const t = P[c][i] - P[c][base + x];
        d += l2 ? t * t : Math.abs(t);
      }
      const wt = sw[k] * lut[Math.min(d * q + 0.5, bins) | 0];
      for (let c = 0; c < cn; c++) O[c][o0 + x] += P[c][i] * wt;
      ws += wt;
    }
    for (let c = 0; c < cn; c++) O[c][o0 + x] /= ws;
  }
}
