/**
 * `deconvolve`: undoes a known blur — the last step of "blur with
 * `convolve`, recover the kernel with `estimateKernel`, deconvolve with it".
 *
 * The blur model is `convolve(sharp, kernel, { boundary })` in `same` mode
 * (kernel in the convolution sense, anchor as `convolve`: the kernel's own
 * or `floor((size − 1) / 2)`).
 *
 * - `method: "richardson-lucy"` (default) — the multiplicative
 *   maximum-likelihood iteration for Poisson noise (scikit-image
 *   `restoration.richardson_lucy`): `x ← x · Kᵀ(y / (K x))`, starting from a
 *   flat image at the input's mean; `iterations` (default 30) trades
 *   sharpness against noise. Both convolutions use `boundary`. Values must
 *   be non-negative (negative input is clamped to 0). The kernel should sum
 *   to 1 (it is used as given).
 * - `method: "wiener"` — one regularised inverse filter (scikit-image
 *   `restoration.wiener`): `X = conj(H)·Y / (|H|² + balance·|L|²)` with `L`
 *   the transfer function of the 4-neighbour Laplacian, so `balance`
 *   (default 0.05) damps high frequencies; larger is smoother. Asymmetric
 *   kernels (motion blur) need a larger balance than symmetric ones: the
 *   extended border cannot match their blur exactly. The image is
 *   extended by three kernel widths with `boundary` before the transform so
 *   that the transform's periodicity does not ring across the borders.
 *
 * `clip` (default true) clamps the result to the input's value range.
 * Multi-channel images are deconvolved per channel (alpha kept).
 *
 * @module
 */

import { checkAbort } from "../core/abort.ts";
import { type BoundaryMode, paddedIndices } from "../core/boundary.ts";
import type { DType } from "../core/dtype.ts";
import { fft2d, nextFastSize } from "../engines/fft.ts";
import { correlateValid } from "../engines/fft_correlate.ts";
import { FilterError } from "../core/errors.ts";
import { checkFinite, type Image } from "../core/image.ts";
import type { Kernel } from "../core/kernel.ts";
import type { ParamSpecs } from "../core/params.ts";
import { type AlphaMode, mapPlanes } from "../core/planes.ts";
import {
  type FilterPlugin,
  PLUGIN_BRAND,
  registerBuiltin,
  runSyncImage,
} from "../core/registry.ts";

/** Deconvolution methods. */
export type DeconvolveMethod = "richardson-lucy" | "wiener";

/** Options of {@linkcode deconvolve}. */
export interface DeconvolveOptions {
  /** `"richardson-lucy"` (default) or `"wiener"`. */
  method?: DeconvolveMethod;
  /** Richardson–Lucy iterations (default 30). */
  iterations?: number;
  /** Clamp the result to the input's value range (default true). */
  clip?: boolean;
  /** Wiener regularisation weight (default 0.05). */
  balance?: number;
  /** Border handling of the blur model (default `"reflect"`). */
  boundary?: BoundaryMode | string;
  /** Constant border value (default 0). */
  cval?: number;
  /** Output dtype (default: the input's). */
  dtype?: DType;
  /** `"keep"` (default) passes an alpha channel through. */
  alpha?: AlphaMode;
}

/** Resolved params of the `deconvolve` plugin. */
export interface DeconvolveParams {
  /** The blur kernel (convolution sense). */
  kernel: Kernel;
  /** Method. */
  method: DeconvolveMethod;
  /** Richardson–Lucy iterations. */
  iterations: number;
  /** Clamp to the input's range. */
  clip: boolean;
  /** Wiener balance. */
  balance: number;
  /** Border handling. */
  boundary: BoundaryMode;
  /** Constant border value. */
  cval: number;
  /** Output dtype. */
  dtype?: DType;
  /** Alpha handling. */
  alpha: AlphaMode;
}

/** Pads a plane (`left`, `right`, `top`, `bottom`) following a boundary mode. */
function pad(
  p: Float64Array,
  W: number,
  H: number,
  l: number,
  r: number,
  t: number,
  b: number,
  boundary: BoundaryMode,
  cval: number,
): Float64Array {
  const pw = W + l + r, ph = H + t + b;
  const xs = paddedIndices(W, l, r, boundary), ys = paddedIndices(H, t, b, boundary);
  const out = new Float64Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const sy = ys[y];
    for (let x = 0; x < pw; x++) {
      const sx = xs[x];
      out[y * pw + x] = sy < 0 || sx < 0 ? cval : p[sy * W + sx];
    }
  }
  return out;
}

