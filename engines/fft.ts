/**
 * A float64 fast Fourier transform: mixed-radix (4, 2, 3, 5 and a generic
 * odd radix) Stockham autosort, in place from the caller's point of view,
 * plus 2-D transforms and the real-input correlation helper used by
 * template matching, kernel estimation and deconvolution.
 *
 * Conventions: the forward transform is `X[k] = Σ x[j]·exp(−2πi·jk/n)`; the
 * inverse uses `exp(+2πi·jk/n)` and divides by `n`, so `fft(…, true)` undoes
 * `fft(…)` exactly up to rounding. Any length works (a prime factor `p`
 * costs `O(p)` per element); {@linkcode nextFastSize} gives the smallest
 * `2^a·3^b·5^c` length at least `n`, which is the fast case.
 *
 * @module
 */

import { FilterError } from "../core/errors.ts";
import { simdCorrelateValid } from "./fft_simd.ts";

/**
 * The smallest `m ≥ n` of the form `2^a·3^b·5^c` (a fast FFT length).
 *
 * @example
 * ```ts
 * import { nextFastSize } from "@imfilter/imfilter";
 * console.log(nextFastSize(97), nextFastSize(1025)); // 100 1080
 * ```
 */
export function nextFastSize(n: number): number {
  if (!Number.isFinite(n) || n <= 1) return 1;
  n = Math.ceil(n);
  let best = Infinity;
  for (let p5 = 1; p5 < 2 * n; p5 *= 5) {
    for (let p35 = p5; p35 < 2 * n; p35 *= 3) {
      let m = p35;
      while (m < n) m *= 2;
      if (m < best) best = m;
    }
  }
  return best;
}

interface Stage {
  /** Radix of this stage. */
  r: number;
  /** Sub-transform length after this stage (`n / r` of the current length). */
  m: number;
  /** Twiddles `exp(−2πi·p·u / (r·m))`, `[p*(r−1) + u − 1]`, re and im. */
  wr: Float64Array;
  wi: Float64Array;
}

interface Plan {
  n: number;
  stages: Stage[];
}

const plans = new Map<number, Plan>();

/**
 * The radices of an `n`-point transform: 8s (unless `radix8` is false), 4s,
 * a 2, 3s, 5s, then any larger primes — reversed, so odd radices come first
 * and radix 8 last (measured a few per cent faster, e.g. for 1080).
 */
export function factorize(n: number, radix8 = true): number[] {
  const f: number[] = [];
  while (radix8 && n % 8 === 0) {
    f.push(8);
    n /= 8;
  }
  while (n % 4 === 0) {
    f.push(4);
    n /= 4;
  }
  if (n % 2 === 0) {
    f.push(2);
    n /= 2;
  }
  for (let p = 3; n > 1; p += 2) {
    while (n % p === 0) {
      f.push(p);
      n /= p;
    }
    if (p * p > n && n > 1) {
      f.push(n);
      break;
    }
  }
  return f.reverse();
}

function planFor(n: number): Plan {
  let plan = plans.get(n);
  if (plan) return plan;
  const stages: Stage[] = [];
  let len = n;
  for (const r of factorize(n)) {
    const m = len / r;
    const wr = new Float64Array(m * (r - 1)), wi = new Float64Array(m * (r - 1));
    for (let p = 0; p < m; p++) {
      for (let u = 1; u < r; u++) {
        const a = (-2 * Math.PI * p * u) / len;
        wr[p * (r - 1) + u - 1] = Math.cos(a);
        wi[p * (r - 1) + u - 1] = Math.sin(a);
      }
    }
    stages.push({ r, m, wr, wi });
    len = m;
  }
  plan = { n, stages };
  if (plans.size > 64) plans.clear();
  plans.set(n, plan);
  return plan;
}

const SIN60 = Math.sqrt(3) / 2;
const C51 = Math.cos((2 * Math.PI) / 5), S51 = Math.sin((2 * Math.PI) / 5);
const C52 = Math.cos((4 * Math.PI) / 5), S52 = Math.sin((4 * Math.PI) / 5);

