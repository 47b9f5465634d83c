/**
 * `estimate-kernel`: recovers the blur kernel `K` from a sharp image and its
 * blurred copy, so that `convolve(sharp, K, { mode, boundary })` reproduces
 * `blurred` — convolution run backwards.
 *
 * - `method: "lsq"` (default) — exact least squares over every output pixel.
 *   Writing `blurred = X·h` (`X` holds the sharp image's `kw × kh` patches),
 *   the normal equations `XᵀX·h = Xᵀy` are only `kw·kh` unknowns: the Gram
 *   matrix `XᵀX` is built from shifted products of the sharp image, each
 *   entry a rectangle sum of one integral image per shift, and solved by
 *   Cholesky. `nonNegative` and `normalize` (sum to one) are imposed exactly
 *   by an active-set quadratic-programming solver (Lawson–Hanson NNLS with a
 *   Lagrange multiplier for the sum). `lambda` adds a ridge
 *   `λ·mean(diag XᵀX)·I` for texture-poor images. `condition` is the
 *   2-norm condition number of the (regularised) Gram matrix: around 1e8
 *   and above, the pair cannot determine the kernel and the estimate amplifies
 *   any noise by about that factor.
 * - `method: "fourier"` — regularised spectral division
 *   `K̂ = Y·conj(X) / (|X|² + λ·mean|X|²)`. Images are not periodic, so both
 *   are apodised with the same Tukey window (flat centre, cosine edges a few
 *   kernel widths wide) and zero-padded before the transform; the kernel is
 *   read off the inverse transform, then clipped/normalised if asked.
 *   Faster for big kernels but approximate (a few percent error on real
 *   photos); `lsq` is exact on noise-free data. `condition` is then
 *   `max|X|² / (min|X|² + λ·mean|X|²)`.
 *
 * `mode` is the forward model: `"valid"` (`scipy.signal.convolve2d(…,
 * 'valid')`: blurred is `(W − kw + 1) × (H − kh + 1)`), `"same"` (blurred
 * has the sharp image's size, borders by `boundary`), `"full"` (zero padding,
 * blurred is `(W + kw − 1) × (H + kh − 1)`); `"auto"` picks `same` when the
 * sizes are equal and `valid` otherwise. Multi-channel pairs share one kernel
 * (every channel's equations are used).
 *
 * @module
 */

import { checkAbort } from "../core/abort.ts";
import type { BoundaryMode } from "../core/boundary.ts";
import { paddedIndices } from "../core/boundary.ts";
import { FilterError } from "../core/errors.ts";
import { fft2d, nextFastSize } from "../engines/fft.ts";
import { correlateValid } from "../engines/fft_correlate.ts";
import { checkFinite, Image } from "../core/image.ts";
import { Kernel } from "../core/kernel.ts";
import { conditionSPD, solveQP } from "../engines/linalg.ts";
import { checkDerived, type ParamSpecs, type Size } from "../core/params.ts";
import { planeOf } from "../core/planes.ts";
import { type FilterPlugin, PLUGIN_BRAND, registerBuiltin, runSync } from "../core/registry.ts";

/** The forward model of {@linkcode estimateKernel}. */
export type EstimateMode = "auto" | "same" | "valid" | "full";

/** The estimation method. */
export type EstimateMethod = "lsq" | "fourier";

/** Options of {@linkcode estimateKernel}. */
export interface EstimateKernelOptions {
  /** Kernel size, `n` or `[width, height]`; inferred from the sizes in `valid`/`full` mode. */
  size?: number | [number, number];
  /** Forward model (default `"auto"`: `same` for equal sizes, else `valid` or `full`). */
  mode?: EstimateMode;
  /** Border handling of the forward model in `same` mode (default `"reflect"`). */
  boundary?: BoundaryMode | string;
  /** Constant border value (`boundary: "constant"`, and `full` mode); default 0. */
  cval?: number;
  /** `"lsq"` (default, exact) or `"fourier"` (fast, approximate). */
  method?: EstimateMethod;
  /** Constrain the kernel to be non-negative (default false). */
  nonNegative?: boolean;
  /** Constrain the kernel to sum to one (default false). */
  normalize?: boolean;
  /** Regularisation, relative (default 0 for lsq, 3e-6 for fourier). */
  lambda?: number;
}

