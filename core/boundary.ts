/**
 * Boundary modes: how pixels outside the image are made up. Names follow
 * `numpy.pad`; OpenCV, SciPy names are accepted as aliases.
 *
 * | imfilter | pattern for `abcd`, pad 3 | OpenCV | scipy.ndimage | scipy.signal |
 * |---|---|---|---|---|
 * | `constant` | `kkk\|abcd\|kkk` | BORDER_CONSTANT | constant | fill |
 * | `replicate` | `aaa\|abcd\|ddd` | BORDER_REPLICATE | nearest | — |
 * | `reflect` | `dcb\|abcd\|cba` | BORDER_REFLECT_101 | mirror | — |
 * | `symmetric` | `cba\|abcd\|dcb` | BORDER_REFLECT | reflect | symm |
 * | `wrap` | `bcd\|abcd\|abc` | BORDER_WRAP | grid-wrap | wrap |
 *
 * @module
 */

import { FilterError, show } from "./errors.ts";

/** A boundary mode (canonical name). */
export type BoundaryMode = "constant" | "replicate" | "reflect" | "symmetric" | "wrap";

/** The canonical boundary modes. `reflect` is the default. */
export const BOUNDARY_MODES: readonly BoundaryMode[] = [
  "constant",
  "replicate",
  "reflect",
  "symmetric",
  "wrap",
];

/** Accepted aliases of each boundary mode (library and CLI alike). */
export const BOUNDARY_ALIASES: Readonly<Record<string, BoundaryMode>> = {
  zero: "constant",
  fill: "constant",
  nearest: "replicate",
  edge: "replicate",
  mirror: "reflect",
  reflect101: "reflect",
  symm: "symmetric",
  periodic: "wrap",
  circular: "wrap",
  "grid-wrap": "wrap",
};

/**
 * Resolves a boundary name or alias to its canonical mode.
 *
 * @example
 * ```ts
 * import { parseBoundary } from "@imfilter/imfilter";
 * console.log(parseBoundary("nearest")); // "replicate"
 * ```
 */
export function parseBoundary(name: unknown, what = "boundary"): BoundaryMode {
  if (typeof name === "string") {
    const key = name.trim().toLowerCase();
    if ((BOUNDARY_MODES as readonly string[]).includes(key)) return key as BoundaryMode;
    const alias = BOUNDARY_ALIASES[key];
    if (alias) return alias;
  }
  throw new FilterError(
    "INVALID_PARAM",
    `${what} ${show(name)} is not a boundary mode; use one of ${BOUNDARY_MODES.join(", ")} ` +
      `(aliases: ${Object.keys(BOUNDARY_ALIASES).join(", ")})`,
  );
}

/**
 * Maps a coordinate `i` (any integer, however far outside) to an index in
 * `[0, n)` following the mode's pattern, or `-1` for `constant` outside.
 *
 * @example
 * ```ts
 * import { mapIndex } from "@imfilter/imfilter";
 * console.log([-3, -2, -1].map((i) => mapIndex(i, 4, "reflect"))); // [3, 2, 1]
 * ```
 */
export function mapIndex(i: number, n: number, mode: BoundaryMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case "constant":
      return -1;
    case "replicate":
      return i < 0 ? 0 : n - 1;
    case "reflect": {
      if (n === 1) return 0;
      const p = 2 * n - 2;
      const m = ((i % p) + p) % p;
      return m < n ? m : p - m;
    }
    case "symmetric": {
      const p = 2 * n;
      const m = ((i % p) + p) % p;
      return m < n ? m : p - 1 - m;
    }
    case "wrap":
      return ((i % n) + n) % n;
  }
  throw new FilterError("INVALID_PARAM", `boundary ${show(mode)} is not a boundary mode`);
}

/**
 * The index table of a padded axis: entry `k` is the source index of padded
 * coordinate `k - before` (or `-1` for `constant` outside). Filters use these
 * tables so their inner loops never test for borders.
 *
 * @example
 * ```ts
 * import { paddedIndices } from "@imfilter/imfilter";
 * console.log(Array.from(paddedIndices(4, 2, 2, "symmetric"))); // [1, 0, 0, 1, 2, 3, 3, 2]
 * ```
 */
export function paddedIndices(
  n: number,
  before: number,
  after: number,
  mode: BoundaryMode,
): Int32Array {
  const out = new Int32Array(n + before + after);
  for (let k = 0; k < out.length; k++) out[k] = mapIndex(k - before, n, mode);
  return out;
}