/**
 * One Stockham stage for a batch of `s` interleaved transforms: reads
 * `x[q + s·(p + t·m)]`, writes `y[q + s·(r·p + u)]`. Forward direction;
 * the inverse is done by conjugation around the forward transform. Each
 * radix has its own function so that the JIT optimises each tight loop alone.
 */
function stage(
  st: Stage,
  s: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): void {
  switch (st.r) {
    case 8:
      return radix8(st, s, xr, xi, yr, yi);
    case 4:
      return radix4(st, s, xr, xi, yr, yi);
    case 2:
      return radix2(st, s, xr, xi, yr, yi);
    case 3:
      return radix3(st, s, xr, xi, yr, yi);
    case 5:
      return radix5(st, s, xr, xi, yr, yi);
    default:
      return genericStage(st, s, xr, xi, yr, yi);
  }
}

const SQRT1_2 = Math.SQRT1_2;

function radix8(
  st: Stage,
  s: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): void {
  const { m, wr, wi } = st;
  const sm = s * m;
  for (let p = 0; p < m; p++) {
    const wb = 7 * p, ib = s * p, ob = s * 8 * p;
    const twiddle = p > 0;
    for (let q = 0; q < s; q++) {
      const i0 = ib + q;
      const a0r = xr[i0], a0i = xi[i0];
      const a1r = xr[i0 + sm], a1i = xi[i0 + sm];
      const a2r = xr[i0 + 2 * sm], a2i = xi[i0 + 2 * sm];
      const a3r = xr[i0 + 3 * sm], a3i = xi[i0 + 3 * sm];
      const a4r = xr[i0 + 4 * sm], a4i = xi[i0 + 4 * sm];
      const a5r = xr[i0 + 5 * sm], a5i = xi[i0 + 5 * sm];
      const a6r = xr[i0 + 6 * sm], a6i = xi[i0 + 6 * sm];
      const a7r = xr[i0 + 7 * sm], a7i = xi[i0 + 7 * sm];
      // b_t = a_t + a_{t+4}; c_t = (a_t − a_{t+4})·ω8^t
      const b0r = a0r + a4r, b0i = a0i + a4i, b1r = a1r + a5r, b1i = a1i + a5i;
      const b2r = a2r + a6r, b2i = a2i + a6i, b3r = a3r + a7r, b3i = a3i + a7i;
      const c0r = a0r - a4r, c0i = a0i - a4i;
      const d1r = a1r - a5r, d1i = a1i - a5i;
      const c1r = SQRT1_2 * (d1r + d1i), c1i = SQRT1_2 * (d1i - d1r);
      const c2r = a2i - a6i, c2i = a6r - a2r;
      const d3r = a3r - a7r, d3i = a3i - a7i;
      const c3r = SQRT1_2 * (d3i - d3r), c3i = -SQRT1_2 * (d3r + d3i);
      // Even outputs: 4-point DFT of b; odd outputs: 4-point DFT of c.
      const e0r = b0r + b2r, e0i = b0i + b2i, e1r = b0r - b2r, e1i = b0i - b2i;
      const e2r = b1r + b3r, e2i = b1i + b3i, e3r = b1r - b3r, e3i = b1i - b3i;
      const f0r = c0r + c2r, f0i = c0i + c2i, f1r = c0r - c2r, f1i = c0i - c2i;
      const f2r = c1r + c3r, f2i = c1i + c3i, f3r = c1r - c3r, f3i = c1i - c3i;
      const y0r = e0r + e2r, y0i = e0i + e2i;
      const y2r = e1r + e3i, y2i = e1i - e3r;
      const y4r = e0r - e2r, y4i = e0i - e2i;
      const y6r = e1r - e3i, y6i = e1i + e3r;
      const y1r = f0r + f2r, y1i = f0i + f2i;
      const y3r = f1r + f3i, y3i = f1i - f3r;
      const y5r = f0r - f2r, y5i = f0i - f2i;
      const y7r = f1r - f3i, y7i = f1i + f3r;
      const o0 = ob + q;
      yr[o0] = y0r;
      yi[o0] = y0i;
      if (twiddle) {
        let w_r = wr[wb], w_i = wi[wb];
        yr[o0 + s] = y1r * w_r - y1i * w_i;
        yi[o0 + s] = y1r * w_i + y1i * w_r;
        w_r = wr[wb + 1];
        w_i = wi[wb + 1];
        yr[o0 + 2 * s] = y2r * w_r - y2i * w_i;
        yi[o0 + 2 * s] = y2r * w_i + y2i * w_r;
        w_r = wr[wb + 2];
        w_i = wi[wb + 2];
        yr[o0 + 3 * s] = y3r * w_r - y3i * w_i;
        yi[o0 + 3 * s] = y3r * w_i + y3i * w_r;
        w_r = wr[wb + 3];
        w_i = wi[wb + 3];
        yr[o0 + 4 * s] = y4r * w_r - y4i * w_i;
        yi[o0 + 4 * s] = y4r * w_i + y4i * w_r;
        w_r = wr[wb + 4];
        w_i = wi[wb + 4];
        yr[o0 + 5 * s] = y5r * w_r - y5i * w_i;
        yi[o0 + 5 * s] = y5r * w_i + y5i * w_r;
        w_r = wr[wb + 5];
        w_i = wi[wb + 5];
        yr[o0 + 6 * s] = y6r * w_r - y6i * w_i;
        yi[o0 + 6 * s] = y6r * w_i + y6i * w_r;
        w_r = wr[wb + 6];
        w_i = wi[wb + 6];
        yr[o0 + 7 * s] = y7r * w_r - y7i * w_i;
        yi[o0 + 7 * s] = y7r * w_i + y7i * w_r;
      } else {
        yr[o0 + s] = y1r;
        yi[o0 + s] = y1i;
        yr[o0 + 2 * s] = y2r;
        yi[o0 + 2 * s] = y2i;
        yr[o0 + 3 * s] = y3r;
        yi[o0 + 3 * s] = y3i;
        yr[o0 + 4 * s] = y4r;
        yi[o0 + 4 * s] = y4i;
        yr[o0 + 5 * s] = y5r;
        yi[o0 + 5 * s] = y5i;
        yr[o0 + 6 * s] = y6r;
        yi[o0 + 6 * s] = y6i;
        yr[o0 + 7 * s] = y7r;
        yi[o0 + 7 * s] = y7i;
      }
    }
  }
}

