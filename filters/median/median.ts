/**
 * `median`: the exact median filter for every dtype, size and boundary mode.
 *
 * The result is the element of rank `floor(n / 2)` (0-based) of the `n`
 * window samples in sorted order — the true median for odd windows and, for
 * a `footprint` with an even count, the upper median, exactly as
 * `scipy.ndimage.median_filter`. Algorithms, all exact:
 *
 * - 3×3 (any dtype): per-column sorting network shared by neighbouring
 *   outputs, then the max-of-lows / median-of-middles / min-of-highs
 *   selection.
 * - u8: Huang's sliding histogram with a zigzag (boustrophedon) traversal for
 *   small windows; for larger ones the Perreault–Hébert constant-time method
 *   (per-column histograms, two-level coarse/fine kernel histogram with lazy
 *   fine updates), whose cost barely grows with the window size.
 * - u16: the zigzag sliding histogram directly on the 65 536 levels (coarse
 *   bins of 256).
 * - f32: the image is rank-transformed (radix sort of the float bit patterns),
 *   the sliding two-level histogram runs on ranks, and ranks map back to the
 *   original values — never quantised.
 *
 * u8 with WebAssembly SIMD (filters/median/median_simd.ts, filters/median/median_u8.wat;
 * `IMFILTER_SIMD=0` or `withSimd(false, …)` selects the TypeScript paths
 * above, which stay the fallback and the reference): 3×3, 5×5 and 7×7 run
 * u8x16 min/max selection networks (5×5 and 7×7: sorted columns, merged
 * pairs of them, a pruned merge), 16 samples per instruction over the interleaved channels;
 * every other window up to 65 535 samples runs Perreault–Hébert with the
 * coarse and fine kernel histograms in i16x8 lanes — both byte-identical to
 * the TypeScript results. f32 and u16 with SIMD (filters/median/median_f32.wat):
 * 3×3 and 5×5 run the same networks in i32x4 lanes on the order-preserving
 * int32 keys of the floats (u16: u16x8 lanes); other windows cut the image
 * into tiles, rank the padded tile's keys (radix sort) and run the sliding
 * histogram on those local ranks, so its cost does not grow with the
 * image's number of distinct values — results identical to the paths above,
 * zero signs and NaN included.
 *
 * OpenCV's `medianBlur` always replicates the edge: pass
 * `boundary: "replicate"` to match it exactly. It also refuses float images
 * above 5×5; imfilter does not.
 *
 * @module
 */

import type { BoundaryMode } from "../../core/boundary.ts";
import { FilterError } from "../../core/errors.ts";
import { hasAlpha, Image } from "../../core/image.ts";
import type { Kernel } from "../../core/kernel.ts";
import type { ParamSpecs, Size } from "../../core/params.ts";
import type { AlphaMode } from "../../core/planes.ts";
import { medianU8Simd, medianWideSimd, slidingMedian } from "./median_simd.ts";
import { mapNativePlanes, type NumericPlane, padPlaneInto } from "../../core/native_planes.ts";
import {
  type FilterPlugin,
  type OutputRows,
  PLUGIN_BRAND,
  registerFilter,
  runSyncImage,
} from "../../core/registry.ts";

/** Options of {@linkcode median}. */
export interface MedianOptions {
  /** Window size, odd: `5` or `[width, height]` (default 3). */
  size?: number | [number, number];
  /** Border handling (default `"reflect"`; `"replicate"` matches OpenCV `medianBlur`). */
  boundary?: BoundaryMode | string;
  /** The value outside the image for `boundary: "constant"` (default 0). */
  cval?: number;
  /**
   * An arbitrary window shape (non-zero entries are in it; centre at
   * `floor(size / 2)`), as `scipy.ndimage.median_filter`'s `footprint`;
   * overrides `size`.
   */
  footprint?: Kernel | readonly (readonly number[])[] | string;
  /** `"keep"` (default) passes an alpha channel through; `"filter"` filters it too. */
  alpha?: AlphaMode;
}

