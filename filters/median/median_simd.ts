/**
 * The WebAssembly SIMD u8 median (median_u8.wat, and median7_u8.wat for the generated 7×7 network): the glue that
 * pads rows and planes into the kernel's memory, runs it and copies the
 * result out. Exact — byte for byte the TypeScript paths of
 * `filters/median/` (`huang.ts`, `select.ts`, chosen by `median.ts`), which
 * stay the fallback and the reference:
 *
 * - 3×3, 5×5 and 7×7: min/max selection networks on 16 samples at a time, over
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
 * float32 and u16 ({@linkcode medianWideSimd}, filters/median/median_f32.wat):
 * the same 3×3 / 5×5 networks on i32x4 order-preserving keys (u16x8 for
 * u16); other windows a tiled sliding histogram on per-tile dense ranks
 * (TypeScript, used with the SIMD paths and tested against the
 * rank-transform path), whose cost does not grow with the image's number of
 * distinct values.
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { type BoundaryMode, paddedIndices } from "../../core/boundary.ts";
import { hasAlpha, Image } from "../../core/image.ts";
import { allocateInto } from "../../core/dtype.ts";
import type { OutputRows } from "../../core/registry.ts";
import type { AlphaMode } from "../../core/planes.ts";
import { lazyKernel, type SimdKernel } from "../../engines/simd.ts";
import { WASM_BASE64 } from "./median_u8_wasm.ts";
import { WASM_BASE64 as MEDIAN7_BASE64 } from "./median7_u8_wasm.ts";
import { WASM_BASE64 as WIDE_BASE64 } from "./median_f32_wasm.ts";

const medianKernel = lazyKernel(() => [WASM_BASE64, MEDIAN7_BASE64]);

/** Output columns per stripe of the constant-time kernel (column histograms stay in L2). */
export const PH_STRIPE = 1024;
/** The network kernels' work row stride (the constant offsets in median_u8.wat). */
const RS = 1088;
/** Scratch rows of the u8 networks by radius: sorted columns, then pairs of them. */
const WORK_ROWS = [0, 3, 15, 21];

