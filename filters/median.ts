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
 * OpenCV's `medianBlur` always replicates the edge: pass
 * `boundary: "replicate"` to match it exactly. It also refuses float images
 * above 5×5; imfilter does not.
 *
 * @module
 */

import type { BoundaryMode } from "../core/boundary.ts";
import { FilterError } from "../core/errors.ts";
import type { Image } from "../core/image.ts";
import type { Kernel } from "../core/kernel.ts";
import type { ParamSpecs, Size } from "../core/params.ts";
import type { AlphaMode } from "../core/planes.ts";
import { mapNativePlanes, type NumericPlane, padPlaneInto } from "../core/nonlinear_planes.ts";
import { type FilterPlugin, PLUGIN_BRAND, registerFilter, runSyncImage } from "../core/registry.ts";

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

/** Window sizes from which u8 uses the constant-time method instead of Huang's. */
const O1_MIN_SIZE = 13;

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
 * levels so the median pointer skips empty runs. `values` maps levels back.
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
  const P = levels <= 256
    ? new Uint8Array(pw * ph)
    : levels <= 65536
    ? new Uint16Array(pw * ph)
    : new Uint32Array(pw * ph);
  padPlaneInto(src, w, h, rx, rx, ry, ry, mode, cval, P);
  const fine = new Int32Array(levels);
  const coarse = new Int32Array((levels >> shift) + 2);
  const bsize = 1 << shift;
  const k = (kw * kh) >> 1;
  const out = values
    ? new Float32Array(w * h)
    : levels <= 256
    ? new Uint8Array(w * h)
    : new Uint16Array(w * h);
  let m = 0, lt = 0; // median level, count of samples below it

  // initial window at (0, 0)
  for (let j = 0; j < kh; j++) {
    const o = j * pw;
    for (let i = 0; i < kw; i++) {
      const v = P[o + i];
      fine[v]++;
      coarse[v >> shift]++;
    }
  }
  let x = 0, y = 0, dir = 1;
  for (;;) {
    // adjust the pointer: smallest m with lt <= k < lt + fine[m]
    if (lt > k) {
      do {
        if ((m & (bsize - 1)) === 0 && m >= bsize && lt - coarse[(m >> shift) - 1] > k) {
          m -= bsize;
          lt -= coarse[m >> shift];
        } else {
          m--;
          lt -= fine[m];
        }
      } while (lt > k);
    } else {
      while (lt + fine[m] <= k) {
        if ((m & (bsize - 1)) === 0 && lt + coarse[m >> shift] <= k) {
          lt += coarse[m >> shift];
          m += bsize;
        } else {
          lt += fine[m];
          m++;
        }
      }
    }
    out[y * w + x] = values ? values[m] : m;
    // move
    const nx = x + dir;
    if (nx >= 0 && nx < w) {
      // remove column (leaving) and add column (entering), padded coords
      const rem = dir > 0 ? x : x + kw - 1;
      const add = dir > 0 ? x + kw : x - 1;
      for (let j = 0, o = y * pw; j < kh; j++, o += pw) {
        const a = P[o + rem];
        fine[a]--;
        coarse[a >> shift]--;
        lt -= (a - m) >>> 31;
        const b = P[o + add];
        fine[b]++;
        coarse[b >> shift]++;
        lt += (b - m) >>> 31;
      }
      x = nx;
    } else {
      if (y + 1 >= h) break;
      // move down: remove padded row y, add padded row y + kh over columns x..x+kw-1
      const o1 = y * pw + x, o2 = (y + kh) * pw + x;
      for (let i = 0; i < kw; i++) {
        const a = P[o1 + i];
        fine[a]--;
        coarse[a >> shift]--;
        lt -= (a - m) >>> 31;
        const b = P[o2 + i];
        fine[b]++;
        coarse[b >> shift]++;
        lt += (b - m) >>> 31;
      }
      y++;
      dir = -dir;
    }
  }
  return out;
}

/**
 * Huang's sliding histogram for u8 with a zigzag traversal: 16 coarse and 256
 * fine bins; each output scans the coarse bins, then 16 fine bins (few
 * unpredictable branches, which beats a moving median pointer in JS).
 */