/** Resolved params of the `median` plugin. */
export interface MedianParams {
  /** Window size `[width, height]`. */
  size: Size;
  /** Border handling. */
  boundary: BoundaryMode;
  /** Constant border value. */
  cval: number;
  /** Optional window shape. */
  footprint?: Kernel;
  /** Alpha handling. */
  alpha: AlphaMode;
}

const medianSpecs: ParamSpecs<MedianParams> = {
  size: {
    type: "size",
    default: [3, 3],
    min: 1,
    max: 1001,
    odd: true,
    description: "window size, odd: N or WxH",
    example: "5",
  },
  boundary: {
    type: "boundary",
    default: "reflect",
    description: "border handling (OpenCV medianBlur replicates)",
    example: "replicate",
  },
  cval: {
    type: "number",
    default: 0,
    description: "value outside the image for boundary constant",
  },
  footprint: {
    type: "kernel",
    description: "window shape: non-zero entries are in the window (overrides size)",
    example: '"1,0,1;1,1,1;0,1,0"',
  },
  alpha: {
    type: "enum",
    values: ["keep", "filter"],
    default: "keep",
    description: "alpha channel (2nd of 2, 4th of 4): keep unchanged or filter it too",
  },
};

/** Window sizes from which u8 uses the constant-time method instead of Huang's (measured). */
const O1_MIN_SIZE = 27;

/** Filters one plane; returns an array of the plane's values (any numeric type). */
function medianPlane(
  plane: Uint8Array | Uint16Array | Float32Array,
  width: number,
  height: number,
  params: Omit<MedianParams, "alpha">,
): NumericPlane {
  const { boundary, footprint } = params;
  let cval = params.cval;
  if (footprint) return footprintMedian(plane, width, height, footprint, boundary, cval);
  const [kw, kh] = params.size;
  if (kw === 1 && kh === 1) return plane.slice();
  const integer = plane instanceof Uint8Array || plane instanceof Uint16Array;
  const maxLevel = plane instanceof Uint8Array ? 255 : 65535;
  const cvalFits = boundary !== "constant" ||
    (integer ? Number.isInteger(cval) && cval >= 0 && cval <= maxLevel : true);
  if (boundary !== "constant") cval = 0;
  if (kw === 3 && kh === 3) return median3x3(plane, width, height, boundary, cval);
  if (integer && cvalFits) {
    if (plane instanceof Uint8Array) {
      if (Math.max(kw, kh) >= O1_MIN_SIZE && kh <= 65535) {
        return medianU8Constant(plane, width, height, kw, kh, boundary, cval);
      }
      return huangU8(plane, width, height, kw, kh, boundary, cval);
    }
    return huang(plane, width, height, kw, kh, boundary, cval, 65536, 8, null);
  }
  // Floats (and integers with a cval outside their range): rank transform.
  const { ranks, values, cvalRank } = rankTransform(plane, boundary === "constant" ? cval : null);
  const levels = values.length;
  const shift = Math.max(2, Math.ceil(Math.log2(Math.max(4, levels)) / 2));
  return huang(ranks, width, height, kw, kh, boundary, cvalRank, levels, shift, values);
}

/** The order-preserving int32 key of a float32 (exactly invertible). */
function toKey(bits: number): number {
  return bits < 0 ? bits ^ 0x7fffffff : bits;
}

/**
 * 3×3: sort each padded column once (shared by three outputs), then
 * med3(max of lows, med3 of middles, min of highs). Runs on int32 values (or
 * order-preserving int32 keys of float32 values) so min/max are branch-free.
 */
