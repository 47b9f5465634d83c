/**
 * The separable correlation engine: a row pass then a column pass, for
 * kernels that are an outer product `column × row` (rank 1). Cost per pixel
 * is `kw + kh` multiply-adds instead of `kw · kh`; symmetric factors (all
 * Gaussians, boxes, most derivative masks) are folded so each pair of taps
 * costs one multiply. Float64 throughout, border values from the boundary
 * mode through index tables (no test in the inner loops).
 *
 * Streaming: rows go through the row pass into a ring of `kh` rows and the
 * column pass emits one output row at a time, so the extra memory is a few
 * rows, not a plane; {@linkcode correlateSeparableRows} runs several kernels
 * of one size over the same source rows (e.g. both derivatives of a gradient).
 *
 * A column factor more than twice as tall as the image (a wide Gaussian on a
 * small image) would row-pass the same few source rows again for every
 * padded row — 8,190 of them for 8,191 taps, 3.9 s on a 64×64 float image.
 * Then each source row is row-passed once, and each output row sums them
 * with the column taps folded per source row (`Σ` of the taps that read it):
 * O(kh + h·ow) per output row.
 *
 * @module
 */

import { type BoundaryMode, paddedIndices } from "../../core/boundary.ts";
import type { CorrelationGeometry } from "./direct.ts";
import { type OutputPlane, storeRow, type StridedPlane } from "../../core/strided_planes.ts";

/** Whether `v[i] == v[n − 1 − i]` for every `i` (exactly). */
export function isSymmetric(v: ArrayLike<number>): boolean {
  const n = v.length;
  for (let i = 0; i < n >> 1; i++) if (v[i] !== v[n - 1 - i]) return false;
  return true;
}

/** A rank-1 kernel as its factors: the 2-D kernel is `K[j][i] = column[j] · row[i]`. */
export interface SeparableKernel {
  /** The vertical factor (`kh` taps). */
  column: ArrayLike<number>;
  /** The horizontal factor (`kw` taps). */
  row: ArrayLike<number>;
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
  correlateSeparableRows(src, w, h, [{ column, row }], geometry, boundary, cval, (y, rows) => {
    out.set(rows[0], y * ow);
  });
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
  const ow = geometry.width, step = ow * dst.stride;
  correlateSeparableRows(src, w, h, [{ column, row }], geometry, boundary, cval, (y, rows) => {
    storeRow(dst.data, dst.offset + y * step, dst.stride, rows[0], 0, ow, 1);
  });
}

/**
 * The streaming engine behind {@linkcode correlateSeparableChannel}: correlates
 * one `w × h` channel (read in place) with each of `kernels` — all of one size
 * `kw × kh` — and hands the results over one output row at a time:
 * `emit(y, rows)` gets `rows[k]`, row `y` of the correlation with `kernels[k]`
 * (the same values as {@linkcode correlateSeparablePlane} with that kernel),
 * for `y = 0, 1, …` in order. The rows are scratch buffers rebuilt for every
 * `y`: `emit` may overwrite them, and must copy what it keeps.
 *
 * Each padded source row is gathered once and row-passed with every kernel
 * into that kernel's ring of `kh` rows, so several kernels over the same
 * image (the x and y derivatives of a gradient) read it once. Extra memory is
 * `kh + 1` rows per kernel and one padded row, never a plane.
 */
export function correlateSeparableRows(
  src: StridedPlane,
  w: number,
  h: number,
  kernels: readonly SeparableKernel[],
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  cval: number,
  emit: (y: number, rows: readonly Float64Array[]) => void,
): void {
  const stream = new SeparableRows(src, w, h, kernels, geometry, boundary, cval);
  for (let y = 0; y < geometry.height; y++) emit(y, stream.next());
}

/** One kernel's part of {@linkcode SeparableRows}. */
interface KernelPass {
  /** The row factor. */
  rk: Float64Array;
  /** Whether `rk` is symmetric. */
  rowSym: boolean;
  /** The column factor. */
  ck: Float64Array;
  /** Whether `ck` is symmetric. */
  colSym: boolean;
  /** The row pass of a row that is all `cval` (a constant border row, never stored). */
  cvalRow: number;
  /**
   * The row pass of the `kh` padded rows the column pass is about to read,
   * padded row `py` at `(py % kh) · ow` (a source row reflected twice near an
   * edge is passed twice: the same values).
   */
  ring: Float64Array;
  /** The current output row. */
  out: Float64Array;
}

/**
 * The state of {@linkcode correlateSeparableRows}: each {@linkcode next}
 * call row-passes the padded rows the next output row needs into every
 * kernel's ring and column-passes the rings into the kernels' output rows.
 * (The per-row work is a method called once per output row, not the body of
 * one long loop, so V8 optimises it as an ordinary hot function instead of
 * relying on on-stack replacement — measurably faster for short kernels.)
 */
class SeparableRows {
  private readonly passes: KernelPass[];
  private readonly rows: Float64Array[];
  private readonly plane: StridedPlane["data"];
  private readonly base: number;
  private readonly stride: number;
  private readonly rowStep: number;
  private readonly cval: number;
  private readonly ow: number;
  private readonly kh: number;
  private readonly xs: Int32Array;
  private readonly ys: Int32Array;
  private readonly pad: Float64Array;
  /** The next output row. */
  private y = 0;
  /** Padded rows below this one are in the rings. */
  private py = 0;
  /**
   * With a column factor over twice the image's height: each kernel's row
   * pass of every source row (row `s` at `s · ow`), and the folded taps.
   */
  private readonly folded?: { rows: Float64Array[]; taps: Float64Array; h: number };