/** The result of {@linkcode estimateKernel}. */
export interface EstimateKernelResult {
  /** The kernel in the convolution sense. */
  kernel: Kernel;
  /** RMS of `convolve(sharp, kernel) − blurred` over the blurred image. */
  residual: number;
  /** Condition estimate of the problem (see the module notes). */
  condition: number;
}

/** Resolved params of the `estimate-kernel` plugin. */
export interface EstimateKernelParams {
  /** The blurred image. */
  blurred: Image;
  /** Kernel size. */
  size?: Size;
  /** Forward model. */
  mode: EstimateMode;
  /** Border handling. */
  boundary: BoundaryMode;
  /** Constant border value. */
  cval: number;
  /** Method. */
  method: EstimateMethod;
  /** Non-negativity. */
  nonNegative: boolean;
  /** Sum to one. */
  normalize: boolean;
  /** Regularisation. */
  lambda?: number;
}

/** The largest kernel side either method estimates (a given or a derived size). */
const MAX_KERNEL_SIDE = 1001;

/**
 * The most unknowns (`kw·kh`) the least-squares method solves for: its
 * Gram matrix is n² float64 and its solution O(n³) — 41×41 (1681) takes
 * about 5 s on 512² here, 51×51 10 s, 151×151 would need 4 GB.
 */
const LSQ_MAX_UNKNOWNS = 1681;

function fail(message: string, code: "INVALID_PARAM" | "SIZE_MISMATCH" = "SIZE_MISMATCH"): never {
  throw new FilterError(code, `estimate-kernel: ${message}`);
}

interface Problem {
  /** Sharp planes padded so that blurred = valid correlation with the flipped kernel. */
  sharp: Float64Array[];
  /** Padded width and height. */
  pw: number;
  ph: number;
  blurred: Float64Array[];
  ow: number;
  oh: number;
  kw: number;
  kh: number;
}

function setUp(sharp: Image, p: EstimateKernelParams): Problem {
  const b = p.blurred;
  if (b.channels !== sharp.channels) {
    fail(`blurred has ${b.channels} channels, sharp has ${sharp.channels}; they must match`);
  }
  const W = sharp.width, H = sharp.height, bw = b.width, bh = b.height;
  let mode = p.mode;
  if (mode === "auto") mode = bw === W && bh === H ? "same" : bw < W ? "valid" : "full";
  let kw: number, kh: number;
  if (p.size) [kw, kh] = p.size;
  else if (mode === "valid") [kw, kh] = [W - bw + 1, H - bh + 1];
  else if (mode === "full") [kw, kh] = [bw - W + 1, bh - H + 1];
  else return fail("size is required in mode same (the sizes do not tell it); pass e.g. 7 or 9x5");
  if (!(kw >= 1 && kh >= 1)) fail(`kernel size ${kw}x${kh} from the image sizes is not positive`);
  if (!p.size) {
    checkDerived(
      "estimate-kernel",
      `the kernel side from the image sizes (${kw}x${kh}, mode ${mode})`,
      Math.max(kw, kh),
      MAX_KERNEL_SIDE,
      "crop the images or pass size",
    );
  }
  if (p.method !== "fourier") {
    checkDerived(
      "estimate-kernel",
      `a ${kw}x${kh} kernel's count of unknowns`,
      kw * kh,
      LSQ_MAX_UNKNOWNS,
      "method lsq solves at most 41x41 (its cost grows as the cube); use method fourier for larger kernels",
    );
  }
  const expected: Record<string, [number, number]> = {
    same: [W, H],
    valid: [W - kw + 1, H - kh + 1],
    full: [W + kw - 1, H + kh - 1],
  };
  const [ew, eh] = expected[mode];
  if (bw !== ew || bh !== eh) {
    fail(
      `blurred is ${bw}x${bh} but a ${kw}x${kh} kernel in mode ${mode} on a ${W}x${H} image ` +
        `gives ${ew}x${eh}; check size and mode`,
    );
  }
  // Padding so that blurred[y][x] = Σ F[j][i]·S[y + j][x + i] with F = flip(K).
  let left = 0, top = 0, right = 0, bottom = 0;
  let boundary = p.boundary;
  if (mode === "same") {
    const ax = (kw - 1) >> 1, ay = (kh - 1) >> 1;
    left = kw - 1 - ax;
    top = kh - 1 - ay;
    right = ax;
    bottom = ay;
  } else if (mode === "full") {
    left = right = kw - 1;
    top = bottom = kh - 1;
    boundary = "constant";
  }
  const pw = W + left + right, ph = H + top + bottom;
  const xs = paddedIndices(W, left, right, boundary), ys = paddedIndices(H, top, bottom, boundary);
  const planes: Float64Array[] = [], blurred: Float64Array[] = [];
  for (let c = 0; c < sharp.channels; c++) {
    const src = planeOf(sharp, c);
    const out = new Float64Array(pw * ph);
    for (let y = 0; y < ph; y++) {
      const sy = ys[y];
      for (let x = 0; x < pw; x++) {
        const sx = xs[x];
        out[y * pw + x] = sy < 0 || sx < 0 ? p.cval : src[sy * W + sx];
      }
    }
    planes.push(out);
    blurred.push(planeOf(b, c));
  }
  return { sharp: planes, pw, ph, blurred, ow: bw, oh: bh, kw, kh };
}