function median3x3(
  src: Uint8Array | Uint16Array | Float32Array,
  w: number,
  h: number,
  mode: BoundaryMode,
  cval: number,
): NumericPlane {
  const pw = w + 2, ph = h + 2;
  const max = src instanceof Uint8Array ? 255 : 65535;
  const asFloat = src instanceof Float32Array || !Number.isInteger(cval) || cval < 0 ||
    cval > max;
  const padded = new Int32Array(pw * ph);
  if (asFloat) {
    const f = new Float32Array(pw * ph);
    padPlaneInto(src, w, h, 1, 1, 1, 1, mode, cval, f);
    const bits = new Int32Array(f.buffer);
    for (let i = 0; i < bits.length; i++) {
      const v = bits[i];
      padded[i] = (v & 0x7fffffff) === 0 ? 0 : toKey(v);
    }
  } else padPlaneInto(src, w, h, 1, 1, 1, 1, mode, cval, padded);
  const lo = new Int32Array(pw), mi = new Int32Array(pw), hi = new Int32Array(pw);
  const out = new Int32Array(w * h);
  for (let y = 0; y < h; y++) {
    const r0 = y * pw, r1 = r0 + pw, r2 = r1 + pw;
    for (let x = 0; x < pw; x++) {
      const a = padded[r0 + x], b = padded[r1 + x], c = padded[r2 + x];
      const l1 = Math.min(a, b), h1 = Math.max(a, b);
      const m2 = Math.min(h1, c);
      lo[x] = Math.min(l1, m2);
      mi[x] = Math.max(l1, m2);
      hi[x] = Math.max(h1, c);
    }
    const o = y * w;
    for (let x = 0; x < w; x++) {
      const l = Math.max(lo[x], lo[x + 1], lo[x + 2]);
      const u = Math.min(hi[x], hi[x + 1], hi[x + 2]);
      const a = mi[x], b = mi[x + 1], c = mi[x + 2];
      const mm = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
      out[o + x] = Math.max(Math.min(l, mm), Math.min(Math.max(l, mm), u));
    }
  }
  if (asFloat) {
    for (let i = 0; i < out.length; i++) out[i] = toKey(out[i]);
    const f = new Float32Array(out.buffer);
    return src instanceof Float32Array ? f : new Float64Array(f); // integers: rounded by the caller
  }
  return src instanceof Uint8Array ? new Uint8Array(out) : new Uint16Array(out);
}

/**
 * Huang's sliding-histogram median with a zigzag traversal over a padded
 * plane of integer levels `0..levels-1`, with coarse bins of `2^shift`
 * levels so the median pointer skips empty runs (the sliding loop is
 * filters/median/median_simd.ts's {@linkcode slidingMedian}). `values` maps levels back.
 */
function huang(
  src: Uint8Array | Uint16Array | Uint32Array,
  w: number,
  h: number,
  kw: number,
  kh: number,
  mode: BoundaryMode,
  cval: number,
  levels: number,
  shift: number,
  values: Float32Array | null,
): NumericPlane {
  const rx = kw >> 1, ry = kh >> 1;
  const pw = w + 2 * rx, ph = h + 2 * ry;
  const P = new Int32Array(pw * ph);
  padPlaneInto(src, w, h, rx, rx, ry, ry, mode, cval, P);
  const ranks = new Int32Array(w * h);
  slidingMedian(
    P,
    pw,
    w,
    h,
    kw,
    kh,
    levels,
    shift,
    new Int32Array(levels + 1),
    new Int32Array((levels >> shift) + 2),
    ranks,
  );
  const out = values
    ? new Float32Array(w * h)
    : levels <= 256
    ? new Uint8Array(w * h)
    : new Uint16Array(w * h);
  if (values) { for (let i = 0; i < ranks.length; i++) out[i] = values[ranks[i]]; }
  else out.set(ranks);
  return out;
}

/**
 * Huang's sliding histogram for u8 with a zigzag traversal: 256 bins and a
 * median pointer with the count of samples below it, moved level by level
 * (medians of neighbouring windows are close on photographs). Histogram
 * updates are branch-free (an equal leaving and entering sample cancel),
 * which measured faster than skipping them, and than 16- or 64-bin coarse
 * histograms with a bin scan. Rows are one function call each so the engine
 * optimises the loop whole.
 */
