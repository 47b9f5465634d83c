/**
 * The sliding-histogram medians of `median.ts`, in TypeScript (the fallback
 * when WebAssembly SIMD is off, and the reference the SIMD kernels of
 * `median_simd.ts` are tested against):
 *
 * - {@linkcode huang}: Huang's zigzag sliding histogram over a padded plane
 *   of integer levels with coarse bins (u16 samples, and the float ranks of
 *   `rankTransform` in `select.ts`); its sliding loop is
 *   `median_simd.ts`'s {@linkcode slidingMedian}.
 * - {@linkcode huangU8}: the u8 variant with 256 bins, one function call per
 *   row, reading one channel of an interleaved image in place.
 * - {@linkcode medianU8Constant}: Perreault–Hébert's constant-time method
 *   for large u8 windows (column histograms, a coarse/fine kernel histogram).
 *
 * `median.ts` chooses between them (the plugin and its dispatch); `select.ts`
 * holds the comparison-based paths (3×3 network, footprints).
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import type { BoundaryMode } from "../../core/boundary.ts";
import { type NumericPlane, padPlaneInto } from "../../core/native_planes.ts";
import { slidingMedian } from "./median_simd.ts";

/**
 * Huang's sliding-histogram median with a zigzag traversal over a padded
 * plane of integer levels `0..levels-1`, with coarse bins of `2^shift`
 * levels so the median pointer skips empty runs (the sliding loop is
 * filters/median/median_simd.ts's {@linkcode slidingMedian}). `values` maps levels back.
 */
export function huang(
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
export function huangU8(
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
    checkAbort();
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
export function medianU8Constant(
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
    checkAbort();
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
