/**
 * The box (moving-sum) engine: correlation with a constant `kw × kh` kernel
 * by running sums, a column sum updated by one row in and one row out per
 * output row, then a running sum along the row — about four additions per
 * pixel whatever the kernel size.
 *
 * No drift: integer samples (u8, u16) are summed exactly (float64 holds
 * integers exactly up to 2^53), and for float samples both running sums are
 * recomputed from scratch every `k` steps, so the rounding error of a sum
 * never comes from more than `2k` additions — the same bound as the direct
 * sum — while the cost per pixel stays constant (one extra addition
 * amortised).
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { type BoundaryMode, paddedIndices } from "../../core/boundary.ts";
import type { DType, PixelArray } from "../../core/dtype.ts";
import { Image } from "../../core/image.ts";
import type { CorrelationGeometry } from "./direct.ts";
import { boxMeanU8Simd } from "./box_simd.ts";
import {
  forEachChannel,
  type OutputPlane,
  restoreAlpha,
  storeRow,
  type StridedPlane,
  wholePlane,
} from "../../core/strided_planes.ts";
import { type AlphaMode, mapPlanes } from "../../core/planes.ts";

/**
 * Window sums of one channel: output pixel `(x, y)` is
 * `Σ_{j<kh} Σ_{i<kw} P[y + j][x + i]` with `P` the padded source of the
 * correlation geometry, stored into `dst` divided by `divisor` (rounded and
 * saturated for integer targets).
 */
export function boxFilterChannel(
  src: StridedPlane,
  w: number,
  h: number,
  kw: number,
  kh: number,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  cval: number,
  dst: OutputPlane,
  divisor: number,
): void {
  const { width: ow, height: oh, offsetX, offsetY } = geometry;
  const pw = ow + kw - 1, ph = oh + kh - 1;
  // One spare entry: the fused row loop reads xs[ow + kw − 1] after its last store.
  const xs = paddedIndices(w, offsetX, pw - w - offsetX + 1, boundary);
  const ys = paddedIndices(h, offsetY, ph - h - offsetY, boundary);
  const data = src.data, off = src.offset, st = src.stride;
  const exact = !(data instanceof Float32Array) && Number.isInteger(cval);
  const col = new Float64Array(w);
  const pad = new Float64Array(pw);
  const out = new Float64Array(ow);
  let outside = 0; // rows of the window outside the image (constant mode)
  const clamped = dst.data instanceof Uint8Array
    ? new Uint8ClampedArray(dst.data.buffer, dst.data.byteOffset, dst.data.length)
    : undefined;
  for (let y = 0; y < oh; y++) {
    checkAbort();
    if (y === 0 || (!exact && y % kh === 0)) {
      col.fill(0);
      outside = 0;
      for (let j = 0; j < kh; j++) {
        const sy = ys[y + j];
        if (sy < 0) outside++;
        else addRow(col, data, off + sy * w * st, st, w, 1);
      }
    } else {
      const gone = ys[y - 1], come = ys[y + kh - 1];
      if (gone >= 0 && come >= 0 && gone !== come) {
        slideRow(col, data, off + come * w * st, off + gone * w * st, st, w);
      } else if (gone !== come) {
        if (gone < 0) outside--;
        else addRow(col, data, off + gone * w * st, st, w, -1);
        if (come < 0) outside++;
        else addRow(col, data, off + come * w * st, st, w, 1);
      }
    }
    const o = dst.offset + y * ow * dst.stride;
    if (boundary !== "constant" && exact && dst.data instanceof Uint8Array && isCount(divisor)) {
      // Hot path (u8/u16 → u8 mean): fused running sum and exact rounding.
      meanRowU8(col, xs, ow, kw, clamped!, o, dst.stride, divisor);
      continue;
    }
    const extra = outside * cval, edge = kh * cval;
    for (let px = 0; px < pw; px++) {
      const sx = xs[px];
      pad[px] = sx < 0 ? edge : col[sx] + extra;
    }
    runningSum(pad, out, ow, kw, exact);
    storeRow(dst.data, o, dst.stride, out, 0, ow, divisor);
  }
}