function radix4(
  st: Stage,
  s: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): void {
  const { m, wr, wi } = st;
  const sm = s * m;
  for (let p = 0; p < m; p++) {
    const w1r = wr[3 * p], w1i = wi[3 * p];
    const w2r = wr[3 * p + 1], w2i = wi[3 * p + 1];
    const w3r = wr[3 * p + 2], w3i = wi[3 * p + 2];
    const ib = s * p, ob = s * 4 * p;
    for (let q = 0; q < s; q++) {
      const i0 = ib + q, i1 = i0 + sm, i2 = i1 + sm, i3 = i2 + sm;
      const ar = xr[i0], ai = xi[i0], br = xr[i1], bi = xi[i1];
      const cr = xr[i2], ci = xi[i2], dr = xr[i3], di = xi[i3];
      const t0r = ar + cr, t0i = ai + ci, t1r = ar - cr, t1i = ai - ci;
      const t2r = br + dr, t2i = bi + di, t3r = br - dr, t3i = bi - di;
      // y0 = t0 + t2; y1 = t1 − i·t3; y2 = t0 − t2; y3 = t1 + i·t3
      const o0 = ob + q, o1 = o0 + s, o2 = o1 + s, o3 = o2 + s;
      yr[o0] = t0r + t2r;
      yi[o0] = t0i + t2i;
      const y1r = t1r + t3i, y1i = t1i - t3r;
      const y2r = t0r - t2r, y2i = t0i - t2i;
      const y3r = t1r - t3i, y3i = t1i + t3r;
      yr[o1] = y1r * w1r - y1i * w1i;
      yi[o1] = y1r * w1i + y1i * w1r;
      yr[o2] = y2r * w2r - y2i * w2i;
      yi[o2] = y2r * w2i + y2i * w2r;
      yr[o3] = y3r * w3r - y3i * w3i;
      yi[o3] = y3r * w3i + y3i * w3r;
    }
  }
}

