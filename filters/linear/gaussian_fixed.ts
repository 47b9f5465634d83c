/**
 * The integer fixed-point Gaussian of OpenCV's 8-bit (and 16-bit)
 * `GaussianBlur`, reproduced bit for bit:
 *
 * 1. the float kernel is OpenCV's `getGaussianKernelBitExact` (its fixed
 *    tables for sizes 1, 3, 5, 7, 9 when sigma <= 0; otherwise
 *    `exp(x² · (−0.125 / σ²))` over `x = 1 − n, 3 − n, …`, normalised by the
 *    reciprocal of the sum);
 * 2. it is quantised to `2^-bits` (8 bits for u8, 16 for u16) by error
 *    diffusion from the outer taps inwards (round half to even, carrying the
 *    error), the centre tap taking what makes the sum exactly `2^bits`;
 * 3. a row pass and a column pass in exact integer arithmetic (OpenCV's
 *    `ufixedpoint16`/`ufixedpoint32` never overflow for these sums), and the
 *    result `(v + 2^(2·bits − 1)) >> 2·bits`, saturated.
 *
 * Because every step is exact integer arithmetic, the order of the sums does
 * not matter and the result is OpenCV's for every pixel. u8 sums stay below
 * 2^24 (int32), u16 sums below 2^48 (exact in float64).
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { type BoundaryMode, paddedIndices } from "../../core/boundary.ts";
import { roundHalfEven } from "../../core/dtype.ts";
import type { OutputPlane, StridedPlane } from "../../core/strided_planes.ts";

const SMALL_TABLES: Record<number, number[]> = {
  1: [1],
  3: [0.25, 0.5, 0.25],
  5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
  7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
  9: [4, 13, 30, 51, 60, 51, 30, 13, 4].map((v) => v / 256),
};

/**
 * OpenCV's float64 Gaussian kernel of odd size `n` (`getGaussianKernelBitExact`):
 * `sigma <= 0` uses the fixed tables for n ≤ 9, else sigma = `0.15·n + 0.35`.
 */
export function opencvGaussianKernel(n: number, sigma: number): Float64Array {
  if (!(sigma > 0) && SMALL_TABLES[n]) return Float64Array.from(SMALL_TABLES[n]);
  const s = sigma > 0 ? sigma : n * 0.15 + 0.35;
  const scale2 = -0.125 / (s * s);
  const half = (n - 1) >> 1;
  const values = new Float64Array(half);
  let sum = 0;
  for (let i = 0, x = 1 - n; i < half; i++, x += 2) {
    values[i] = Math.exp(x * x * scale2);
    sum += values[i];
  }
  sum = sum * 2 + 1;
  const mul = 1 / sum;
  const out = new Float64Array(n);
  for (let i = 0; i < half; i++) out[i] = out[n - 1 - i] = values[i] * mul;
  out[half] = mul;
  return out;
}

/**
 * Quantises a symmetric odd kernel to integers summing to `2^bits` by error
 * diffusion (OpenCV's `getGaussianKernelFixedPoint_ED`).
 */
export function fixedPointKernel(kernel: Float64Array, bits: number): Int32Array {
  const n = kernel.length, half = n >> 1, one = 2 ** bits;
  const out = new Int32Array(n);
  let err = 0, sum = 0;
  for (let i = 0; i < half; i++) {
    const adj = kernel[i] * one + err;
    const v = roundHalfEven(adj);
    err = adj - v;
    out[i] = out[n - 1 - i] = v;
    sum += v;
  }
  out[half] = one - 2 * sum;
  return out;
}

/**
 * Filters one channel (same size output) with the fixed-point kernels `kx`
 * (along x) and `ky` (along y), each summing to `2^bits`; `cval` must be an
 * integer sample value for `constant`.
 */