function isCount(divisor: number): boolean {
  return Number.isInteger(divisor) && divisor >= 1 && divisor < 2 ** 26;
}

/**
 * One output row of window means into a u8 array: the running sum over the
 * column sums `col[xs[x .. x + kw)]` (all indices valid: not `constant`),
 * each integer sum `s` stored as `s / n` through a `Uint8ClampedArray`
 * (round half to even, saturate; the division is correctly rounded, so
 * exact ties stay exact).
 */
function meanRowU8(
  col: Float64Array,
  xs: Int32Array,
  ow: number,
  kw: number,
  out: Uint8ClampedArray,
  o: number,
  stride: number,
  n: number,
): void {
  let s = 0;
  for (let i = 0; i < kw; i++) s += col[xs[i]];
  const inv = (n & 1) === 1 ? 1 / n : 0; // see meanRow3
  for (let x = 0; x < ow; x++, o += stride) {
    out[o] = inv !== 0 ? s * inv : s / n;
    s += col[xs[x + kw]] - col[xs[x]];
  }
}

function addRow(
  col: Float64Array,
  data: PixelArray | Float64Array,
  o: number,
  stride: number,
  w: number,
  sign: number,
): void {
  if (sign > 0) { for (let x = 0; x < w; x++, o += stride) col[x] += data[o]; }
  else for (let x = 0; x < w; x++, o += stride) col[x] -= data[o];
}

/** `col[x] += data[add + x·stride] − data[sub + x·stride]` for `x < w`. */
function slideRow(
  col: Float64Array,
  data: PixelArray | Float64Array,
  add: number,
  sub: number,
  stride: number,
  w: number,
): void {
  if (stride === 1) { for (let x = 0; x < w; x++) col[x] += data[add + x] - data[sub + x]; }
  else for (let x = 0; x < w; x++, add += stride, sub += stride) col[x] += data[add] - data[sub];
}

/** `out[x] = Σ_{i<k} pad[x + i]` for `x < n`, by a running sum (restarted every `k` when inexact). */
export function runningSum(
  pad: Float64Array,
  out: Float64Array,
  n: number,
  k: number,
  exact: boolean,
): void {
  let s = 0;
  for (let i = 0; i < k; i++) s += pad[i];
  out[0] = s;
  if (exact) {
    for (let x = 1; x < n; x++) {
      s += pad[x + k - 1] - pad[x - 1];
      out[x] = s;
    }
    return;
  }
  for (let x = 1; x < n; x++) {
    if (x % k === 0) {
      s = 0;
      for (let i = 0; i < k; i++) s += pad[x + i];
    } else s += pad[x + k - 1] - pad[x - 1];
    out[x] = s;
  }
}

/**
 * The box filter of a float image that holds NaN or ±Infinity, at the
 * running sums' cost (the direct sum it replaces cost O(kw·kh) a sample:
 * 4.5 s for a 7×9 image at size 8191). Per window: the sum of its finite
 * samples (the others counted as 0) and how many NaN, +Inf and −Inf it
 * holds, each by running sums; then what the direct sum gives with its
 * positive weights — NaN for a NaN or both infinities, ±Inf for one kind,
 * the finite sum otherwise — so a non-finite sample reaches exactly the
 * outputs whose window covers it.
 */
function boxNonFinite(
  image: Image,
  kw: number,
  kh: number,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  cval: number,
  dtype: DType,
  alpha: AlphaMode,
  divisor: number,
): Image {
  const { width: w, height: h } = image;
  const n = geometry.width * geometry.height;
  const boxOf = (plane: Float32Array | Uint8Array, fill: number, by: number) => {
    const out = new Float32Array(n);
    const dst = { data: out, offset: 0, stride: 1 };
    boxFilterChannel(wholePlane(plane), w, h, kw, kh, geometry, boundary, fill, dst, by);
    return out;
  };
  return mapPlanes(image, (plane) => {
    const finite = new Float32Array(w * h);
    const nan = new Uint8Array(w * h), pos = new Uint8Array(w * h), neg = new Uint8Array(w * h);
    for (let i = 0; i < plane.length; i++) {
      const v = plane[i];
      if (Number.isFinite(v)) finite[i] = v;
      else if (Number.isNaN(v)) nan[i] = 1;
      else if (v > 0) pos[i] = 1;
      else neg[i] = 1;
    }
    const sum = boxOf(finite, cval, divisor);
    const cN = boxOf(nan, 0, 1), cP = boxOf(pos, 0, 1), cM = boxOf(neg, 0, 1);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = cN[i] > 0 || (cP[i] > 0 && cM[i] > 0)
        ? NaN
        : cP[i] > 0
        ? Infinity
        : cM[i] > 0
        ? -Infinity
        : sum[i];
    }
    return out;
  }, { width: geometry.width, height: geometry.height, dtype, alpha });
}

