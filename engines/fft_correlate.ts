/**
 * FFT valid correlation: the real-input correlation of template matching,
 * kernel estimation, deconvolution and the linear family's overlap-save
 * engine, `out[y][x] = Σ_c Σ_j Σ_i K_c[j][i] · I_c[y + j][x + i]`, by the
 * float64 transform of `fft.ts` (its plans and stages, run here on
 * cache-sized blocks of columns), with the WebAssembly SIMD engine of
 * `fft_simd.ts` when SIMD is enabled.
 *
 * @module
 */

import { checkAbort } from "../core/abort.ts";
import { FilterError } from "../core/errors.ts";
import { batched, nextFastSize, type Plan, planFor, runStages, stage } from "./fft.ts";
import { simdCorrelateValid } from "./fft_simd.ts";

/** A real plane: row-major values with its width and height. */
export interface RealPlane {
  /** Row-major values. */
  data: ArrayLike<number>;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/** `dst[o …] = src[s …]`, `n` values (small, so the JIT optimises it early). */
function copyRow(dst: Float64Array, o: number, src: ArrayLike<number>, s: number, n: number): void {
  for (let x = 0; x < n; x++) dst[o + x] = src[s + x];
}

/** `dst[o + x] = −src[x]` for `x < n`. */
function copyRowNegated(dst: Float64Array, o: number, src: Float64Array, n: number): void {
  for (let x = 0; x < n; x++) dst[o + x] = -src[x];
}

/**
 * Kernel row spectra, columns `u0 … u0+b−1`, into the first `h` rows of a
 * column block (the rows below are zero: {@linkcode runStagesSparse} never
 * reads them).
 */
function gatherKernel(
  kbr: Float64Array,
  kbi: Float64Array,
  kr: Float64Array,
  ki: Float64Array,
  KW: number,
  u0: number,
  b: number,
  h: number,
): void {
  for (let v = 0; v < h; v++) {
    for (let q = 0, o = v * KW + u0, p = v * b; q < b; q++) {
      kbr[p + q] = kr[o + q];
      kbi[p + q] = ki[o + q];
    }
  }
}

/**
 * {@linkcode runStages} for a batch whose elements `j ≥ h` are all zero (and
 * are not read): when the first stage's sub-length `m` is at least `h`, only
 * its `t = 0` inputs are non-zero, so that stage reduces to scaling by the
 * twiddles. Used for the kernels' column transforms, which are mostly padding.
 */
function runStagesSparse(
  plan: Plan,
  s: number,
  h: number,
  ar: Float64Array,
  ai: Float64Array,
  br: Float64Array,
  bi: Float64Array,
): boolean {
  const st = plan.stages[0];
  if (!st || st.m < h) {
    ar.fill(0, h * s, plan.n * s);
    ai.fill(0, h * s, plan.n * s);
    return runStages(plan, s, ar, ai, br, bi);
  }
  const { r, m, wr, wi } = st;
  for (let p = 0; p < h; p++) {
    const ib = s * p, ob = s * r * p, wb = p * (r - 1);
    for (let q = 0; q < s; q++) {
      br[ob + q] = ar[ib + q];
      bi[ob + q] = ai[ib + q];
    }
    for (let u = 1; u < r; u++) {
      const w_r = wr[wb + u - 1], w_i = wi[wb + u - 1], o = ob + s * u;
      for (let q = 0; q < s; q++) {
        const xr = ar[ib + q], xi = ai[ib + q];
        br[o + q] = xr * w_r - xi * w_i;
        bi[o + q] = xr * w_i + xi * w_r;
      }
    }
  }
  br.fill(0, s * r * h, s * r * m);
  bi.fill(0, s * r * h, s * r * m);
  // The remaining stages, from (br, bi), batch s·r.
  let xr = br, xi = bi, yr = ar, yi = ai, t = s * r;
  for (let k = 1; k < plan.stages.length; k++) {
    const sk = plan.stages[k];
    stage(sk, t, xr, xi, yr, yi);
    t *= sk.r;
    const tr = xr, ti = xi;
    xr = yr;
    xi = yi;
    yr = tr;
    yi = ti;
  }
  return xr === br;
}

/**
 * Copies columns into a block (`[v·b + q]`): `u0 + q` when `mirrorEnd` is 0,
 * else the mirrors `N − (u0 + q)` of the columns `1 ≤ u0 + q ≤ mirrorEnd` (zero
 * for the others).
 */
function gather(
  xr: Float64Array,
  xi: Float64Array,
  ar: Float64Array,
  ai: Float64Array,
  N: number,
  L: number,
  M: number,
  u0: number,
  b: number,
  mirrorEnd: number,
): void {
  if (mirrorEnd === 0) {
    for (let v = 0, p = 0; v < M; v++) {
      for (let q = 0, o = v * L + u0; q < b; q++, p++) {
        xr[p] = ar[o + q];
        xi[p] = ai[o + q];
      }
    }
    return;
  }
  const q0 = u0 >= 1 ? 0 : 1 - u0, q1 = Math.min(b, mirrorEnd - u0 + 1);
  for (let v = 0, p = 0; v < M; v++, p += b) {
    const o = v * L + N - u0;
    for (let q = 0; q < q0; q++) xr[p + q] = xi[p + q] = 0;
    for (let q = q0; q < q1; q++) {
      xr[p + q] = ar[o - q];
      xi[p + q] = ai[o - q];
    }
    for (let q = q1; q < b; q++) xr[p + q] = xi[p + q] = 0;
  }
}

/** The inverse of {@linkcode gather}: writes a block back (mirrored columns when `mirrorEnd > 0`). */
function scatter(
  ar: Float64Array,
  ai: Float64Array,
  xr: Float64Array,
  xi: Float64Array,
  N: number,
  L: number,
  M: number,
  u0: number,
  b: number,
  mirrorEnd: number,
): void {
  if (mirrorEnd === 0) {
    for (let v = 0, p = 0; v < M; v++) {
      for (let q = 0, o = v * L + u0; q < b; q++, p++) {
        ar[o + q] = xr[p];
        ai[o + q] = xi[p];
      }
    }
    return;
  }
  const q0 = u0 >= 1 ? 0 : 1 - u0, q1 = Math.min(b, mirrorEnd - u0 + 1);
  for (let v = 0, p = 0; v < M; v++, p += b) {
    const o = v * L + N - u0;
    for (let q = q0; q < q1; q++) {
      ar[o - q] = xr[p + q];
      ai[o - q] = xi[p + q];
    }
  }
}

/** `P (=|+=) conj(Z)·K`, elementwise over `n` values. */
function accumulateDirect(
  dr: Float64Array,
  di: Float64Array,
  zr: Float64Array,
  zi: Float64Array,
  kr: Float64Array,
  ki: Float64Array,
  n: number,
  first: boolean,
): void {
  if (first) {
    for (let p = 0; p < n; p++) {
      const pr = zr[p], pi = zi[p], qr = kr[p], qi = ki[p];
      dr[p] = pr * qr + pi * qi;
      di[p] = pr * qi - pi * qr;
    }
  } else {
    for (let p = 0; p < n; p++) {
      const pr = zr[p], pi = zi[p], qr = kr[p], qi = ki[p];
      dr[p] += pr * qr + pi * qi;
      di[p] += pr * qi - pi * qr;
    }
  }
}

/** `P[v][q] (=|+=) conj(Z[v][q] · K[−v][q])` over an `M × b` block. */
function accumulateMirror(
  mr: Float64Array,
  mi: Float64Array,
  zr: Float64Array,
  zi: Float64Array,
  kr: Float64Array,
  ki: Float64Array,
  M: number,
  b: number,
  first: boolean,
): void {
  for (let v = 0, p = 0; v < M; v++) {
    const kv = (v === 0 ? 0 : M - v) * b;
    if (first) {
      for (let q = 0; q < b; q++, p++) {
        const pr = zr[p], pi = zi[p], qr = kr[kv + q], qi = ki[kv + q];
        mr[p] = pr * qr - pi * qi;
        mi[p] = -(pr * qi + pi * qr);
      }
    } else {
      for (let q = 0; q < b; q++, p++) {
        const pr = zr[p], pi = zi[p], qr = kr[kv + q], qi = ki[kv + q];
        mr[p] += pr * qr - pi * qi;
        mi[p] -= pr * qi + pi * qr;
      }
    }
  }
}

/**
 * Large work arrays of {@linkcode correlateValidFFT}, kept between calls
 * through weak references: repeated calls at one size reuse the pages instead
 * of faulting in tens of megabytes of fresh zeroed memory each time, and the
 * garbage collector may still reclaim them whenever it runs.
 */
const workArrays = new Map<string, WeakRef<Float64Array>>();

/** A work array of `length` for `key` (contents unspecified: callers clear what they read). */
function workArray(key: string, length: number): Float64Array {
  const cached = workArrays.get(key)?.deref();
  if (cached && cached.length === length) return cached;
  const a = new Float64Array(length);
  workArrays.set(key, new WeakRef(a));
  return a;
}

/** `out` when given (checked to have `n` values), else a new array. */
function outputArray(out: Float64Array | undefined, n: number, what: string): Float64Array {
  if (!out) return new Float64Array(n);
  if (out.length !== n) {
    throw new FilterError(
      "SIZE_MISMATCH",
      `${what}: out has length ${out.length}; the valid correlation has ${n} values`,
    );
  }
  return out;
}

/** Columns per block in the fused column pass of {@linkcode correlateValidFFT}. */
const CORR_BLOCK = 8;

/**
 * Valid-mode cross-correlation summed over pairs of real planes, by FFT in
 * float64: `out[y][x] = Σ_c Σ_j Σ_i K_c[j][i] · I_c[y + j][x + i]`, size
 * `(W − w + 1) × (H − h + 1)`. All images share one size and all kernels
 * another (no larger than the images). The output rows are split in two
 * halves whose input rows travel as the real and imaginary parts of one
 * complex transform (correlation with a real kernel keeps them apart), the
 * kernels' spectra use Hermitian symmetry, and the channel sum is taken in
 * the frequency domain: `c` channels cost `c` forward transforms of about
 * half the image, one inverse, and `c` half-cost kernel spectra.
 *
 * The column transforms run in cache-sized blocks of columns: for each block
 * the forward column transforms, the product with the kernel spectrum, the
 * channel sum and the inverse column transforms happen while the block is in
 * cache, and the block of columns `u` travels with its mirror `N − u` so that
 * only half of each kernel spectrum is ever computed. Large work planes are
 * reused between calls of the same size (held through weak references).
 *
 * `out`, if given, must have `(W − w + 1)·(H − h + 1)` values; the result is
 * written there and returned (callers that correlate repeatedly avoid a large
 * fresh allocation per call).
 *
 * With WebAssembly SIMD (unless `IMFILTER_SIMD=0` or `withSimd(false, …)`)
 * the same algorithm runs in float64 f64x2 vectors (`engines/fft_simd.ts`),
 * about twice as fast; it differs from the TypeScript transform only by
 * rounding (radix 4 where this file uses radix 8).
 *
 * @example
 * ```ts
 * import { correlateValidFFT } from "@imfilter/imfilter";
 * const img = { data: [1, 2, 3, 4, 5, 6], width: 3, height: 2 };
 * const k = { data: [1, 1], width: 2, height: 1 };
 * console.log(Array.from(correlateValidFFT([img], [k]), Math.round)); // [3, 5, 9, 11]
 * ```
 */
export function correlateValidFFT(
  images: readonly RealPlane[],
  kernels: readonly RealPlane[],
  out?: Float64Array,
): Float64Array {
  if (images.length === 0 || images.length !== kernels.length) {
    throw new FilterError(
      "SIZE_MISMATCH",
      `correlateValidFFT: ${images.length} images and ${kernels.length} kernels; ` +
        `give one kernel per image, at least one`,
    );
  }
  const W = images[0].width, H = images[0].height;
  const w = kernels[0].width, h = kernels[0].height;
  if (w > W || h > H) {
    throw new FilterError(
      "SIZE_MISMATCH",
      `correlateValidFFT: kernel ${w}x${h} is larger than the ${W}x${H} image`,
    );
  }
  for (let c = 0; c < images.length; c++) {
    const img = images[c], ker = kernels[c];
    if (img.width !== W || img.height !== H || ker.width !== w || ker.height !== h) {
      throw new FilterError(
        "SIZE_MISMATCH",
        `correlateValidFFT: plane ${c} is ${img.width}x${img.height} with a ` +
          `${ker.width}x${ker.height} kernel; expected ${W}x${H} and ${w}x${h}`,
      );
    }
  }
  const ow = W - w + 1, oh = H - h + 1;
  const simd = simdCorrelateValid(
    images.map((p) => ({ data: p.data, offset: 0, tap: 1 })),
    W,
    H,
    kernels,
    w,
    h,
    nextFastSize,
  );
  if (simd?.num) {
    const res = outputArray(out, ow * oh, "correlateValidFFT");
    res.set(simd.num);
    return res;
  }
  // Output rows [0, o1) come from input rows [0, o1 + h − 1) (real part),
  // rows [o1, oh) from input rows [o1, H) (imaginary part). Circular
  // correlation of length N ≥ W (M ≥ rowsA) has no wrap-around on the valid part.
  const o1 = Math.ceil(oh / 2), rowsA = o1 + h - 1, rowsB = oh > o1 ? H - o1 : 0;
  const N = nextFastSize(W), M = nextFastSize(rowsA);
  // Rows of the work planes are L = N + 8 apart: a power-of-two stride
  // would map a block's column reads onto a few cache sets.
  const L = N + 8, C = images.length, size = N * M, half = N >> 1, KW = half + 1;
  const rowPlan = planFor(N), colPlan = planFor(M);
  const sr = new Float64Array(N), si = new Float64Array(N);
  const tr = new Float64Array(N), ti = new Float64Array(N);
  // 1. Row transforms of each channel's packed rows (rows ≥ rowsA stay zero).
  const zr: Float64Array[] = [], zi: Float64Array[] = [];
  for (let c = 0; c < C; c++) {
    checkAbort();
    const re = workArray(`re${c}`, L * M), im = workArray(`im${c}`, L * M), d = images[c].data;
    re.fill(0, rowsA * L);
    im.fill(0, Math.min(rowsB, rowsA) * L);
    for (let y = 0; y < rowsA; y++) {
      const o = y * L;
      copyRow(re, o, d, y * W, W);
      if (y < rowsB) copyRow(im, o, d, (y + o1) * W, W);
      if (N > W) {
        re.fill(0, o + W, o + N);
        if (y < rowsB) im.fill(0, o + W, o + N);
      }
      if (N > 1) batched(rowPlan, 1, re.subarray(o, o + N), im.subarray(o, o + N), sr, si);
    }
    zr.push(re);
    zi.push(im);
  }
  // 2. Row spectra of the kernels' rows, columns 0…N/2, scaled by 1/(N·M)
  // (the inverse's scale); two real rows per complex transform.
  const f = 1 / size;
  const kR: Float64Array[] = [], kI: Float64Array[] = [];
  for (let c = 0; c < C; c++) {
    checkAbort();
    const re = new Float64Array(h * KW), im = new Float64Array(h * KW), d = kernels[c].data;
    for (let j = 0; j < h; j += 2) {
      sr.fill(0);
      si.fill(0);
      const two = j + 1 < h;
      for (let x = 0; x < w; x++) {
        sr[x] = d[j * w + x];
        if (two) si[x] = d[(j + 1) * w + x];
      }
      if (N > 1) batched(rowPlan, 1, sr, si, tr, ti);
      for (let u = 0, o = j * KW; u < KW; u++) {
        const un = u === 0 ? 0 : N - u;
        const pr = sr[u], pi = si[u], qr = sr[un], qi = -si[un];
        re[o + u] = 0.5 * f * (pr + qr);
        im[o + u] = 0.5 * f * (pi + qi);
        if (two) {
          re[o + KW + u] = 0.5 * f * (pi - qi);
          im[o + KW + u] = -0.5 * f * (pr - qr);
        }
      }
    }
    kR.push(re);
    kI.push(im);
  }
  // 3. Column blocks: columns u0…u0+b−1 (≤ N/2) and their mirrors N − u.
  // The product is stored conjugated, P = conj(Z·conj(K)) / (N·M), so that
  // the inverse is a forward transform: IFFT(Z·conj K) = conj(FFT(P)).
  const B = Math.min(CORR_BLOCK, KW), bm = B * M;
  const xr = new Float64Array(bm), xi = new Float64Array(bm);
  const yr = new Float64Array(bm), yi = new Float64Array(bm);
  const kbr = new Float64Array(bm), kbi = new Float64Array(bm);
  const dr = new Float64Array(bm), di = new Float64Array(bm);
  const mr = new Float64Array(bm), mi = new Float64Array(bm);
  const mirrorEnd = N - half - 1; // columns 1…mirrorEnd have a distinct mirror N − u
  const outR = zr[0], outI = zi[0];
  for (let u0 = 0; u0 < KW; u0 += B) {
    const b = Math.min(B, KW - u0), n = b * M;
    const mirror = mirrorEnd >= 1 && u0 + b - 1 >= 1 && u0 <= mirrorEnd;
    for (let c = 0; c < C; c++) {
      checkAbort();
      // Kernel column spectra of this block (rows ≥ h are zero).
      gatherKernel(kbr, kbi, kR[c], kI[c], KW, u0, b, h);
      if (runStagesSparse(colPlan, b, h, kbr, kbi, yr, yi)) {
        kbr.set(yr.subarray(0, n));
        kbi.set(yi.subarray(0, n));
      }
      // Direct block: P += conj(Z)·K.
      gather(xr, xi, zr[c], zi[c], N, L, M, u0, b, 0);
      let zIn = runStages(colPlan, b, xr, xi, yr, yi);
      accumulateDirect(dr, di, zIn ? yr : xr, zIn ? yi : xi, kbr, kbi, n, c === 0);
      if (!mirror) continue;
      // Mirror block, column N − (u0 + q) at q: K[v][N − u] = conj K[−v][u],
      // so P += conj(Z · K[−v][u]).
      gather(xr, xi, zr[c], zi[c], N, L, M, u0, b, mirrorEnd);
      zIn = runStages(colPlan, b, xr, xi, yr, yi);
      accumulateMirror(mr, mi, zIn ? yr : xr, zIn ? yi : xi, kbr, kbi, M, b, c === 0);
    }
    // Inverse column transforms, written back over channel 0's columns.
    let inY = runStages(colPlan, b, dr, di, yr, yi);
    scatter(outR, outI, inY ? yr : dr, inY ? yi : di, N, L, M, u0, b, 0);
    if (!mirror) continue;
    inY = runStages(colPlan, b, mr, mi, yr, yi);
    scatter(outR, outI, inY ? yr : mr, inY ? yi : mi, N, L, M, u0, b, mirrorEnd);
  }
  // 4. Inverse row transforms of the rows that hold output, then the halves.
  const res = outputArray(out, ow * oh, "correlateValidFFT");
  for (let y = 0; y < o1; y++) {
    const o = y * L;
    const re = outR.subarray(o, o + N), im = outI.subarray(o, o + N);
    if (N > 1) batched(rowPlan, 1, re, im, sr, si);
    copyRow(res, y * ow, re, 0, ow);
    if (y + o1 < oh) copyRowNegated(res, (y + o1) * ow, im, ow);
  }
  return res;
}

/**
 * Valid-mode correlation summed over channels, like {@linkcode correlateValidFFT},
 * computed by FFT or by the direct float64 sum, whichever costs fewer
 * operations (small kernels go direct). `out`, if given, receives the result
 * as in {@linkcode correlateValidFFT}.
 *
 * @example
 * ```ts
 * import { correlateValid } from "@imfilter/imfilter";
 * const img = { data: [1, 2, 3, 4, 5, 6], width: 3, height: 2 };
 * const k = { data: [1, -1], width: 1, height: 2 };
 * console.log(Array.from(correlateValid([img], [k]))); // [-3, -3, -3]
 * ```
 */
export function correlateValid(
  images: readonly RealPlane[],
  kernels: readonly RealPlane[],
  out?: Float64Array,
): Float64Array {
  if (images.length === 0 || images.length !== kernels.length) {
    return correlateValidFFT(images, kernels, out);
  }
  const W = images[0].width, H = images[0].height, w = kernels[0].width, h = kernels[0].height;
  const ow = W - w + 1, oh = H - h + 1, c = images.length;
  const n = nextFastSize(W) * nextFastSize(H);
  if (ow < 1 || oh < 1 || ow * oh * w * h * c > (c + 1) * n * (Math.log2(n) + 2) * 2) {
    return correlateValidFFT(images, kernels, out);
  }
  const res = outputArray(out, ow * oh, "correlateValid");
  res.fill(0);
  for (let k = 0; k < c; k++) {
    const I = images[k].data, K = kernels[k].data;
    if (
      images[k].width !== W || images[k].height !== H || kernels[k].width !== w ||
      kernels[k].height !== h
    ) {
      return correlateValidFFT(images, kernels, out); // reports the mismatch
    }
    for (let y = 0; y < oh; y++) {
      const orow = y * ow;
      for (let j = 0; j < h; j++) {
        const irow = (y + j) * W;
        for (let i = 0; i < w; i++) {
          const t = K[j * w + i];
          if (t === 0) continue;
          const base = irow + i;
          for (let x = 0; x < ow; x++) res[orow + x] += t * I[base + x];
        }
      }
    }
  }
  return res;
}
