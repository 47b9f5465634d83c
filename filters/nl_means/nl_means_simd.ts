/**
 * The WebAssembly SIMD u8 NL-means sums (filters/nl_means/nl_means.wat): the glue
 * that lays out the kernel's memory and runs it anchor row by anchor row.
 *
 * It computes the integer sums of OpenCV's `fastNlMeansDenoising` as the
 * TypeScript u8 path of filters/nl_means/opencv.ts does (its traversal: half-plane
 * offsets, per-offset column sums of squared differences sliding down the
 * rows, patch sums along a row, weights from its integer table, each weight
 * to the anchor and to its partner), for 1 or 2 channels sharing a weight.
 * Everything is int32 arithmetic wrapping as the TypeScript `Int32Array`
 * stores do, so the sums are exactly the TypeScript sums. The zero offset
 * and the final division stay with the caller.
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { lazyKernel } from "../../engines/simd.ts";
import { WASM_BASE64 } from "./nl_means_wasm.ts";

const nlMeansKernel = lazyKernel(() => WASM_BASE64);

/** The most kernel memory a call may use (beyond it: the TypeScript path). */
const MAX_BYTES = 2 ** 30;

interface NlmeansExports {
  row(
    ar: number,
    first: number,
    cn: number,
    w: number,
    h: number,
    ew: number,
    B: number,
    sh: number,
    th: number,
    t: number,
    aw: number,
    cw: number,
    cws: number,
    shift: number,
    cut: number,
    E0: number,
    dE: number,
    cols: number,
    wrow: number,
    table: number,
    half: number,
    no: number,
    A0: number,
    dA: number,
    wsum: number,
  ): void;
}

/** Inputs of {@linkcode nlMeansIntSimd}, as the TypeScript u8 path sets them up. */
export interface NlMeansIntSetup {
  /** The padded planes (1 or 2), `ew × (h + 2B)` each, `B = sh + th`. */
  E: Int32Array[];
  /** Image width. */
  w: number;
  /** Image height. */
  h: number;
  /** Half the patch size. */
  th: number;
  /** Half the search size. */
  sh: number;
  /** The weight table (index = SSD >>> shift, clamped to `cut`). */
  table: Int32Array;
  /** The SSD's shift into a table index. */
  shift: number;
  /** The largest table index used (every larger SSD weighs `table[cut]`). */
  cut: number;
  /** The half-plane offsets as (dy, dx) pairs. */
  half: number[];
}

const align16 = (n: number) => (n + 15) & ~15;

let runs = 0;

/** How many calls {@linkcode nlMeansIntSimd} has served (tests check the kernel ran). */
export function nlMeansSimdRuns(): number {
  return runs;
}

/**
 * The per-pixel weighted sums `est` (one per plane) and weight sums `wsum`
 * over every non-zero half-plane offset, or `undefined` when SIMD is off,
 * the plane count is not 1 or 2, or the memory would be too large.
 */
export function nlMeansIntSimd(
  s: NlMeansIntSetup,
  progress: (fraction: number) => void,
): { est: Int32Array[]; wsum: Int32Array } | undefined {
  const cn = s.E.length;
  if (cn < 1 || cn > 2) return undefined;
  const { w, h, th, sh, table, shift, cut, half } = s;
  if (w <= 0 || h <= 0) return undefined;
  const kernel = nlMeansKernel.get();
  if (!kernel) return undefined;
  const t = 2 * th + 1, B = th + sh;
  const ew = w + 2 * B;
  const eLen = s.E[0].length;
  const no = half.length >> 1;
  const aw = w + 2 * sh, cw = aw + 2 * th, cws = (cw + 3) & ~3;
  const n = w * h;
  // Memory: E planes (+ a spare row for the 16-byte loads past a row) |
  // cols | wrow | table | half | A planes | wsum.
  const eBytes = align16(4 * (eLen + ew + 16));
  const e0 = 0;
  const colsAt = e0 + cn * eBytes;
  const wrowAt = align16(colsAt + 4 * no * cws);
  const tableAt = align16(wrowAt + 4 * aw + 16);
  const halfAt = align16(tableAt + 4 * (cut + 1));
  const aBytes = align16(4 * n);
  const a0 = align16(halfAt + 4 * half.length);
  const wsumAt = a0 + cn * aBytes;
  const end = wsumAt + aBytes;
  if (end > MAX_BYTES) return undefined;
  const buffer = kernel.reserve(end);
  const i32 = new Int32Array(buffer);
  for (let k = 0; k < cn; k++) {
    const at = (e0 + k * eBytes) >> 2;
    i32.set(s.E[k], at);
    i32.fill(0, at + eLen, at + (eBytes >> 2));
  }
  i32.fill(0, colsAt >> 2, end >> 2);
  i32.set(table.subarray(0, cut + 1), tableAt >> 2);
  i32.set(half, halfAt >> 2);
  // the column sums of the first anchor row, from scratch
  const E = s.E;
  for (let o = 0; o < no; o++) {
    const dy = half[2 * o], dx = half[2 * o + 1];
    const doff = dy * ew + dx, cb = (colsAt >> 2) + o * cws;
    addSquaredDiffRows(E, cn, ew, B, -sh - th, -sh + th, cw, doff, i32, cb);
  }
  const ex = kernel.exports as unknown as NlmeansExports;
  for (let ar = -sh; ar < h; ar++) {
    checkAbort();
    if (((ar + sh) & 15) === 0) progress((ar + sh) / (h + sh));
    ex.row(
      ar,
      ar === -sh ? 1 : 0,
      cn,
      w,
      h,
      ew,
      B,
      sh,
      th,
      t,
      aw,
      cw,
      cws,
      shift,
      cut,
      e0,
      eBytes,
      colsAt,
      wrowAt,
      tableAt,
      halfAt,
      no,
      a0,
      aBytes,
      wsumAt,
    );
  }
  const est: Int32Array[] = [];
  for (let k = 0; k < cn; k++) {
    est.push(i32.slice((a0 + k * aBytes) >> 2, ((a0 + k * aBytes) >> 2) + n));
  }
  const wsum = i32.slice(wsumAt >> 2, (wsumAt >> 2) + n);
  runs++;
  return { est, wsum };
}

/**
 * Adds, for the padded rows `rFrom … rTo` of the planes `E` (`ew` wide,
 * `B` border rows above row 0), each column's squared difference to the
 * sample `doff` away, summed over the `cn` planes, into `dst[base + c]`
 * for columns `0 … cw − 1`: the first anchor row's column sums, shared by
 * the SIMD glue and the TypeScript NL-means paths (integer and float).
 */
export function addSquaredDiffRows(
  E: readonly (Int32Array | Float64Array)[],
  cn: number,
  ew: number,
  B: number,
  rFrom: number,
  rTo: number,
  cw: number,
  doff: number,
  dst: Int32Array | Float64Array,
  base: number,
): void {
  for (let r = rFrom; r <= rTo; r++) {
    const ro = (r + B) * ew;
    for (let c = 0; c < cw; c++) {
      let d2 = 0;
      for (let k = 0; k < cn; k++) {
        const d = E[k][ro + c] - E[k][ro + c + doff];
        d2 += d * d;
      }
      dst[base + c] += d2;
    }
  }
}
