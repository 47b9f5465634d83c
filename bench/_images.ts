// Deterministic synthetic inputs shared by the benchmarks: an XOR pattern
// (edges and flat areas, like a photograph's structure) plus seeded noise.

import { type DType, Image } from "../mod.ts";

/** A `size × size` image with `channels` channels of dtype `dtype` (u8 values 0..255). */
export function benchImage(size: number, channels: number, dtype: DType = "u8"): Image {
  const img = Image.zeros(size, size, channels, dtype);
  let s = 12345;
  for (let i = 0; i < img.data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const p = Math.floor(i / channels), x = p % size, y = Math.floor(p / size);
    img.data[i] = Math.min(255, (((x ^ y) & 127) + (s >>> 25)) & 255);
  }
  return img;
}

/** The median of a list of timings. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1];
}