export function gaussianFixedChannel(
  src: StridedPlane,
  w: number,
  h: number,
  kx: Int32Array,
  ky: Int32Array,
  bits: 8 | 16,
  boundary: BoundaryMode,
  cval: number,
  dst: OutputPlane,
): void {
  const nx = kx.length, ny = ky.length, rx = nx >> 1, ry = ny >> 1;
  const pw = w + nx - 1;
  const xs = paddedIndices(w, rx, rx, boundary);
  const ys = paddedIndices(h, ry, ry, boundary);
  const data = src.data, off = src.offset, st = src.stride;
  const wide = bits === 16;
  // Row pass into tmp (one row per source row), exact integers.
  const tmp = wide ? new Float64Array(w * h) : new Int32Array(w * h);
  const pad = wide ? new Float64Array(pw) : new Int32Array(pw);
  for (let y = 0; y < h; y++) {
    checkAbort();
    const base = off + y * w * st;
    for (let px = 0; px < pw; px++) {
      const sx = xs[px];
      pad[px] = sx < 0 ? cval : data[base + sx * st];
    }
    const o = y * w;
    if (nx === 1) {
      for (let x = 0; x < w; x++) tmp[o + x] = pad[x] * kx[0];
      continue;
    }
    const mid = kx[rx];
    for (let x = 0; x < w; x++) {
      let acc = mid * pad[x + rx];
      for (let i = 0, e = x + nx - 1; i < rx; i++) acc += kx[i] * (pad[x + i] + pad[e - i]);
      tmp[o + x] = acc;
    }
  }
  const cvalRow = cval * 2 ** bits;
  // Column pass, symmetric pairs of rows; then round and store.
  const acc = wide ? new Float64Array(w) : new Int32Array(w);
  const out = dst.data, dOff = dst.offset, dSt = dst.stride;
  const shift = 2 * bits, half = 2 ** (shift - 1), scale = 2 ** shift;
  const max = wide ? 65535 : 255;
  for (let y = 0; y < h; y++) {
    checkAbort();
    let constant = 0;
    const c0 = ky[ry], m = ys[y + ry];
    if (m < 0) {
      acc.fill(0);
      constant += c0 * cvalRow;
    } else {
      const s = m * w;
      for (let x = 0; x < w; x++) acc[x] = c0 * tmp[s + x];
    }
    for (let j = 0; j < ry; j++) {
      const c = ky[j];
      if (c === 0) continue;
      const a = ys[y + j], b = ys[y + ny - 1 - j];
      if (a >= 0 && b >= 0) {
        const sa = a * w, sb = b * w;
        for (let x = 0; x < w; x++) acc[x] += c * (tmp[sa + x] + tmp[sb + x]);
      } else {
        if (a >= 0) { for (let x = 0, sa = a * w; x < w; x++) acc[x] += c * tmp[sa + x]; }
        else constant += c * cvalRow;
        if (b >= 0) { for (let x = 0, sb = b * w; x < w; x++) acc[x] += c * tmp[sb + x]; }
        else constant += c * cvalRow;
      }
    }
    let o = dOff + y * w * dSt;
    if (wide) {
      for (let x = 0; x < w; x++, o += dSt) {
        const v = Math.floor((acc[x] + constant + half) / scale);
        out[o] = v > max ? max : v;
      }
    } else {
      const k = constant + half;
      for (let x = 0; x < w; x++, o += dSt) {
        const v = (acc[x] + k) >> 16;
        out[o] = v > 255 ? 255 : v;
      }
    }
  }
}

const L16 = 65536, L24 = 16777216;

/**
 * The u8 (8-bit kernel) case of {@linkcode gaussianFixedChannel}, two pixels
 * per float64 operation: the left and right halves of a row travel in one
 * number, 16 bits apart in the row pass (each lane's sum is below 2^16) and
 * 24 bits apart in the column pass (each lane's sum is below 2^24), so every
 * lane stays exact (totals below 2^48 < 2^53) and the result is the same
 * integer, bit for bit, for half the multiply-adds.
 */
