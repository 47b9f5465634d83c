/**
 * The WebAssembly SIMD glue of OpenCV's fixed-point u8 Gaussian
 * (`gaussian_u8.wat`): every channel of an interleaved u8 image at once, in
 * stripes of staged rows, the same bytes as the TypeScript path of
 * `gaussian_fixed.ts` (the fallback and the reference).
 *
 * @module
 */

import { type BoundaryMode, paddedIndices } from "../../core/boundary.ts";
import { allocateInto } from "../../core/dtype.ts";
import { Image } from "../../core/image.ts";
import type { AlphaMode } from "../../core/planes.ts";
import { restoreAlpha } from "../../core/strided_planes.ts";
import type { OutputRows } from "../../core/registry.ts";
import { lazyKernel, stageRows } from "../../engines/simd.ts";
import { WASM_BASE64 } from "./gaussian_u8_wasm.ts";

const gaussKernel = lazyKernel(() => WASM_BASE64);

/** Drops the zero taps at both ends of a symmetric kernel (they add nothing). */
function trimZeros(k: Int32Array): Int32Array {
  let t = 0;
  while (2 * t + 1 < k.length && k[t] === 0) t++;
  return t ? k.slice(t, k.length - t) : k;
}

/** Bytes of staged source rows (and of output rows) per stripe: about 64 KiB each, in L2. */
const STRIPE_BYTES = 65536;

/**
 * {@linkcode gaussianFixedU8} on every channel of an interleaved u8 image at
 * once with the WebAssembly SIMD kernel (filters/linear/gaussian_u8.wat), the same
 * bytes; `alpha: "keep"` copies an alpha channel through. Returns
 * `undefined` when SIMD is disabled or unsupported (then use the
 * TypeScript path). The kernel pads and filters rows in a ring of
 * `(ky.length + 1) / 2` two-row records and writes two output rows per
 * step, so its memory is O(kernel height × row), not a plane; the source
 * is copied in and the output out in stripes of about 64 KiB. With `rows`,
 * only those output rows are computed (into `rows.into` when it fits) and
 * the image returned holds just them.
 */