function huangU8(
  src: Uint8Array,
  w: number,
  h: number,
  kw: number,
  kh: number,
  mode: BoundaryMode,
  cval: number,
  ch = 1,
  c = 0,
  out: Uint8Array = new Uint8Array(w * h),
): Uint8Array {
  // channel c of an image of ch interleaved channels, into (and out of) the
  // interleaved layout directly
  const rx = kw >> 1, ry = kh >> 1;
  const pw = w + 2 * rx, ph = h + 2 * ry;
  const P = new Uint8Array(pw * ph);
  const xs = padIdx(w, rx, rx, mode), ys = padIdx(h, ry, ry, mode);
  for (let py = 0; py < ph; py++) {
    padRowU8(src, (ys[py] * w) * ch + c, ys[py] < 0, xs, ch, cval, P, py * pw);
  }
  const fine = new Int32Array(256);
  const k = (kw * kh) >> 1;
  for (let j = 0; j < kh; j++) {
    for (let i = 0; i < kw; i++) {
      const v = P[j * pw + i];
      fine[v]++;
    }
  }
  const st = new Int32Array(2); // the median level and the count of samples below it
  for (let y = 0, dir = 1; y < h; y++, dir = -dir) {
    huangU8Row(P, pw, w, kw, kh, k, y, dir, fine, st, out, ch, c);
    if (y + 1 < h) {
      // move down: remove padded row y, add padded row y + kh under the window
      const x = dir > 0 ? w - 1 : 0;
      st[1] = swapColumn(P, y * pw + x, (y + kh) * pw + x, kw, 1, fine, st[0], st[1]);
    }
  }
  return out;
}

/** One padded row of channel samples (`constant`: all `cval`; `xs[i] < 0`: `cval`). */
function padRowU8(
  src: Uint8Array,
  o: number,
  constant: boolean,
  xs: Int32Array,
  ch: number,
  cval: number,
  P: Uint8Array,
  po: number,
): void {
  if (constant) {
    P.fill(cval, po, po + xs.length);
    return;
  }
  if (ch === 1) {
    for (let i = 0; i < xs.length; i++) {
      const sx = xs[i];
      P[po + i] = sx < 0 ? cval : src[o + sx];
    }
    return;
  }
  for (let i = 0; i < xs.length; i++) {
    const sx = xs[i];
    P[po + i] = sx < 0 ? cval : src[o + sx * ch];
  }
}

/**
 * One row of {@linkcode huangU8}, left to right (`dir` 1) or right to left
 * (-1), starting from the histogram of its first window. A function per row,
 * so the engine optimises it whole instead of on-stack-replacing one call.
 */
function huangU8Row(
  P: Uint8Array,
  pw: number,
  w: number,
  kw: number,
  kh: number,
  k: number,
  y: number,
  dir: number,
  fine: Int32Array,
  st: Int32Array,
  out: Uint8Array,
  ch: number,
  oc: number,
): void {
  let m = st[0], lt = st[1]; // median level, samples below it
  const o = y * pw;
  for (let n = 0, x = dir > 0 ? 0 : w - 1; n < w; n++, x += dir) {
    while (lt > k) lt -= fine[--m];
    while (lt + fine[m] <= k) lt += fine[m++];
    out[(y * w + x) * ch + oc] = m;
    if (n + 1 === w) break;
    // slide: the leaving column and the entering one, padded coordinates
    let rem = o + (dir > 0 ? x : x + kw - 1);
    let add = o + (dir > 0 ? x + kw : x - 1);
    for (let j = 0; j < kh; j++, rem += pw, add += pw) {
      // branch-free: equal samples cancel out
      const a = P[rem], c = P[add];
      fine[a]--;
      fine[c]++;
      lt += ((c - m) >>> 31) - ((a - m) >>> 31);
    }
  }
  st[0] = m;
  st[1] = lt;
}

/**
 * Swaps `n` samples `step` apart in the sliding u8 histogram (those from
 * `rem` leave, those from `add` enter); returns the updated count of samples
 * below level `m`.
 */
function swapColumn(
  P: Uint8Array,
  rem: number,
  add: number,
  n: number,
  step: number,
  fine: Int32Array,
  m: number,
  lt: number,
): number {
  for (let j = 0; j < n; j++, rem += step, add += step) {
    const a = P[rem], c = P[add];
    fine[a]--;
    fine[c]++;
    lt += ((c - m) >>> 31) - ((a - m) >>> 31);
  }
  return lt;
}

/**
 * Perreault–Hébert constant-time median for u8: per-column histograms
 * updated once per row, a coarse (16-bin) kernel histogram updated per pixel
 * and fine (256-bin) segments brought up to date lazily, only for the coarse
 * bin that holds the median.
 */
