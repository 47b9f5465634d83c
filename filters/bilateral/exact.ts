/**
 * The exact bilateral sums (`method: "exact"`, OpenCV's `bilateralFilter`
 * semantics, described in filters/bilateral/bilateral.ts): the float32
 * weight tables indexed by integer distance, the integer row kernels for
 * gray and RGB, the generic float64 kernel for the rest, and the dispatch to
 * the WebAssembly SIMD sums.
 *
 * For u8 images with the L1 distance the sums run in WebAssembly SIMD
 * (filters/bilateral/bilateral_simd.ts, filters/bilateral/bilateral.wat): 8
 * gray or 4 colour pixels per step, one float64 lane per pixel, over a ring
 * of padded rows. It is given this module's own weight tables
 * ({@linkcode simdTaps}) and performs the same float64 multiplies and adds
 * in the same tap order (no FMA, no reassociation), so its output is
 * byte-identical to the TypeScript path, which stays the fallback and the
 * test reference (`IMFILTER_SIMD=0`, `withSimd(false, …)`). Colour images
 * with a `constant` border value outside 0..255 (the kernel packs colour
 * samples in bytes), `colorDistance: "l2"`, u16 and f32 stay in TypeScript.
 * 2048², d 9, one thread: ~82 ms gray / ~160 ms RGB, against ~250 / ~560 ms
 * for the TypeScript path.
 *
 * The window and the row plumbing come from taps.ts; the plugin module
 * (bilateral.ts) calls {@linkcode exactBilateral}.
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { paddedIndices } from "../../core/boundary.ts";
import type { Image } from "../../core/image.ts";
import { allocate, type PixelArray } from "../../core/dtype.ts";
import { storeRow } from "../../core/strided_planes.ts";
import { bilateralSimdServes, type BilateralSimdTaps, bilateralU8Simd } from "./bilateral_simd.ts";
import {
  type BilateralParams,
  bilateralRadius,
  copyChannels,
  fillRow,
  gaussCoeff,
  spaceTaps,
  type Taps,
} from "./taps.ts";

/**
 * The weight tables of the SIMD kernel: per tap, space × colour weight by
 * integer distance, exactly as the TypeScript kernels form them (float32-
 * rounded for the gray tap tables, the float64 product otherwise); taps of
 * equal space weight share a table.
 */
function simdTaps(taps: Taps, table: Float64Array, f32: boolean): BilateralSimdTaps {
  const nt = taps.w.length;
  const index = new Map<number, number>();
  const tables: Float64Array[] = [];
  const which = new Int32Array(nt);
  for (let k = 0; k < nt; k++) {
    const sw = taps.w[k];
    let t = index.get(sw);
    if (t === undefined) {
      const T = new Float64Array(table.length);
      for (let i = 0; i < T.length; i++) T[i] = f32 ? Math.fround(sw * table[i]) : sw * table[i];
      t = tables.push(T) - 1;
      index.set(sw, t);
    }
    which[k] = t;
  }
  return { dx: taps.dx, dy: taps.dy, table: which, tables };
}

/** {@linkcode fillRow} for the three channels of an RGB image, interleaved. */
function fillRgbRow(
  src: PixelArray,
  w: number,
  sy: number,
  xs: Int32Array,
  cval: number,
  il: Int32Array,
  o: number,
): void {
  for (let px = 0; px < xs.length; px++, o += 3) {
    const sx = xs[px];
    if (sy < 0 || sx < 0) il[o] = il[o + 1] = il[o + 2] = cval;
    else {
      const j = 3 * (sy * w + sx);
      il[o] = src[j];
      il[o + 1] = src[j + 1];
      il[o + 2] = src[j + 2];
    }
  }
}

/**
 * The ring offsets of output row `y` (padded row `py` in slot `py mod (2r +
 * 1)` of `pw` pixels, `scale` elements each): each tap's for x = 0 into
 * `offs`; returns the centre's.
 */
function ringOffsets(
  taps: Taps,
  y: number,
  r: number,
  pw: number,
  scale: number,
  offs: Int32Array,
): number {
  const R = 2 * r + 1;
  for (let k = 0; k < offs.length; k++) {
    offs[k] = scale * (((y + r + taps.dy[k]) % R) * pw + r + taps.dx[k]);
  }
  return scale * (((y + r) % R) * pw + r);
}