export function gaussianFixedU8Simd(
  image: Image,
  kx: Int32Array,
  ky: Int32Array,
  boundary: BoundaryMode,
  cval: number,
  alpha: AlphaMode,
  rows?: OutputRows,
): Image | undefined {
  const kernel = gaussKernel.get();
  if (!kernel) return undefined;
  const w = image.width, h = image.height, ch = image.channels;
  const data = image.data as Uint8Array;
  kx = trimZeros(kx);
  ky = trimZeros(ky);
  const nx = kx.length, ny = ky.length, rx = nx >> 1, ry = ny >> 1;
  const n = w * ch, blocks = Math.ceil(n / 16), nb = blocks * 16;
  const slots = (ny + 1) >> 1; // records in the ring
  const rec = blocks * 64;
  if (slots * rec > 2 ** 28) return undefined; // a huge kernel: the TypeScript path's plane
  // Stripe: even, about STRIPE_BYTES of source rows.
  const stripe = Math.min((h + 1) & ~1, Math.max(2, 2 * Math.floor(STRIPE_BYTES / (2 * nb))));
  const tblLen = stripe + 2 * slots + 2; // padded rows one call can filter
  const nEdges = 2 * rx * ch;
  const padStride = (nb + 2 * rx * ch + 16 + 15) & ~15;
  // Memory: config | x weights | even/odd pair weights | record scratch | edges | source table |
  // padded rows | ring | staged rows | output rows.
  const kxAt = 128;
  const kyeAt = kxAt + (rx + 1) * 16;
  const kyoAt = kyeAt + slots * 16;
  const rowtabAt = kyoAt + slots * 16;
  const edgesAt = rowtabAt + ((slots * 4 + 15) & ~15);
  const tblAt = edgesAt + nEdges * 8;
  const padAt = (tblAt + tblLen * 4 + 63) & ~63;
  const ringAt = padAt + 2 * padStride;
  const stageAt = ringAt + slots * rec;
  const dstAt = (stageAt + tblLen * n + 63) & ~63;
  let buffer: ArrayBuffer;
  try {
    buffer = kernel.reserve(dstAt + stripe * nb);
  } catch {
    return undefined; // memory could not grow: the TypeScript path
  }
  const u8 = new Uint8Array(buffer), i16 = new Int16Array(buffer), i32 = new Int32Array(buffer);
  i32.set([
    ringAt,
    slots,
    rec,
    tblAt,
    n,
    blocks,
    ch,
    rx,
    kxAt,
    kyeAt,
    kyoAt,
    padAt,
    padStride,
    edgesAt,
    nEdges,
    cval,
    nb,
    rowtabAt,
  ]);
  for (let i = 0; i <= rx; i++) i16.fill(kx[i], (kxAt >> 1) + 8 * i, (kxAt >> 1) + 8 * i + 8);
  const tapAt = (j: number) => (j >= 0 && j < ny ? ky[j] : 0);
  for (let p = 0; p < slots; p++) {
    const even = (tapAt(2 * p) & 0xffff) | (tapAt(2 * p + 1) << 16);
    const odd = (tapAt(2 * p - 1) & 0xffff) | (tapAt(2 * p) << 16);
    i32.fill(even, (kyeAt >> 2) + 4 * p, (kyeAt >> 2) + 4 * p + 4);
    i32.fill(odd, (kyoAt >> 2) + 4 * p, (kyoAt >> 2) + 4 * p + 4);
  }
  // The padded row's edge samples: (offset in the padded row, source offset or -1 for cval).
  const xs = paddedIndices(w, rx, rx, boundary);
  for (let e = edgesAt >> 2, px = 0; px < w + 2 * rx; px++) {
    if (px === rx) px += w;
    if (px >= w + 2 * rx) break;
    for (let c = 0; c < ch; c++, e += 2) {
      i32[e] = px * ch + c;
      i32[e + 1] = xs[px] < 0 ? -1 : xs[px] * ch + c;
    }
  }
  // Ring and padded rows: junk lanes past a row's end read finite (any) values; start at zero.
  u8.fill(0, padAt, stageAt);
  const ys = paddedIndices(h, ry, ry, boundary), ph = h + ny - 1;
  const run = kernel.exports.gauss as (
    y0: number,
    from: number,
    pairs: number,
    dst: number,
  ) => void;
  const r0 = rows?.from ?? 0, r1 = rows?.to ?? h;
  const out = allocateInto("u8", (r1 - r0) * n, rows?.into) as Uint8Array;
  const tbl = tblAt >> 2;
  let from = 0; // records below are in the ring
  // Pairs of rows from an even one: an odd first wanted row is computed and dropped.
  for (let y0 = r0 & ~1; y0 < r1; y0 += stripe) {
    const pairs = (Math.min(stripe, r1 - y0) + 1) >> 1;
    // Records max(from, y0 / 2) … y0 / 2 + pairs + slots − 2: padded rows 2·that … 2·end − 1,
    // staged in runs of consecutive source rows (a row past the last, an odd height's, is cval).
    const end = 2 * (y0 / 2 + pairs + slots - 1);
    stageRows(
      data,
      n,
      ys,
      ph,
      Math.max(2 * from, y0),
      end,
      y0,
      i32.subarray(tbl),
      u8,
      stageAt,
      stageAt,
      n,
    );
    run(y0, from, pairs, dstAt);
    from = end >> 1;
    const a = Math.max(y0, r0), b = Math.min(y0 + 2 * pairs, r1);
    if (nb === n) out.set(u8.subarray(dstAt + (a - y0) * n, dstAt + (b - y0) * n), (a - r0) * n);
    else {
      for (let y = a; y < b; y++) {
        const at = dstAt + (y - y0) * nb;
        out.set(u8.subarray(at, at + n), (y - r0) * n);
      }
    }
  }
  restoreAlpha(data.subarray(r0 * n, r1 * n), out, ch, alpha);
  return new Image(w, r1 - r0, ch, out);
}
