/**
 * The bilateral grid (`method: "fast"` for windows of more than 81 taps;
 * Chen, Paris & Durand 2007, described in filters/bilateral/bilateral.ts):
 * samples splatted into a coarse (x, y, intensity) grid whose spatial step is
 * the standard deviation of the exact method's spatial weights, the grid
 * blurred in place by [1 4 6 4 1] / 16 along each axis and sliced with
 * trilinear interpolation; gray has its own unrolled splat and slice.
 *
 * The window comes from taps.ts; the plugin module (bilateral.ts) calls
 * {@linkcode gridBilateral} when the grid is faster than the direct sum
 * (otherwise separable.ts).
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import type { Image } from "../../core/image.ts";
import { allocate, type PixelArray } from "../../core/dtype.ts";
import { checkDerived } from "../../core/params.ts";
import { storeRow } from "../../core/strided_planes.ts";
import {
  type BilateralParams,
  bilateralRadius,
  copyChannels,
  spaceTaps,
  type Taps,
} from "./taps.ts";

/** The standard deviation along one axis of the exact method's spatial weights. */
function spatialStd(taps: Taps): number {
  let s = 0, s2 = 0;
  for (let k = 0; k < taps.w.length; k++) {
    s += taps.w[k];
    s2 += taps.w[k] * taps.dx[k] * taps.dx[k];
  }
  return Math.sqrt(s2 / s);
}

/**
 * The most cells of the grid, `(W/σs)·(H/σs)·(range/σc)`, each `C + 1`
 * float64 (128 MiB gray, 256 MiB RGB at the maximum): a small sigmaColor
 * on a wide range of values would otherwise ask for gigabytes.
 */
const MAX_GRID_CELLS = 1 << 24;

/**
 * Bilateral grid approximation of the `cn` first channels, as the finished
 * interleaved samples (other channels copied). The samples and the range
 * coordinate are read straight from the image and each output row is
 * written straight into the output: beyond it, the grid only (blurred in
 * place, with line buffers).
 */