function radix2(
  st: Stage,
  s: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): void {
  const { m, wr, wi } = st;
  const sm = s * m;
  for (let p = 0; p < m; p++) {
    const w1r = wr[p], w1i = wi[p];
    const ib = s * p, ob = s * 2 * p;
    for (let q = 0; q < s; q++) {
      const i0 = ib + q, i1 = i0 + sm;
      const ar = xr[i0], ai = xi[i0], br = xr[i1], bi = xi[i1];
      const o0 = ob + q, o1 = o0 + s;
      yr[o0] = ar + br;
      yi[o0] = ai + bi;
      const dr = ar - br, di = ai - bi;
      yr[o1] = dr * w1r - di * w1i;
      yi[o1] = dr * w1i + di * w1r;
    }
  }
}

function radix3(
  st: Stage,
  s: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): void {
  const { m, wr, wi } = st;
  const sm = s * m;
  for (let p = 0; p < m; p++) {
    const w1r = wr[2 * p], w1i = wi[2 * p], w2r = wr[2 * p + 1], w2i = wi[2 * p + 1];
    const ib = s * p, ob = s * 3 * p;
    for (let q = 0; q < s; q++) {
      const i0 = ib + q, i1 = i0 + sm, i2 = i1 + sm;
      const ar = xr[i0], ai = xi[i0];
      const sr = xr[i1] + xr[i2], si = xi[i1] + xi[i2];
      const dr = xr[i1] - xr[i2], di = xi[i1] - xi[i2];
      const mr = ar - 0.5 * sr, mi = ai - 0.5 * si;
      // y1 = m − i·sin60·d, y2 = m + i·sin60·d
      const y1r = mr + SIN60 * di, y1i = mi - SIN60 * dr;
      const y2r = mr - SIN60 * di, y2i = mi + SIN60 * dr;
      const o0 = ob + q, o1 = o0 + s, o2 = o1 + s;
      yr[o0] = ar + sr;
      yi[o0] = ai + si;
      yr[o1] = y1r * w1r - y1i * w1i;
      yi[o1] = y1r * w1i + y1i * w1r;
      yr[o2] = y2r * w2r - y2i * w2i;
      yi[o2] = y2r * w2i + y2i * w2r;
    }
  }
}

