/**
 * The WebAssembly SIMD correlation engine (`core/simd/correlate.wat`): the
 * direct 2-D sum in float32, four adjacent output samples per f32x4 lane
 * group, 16 samples × 2 rows (eight accumulators) per step, so each loaded
 * input vector serves two output rows.
 *
 * The image is padded here, in horizontal stripes of about 512 KiB of
 * float32 (boundary mode and `cval` through `paddedIndices`, the same tables
 * as every engine; u8/u16 rows are copied in and widened by SIMD), with the
 * channels kept interleaved: one tap is
 * `channels` samples further, every output row is one contiguous run, and
 * the kernel stores straight into the output dtype (round half to even and
 * saturation for u8/u16, as `storeRow`). An alpha channel is filtered with
 * the others and copied back when `alpha` is `"keep"`.
 *
 * Two builds: `correlate_fma.wat` fuses each multiply-add
 * (`f32x4.relaxed_madd`: one FMA instruction on x86 with FMA3 and on ARM64,
 * about 1.4× faster for 15×15 kernels) and is used whenever the engine
 * compiles relaxed SIMD; `correlate.wat` (separate multiply and add) is the
 * fallback. Both meet the bound below (a fused step rounds once, not twice).
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

import { type BoundaryMode, paddedIndices } from "./boundary.ts";
import { allocate, type DType } from "./dtype.ts";
import { Image } from "./image.ts";
import type { Kernel } from "./kernel.ts";
import type { CorrelationGeometry } from "./linear.ts";
import { restoreAlpha } from "./linear_planes.ts";
import type { AlphaMode } from "./planes.ts";
import { WASM_BASE64 as FMA_BASE64 } from "./simd/correlate_fma_wasm.ts";
import { WASM_BASE64 } from "./simd/correlate_wasm.ts";
import { lazyKernel, type SimdKernel } from "./simd/mod.ts";

/** The two builds of the kernel: fused multiply-add (relaxed SIMD) and plain SIMD. */
export type SimdCorrelateVariant = "fma" | "plain";

const kernels = {
  fma: lazyKernel(() => FMA_BASE64),
  plain: lazyKernel(() => WASM_BASE64),
};
/** Whether the engine accepted the relaxed-SIMD module (unknown until first use). */
let fmaCompiles: boolean | undefined;
let preferred: SimdCorrelateVariant = "fma";

