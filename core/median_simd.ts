/**
 * The WebAssembly SIMD u8 median (core/simd/median_u8.wat): the glue that
 * pads rows and planes into the kernel's memory, runs it and copies the
 * result out. Exact — byte for byte the TypeScript paths of
 * `filters/median.ts`, which stay the fallback and the reference:
 *
 * - 3×3 and 5×5: min/max selection networks on 16 samples at a time, over
 *   the interleaved channels directly, one output row per call with a ring
 *   of padded rows.
 * - every other window of at most 65 535 samples (but 1×1): the
 *   Perreault–Hébert constant-time method, one padded channel plane at a
 *   time, in vertical stripes of {@linkcode PH_STRIPE} columns. It measured
 *   faster than the TypeScript sliding histograms at every size, 1×3 up.
 *
 * A `constant` border value outside 0..255, a larger window, or SIMD
 * switched off: `undefined`, and the caller runs the TypeScript path.
 *
 * @module
 */

import { type BoundaryMode, paddedIndices } from "./boundary.ts";
import { hasAlpha, Image } from "./image.ts";
import type { AlphaMode } from "./planes.ts";
import { lazyKernel, type SimdKernel } from "./simd/mod.ts";
import { WASM_BASE64 } from "./simd/median_u8_wasm.ts";

const medianKernel = lazyKernel(() => WASM_BASE64);

/** Output columns per stripe of the constant-time kernel (column histograms stay in L2). */
export const PH_STRIPE = 1024;
/** The network kernels' work row stride (the constant offsets in median_u8.wat). */
const RS = 1088;

interface MedianExports {
  median3_row(rows: number, dst: number, n: number, tap: number, work: number): void;
  median5_row(rows: number, dst: number, n: number, tap: number, work: number): void;
  median_ph(
    plane: number,
    pw: number,
    w: number,
    h: number,
    kw: number,
    kh: number,
    out: number,
    os: number,
    work: number,
    stripe: number,
  ): void;
}

/** The most kernel memory a call may use (beyond it: the TypeScript path). */
const MAX_BYTES = 2 ** 30;

/** Which SIMD kernel serves a `kw × kh` window (odd sizes), if any (1×1 is a copy). */
export function medianSimdKernel(kw: number, kh: number): "network" | "ph" | undefined {
  if (!Number.isInteger(kw) || !Number.isInteger(kh) || kw < 1 || kh < 1) return undefined;
  if ((kw & 1) === 0 || (kh & 1) === 0) return undefined;
  if ((kw === 3 && kh === 3) || (kw === 5 && kh === 5)) return "network";
  const area = kw * kh;
  return area > 1 && area <= 65535 ? "ph" : undefined;
}

/**
 * The exact median of a u8 image over a `kw × kh` window (odd sizes) with
 * the SIMD kernels, or `undefined` when SIMD is off or no kernel serves the
 * window or the border value. `alpha: "keep"` copies an alpha channel.
 */
export function medianU8Simd(
  image: Image,
  kw: number,
  kh: number,
  boundary: BoundaryMode,
  cval: number,
  alpha: AlphaMode,
): Image | undefined {
  if (!(image.data instanceof Uint8Array)) return undefined;
  const which = medianSimdKernel(kw, kh);
  if (!which) return undefined;
  if (boundary === "constant") {
    if (!(Number.isInteger(cval) && cval >= 0 && cval <= 255)) return undefined;
  } else cval = 0;
  const kernel = medianKernel.get();
  if (!kernel) return undefined;
  const { width: w, height: h, channels: ch } = image;
  const src = image.data;
  const keep = alpha === "keep" && hasAlpha(ch);
  const out = which === "network"
    ? networkMedian(kernel, src, w, h, ch, kw >> 1, boundary, cval)
    : phMedian(kernel, src, w, h, ch, kw, kh, boundary, cval, keep);
  if (!out) return undefined;
  if (keep) { for (let i = ch - 1; i < src.length; i += ch) out[i] = src[i]; }
  return new Image(w, h, ch, out);
}

/** The kernel's memory grown to `bytes`, or `undefined` past `MAX_BYTES` or when growing fails. */
function reserve(kernel: SimdKernel, bytes: number): ArrayBuffer | undefined {
  if (bytes > MAX_BYTES) return undefined;
  try {
    return kernel.reserve(bytes);
  } catch {
    return undefined; // out of memory for the module: the TypeScript path
  }
}

