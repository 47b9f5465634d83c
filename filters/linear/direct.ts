/**
 * The exact (direct) 2-D correlation engine and the output geometry of the
 * `same`, `full` and `valid` modes. It is the reference every fast path is
 * tested against: float64 accumulation, border handling through index
 * tables, no allocation per pixel.
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { type BoundaryMode, paddedIndices } from "../../core/boundary.ts";
import { FilterError } from "../../core/errors.ts";
import type { Kernel, Point } from "../../core/kernel.ts";

/** Output size mode of convolve/correlate. */
export type OutputMode = "same" | "full" | "valid";

/** The output modes. */
export const OUTPUT_MODES: readonly OutputMode[] = ["same", "full", "valid"];

/**
 * Where a correlation reads: output pixel `(x, y)` sums
 * `K[j][i] · I[y + j − offsetY][x + i − offsetX]` over the kernel.
 */
export interface CorrelationGeometry {
  /** Output width. */
  width: number;
  /** Output height. */
  height: number;
  /** Column offset (the anchor column in `same` mode). */
  offsetX: number;
  /** Row offset. */
  offsetY: number;
}

/**
 * The geometry of a correlation with a `kw × kh` kernel on a `w × h` image.
 * `same`: the input's size, offset = anchor. `full`: `(w + kw − 1) × (h + kh − 1)`,
 * offset = kernel size − 1. `valid`: `(w − kw + 1) × (h − kh + 1)`, offset 0;
 * a kernel larger than the image is a `SIZE_MISMATCH` error.
 */
export function correlationGeometry(
  w: number,
  h: number,
  kw: number,
  kh: number,
  mode: OutputMode,
  anchor: Point,
): CorrelationGeometry {
  switch (mode) {
    case "same":
      return { width: w, height: h, offsetX: anchor.x, offsetY: anchor.y };
    case "full":
      return { width: w + kw - 1, height: h + kh - 1, offsetX: kw - 1, offsetY: kh - 1 };
    case "valid":
      if (kw > w || kh > h) {
        throw new FilterError(
          "SIZE_MISMATCH",
          `kernel ${kw}x${kh} is larger than the ${w}x${h} image, so mode "valid" has no output; use mode "same" or "full", or a smaller kernel`,
        );
      }
      return { width: w - kw + 1, height: h - kh + 1, offsetX: 0, offsetY: 0 };
  }
  throw new FilterError("INVALID_PARAM", `mode ${String(mode)} must be one of same, full, valid`);
}

/**
 * Direct 2-D correlation of one plane (row-major `w × h`) with a kernel,
 * float64 throughout. Border values come from `boundary` (and `cval` for
 * `constant`), for any pad width.
 */
export function correlatePlaneDirect(
  plane: ArrayLike<number>,
  w: number,
  h: number,
  kernel: Kernel,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  cval = 0,
): Float64Array {
  const { width: ow, height: oh, offsetX, offsetY } = geometry;
  const kw = kernel.width, kh = kernel.height, k = kernel.data;
  // Padded source: P[py][px] = I[py − offsetY][px − offsetX] (or cval).
  const pw = ow + kw - 1, ph = oh + kh - 1;
  const xs = paddedIndices(w, offsetX, pw - w - offsetX, boundary);
  const ys = paddedIndices(h, offsetY, ph - h - offsetY, boundary);
  const padded = new Float64Array(pw * ph);
  for (let py = 0; py < ph; py++) {
    const sy = ys[py], row = py * pw;
    if (sy < 0) {
      padded.fill(cval, row, row + pw);
      continue;
    }
    const src = sy * w;
    for (let px = 0; px < pw; px++) {
      const sx = xs[px];
      padded[row + px] = sx < 0 ? cval : plane[src + sx];
    }
  }
  const out = new Float64Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    checkAbort();
    const orow = y * ow;
    for (let j = 0; j < kh; j++) {
      const prow = (y + j) * pw;
      for (let i = 0; i < kw; i++) {
        const wgt = k[j * kw + i];
        if (wgt === 0) continue;
        const base = prow + i;
        for (let x = 0; x < ow; x++) out[orow + x] += wgt * padded[base + x];
      }
    }
  }
  return out;
}