/** `same`-size correlation with anchor `(ax, ay)`: `Σ K[j][i]·P[y + j − ay][x + i − ax]`. */
function correlateSame(
  p: Float64Array,
  W: number,
  H: number,
  k: Float64Array,
  kw: number,
  kh: number,
  ax: number,
  ay: number,
  boundary: BoundaryMode,
  cval: number,
): Float64Array {
  const padded = pad(p, W, H, ax, kw - 1 - ax, ay, kh - 1 - ay, boundary, cval);
  return correlateValid(
    [{ data: padded, width: W + kw - 1, height: H + kh - 1 }],
    [{ data: k, width: kw, height: kh }],
  );
}

function richardsonLucy(
  y: Float64Array,
  W: number,
  H: number,
  K: Float64Array,
  kw: number,
  kh: number,
  cx: number,
  cy: number,
  p: DeconvolveParams,
): Float64Array {
  const n = W * H;
  // Blur: convolve with anchor c == correlate with flip(K), anchor size − 1 − c.
  const flipped = K.slice().reverse();
  const obs = y.map((v) => (v > 0 ? v : 0));
  let mean = 0;
  for (let i = 0; i < n; i++) mean += obs[i];
  mean /= n;
  let x = new Float64Array(n).fill(mean > 0 ? mean : 1);
  const ratio = new Float64Array(n);
  const eps = 1e-12 * Math.max(mean, 1e-300);
  for (let it = 0; it < p.iterations; it++) {
    checkAbort();
    const blurred = correlateSame(
      x,
      W,
      H,
      flipped,
      kw,
      kh,
      kw - 1 - cx,
      kh - 1 - cy,
      p.boundary,
      p.cval,
    );
    for (let i = 0; i < n; i++) {
      const b = blurred[i];
      ratio[i] = b > eps ? obs[i] / b : 0;
    }
    // Adjoint of the blur: correlate with K at anchor c.
    const back = correlateSame(ratio, W, H, K, kw, kh, cx, cy, p.boundary, 1);
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) next[i] = x[i] * back[i];
    x = next;
  }
  return x;
}

function wiener(
  y: Float64Array,
  W: number,
  H: number,
  K: Float64Array,
  kw: number,
  kh: number,
  cx: number,
  cy: number,
  p: DeconvolveParams,
): Float64Array {
  const m = 3 * Math.max(kw, kh);
  const N = nextFastSize(W + 2 * m), M = nextFastSize(H + 2 * m);
  const l = m, t = m, r = N - W - m, b = M - H - m;
  const re = pad(y, W, H, l, r, t, b, p.boundary, p.cval), im = new Float64Array(N * M);
  fft2d(re, im, N, M);
  // Transfer function of K with K[cy][cx] at the origin.
  const hr = new Float64Array(N * M), hi = new Float64Array(N * M);
  for (let j = 0; j < kh; j++) {
    const row = (((j - cy) % M) + M) % M;
    for (let i = 0; i < kw; i++) {
      const col = (((i - cx) % N) + N) % N;
      hr[row * N + col] += K[j * kw + i];
    }
  }
  fft2d(hr, hi, N, M);
  for (let v = 0; v < M; v++) {
    const lv = 2 - 2 * Math.cos((2 * Math.PI * v) / M);
    for (let u = 0; u < N; u++) {
      const lap = lv + 2 - 2 * Math.cos((2 * Math.PI * u) / N);
      const a = v * N + u;
      const d = hr[a] * hr[a] + hi[a] * hi[a] + p.balance * lap * lap;
      const gr = d > 0 ? hr[a] / d : 0, gi = d > 0 ? -hi[a] / d : 0;
      const yr = re[a], yi = im[a];
      re[a] = gr * yr - gi * yi;
      im[a] = gr * yi + gi * yr;
    }
  }
  fft2d(re, im, N, M, true);
  const out = new Float64Array(W * H);
  for (let yy = 0; yy < H; yy++) {
    for (let x = 0; x < W; x++) out[yy * W + x] = re[(yy + t) * N + x + l];
  }
  return out;
}

function deconvolvePlane(
  plane: Float64Array,
  W: number,
  H: number,
  p: DeconvolveParams,
): Float64Array {
  const k = p.kernel, kw = k.width, kh = k.height;
  const c = k.anchor ?? { x: (kw - 1) >> 1, y: (kh - 1) >> 1 };
  const K = Float64Array.from(k.data);
  const out = p.method === "wiener"
    ? wiener(plane, W, H, K, kw, kh, c.x, c.y, p)
    : richardsonLucy(plane, W, H, K, kw, kh, c.x, c.y, p);
  if (p.clip) {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < plane.length; i++) {
      if (plane[i] < lo) lo = plane[i];
      if (plane[i] > hi) hi = plane[i];
    }
    for (let i = 0; i < out.length; i++) out[i] = out[i] < lo ? lo : out[i] > hi ? hi : out[i];
  }
  return out;
}

