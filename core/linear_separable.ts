/**
 * The separable correlation engine: a row pass then a column pass, for
 * kernels that are an outer product `column × row` (rank 1). Cost per pixel
 * is `kw + kh` multiply-adds instead of `kw · kh`; symmetric factors (all
 * Gaussians, boxes, most derivative masks) are folded so each pair of taps
 * costs one multiply. Float64 throughout, border values from the boundary
 * mode through index tables (no test in the inner loops).
 *
 * @module
 */

import { type BoundaryMode, paddedIndices } from "./boundary.ts";
import type { CorrelationGeometry } from "./linear.ts";
import { type OutputPlane, storeRow, type StridedPlane } from "./linear_planes.ts";

/** Whether `v[i] == v[n − 1 − i]` for every `i` (exactly). */
export function isSymmetric(v: ArrayLike<number>): boolean {
  const n = v.length;
  for (let i = 0; i < n >> 1; i++) if (v[i] !== v[n - 1 - i]) return false;
  return true;
}

/**
 * Correlates one `w × h` channel (read in place) with `column × row` (the 2-D kernel
 * `K[j][i] = column[j] · row[i]`) in the given geometry — the same result as
 * `correlatePlaneDirect` with that kernel, up to float64 rounding.
 */
export function correlateSeparablePlane(
  src: StridedPlane,
  w: number,
  h: number,
  column: ArrayLike<number>,
  row: ArrayLike<number>,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  cval = 0,
): Float64Array {
  const ow = geometry.width;
  const out = new Float64Array(ow * geometry.height);
  separableRows(src, w, h, column, row, geometry, boundary, cval, (y, r) => out.set(r, y * ow));
  return out;
}

/**
 * {@linkcode correlateSeparablePlane} storing each output row straight into
 * `dst` (rounded and saturated for integer dtypes): no full-size float plane.
 */
export function correlateSeparableChannel(
  src: StridedPlane,
  w: number,
  h: number,
  column: ArrayLike<number>,
  row: ArrayLike<number>,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  cval: number,
  dst: OutputPlane,
): void {
  const step = geometry.width * dst.stride;
  separableRows(src, w, h, column, row, geometry, boundary, cval, (y, r) => {
    storeRow(dst.data, dst.offset + y * step, dst.stride, r, 0, r.length, 1);
  });
}

function separableRows(
  src: StridedPlane,
  w: number,
  h: number,
  column: ArrayLike<number>,
  row: ArrayLike<number>,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  cval: number,
  emit: (y: number, values: Float64Array) => void,
): void {
  const { width: ow, height: oh, offsetX, offsetY } = geometry;
  const kw = row.length, kh = column.length;
  const pw = ow + kw - 1, ph = oh + kh - 1;
  const xs = paddedIndices(w, offsetX, pw - w - offsetX, boundary);
  const ys = paddedIndices(h, offsetY, ph - h - offsetY, boundary);
  // Row pass into a ring of kh rows, one per padded row the column pass is
  // about to read (a source row reflected twice near an edge is passed twice:
  // the same values), so the extra memory is kh rows, not a plane.
  const tmp = new Float64Array(kh * ow);
  const plane = src.data, off = src.offset, st = src.stride;
  const pad = new Float64Array(pw);
  const rk = Float64Array.from(row);
  const rowSym = isSymmetric(rk);
  let next = 0; // padded rows below are in the ring
  const slot = (py: number) => (py % kh) * ow;
  let rowSum = 0;
  for (let i = 0; i < kw; i++) rowSum += rk[i];
  const cvalRow = cval * rowSum;
  // Column pass: output row y sums column[j] · (row pass of padded row y + j).
  const out = new Float64Array(ow);
  const ck = Float64Array.from(column);
  const colSym = isSymmetric(ck);
  const half = colSym ? kh >> 1 : kh;
  for (let y = 0; y < oh; y++) {
    for (; next < y + kh; next++) {
      const sy = ys[next];
      if (sy < 0) continue;
      const base = off + sy * w * st;
      for (let px = 0; px < pw; px++) {
        const sx = xs[px];
        pad[px] = sx < 0 ? cval : plane[base + sx * st];
      }
      rowPass(pad, tmp, slot(next), ow, rk, rowSym);
    }
    out.fill(0);
    let constant = 0;
    for (let j = 0; j < half; j++) {
      const c = ck[j];
      if (c === 0) continue;
      const a = ys[y + j];
      if (colSym) {
        const b = ys[y + kh - 1 - j];
        if (a < 0 && b < 0) constant += 2 * c * cvalRow;
        else if (a < 0 || b < 0) {
          constant += c * cvalRow;
          addScaled(out, 0, tmp, slot(a < 0 ? y + kh - 1 - j : y + j), ow, c);
        } else addPair(out, 0, tmp, slot(y + j), slot(y + kh - 1 - j), ow, c);
      } else if (a < 0) constant += c * cvalRow;
      else addScaled(out, 0, tmp, slot(y + j), ow, c);
    }
    if (colSym && (kh & 1) === 1) {
      const c = ck[half], a = ys[y + half];
      if (c !== 0) {
        if (a < 0) constant += c * cvalRow;
        else addScaled(out, 0, tmp, slot(y + half), ow, c);
      }
    }
    if (constant !== 0) { for (let x = 0; x < ow; x++) out[x] += constant; }
    emit(y, out);
  }
}

