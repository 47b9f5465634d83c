/**
 * The {@linkcode Kernel} type: a small 2-D array of float32 weights with an
 * optional anchor.
 *
 * @module
 */

import { FilterError, show } from "./errors.ts";

/** A kernel position: `x` is the column, `y` the row. */
export interface Point {
  /** Column. */
  x: number;
  /** Row. */
  y: number;
}

/** The default rank-1 tolerance of {@linkcode Kernel.separate}: relative to the largest singular value. */
export const SEPARABLE_TOLERANCE = 1e-6;

/**
 * A convolution kernel (mask): `width × height` float32 weights, row-major.
 * `anchor` is the element that sits over the output pixel; when absent,
 * `correlate` uses `floor(size / 2)` and `convolve` uses `floor((size - 1) / 2)`.
 *
 * @example Building and composing kernels
 * ```ts
 * import { Kernel } from "@imfilter/imfilter";
 * const k = Kernel.from([[1, 2, 1]]).compose(Kernel.from([[1], [2], [1]]));
 * console.log(k.width, k.height, k.sum()); // 3 3 16
 * ```
 */
export class Kernel {
  /** Number of columns. */
  readonly width: number;
  /** Number of rows. */
  readonly height: number;
  /** Weights, row-major: `data[y * width + x]`. */
  readonly data: Float32Array;
  /** The element over the output pixel, or `undefined` for the default centre. */
  readonly anchor?: Point;