/**
 * Exact bilateral filter of the `cn` first channels of an image, as the
 * finished interleaved samples (other channels copied). The TypeScript
 * kernels keep a ring of the `2r + 1` padded rows the current output row
 * reads (padded row `py` in slot `py mod (2r + 1)`), filled straight from
 * the image, and write each output row straight into the output: memory
 * O(window height × row) beyond the output.
 */
export function exactBilateral(image: Image, cn: number, p: BilateralParams): PixelArray {
  const { width: w, height: h, channels: ch } = image;
  const r = bilateralRadius(p.diameter, p.sigmaSpace);
  const taps = spaceTaps(r, p.sigmaSpace, p.window);
  const pw = w + 2 * r, R = 2 * r + 1;
  const gc = gaussCoeff(p.sigmaColor);
  const integer = image.dtype !== "f32" &&
    (p.boundary !== "constant" || Number.isInteger(p.cval));
  const maxv = image.dtype === "u8" ? 255 : 65535;
  const l2 = p.colorDistance === "l2" && cn > 1;
  // integer distances index a float32 table, as OpenCV's bilateralFilter_8u
  let table: Float64Array | null = null;
  if (integer && (!l2 ? maxv * cn < 1 << 20 : maxv * maxv * cn < 1 << 20)) {
    const lim = p.boundary === "constant" ? maxv + Math.abs(p.cval) : maxv;
    const size = (l2 ? lim * lim * cn : lim * cn) + 1;
    if (size < 1 << 21) {
      table = new Float64Array(size);
      for (let i = 0; i < size; i++) table[i] = Math.fround(Math.exp((l2 ? i : i * i) * gc));
    }
  }
  const nt = taps.w.length;
  // the gray kernel below folds the space weight into float32 tap tables
  const f32Taps = cn === 1 && table !== null && table.length * nt <= 1 << 22;
  if (
    image.dtype === "u8" && table && !l2 &&
    bilateralSimdServes(cn, image.channels, p.boundary, p.cval)
  ) {
    // the same sums in WebAssembly SIMD, with these very weights: the same bytes
    const res = bilateralU8Simd(image, cn, r, simdTaps(taps, table, f32Taps), p.boundary, p.cval);
    if (res) return res;
  }
  const src = image.data;
  const out = allocate(image.dtype, ch * w * h);
  if (cn < ch) copyChannels(image, out, cn);
  const xs = paddedIndices(w, r, r, p.boundary), ys = paddedIndices(h, r, r, p.boundary);
  // per output row: each tap's ring offset for x = 0 (and the centre's)
  const offs = new Int32Array(nt);
  const inRange = p.boundary !== "constant" || (p.cval >= 0 && p.cval <= maxv);
  if (
    cn === 3 && image.channels === 3 && table && !l2 && inRange && image.dtype !== "f32"
  ) {
    // colour integers: a ring of interleaved int32 samples padded straight
    // from the image, per pixel register accumulators, rounded straight into `out`
    const il = new Int32Array(3 * R * pw);
    for (let py = 0; py < 2 * r; py++) {
      fillRgbRow(src, w, ys[py], xs, p.cval, il, 3 * (py % R) * pw);
    }
    const res = new Float64Array(3 * w);
    for (let y = 0; y < h; y++) {
      checkAbort();
      const py = y + 2 * r;
      fillRgbRow(src, w, ys[py], xs, p.cval, il, 3 * (py % R) * pw);
      const cen = ringOffsets(taps, y, r, pw, 3, offs);
      rgbIntRow(il, table, taps.w, offs, cen, w, res);
      const o = 3 * y * w;
      for (let i = 0; i < 3 * w; i++) {
        // round half to even, as storeInto (the mean of in-range samples is in range)
        const v = res[i], q = Math.round(v);
        out[o + i] = q - v === 0.5 && (q & 1) !== 0 ? q - 1 : q;
      }
    }
    return out;
  }
  const tableSize = table ? table.length : 0;
  if (f32Taps && table) {
    // gray integers: a ring of int32 rows (padded straight from the image;
    // cval is an integer) and one table per tap with the space weight folded in
    const ipl = new Int32Array(R * pw);
    const tapTables = new Float32Array(tableSize * taps.w.length);
    for (let k = 0; k < taps.w.length; k++) {
      for (let i = 0; i < tableSize; i++) {
        tapTables[k * tableSize + i] = Math.fround(taps.w[k] * table[i]);
      }
    }
    for (let py = 0; py < 2 * r; py++) {
      fillRow(src, w, ch, 0, ys[py], xs, p.cval, ipl, (py % R) * pw);
    }
    const res = new Float64Array(w);
    for (let y = 0; y < h; y++) {
      checkAbort();
      const py = y + 2 * r;
      fillRow(src, w, ch, 0, ys[py], xs, p.cval, ipl, (py % R) * pw);
      const cen = ringOffsets(taps, y, r, pw, 1, offs);
      grayIntRow(ipl, tapTables, tableSize, offs, cen, w, res);
      storeRow(out, y * w * ch, ch, res, 0, w, 1);
    }
    return out;
  }
  // the generic kernel: a float64 ring per channel, tap after tap over the row
  const planes: Float64Array[] = [];
  for (let c = 0; c < cn; c++) planes.push(new Float64Array(R * pw));
  for (let py = 0; py < 2 * r; py++) {
    for (let c = 0; c < cn; c++) {
      fillRow(src, w, ch, c, ys[py], xs, p.cval, planes[c], (py % R) * pw);
    }
  }
  const sums = planes.map(() => new Float64Array(w));
  const wsum = new Float64Array(w);
  for (let y = 0; y < h; y++) {
    checkAbort();
    const py = y + 2 * r;
    for (let c = 0; c < cn; c++) {
      fillRow(src, w, ch, c, ys[py], xs, p.cval, planes[c], (py % R) * pw);
    }
    const crow = ringOffsets(taps, y, r, pw, 1, offs);
    for (const s of sums) s.fill(0);
    wsum.fill(0);
    for (let k = 0; k < nt; k++) {
      const sw = taps.w[k];
      const off = offs[k];
      if (cn === 1) {
        const P = planes[0], S = sums[0];
        if (table) {
          for (let x = 0; x < w; x++) {
            const v = P[off + x];
            const d = Math.abs(v - P[crow + x]);
            const wt = sw * table[d];
            S[x] += v * wt;
            wsum[x] += wt;
          }
        } else {
          for (let x = 0; x < w; x++) {
            const v = P[off + x];
            const d = v - P[crow + x];
            const wt = sw * Math.exp(d * d * gc);
            S[x] += v * wt;
            wsum[x] += wt;
          }
        }
      } else if (cn === 3 && table && !l2) {
        const P0 = planes[0], P1 = planes[1], P2 = planes[2];
        const S0 = sums[0], S1 = sums[1], S2 = sums[2];
        for (let x = 0; x < w; x++) {
          const i = off + x, j = crow + x;
          const v0 = P0[i], v1 = P1[i], v2 = P2[i];
          const d = Math.abs(v0 - P0[j]) + Math.abs(v1 - P1[j]) + Math.abs(v2 - P2[j]);
          const wt = sw * table[d];
          S0[x] += v0 * wt;
          S1[x] += v1 * wt;
          S2[x] += v2 * wt;
          wsum[x] += wt;
        }
      } else {
        for (let x = 0; x < w; x++) {
          const i = off + x, j = crow + x;
          let d = 0;
          for (let c = 0; c < cn; c++) {
            const t = planes[c][i] - planes[c][j];
            d += l2 ? t * t : Math.abs(t);
          }
          const wt = sw * (table ? table[d] : Math.exp((l2 ? d : d * d) * gc));
          for (let c = 0; c < cn; c++) sums[c][x] += planes[c][i] * wt;
          wsum[x] += wt;
        }
      }
    }
    for (let c = 0; c < cn; c++) {
      const S = sums[c];
      for (let x = 0; x < w; x++) S[x] = S[x] / wsum[x];
      storeRow(out, y * w * ch + c, ch, S, 0, w, 1);
    }
  }
  return out;
}