export function gridBilateral(image: Image, cn: number, p: BilateralParams): PixelArray {
  const { width: w, height: h, channels: ch } = image;
  const n = w * h;
  const r = bilateralRadius(p.diameter, p.sigmaSpace);
  const ss = Math.max(1, spatialStd(spaceTaps(r, p.sigmaSpace, p.window)));
  const src = image.data;
  // range axis: the value (gray) or the channel sum (colour, ~ L1 distance)
  let gmin = Infinity, gmax = -Infinity;
  if (cn === 1) {
    for (let i = 0, j = 0; i < n; i++, j += ch) {
      const g = src[j];
      if (g < gmin) gmin = g;
      if (g > gmax) gmax = g;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const g = channelSum(src, i * ch, cn);
      if (g < gmin) gmin = g;
      if (g > gmax) gmax = g;
    }
  }
  const sr = p.sigmaColor;
  const pad = 2;
  const gw = Math.floor((w - 1) / ss) + 1 + 2 * pad;
  const gh = Math.floor((h - 1) / ss) + 1 + 2 * pad;
  const gd = Math.floor((gmax - gmin) / sr) + 1 + 2 * pad;
  checkDerived(
    "bilateral",
    `the bilateral grid's cell count (${gw}x${gh} cells of space, ${gd} of range: sigmaColor ${sr}, values ${gmin}..${gmax})`,
    gw * gh * gd,
    MAX_GRID_CELLS,
    "raise sigmaColor or sigmaSpace, or use method exact",
  );
  const out = allocate(image.dtype, n * ch);
  if (cn < ch) copyChannels(image, out, cn);
  if (cn === 1) {
    gridGray(src, ch, w, h, ss, sr, gmin, pad, gw, gh, gd, out);
    return out;
  }
  const cells = gw * gh * gd;
  const nv = cn + 1; // homogeneous: values and weight
  const grid = new Float64Array(cells * nv);
  const sx = gd, sy = gw * gd; // strides: z fastest, then x, then y
  // splat (trilinear), z fastest, then x, then y
  const wz = new Float64Array(2), wx = new Float64Array(2);
  for (let y = 0; y < h; y++) {
    checkAbort();
    const fy = y / ss + pad, iy = Math.floor(fy), ty = fy - iy;
    for (let x = 0; x < w; x++) {
      const i = y * w + x, j = i * ch;
      const fx = x / ss + pad, ix = Math.floor(fx), tx = fx - ix;
      const fz = (channelSum(src, j, cn) - gmin) / sr + pad, iz = Math.floor(fz), tz = fz - iz;
      wz[0] = 1 - tz;
      wz[1] = tz;
      wx[0] = 1 - tx;
      wx[1] = tx;
      for (let oy = 0; oy < 2; oy++) {
        const wyv = oy ? ty : 1 - ty;
        for (let ox = 0; ox < 2; ox++) {
          const wxy = wyv * wx[ox];
          const g0 = ((iy + oy) * sy + (ix + ox) * sx + iz) * nv;
          for (let oz = 0; oz < 2; oz++) {
            const wt = wxy * wz[oz], g = g0 + oz * nv;
            for (let k = 0; k < cn; k++) grid[g + k] += wt * src[j + k];
            grid[g + cn] += wt;
          }
        }
      }
    }
  }
  // blur [1 4 6 4 1] / 16 along z, x, y
  blurGrid(grid, gw, gh, gd, nv);
  // slice, a row at a time into the output
  const rows = Array.from({ length: cn }, () => new Float64Array(w));
  const acc = new Float64Array(nv);
  for (let y = 0; y < h; y++) {
    checkAbort();
    const fy = y / ss + pad, iy = Math.floor(fy), ty = fy - iy;
    for (let x = 0; x < w; x++) {
      const i = y * w + x, j = i * ch;
      const fx = x / ss + pad, ix = Math.floor(fx), tx = fx - ix;
      const fz = (channelSum(src, j, cn) - gmin) / sr + pad, iz = Math.floor(fz), tz = fz - iz;
      acc.fill(0);
      wz[0] = 1 - tz;
      wz[1] = tz;
      wx[0] = 1 - tx;
      wx[1] = tx;
      for (let oy = 0; oy < 2; oy++) {
        const wyv = oy ? ty : 1 - ty;
        for (let ox = 0; ox < 2; ox++) {
          const wxy = wyv * wx[ox];
          const g0 = ((iy + oy) * sy + (ix + ox) * sx + iz) * nv;
          for (let oz = 0; oz < 2; oz++) {
            const wt = wxy * wz[oz], g = g0 + oz * nv;
            for (let k = 0; k < nv; k++) acc[k] += wt * grid[g + k];
          }
        }
      }
      for (let k = 0; k < cn; k++) rows[k][x] = acc[cn] > 0 ? acc[k] / acc[cn] : src[j + k];
    }
    for (let k = 0; k < cn; k++) storeRow(out, y * w * ch + k, ch, rows[k], 0, w, 1);
  }
  return out;
}

/** The sum of the `cn` samples from `j` (added to 0 in channel order). */
function channelSum(src: PixelArray, j: number, cn: number): number {
  let g = 0;
  for (let c = 0; c < cn; c++) g += src[j + c];
  return g;
}

/**
 * The bilateral grid for one channel (channel 0 of `ch`), with the corner
 * loops unrolled; the result into channel 0 of `out`.
 */