  /** Wraps weights (no copy); checks sizes, finiteness and the anchor. */
  constructor(width: number, height: number, data: Float32Array, anchor?: Point) {
    if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
      throw new FilterError(
        "INVALID_PARAM",
        `kernel size ${show(width)}x${
          show(height)
        } is invalid; a kernel needs at least one row and one column`,
      );
    }
    if (!(data instanceof Float32Array) || data.length !== width * height) {
      throw new FilterError(
        "SIZE_MISMATCH",
        `kernel data must be a Float32Array of ${width * height} weights for ${width}x${height}`,
      );
    }
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new FilterError(
          "INVALID_PARAM",
          `kernel weight at row ${Math.floor(i / width)}, column ${i % width} is ${
            data[i]
          }; weights must be finite`,
        );
      }
    }
    if (anchor !== undefined) {
      if (
        !Number.isInteger(anchor.x) || !Number.isInteger(anchor.y) || anchor.x < 0 ||
        anchor.y < 0 || anchor.x >= width || anchor.y >= height
      ) {
        throw new FilterError(
          "INVALID_PARAM",
          `kernel anchor ${
            show([anchor.x, anchor.y])
          } is outside the ${width}x${height} kernel; use 0 <= x < ${width}, 0 <= y < ${height}`,
        );
      }
      this.anchor = { x: anchor.x, y: anchor.y };
    }
    this.width = width;
    this.height = height;
    this.data = data;
  }

  /**
   * A kernel from rows of numbers (a 1-D array is one row).
   *
   * @example
   * ```ts
   * import { Kernel } from "@imfilter/imfilter";
   * console.log(Kernel.from([[1, 0, -1]]).width); // 3
   * ```
   */
  static from(rows: readonly (readonly number[])[] | readonly number[], anchor?: Point): Kernel {
    if (!Array.isArray(rows) || rows.length === 0) {
      throw new FilterError(
        "INVALID_PARAM",
        `kernel ${show(rows)} is empty; give at least one row of numbers`,
      );
    }
    const grid = (typeof rows[0] === "number" ? [rows] : rows) as readonly (readonly number[])[];
    const width = Array.isArray(grid[0]) ? grid[0].length : 0;
    if (width === 0) {
      throw new FilterError(
        "INVALID_PARAM",
        `kernel ${show(rows)} is empty; give at least one row of numbers`,
      );
    }
    const data = new Float32Array(width * grid.length);
    grid.forEach((row, y) => {
      if (!Array.isArray(row) || row.length !== width) {
        throw new FilterError(
          "INVALID_PARAM",
          `kernel is ragged: row ${y} has ${
            Array.isArray(row) ? row.length : 0
          } values, row 0 has ${width}; all rows need the same length`,
        );
      }
      row.forEach((v, x) => {
        if (typeof v !== "number" || !Number.isFinite(v)) {
          throw new FilterError(
            "INVALID_PARAM",
            `kernel weight at row ${y}, column ${x} is ${show(v)}; weights must be finite numbers`,
          );
        }
        data[y * width + x] = v;
      });
    });
    return new Kernel(width, grid.length, data, anchor);
  }

  /** Weight at column `x`, row `y`. */
  get(x: number, y: number): number {
    return this.data[y * this.width + x];
  }

  /** The rows as plain arrays. */
  toRows(): number[][] {
    const rows: number[][] = [];
    for (let y = 0; y < this.height; y++) {
      rows.push(Array.from(this.data.subarray(y * this.width, (y + 1) * this.width)));
    }
    return rows;
  }

  /** The same weights with another anchor (or the default one). */
  withAnchor(anchor: Point | undefined): Kernel {
    return new Kernel(this.width, this.height, this.data, anchor);
  }

  /** Sum of the weights (in float64). */
  sum(): number {
    let s = 0;
    for (let i = 0; i < this.data.length; i++) s += this.data[i];
    return s;
  }

  /**
   * The kernel rotated by 180° (flipped in both axes); an anchor moves with
   * its element.
   */
  flip(): Kernel {
    const { width, height, data } = this;
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[data.length - 1 - i];
    const a = this.anchor
      ? { x: width - 1 - this.anchor.x, y: height - 1 - this.anchor.y }
      : undefined;
    return new Kernel(width, height, out, a);
  }

  /** The kernel scaled to sum 1; a zero-sum kernel is an `INVALID_PARAM` error. */
  normalize(): Kernel {
    const s = this.sum();
    if (Math.abs(s) < 1e-12) {
      throw new FilterError(
        "INVALID_PARAM",
        `kernel sums to ${s}; a zero-sum kernel (e.g. a derivative) cannot be normalised`,
      );
    }
    return this.scale(1 / s);
  }

  /** The kernel times a factor. */
  scale(factor: number): Kernel {
    const out = new Float32Array(this.data.length);
    for (let i = 0; i < out.length; i++) out[i] = this.data[i] * factor;
    return new Kernel(this.width, this.height, out, this.anchor);
  }

  /**
   * Full 2-D convolution of two kernels, so that convolving with the result
   * equals convolving with `this` then `other` (associativity). Computed in
   * float64, stored as float32.
   */
  compose(other: Kernel): Kernel {
    const w = this.width + other.width - 1, h = this.height + other.height - 1;
    const acc = new Float64Array(w * h);
    for (let y1 = 0; y1 < this.height; y1++) {
      for (let x1 = 0; x1 < this.width; x1++) {
        const a = this.data[y1 * this.width + x1];
        if (a === 0) continue;
        for (let y2 = 0; y2 < other.height; y2++) {
          const row = (y1 + y2) * w + x1;
          for (let x2 = 0; x2 < other.width; x2++) {
            acc[row + x2] += a * other.data[y2 * other.width + x2];
          }
        }
      }
    }
    return new Kernel(w, h, Float32Array.from(acc));
  }

  /**
   * Tests whether the kernel is rank 1 (an outer product `column × row`) and
   * returns the factors, or `undefined` when it is not. The test is an SVD
   * by power iteration: rank 1 when the second singular value is at most
   * `tolerance` times the first (default {@linkcode SEPARABLE_TOLERANCE}) —
   * i.e. when the separable result differs from the 2-D one by at most that
   * fraction of the kernel's energy.
   *
   * @example
   * ```ts
   * import { Kernel } from "@imfilter/imfilter";
   * const k = Kernel.from([[1, 2, 1], [2, 4, 2], [1, 2, 1]]);
   * console.log(k.separate() !== undefined); // true
   * ```
   */
  separate(
    tolerance: number = SEPARABLE_TOLERANCE,
  ): { column: Float64Array; row: Float64Array } | undefined {
    const { width: w, height: h, data } = this;
    let fro2 = 0;
    for (let i = 0; i < data.length; i++) fro2 += data[i] * data[i];
    if (fro2 === 0) return { column: new Float64Array(h), row: new Float64Array(w) };
    // Start from the row with the largest norm; power-iterate on K^T K.
    let best = 0, bestNorm = -1;
    for (let y = 0; y < h; y++) {
      let s = 0;
      for (let x = 0; x < w; x++) s += data[y * w + x] ** 2;
      if (s > bestNorm) {
        bestNorm = s;
        best = y;
      }
    }
    let v = Float64Array.from(data.subarray(best * w, best * w + w));
    const u = new Float64Array(h);
    let sigma = 0;
    for (let iter = 0; iter < 200; iter++) {
      let vn = 0;
      for (let x = 0; x < w; x++) vn += v[x] * v[x];
      vn = Math.sqrt(vn);
      for (let x = 0; x < w; x++) v[x] /= vn;
      for (let y = 0; y < h; y++) {
        let s = 0;
        for (let x = 0; x < w; x++) s += data[y * w + x] * v[x];
        u[y] = s;
      }
      const nv = new Float64Array(w);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) nv[x] += data[y * w + x] * u[y];
      }
      let un = 0;
      for (let y = 0; y < h; y++) un += u[y] * u[y];
      const next = Math.sqrt(un);
      v = nv;
      if (Math.abs(next - sigma) <= 1e-15 * next) {
        sigma = next;
        break;
      }
      sigma = next;
    }
    let vn = 0;
    for (let x = 0; x < w; x++) vn += v[x] * v[x];
    vn = Math.sqrt(vn);
    for (let x = 0; x < w; x++) v[x] /= vn;
    // Residual energy = sum of the other singular values squared.
    const rest = Math.max(0, fro2 - sigma * sigma);
    if (Math.sqrt(rest) > tolerance * sigma) return undefined;
    // Distribute sigma between both factors.
    const s = Math.sqrt(sigma);
    const column = new Float64Array(h), row = new Float64Array(w);
    for (let y = 0; y < h; y++) column[y] = (u[y] / sigma) * s;
    for (let x = 0; x < w; x++) row[x] = v[x] * s;
    return { column, row };
  }
}

/** Accepts a kernel from this or another copy of the library, or rows of numbers. */
export function asKernel(v: unknown, what = "kernel"): Kernel {
  if (v instanceof Kernel) return v;
  if (Array.isArray(v)) return Kernel.from(v as number[][]);
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    if (
      typeof o.width === "number" && typeof o.height === "number" && o.data instanceof Float32Array
    ) {
      return new Kernel(o.width, o.height, o.data, o.anchor as Point | undefined);
    }
  }
  throw new FilterError(
    "INVALID_PARAM",
    `${what} must be a Kernel, rows of numbers, or a kernel string, got ${show(v)}`,
  );
}