function medianU8Constant(
  src: Uint8Array,
  w: number,
  h: number,
  kw: number,
  kh: number,
  mode: BoundaryMode,
  cval: number,
): Uint8Array {
  const rx = kw >> 1, ry = kh >> 1;
  const k = (kw * kh) >> 1;
  // columns 0..w-1 are real, column w is the constant column (boundary "constant")
  const nc = w + 1;
  const colFine = new Uint16Array(nc * 256);
  // coarse column histograms packed two 16-bit bins per word (bin 2i low)
  const colCoarse = new Int32Array(nc * 8);
  const xmap = new Int32Array(w + 2 * rx);
  {
    const xs = padIdx(w, rx, rx, mode);
    for (let i = 0; i < xs.length; i++) xmap[i] = xs[i] < 0 ? w : xs[i];
  }
  const ymap = padIdx(h, ry, ry + 1, mode);
  if (mode === "constant") {
    colFine[w * 256 + cval] = kh;
    colCoarse[w * 8 + (cval >> 5)] = kh << (cval & 16);
  }
  for (let j = 0; j < kh; j++) addColumnRow(src, w, ymap[j], cval, 1, colFine, colCoarse);
  const out = new Uint8Array(w * h);
  const kCoarse = new Int32Array(16);
  const kFine = new Int32Array(256);
  const luc = new Int32Array(16); // x at which each fine segment was last valid
  // the kernel's coarse bins fit 16-bit lanes too: add and subtract packed
  const packed = kw * kh + kh < 65536;
  for (let y = 0; y < h; y++) {
    if (y > 0) {
      // padded row (y - 1) leaves, padded row y + kh - 1 enters
      addColumnRow(src, w, ymap[y - 1], cval, -1, colFine, colCoarse);
      addColumnRow(src, w, ymap[y + kh - 1], cval, 1, colFine, colCoarse);
    }
    if (packed) constantRowPacked(y, w, kw, k, xmap, colFine, colCoarse, kCoarse, kFine, luc, out);
    else constantRow(y, w, kw, k, xmap, colFine, colCoarse, kCoarse, kFine, luc, out);
  }
  return out;
}

/** Adds `delta` × source row `sy` (-1: the constant row) to the column histograms. */
function addColumnRow(
  src: Uint8Array,
  w: number,
  sy: number,
  cval: number,
  delta: number,
  colFine: Uint16Array,
  colCoarse: Int32Array,
): void {
  if (sy < 0) {
    const f = cval, c = cval >> 5, d = delta << (cval & 16);
    for (let x = 0; x < w; x++) {
      colFine[x * 256 + f] += delta;
      colCoarse[x * 8 + c] += d;
    }
  } else {
    const o = sy * w;
    for (let x = 0, f = 0, c = 0; x < w; x++, f += 256, c += 8) {
      const v = src[o + x];
      colFine[f + v] += delta;
      colCoarse[c + (v >> 5)] += delta << (v & 16);
    }
  }
}

/**
 * One output row of {@linkcode medianU8Constant} (a function of its own so
 * the engine optimises it whole rather than on-stack-replacing one long call).
 */
