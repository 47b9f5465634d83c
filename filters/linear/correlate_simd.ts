/**
 * The WebAssembly SIMD correlation engine (`filters/linear/correlate.wat`): the
 * direct 2-D sum in float32, four adjacent output samples per f32x4 lane
 * group, two output rows per step, so each loaded input vector serves both
 * rows. 3×3 kernels run an unrolled loop with the nine weights in
 * registers (8 samples × 2 rows per step); other kernels a general loop
 * over a weight table (16 samples × 2 rows, eight accumulators). Both sum
 * in the same order, so they give the same bits.
 *
 * The kernel pads rows itself, into a ring of `kh + 1` float32 rows, each
 * just before the row pair that first needs it (so the padded rows stay in
 * cache): a u8/u16/float32 source row is widened by SIMD, the boundary
 * columns come from an edge table built here from `paddedIndices` (the
 * same tables as every engine), and rows outside the image come from a
 * row table (-1: a row of `cval`). This module only copies source rows in
 * and output rows out, in stripes of about 64 KiB (runs of consecutive
 * source rows in one copy), one kernel call per stripe. Channels stay
 * interleaved: one tap is `channels` samples further, every output row is
 * one contiguous run, and the kernel stores straight into the output dtype
 * (round half to even and saturation for u8/u16, as `storeRow`). An alpha
 * channel is filtered with the others and copied back when `alpha` is
 * `"keep"`.
 *
 * Two builds: `correlate.wat` (separate multiply and add, every step
 * rounded as IEEE float32 says, so the same bits in every engine and on
 * every CPU) and `correlate_fma.wat`, which fuses each multiply-add
 * (`f32x4.relaxed_madd`: one FMA instruction on x86 with FMA3 and on ARM64,
 * faster for large kernels, but only where the engine compiles relaxed
 * SIMD — Deno 2.9 and Bun 1.4, not Node 20 — and relaxed SIMD lets an
 * engine fuse or not, per CPU). Integer outputs (u8, u16) always run the
 * plain build: a fused step rounds once instead of twice, which moves a sum
 * across a `.5` tie now and then (5 of 786,432 u8 samples, one level, in
 * the case that showed it), and an integer result must be the same bytes
 * in every runtime. Float32 outputs run the FMA build where it compiles;
 * both builds meet the bound below.
 *
 * Precision: the products and sums are float32 (the kernel's weights are
 * float32 already; u8/u16 samples are exact). With `n = kw·kh` taps and
 * `S = Σ|K| · max(|I|, |cval|)`, the result differs from the exact sum by
 * at most {@linkcode simdCorrelationBound}`(n, S) = (n + 1) · 2^-23 · S`
 * (twice the textbook `γ_n` bound of recursive summation; plus
 * `(n + 1) · 2^-149` for float32 underflow) — about `1e-7 · S` per tap. An
 * integer output is the rounding of a value within that bound of the exact
 * sum, so it differs from the float64 engines only where a `.5` tie lies
 * within the bound of the exact value — by one step while the bound is
 * below 1/2 (a normalised 15×15 kernel on u8: 0.007). Real errors are far
 * below the worst case (about `√n · 2^-24 · S`). OpenCV's `filter2D`
 * accumulates 8- and 16-bit images in float32 too.
 *
 * @module
 */

import { type BoundaryMode, paddedIndices } from "../../core/boundary.ts";
import { allocate, type DType } from "../../core/dtype.ts";
import { Image } from "../../core/image.ts";
import type { Kernel } from "../../core/kernel.ts";
import type { CorrelationGeometry } from "./direct.ts";
import { restoreAlpha } from "../../core/strided_planes.ts";
import type { AlphaMode } from "../../core/planes.ts";
import { WASM_BASE64 as FMA_BASE64 } from "./correlate_fma_wasm.ts";
import { WASM_BASE64 } from "./correlate_wasm.ts";
import { lazyKernel, type SimdKernel, stageRows } from "../../engines/simd.ts";

/** The two builds of the kernel: fused multiply-add (relaxed SIMD) and plain SIMD. */
export type SimdCorrelateVariant = "fma" | "plain";

const kernels = {
  fma: lazyKernel(() => FMA_BASE64),
  plain: lazyKernel(() => WASM_BASE64),
};
/** Whether the engine accepted the relaxed-SIMD module (unknown until first use). */
let fmaCompiles: boolean | undefined;
let preferred: SimdCorrelateVariant = "fma";

/**
 * The kernel to run for an output dtype: for f32, the FMA build when the
 * engine compiles it (and it is preferred); else, and always for integer
 * outputs, plain SIMD.
 */