interface MedianExports {
  median3_row(rows: number, dst: number, n: number, tap: number, work: number): void;
  median5_row(rows: number, dst: number, n: number, tap: number, work: number): void;
  median7_row(rows: number, dst: number, n: number, tap: number, work: number): void;
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
  if (kw === kh && (kw === 3 || kw === 5 || kw === 7)) return "network";
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
  rows?: OutputRows,
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
  const r0 = rows?.from ?? 0, r1 = rows?.to ?? h, n = w * ch;
  const out = allocateInto("u8", (r1 - r0) * n, rows?.into) as Uint8Array;
  const done = which === "network"
    ? networkMedian(kernel, src, w, h, ch, kw >> 1, boundary, cval, r0, r1, out)
    : phMedian(kernel, src, w, h, ch, kw, kh, boundary, cval, keep, r0, r1, out);
  if (!done) return undefined;
  if (keep) {
    for (let i = ch - 1, s = r0 * n + i; i < out.length; i += ch, s += ch) out[i] = src[s];
  }
  return new Image(w, r1 - r0, ch, out);
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

/** 3×3, 5×5 or 7×7 (`r` 1–3): one kernel call per output row over a ring of padded rows. */
function networkMedian(
  kernel: SimdKernel,
  src: Uint8Array,
  w: number,
  h: number,
  ch: number,
  r: number,
  boundary: BoundaryMode,
  cval: number,
  r0: number,
  r1: number,
  out: Uint8Array,
): boolean {
  const n = w * ch, taps = 2 * r + 1;
  const rowLen = n + 2 * r * ch;
  // Memory: row table | ring of padded rows (64 spare bytes: the kernels read
  // whole blocks past the end) | work rows | output row.
  const tblAt = 16;
  const stride = (rowLen + 64 + 15) & ~15;
  const ringAt = 64;
  const workAt = ringAt + taps * stride;
  const dstAt = workAt + WORK_ROWS[r] * RS;
  const buffer = reserve(kernel, dstAt + n + 32);
  if (!buffer) return false;
  const u8 = new Uint8Array(buffer), i32 = new Int32Array(buffer);
  const xs = paddedIndices(w, r, r, boundary), ys = paddedIndices(h, r, r, boundary);
  const { edgeAt, edgeFrom } = rowEdges(xs, w, r, ch);
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
  const row = [exports.median3_row, exports.median5_row, exports.median7_row][r - 1];
  for (let py = r0; py < r0 + taps - 1; py++) fill(py);
  for (let y = r0; y < r1; y++) {
    checkAbort();
    fill(y + taps - 1);
    for (let j = 0; j < taps; j++) i32[(tblAt >> 2) + j] = ringAt + ((y + j) % taps) * stride;
    row(tblAt, dstAt, n, ch, workAt);
    out.set(u8.subarray(dstAt, dstAt + n), (y - r0) * n);
  }
  return true;
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
  r0: number,
  r1: number,
  out: Uint8Array,
): boolean {
  const rx = kw >> 1, ry = kh >> 1;
  const rows = r1 - r0, pw = w + kw - 1, ph = rows + kh - 1, n = w * rows;
  const stripe = Math.min(PH_STRIPE, w);
  // Memory: work | padded plane | output (interleaved, written a channel at a time).
  const workAt = 64;
  const planeAt = (workAt + 640 + (stripe + kw - 1) * 544 + 15) & ~15;
  const outAt = (planeAt + pw * ph + 15) & ~15;
  const buffer = reserve(kernel, outAt + n * ch + 16);
  if (!buffer) return false;
  const u8 = new Uint8Array(buffer);
  const { median_ph } = kernel.exports as unknown as MedianExports;
  const xs = paddedIndices(w, rx, rx, boundary);
  const ys = paddedIndices(h, ry, ry, boundary).subarray(r0, r1 + kh - 1);
  for (let c = 0; c < ch; c++) {
    checkAbort();
    if (keepAlpha && c === ch - 1) break; // copied by the caller
    padPlane(src, w, ch, c, xs, ys, rx, cval, u8, planeAt);
    median_ph(planeAt, pw, w, rows, kw, kh, outAt + c, ch, workAt, stripe);
  }
  out.set(u8.subarray(outAt, outAt + n * ch));
  return true;
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

// ---------------------------------------------------------------------------
// float32 and u16 (filters/median/median_f32.wat)

const wideKernel = lazyKernel(() => WIDE_BASE64);

interface WideExports {
  keys_f32(at: number, n: number): void;
  unkeys_f32(at: number, n: number): void;
  median3_i32(rows: number, dst: number, n: number, tap: number, work: number): void;
  median5_i32(rows: number, dst: number, n: number, tap: number, work: number): void;
  median3_u16(rows: number, dst: number, n: number, tap: number, work: number): void;
  median5_u16(rows: number, dst: number, n: number, tap: number, work: number): void;
}

/** Padded tile samples at most (the tiles' local ranks and sample indices share a float64). */
const TILE_MAX = 1 << 17;

/**
 * Which fast path serves a float32 / u16 `kw × kh` window (odd sizes): the
 * i32x4 / u16x8 selection networks (3×3, 5×5) or the tiled local-rank
 * sliding histogram (any other window but 1×1 whose padded tile fits).
 */
export function medianWideKernel(kw: number, kh: number): "network" | "tiles" | undefined {
  if (!Number.isInteger(kw) || !Number.isInteger(kh) || kw < 1 || kh < 1) return undefined;
  if ((kw & 1) === 0 || (kh & 1) === 0) return undefined;
  if (kw === kh && (kw === 3 || kw === 5)) return "network";
  if (kw * kh === 1 || (kw + 7) * (kh + 7) > TILE_MAX) return undefined;
  return "tiles";
}

/**
 * The exact median of a float32 or u16 image over a `kw × kh` window (odd
 * sizes): 3×3 and 5×5 by SIMD min/max networks, other windows by the tiled
 * rank histogram (TypeScript, whatever the SIMD setting). `undefined` when
 * the network is needed and SIMD is off, no fast path serves the window,
 * or (u16) the `constant` border value is not a u16 level — the caller then
 * runs the TypeScript path, whose results these are exactly: the same order
 * (float32: NaN above +Infinity, −0 equal to +0), and the same zero sign (3×3
 * +0; other windows the first zero of the channel in raster order, else the
 * border value's).
 */
export function medianWideSimd(
  image: Image,
  kw: number,
  kh: number,
  boundary: BoundaryMode,
  cval: number,
  alpha: AlphaMode,
): Image | undefined {
  const src = image.data;
  const f32 = src instanceof Float32Array;
  if (!f32 && !(src instanceof Uint16Array)) return undefined;
  const which = medianWideKernel(kw, kh);
  if (!which) return undefined;
  if (boundary === "constant") {
    if (!f32 && !(Number.isInteger(cval) && cval >= 0 && cval <= 65535)) return undefined;
  } else cval = 0;
  const { width: w, height: h, channels: ch } = image;
  const keep = alpha === "keep" && hasAlpha(ch);
  // The networks need WebAssembly SIMD; the tiled histogram is plain
  // TypeScript and serves whatever the SIMD setting.
  let out: Float32Array | Uint16Array | undefined;
  if (which === "network") {
    const kernel = wideKernel.get();
    if (!kernel) return undefined;
    out = wideNetwork(kernel, src, w, h, ch, kw >> 1, boundary, cval);
  } else out = wideTiles(src, w, h, ch, kw, kh, boundary, cval, keep);
  if (!out) return undefined;
  if (f32 && !(kw === 3 && kh === 3)) fixZeroSign(src, out, ch, boundary, cval, keep);
  if (keep) { for (let i = ch - 1; i < src.length; i += ch) out[i] = src[i]; }
  return new Image(w, h, ch, out);
}

/** The bits of float32 `v`. */
function bitsOf(v: number): number {
  const f = new Float32Array([v]);
  return new Int32Array(f.buffer)[0];
}

/** The order-preserving int32 key of float32 bits (−0 and +0: 0); its own inverse but for 0. */
function keyOf(bits: number): number {
  return (bits & 0x7fffffff) === 0 ? 0 : bits < 0 ? bits ^ 0x7fffffff : bits;
}

/**
 * Zero outputs get the sign the rank-transform path gives them: that of the
 * channel's first zero in raster order, else of the border value.
 */
function fixZeroSign(
  src: Float32Array,
  out: Float32Array | Uint16Array,
  ch: number,
  boundary: BoundaryMode,
  cval: number,
  keep: boolean,
): void {
  const sb = new Int32Array(src.buffer, src.byteOffset, src.length);
  const ob = new Int32Array(out.buffer, out.byteOffset, out.length);
  for (let c = 0; c < (keep ? ch - 1 : ch); c++) {
    let zero = 0; // +0 when the channel has no zero (then no output is zero)
    let i = c;
    for (; i < sb.length; i += ch) if ((sb[i] & 0x7fffffff) === 0) break;
    if (i < sb.length) zero = sb[i];
    else if (boundary === "constant" && Math.fround(cval) === 0) zero = bitsOf(cval);
    if (zero === 0) continue;
    for (let j = c; j < ob.length; j += ch) if (ob[j] === 0) ob[j] = zero;
  }
}

/** 3×3 (`r` 1) or 5×5 (`r` 2) networks on int32 keys (float32) or u16, over the interleaved rows. */
function wideNetwork(
  kernel: SimdKernel,
  src: Float32Array | Uint16Array,
  w: number,
  h: number,
  ch: number,
  r: number,
  boundary: BoundaryMode,
  cval: number,
): Float32Array | Uint16Array | undefined {
  const f32 = src instanceof Float32Array;
  const es = f32 ? 4 : 2;
  const n = w * ch, taps = 2 * r + 1;
  const rowLen = n + 2 * r * ch;
  const tblAt = 16;
  const stride = (rowLen * es + 64 + 15) & ~15;
  const ringAt = 64;
  const workAt = ringAt + taps * stride;
  const dstAt = workAt + (r === 1 ? 3 : 15) * RS;
  const buffer = reserve(kernel, dstAt + n * es + 32);
  if (!buffer) return undefined;
  const i32 = new Int32Array(buffer);
  const mem: Int32Array | Uint16Array = f32 ? i32 : new Uint16Array(buffer);
  const s: Int32Array | Uint16Array = f32
    ? new Int32Array(src.buffer, src.byteOffset, src.length)
    : src;
  const fillValue = f32 ? bitsOf(cval) : cval;
  const xs = paddedIndices(w, r, r, boundary), ys = paddedIndices(h, r, r, boundary);
  const { edgeAt, edgeFrom } = rowEdges(xs, w, r, ch);
  const ex = kernel.exports as unknown as WideExports;
  const fill = (py: number) => {
    const slotByte = ringAt + (py % taps) * stride, slot = slotByte / es, sy = ys[py];
    if (sy < 0) mem.fill(fillValue, slot, slot + rowLen);
    else {
      const base = sy * n;
      mem.set(s.subarray(base, base + n), slot + r * ch);
      for (let e = 0; e < edgeAt.length; e++) {
        const from = edgeFrom[e];
        mem[slot + edgeAt[e]] = from < 0 ? fillValue : s[base + from];
      }
    }
    if (f32) ex.keys_f32(slotByte, rowLen);
  };
  const row = f32
    ? (r === 1 ? ex.median3_i32 : ex.median5_i32)
    : (r === 1 ? ex.median3_u16 : ex.median5_u16);
  const out = f32 ? new Float32Array(n * h) : new Uint16Array(n * h);
  const view = f32 ? new Float32Array(buffer) : mem;
  const d = dstAt / es;
  for (let py = 0; py < taps - 1; py++) fill(py);
  for (let y = 0; y < h; y++) {
    checkAbort();
    fill(y + taps - 1);
    for (let j = 0; j < taps; j++) i32[(tblAt >> 2) + j] = ringAt + ((y + j) % taps) * stride;
    row(tblAt, dstAt, n * es, ch * es, workAt);
    if (f32) ex.unkeys_f32(dstAt, n);
    out.set(view.subarray(d, d + n), y * n);
  }
  return out;
}

/**
 * Other windows, one channel at a time: the image is cut into tiles of
 * output; each padded tile's keys are sorted once (a radix sort) and replaced by their dense ranks within the tile — at most
 * the tile's sample count of levels however many distinct values the image
 * has — and Huang's sliding histogram (zigzag, coarse bins of 2^shift
 * levels) runs on those ranks with histograms that stay in cache.
 */
function wideTiles(
  src: Float32Array | Uint16Array,
  w: number,
  h: number,
  ch: number,
  kw: number,
  kh: number,
  boundary: BoundaryMode,
  cval: number,
  keep: boolean,
): Float32Array | Uint16Array | undefined {
  const f32 = src instanceof Float32Array;
  const rx = kw >> 1, ry = kh >> 1;
  // tile sides: the largest power of two up to 256 whose padded tile fits
  let tw = 256, th = 256;
  while ((tw + kw - 1) * (th + kh - 1) > TILE_MAX) {
    if (tw >= th && tw > 8) tw >>= 1;
    else if (th > 8) th >>= 1;
    else return undefined;
  }
  tw = Math.min(tw, w);
  th = Math.min(th, h);
  const maxN = (tw + kw - 1) * (th + kh - 1);
  const s: Int32Array | Uint16Array = f32
    ? new Int32Array(src.buffer, src.byteOffset, src.length)
    : src;
  const cvalKey = f32 ? keyOf(bitsOf(cval)) : cval;
  const xs = paddedIndices(w, rx, rx, boundary), ys = paddedIndices(h, ry, ry, boundary);
  const ukey = new Uint32Array(maxN);
  const idxA = new Int32Array(maxN), idxB = new Int32Array(maxN);
  const count = new Int32Array(2048);
  const ranks = new Int32Array(maxN);
  const vals = new Int32Array(maxN);
  const fine = new Int32Array(maxN + 1);
  const coarse = new Int32Array((maxN >> 2) + 2);
  const outRank = new Int32Array(tw * th);
  const out = f32 ? new Float32Array(src.length) : new Uint16Array(src.length);
  const ob: Int32Array | Uint16Array = f32 ? new Int32Array(out.buffer) : out as Uint16Array;
  for (let c = 0; c < (keep ? ch - 1 : ch); c++) {
    for (let y0 = 0; y0 < h; y0 += th) {
      checkAbort();
      const bh = Math.min(th, h - y0), ph2 = bh + kh - 1;
      for (let x0 = 0; x0 < w; x0 += tw) {
        const bw = Math.min(tw, w - x0), pw2 = bw + kw - 1;
        const n = pw2 * ph2;
        // the padded tile's keys, read from the image through the padded indices
        for (let j = 0, i = 0; j < ph2; j++) {
          const sy = ys[y0 + j];
          if (sy < 0) {
            ukey.fill(cvalKey ^ 0x80000000, i, i + pw2);
            i += pw2;
            continue;
          }
          const base = sy * w * ch + c;
          for (let q = 0; q < pw2; q++, i++) {
            const sx = xs[x0 + q];
            const key = sx < 0 ? cvalKey : f32 ? keyOf(s[base + sx * ch]) : s[base + sx * ch];
            ukey[i] = key ^ 0x80000000;
          }
        }
        const order = radixOrder(ukey, n, idxA, idxB, count);
        let levels = 0, prev = -1;
        for (let i = 0; i < n; i++) {
          const id = order[i], key = ukey[id];
          if (key !== prev) {
            vals[levels++] = key ^ 0x80000000;
            prev = key;
          }
          ranks[id] = levels - 1;
        }
        // coarse bins of 32 ranks (measured best on many-level tiles, 2^4..2^7
        // tried); fewer levels: about their square root
        const shift = levels >= 1024
          ? 5
          : Math.max(2, Math.ceil(Math.log2(Math.max(4, levels)) / 2));
        slidingMedian(ranks, pw2, bw, bh, kw, kh, levels, shift, fine, coarse, outRank);
        for (let y = 0; y < bh; y++) {
          for (let x = 0, o = ((y0 + y) * w + x0) * ch + c, i = y * bw; x < bw; x++, o += ch, i++) {
            const key = vals[outRank[i]];
            ob[o] = f32 ? (key < 0 ? key ^ 0x7fffffff : key) : key;
          }
        }
      }
    }
  }
  return out;
}

/**
 * The indices `0..n-1` ordered by `keys` (stable LSD radix sort, 11-bit
 * digits; digits on which all keys agree are skipped — u16 and smooth tiles
 * need one or two passes). Returns `a` or `b`.
 */
function radixOrder(
  keys: Uint32Array,
  n: number,
  a: Int32Array,
  b: Int32Array,
  count: Int32Array,
): Int32Array {
  const first = keys[0];
  let diff = 0;
  for (let i = 0; i < n; i++) {
    diff |= keys[i] ^ first;
    a[i] = i;
  }
  for (let sh = 0; sh < 32; sh += 11) {
    if (((diff >>> sh) & 2047) === 0) continue;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(keys[i] >>> sh) & 2047]++;
    for (let d = 0, acc = 0; d < 2048; d++) {
      const c = count[d];
      count[d] = acc;
      acc += c;
    }
    for (let i = 0; i < n; i++) {
      const id = a[i];
      b[count[(keys[id] >>> sh) & 2047]++] = id;
    }
    const t = a;
    a = b;
    b = t;
  }
  return a;
}

/**
 * Huang's sliding histogram with a zigzag traversal over a padded plane of
 * levels `0..levels-1` (`pw` wide), coarse bins of `2^shift` levels: the
 * median level of every `kw × kh` window into `out` (`bw × bh`). `fine`
 * (at least `levels + 1` entries) and `coarse` (`(levels >> shift) + 2`)
 * must be zero and are left zeroed. Serves the tiles here and the
 * TypeScript median's u16 and rank planes.
 */
export function slidingMedian(
  P: Int32Array,
  pw: number,
  bw: number,
  bh: number,
  kw: number,
  kh: number,
  levels: number,
  shift: number,
  fine: Int32Array,
  coarse: Int32Array,
  out: Int32Array,
): void {
  const bsize = 1 << shift, bmask = bsize - 1;
  const k = (kw * kh) >> 1;
  for (let j = 0; j < kh; j++) {
    for (let i = 0, o = j * pw; i < kw; i++) {
      const v = P[o + i];
      fine[v]++;
      coarse[v >> shift]++;
    }
  }
  let m = 0, lt = 0;
  let x = 0, y = 0, dir = 1;
  for (;;) {
    if (lt > k) {
      do {
        if ((m & bmask) === 0 && m >= bsize && lt - coarse[(m >> shift) - 1] > k) {
          m -= bsize;
          lt -= coarse[m >> shift];
        } else {
          m--;
          lt -= fine[m];
        }
      } while (lt > k);
    } else {
      while (lt + fine[m] <= k) {
        if ((m & bmask) === 0 && lt + coarse[m >> shift] <= k) {
          lt += coarse[m >> shift];
          m += bsize;
        } else {
          lt += fine[m];
          m++;
        }
      }
    }
    out[y * bw + x] = m;
    const nx = x + dir;
    if (nx >= 0 && nx < bw) {
      const rem = dir > 0 ? x : x + kw - 1;
      const add = dir > 0 ? x + kw : x - 1;
      lt = swapSamples(P, y * pw + rem, y * pw + add, pw, kh, fine, coarse, shift, m, lt);
      x = nx;
    } else {
      if (y + 1 >= bh) break;
      lt = swapSamples(P, y * pw + x, (y + kh) * pw + x, 1, kw, fine, coarse, shift, m, lt);
      y++;
      dir = -dir;
    }
  }
  fine.fill(0, 0, levels + 1);
  coarse.fill(0, 0, (levels >> shift) + 2);
}

/**
 * Moves the sliding window by one step: the `n` samples at `rem`,
 * `rem + step`, … leave the histograms and those at `add`, `add + step`, …
 * enter; returns the updated count of samples below the median level `m`.
 */
function swapSamples(
  P: Int32Array,
  rem: number,
  add: number,
  step: number,
  n: number,
  fine: Int32Array,
  coarse: Int32Array,
  shift: number,
  m: number,
  lt: number,
): number {
  for (let i = 0; i < n; i++, rem += step, add += step) {
    const a = P[rem];
    fine[a]--;
    coarse[a >> shift]--;
    lt -= (a - m) >>> 31;
    const b = P[add];
    fine[b]++;
    coarse[b >> shift]++;
    lt += (b - m) >>> 31;
  }
  return lt;
}

/**
 * The border samples of a row padded by `r` pixels on each side (`xs`
 * from `paddedIndices(w, r, r, boundary)`), `ch` interleaved channels:
 * `edgeAt[e]` is the sample's index in the padded row and `edgeFrom[e]`
 * its source index in the row, or −1 for the constant border value.
 */
function rowEdges(
  xs: Int32Array,
  w: number,
  r: number,
  ch: number,
): { edgeAt: Int32Array; edgeFrom: Int32Array } {
  const edgeAt = new Int32Array(2 * r * ch), edgeFrom = new Int32Array(2 * r * ch);
  for (let e = 0, px = 0; px < w + 2 * r; px++) {
    if (px === r) px += w;
    if (px >= w + 2 * r) break;
    for (let c = 0; c < ch; c++, e++) {
      edgeAt[e] = px * ch + c;
      edgeFrom[e] = xs[px] < 0 ? -1 : xs[px] * ch + c;
    }
  }
  return { edgeAt, edgeFrom };
}