function huangU8(
  src: Uint8Array,
  w: number,
  h: number,
  kw: number,
  kh: number,
  mode: BoundaryMode,
  cval: number,
): Uint8Array {
  const rx = kw >> 1, ry = kh >> 1;
  const pw = w + 2 * rx, ph = h + 2 * ry;
  const P = new Uint8Array(pw * ph);
  padPlaneInto(src, w, h, rx, rx, ry, ry, mode, cval, P);
  const fine = new Int32Array(256), coarse = new Int32Array(16);
  const k = (kw * kh) >> 1;
  const out = new Uint8Array(w * h);
  for (let j = 0; j < kh; j++) {
    for (let i = 0; i < kw; i++) {
      const v = P[j * pw + i];
      fine[v]++;
      coarse[v >> 4]++;
    }
  }
  let x = 0, y = 0, dir = 1;
  let cb = 0, ltc = 0; // coarse bin of the median, samples in lower coarse bins
  for (;;) {
    while (ltc > k) ltc -= coarse[--cb];
    while (ltc + coarse[cb] <= k) ltc += coarse[cb++];
    // branch-free scan of the 16 fine bins of coarse bin cb
    const base = cb << 4;
    let sum = ltc, v = base;
    for (let i = 0; i < 16; i++) {
      sum += fine[base + i];
      v += (k - sum) >>> 31 ^ 1; // +1 while sum <= k
    }
    out[y * w + x] = v;
    const nx = x + dir;
    if (nx >= 0 && nx < w) {
      const rem = dir > 0 ? x : x + kw - 1;
      const add = dir > 0 ? x + kw : x - 1;
      for (let j = 0, o = y * pw; j < kh; j++, o += pw) {
        const a = P[o + rem];
        const c = P[o + add];
        if (a === c) continue;
        fine[a]--;
        fine[c]++;
        const ac = a >> 4, cc = c >> 4;
        if (ac === cc) continue;
        coarse[ac]--;
        coarse[cc]++;
        ltc += ((cc - cb) >>> 31) - ((ac - cb) >>> 31);
      }
      x = nx;
    } else {
      if (y + 1 >= h) break;
      const o1 = y * pw + x, o2 = (y + kh) * pw + x;
      for (let i = 0; i < kw; i++) {
        const a = P[o1 + i];
        const c = P[o2 + i];
        if (a === c) continue;
        fine[a]--;
        fine[c]++;
        const ac = a >> 4, cc = c >> 4;
        if (ac === cc) continue;
        coarse[ac]--;
        coarse[cc]++;
        ltc += ((cc - cb) >>> 31) - ((ac - cb) >>> 31);
      }
      y++;
      dir = -dir;
    }
  }
  return out;
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
  const colCoarse = new Uint16Array(nc * 16);
  const xmap = new Int32Array(w + 2 * rx);
  {
    const xs = padIdx(w, rx, rx, mode);
    for (let i = 0; i < xs.length; i++) xmap[i] = xs[i] < 0 ? w : xs[i];
  }
  const ymap = padIdx(h, ry, ry + 1, mode);
  if (mode === "constant") {
    colFine[w * 256 + cval] = kh;
    colCoarse[w * 16 + (cval >> 4)] = kh;
  }
  const addRow = (py: number, delta: number): void => {
    const sy = ymap[py];
    if (sy < 0) {
      const f = cval, c = cval >> 4;
      for (let x = 0; x < w; x++) {
        colFine[x * 256 + f] += delta;
        colCoarse[x * 16 + c] += delta;
      }
    } else {
      const o = sy * w;
      for (let x = 0; x < w; x++) {
        const v = src[o + x];
        colFine[x * 256 + v] += delta;
        colCoarse[x * 16 + (v >> 4)] += delta;
      }
    }
  };
  for (let j = 0; j < kh; j++) addRow(j, 1);
  const out = new Uint8Array(w * h);
  const kCoarse = new Int32Array(16);
  const kFine = new Int32Array(256);
  const luc = new Int32Array(16); // x at which each fine segment was last valid
  for (let y = 0; y < h; y++) {
    if (y > 0) {
      addRow(y - 1, -1); // padded row (y - 1) leaves: it is ymap index y - 1
      addRow(y + kh - 1, 1);
    }
    kCoarse.fill(0);
    for (let i = 0; i < kw; i++) {
      const c = xmap[i] * 16;
      for (let b = 0; b < 16; b++) kCoarse[b] += colCoarse[c + b];
    }
    luc.fill(-(kw + 1));
    const orow = y * w;
    for (let x = 0; x < w; x++) {
      if (x > 0) {
        const ca = xmap[x + kw - 1] * 16, cr = xmap[x - 1] * 16;
        for (let b = 0; b < 16; b++) kCoarse[b] += colCoarse[ca + b] - colCoarse[cr + b];
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
  return out;
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
  apply: (image, params) =>
    mapNativePlanes(
      image,
      (plane) => medianPlane(plane, image.width, image.height, params),
      params.alpha === "keep",
    ),
};

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