function constantRow(
  y: number,
  w: number,
  kw: number,
  k: number,
  xmap: Int32Array,
  colFine: Uint16Array,
  colCoarse: Int32Array,
  kCoarse: Int32Array,
  kFine: Int32Array,
  luc: Int32Array,
  out: Uint8Array,
): void {
  kCoarse.fill(0);
  for (let i = 0; i < kw; i++) {
    const c = xmap[i] * 8;
    for (let b = 0; b < 8; b++) {
      const v = colCoarse[c + b];
      kCoarse[2 * b] += v & 0xffff;
      kCoarse[2 * b + 1] += v >>> 16;
    }
  }
  luc.fill(-(kw + 1));
  const orow = y * w;
  for (let x = 0; x < w; x++) {
    if (x > 0) {
      const ca = xmap[x + kw - 1] * 8, cr = xmap[x - 1] * 8;
      for (let b = 0; b < 8; b++) {
        const va = colCoarse[ca + b], vr = colCoarse[cr + b];
        kCoarse[2 * b] += (va & 0xffff) - (vr & 0xffff);
        kCoarse[2 * b + 1] += (va >>> 16) - (vr >>> 16);
      }
    }
    let sum = 0, b = 0;
    for (; b < 16; b++) {
      if (sum + kCoarse[b] > k) break;
      sum += kCoarse[b];
    }
    const base = b << 4;
    // bring fine segment b up to date at x
    const last = luc[b];
    if (x - last >= kw) {
      for (let t = 0; t < 16; t++) kFine[base + t] = 0;
      for (let i = 0; i < kw; i++) {
        const c = xmap[x + i] * 256 + base;
        for (let t = 0; t < 16; t++) kFine[base + t] += colFine[c + t];
      }
    } else {
      for (let xx = last + 1; xx <= x; xx++) {
        const ca = xmap[xx + kw - 1] * 256 + base, cr = xmap[xx - 1] * 256 + base;
        for (let t = 0; t < 16; t++) kFine[base + t] += colFine[ca + t] - colFine[cr + t];
      }
    }
    luc[b] = x;
    let v = base;
    for (let t = 0; t < 16; t++) {
      sum += kFine[base + t];
      v += (k - sum) >>> 31 ^ 1; // +1 while sum <= k
    }
    out[orow + x] = v;
  }
}

/** {@linkcode constantRow} with the kernel's coarse bins packed like the columns'. */
function constantRowPacked(
  y: number,
  w: number,
  kw: number,
  k: number,
  xmap: Int32Array,
  colFine: Uint16Array,
  colCoarse: Int32Array,
  kCoarse: Int32Array,
  kFine: Int32Array,
  luc: Int32Array,
  out: Uint8Array,
): void {
  kCoarse.fill(0);
  for (let i = 0; i < kw; i++) {
    const c = xmap[i] * 8;
    for (let b = 0; b < 8; b++) kCoarse[b] += colCoarse[c + b];
  }
  luc.fill(-(kw + 1));
  const orow = y * w;
  for (let x = 0; x < w; x++) {
    if (x > 0) {
      const ca = xmap[x + kw - 1] * 8, cr = xmap[x - 1] * 8;
      // the leaving column is inside the sum: no lane goes negative
      for (let b = 0; b < 8; b++) kCoarse[b] += colCoarse[ca + b] - colCoarse[cr + b];
    }
    let sum = 0, b = 0;
    for (; b < 16; b += 2) {
      const v = kCoarse[b >> 1];
      const lo = v & 0xffff;
      if (sum + lo > k) break;
      sum += lo;
      const hi = v >>> 16;
      if (sum + hi > k) {
        b++;
        break;
      }
      sum += hi;
    }
    const base = b << 4;
    // bring fine segment b up to date at x
    const last = luc[b];
    if (x - last >= kw) {
      for (let t = 0; t < 16; t++) kFine[base + t] = 0;
      for (let i = 0; i < kw; i++) {
        const c = xmap[x + i] * 256 + base;
        for (let t = 0; t < 16; t++) kFine[base + t] += colFine[c + t];
      }
    } else {
      for (let xx = last + 1; xx <= x; xx++) {
        const ca = xmap[xx + kw - 1] * 256 + base, cr = xmap[xx - 1] * 256 + base;
        for (let t = 0; t < 16; t++) kFine[base + t] += colFine[ca + t] - colFine[cr + t];
      }
    }
    luc[b] = x;
    let v = base;
    for (let t = 0; t < 16; t++) {
      sum += kFine[base + t];
      v += (k - sum) >>> 31 ^ 1; // +1 while sum <= k
    }
    out[orow + x] = v;
  }
}

