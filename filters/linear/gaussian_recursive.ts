/**
 * The O(1)-per-pixel Gaussian (`gaussian(…, { method: "fast" })`): a
 * Deriche-style 4th-order recursive filter (R. Deriche, "Recursively
 * implementing the Gaussian and its derivatives", INRIA RR-1893, 1993). The
 * Gaussian is approximated, for `t = |n| / σ`, by
 *
 *   `g(n) ≈ Σ_{k=1,2} (a_k cos(ω_k t) + b_k sin(ω_k t)) · exp(−λ_k t)`,
 *
 * i.e. a sum of two pairs of complex-conjugate exponentials, so filtering is
 * two complex first-order recursions per direction (causal for `n ≥ 0`,
 * anti-causal for `n > 0`): about 30 flops per sample and axis whatever sigma
 * is. The result is divided by the approximation's exact DC gain, so a flat
 * image stays flat exactly.
 *
 * Coefficients: Deriche's published 4-digit values give an L1 distance of
 * 5.5e-3 from the sampled Gaussian; the ones below were refitted (Nelder–Mead
 * then Powell, from Deriche's values, minimising that L1 distance at σ = 20)
 * and give, per axis, L1 ≤ 1.2e-3 and max error ≤ 8e-4 of the peak for every
 * σ from 0.5 to 100 (measured; tests/linear_gaussian_test.ts checks it). On an
 * image with values in a range `R`, the 2-D result is within about
 * `1.2e-3 · R` of the exact Gaussian (half the 2-D L1 distance times R).
 *
 * Borders: each line is padded by `p = ceil(6σ) + 2` samples with the
 * boundary mode applied to the input, and the recursions start from zero
 * state on the padding, so every boundary mode is honoured; the
 * approximation's tail beyond the padding weighs under 2e-5. Each recursion
 * runs over the padding on its starting side only (the far side cannot
 * reach the image), so the cost per pixel grows as `1 + 6σ / size` — 1.15×
 * at σ = 50 on a 2048-pixel line.
 *
 * Memory: the horizontal pass writes each row's result straight into the
 * intermediate; the vertical pass then runs over blocks of
 * {@linkcode COLUMN_BLOCK} columns (causal pass down, anti-causal pass up,
 * each with its state for the block's columns) and stores into the output
 * channel. Beyond the input and the output, a blur holds:
 *
 * - the intermediate (the horizontal result, which the vertical recursion
 *   needs for whole columns): none for an f32 output, where it lives in the
 *   output channel itself (the vertical pass stores each row only after its
 *   last read of it); for a u8 or u16 output, one float32 channel of
 *   `4·w·h` bytes, allocated once and reused for every channel (64 MiB at
 *   4096²); none either when `sigmaX` is 0 (the vertical pass reads the
 *   input in place) or `sigmaY` is 0 (the horizontal pass writes the output);
 * - the vertical stripe: `(h + 1) × COLUMN_BLOCK` float64 causal outputs,
 *   `1 MiB` per 1024 rows (4 MiB at h = 4096), plus six float64 rows of
 *   `COLUMN_BLOCK` (states and two output rows);
 * - the horizontal pass's two float64 lines and the index tables:
 *   `16·(w + 2p) + 4·(w + 2p) + 4·(h + 2p)` bytes.
 *
 * bench/memory.ts (4096² RGB f32, σ = 10) measures about 14 MiB beyond input
 * plus output, of which ~7 MiB is the process noise other filters show too
 * (was 523 MiB with float64 intermediate and output planes per channel).
 * Storing the intermediate as float32 rounds it once (relative error ≤ 2^-24),
 * which moves the result by at most about `6e-8 · max|input|` (the same
 * size as the f32 output's own rounding; ~5e-5 of the error bound above for
 * samples in `[0, R]`). On an integer output this changes a sample, by one
 * unit, only when its unrounded value lies that close to a rounding tie:
 * measured on the 512² RGB astronaut photograph for σ 0.5–50, ≤ 2 samples
 * of 786 432 in u8 and ≤ 0.05 % of them in u16; f32 outputs differ by
 * ≤ 6e-8 (values in [0, 1]) from a float64 intermediate.
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { type BoundaryMode, paddedIndices } from "../../core/boundary.ts";
import type { PixelArray } from "../../core/dtype.ts";
import {
  type OutputPlane,
  rowStorer,
  storeRow,
  type StridedPlane,
} from "../../core/strided_planes.ts";

/** The refitted Deriche coefficients `[a, b, ω, λ]` of the two pole pairs. */
export const DERICHE_COEFFICIENTS: readonly (readonly [number, number, number, number])[] = [
  [0.978019, 1.99641, 0.646498, 1.683052],
  [-0.344293, -0.092083, 2.065325, 1.624434],
];