  constructor(
    src: StridedPlane,
    w: number,
    h: number,
    kernels: readonly SeparableKernel[],
    geometry: CorrelationGeometry,
    boundary: BoundaryMode,
    cval: number,
  ) {
    const { width: ow, height: oh, offsetX, offsetY } = geometry;
    const kw = kernels[0].row.length, kh = kernels[0].column.length;
    if (kernels.some((k) => k.row.length !== kw || k.column.length !== kh)) {
      throw new RangeError(`separable kernels of different sizes (the first is ${kw}x${kh})`);
    }
    const pw = ow + kw - 1, ph = oh + kh - 1;
    this.xs = paddedIndices(w, offsetX, pw - w - offsetX, boundary);
    this.ys = paddedIndices(h, offsetY, ph - h - offsetY, boundary);
    this.plane = src.data;
    this.base = src.offset;
    this.stride = src.stride;
    this.rowStep = w * src.stride;
    this.cval = cval;
    this.ow = ow;
    this.kh = kh;
    this.pad = new Float64Array(pw);
    this.passes = kernels.map(({ column, row }) => {
      const rk = Float64Array.from(row), ck = Float64Array.from(column);
      let rowSum = 0;
      for (let i = 0; i < kw; i++) rowSum += rk[i];
      return {
        rk,
        rowSym: isSymmetric(rk),
        ck,
        colSym: isSymmetric(ck),
        cvalRow: cval * rowSum,
        ring: new Float64Array(kh * ow),
        out: new Float64Array(ow),
      };
    });
    this.rows = this.passes.map((p) => p.out);
    if (kh > 2 * h && h * ow <= FOLD_MAX_SAMPLES) {
      const rows = this.passes.map(() => new Float64Array(h * ow));
      for (let sy = 0; sy < h; sy++) {
        this.gather(sy);
        this.passes.forEach((p, k) => rowPass(this.pad, rows[k], sy * ow, ow, p.rk, p.rowSym));
      }
      this.folded = { rows, taps: new Float64Array(h), h };
    }
  }

  /** Source row `sy`, padded along x by the boundary mode, into `pad`. */
  private gather(sy: number): void {
    const { plane, stride, cval, xs, pad } = this;
    const base = this.base + sy * this.rowStep;
    for (let px = 0; px < pad.length; px++) {
      const sx = xs[px];
      pad[px] = sx < 0 ? cval : plane[base + sx * stride];
    }
  }

  /** The next output row from the source rows' row passes, the column taps folded per source row. */
  private nextFolded(folded: { rows: Float64Array[]; taps: Float64Array; h: number }): void {
    const { passes, ys, ow, kh } = this;
    const y = this.y++, { taps } = folded;
    for (let k = 0; k < passes.length; k++) {
      const p = passes[k], ck = p.ck;
      taps.fill(0);
      let constant = 0;
      for (let j = 0; j < kh; j++) {
        const sy = ys[y + j];
        if (sy < 0) constant += ck[j] * p.cvalRow;
        else taps[sy] += ck[j];
      }
      p.out.fill(constant);
      for (let sy = 0; sy < folded.h; sy++) {
        if (taps[sy] !== 0) addScaled(p.out, 0, folded.rows[k], sy * ow, ow, taps[sy]);
      }
    }
  }

  /** The next output row of every kernel (the same buffers on every call). */
  next(): readonly Float64Array[] {
    if (this.folded) {
      this.nextFolded(this.folded);
      return this.rows;
    }
    const { passes, ow, kh, ys, pad } = this;
    const y = this.y++;
    let py = this.py;
    for (; py < y + kh; py++) {
      const sy = ys[py];
      if (sy < 0) continue;
      this.gather(sy);
      const o = (py % kh) * ow;
      for (let k = 0; k < passes.length; k++) {
        const p = passes[k];
        rowPass(pad, p.ring, o, ow, p.rk, p.rowSym);
      }
    }
    this.py = py;
    for (let k = 0; k < passes.length; k++) columnPass(passes[k], ys, y, ow);
    return this.rows;
  }
}

/** The most samples of source-row passes kept for a folded column pass (128 MiB). */
const FOLD_MAX_SAMPLES = 1 << 24;

/**
 * Output row `y` of one kernel's column pass into `p.out`:
 * `Σ_j column[j] · (row pass of padded row y + j)` (at `((y + j) % kh) · ow`
 * in the ring), with `ys` the padded rows' source rows (`< 0` for a constant
 * border row, whose row pass is `p.cvalRow`).
 */
function columnPass(p: KernelPass, ys: Int32Array, y: number, ow: number): void {
  const { out, ring, ck, colSym, cvalRow } = p;
  const kh = ck.length;
  const half = colSym ? kh >> 1 : kh;
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
        addScaled(out, 0, ring, ((a < 0 ? y + kh - 1 - j : y + j) % kh) * ow, ow, c);
      } else addPair(out, 0, ring, ((y + j) % kh) * ow, ((y + kh - 1 - j) % kh) * ow, ow, c);
    } else if (a < 0) constant += c * cvalRow;
    else addScaled(out, 0, ring, ((y + j) % kh) * ow, ow, c);
  }
  if (colSym && (kh & 1) === 1) {
    const c = ck[half], a = ys[y + half];
    if (c !== 0) {
      if (a < 0) constant += c * cvalRow;
      else addScaled(out, 0, ring, ((y + half) % kh) * ow, ow, c);
    }
  }
  if (constant !== 0) { for (let x = 0; x < ow; x++) out[x] += constant; }
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