function gridGray(
  v: PixelArray,
  ch: number,
  w: number,
  h: number,
  ss: number,
  sr: number,
  gmin: number,
  pad: number,
  gw: number,
  gh: number,
  gd: number,
  out: PixelArray,
): void {
  const sx = gd * 2, sy = gw * gd * 2;
  const grid = new Float64Array(gw * gh * gd * 2);
  const fxs = new Float64Array(w), ixs = new Int32Array(w);
  for (let x = 0; x < w; x++) {
    const fx = x / ss + pad;
    ixs[x] = Math.floor(fx);
    fxs[x] = fx - ixs[x];
  }
  const isr = 1 / sr;
  for (let y = 0; y < h; y++) {
    checkAbort();
    const fy = y / ss + pad, iy = Math.floor(fy), ty = fy - iy;
    for (let x = 0; x < w; x++) {
      const val = v[(y * w + x) * ch];
      const tx = fxs[x];
      const fz = (val - gmin) * isr + pad, iz = Math.floor(fz), tz = fz - iz;
      const g = iy * sy + ixs[x] * sx + iz * 2;
      const a00 = (1 - ty) * (1 - tx), a01 = (1 - ty) * tx, a10 = ty * (1 - tx), a11 = ty * tx;
      const z0 = 1 - tz;
      let wt = a00 * z0;
      grid[g] += wt * val;
      grid[g + 1] += wt;
      wt = a00 * tz;
      grid[g + 2] += wt * val;
      grid[g + 3] += wt;
      wt = a01 * z0;
      grid[g + sx] += wt * val;
      grid[g + sx + 1] += wt;
      wt = a01 * tz;
      grid[g + sx + 2] += wt * val;
      grid[g + sx + 3] += wt;
      wt = a10 * z0;
      grid[g + sy] += wt * val;
      grid[g + sy + 1] += wt;
      wt = a10 * tz;
      grid[g + sy + 2] += wt * val;
      grid[g + sy + 3] += wt;
      wt = a11 * z0;
      grid[g + sy + sx] += wt * val;
      grid[g + sy + sx + 1] += wt;
      wt = a11 * tz;
      grid[g + sy + sx + 2] += wt * val;
      grid[g + sy + sx + 3] += wt;
    }
  }
  blurGrid(grid, gw, gh, gd, 2);
  const row = new Float64Array(w);
  for (let y = 0; y < h; y++) {
    checkAbort();
    const fy = y / ss + pad, iy = Math.floor(fy), ty = fy - iy;
    for (let x = 0; x < w; x++) {
      const val = v[(y * w + x) * ch];
      const tx = fxs[x];
      const fz = (val - gmin) * isr + pad, iz = Math.floor(fz), tz = fz - iz;
      const g = iy * sy + ixs[x] * sx + iz * 2;
      const a00 = (1 - ty) * (1 - tx), a01 = (1 - ty) * tx, a10 = ty * (1 - tx), a11 = ty * tx;
      const z0 = 1 - tz;
      const num = a00 * (z0 * grid[g] + tz * grid[g + 2]) +
        a01 * (z0 * grid[g + sx] + tz * grid[g + sx + 2]) +
        a10 * (z0 * grid[g + sy] + tz * grid[g + sy + 2]) +
        a11 * (z0 * grid[g + sy + sx] + tz * grid[g + sy + sx + 2]);
      const den = a00 * (z0 * grid[g + 1] + tz * grid[g + 3]) +
        a01 * (z0 * grid[g + sx + 1] + tz * grid[g + sx + 3]) +
        a10 * (z0 * grid[g + sy + 1] + tz * grid[g + sy + 3]) +
        a11 * (z0 * grid[g + sy + sx + 1] + tz * grid[g + sy + sx + 3]);
      row[x] = den > 0 ? num / den : val;
    }
    storeRow(out, y * w * ch, ch, row, 0, w, 1);
  }
}

/**
 * The grid's [1 4 6 4 1]/16 blur along z, x and y, in place: a `gw × gh ×
 * gd` grid (z fastest, then x, then y) of `nv` values per cell.
 */
function blurGrid(grid: Float64Array, gw: number, gh: number, gd: number, nv: number): void {
  const line = gw * gd * nv; // the longest step (the y axis)
  const b0 = new Float64Array(line), b1 = new Float64Array(line), b2 = new Float64Array(line);
  blurAxis(grid, gh * gw, gd, 1, nv, b0, b1, b2);
  blurAxis(grid, gh, gw, gd, nv, b0, b1, b2);
  blurAxis(grid, 1, gh, gw * gd, nv, b0, b1, b2);
}

/**
 * One [1 4 6 4 1]/16 pass along an axis of `len` cells, in place: the grid
 * is `outer` blocks of `len` lines of `inner` cells, each cell holding `nv`
 * values. The original values of the two lines before the current one and
 * of the current one are kept in `b0`, `b1`, `b2` (at least `inner · nv`
 * long), so each sum reads the values before the pass, added in the same
 * order as a pass into a second grid.
 */
function blurAxis(
  g: Float64Array,
  outer: number,
  len: number,
  inner: number,
  nv: number,
  b0: Float64Array,
  b1: Float64Array,
  b2: Float64Array,
): void {
  const step = inner * nv;
  for (let o = 0; o < outer; o++) {
    // m2, m1: the original lines p − 2 and p − 1; cur: line p's
    let m2 = b0, m1 = b1, cur = b2;
    for (let p = 0; p < len; p++) {
      const base = (o * len + p) * step;
      for (let q = 0; q < step; q++) cur[q] = g[base + q];
      for (let q = 0; q < step; q++) {
        const c = base + q;
        let s = 6 * cur[q];
        if (p >= 1) s += 4 * m1[q];
        if (p >= 2) s += m2[q];
        if (p + 1 < len) s += 4 * g[c + step];
        if (p + 2 < len) s += g[c + 2 * step];
        g[c] = s / 16;
      }
      const t = m2;
      m2 = m1;
      m1 = cur;
      cur = t;
    }
  }
}