function radix5(
  st: Stage,
  s: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): void {
  const { m, wr, wi } = st;
  const sm = s * m;
  for (let p = 0; p < m; p++) {
    const b = 4 * p;
    const w1r = wr[b], w1i = wi[b], w2r = wr[b + 1], w2i = wi[b + 1];
    const w3r = wr[b + 2], w3i = wi[b + 2], w4r = wr[b + 3], w4i = wi[b + 3];
    const ib = s * p, ob = s * 5 * p;
    for (let q = 0; q < s; q++) {
      const i0 = ib + q, i1 = i0 + sm, i2 = i1 + sm, i3 = i2 + sm, i4 = i3 + sm;
      const ar = xr[i0], ai = xi[i0];
      const s1r = xr[i1] + xr[i4], s1i = xi[i1] + xi[i4];
      const d1r = xr[i1] - xr[i4], d1i = xi[i1] - xi[i4];
      const s2r = xr[i2] + xr[i3], s2i = xi[i2] + xi[i3];
      const d2r = xr[i2] - xr[i3], d2i = xi[i2] - xi[i3];
      const m1r = ar + C51 * s1r + C52 * s2r, m1i = ai + C51 * s1i + C52 * s2i;
      const m2r = ar + C52 * s1r + C51 * s2r, m2i = ai + C52 * s1i + C51 * s2i;
      // forward: y_u = Σ x_t·e^{−2πi tu/5}; the odd part multiplies by −i.
      const n1r = S51 * d1r + S52 * d2r, n1i = S51 * d1i + S52 * d2i;
      const n2r = S52 * d1r - S51 * d2r, n2i = S52 * d1i - S51 * d2i;
      const y1r = m1r + n1i, y1i = m1i - n1r, y4r = m1r - n1i, y4i = m1i + n1r;
      const y2r = m2r + n2i, y2i = m2i - n2r, y3r = m2r - n2i, y3i = m2i + n2r;
      const o0 = ob + q, o1 = o0 + s, o2 = o1 + s, o3 = o2 + s, o4 = o3 + s;
      yr[o0] = ar + s1r + s2r;
      yi[o0] = ai + s1i + s2i;
      yr[o1] = y1r * w1r - y1i * w1i;
      yi[o1] = y1r * w1i + y1i * w1r;
      yr[o2] = y2r * w2r - y2i * w2i;
      yi[o2] = y2r * w2i + y2i * w2r;
      yr[o3] = y3r * w3r - y3i * w3i;
      yi[o3] = y3r * w3i + y3i * w3r;
      yr[o4] = y4r * w4r - y4i * w4i;
      yi[o4] = y4r * w4i + y4i * w4r;
    }
  }
}

function genericStage(
  st: Stage,
  s: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): void {
  const { r, m, wr, wi } = st;
  const cr = new Float64Array(r), ci = new Float64Array(r);
  for (let k = 0; k < r; k++) {
    cr[k] = Math.cos((-2 * Math.PI * k) / r);
    ci[k] = Math.sin((-2 * Math.PI * k) / r);
  }
  const sm = s * m;
  for (let p = 0; p < m; p++) {
    for (let q = 0; q < s; q++) {
      const i0 = s * p + q, o0 = s * r * p + q;
      for (let u = 0; u < r; u++) {
        let accr = 0, acci = 0;
        for (let t = 0, idx = 0; t < r; t++, idx = (idx + u) % r) {
          const a = xr[i0 + t * sm], b = xi[i0 + t * sm];
          accr += a * cr[idx] - b * ci[idx];
          acci += a * ci[idx] + b * cr[idx];
        }
        if (u > 0) {
          const w = p * (r - 1) + u - 1;
          const tr = accr * wr[w] - acci * wi[w];
          acci = accr * wi[w] + acci * wr[w];
          accr = tr;
        }
        yr[o0 + s * u] = accr;
        yi[o0 + s * u] = acci;
      }
    }
  }
}

/**
 * Runs the forward transform of `s` interleaved sequences of length
 * `plan.n` (element `j` of sequence `q` at `q + s·j`) in place in `(ar, ai)`,
 * using `(br, bi)` as scratch of the same size.
 */
function batched(
  plan: Plan,
  s0: number,
  ar: Float64Array,
  ai: Float64Array,
  br: Float64Array,
  bi: Float64Array,
): void {
  if (runStages(plan, s0, ar, ai, br, bi)) {
    ar.set(br.subarray(0, ar.length));
    ai.set(bi.subarray(0, ai.length));
  }
}

/**
 * Like {@linkcode batched} but leaves the result where the last stage wrote
 * it: returns true when that is `(br, bi)` (odd stage count), false for `(ar, ai)`.
 */
function runStages(
  plan: Plan,
  s0: number,
  ar: Float64Array,
  ai: Float64Array,
  br: Float64Array,
  bi: Float64Array,
): boolean {
  let xr = ar, xi = ai, yr = br, yi = bi, s = s0;
  for (const st of plan.stages) {
    stage(st, s, xr, xi, yr, yi);
    s *= st.r;
    const tr = xr, ti = xi;
    xr = yr;
    xi = yi;
    yr = tr;
    yi = ti;
  }
  return xr !== ar;
}

function negate(a: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] = -a[i];
}