/**
 * Box filter of a whole image (every channel) into a new image of `dtype`:
 * integer images averaged into u8 (the common case) take an interleaved
 * path — one column-sum array for all channels, so the vertical update
 * walks memory contiguously — and everything else goes channel by channel
 * through {@linkcode boxFilterChannel}. u8 means take the WebAssembly SIMD
 * kernel ({@linkcode boxMeanU8Simd}) when it is enabled, with the same bytes.
 * An alpha channel is copied when `alpha` is `"keep"` and the size is kept.
 */
export function boxFilterImage(
  image: Image,
  kw: number,
  kh: number,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  cval: number,
  dtype: DType,
  alpha: AlphaMode,
  divisor: number,
): Image {
  const { width: w, height: h, channels: ch, data } = image;
  if (data instanceof Float32Array && !data.every(Number.isFinite)) {
    // Running sums would carry a NaN/Inf past the window it belongs to.
    return boxNonFinite(image, kw, kh, geometry, boundary, cval, dtype, alpha, divisor);
  }
  const same = geometry.width === w && geometry.height === h;
  if (same && dtype === "u8" && data instanceof Uint8Array && boundary !== "constant") {
    const simd = boxMeanU8Simd(image, kw, kh, geometry, boundary, alpha, divisor);
    if (simd) return simd;
  }
  if (
    same && ch === 1 && dtype === "u8" && data instanceof Uint8Array && boundary !== "constant" &&
    isCount(divisor)
  ) {
    const out = new Uint8Array(data.length);
    boxMeanGrayU8(data, w, h, kw, kh, geometry, boundary, out, divisor);
    return new Image(w, h, 1, out);
  }
  if (
    same && ch > 1 && dtype === "u8" && boundary !== "constant" && isCount(divisor) &&
    !(data instanceof Float32Array)
  ) {
    const out = new Uint8Array(data.length);
    boxMeanInterleaved(data, w, h, ch, kw, kh, geometry, boundary, out, divisor);
    restoreAlpha(data, out, ch, alpha);
    return new Image(w, h, ch, out);
  }
  return forEachChannel(
    image,
    { width: geometry.width, height: geometry.height, dtype, alpha },
    (src, dst) => boxFilterChannel(src, w, h, kw, kh, geometry, boundary, cval, dst, divisor),
  );
}

function boxMeanInterleaved(
  data: Uint8Array | Uint16Array,
  w: number,
  h: number,
  ch: number,
  kw: number,
  kh: number,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  out: Uint8Array,
  n: number,
): void {
  const { offsetX, offsetY } = geometry;
  const pw = w + kw - 1, ph = h + kh - 1, rowLen = w * ch;
  const xs = paddedIndices(w, offsetX, pw - w - offsetX + 1, boundary);
  const ys = paddedIndices(h, offsetY, ph - h - offsetY, boundary);
  for (let i = 0; i < xs.length; i++) xs[i] *= ch; // sample offsets of pixel columns
  const col = new Int32Array(rowLen); // exact: u16 × 8191 rows < 2^31
  const clamp = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
  for (let y = 0; y < h; y++) {
    checkAbort();
    if (y === 0) {
      for (let j = 0; j < kh; j++) {
        const s = ys[j] * rowLen;
        for (let i = 0; i < rowLen; i++) col[i] += data[s + i];
      }
    } else {
      const gone = ys[y - 1], come = ys[y + kh - 1];
      if (gone !== come) {
        const a = come * rowLen, b = gone * rowLen;
        for (let i = 0; i < rowLen; i++) col[i] += data[a + i] - data[b + i];
      }
    }
    const o = y * rowLen;
    if (ch === 3) meanRow3(col, xs, w, kw, clamp, o, n);
    else {
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let i = 0; i < kw; i++) s += col[xs[i] + c];
        for (let x = 0, p = o + c; x < w; x++, p += ch) {
          clamp[p] = s / n;
          s += col[xs[x + kw] + c] - col[xs[x] + c];
        }
      }
    }
  }
}

