/**
 * The FFT correlation engine for large non-separable kernels. The plane is
 * padded exactly as the direct engine pads it (boundary mode, `cval`), then
 * correlated in "valid" mode by float64 FFT:
 *
 * - overlap-save in tiles of about 256×256 (at least 4× the kernel, at most
 *   the whole padded plane): small transforms stay in cache, which makes
 *   them 2–3× faster per sample than one plane-sized transform;
 * - two tiles travel as the real and imaginary parts of one complex
 *   transform — correlation with a real kernel keeps them apart — so a
 *   pair of tiles costs one forward and one inverse transform;
 * - the kernel's spectrum (at the tile size) is computed once per call and
 *   shared by every tile and channel ({@linkcode FFTCorrelator}).
 *
 * Cost `O(log N)` per pixel whatever the kernel size. Rounding error is about
 * `1e-16 · log N · S` with `S = Σ|K| · max|I|`; the result is then snapped to
 * the grid of the power of two just above `2^-40 · S` (well above that error)
 * so that sums exact on that grid — integer images with dyadic weights, the
 * case where integer outputs meet exact .5 ties — come out exact, as the
 * direct sum gives them; other values move by less than `2^-40 · S`.
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { type BoundaryMode, paddedIndices } from "../../core/boundary.ts";
import { fft2d, nextFastSize } from "../../engines/fft.ts";
import type { Kernel } from "../../core/kernel.ts";
import type { CorrelationGeometry } from "./direct.ts";
import type { StridedPlane } from "../../core/strided_planes.ts";

/** Tile side for one axis: ~4× the kernel, at least 256, at most the padded size. */
function tileSize(padded: number, k: number): number {
  return Math.min(nextFastSize(padded), nextFastSize(Math.max(192, 4 * k)));
}

/**
 * Correlates `w × h` planes with one kernel in one geometry by FFT — the
 * result of `correlatePlaneDirect` up to float64 rounding. The kernel's
 * spectrum is computed on the first call and reused.
 */
export class FFTCorrelator {
  #kernel: Kernel;
  #geometry: CorrelationGeometry;
  #tx: number;
  #ty: number;
  #kr?: Float64Array;
  #ki?: Float64Array;

  /** Plans the tile sizes for one kernel and output geometry. */
  constructor(kernel: Kernel, geometry: CorrelationGeometry) {
    this.#kernel = kernel;
    this.#geometry = geometry;
    this.#tx = tileSize(geometry.width + kernel.width - 1, kernel.width);
    this.#ty = tileSize(geometry.height + kernel.height - 1, kernel.height);
  }

  #spectrum(): [Float64Array, Float64Array] {
    if (this.#kr && this.#ki) return [this.#kr, this.#ki];
    const n = this.#tx, m = this.#ty, k = this.#kernel;
    const re = new Float64Array(n * m), im = new Float64Array(n * m);
    for (let y = 0; y < k.height; y++) {
      for (let x = 0; x < k.width; x++) re[y * n + x] = k.data[y * k.width + x];
    }
    fft2d(re, im, n, m);
    // Store conj(K̂): correlation.
    for (let i = 0; i < im.length; i++) im[i] = -im[i];
    this.#kr = re;
    this.#ki = im;
    return [re, im];
  }

  /**
   * Correlates one channel (`w × h`, read in place) with the given boundary;
   * `snap` (default) rounds to the error grid described in the module doc.
   */
  correlate(
    src: StridedPlane,
    w: number,
    h: number,
    boundary: BoundaryMode,
    cval = 0,
    snap = true,
  ): Float64Array {
    const plane = src.data, off = src.offset, st = src.stride;
    const { width: ow, height: oh, offsetX, offsetY } = this.#geometry;
    const kw = this.#kernel.width, kh = this.#kernel.height;
    const pw = ow + kw - 1, ph = oh + kh - 1;
    const tx = this.#tx, ty = this.#ty;
    const bx = tx - kw + 1, by = ty - kh + 1; // output block per tile
    const xs = paddedIndices(w, offsetX, pw - w - offsetX, boundary);
    const ys = paddedIndices(h, offsetY, ph - h - offsetY, boundary);
    const [kr, ki] = this.#spectrum();
    let peak = Math.abs(cval);
    for (let i = 0, j = off; i < w * h; i++, j += st) {
      const a = Math.abs(plane[j]);
      if (a > peak) peak = a;
    }
    let k1 = 0;
    for (const v of this.#kernel.data) k1 += Math.abs(v);
    const bound = k1 * peak * 2 ** -40;
    const grid = snap && bound > 0 ? 2 ** Math.ceil(Math.log2(bound)) : 0;
    // (v + magic) − magic rounds v to a multiple of grid (|v| ≤ 2^40·grid ≪ 2^51·grid).
    const magic = 1.5 * 2 ** 52 * grid;
    const tiles: [number, number][] = [];
    for (let y0 = 0; y0 < oh; y0 += by) for (let x0 = 0; x0 < ow; x0 += bx) tiles.push([x0, y0]);
    const re = new Float64Array(tx * ty), im = new Float64Array(tx * ty);
    const out = new Float64Array(ow * oh);
    const load = (dst: Float64Array, x0: number, y0: number) => {
      dst.fill(0);
      const rows = Math.min(ty, ph - y0), cols = Math.min(tx, pw - x0);
      for (let r = 0; r < rows; r++) {
        const sy = ys[y0 + r], o = r * tx;
        if (sy < 0) {
          dst.fill(cval, o, o + cols);
          continue;
        }
        const s = off + sy * w * st;
        for (let c = 0; c < cols; c++) {
          const sx = xs[x0 + c];
          dst[o + c] = sx < 0 ? cval : plane[s + sx * st];
        }
      }
    };
    const save = (src: Float64Array, x0: number, y0: number) => {
      const rows = Math.min(by, oh - y0), cols = Math.min(bx, ow - x0);
      for (let r = 0; r < rows; r++) {
        for (let c = 0, o = (y0 + r) * ow + x0, s = r * tx; c < cols; c++) {
          const v = src[s + c];
          out[o + c] = v + magic - magic;
        }
      }
    };
    for (let t = 0; t < tiles.length; t += 2) {
      checkAbort();
      const [ax, ay] = tiles[t];
      load(re, ax, ay);
      if (t + 1 < tiles.length) load(im, tiles[t + 1][0], tiles[t + 1][1]);
      else im.fill(0);
      fft2d(re, im, tx, ty);
      for (let i = 0; i < re.length; i++) {
        const a = re[i], b = im[i], c = kr[i], d = ki[i];
        re[i] = a * c - b * d;
        im[i] = a * d + b * c;
      }
      fft2d(re, im, tx, ty, true);
      save(re, ax, ay);
      if (t + 1 < tiles.length) save(im, tiles[t + 1][0], tiles[t + 1][1]);
    }
    return out;
  }
}