function padIdx(n: number, before: number, after: number, mode: BoundaryMode): Int32Array {
  const out = new Int32Array(n + before + after);
  for (let i = 0; i < out.length; i++) {
    let j = i - before;
    if (j < 0 || j >= n) {
      switch (mode) {
        case "constant":
          j = -1;
          break;
        case "replicate":
          j = j < 0 ? 0 : n - 1;
          break;
        case "reflect": {
          if (n === 1) j = 0;
          else {
            const p = 2 * n - 2, q = ((j % p) + p) % p;
            j = q < n ? q : p - q;
          }
          break;
        }
        case "symmetric": {
          const p = 2 * n, q = ((j % p) + p) % p;
          j = q < n ? q : p - 1 - q;
          break;
        }
        case "wrap":
          j = ((j % n) + n) % n;
      }
    }
    out[i] = j;
  }
  return out;
}

/** The order-preserving unsigned key of a float32 bit pattern. */
function floatKeys(
  src: Float32Array | Uint8Array | Uint16Array,
  extra: number | null,
): Uint32Array {
  const n = src.length + (extra === null ? 0 : 1);
  const f = new Float32Array(n);
  f.set(src);
  if (extra !== null) f[n - 1] = extra;
  const bits = new Uint32Array(f.buffer);
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const b = bits[i];
    let key = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    if ((b & 0x7fffffff) === 0) key = 0x80000000; // -0 and +0 are one value
    keys[i] = key;
  }
  return keys;
}

/**
 * Dense ranks of the samples (plus `extra`, the constant border value): the
 * rank image, the sorted distinct values, and the rank of `extra`.
 */
function rankTransform(
  src: Float32Array | Uint8Array | Uint16Array,
  extra: number | null,
): { ranks: Uint32Array; values: Float32Array; cvalRank: number } {
  // Values live in float32 (exact for u8/u16); the border value is kept
  // exactly when it is representable, else rounded to float32.
  const keys = floatKeys(src, extra);
  const n = keys.length;
  // LSD radix sort of indices by key, 3 passes of 11 bits
  let idx = new Uint32Array(n), tmp = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const count = new Uint32Array(2048);
  for (let pass = 0; pass < 3; pass++) {
    const s = pass * 11;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(keys[i] >>> s) & 2047]++;
    let acc = 0;
    for (let b = 0; b < 2048; b++) {
      const c = count[b];
      count[b] = acc;
      acc += c;
    }
    for (let i = 0; i < n; i++) {
      const id = idx[i];
      tmp[count[(keys[id] >>> s) & 2047]++] = id;
    }
    const t = idx;
    idx = tmp;
    tmp = t;
  }
  const rank = new Uint32Array(n);
  const f = new Float32Array(n);
  f.set(src);
  if (extra !== null) f[n - 1] = extra;
  const uniq = new Float32Array(n);
  let u = -1, prev = -1;
  for (let i = 0; i < n; i++) {
    const id = idx[i], key = keys[id];
    if (u < 0 || key !== prev) {
      u++;
      uniq[u] = f[id];
      prev = key;
    }
    rank[id] = u;
  }
  const values = uniq.slice(0, u + 1);
  return {
    ranks: extra === null ? rank : rank.subarray(0, n - 1),
    values,
    cvalRank: extra === null ? 0 : rank[n - 1],
  };
}

/** Any footprint: gather the window from a padded plane and select rank floor(n/2). */
function footprintMedian(
  src: Uint8Array | Uint16Array | Float32Array,
  w: number,
  h: number,
  fp: Kernel,
  mode: BoundaryMode,
  cval: number,
): Float64Array {
  const fw = fp.width, fh = fp.height;
  const ax = fw >> 1, ay = fh >> 1;
  const pw = w + fw - 1, ph = h + fh - 1;
  const P = new Float64Array(pw * ph);
  padPlaneInto(src, w, h, ax, fw - 1 - ax, ay, fh - 1 - ay, mode, cval, P);
  const offs: number[] = [];
  for (let j = 0; j < fh; j++) {
    for (let i = 0; i < fw; i++) if (fp.data[j * fw + i] !== 0) offs.push(j * pw + i);
  }
  const n = offs.length;
  if (n === 0) {
    throw new FilterError(
      "INVALID_PARAM",
      "median: footprint must have at least one non-zero entry",
    );
  }
  const o = Int32Array.from(offs);
  const buf = new Float64Array(n);
  const k = n >> 1;
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const base = y * pw + x;
      for (let i = 0; i < n; i++) buf[i] = P[base + o[i]];
      out[y * w + x] = select(buf, n, k);
    }
  }
  return out;
}