/** `(re, im) ← conj(re + i·im)·f`, in one pass. */
function conjugateScale(re: Float64Array, im: Float64Array, f: number): void {
  for (let i = 0; i < re.length; i++) {
    re[i] *= f;
    im[i] *= -f;
  }
}

function checkPair(re: Float64Array, im: Float64Array, n: number, what: string): void {
  if (re.length !== n || im.length !== n) {
    throw new FilterError(
      "SIZE_MISMATCH",
      `${what}: re (${re.length}) and im (${im.length}) must both have length ${n}`,
    );
  }
}

/**
 * In-place 1-D complex FFT of `(re, im)`. `inverse` runs the inverse
 * transform including the `1/n` scaling.
 *
 * @example
 * ```ts
 * import { fft } from "@imfilter/imfilter";
 * const re = Float64Array.from([1, 2, 3, 4]), im = new Float64Array(4);
 * fft(re, im);
 * console.log(Array.from(re), Array.from(im)); // [10, -2, -2, -2] [0, 2, 0, -2]
 * fft(re, im, true);
 * console.log(Array.from(re)); // [1, 2, 3, 4]
 * ```
 */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  checkPair(re, im, n, "fft");
  if (n <= 1) return;
  const plan = planFor(n);
  if (inverse) negate(im);
  batched(plan, 1, re, im, new Float64Array(n), new Float64Array(n));
  if (inverse) conjugateScale(re, im, 1 / n);
}

/** Columns transformed together in {@linkcode fft2d} (cache blocking). */
const COLUMN_BLOCK = 16;

/** Column transforms of the first `columns` columns, in cache-sized blocks. */
function columnPass(
  re: Float64Array,
  im: Float64Array,
  width: number,
  height: number,
  columns: number,
): void {
  const plan = planFor(height);
  const cb = Math.min(COLUMN_BLOCK, columns);
  const br = new Float64Array(cb * height), bi = new Float64Array(cb * height);
  const sr = new Float64Array(cb * height), si = new Float64Array(cb * height);
  for (let x0 = 0; x0 < columns; x0 += cb) {
    const b = Math.min(cb, columns - x0);
    const vr = b === cb ? br : br.subarray(0, b * height);
    const vi = b === cb ? bi : bi.subarray(0, b * height);
    for (let y = 0, o = x0, k = 0; y < height; y++, o += width, k += b) {
      for (let q = 0; q < b; q++) {
        vr[k + q] = re[o + q];
        vi[k + q] = im[o + q];
      }
    }
    batched(plan, b, vr, vi, sr, si);
    for (let y = 0, o = x0, k = 0; y < height; y++, o += width, k += b) {
      for (let q = 0; q < b; q++) {
        re[o + q] = vr[k + q];
        im[o + q] = vi[k + q];
      }
    }
  }
}

/**
 * In-place 2-D complex FFT of a row-major `width × height` array pair.
 * `inverse` includes the `1/(width·height)` scaling.
 *
 * @example
 * ```ts
 * import { fft2d } from "@imfilter/imfilter";
 * const re = Float64Array.from([1, 0, 0, 0, 0, 0]), im = new Float64Array(6);
 * fft2d(re, im, 3, 2); // a delta has a flat spectrum
 * console.log(Array.from(re)); // [1, 1, 1, 1, 1, 1]
 * ```
 */
export function fft2d(
  re: Float64Array,
  im: Float64Array,
  width: number,
  height: number,
  inverse = false,
): void {
  const n = width * height;
  checkPair(re, im, n, "fft2d");
  if (n === 0) return;
  if (inverse) negate(im);
  if (width > 1) {
    const plan = planFor(width);
    const sr = new Float64Array(width), si = new Float64Array(width);
    for (let y = 0; y < height; y++) {
      const o = y * width;
      batched(plan, 1, re.subarray(o, o + width), im.subarray(o, o + width), sr, si);
    }
  }
  if (height > 1) columnPass(re, im, width, height, width);
  if (inverse) conjugateScale(re, im, 1 / n);
}

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