/** 3×3 (`r` 1) or 5×5 (`r` 2): one kernel call per output row over a ring of padded rows. */
function networkMedian(
  kernel: SimdKernel,
  src: Uint8Array,
  w: number,
  h: number,
  ch: number,
  r: number,
  boundary: BoundaryMode,
  cval: number,
): Uint8Array | undefined {
  const n = w * ch, taps = 2 * r + 1;
  const rowLen = n + 2 * r * ch;
  // Memory: row table | ring of padded rows (64 spare bytes: the kernels read
  // whole blocks past the end) | work rows | output row.
  const tblAt = 16;
  const stride = (rowLen + 64 + 15) & ~15;
  const ringAt = 64;
  const workAt = ringAt + taps * stride;
  const dstAt = workAt + (r === 1 ? 3 : 15) * RS;
  const buffer = reserve(kernel, dstAt + n + 32);
  if (!buffer) return undefined;
  const u8 = new Uint8Array(buffer), i32 = new Int32Array(buffer);
  const xs = paddedIndices(w, r, r, boundary), ys = paddedIndices(h, r, r, boundary);
  // the padded row's edge samples: source offsets within the row, -1 for cval
  const edgeAt = new Int32Array(2 * r * ch), edgeFrom = new Int32Array(2 * r * ch);
  for (let e = 0, px = 0; px < w + 2 * r; px++) {
    if (px === r) px += w;
    if (px >= w + 2 * r) break;
    for (let c = 0; c < ch; c++, e++) {
      edgeAt[e] = px * ch + c;
      edgeFrom[e] = xs[px] < 0 ? -1 : xs[px] * ch + c;
    }
  }
  const fill = (py: number) => {
    const slot = ringAt + (py % taps) * stride, sy = ys[py];
    if (sy < 0) {
      u8.fill(cval, slot, slot + rowLen);
      return;
    }
    const base = sy * n;
    u8.set(src.subarray(base, base + n), slot + r * ch);
    for (let e = 0; e < edgeAt.length; e++) {
      const s = edgeFrom[e];
      u8[slot + edgeAt[e]] = s < 0 ? cval : src[base + s];
    }
  };
  const exports = kernel.exports as unknown as MedianExports;
  const row = r === 1 ? exports.median3_row : exports.median5_row;
  const out = new Uint8Array(n * h);
  for (let py = 0; py < taps - 1; py++) fill(py);
  for (let y = 0; y < h; y++) {
    fill(y + taps - 1);
    for (let j = 0; j < taps; j++) i32[(tblAt >> 2) + j] = ringAt + ((y + j) % taps) * stride;
    row(tblAt, dstAt, n, ch, workAt);
    out.set(u8.subarray(dstAt, dstAt + n), y * n);
  }
  return out;
}

/** The constant-time kernel, one padded channel plane at a time. */
function phMedian(
  kernel: SimdKernel,
  src: Uint8Array,
  w: number,
  h: number,
  ch: number,
  kw: number,
  kh: number,
  boundary: BoundaryMode,
  cval: number,
  keepAlpha: boolean,
): Uint8Array | undefined {
  const rx = kw >> 1, ry = kh >> 1;
  const pw = w + kw - 1, ph = h + kh - 1, n = w * h;
  const stripe = Math.min(PH_STRIPE, w);
  // Memory: work | padded plane | output (interleaved, written a channel at a time).
  const workAt = 64;
  const planeAt = (workAt + 640 + (stripe + kw - 1) * 544 + 15) & ~15;
  const outAt = (planeAt + pw * ph + 15) & ~15;
  const buffer = reserve(kernel, outAt + n * ch + 16);
  if (!buffer) return undefined;
  const u8 = new Uint8Array(buffer);
  const { median_ph } = kernel.exports as unknown as MedianExports;
  const xs = paddedIndices(w, rx, rx, boundary), ys = paddedIndices(h, ry, ry, boundary);
  for (let c = 0; c < ch; c++) {
    if (keepAlpha && c === ch - 1) break; // copied by the caller
    padPlane(src, w, ch, c, xs, ys, rx, cval, u8, planeAt);
    median_ph(planeAt, pw, w, h, kw, kh, outAt + c, ch, workAt, stripe);
  }
  return u8.slice(outAt, outAt + n * ch);
}

/** Channel `c` of an interleaved image as a padded plane at `at` (`xs`/`ys`: padded indices). */
function padPlane(
  src: Uint8Array,
  w: number,
  ch: number,
  c: number,
  xs: Int32Array,
  ys: Int32Array,
  rx: number,
  cval: number,
  u8: Uint8Array,
  at: number,
): void {
  const pw = xs.length, rowBytes = w * ch;
  for (let py = 0, o = at; py < ys.length; py++, o += pw) {
    const sy = ys[py];
    if (sy < 0) {
      u8.fill(cval, o, o + pw);
      continue;
    }
    const base = sy * rowBytes + c;
    if (ch === 1) u8.set(src.subarray(base, base + w), o + rx);
    else {
      const row = u8.subarray(o + rx, o + rx + w);
      for (let x = 0, s = base; x < w; x++, s += ch) row[x] = src[s];
    }
    for (let px = 0; px < rx; px++) {
      const a = xs[px], b = xs[pw - 1 - px];
      u8[o + px] = a < 0 ? cval : src[base + a * ch];
      u8[o + pw - 1 - px] = b < 0 ? cval : src[base + b * ch];
    }
  }
}