function simdKernel(dtype: DType): SimdKernel | undefined {
  if (dtype === "f32" && preferred === "fma" && fmaCompiles !== false) {
    try {
      const k = kernels.fma.get();
      if (k !== undefined) fmaCompiles = true;
      return k;
    } catch {
      fmaCompiles = false; // no relaxed SIMD in this engine
    }
  }
  return kernels.plain.get();
}

/**
 * The build {@linkcode correlateSimdImage} runs now for outputs of `dtype`
 * (default f32; integer outputs always run `"plain"`), or `undefined` when
 * SIMD is off.
 */
export function simdCorrelateVariant(dtype: DType = "f32"): SimdCorrelateVariant | undefined {
  const k = simdKernel(dtype);
  if (k === undefined) return undefined;
  return dtype === "f32" && fmaCompiles && preferred === "fma" ? "fma" : "plain";
}

/**
 * Runs `fn` preferring the given build of the kernel for float32 outputs
 * (tests run both; integer outputs run the plain build either way), and
 * restores the preference after.
 */
export function withSimdCorrelateVariant<T>(variant: SimdCorrelateVariant, fn: () => T): T {
  const before = preferred;
  preferred = variant;
  try {
    return fn();
  } finally {
    preferred = before;
  }
}

/**
 * The bound on `|SIMD result − exact sum|` for a kernel of `taps` taps and
 * `scale = Σ|K| · max(|I|, |cval|)`: `(taps + 1) · (2^-23 · scale + 2^-149)`
 * (the last term, float32 underflow, only matters for subnormal sums).
 */
export function simdCorrelationBound(taps: number, scale: number): number {
  return (taps + 1) * (2 ** -23 * scale + 2 ** -149);
}

/** Whether the SIMD correlation kernel can run now (SIMD supported and not disabled). */
export function simdCorrelateAvailable(): boolean {
  return simdKernel("u8") !== undefined;
}

const KIND: Record<DType, number> = { f32: 0, u8: 1, u16: 2 };
const BYTES: Record<DType, number> = { f32: 4, u8: 1, u16: 2 };

/** Rounds `v` up to a multiple of `m`. */
function roundUp(v: number, m: number): number {
  return Math.ceil(v / m) * m;
}

/** The loops of the kernel: the unrolled 3×3 one and the general one. */
export type SimdCorrelateLoop = "3x3" | "general";

/** Images run by each loop since the module loaded (tests check which loop ran). */
export const simdCorrelateLoops: Record<SimdCorrelateLoop, number> = { "3x3": 0, general: 0 };

let unroll = true;

/**
 * Runs `fn` with the unrolled 3×3 loop on (the default) or off — off, 3×3
 * kernels take the general loop (tests compare the two) — and restores the
 * setting after.
 */
export function withSimdCorrelateUnrolled<T>(on: boolean, fn: () => T): T {
  const before = unroll;
  unroll = on;
  try {
    return fn();
  } finally {
    unroll = before;
  }
}

/** Bytes of source (staged) and output rows per stripe: about 2 × 64 KiB, in L2 with the ring. */
const STRIPE_BYTES = 65536;

/**
 * Correlates every channel of `image` with `kernel` in `geometry` by the
 * SIMD kernel, writing an image of dtype `dtype`; `undefined` when SIMD is
 * off or unsupported (or its memory cannot grow), so the caller runs a
 * TypeScript engine. Samples must be finite (a NaN or ±Inf would meet the
 * table's zero weights).
 */