export function gaussianFixedU8(
  src: StridedPlane,
  w: number,
  h: number,
  kx: Int32Array,
  ky: Int32Array,
  boundary: BoundaryMode,
  cval: number,
  dst: OutputPlane,
): void {
  const nx = kx.length, ny = ky.length, rx = nx >> 1, ry = ny >> 1;
  const half = (w + 1) >> 1; // packed width: columns x and x + half
  const pw = w + nx - 1;
  const xs = paddedIndices(w, rx, rx, boundary);
  const ys = paddedIndices(h, ry, ry, boundary);
  const data = src.data, off = src.offset, st = src.stride;
  const pad = new Float64Array(pw + 1); // pad[pw] = 0: the odd-width spare lane
  const packed = new Float64Array(half + nx - 1);
  const tmp = new Float64Array(half * h);
  // Trim zero taps at the ends (they add nothing).
  let tx = 0;
  while (tx < rx && kx[tx] === 0) tx++;
  for (let y = 0; y < h; y++) {
    checkAbort();
    const base = off + y * w * st;
    for (let px = 0; px < pw; px++) {
      const sx = xs[px];
      pad[px] = sx < 0 ? cval : data[base + sx * st];
    }
    for (let i = 0; i < half + nx - 1; i++) packed[i] = pad[i] + pad[i + half] * L16;
    packedRowPass(packed, tmp, y * half, half, kx, tx);
  }
  const cvalRow = cval * 256 * (1 + L24);
  const acc = new Float64Array(half);
  const clamp = new Uint8ClampedArray(dst.data.buffer, dst.data.byteOffset, dst.data.length);
  const dOff = dst.offset, dSt = dst.stride;
  for (let y = 0; y < h; y++) {
    checkAbort();
    let constant = 0;
    const c0 = ky[ry], m = ys[y + ry];
    if (m < 0) {
      acc.fill(0);
      constant += c0 * cvalRow;
    } else {
      const s = m * half;
      for (let x = 0; x < half; x++) acc[x] = c0 * tmp[s + x];
    }
    for (let j = 0; j < ry; j++) {
      const c = ky[j];
      if (c === 0) continue;
      const a = ys[y + j], b = ys[y + ny - 1 - j];
      // Two symmetric pairs per pass when all four rows are inside (fewer acc loads/stores).
      const a2 = ys[y + j + 1], b2 = ys[y + ny - 2 - j];
      if (j + 1 < ry && a >= 0 && b >= 0 && a2 >= 0 && b2 >= 0) {
        const c2 = ky[j + 1];
        const sa = a * half, sb = b * half, sc = a2 * half, sd = b2 * half;
        for (let x = 0; x < half; x++) {
          acc[x] += c * (tmp[sa + x] + tmp[sb + x]) + c2 * (tmp[sc + x] + tmp[sd + x]);
        }
        j++;
      } else if (a >= 0 && b >= 0) {
        const sa = a * half, sb = b * half;
        for (let x = 0; x < half; x++) acc[x] += c * (tmp[sa + x] + tmp[sb + x]);
      } else {
        if (a >= 0) { for (let x = 0, sa = a * half; x < half; x++) acc[x] += c * tmp[sa + x]; }
        else constant += c * cvalRow;
        if (b >= 0) { for (let x = 0, sb = b * half; x < half; x++) acc[x] += c * tmp[sb + x]; }
        else constant += c * cvalRow;
      }
    }
    const row = dOff + y * w * dSt, right = row + half * dSt;
    for (let x = 0; x < half; x++) {
      const v = acc[x] + constant;
      const hi = Math.floor(v / L24), lo = v - hi * L24;
      clamp[row + x * dSt] = (lo + 32768) >>> 16;
      if (x + half < w) clamp[right + x * dSt] = (hi + 32768) >>> 16;
    }
  }
}

/** Row pass on packed pairs: `tmp[o + x]` = the two lanes' sums, re-spaced to 24 bits. */
function packedRowPass(
  packed: Float64Array,
  tmp: Float64Array,
  o: number,
  half: number,
  kx: Int32Array,
  first: number,
): void {
  const nx = kx.length, rx = nx >> 1, mid = kx[rx];
  if (nx === 1) {
    for (let x = 0; x < half; x++) {
      const acc = mid * packed[x];
      const hi = Math.floor(acc / L16);
      tmp[o + x] = acc - hi * L16 + hi * L24;
    }
    return;
  }
  for (let x = 0; x < half; x++) {
    let acc = mid * packed[x + rx];
    for (let i = first, e = x + nx - 1; i < rx; i++) acc += kx[i] * (packed[x + i] + packed[e - i]);
    // Move the upper lane from 16 to 24 bits.
    const hi = Math.floor(acc / L16);
    tmp[o + x] = acc - hi * L16 + hi * L24;
  }
}
