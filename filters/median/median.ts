/**
 * `median`: the exact median filter for every dtype, size and boundary mode.
 *
 * The result is the element of rank `floor(n / 2)` (0-based) of the `n`
 * window samples in sorted order — the true median for odd windows and, for
 * a `footprint` with an even count, the upper median, exactly as
 * `scipy.ndimage.median_filter`. Algorithms, all exact:
 *
 * - 3×3 (any dtype): per-column sorting network shared by neighbouring
 *   outputs, then the max-of-lows / median-of-middles / min-of-highs
 *   selection.
 * - u8: Huang's sliding histogram with a zigzag (boustrophedon) traversal for
 *   small windows; for larger ones the Perreault–Hébert constant-time method
 *   (per-column histograms, two-level coarse/fine kernel histogram with lazy
 *   fine updates), whose cost barely grows with the window size.
 * - u16: the zigzag sliding histogram directly on the 65 536 levels (coarse
 *   bins of 256).
 * - f32: the image is rank-transformed (radix sort of the float bit patterns),
 *   the sliding two-level histogram runs on ranks, and ranks map back to the
 *   original values — never quantised.
 *
 * u8 with WebAssembly SIMD (filters/median/median_simd.ts, filters/median/median_u8.wat;
 * `IMFILTER_SIMD=0` or `withSimd(false, …)` selects the TypeScript paths
 * above, which stay the fallback and the reference): 3×3, 5×5 and 7×7 run
 * u8x16 min/max selection networks (5×5 and 7×7: sorted columns, merged
 * pairs of them, a pruned merge), 16 samples per instruction over the interleaved channels;
 * every other window up to 65 535 samples runs Perreault–Hébert with the
 * coarse and fine kernel histograms in i16x8 lanes — both byte-identical to
 * the TypeScript results. f32 and u16 with SIMD (filters/median/median_f32.wat):
 * 3×3 and 5×5 run the same networks in i32x4 lanes on the order-preserving
 * int32 keys of the floats (u16: u16x8 lanes); other windows cut the image
 * into tiles, rank the padded tile's keys (radix sort) and run the sliding
 * histogram on those local ranks, so its cost does not grow with the
 * image's number of distinct values — results identical to the paths above,
 * zero signs and NaN included.
 *
 * OpenCV's `medianBlur` always replicates the edge: pass
 * `boundary: "replicate"` to match it exactly. It also refuses float images
 * above 5×5; imfilter does not.
 *
 * This module is the plugin: options, param specs, the `median` plugin and
 * its dispatch — the SIMD kernels (`median_simd.ts`), Huang's method on
 * interleaved u8 channels, or one plane at a time. The TypeScript algorithms
 * live beside it: `huang.ts` (the sliding histograms: Huang's zigzag, its u8
 * rows, Perreault–Hébert's constant-time method) and `select.ts` (the 3×3
 * network, the rank transform of floats, any footprint by quickselect).
 *
 * @module
 */

import type { BoundaryMode } from "../../core/boundary.ts";
import { hasAlpha, Image } from "../../core/image.ts";
import type { Kernel } from "../../core/kernel.ts";
import { checkDerived, type ParamSpecs, type Size } from "../../core/params.ts";
import type { AlphaMode } from "../../core/planes.ts";
import { medianU8Simd, medianWideSimd } from "./median_simd.ts";
import { huang, huangU8, medianU8Constant } from "./huang.ts";
import { footprintMedian, median3x3, rankTransform } from "./select.ts";
import { mapNativePlanes, type NumericPlane } from "../../core/native_planes.ts";
import {
  type FilterPlugin,
  type OutputRows,
  PLUGIN_BRAND,
  registerBuiltin,
  runSyncImage,
} from "../../core/registry.ts";

/** Options of {@linkcode median}. */
export interface MedianOptions {
  /** Window size, odd: `5` or `[width, height]` (default 3). */
  size?: number | [number, number];
  /** Border handling (default `"reflect"`; `"replicate"` matches OpenCV `medianBlur`). */
  boundary?: BoundaryMode | string;
  /** The value outside the image for `boundary: "constant"` (default 0). */
  cval?: number;
  /**
   * An arbitrary window shape (non-zero entries are in it; centre at
   * `floor(size / 2)`), as `scipy.ndimage.median_filter`'s `footprint`;
   * overrides `size`.
   */
  footprint?: Kernel | readonly (readonly number[])[] | string;
  /** `"keep"` (default) passes an alpha channel through; `"filter"` filters it too. */
  alpha?: AlphaMode;
}

