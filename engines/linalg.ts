/**
 * Small dense linear algebra in float64 for symmetric positive (semi)definite
 * systems — the normal equations of kernel estimation: Cholesky solves, a
 * condition-number estimate, and an exact active-set solver for the
 * quadratic program with non-negativity and a sum constraint.
 *
 * Matrices are row-major `Float64Array`s of `n × n`.
 *
 * @module
 */

import { checkAbort } from "../core/abort.ts";

/**
 * Cholesky factorisation `A = L·Lᵀ` of a symmetric matrix (only the lower
 * triangle is read). Returns `L` (row-major, upper part zero), or `undefined`
 * when `A` is not numerically positive definite.
 *
 * @example
 * ```ts
 * import { cholesky } from "@imfilter/imfilter";
 * const l = cholesky(Float64Array.from([4, 2, 2, 5]), 2)!;
 * console.log(Array.from(l)); // [2, 0, 1, 2]
 * ```
 */
export function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, a[i * n + i]);
  const tiny = maxDiag * 1e-15;
  for (let j = 0; j < n; j++) {
    checkAbort();
    let d = a[j * n + j];
    const rj = j * n;
    for (let k = 0; k < j; k++) d -= l[rj + k] * l[rj + k];
    if (!(d > tiny)) return undefined;
    const djj = Math.sqrt(d);
    l[rj + j] = djj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k];
      l[ri + j] = s / djj;
    }
  }
  return l;
}

/**
 * Solves `L·Lᵀ x = b` given the factor from {@linkcode cholesky}.
 *
 * @example
 * ```ts
 * import { cholesky, choleskySolve } from "@imfilter/imfilter";
 * const l = cholesky(Float64Array.from([4, 2, 2, 5]), 2)!;
 * console.log(Array.from(choleskySolve(l, 2, Float64Array.from([6, 7])))); // [1, 1]
 * ```
 */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = y[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * y[k];
    y[i] = s / l[i * n + i];
  }
  return y;
}

function matVec(a: Float64Array, n: number, x: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0, r = i * n; k < n; k++) s += a[r + k] * x[k];
    out[i] = s;
  }
}

function normalizeVec(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const norm = Math.sqrt(s);
  if (norm > 0) { for (let i = 0; i < v.length; i++) v[i] /= norm; }
  return norm;
}

/**
 * The 2-norm condition number `λmax / λmin` of a symmetric positive
 * semidefinite matrix, estimated by power iteration and inverse iteration
 * (a few tens of iterations; accurate to a few percent, which is what a
 * conditioning warning needs). `Infinity` when the matrix is singular.
 *
 * @example
 * ```ts
 * import { conditionSPD } from "@imfilter/imfilter";
 * console.log(Math.round(conditionSPD(Float64Array.from([100, 0, 0, 1]), 2))); // 100
 * ```
 */
export function conditionSPD(a: Float64Array, n: number, iterations = 60): number {
  if (n === 0) return 1;
  const l = cholesky(a, n);
  if (!l) return Infinity;
  const v = new Float64Array(n), w = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = 1 + ((i * 7919) % 13) / 13;
  normalizeVec(v);
  let lmax = 0;
  for (let it = 0; it < iterations; it++) {
    matVec(a, n, v, w);
    lmax = normalizeVec(w);
    v.set(w);
  }
  for (let i = 0; i < n; i++) v[i] = 1 + ((i * 104729) % 17) / 17;
  normalizeVec(v);
  let inv = 0;
  for (let it = 0; it < iterations; it++) {
    const x = choleskySolve(l, n, v);
    inv = normalizeVec(x);
    v.set(x);
  }
  return inv > 0 ? lmax * inv : Infinity;
}

/** Options of {@linkcode solveQP}. */
export interface QPOptions {
  /** Constrain every component to be `≥ 0`. */
  nonNegative?: boolean;
  /** Constrain the components to sum to this value. */
  sumTo?: number;
  /** Iteration cap of the active-set loop (default `10·n + 50`). */
  maxIterations?: number;
}

/** Solves the equality-constrained system on index set `P` (all free). */
function solveOn(
  g: Float64Array,
  n: number,
  r: Float64Array,
  P: number[],
  sumTo: number | undefined,
): { x: Float64Array; mu: number } | undefined {
  const m = P.length;
  const sub = new Float64Array(m * m), rhs = new Float64Array(m), ones = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    rhs[a] = r[P[a]];
    ones[a] = 1;
    for (let b = 0; b < m; b++) sub[a * m + b] = g[P[a] * n + P[b]];
  }
  const l = cholesky(sub, m);
  if (!l) return undefined;
  const x = choleskySolve(l, m, rhs);
  if (sumTo === undefined) return { x, mu: 0 };
  // x = G⁻¹(r − μ1) with Σx = sumTo.
  const u = choleskySolve(l, m, ones);
  let sx = 0, su = 0;
  for (let a = 0; a < m; a++) {
    sx += x[a];
    su += u[a];
  }
  const mu = (sx - sumTo) / su;
  for (let a = 0; a < m; a++) x[a] -= mu * u[a];
  return { x, mu };
}