/** Gram matrix `XᵀX` (n × n, n = kw·kh) from shifted products and integral images. */
function gramMatrix(pr: Problem): Float64Array {
  const { pw, ph, ow, oh, kw, kh } = pr;
  const n = kw * kh, G = new Float64Array(n * n);
  const iw = pw + 1;
  const S = new Float64Array(iw * (ph + 1));
  for (const s of pr.sharp) {
    for (let dj = 0; dj < kh; dj++) {
      checkAbort();
      for (let di = -(kw - 1); di < kw; di++) {
        if (dj === 0 && di < 0) continue;
        // Integral image of Q[u][v] = s[u][v]·s[u + dj][v + di] over the rows and
        // columns any window needs: u < kh − dj + oh − 1, v in [max(0, −di), …).
        const rows = kh - 1 - dj + oh;
        const v0 = Math.max(0, -di), v1 = Math.min(pw, pw - di);
        for (let u = 0; u < rows; u++) {
          const a = u * pw, b = (u + dj) * pw + di, o = (u + 1) * iw, up = u * iw;
          let acc = 0;
          for (let v = 0; v < v0; v++) S[o + v + 1] = S[up + v + 1];
          for (let v = v0; v < v1; v++) {
            acc += s[a + v] * s[b + v];
            S[o + v + 1] = S[up + v + 1] + acc;
          }
          for (let v = v1; v < pw; v++) S[o + v + 1] = S[up + v + 1] + acc;
        }
        for (let j = 0; j + dj < kh; j++) {
          const t = j * iw, bt = (j + oh) * iw;
          for (let i = Math.max(0, -di); i < kw && i + di < kw; i++) {
            const val = S[bt + i + ow] - S[bt + i] - S[t + i + ow] + S[t + i];
            const p = j * kw + i, q = (j + dj) * kw + i + di;
            G[p * n + q] += val;
            if (p !== q) G[q * n + p] += val;
          }
        }
      }
    }
  }
  return G;
}

/** `Xᵀy`: `r[j·kw + i] = Σ blurred[y][x]·S[y + j][x + i]` (a valid correlation, FFT when large). */
function rhs(pr: Problem): Float64Array {
  const { pw, ph, ow, oh } = pr;
  return correlateValid(
    pr.sharp.map((data) => ({ data, width: pw, height: ph })),
    pr.blurred.map((data) => ({ data, width: ow, height: oh })),
  );
}

/** RMS of `Σ F[j][i]·S[y + j][x + i] − blurred`. */
function residualOf(pr: Problem, F: Float64Array): number {
  const { pw, ph, ow, oh, kw, kh } = pr;
  let e = 0;
  for (let c = 0; c < pr.sharp.length; c++) {
    const b = pr.blurred[c];
    const model = correlateValid(
      [{ data: pr.sharp[c], width: pw, height: ph }],
      [{ data: F, width: kw, height: kh }],
    );
    for (let k = 0; k < model.length; k++) e += (model[k] - b[k]) ** 2;
  }
  return Math.sqrt(e / (ow * oh * pr.sharp.length));
}

function lsq(pr: Problem, p: EstimateKernelParams): { F: Float64Array; condition: number } {
  const n = pr.kw * pr.kh;
  const G = gramMatrix(pr), r = rhs(pr);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += G[i * n + i];
  mean /= n;
  if (!(mean > 0)) fail("the sharp image is all zeros; it cannot determine a kernel");
  const lambda = p.lambda ?? 0;
  if (lambda > 0) { for (let i = 0; i < n; i++) G[i * n + i] += lambda * mean; }
  const condition = conditionSPD(G, n);
  let F = solveQP(G, r, n, {
    nonNegative: p.nonNegative,
    sumTo: p.normalize ? 1 : undefined,
  });
  if (!F) {
    // Singular Gram matrix: a tiny ridge picks the minimum-norm-like solution.
    for (let i = 0; i < n; i++) G[i * n + i] += 1e-10 * mean;
    F = solveQP(G, r, n, { nonNegative: p.nonNegative, sumTo: p.normalize ? 1 : undefined });
    if (!F) fail("the normal equations could not be solved; raise lambda");
  }
  return { F, condition };
}