/** Resolved params of the `median` plugin. */
export interface MedianParams {
  /** Window size `[width, height]`. */
  size: Size;
  /** Border handling. */
  boundary: BoundaryMode;
  /** Constant border value. */
  cval: number;
  /** Optional window shape. */
  footprint?: Kernel;
  /** Alpha handling. */
  alpha: AlphaMode;
}

const medianSpecs: ParamSpecs<MedianParams> = {
  size: {
    type: "size",
    default: [3, 3],
    min: 1,
    max: 1001,
    odd: true,
    description: "window size, odd: N or WxH",
    example: "5",
  },
  boundary: {
    type: "boundary",
    default: "reflect",
    description: "border handling (OpenCV medianBlur replicates)",
    example: "replicate",
  },
  cval: {
    type: "number",
    default: 0,
    description: "value outside the image for boundary constant",
  },
  footprint: {
    type: "kernel",
    max: 1001,
    description: "window shape: non-zero entries are in the window (overrides size)",
    example: '"1,0,1;1,1,1;0,1,0"',
  },
  alpha: {
    type: "enum",
    values: ["keep", "filter"],
    default: "keep",
    description: "alpha channel (2nd of 2, 4th of 4): keep unchanged or filter it too",
  },
};

/** Window sizes from which u8 uses the constant-time method instead of Huang's (measured). */
const O1_MIN_SIZE = 27;

/** Filters one plane; returns an array of the plane's values (any numeric type). */
function medianPlane(
  plane: Uint8Array | Uint16Array | Float32Array,
  width: number,
  height: number,
  params: Omit<MedianParams, "alpha">,
): NumericPlane {
  const { boundary, footprint } = params;
  let cval = params.cval;
  if (footprint) return footprintMedian(plane, width, height, footprint, boundary, cval);
  const [kw, kh] = params.size;
  if (kw === 1 && kh === 1) return plane.slice();
  const integer = plane instanceof Uint8Array || plane instanceof Uint16Array;
  const maxLevel = plane instanceof Uint8Array ? 255 : 65535;
  const cvalFits = boundary !== "constant" ||
    (integer ? Number.isInteger(cval) && cval >= 0 && cval <= maxLevel : true);
  if (boundary !== "constant") cval = 0;
  if (kw === 3 && kh === 3) return median3x3(plane, width, height, boundary, cval);
  if (integer && cvalFits) {
    if (plane instanceof Uint8Array) {
      if (Math.max(kw, kh) >= O1_MIN_SIZE && kh <= 65535) {
        return medianU8Constant(plane, width, height, kw, kh, boundary, cval);
      }
      return huangU8(plane, width, height, kw, kh, boundary, cval);
    }
    return huang(plane, width, height, kw, kh, boundary, cval, 65536, 8, null);
  }
  // Floats (and integers with a cval outside their range): rank transform.
  const { ranks, values, cvalRank } = rankTransform(plane, boundary === "constant" ? cval : null);
  const levels = values.length;
  const shift = Math.max(2, Math.ceil(Math.log2(Math.max(4, levels)) / 2));
  return huang(ranks, width, height, kw, kh, boundary, cvalRank, levels, shift, values);
}

/** The `median` plugin. */
export const medianPlugin: FilterPlugin<MedianParams> = {
  [PLUGIN_BRAND]: true,
  apiVersion: 1,
  name: "median",
  family: "median",
  summary: "exact median filter, any odd size, every dtype and boundary (OpenCV medianBlur)",
  params: medianSpecs,
  example: "in.png out.png --size 5 --boundary replicate",
  cost:
    "u8 O(W·H·k) below 27 px, O(W·H) from 27 px (constant-time histograms); u16/f32 O(W·H·k) (k = window side <= 1001); footprint O(W·H·n), n <= 16384 non-zero entries (a full odd rectangle runs as size)",
  // Each output reads only its window: stripes with half a window of context
  // rows give identical results (the footprint's centre is floor(h / 2)).
  halo: (params) => (params.footprint ? params.footprint.height : params.size[1]) >> 1,
  apply: (image, given, ctx) => {
    const params = windowOf(given);
    return medianSimd(image, params, ctx.rows) ??
      huangInterleaved(image, params) ??
      mapNativePlanes(
        image,
        (plane) => medianPlane(plane, image.width, image.height, params),
        params.alpha === "keep",
      );
  },
};

