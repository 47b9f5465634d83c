/**
 * The WebAssembly SIMD u8 bilateral sum (filters/bilateral/bilateral.wat): the glue
 * that lays out the kernel's memory (tap offsets, weight tables, a ring of
 * padded rows, stripes of source and output rows), runs it row by row and
 * copies the output out a stripe at a time.
 *
 * For every pixel `p` and the `cn` first channels it computes
 * `Σ_k T_k[D_k]·I(p + o_k) / Σ_k T_k[D_k]` with
 * `D_k = Σ_c |I_c(p + o_k) − I_c(p)|` (the L1 distance over the channels),
 * both sums in float64 in tap order, the quotient rounded half to even and
 * saturated to 0..255. That is the arithmetic of the TypeScript exact
 * bilateral (filters/bilateral/exact.ts), which passes its own per-tap weight
 * tables `T_k`, so the result is its bytes. Gray: 8 pixels per step;
 * colour: 4, with the channels packed into one i32 per pixel for the
 * distance. The table entries are gathered lane by lane.
 *
 * Only `2r + 1` padded rows are kept (a ring), as i32 and float64 samples,
 * with stripes of at most 32 staged source rows and 32 output rows: the
 * kernel's memory is O((window height + 64) × row), not the image's; the
 * result goes into a new array, a stripe at a time.
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { type BoundaryMode, paddedIndices } from "../../core/boundary.ts";
import type { Image } from "../../core/image.ts";
import { lazyKernel } from "../../engines/simd.ts";
import { WASM_BASE64 } from "./bilateral_wasm.ts";

const bilateralKernel = lazyKernel(() => WASM_BASE64);

/** The most kernel memory a call may use (beyond it: the TypeScript path). */
const MAX_BYTES = 2 ** 30;

/** Source rows staged, and output rows collected, at a time. */
const STRIPE = 32;

/** The window and weights of {@linkcode bilateralU8Simd}. */
export interface BilateralSimdTaps {
  /** Column offset of each tap. */
  dx: Int32Array;
  /** Row offset of each tap. */
  dy: Int32Array;
  /** Each tap's weight table: an index into `tables`. */
  table: Int32Array;
  /**
   * The weight tables, indexed by the L1 distance; each must cover every
   * distance that occurs (`255 · cn`, for gray more with a `constant`
   * border value outside 0..255).
   */
  tables: Float64Array[];
}

interface BilateralExports {
  fill(
    src: number,
    xs: number,
    n: number,
    r: number,
    wv: number,
    cn: number,
    ch: number,
    dstI: number,
    dstF: number,
    cs: number,
    cval: number,
    mask: number,
    packed: number,
  ): void;
  row1(
    ring: number,
    delta: number,
    offs: number,
    tbl: number,
    nt: number,
    ecen: number,
    w: number,
    dst: number,
    ch: number,
  ): void;
  row3(
    ring: number,
    delta: number,
    offs: number,
    tbl: number,
    nt: number,
    ecen: number,
    w: number,
    dst: number,
    ch: number,
    cs: number,
  ): void;
  rowN(
    ring: number,
    delta: number,
    offs: number,
    tbl: number,
    nt: number,
    ecen: number,
    w: number,
    dst: number,
    ch: number,
    cs: number,
    cn: number,
    work: number,
  ): void;
}

const align16 = (n: number) => (n + 15) & ~15;

let runs = 0;

/** How many images {@linkcode bilateralU8Simd} has filtered (tests check the kernel ran). */
export function bilateralSimdRuns(): number {
  return runs;
}

/**
 * Whether {@linkcode bilateralU8Simd} serves `cn` of `channels` channels
 * with this border (the packed colour samples hold a `constant` border
 * value in 0..255 only); SIMD availability aside.
 */
export function bilateralSimdServes(
  cn: number,
  channels: number,
  boundary: BoundaryMode,
  cval: number,
): boolean {
  if (!(Number.isInteger(cn) && cn >= 1 && cn <= channels && channels <= 4)) return false;
  if (boundary !== "constant") return true;
  return Number.isInteger(cval) && (cn === 1 || (cval >= 0 && cval <= 255));
}

/**
 * The bilateral weighted mean of the `cn` first channels of a u8 image over
 * the window `taps` (radius `r`, borders by `boundary`, `cval` for
 * `constant`), as a new interleaved u8 array; the other channels are
 * copied. `undefined` when SIMD is off, {@linkcode bilateralSimdServes} says
 * no, or the kernel's memory would be too large: then use the TypeScript
 * path.
 */