/** Tukey window of length n with cosine tapers of `taper` samples at each end. */
function tukey(n: number, taper: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  const t = Math.min(taper, n >> 1);
  for (let i = 0; i < t; i++) {
    const v = 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / t);
    w[i] = v;
    w[n - 1 - i] = v;
  }
  return w;
}

function fourier(pr: Problem, p: EstimateKernelParams): { F: Float64Array; condition: number } {
  const { pw, ow, oh, kw, kh } = pr;
  const cx = (kw - 1) >> 1, cy = (kh - 1) >> 1;
  // S'[y][x] = S[y + kh − 1 − cy][x + kw − 1 − cx] makes blurred = S' * K (K centred at c).
  const ox = kw - 1 - cx, oy = kh - 1 - cy;
  const N = nextFastSize(ow + kw), M = nextFastSize(oh + kh), size = N * M;
  const taper = (n: number) => Math.max(4, Math.min(n >> 2, 3 * Math.max(kw, kh)));
  const wx = tukey(ow, taper(ow)), wy = tukey(oh, taper(oh));
  const numR = new Float64Array(size), numI = new Float64Array(size), den = new Float64Array(size);
  const zr = new Float64Array(size), zi = new Float64Array(size);
  for (let c = 0; c < pr.sharp.length; c++) {
    const s = pr.sharp[c], b = pr.blurred[c];
    zr.fill(0);
    zi.fill(0);
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const w = wy[y] * wx[x];
        zr[y * N + x] = w * s[(y + oy) * pw + x + ox];
        zi[y * N + x] = w * b[y * ow + x];
      }
    }
    fft2d(zr, zi, N, M);
    for (let v = 0; v < M; v++) {
      const vn = v === 0 ? 0 : M - v;
      for (let u = 0; u < N; u++) {
        const un = u === 0 ? 0 : N - u;
        const a = v * N + u, q = vn * N + un;
        const xr = 0.5 * (zr[a] + zr[q]), xi = 0.5 * (zi[a] - zi[q]);
        const yr = 0.5 * (zi[a] + zi[q]), yi = -0.5 * (zr[a] - zr[q]);
        numR[a] += yr * xr + yi * xi;
        numI[a] += yi * xr - yr * xi;
        den[a] += xr * xr + xi * xi;
      }
    }
  }
  let mean = 0, max = 0, min = Infinity;
  for (let i = 0; i < size; i++) {
    mean += den[i];
    if (den[i] > max) max = den[i];
    if (den[i] < min) min = den[i];
  }
  mean /= size;
  if (!(mean > 0)) fail("the sharp image is all zeros; it cannot determine a kernel");
  const reg = (p.lambda ?? 3e-6) * mean;
  for (let i = 0; i < size; i++) {
    const d = den[i] + reg;
    numR[i] = d > 0 ? numR[i] / d : 0;
    numI[i] = d > 0 ? numI[i] / d : 0;
  }
  fft2d(numR, numI, N, M, true);
  // K[j][i] = k[(j − cy) mod M][(i − cx) mod N]; F = flip(K).
  const F = new Float64Array(kw * kh);
  for (let j = 0; j < kh; j++) {
    const row = (((j - cy) % M) + M) % M;
    for (let i = 0; i < kw; i++) {
      const col = (((i - cx) % N) + N) % N;
      F[(kh - 1 - j) * kw + (kw - 1 - i)] = numR[row * N + col];
    }
  }
  if (p.nonNegative) { for (let i = 0; i < F.length; i++) if (F[i] < 0) F[i] = 0; }
  if (p.normalize) {
    let sum = 0;
    for (let i = 0; i < F.length; i++) sum += F[i];
    if (sum !== 0) { for (let i = 0; i < F.length; i++) F[i] /= sum; }
  }
  return { F, condition: reg + min > 0 ? max / (min + reg) : Infinity };
}