/**
 * Minimises `½·xᵀGx − rᵀx` for a symmetric positive definite `G`, optionally
 * with `x ≥ 0` and/or `Σx = sumTo` — exactly, by the Lawson–Hanson active-set
 * method (with the sum constraint carried by a Lagrange multiplier). Without
 * constraints it is a Cholesky solve. Returns `undefined` when `G` (or a
 * needed sub-block) is not positive definite.
 *
 * @example Non-negative least squares in normal-equation form
 * ```ts
 * import { solveQP } from "@imfilter/imfilter";
 * const g = Float64Array.from([1, 0, 0, 1]);
 * const x = solveQP(g, Float64Array.from([2, -1]), 2, { nonNegative: true })!;
 * console.log(Array.from(x)); // [2, 0]
 * const y = solveQP(g, Float64Array.from([3, 1]), 2, { sumTo: 1 })!;
 * console.log(Array.from(y)); // [1.5, -0.5]
 * ```
 */
export function solveQP(
  g: Float64Array,
  r: Float64Array,
  n: number,
  options: QPOptions = {},
): Float64Array | undefined {
  const { nonNegative = false, sumTo } = options;
  const all = Array.from({ length: n }, (_, i) => i);
  if (!nonNegative) {
    const s = solveOn(g, n, r, all, sumTo);
    return s?.x;
  }
  const x = new Float64Array(n);
  const inP = new Uint8Array(n);
  let P: number[] = [];
  const grad = new Float64Array(n);
  const maxIt = options.maxIterations ?? 10 * n + 50;
  let mu = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(r[i]), g[i * n + i]);
  const tol = 1e-12 * Math.max(scale, 1e-300);
  if (sumTo !== undefined) {
    if (!(sumTo > 0)) {
      // Σx = 0 with x ≥ 0 forces x = 0; a negative sum is infeasible.
      return sumTo === 0 ? x : undefined;
    }
    // Feasible start: all mass on the most favourable component.
    let best = 0, bv = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = sumTo * r[i] - 0.5 * sumTo * sumTo * g[i * n + i];
      if (v > bv) {
        bv = v;
        best = i;
      }
    }
    x[best] = sumTo;
    inP[best] = 1;
    P = [best];
    // Stationarity on {best}: G·x − r + μ' = 0 there; mu holds −μ'.
    mu = g[best * n + best] * sumTo - r[best];
  }
  for (let it = 0; it < maxIt; it++) {
    checkAbort();
    // Gradient of the Lagrangian: w = r − Gx − μ·1 (μ = 0 without the sum constraint).
    matVec(g, n, x, grad);
    let t = -1, wt = tol;
    for (let i = 0; i < n; i++) {
      if (inP[i]) continue;
      const w = r[i] - grad[i] + (sumTo !== undefined ? mu : 0);
      if (w > wt) {
        wt = w;
        t = i;
      }
    }
    if (t < 0) break;
    inP[t] = 1;
    P.push(t);
    for (let inner = 0; inner <= n; inner++) {
      const sol = solveOn(g, n, r, P, sumTo);
      if (!sol) return undefined;
      const s = sol.x;
      let feasible = true;
      for (let a = 0; a < P.length; a++) if (s[a] <= 0) feasible = false;
      if (feasible) {
        for (let a = 0; a < P.length; a++) x[P[a]] = s[a];
        mu = -sol.mu;
        break;
      }
      let alpha = 1;
      for (let a = 0; a < P.length; a++) {
        if (s[a] <= 0) {
          const xa = x[P[a]];
          const step = xa / (xa - s[a]);
          if (step < alpha) alpha = step;
        }
      }
      for (let a = 0; a < P.length; a++) {
        // The blocking component(s) land exactly on zero.
        x[P[a]] = s[a] <= 0 && x[P[a]] / (x[P[a]] - s[a]) === alpha
          ? 0
          : x[P[a]] + alpha * (s[a] - x[P[a]]);
      }
      const keep: number[] = [];
      for (const i of P) {
        if (x[i] > 0) keep.push(i);
        else {
          x[i] = 0;
          inP[i] = 0;
        }
      }
      P = keep;
      if (P.length === 0) break;
    }
  }
  return x;
}