/** Poles `z_k` and output weights `c_k / S` of the recursion for one sigma. */
interface Recursion {
  z1r: number;
  z1i: number;
  c1r: number;
  c1i: number;
  z2r: number;
  z2i: number;
  c2r: number;
  c2i: number;
}

function recursionFor(sigma: number): Recursion {
  const z: number[][] = [], c: number[][] = [];
  let gain = 0;
  for (const [a, b, w, l] of DERICHE_COEFFICIENTS) {
    const r = Math.exp(-l / sigma), th = w / sigma;
    const zr = r * Math.cos(th), zi = r * Math.sin(th);
    // a cos + b sin = Re[(a − ib) e^{iθ}]; the two-sided sum is Re[c (1 + z) / (1 − z)].
    const cr = a, ci = -b;
    const dr = 1 - zr, di = -zi, den = dr * dr + di * di;
    const qr = ((1 + zr) * dr + zi * di) / den, qi = (zi * dr - (1 + zr) * di) / den;
    gain += cr * qr - ci * qi;
    z.push([zr, zi]);
    c.push([cr, ci]);
  }
  return {
    z1r: z[0][0],
    z1i: z[0][1],
    c1r: c[0][0] / gain,
    c1i: c[0][1] / gain,
    z2r: z[1][0],
    z2i: z[1][1],
    c2r: c[1][0] / gain,
    c2i: c[1][1] / gain,
  };
}

/** Samples of padding per side for a sigma. */
export function fastGaussianPad(sigma: number): number {
  return Math.ceil(6 * sigma) + 2;
}

/**
 * Columns per block of the vertical pass. Its working set is a stripe of
 * `(h + 1) × COLUMN_BLOCK` float64 causal outputs (4 MiB for h = 4096), and each
 * padded row's loop runs over this many columns.
 */
export const COLUMN_BLOCK = 128;

/**
 * Filters the padded line `x[0 .. w + 2p)` and writes the result for the
 * samples `[p, p + w)` into `y[p .. p + w)` (the rest of `y` is scratch):
 * causal plus anti-causal parts.
 */
function filterLine(x: Float64Array, y: Float64Array, p: number, w: number, q: Recursion): void {
  const { z1r, z1i, c1r, c1i, z2r, z2i, c2r, c2i } = q;
  const end = p + w;
  let ar = 0, ai = 0, br = 0, bi = 0;
  // Causal: starts on the left padding; the right padding cannot reach y[p .. end).
  for (let i = 0; i < end; i++) {
    const v = x[i];
    const nar = v + z1r * ar - z1i * ai;
    ai = z1r * ai + z1i * ar;
    ar = nar;
    const nbr = v + z2r * br - z2i * bi;
    bi = z2r * bi + z2i * br;
    br = nbr;
    y[i] = c1r * ar - c1i * ai + c2r * br - c2i * bi;
  }
  ar =
    ai =
    br =
    bi =
      0;
  // Anti-causal: starts on the right padding (state only), outputs from end − 1 down to p.
  for (let i = end + p - 2; i >= end; i--) {
    const v = x[i + 1];
    const sr = v + ar, sb = v + br;
    const nar = z1r * sr - z1i * ai;
    ai = z1r * ai + z1i * sr;
    ar = nar;
    const nbr = z2r * sb - z2i * bi;
    bi = z2r * bi + z2i * sb;
    br = nbr;
  }
  for (let i = end - 1; i >= p; i--) {
    const v = x[i + 1];
    const sr = v + ar, sb = v + br;
    const nar = z1r * sr - z1i * ai;
    ai = z1r * ai + z1i * sr;
    ar = nar;
    const nbr = z2r * sb - z2i * bi;
    bi = z2r * bi + z2i * sb;
    br = nbr;
    y[i] += c1r * ar - c1i * ai + c2r * br - c2i * bi;
  }
}

/** Blurs one channel: reads `src` in place, writes the same-size result into `dst`. */
export type FastGaussianChannel = (src: StridedPlane, dst: OutputPlane) => void;

/**
 * Approximate Gaussian blur of `w × h` channels with standard deviations
 * `sigmaX`, `sigmaY` (0 = no blur along that axis). Returns the per-channel
 * blur: it reads a channel in place and writes the result straight into the
 * destination channel (any dtype; integers rounded half to even and
 * saturated). Its scratch buffers (see the module doc) are allocated once
 * and reused for every channel.
 */