/** `dst[o + x] = Σ_i k[i] · pad[x + i]` for `x < n`, folding a symmetric kernel. */
export function rowPass(
  pad: Float64Array,
  dst: Float64Array,
  o: number,
  n: number,
  k: Float64Array,
  symmetric: boolean,
): void {
  const kw = k.length;
  if (kw === 1) {
    const c = k[0];
    for (let x = 0; x < n; x++) dst[o + x] = c * pad[x];
    return;
  }
  if (kw === 3 && symmetric) {
    const a = k[0], b = k[1];
    for (let x = 0; x < n; x++) dst[o + x] = a * (pad[x] + pad[x + 2]) + b * pad[x + 1];
    return;
  }
  if (symmetric) {
    const r = kw >> 1, odd = (kw & 1) === 1;
    const mid = odd ? k[r] : 0;
    for (let x = 0; x < n; x++) {
      let acc = odd ? mid * pad[x + r] : 0;
      for (let i = 0, e = x + kw - 1; i < r; i++) acc += k[i] * (pad[x + i] + pad[e - i]);
      dst[o + x] = acc;
    }
    return;
  }
  for (let x = 0; x < n; x++) {
    let acc = 0;
    for (let i = 0; i < kw; i++) acc += k[i] * pad[x + i];
    dst[o + x] = acc;
  }
}

function addScaled(
  out: Float64Array,
  o: number,
  src: Float64Array,
  s: number,
  n: number,
  c: number,
): void {
  for (let x = 0; x < n; x++) out[o + x] += c * src[s + x];
}

function addPair(
  out: Float64Array,
  o: number,
  src: Float64Array,
  a: number,
  b: number,
  n: number,
  c: number,
): void {
  for (let x = 0; x < n; x++) out[o + x] += c * (src[a + x] + src[b + x]);
}

/**
 * Factors of a kernel already known to be rank 1, taken from the kernel's
 * own weights rather than from the SVD. Dyadic kernels (every weight an
 * integer times a power of two: binomial, Sobel, box, the lecture notes'
 * masks) get dyadic factors whose products are the weights exactly, so the
 * row and column passes add exactly the numbers the direct sum adds and
 * integer outputs round identically, ties included. Otherwise `row` is the
 * row holding the largest weight and `column[j] = K[j][i*] / K[j*][i*]`.
 * Falls back to `fallback` (e.g. the SVD factors) when these do not
 * reproduce the kernel within `tolerance` of its largest weight.
 */
export function exactFactors(
  data: Float32Array,
  width: number,
  height: number,
  fallback: { column: Float64Array; row: Float64Array },
  tolerance = 1e-6,
): { column: Float64Array; row: Float64Array } {
  let best = 0, at = 0;
  for (let i = 0; i < data.length; i++) {
    if (Math.abs(data[i]) > best) {
      best = Math.abs(data[i]);
      at = i;
    }
  }
  if (best === 0) return fallback;
  const dyadic = dyadicFactors(data, width, height, at);
  if (dyadic) return dyadic;
  const jStar = Math.floor(at / width), iStar = at % width, pivot = data[at];
  const row = Float64Array.from(data.subarray(jStar * width, jStar * width + width));
  const column = new Float64Array(height);
  for (let j = 0; j < height; j++) column[j] = data[j * width + iStar] / pivot;
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      if (Math.abs(column[j] * row[i] - data[j * width + i]) > tolerance * best) return fallback;
    }
  }
  return { column, row };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}

/** Exact dyadic factors of a dyadic rank-1 kernel (pivot at index `at`), or `undefined`. */
function dyadicFactors(
  data: Float32Array,
  width: number,
  height: number,
  at: number,
): { column: Float64Array; row: Float64Array } | undefined {
  let e = 0;
  const isInt = (s: number) => data.every((v) => Number.isSafeInteger(v * s));
  while (e <= 60 && !isInt(2 ** e)) e++;
  if (e > 60) return undefined;
  const scale = 2 ** e;
  const m = Array.from(data, (v) => v * scale);
  const jStar = Math.floor(at / width), iStar = at % width;
  const column = new Float64Array(height);
  let g = 0;
  for (let j = 0; j < height; j++) g = gcd(g, m[j * width + iStar]);
  for (let j = 0; j < height; j++) column[j] = m[j * width + iStar] / g;
  const row = new Float64Array(width);
  for (let i = 0; i < width; i++) row[i] = m[jStar * width + i] / column[jStar];
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      if (!Number.isInteger(row[i]) || column[j] * row[i] !== m[j * width + i]) return undefined;
    }
  }
  for (let i = 0; i < width; i++) row[i] /= scale;
  return { column, row };
}
