/**
 * A row-buffered direct correlation for small non-separable kernels, used by
 * `method: "auto"`: the same sum as the reference engine (filters/linear/direct.ts),
 * in the same order (so the same float64 result), but reading the image in
 * place, keeping only `kh` padded rows (a ring; multi-channel images keep
 * their channels interleaved so each row is one contiguous pass), with the
 * 3×3 case fully unrolled, and storing straight into the output dtype with
 * the one rounding rule.
 *
 * @module
 */

import { type BoundaryMode, paddedIndices } from "../../core/boundary.ts";
import type { Kernel } from "../../core/kernel.ts";
import type { CorrelationGeometry } from "./direct.ts";
import { allocate, type DType } from "../../core/dtype.ts";
import { Image } from "../../core/image.ts";
import {
  type OutputPlane,
  restoreAlpha,
  storeRow,
  type StridedPlane,
} from "../../core/strided_planes.ts";
import type { AlphaMode } from "../../core/planes.ts";

/** Correlates one channel with `kernel` in `geometry`, writing `dst` (of the output size). */
export function correlateSmallChannel(
  src: StridedPlane,
  w: number,
  h: number,
  kernel: Kernel,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  cval: number,
  dst: OutputPlane,
): void {
  const { width: ow, height: oh, offsetX, offsetY } = geometry;
  const kw = kernel.width, kh = kernel.height, k = Float64Array.from(kernel.data);
  const pw = ow + kw - 1, ph = oh + kh - 1;
  const xs = paddedIndices(w, offsetX, pw - w - offsetX, boundary);
  const ys = paddedIndices(h, offsetY, ph - h - offsetY, boundary);
  const data = src.data, off = src.offset, st = src.stride;
  const ring: Float64Array[] = [];
  for (let j = 0; j < kh; j++) ring.push(new Float64Array(pw));
  const fill = (p: number) => {
    const row = ring[p % kh], sy = ys[p];
    if (sy < 0) {
      row.fill(cval);
      return;
    }
    const base = off + sy * w * st;
    for (let px = 0; px < pw; px++) {
      const sx = xs[px];
      row[px] = sx < 0 ? cval : data[base + sx * st];
    }
  };
  for (let p = 0; p < kh - 1; p++) fill(p);
  const acc = new Float64Array(ow);
  const rows: Float64Array[] = new Array(kh);
  for (let y = 0; y < oh; y++) {
    fill(y + kh - 1);
    for (let j = 0; j < kh; j++) rows[j] = ring[(y + j) % kh];
    if (kw === 3 && kh === 3) {
      row3x3(rows[0], rows[1], rows[2], k, acc, ow, 1);
    } else {
      acc.fill(0);
      for (let j = 0; j < kh; j++) {
        const r = rows[j];
        for (let i = 0; i < kw; i++) {
          const c = k[j * kw + i];
          if (c === 0) continue;
          for (let x = 0; x < ow; x++) acc[x] += c * r[x + i];
        }
      }
    }
    storeRow(dst.data, dst.offset + y * ow * dst.stride, dst.stride, acc, 0, ow, 1);
  }
}

/** One output row of a 3×3 correlation, fully unrolled; taps are `d` samples apart. */
function row3x3(
  r0: Float64Array,
  r1: Float64Array,
  r2: Float64Array,
  k: Float64Array,
  out: Float64Array,
  n: number,
  d: number,
): void {
  const k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5];
  const k6 = k[6], k7 = k[7], k8 = k[8], d2 = 2 * d;
  for (let x = 0; x < n; x++) {
    out[x] = k0 * r0[x] + k1 * r0[x + d] + k2 * r0[x + d2] +
      k3 * r1[x] + k4 * r1[x + d] + k5 * r1[x + d2] +
      k6 * r2[x] + k7 * r2[x + d] + k8 * r2[x + d2];
  }
}

/**
 * {@linkcode correlateSmallChannel} for every channel of an interleaved
 * image at once: the padded rows keep the channels interleaved, so each
 * output row is one contiguous pass (taps `ch` samples apart). An alpha
 * channel is copied back when `alpha` is `"keep"` and the size is kept.
 */
export function correlateSmallImage(
  image: Image,
  kernel: Kernel,
  geometry: CorrelationGeometry,
  boundary: BoundaryMode,
  cval: number,
  dtype: DType,
  alpha: AlphaMode,
): Image {
  const { width: w, height: h, channels: ch, data } = image;
  const { width: ow, height: oh, offsetX, offsetY } = geometry;
  const kw = kernel.width, kh = kernel.height, k = Float64Array.from(kernel.data);
  const pw = ow + kw - 1, ph = oh + kh - 1, rowLen = pw * ch, outLen = ow * ch;
  const xs = paddedIndices(w, offsetX, pw - w - offsetX, boundary);
  const ys = paddedIndices(h, offsetY, ph - h - offsetY, boundary);
  const ring: Float64Array[] = [];
  for (let j = 0; j < kh; j++) ring.push(new Float64Array(rowLen));
  const fill = (p: number) => {
    const row = ring[p % kh], sy = ys[p];
    if (sy < 0) {
      row.fill(cval);
      return;
    }
    const base = sy * w * ch;
    for (let px = 0, o = 0; px < pw; px++) {
      const sx = xs[px];
      if (sx < 0) { for (let c = 0; c < ch; c++) row[o++] = cval; }
      else for (let c = 0, s = base + sx * ch; c < ch; c++) row[o++] = data[s + c];
    }
  };
  for (let p = 0; p < kh - 1; p++) fill(p);
  const out = allocate(dtype, ow * oh * ch);
  const acc = new Float64Array(outLen);
  for (let y = 0; y < oh; y++) {
    fill(y + kh - 1);
    if (kw === 3 && kh === 3) {
      row3x3(ring[y % 3], ring[(y + 1) % 3], ring[(y + 2) % 3], k, acc, outLen, ch);
      storeRow(out, y * outLen, 1, acc, 0, outLen, 1);
      continue;
    }
    acc.fill(0);
    for (let j = 0; j < kh; j++) {
      const r = ring[(y + j) % kh];
      for (let i = 0; i < kw; i++) {
        const c = k[j * kw + i];
        if (c === 0) continue;
        const shift = i * ch;
        for (let x = 0; x < outLen; x++) acc[x] += c * r[x + shift];
      }
    }
    storeRow(out, y * outLen, 1, acc, 0, outLen, 1);
  }
  if (ow === w && oh === h) restoreAlpha(data, out, ch, alpha);
  return new Image(ow, oh, ch, out);
}
