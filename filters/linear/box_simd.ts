/**
 * The WebAssembly SIMD glue of the box mean (`box_u8.wat`): lays the ring of
 * source rows and the column sums out in the kernel's memory and runs one
 * output row per call. The TypeScript running sums of `box_sums.ts` stay the
 * fallback and the reference.
 *
 * @module
 */

import { type BoundaryMode, paddedIndices } from "../../core/boundary.ts";
import { Image } from "../../core/image.ts";
import type { AlphaMode } from "../../core/planes.ts";
import { restoreAlpha } from "../../core/strided_planes.ts";
import { lazyKernel } from "../../engines/simd.ts";
import { WASM_BASE64 } from "./box_u8_wasm.ts";
import type { CorrelationGeometry } from "./direct.ts";

const boxKernel = lazyKernel(() => WASM_BASE64);
/**
 * The u8 → u8 box mean (or saturated sum) with the WebAssembly SIMD kernel
 * (filters/linear/box_u8.wat), byte for byte the TypeScript path's: output
 * `(x, y)` is the exact integer window sum `s` over the padded source
 * divided by `n`, rounded half to even and saturated. `undefined` when SIMD
 * is off or the call is outside the kernel's exact range — the `constant`
 * boundary, a size other than "same", an anchor outside the window,
 * `n` not an integer in `[1, 2^16)`, or `255 · kw · kh ≥ 2^24` — so the
 * caller takes the TypeScript path.
 *
 * The rows of the source pass through a ring of `kh + 1` row slots in the
 * kernel's memory (a row is copied in when it enters the window and still
 * there when it leaves), the column sums are updated by one row in and one
 * out, and each output row is one call: margins, prefix sums, means.
 */
export function boxMeanU8Simd(
  image: Image,
  kw: number,
  kh: number,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  alpha: AlphaMode,
  n: number,
): Image | undefined {
  const { width: w, height: h, channels: ch, data } = image;
  const { offsetX, offsetY } = geometry;
  if (
    !(data instanceof Uint8Array) || boundary === "constant" || geometry.width !== w ||
    geometry.height !== h || !Number.isInteger(n) || n < 1 || n >= 2 ** 16 ||
    255 * kw * kh >= 2 ** 24 || !(offsetX >= 0 && offsetX < kw && offsetY >= 0 && offsetY < kh) ||
    ch < 1 || ch > 4
  ) return undefined;
  const kernel = boxKernel.get();
  if (!kernel) return undefined;
  const rowLen = w * ch, blocks = Math.ceil(rowLen / 16), span = blocks * 16;
  const pw = w + kw - 1, ph = h + kh - 1, padLen = pw * ch;
  const left = offsetX * ch, right = (kw - 1 - offsetX) * ch, edges = left + right;
  const slots = kh + 1;
  // Memory: margin table | C = left margin, column sums, right margin (the
  // vector tail of the sums is junk under the right margin; the prefix pass
  // reads up to 12 samples past C) | 16 zero bytes, I (the prefix pass
  // writes up to 12 samples past the padded row, the means read up to 16)
  // | zero row | ring of source rows | output row.
  const align = (v: number) => (v + 15) & ~15;
  const edgeAt = 0;
  const colAt = align(edgeAt + edges * 8 + left * 4);
  const cAt = colAt - left * 4;
  const iAt = align(colAt + 4 * (Math.max(span, rowLen + right) + 16)) + 16;
  const zeroAt = align(iAt + 4 * (padLen + 20));
  const ringAt = zeroAt + span;
  const dstAt = ringAt + slots * span;
  const total = dstAt + span;
  if (total > 2 ** 30) return undefined; // the TypeScript path needs no such buffers
  const buffer = kernel.reserve(total);
  const u8 = new Uint8Array(buffer), i32 = new Int32Array(buffer);
  // The margins of C: padded column px takes the column sums of xs[px].
  const xs = paddedIndices(w, offsetX, kw - 1 - offsetX, boundary);
  for (let e = 0, px = 0; px < pw; px++) {
    if (px === offsetX) px += w;
    if (px >= pw) break;
    for (let c = 0; c < ch; c++, e++) {
      i32[(edgeAt >> 2) + 2 * e] = cAt + 4 * (px * ch + c);
      i32[(edgeAt >> 2) + 2 * e + 1] = colAt + 4 * (xs[px] * ch + c);
    }
  }
  i32.fill(0, colAt >> 2, (colAt >> 2) + span);
  i32.fill(0, (iAt >> 2) - 4, iAt >> 2);
  u8.fill(0, zeroAt, zeroAt + span);
  const ys = paddedIndices(h, offsetY, kh - 1 - offsetY, boundary);
  const { vert, hrow } = kernel.exports as unknown as {
    vert(col: number, come: number, gone: number, blocks: number): void;
    hrow(
      edges: number,
      nedges: number,
      c: number,
      i: number,
      iters: number,
      ch: number,
      lag: number,
      dst: number,
      blocks: number,
      n: number,
      r: number,
    ): void;
  };
  // The prefix pass takes 3 vectors of 4 samples at a time for 3 channels, else 2.
  const iters = Math.ceil(padLen / (ch === 3 ? 12 : 8)), lag = 4 * (kw - 1) * ch;
  // Odd n < 2^14: multiplying by f32(1/n) rounds like dividing (see box_u8.wat).
  const r = (n & 1) === 1 && n < 2 ** 14 ? Math.fround(1 / n) : 0;
  const out = new Uint8Array(data.length);
  for (let k = 0; k < ph; k++) {
    const slot = ringAt + (k % slots) * span, sy = ys[k];
    u8.set(data.subarray(sy * rowLen, sy * rowLen + rowLen), slot);
    if (k < kh) vert(colAt, slot, zeroAt, blocks);
    else if (sy !== ys[k - kh]) vert(colAt, slot, ringAt + ((k - kh) % slots) * span, blocks);
    if (k < kh - 1) continue;
    hrow(edgeAt, edges, cAt, iAt, iters, ch, lag, dstAt, blocks, n, r);
    const y = k - kh + 1;
    out.set(u8.subarray(dstAt, dstAt + rowLen), y * rowLen);
  }
  restoreAlpha(data, out, ch, alpha);
  return new Image(w, h, ch, out);
}
