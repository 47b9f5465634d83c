/**
 * The comparison-based and rank-transform medians of `median.ts`, in
 * TypeScript, for every dtype:
 *
 * - {@linkcode median3x3}: the 3×3 sorting network on int32 values (or the
 *   order-preserving int32 keys of floats), columns sorted once and shared
 *   by three outputs.
 * - {@linkcode rankTransform}: dense ranks of float samples (radix sort of
 *   their order-preserving keys), so `huang.ts`'s sliding histogram runs on
 *   ranks and maps them back to the exact values.
 * - {@linkcode footprintMedian}: any window shape, by quickselect of the
 *   gathered window.
 *
 * `median.ts` (the plugin and its dispatch) calls these; `huang.ts` holds
 * the sliding histograms.
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import type { BoundaryMode } from "../../core/boundary.ts";
import { FilterError } from "../../core/errors.ts";
import type { Kernel } from "../../core/kernel.ts";
import { type NumericPlane, padPlaneInto } from "../../core/native_planes.ts";

/** The order-preserving int32 key of a float32 (exactly invertible). */
function toKey(bits: number): number {
  return bits < 0 ? bits ^ 0x7fffffff : bits;
}

/**
 * 3×3: sort each padded column once (shared by three outputs), then
 * med3(max of lows, med3 of middles, min of highs). Runs on int32 values (or
 * order-preserving int32 keys of float32 values) so min/max are branch-free.
 */
export function median3x3(
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
    checkAbort();
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
export function rankTransform(
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
export function footprintMedian(
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
    checkAbort();
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