/** Quickselect: the element of rank k of buf[0..n). */
function select(buf: Float64Array, n: number, k: number): number {
  let lo = 0, hi = n - 1;
  while (hi > lo) {
    const pivot = buf[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (buf[i] < pivot) i++;
      while (buf[j] > pivot) j--;
      if (i <= j) {
        const t = buf[i];
        buf[i] = buf[j];
        buf[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return buf[k];
  }
  return buf[k];
}

/** The `median` plugin. */
export const medianPlugin: FilterPlugin<MedianParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "median",
  summary: "exact median filter, any odd size, every dtype and boundary (OpenCV medianBlur)",
  params: medianSpecs,
  example: "in.png out.png --size 5 --boundary replicate",
  // Each output reads only its window: stripes with half a window of context
  // rows give identical results (the footprint's centre is floor(h / 2)).
  halo: (params) => (params.footprint ? params.footprint.height : params.size[1]) >> 1,
  apply: (image, params, ctx) =>
    medianSimd(image, params, ctx.rows) ??
      huangInterleaved(image, params) ??
      mapNativePlanes(
        image,
        (plane) => medianPlane(plane, image.width, image.height, params),
        params.alpha === "keep",
      ),
};

/**
 * The WebAssembly SIMD kernels (filters/median/median_simd.ts) for u8 windows they
 * serve; `undefined` when SIMD is off or another path applies. The u8
 * kernels honour `rows` (only those output rows, into `rows.into`).
 */
function medianSimd(image: Image, params: MedianParams, rows?: OutputRows): Image | undefined {
  if (params.footprint) return undefined;
  const [kw, kh] = params.size;
  if (!(image.data instanceof Uint8Array)) {
    return medianWideSimd(image, kw, kh, params.boundary, params.cval, params.alpha);
  }
  return medianU8Simd(image, kw, kh, params.boundary, params.cval, params.alpha, rows);
}

/**
 * u8 windows of Huang's method on a multi-channel image: each channel is read
 * from and written to the interleaved layout directly (no plane copies).
 * `undefined` when another path applies.
 */
function huangInterleaved(image: Image, params: MedianParams): Image | undefined {
  const [kw, kh] = params.size;
  const { width: w, height: h, channels: ch } = image;
  const { boundary, cval } = params;
  if (
    ch === 1 || !(image.data instanceof Uint8Array) || params.footprint ||
    (kw === 1 && kh === 1) || (kw === 3 && kh === 3) || Math.max(kw, kh) >= O1_MIN_SIZE ||
    (boundary === "constant" && !(Number.isInteger(cval) && cval >= 0 && cval <= 255))
  ) return undefined;
  const src = image.data;
  const out = new Uint8Array(src.length);
  const keep = params.alpha === "keep" && hasAlpha(ch);
  for (let c = 0; c < ch; c++) {
    if (keep && c === ch - 1) {
      for (let i = c; i < src.length; i += ch) out[i] = src[i];
    } else huangU8(src, w, h, kw, kh, boundary, boundary === "constant" ? cval : 0, ch, c, out);
  }
  return new Image(w, h, ch, out);
}

/**
 * Median filter: each output sample is the median of its `size` window
 * (rank `floor(n / 2)` of the sorted window, as `scipy.ndimage.median_filter`).
 * Exact for u8, u16 and f32 at any size. `boundary: "replicate"` reproduces
 * OpenCV's `medianBlur`, which always replicates the edge.
 *
 * @example Removing salt-and-pepper noise
 * ```ts
 * import { Image, median } from "@imfilter/imfilter";
 * const img = Image.fromRows([[10, 10, 10], [10, 255, 10], [10, 10, 10]], "u8");
 * console.log(median(img, { size: 3 }).get(1, 1)); // 10
 * ```
 */
export function median(image: Image, options: MedianOptions = {}): Image {
  return runSyncImage(medianPlugin, image, { ...options });
}

registerFilter(medianPlugin);