export function fastGaussianBlur(
  w: number,
  h: number,
  sigmaX: number,
  sigmaY: number,
  boundary: BoundaryMode,
  cval = 0,
): FastGaussianChannel {
  const vertical = sigmaY > 0 ? verticalPass(w, h, sigmaY, boundary, cval) : undefined;
  const q = sigmaX > 0 ? recursionFor(sigmaX) : undefined;
  const p = q ? fastGaussianPad(sigmaX) : 0;
  const xs = paddedIndices(w, p, p, boundary);
  const line = new Float64Array(w + 2 * p), filtered = q ? new Float64Array(w + 2 * p) : line;
  let scratch: Float32Array | undefined;
  return (src, dst) => {
    if (vertical && !q) return vertical(src, dst); // the input itself is the intermediate
    // The horizontal pass's target: the output itself when nothing follows or
    // when it is f32; a float32 channel before the vertical pass otherwise.
    const mid: StridedPlane & { data: PixelArray } = !vertical || dst.data instanceof Float32Array
      ? dst
      : { data: scratch ??= new Float32Array(w * h), offset: 0, stride: 1 };
    const plane = src.data, st = src.stride;
    for (let y = 0; y < h; y++) {
      checkAbort();
      const s = src.offset + y * w * st;
      for (let i = 0; i < line.length; i++) {
        const sx = xs[i];
        line[i] = sx < 0 ? cval : plane[s + sx * st];
      }
      if (q) filterLine(line, filtered, p, w, q);
      storeRow(mid.data, mid.offset + y * w * mid.stride, mid.stride, filtered, p, w, 1);
    }
    if (vertical) vertical(mid, dst);
  };
}

/**
 * The recursion along y, in blocks of {@linkcode COLUMN_BLOCK} columns: for
 * each block, the causal pass runs down the padded rows and keeps its outputs
 * in a stripe, then the anti-causal pass runs up, adds the stripe and stores
 * into `dst`. `mid` may be `dst` itself: the anti-causal pass stores row
 * `d + 1` only after it has read it (one row late), and the padding rows it
 * reads (boundary images of interior rows) all come before its first store.
 */
function verticalPass(
  w: number,
  h: number,
  sigma: number,
  boundary: BoundaryMode,
  cval: number,
): FastGaussianChannel {
  const { z1r, z1i, c1r, c1i, z2r, z2i, c2r, c2i } = recursionFor(sigma);
  const p = fastGaussianPad(sigma), rows = h + 2 * p, B = Math.min(COLUMN_BLOCK, w);
  const ys = paddedIndices(h, p, p, boundary);
  // Causal outputs of rows 0 .. h − 1, and row h as a sink for the padding's.
  const stripe = new Float64Array((h + 1) * B);
  const ar = new Float64Array(B), ai = new Float64Array(B);
  const br = new Float64Array(B), bi = new Float64Array(B);
  let pending = new Float64Array(B), current = new Float64Array(B);
  return (mid, dst) => {
    const md = mid.data, mo = mid.offset, ms = mid.stride;
    const store = rowStorer(dst.data), ds = dst.stride;
    for (let x0 = 0; x0 < w; x0 += B) {
      const bw = Math.min(B, w - x0);
      ar.fill(0);
      ai.fill(0);
      br.fill(0);
      bi.fill(0);
      // Causal, down to the last image row (the bottom padding cannot reach it).
      for (let i = 0; i < p + h; i++) {
        const r = ys[i], outside = r < 0, base = mo + (r * w + x0) * ms;
        const a = i < p ? h * B : (i - p) * B;
        for (let x = 0; x < bw; x++) {
          const v = outside ? cval : md[base + x * ms];
          const nar = v + z1r * ar[x] - z1i * ai[x];
          ai[x] = z1r * ai[x] + z1i * ar[x];
          ar[x] = nar;
          const nbr = v + z2r * br[x] - z2i * bi[x];
          bi[x] = z2r * bi[x] + z2i * br[x];
          br[x] = nbr;
          stripe[a + x] = c1r * ar[x] - c1i * ai[x] + c2r * br[x] - c2i * bi[x];
        }
      }
      ar.fill(0);
      ai.fill(0);
      br.fill(0);
      bi.fill(0);
      // Anti-causal, up from the bottom padding; output row d = i − p uses rows > d.
      for (let i = rows - 2; i >= p; i--) {
        const r = ys[i + 1], outside = r < 0, base = mo + (r * w + x0) * ms;
        const d = i - p, a = d < h ? d * B : h * B;
        for (let x = 0; x < bw; x++) {
          const v = outside ? cval : md[base + x * ms];
          const sr = v + ar[x], sb = v + br[x];
          const nar = z1r * sr - z1i * ai[x];
          ai[x] = z1r * ai[x] + z1i * sr;
          ar[x] = nar;
          const nbr = z2r * sb - z2i * bi[x];
          bi[x] = z2r * bi[x] + z2i * sb;
          br[x] = nbr;
          current[x] = stripe[a + x] + (c1r * ar[x] - c1i * ai[x] + c2r * br[x] - c2i * bi[x]);
        }
        // Row d + 1 has now been read for the last time: store it.
        if (d + 1 < h) store(pending, bw, dst.offset + ((d + 1) * w + x0) * ds, ds);
        const t = pending;
        pending = current;
        current = t;
      }
      store(pending, bw, dst.offset + x0 * ds, ds);
    }
  };
}
