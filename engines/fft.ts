/**
 * A float64 fast Fourier transform: mixed-radix (4, 2, 3, 5 and a generic
 * odd radix) Stockham autosort, in place from the caller's point of view,
 * plus 2-D transforms. Its plans and stages are exported to the FFT valid
 * correlation (`fft_correlate.ts`), which runs them on blocks of columns.
 *
 * Conventions: the forward transform is `X[k] = Σ x[j]·exp(−2πi·jk/n)`; the
 * inverse uses `exp(+2πi·jk/n)` and divides by `n`, so `fft(…, true)` undoes
 * `fft(…)` exactly up to rounding. Any length works (a prime factor `p`
 * costs `O(p)` per element); {@linkcode nextFastSize} gives the smallest
 * `2^a·3^b·5^c` length at least `n`, which is the fast case.
 *
 * @module
 */

import { checkAbort } from "../core/abort.ts";
import { FilterError } from "../core/errors.ts";

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

/** One Stockham stage of a plan: its radix, sub-length and twiddles. */
export interface Stage {
  /** Radix of this stage. */
  r: number;
  /** Sub-transform length after this stage (`n / r` of the current length). */
  m: number;
  /** Twiddles `exp(−2πi·p·u / (r·m))`, `[p*(r−1) + u − 1]`, re and im. */
  wr: Float64Array;
  wi: Float64Array;
}

/** The stages of an `n`-point transform (cached per `n`). */
export interface Plan {
  /** Transform length. */
  n: number;
  /** Stages in order. */
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

/** The cached plan of an `n`-point transform. */
export function planFor(n: number): Plan {
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
export function stage(
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
export function batched(
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
export function runStages(
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
      checkAbort();
      const o = y * width;
      batched(plan, 1, re.subarray(o, o + width), im.subarray(o, o + width), sr, si);
    }
  }
  if (height > 1) columnPass(re, im, width, height, width);
  if (inverse) conjugateScale(re, im, 1 / n);
}
