/**
 * What the three bilateral algorithms share: the resolved params they read
 * ({@linkcode BilateralParams}, {@linkcode BilateralWindow}), the window
 * radius ({@linkcode bilateralRadius}), the spatial taps of the window with
 * their weights ({@linkcode spaceTaps}), and the row plumbing around the
 * filtered channels (copying the channels left alone, padding one channel of
 * a source row into a ring).
 *
 * The plugin module (filters/bilateral/bilateral.ts) re-exports the public
 * names and dispatches to exact.ts (the exact sums), grid.ts (the bilateral
 * grid) and separable.ts (the separable approximation), which all import
 * from here and from nothing of the plugin module.
 *
 * @module
 */

import { roundHalfEven } from "../../core/dtype.ts";
import type { BoundaryMode } from "../../core/boundary.ts";
import type { Image } from "../../core/image.ts";
import type { PixelArray } from "../../core/dtype.ts";
import type { AlphaMode } from "../../core/planes.ts";

/**
 * Window shapes of {@linkcode bilateral}: `"disk"` (OpenCV), `"square"`, or
 * `"skimage"` — the square window with scikit-image 0.19's spatial weight
 * table, which its `denoise_bilateral` reads with the wrong stride (so the
 * weights are not radial); use it only to reproduce scikit-image's numbers.
 */
export type BilateralWindow = "disk" | "square" | "skimage";

/** Resolved params of the `bilateral` plugin. */
export interface BilateralParams {
  /** Window diameter. */
  diameter: number;
  /** Colour sigma. */
  sigmaColor: number;
  /** Space sigma. */
  sigmaSpace: number;
  /** Border handling. */
  boundary: BoundaryMode;
  /** Constant border value. */
  cval: number;
  /** Algorithm. */
  method: "exact" | "fast";
  /** Window shape. */
  window: BilateralWindow;
  /** Colour distance. */
  colorDistance: "l1" | "l2";
  /** Alpha handling. */
  alpha: AlphaMode;
}

/**
 * The window radius as OpenCV derives it: `floor(diameter / 2)`, or
 * `cvRound(1.5 · sigmaSpace)` — to nearest, ties to even — when
 * `diameter <= 0`; at least 1.
 *
 * @example
 * ```ts
 * import { bilateralRadius } from "@imfilter/imfilter";
 * console.log(bilateralRadius(9, 75), bilateralRadius(0, 3), bilateralRadius(0, 5)); // 4 4 8
 * ```
 */
export function bilateralRadius(diameter: number, sigmaSpace: number): number {
  // cvRound rounds ties to even: sigmaSpace 3 gives 4.5 → 4 (Math.round gave 5).
  const r = diameter <= 0 ? roundHalfEven(1.5 * sigmaSpace) : diameter >> 1;
  return Math.max(r, 1);
}

/** The spatial taps of a window: offsets and space weights, row by row. */
export interface Taps {
  /** Column offset of each tap. */
  dx: Int32Array;
  /** Row offset of each tap. */
  dy: Int32Array;
  /** Space weight of each tap. */
  w: Float64Array;
}

/**
 * The Gaussian's exponent coefficient `−1 / (2σ²)`, kept finite: for a
 * sigma so small that `2σ²` underflows it would be −∞, and `0 · −∞` (the
 * centre tap, a zero colour distance) NaN. At −`Number.MAX_VALUE` the
 * centre still weighs `exp(−0) = 1` and every other distance 0 — the
 * filter's limit.
 */
export function gaussCoeff(sigma: number): number {
  return Math.max(-0.5 / (sigma * sigma), -Number.MAX_VALUE);
}

/**
 * The taps of the `window` of radius `r` and their space weights (float32-
 * rounded, except for `"skimage"`), in row-major order.
 */
export function spaceTaps(r: number, sigmaSpace: number, window: BilateralWindow): Taps {
  const gs = gaussCoeff(sigmaSpace);
  const dx: number[] = [], dy: number[] = [], w: number[] = [];
  const ws = 2 * r + 1, g = ws + 1, h = (ws + 1) >> 1;
  for (let i = -r; i <= r; i++) {
    for (let j = -r; j <= r; j++) {
      let d2 = i * i + j * j;
      if (window === "disk" && Math.sqrt(d2) > r) continue;
      if (window === "skimage") {
        // scikit-image 0.19 builds a (ws+1)² table and reads it with stride ws
        const idx = (i + r) * ws + (j + r);
        const a = Math.floor(idx / g) - h, b = (idx % g) - h;
        d2 = a * a + b * b;
      }
      dy.push(i);
      dx.push(j);
      w.push(window === "skimage" ? Math.exp(d2 * gs) : Math.fround(Math.exp(d2 * gs)));
    }
  }
  return { dx: Int32Array.from(dx), dy: Int32Array.from(dy), w: Float64Array.from(w) };
}

/** Copies channels `from … channels − 1` (those not filtered) of `image` into `out`. */
export function copyChannels(image: Image, out: PixelArray, from: number): void {
  const ch = image.channels, src = image.data, n = image.width * image.height;
  for (let c = from; c < ch; c++) {
    for (let i = 0, j = c; i < n; i++, j += ch) out[j] = src[j];
  }
}

/**
 * Fills ring row `o … o + xs.length − 1` of `ring` with channel `c` of
 * source row `sy` (−1: a row of `cval`) padded by `xs` (−1: `cval`);
 * the samples are read straight from the interleaved image data.
 */
export function fillRow(
  src: PixelArray,
  w: number,
  ch: number,
  c: number,
  sy: number,
  xs: Int32Array,
  cval: number,
  ring: Float64Array | Int32Array,
  o: number,
): void {
  const pw = xs.length;
  if (sy < 0) {
    ring.fill(cval, o, o + pw);
    return;
  }
  const so = sy * w * ch + c;
  for (let px = 0; px < pw; px++) {
    const sx = xs[px];
    ring[o + px] = sx < 0 ? cval : src[so + sx * ch];
  }
}