/**
 * Refuses a kernel that sums to 0 (all zeros, or a zero-sum kernel such as
 * a derivative): it removes the image's mean, which no deconvolution can
 * restore — Richardson–Lucy divides by a zero blur, Wiener by a zero
 * transfer at frequency 0 — and either returned a constant image.
 */
function checkKernelSum(k: Kernel): void {
  let sum = 0, abs = 0;
  for (let i = 0; i < k.data.length; i++) {
    sum += k.data[i];
    abs += Math.abs(k.data[i]);
  }
  if (abs === 0 || Math.abs(sum) <= 1e-6 * abs) {
    throw new FilterError(
      "INVALID_PARAM",
      `deconvolve: the kernel ${
        abs === 0 ? "is all zeros" : `sums to ${sum} (zero-sum)`
      }; a blur that removes the image's mean cannot be undone — give the blur kernel, which sums to about 1`,
    );
  }
}

const deconvolveSpecs: ParamSpecs<DeconvolveParams> = {
  kernel: {
    type: "kernel",
    required: true,
    max: 255,
    description: "the blur kernel (convolution sense), e.g. from estimate-kernel",
    example: "kernel.npy",
  },
  method: {
    type: "enum",
    values: ["richardson-lucy", "wiener"],
    aliases: { rl: "richardson-lucy", richardson_lucy: "richardson-lucy", lucy: "richardson-lucy" },
    default: "richardson-lucy",
    description: "richardson-lucy (iterative) or wiener (regularised inverse filter)",
  },
  iterations: {
    type: "integer",
    default: 30,
    min: 1,
    max: 1000,
    description: "Richardson-Lucy iterations: more is sharper and noisier",
  },
  clip: { type: "boolean", default: true, description: "clamp to the input's value range" },
  balance: {
    type: "number",
    default: 0.05,
    min: 0,
    description: "Wiener regularisation (Laplacian prior weight): larger is smoother",
  },
  boundary: { type: "boundary", default: "reflect", description: "border handling of the blur" },
  cval: { type: "number", default: 0, description: "value outside the image for constant" },
  dtype: { type: "dtype", description: "output dtype (default: the input's)" },
  alpha: {
    type: "enum",
    values: ["keep", "filter"],
    default: "keep",
    description: "alpha channel: keep unchanged or deconvolve it too",
  },
};

/** The `deconvolve` plugin. */
export const deconvolvePlugin: FilterPlugin<DeconvolveParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "deconvolve",
  family: "deconvolve",
  summary: "undo a known blur: Richardson-Lucy or Wiener deconvolution",
  params: deconvolveSpecs,
  example: "blurred.png restored.png --kernel kernel.npy --iterations 50",
  cost:
    "richardson-lucy O(iterations·W·H·log(W·H)), iterations <= 1000; wiener O((W + 6k)·(H + 6k)·log); kernel <= 255 a side",
  apply: (image, params) => {
    checkFinite(image, "deconvolve", "replace NaN/Infinity first (FFT-based deconvolution)");
    checkKernelSum(params.kernel);
    return mapPlanes(image, (plane) => deconvolvePlane(plane, image.width, image.height, params), {
      dtype: params.dtype,
      alpha: params.alpha,
    });
  },
};

/**
 * Deconvolves an image blurred by a known kernel (`convolve(sharp, kernel)`).
 *
 * @example Undoing a small blur
 * ```ts
 * import { convolve, deconvolve, Image } from "@imfilter/imfilter";
 * const sharp = Image.zeros(32, 32, 1, "f32");
 * for (let y = 8; y < 24; y++) for (let x = 8; x < 24; x++) sharp.data[y * 32 + x] = 1;
 * const k = [[0, 0.1, 0], [0.1, 0.6, 0.1], [0, 0.1, 0]];
 * const blurred = convolve(sharp, k);
 * const restored = deconvolve(blurred, k, { iterations: 50 });
 * const err = (img: Image) => Math.abs(img.get(8, 8) - 1);
 * console.log(err(restored) < err(blurred)); // true
 * ```
 */
export function deconvolve(
  image: Image,
  kernel: Kernel | readonly (readonly number[])[] | string,
  options: DeconvolveOptions = {},
): Image {
  return runSyncImage(deconvolvePlugin, image, { ...options, kernel });
}

registerBuiltin(deconvolvePlugin);