/**
 * One row of the gray integer kernel: per pixel, the taps in a tight loop
 * with register accumulators and one float32 table per tap (space weight ×
 * colour weight); tap k of pixel x at `offs[k] + x`, its centre at
 * `cen + x`; the means into `res`. A function per row so the engine
 * optimises it whole.
 */
function grayIntRow(
  ipl: Int32Array,
  T: Float32Array,
  tableSize: number,
  offs: Int32Array,
  cen: number,
  w: number,
  res: Float64Array,
): void {
  const nt = offs.length;
  let x = 0;
  // two pixels per pass share the tap loop
  for (; x + 1 < w; x += 2) {
    const c = ipl[cen + x], c1 = ipl[cen + x + 1];
    let sum = 0, ws = 0, sum1 = 0, ws1 = 0;
    for (let k = 0, tb = 0; k < nt; k++, tb += tableSize) {
      const i = offs[k] + x;
      const v = ipl[i], v1 = ipl[i + 1];
      let d = v - c, d1 = v1 - c1;
      d = (d ^ (d >> 31)) - (d >> 31);
      d1 = (d1 ^ (d1 >> 31)) - (d1 >> 31);
      const wt = T[tb + d], wt1 = T[tb + d1];
      sum += v * wt;
      ws += wt;
      sum1 += v1 * wt1;
      ws1 += wt1;
    }
    res[x] = sum / ws;
    res[x + 1] = sum1 / ws1;
  }
  for (; x < w; x++) {
    const c = ipl[cen + x];
    let sum = 0, ws = 0;
    for (let k = 0, tb = 0; k < nt; k++, tb += tableSize) {
      const v = ipl[offs[k] + x];
      let d = v - c;
      d = (d ^ (d >> 31)) - (d >> 31);
      const wt = T[tb + d];
      sum += v * wt;
      ws += wt;
    }
    res[x] = sum / ws;
  }
}