function estimate(sharp: Image, p: EstimateKernelParams): EstimateKernelResult {
  checkFinite(sharp, "estimate-kernel", "replace NaN/Infinity in the sharp image first");
  checkFinite(p.blurred, "estimate-kernel", "replace NaN/Infinity in the blurred image first");
  const pr = setUp(sharp, p);
  const { F, condition } = p.method === "fourier" ? fourier(pr, p) : lsq(pr, p);
  const residual = residualOf(pr, F);
  const { kw, kh } = pr;
  const K = new Float32Array(kw * kh);
  for (let j = 0; j < kh; j++) {
    for (let i = 0; i < kw; i++) K[j * kw + i] = F[(kh - 1 - j) * kw + (kw - 1 - i)];
  }
  return { kernel: new Kernel(kw, kh, K), residual, condition };
}

const estimateSpecs: ParamSpecs<EstimateKernelParams> = {
  blurred: {
    type: "image",
    required: true,
    description: "the blurred copy of the input (the input is the sharp image)",
    example: "blurred.png",
  },
  size: {
    type: "size",
    min: 1,
    max: MAX_KERNEL_SIDE,
    description: "kernel size N or WxH (inferred from the sizes in valid/full mode)",
    example: "7",
  },
  mode: {
    type: "enum",
    values: ["auto", "same", "valid", "full"],
    default: "auto",
    description: "forward model: same/valid/full convolution (auto: from the sizes)",
  },
  boundary: {
    type: "boundary",
    default: "reflect",
    description: "border handling of the forward model in same mode",
  },
  cval: { type: "number", default: 0, description: "value outside the image for constant" },
  method: {
    type: "enum",
    values: ["lsq", "fourier"],
    default: "lsq",
    description: "lsq: exact least squares; fourier: regularised division (fast, approximate)",
  },
  nonNegative: { type: "boolean", default: false, description: "constrain the kernel to >= 0" },
  normalize: { type: "boolean", default: false, description: "constrain the kernel to sum 1" },
  lambda: {
    type: "number",
    min: 0,
    description: "regularisation, relative to the mean energy (default 0 lsq, 3e-6 fourier)",
  },
};

/** The `estimate-kernel` plugin: the kernel as a float32 image, its rows and fit as data. */
export const estimateKernelPlugin: FilterPlugin<EstimateKernelParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "estimate-kernel",
  family: "estimate-kernel",
  summary: "recover the blur kernel from a sharp image and its blurred copy (least squares)",
  params: estimateSpecs,
  shape: "any",
  example: "sharp.png kernel.npy --blurred blurred.png --size 9 --non-negative --normalize --json",
  cost:
    "lsq O(n·W·H + n³) for n = kw·kh <= 1681 unknowns (41×41); fourier O(W·H·log(W·H)); kernel <= 1001 a side",
  apply(image, params) {
    const { kernel, residual, condition } = estimate(image, params);
    return {
      image: new Image(kernel.width, kernel.height, 1, Float32Array.from(kernel.data)),
      data: { kernel: kernel.toRows(), residual, condition },
    };
  },
};

/**
 * Estimates the kernel `K` with `convolve(sharp, K, { mode, boundary }) ≈ blurred`.
 *
 * @example Recovering a 3×3 kernel exactly
 * ```ts
 * import { convolve, estimateKernel, Image } from "@imfilter/imfilter";
 * const sharp = Image.zeros(24, 20, 1, "f32");
 * let seed = 1;
 * for (let i = 0; i < sharp.data.length; i++) {
 *   seed = (seed * 69069 + 1) >>> 0;
 *   sharp.data[i] = seed / 2 ** 32; // texture: a pseudo-random image
 * }
 * const k = [[0, 1, 2], [1, 4, 1], [0, 0, 3]];
 * const blurred = convolve(sharp, k, { mode: "valid" });
 * const { kernel } = estimateKernel(sharp, blurred); // mode auto → valid, size 3
 * console.log(kernel.toRows().map((r) => r.map((v) => Math.round(v * 1000) / 1000 + 0)));
 * // [[0, 1, 2], [1, 4, 1], [0, 0, 3]]
 * ```
 */
export function estimateKernel(
  sharp: Image,
  blurred: Image,
  options: EstimateKernelOptions = {},
): EstimateKernelResult {
  const out = runSync(estimateKernelPlugin, sharp, { ...options, blurred });
  const d = out.data as { kernel: number[][]; residual: number; condition: number };
  return { kernel: Kernel.from(d.kernel), residual: d.residual, condition: d.condition };
}

registerBuiltin(estimateKernelPlugin);