/**
 * The most non-zero entries of a shaped footprint: each output selects
 * among them (O(n) per pixel) — 16,641 took 0.6 s on 64² here, 66,049
 * 2.2 s, and a 1001² footprint 67 s.
 */
const MAX_FOOTPRINT_ENTRIES = 16384;

/**
 * The window to run: a footprint that fills an odd rectangle is that
 * window `size` (the same samples, so the same median), which runs on
 * the sliding histograms; any other footprint must stay within
 * {@linkcode MAX_FOOTPRINT_ENTRIES}.
 */
function windowOf(params: MedianParams): MedianParams {
  const fp = params.footprint;
  if (!fp) return params;
  let n = 0;
  for (let i = 0; i < fp.data.length; i++) if (fp.data[i] !== 0) n++;
  if (n === fp.data.length && fp.width % 2 === 1 && fp.height % 2 === 1) {
    return { ...params, footprint: undefined, size: [fp.width, fp.height] };
  }
  checkDerived(
    "median",
    `the count of non-zero footprint entries (${fp.width}x${fp.height})`,
    n,
    MAX_FOOTPRINT_ENTRIES,
    "each output selects among them; use a smaller footprint (a full odd rectangle is a size and has no such limit)",
  );
  return params;
}

/**
 * The WebAssembly SIMD kernels (filters/median/median_simd.ts) for u8 windows they
 * serve; `undefined` when SIMD is off or another path applies. The u8
 * kernels honour `rows` (only those output rows, into `rows.into`).
 */
function medianSimd(image: Image, params: MedianParams, rows?: OutputRows): Image | undefined {
  if (params.footprint) return undefined;
  const [kw, kh] = params.size;
  if (!(image.data instanceof Uint8Array)) {
    return medianWideSimd(image, kw, kh, params.boundary, params.cval, params.alpha);
  }
  return medianU8Simd(image, kw, kh, params.boundary, params.cval, params.alpha, rows);
}

/**
 * u8 windows of Huang's method on a multi-channel image: each channel is read
 * from and written to the interleaved layout directly (no plane copies).
 * `undefined` when another path applies.
 */
function huangInterleaved(image: Image, params: MedianParams): Image | undefined {
  const [kw, kh] = params.size;
  const { width: w, height: h, channels: ch } = image;
  const { boundary, cval } = params;
  if (
    ch === 1 || !(image.data instanceof Uint8Array) || params.footprint ||
    (kw === 1 && kh === 1) || (kw === 3 && kh === 3) || Math.max(kw, kh) >= O1_MIN_SIZE ||
    (boundary === "constant" && !(Number.isInteger(cval) && cval >= 0 && cval <= 255))
  ) return undefined;
  const src = image.data;
  const out = new Uint8Array(src.length);
  const keep = params.alpha === "keep" && hasAlpha(ch);
  for (let c = 0; c < ch; c++) {
    if (keep && c === ch - 1) {
      for (let i = c; i < src.length; i += ch) out[i] = src[i];
    } else huangU8(src, w, h, kw, kh, boundary, boundary === "constant" ? cval : 0, ch, c, out);
  }
  return new Image(w, h, ch, out);
}

/**
 * Median filter: each output sample is the median of its `size` window
 * (rank `floor(n / 2)` of the sorted window, as `scipy.ndimage.median_filter`).
 * Exact for u8, u16 and f32 at any size. `boundary: "replicate"` reproduces
 * OpenCV's `medianBlur`, which always replicates the edge.
 *
 * @example Removing salt-and-pepper noise
 * ```ts
 * import { Image, median } from "@imfilter/imfilter";
 * const img = Image.fromRows([[10, 10, 10], [10, 255, 10], [10, 10, 10]], "u8");
 * console.log(median(img, { size: 3 }).get(1, 1)); // 10
 * ```
 */
export function median(image: Image, options: MedianOptions = {}): Image {
  return runSyncImage(medianPlugin, image, { ...options });
}

registerBuiltin(medianPlugin);