/**
 * One row of the colour (3-channel, L1) integer kernel on interleaved
 * samples: the same arithmetic, in the same tap order, as the generic path.
 * Tap k of pixel x at `offs[k] + 3x`, its centre at `cen + 3x`.
 */
function rgbIntRow(
  il: Int32Array,
  table: Float64Array,
  sw: Float64Array,
  offs: Int32Array,
  cen: number,
  w: number,
  res: Float64Array,
): void {
  const nt = offs.length;
  let x = 0;
  // two pixels per pass share the tap loop
  for (; x + 1 < w; x += 2) {
    const ci = cen + 3 * x;
    const c0 = il[ci], c1 = il[ci + 1], c2 = il[ci + 2];
    const e0 = il[ci + 3], e1 = il[ci + 4], e2 = il[ci + 5];
    let s0 = 0, s1 = 0, s2 = 0, ws = 0, t0 = 0, t1 = 0, t2 = 0, wt2 = 0;
    for (let k = 0; k < nt; k++) {
      const i = offs[k] + 3 * x;
      const v0 = il[i], v1 = il[i + 1], v2 = il[i + 2];
      const u0 = il[i + 3], u1 = il[i + 4], u2 = il[i + 5];
      let d0 = v0 - c0, d1 = v1 - c1, d2 = v2 - c2;
      d0 = (d0 ^ (d0 >> 31)) - (d0 >> 31);
      d1 = (d1 ^ (d1 >> 31)) - (d1 >> 31);
      d2 = (d2 ^ (d2 >> 31)) - (d2 >> 31);
      let f0 = u0 - e0, f1 = u1 - e1, f2 = u2 - e2;
      f0 = (f0 ^ (f0 >> 31)) - (f0 >> 31);
      f1 = (f1 ^ (f1 >> 31)) - (f1 >> 31);
      f2 = (f2 ^ (f2 >> 31)) - (f2 >> 31);
      const s = sw[k];
      const wt = s * table[d0 + d1 + d2], wu = s * table[f0 + f1 + f2];
      s0 += v0 * wt;
      s1 += v1 * wt;
      s2 += v2 * wt;
      ws += wt;
      t0 += u0 * wu;
      t1 += u1 * wu;
      t2 += u2 * wu;
      wt2 += wu;
    }
    const o = 3 * x;
    res[o] = s0 / ws;
    res[o + 1] = s1 / ws;
    res[o + 2] = s2 / ws;
    res[o + 3] = t0 / wt2;
    res[o + 4] = t1 / wt2;
    res[o + 5] = t2 / wt2;
  }
  for (; x < w; x++) {
    const ci = cen + 3 * x;
    const c0 = il[ci], c1 = il[ci + 1], c2 = il[ci + 2];
    let s0 = 0, s1 = 0, s2 = 0, ws = 0;
    for (let k = 0; k < nt; k++) {
      const i = offs[k] + 3 * x;
      const v0 = il[i], v1 = il[i + 1], v2 = il[i + 2];
      let d0 = v0 - c0, d1 = v1 - c1, d2 = v2 - c2;
      d0 = (d0 ^ (d0 >> 31)) - (d0 >> 31);
      d1 = (d1 ^ (d1 >> 31)) - (d1 >> 31);
      d2 = (d2 ^ (d2 >> 31)) - (d2 >> 31);
      const wt = sw[k] * table[d0 + d1 + d2];
      s0 += v0 * wt;
      s1 += v1 * wt;
      s2 += v2 * wt;
      ws += wt;
    }
    res[3 * x] = s0 / ws;
    res[3 * x + 1] = s1 / ws;
    res[3 * x + 2] = s2 / ws;
  }
}