export function bilateralU8Simd(
  image: Image,
  cn: number,
  r: number,
  taps: BilateralSimdTaps,
  boundary: BoundaryMode,
  cval: number,
): Uint8Array | undefined {
  if (!(image.data instanceof Uint8Array)) return undefined;
  const { width: w, height: h, channels: ch } = image;
  if (boundary !== "constant") cval = 0;
  if (!bilateralSimdServes(cn, ch, boundary, cval)) return undefined;
  const nt = taps.dx.length;
  if (nt === 0 || w === 0 || h === 0) return undefined;
  const kernel = bilateralKernel.get();
  if (!kernel) return undefined;
  const n = w * h * ch, rowLen = w * ch;
  // Ring rows: the padded row plus spare columns up to whole 8-pixel steps.
  const pwa = 8 * Math.ceil(w / 8) + 2 * r, R = 2 * r + 1;
  const slot = cn * pwa; // elements per ring slot (the packed colour side uses pwa)
  let tableLen = 0;
  for (const t of taps.tables) tableLen += t.length;
  // Memory: tap offsets | table addresses | work | swizzle mask | tables | xs
  // | K source rows (+16 spare bytes for the 16-byte loads) | K output rows
  // | ring. The image itself stays outside: source rows are staged K at a
  // time as the padded rows reach them, output rows copied out K at a time.
  const K = Math.min(h, STRIPE);
  const offsAt = 0;
  const tblAt = align16(offsAt + 4 * nt);
  const workAt = tblAt + 16 * nt;
  const maskAt = workAt + 4 * 32;
  const tablesAt = maskAt + 16;
  const xsAt = align16(tablesAt + 8 * tableLen);
  const srcAt = align16(xsAt + 4 * pwa);
  const dstAt = align16(srcAt + K * rowLen + 16);
  const ringI = align16(dstAt + K * rowLen);
  const ringF = align16(ringI + 4 * R * slot);
  const end = ringF + 8 * R * slot;
  if (end > MAX_BYTES) return undefined;
  const buffer = kernel.reserve(end);
  const u8 = new Uint8Array(buffer), i32 = new Int32Array(buffer), f64 = new Float64Array(buffer);
  const tableAddr: number[] = [];
  for (let t = 0, at = tablesAt; t < taps.tables.length; t++) {
    f64.set(taps.tables[t], at >> 3);
    tableAddr.push(at);
    at += 8 * taps.tables[t].length;
  }
  for (let k = 0; k < nt; k++) {
    const a = tableAddr[taps.table[k]];
    i32.fill(a, (tblAt >> 2) + 4 * k, (tblAt >> 2) + 4 * k + 4);
  }
  // The interior's swizzle: byte c of lane p is channel c of pixel p (c < cn).
  for (let b = 0; b < 16; b++) {
    const p = b >> 2, c = b & 3;
    u8[maskAt + b] = c < cn ? p * ch + c : 0x80;
  }
  // Column j of a padded row: the byte offset of its source pixel in the
  // row, -1 for cval; the spare columns repeat column 0.
  const xs = paddedIndices(w, r, r, boundary);
  for (let j = 0; j < pwa; j++) {
    i32[(xsAt >> 2) + j] = j < xs.length ? (xs[j] < 0 ? -1 : xs[j] * ch) : 0;
  }
  const src = image.data;
  const out = new Uint8Array(n);
  u8.fill(0, srcAt + K * rowLen, srcAt + K * rowLen + 16);
  const ex = kernel.exports as unknown as BilateralExports;
  const ys = paddedIndices(h, r, r, boundary);
  const delta = ringF - 2 * ringI, cs = 4 * pwa, wv = 4 * Math.floor(w / 4);
  const packed = cn > 1 ? 1 : 0;
  const offs = i32.subarray(offsAt >> 2, (offsAt >> 2) + nt);
  const dyr = new Int32Array(nt), dxr = new Int32Array(nt);
  for (let k = 0; k < nt; k++) {
    dyr[k] = taps.dy[k] + r;
    dxr[k] = taps.dx[k] + r;
  }
  let b0 = -1; // the first staged source row (K from it), -1 before any
  for (let py = 0; py < h + 2 * r; py++) {
    checkAbort();
    const s = py % R, sy = ys[py];
    let rowAt = -1;
    if (sy >= 0) {
      if (b0 < 0 || sy < b0 || sy >= b0 + K) {
        b0 = Math.min(sy, h - K);
        u8.set(src.subarray(b0 * rowLen, (b0 + K) * rowLen), srcAt);
      }
      rowAt = srcAt + (sy - b0) * rowLen;
    }
    const dI = ringI + 4 * s * slot, dF = ringF + 8 * s * slot;
    ex.fill(rowAt, xsAt, pwa, r, wv, cn, ch, dI, dF, cs, cval, maskAt, packed);
    if (py < 2 * r) continue;
    const y = py - 2 * r, t = y % K, dst = dstAt + t * rowLen;
    for (let k = 0; k < nt; k++) offs[k] = ((y + dyr[k]) % R) * slot + dxr[k];
    const ecen = ((y + r) % R) * slot + r;
    // the channels not filtered pass through (the kernel stores the cn first only)
    if (t === 0 && cn < ch) {
      u8.set(src.subarray(y * rowLen, Math.min(y + K, h) * rowLen), dstAt);
    }
    if (cn === 1) ex.row1(ringI, delta, offsAt, tblAt, nt, ecen, w, dst, ch);
    else if (cn === 3) ex.row3(ringI, delta, offsAt, tblAt, nt, ecen, w, dst, ch, cs);
    else ex.rowN(ringI, delta, offsAt, tblAt, nt, ecen, w, dst, ch, cs, cn, workAt);
    if (t === K - 1 || y === h - 1) {
      out.set(u8.subarray(dstAt, dst + rowLen), (y - t) * rowLen);
    }
  }
  runs++;
  return out;
}