/** The kernel to run: the FMA build when the engine compiles it, else plain SIMD. */
function simdKernel(): SimdKernel | undefined {
  if (preferred === "fma" && fmaCompiles !== false) {
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

/** The build {@linkcode correlateSimdImage} runs now, or `undefined` when SIMD is off. */
export function simdCorrelateVariant(): SimdCorrelateVariant | undefined {
  const k = simdKernel();
  if (k === undefined) return undefined;
  return fmaCompiles && preferred === "fma" ? "fma" : "plain";
}

/**
 * Runs `fn` preferring the given build of the kernel (tests run both), and
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
  return simdKernel() !== undefined;
}

const KIND: Record<DType, number> = { f32: 0, u8: 1, u16: 2 };
const BYTES: Record<DType, number> = { f32: 4, u8: 1, u16: 2 };

/** Rounds `v` up to a multiple of `m`. */
function roundUp(v: number, m: number): number {
  return Math.ceil(v / m) * m;
}

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
  const sim = simdKernel();
  if (sim === undefined) return undefined;
  const { width: w, height: h, channels: ch, data } = image;
  const { width: ow, height: oh, offsetX, offsetY } = geometry;
  const kw = kernel.width, kh = kernel.height, k = kernel.data;
  const pw = ow + kw - 1, ph = oh + kh - 1;
  const n = ow * ch, padLen = pw * ch;
  const blocks = Math.ceil(n / 16);
  // Floats per padded row: every column a 16-sample block can read.
  const rowFloats = roundUp(blocks * 16 + (kw - 1) * ch, 16);
  const elem = BYTES[dtype];
  const ds = roundUp(blocks * 16 * elem, 64);
  // Stripe height: even, about 2^17 floats of padded rows (512 KiB, in L2),
  // and at least the kernel's height so re-used rows stay a small share.
  const stripe = Math.min(
    roundUp(oh, 2),
    Math.max(2 * Math.ceil(65536 / rowFloats), roundUp(kh, 2)),
  );
  const padRows = stripe + kh;
  const weightBytes = (kh + 1) * kw * 32;
  const srcAt = roundUp(weightBytes, 64);
  const dstAt = srcAt + padRows * rowFloats * 4;
  // Integer source rows are staged (memcpy) and widened to float32 by SIMD.
  const stageAt = roundUp(dstAt + stripe * ds, 64);
  const total = stageAt + w * ch * (data instanceof Float32Array ? 0 : data.BYTES_PER_ELEMENT);
  let buffer: ArrayBuffer;
  try {
    buffer = sim.reserve(total);
  } catch {
    return undefined; // memory could not grow: the TypeScript engine
  }
  const mem = new Float32Array(buffer);
  // Weight table: for r = 0 … kh and tap i, splats of K[r][i] and K[r − 1][i].
  for (let r = 0, o = 0; r <= kh; r++) {
    for (let i = 0; i < kw; i++, o += 8) {
      const a = r < kh ? k[r * kw + i] : 0, b = r > 0 ? k[(r - 1) * kw + i] : 0;
      mem.fill(a, o, o + 4);
      mem.fill(b, o + 4, o + 8);
    }
  }
  const xs = paddedIndices(w, offsetX, pw - w - offsetX, boundary);
  const ys = paddedIndices(h, offsetY, ph - h - offsetY, boundary);
  // Padded columns [lo, hi) are the image's columns 0 … hi − lo − 1, in order.
  const lo = offsetX, hi = Math.min(offsetX + w, pw);
  const src0 = srcAt >> 2;
  const stage = data instanceof Uint8Array
    ? new Uint8Array(buffer, stageAt, w * ch)
    : data instanceof Uint16Array
    ? new Uint16Array(buffer, stageAt, w * ch)
    : undefined;
  const widen = (data instanceof Uint8Array ? sim.exports.widen_u8 : sim.exports.widen_u16) as (
    src: number,
    dst: number,
    n: number,
  ) => void;
  const fill = (p: number, slot: number) => {
    const at = src0 + slot * rowFloats, sy = ys[p];
    if (sy < 0) {
      mem.fill(cval, at, at + padLen);
    } else {
      const base = sy * w * ch, run = (hi - lo) * ch;
      if (run > 0 && stage !== undefined) {
        stage.set(data.subarray(base, base + run));
        widen(stageAt, (at + lo * ch) * 4, run);
      } else if (run > 0) {
        mem.set(data.subarray(base, base + run), at + lo * ch);
      }
      for (let px = 0; px < pw; px++) {
        if (px === lo && hi > lo) px = hi;
        if (px >= pw) break;
        const sx = xs[px], o = at + px * ch;
        if (sx < 0) mem.fill(cval, o, o + ch);
        else for (let c = 0, s = base + sx * ch; c < ch; c++) mem[o + c] = data[s + c];
      }
    }
    mem.fill(0, at + padLen, at + rowFloats);
  };
  const out = allocate(dtype, n * oh);
  const view = dtype === "f32"
    ? new Float32Array(buffer, dstAt, (stripe * ds) >> 2)
    : dtype === "u8"
    ? new Uint8Array(buffer, dstAt, stripe * ds)
    : new Uint16Array(buffer, dstAt, (stripe * ds) >> 1);
  const dsElems = ds / elem;
  const run = sim.exports.correlate as (...args: number[]) => void;
  for (let y0 = 0; y0 < oh; y0 += stripe) {
    const rows = Math.min(stripe, oh - y0);
    let from = 0;
    if (y0 > 0) {
      // The previous stripe's last kh − 1 padded rows are this stripe's first.
      mem.copyWithin(src0, src0 + stripe * rowFloats, src0 + (stripe + kh - 1) * rowFloats);
      from = kh - 1;
    }
    for (let s = from; s < rows + kh - 1; s++) fill(y0 + s, s);
    if (rows & 1) {
      const at = src0 + (rows + kh - 1) * rowFloats;
      mem.fill(0, at, at + rowFloats); // the odd row's unused partner reads zeros
    }
    run(srcAt, rowFloats * 4, dstAt, ds, blocks, (rows + 1) >> 1, 0, kw, kh, ch * 4, KIND[dtype]);
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