/**
 * The gray u8 mean (the common case, hot): integer column sums in an
 * Int32Array, monomorphic Uint8Array reads, and a horizontal running sum whose
 * interior needs no border table. Exact: integer sums, one rounding per pixel
 * through a Uint8ClampedArray (ties to even).
 */
function boxMeanGrayU8(
  data: Uint8Array,
  w: number,
  h: number,
  kw: number,
  kh: number,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  out: Uint8Array,
  n: number,
): void {
  const { offsetX, offsetY } = geometry;
  const pw = w + kw - 1, ph = h + kh - 1;
  const xs = paddedIndices(w, offsetX, pw - w - offsetX + 1, boundary);
  const ys = paddedIndices(h, offsetY, ph - h - offsetY, boundary);
  const col = new Int32Array(w);
  const clamp = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
  const inv = (n & 1) === 1 ? 1 / n : 0; // odd n: no sum is an exact tie, so s·(1/n) rounds right
  // Outputs whose window lies inside the row read col directly.
  const x0 = Math.min(w, offsetX), x1 = Math.max(x0, Math.min(w, w - kw + offsetX));
  for (let j = 0; j < kh; j++) {
    const r = ys[j] * w;
    for (let x = 0; x < w; x++) col[x] += data[r + x];
  }
  for (let y = 0; y < h; y++) {
    checkAbort();
    if (y > 0) {
      const gone = ys[y - 1], come = ys[y + kh - 1];
      if (gone !== come) {
        const a = come * w, b = gone * w;
        for (let x = 0; x < w; x++) col[x] += data[a + x] - data[b + x];
      }
    }
    let s = 0;
    for (let i = 0; i < kw; i++) s += col[xs[i]];
    const o = y * w;
    let x = 0;
    if (inv !== 0) {
      for (; x < x0; x++) {
        clamp[o + x] = s * inv;
        s += col[xs[x + kw]] - col[xs[x]];
      }
      for (let a = x + kw - offsetX, b = x - offsetX; x < x1; x++, a++, b++) {
        clamp[o + x] = s * inv;
        s += col[a] - col[b];
      }
      for (; x < w; x++) {
        clamp[o + x] = s * inv;
        s += col[xs[x + kw]] - col[xs[x]];
      }
    } else {
      for (; x < w; x++) {
        clamp[o + x] = s / n;
        s += col[xs[x + kw]] - col[xs[x]];
      }
    }
  }
}

/** {@linkcode meanRowU8} for three interleaved channels at once (`xs` holds sample offsets). */
function meanRow3(
  col: Int32Array,
  xs: Int32Array,
  w: number,
  kw: number,
  out: Uint8ClampedArray,
  o: number,
  n: number,
): void {
  let s0 = 0, s1 = 0, s2 = 0;
  for (let i = 0; i < kw; i++) {
    const a = xs[i];
    s0 += col[a];
    s1 += col[a + 1];
    s2 += col[a + 2];
  }
  // Odd n: s / n is never a .5 tie, and s · (1/n) is within 1e-16 of it,
  // so multiplying rounds the same; even n divides (exact ties).
  const inv = (n & 1) === 1 ? 1 / n : 0;
  for (let x = 0, p = o; x < w; x++, p += 3) {
    if (inv !== 0) {
      out[p] = s0 * inv;
      out[p + 1] = s1 * inv;
      out[p + 2] = s2 * inv;
    } else {
      out[p] = s0 / n;
      out[p + 1] = s1 / n;
      out[p + 2] = s2 / n;
    }
    const a = xs[x + kw], b = xs[x];
    s0 += col[a] - col[b];
    s1 += col[a + 1] - col[b + 1];
    s2 += col[a + 2] - col[b + 2];
  }
}