export function correlateSimdImage(
  image: Image,
  kernel: Kernel,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  cval: number,
  dtype: DType,
  alpha: AlphaMode,
): Image | undefined {
  const sim = simdKernel(dtype);
  if (sim === undefined) return undefined;
  const { width: w, height: h, channels: ch, data } = image;
  const { width: ow, height: oh, offsetX, offsetY } = geometry;
  const kw = kernel.width, kh = kernel.height, k = kernel.data;
  const pw = ow + kw - 1, ph = oh + kh - 1;
  const n = ow * ch, padLen = pw * ch, nIn = w * ch;
  const blocks = Math.ceil(n / 16);
  // Floats per padded row: every column a 16-sample block can read.
  const rowFloats = roundUp(blocks * 16 + (kw - 1) * ch, 16);
  const elem = BYTES[dtype], srcElem = data.BYTES_PER_ELEMENT;
  const ds = blocks * 16 * elem; // = n · elem when n is a multiple of 16: one copy per stripe
  // Stripe height: even, about STRIPE_BYTES of source rows and of output rows.
  const stripe = Math.min(
    roundUp(oh, 2),
    Math.max(2, 2 * Math.floor(STRIPE_BYTES / (2 * Math.max(ds, nIn * srcElem)))),
  );
  const slots = kh + 1;
  const loop: SimdCorrelateLoop = unroll && kw === 3 && kh === 3 ? "3x3" : "general";
  // The padded columns outside the source row [lo, lo + w): (offset in the row, source offset).
  const xs = paddedIndices(w, offsetX, pw - w - offsetX, boundary);
  const lo = offsetX, hi = offsetX + w;
  const nEdges = (pw - w) * ch;
  // Memory: config | weights | row scratch | edges | source table | ring | staged rows | output.
  const weightsAt = 128;
  const rowtabAt = weightsAt + (kh + 1) * kw * 32;
  const edgesAt = roundUp(rowtabAt + slots * 4, 16);
  const tblAt = edgesAt + nEdges * 8;
  const tblLen = stripe + kh + 1; // padded rows one call can pad
  const ringAt = roundUp(tblAt + tblLen * 4, 64);
  const stageAt = ringAt + slots * rowFloats * 4;
  const stageRow = nIn * srcElem;
  const dstAt = roundUp(stageAt + tblLen * stageRow, 64);
  const total = dstAt + stripe * ds;
  let buffer: ArrayBuffer;
  try {
    buffer = sim.reserve(total);
  } catch {
    return undefined; // memory could not grow: the TypeScript engine
  }
  simdCorrelateLoops[loop]++;
  const i32 = new Int32Array(buffer), f32 = new Float32Array(buffer);
  const config = [
    ringAt,
    slots,
    rowFloats * 4,
    tblAt,
    KIND[image.dtype],
    KIND[dtype],
    nIn,
    lo * ch * 4,
    padLen,
    edgesAt,
    nEdges,
    0,
    weightsAt,
    kw,
    kh,
    ch * 4,
    ds,
    blocks,
    rowtabAt,
    loop === "3x3" ? 1 : 0,
  ];
  i32.set(config, 0);
  f32[11] = cval;
  // Weight table: for r = 0 … kh and tap i, splats of K[r][i] and K[r − 1][i].
  for (let r = 0, o = weightsAt >> 2; r <= kh; r++) {
    for (let i = 0; i < kw; i++, o += 8) {
      const a = r < kh ? k[r * kw + i] : 0, b = r > 0 ? k[(r - 1) * kw + i] : 0;
      f32.fill(a, o, o + 4);
      f32.fill(b, o + 4, o + 8);
    }
  }
  for (let e = edgesAt >> 2, px = 0; px < pw; px++) {
    if (px === lo) px = hi;
    if (px >= pw) break;
    for (let c = 0; c < ch; c++, e += 2) {
      i32[e] = (px * ch + c) * 4;
      i32[e + 1] = xs[px] < 0 ? -1 : (xs[px] * ch + c) * srcElem;
    }
  }
  // Columns past a padded row's end only feed junk outputs: zero them once (finite).
  f32.fill(0, ringAt >> 2, stageAt >> 2);
  const ys = paddedIndices(h, offsetY, ph - h - offsetY, boundary);
  const stage = data instanceof Uint8Array
    ? new Uint8Array(buffer, stageAt, tblLen * nIn)
    : data instanceof Uint16Array
    ? new Uint16Array(buffer, stageAt, tblLen * nIn)
    : new Float32Array(buffer, stageAt, tblLen * nIn);
  const out = allocate(dtype, n * oh);
  const view = dtype === "f32"
    ? new Float32Array(buffer, dstAt, (stripe * ds) >> 2)
    : dtype === "u8"
    ? new Uint8Array(buffer, dstAt, stripe * ds)
    : new Uint16Array(buffer, dstAt, (stripe * ds) >> 1);
  const dsElems = ds / elem;
  const run = sim.exports.correlate as (
    y0: number,
    from: number,
    pairs: number,
    dst: number,
  ) => void;
  const tbl = tblAt >> 2;
  let from = 0; // padded rows below are in the ring
  for (let y0 = 0; y0 < oh; y0 += stripe) {
    const rows = Math.min(stripe, oh - y0), pairs = (rows + 1) >> 1;
    // Stage the source rows of padded rows from … y0 + 2·pairs + kh − 2, runs of
    // consecutive rows in one copy; an odd last row's partner (row ph) is cval.
    const end = y0 + 2 * pairs + kh - 1;
    stageRows(data, nIn, ys, ph, from, end, y0, i32.subarray(tbl), stage, 0, stageAt, stageRow);
    run(y0, from, pairs, dstAt);
    from = end;
    if (dsElems === n) {
      out.set(view.subarray(0, rows * n), y0 * n);
    } else {
      for (let r = 0; r < rows; r++) {
        out.set(view.subarray(r * dsElems, r * dsElems + n), (y0 + r) * n);
      }
    }
  }
  if (ow === w && oh === h) restoreAlpha(data, out, ch, alpha);
  return new Image(ow, oh, ch, out);
}
