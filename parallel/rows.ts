/**
 * Storing a stripe's kept rows, shared by the calling thread and the
 * workers of `applyParallel`.
 *
 * @module
 */

import type { DType, PixelArray } from "../core/dtype.ts";
import type { Image } from "../core/image.ts";
import type { OutputRows } from "../core/registry.ts";
import { keptRows } from "../core/bands.ts";

/**
 * Puts rows `[rows.from, rows.to)` of a stripe's result into `into` —
 * nothing to do when the filter already wrote them there (it honoured
 * `rows.into`), one copy otherwise, from a result of just those rows or of
 * the whole stripe. Returns `false`, writing nothing, when the result has
 * another dtype or channel count than the runner expected.
 */
export function storeKeptRows(
  result: Image,
  rows: OutputRows & { into: PixelArray },
  dtype: DType,
  channels: number,
): boolean {
  if (result.dtype !== dtype || result.channels !== channels) return false;
  keptRows(result, rows); // same dtype and length: lands on `rows.into`
  return true;
}
