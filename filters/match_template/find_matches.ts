/**
 * Peaks of a score map: {@linkcode findMatches} (top-k local extrema with
 * non-maximum suppression), its options and the {@linkcode Match} it
 * returns. `match_template.ts` re-exports them and uses them for the
 * plugin's `data.matches`; the maps come from `scores.ts` (or anywhere).
 *
 * @module
 */

import { FilterError } from "../../core/errors.ts";
import type { Image } from "../../core/image.ts";

/** One match: the template's top-left corner (or centre with `padInput`) and its score. */
export interface Match {
  /** Column. */
  x: number;
  /** Row. */
  y: number;
  /** The score at `(x, y)`. */
  score: number;
}

/** Options of {@linkcode findMatches}. */
export interface FindMatchesOptions {
  /** The most matches to return (default 1). */
  count?: number;
  /** Only scores at least this (at most this with `lowerIsBetter`); default: no threshold. */
  minScore?: number;
  /**
   * Any two matches are more than this many pixels apart in both x or y
   * (Chebyshev distance `> minDistance`); default 1.
   */
  minDistance?: number;
  /** Lower scores are better (the `sqdiff` methods). Default false. */
  lowerIsBetter?: boolean;
}

/**
 * The best peaks of a score map with non-maximum suppression: the local
 * extrema (3×3 neighbourhood) sorted by score, taken greedily, skipping any
 * within `minDistance` of one already taken. Ties go to the first in
 * row-major order.
 *
 * @example
 * ```ts
 * import { findMatches, Image } from "@imfilter/imfilter";
 * const scores = Image.fromRows([
 *   [0.1, 0.9, 0.2, 0.1, 0.1],
 *   [0.1, 0.3, 0.2, 0.1, 0.8],
 *   [0.1, 0.1, 0.1, 0.1, 0.1],
 * ]);
 * const m = findMatches(scores, { count: 3, minScore: 0.5, minDistance: 1 });
 * console.log(m.map((p) => [p.x, p.y])); // [[1, 0], [4, 1]]
 * ```
 */
export function findMatches(scores: Image, options: FindMatchesOptions = {}): Match[] {
  const count = options.count ?? 1, minDistance = options.minDistance ?? 1;
  const lower = options.lowerIsBetter ?? false;
  if (!Number.isInteger(count) || count < 0) {
    throw new FilterError(
      "INVALID_PARAM",
      `findMatches: count must be an integer >= 0, got ${count}`,
    );
  }
  if (!(minDistance >= 0)) {
    throw new FilterError(
      "INVALID_PARAM",
      `findMatches: minDistance must be a number >= 0, got ${minDistance}`,
    );
  }
  const W = scores.width, H = scores.height, s = scores.data, ch = scores.channels;
  if (count === 0) return [];
  const sign = lower ? -1 : 1;
  const thr = options.minScore === undefined ? -Infinity : sign * options.minScore;
  const val = (x: number, y: number) => sign * s[(y * W + x) * ch];
  const cand: number[] = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = val(x, y);
      // NaN and ±Infinity (windows over non-finite samples) are no match.
      if (!Number.isFinite(v) || !(v >= thr)) continue;
      let peak = true;
      for (let dy = -1; dy <= 1 && peak; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= H) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= W || (dx === 0 && dy === 0)) continue;
          const nv = val(xx, yy);
          if (Number.isFinite(nv) && nv > v) {
            peak = false;
            break;
          }
        }
      }
      if (peak) cand.push(y * W + x);
    }
  }
  cand.sort((a, b) => sign * (s[b * ch] - s[a * ch]) || a - b);
  const out: Match[] = [];
  for (const i of cand) {
    if (out.length >= count) break;
    const x = i % W, y = Math.floor(i / W);
    if (out.some((m) => Math.max(Math.abs(m.x - x), Math.abs(m.y - y)) <= minDistance)) continue;
    out.push({ x, y, score: s[i * ch] });
  }
  return out;
}
