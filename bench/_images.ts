// Deterministic synthetic inputs shared by the benchmarks: an XOR pattern
// (edges and flat areas, like a photograph's structure) plus seeded noise.

import { type DType, gaussian, Image } from "../mod.ts";
import { seededRandom } from "../testing.ts";

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

/** mulberry32: a seeded uniform generator in [0, 1). */
const rng = seededRandom;

/**
 * Photograph k: a 400×300 window of astronaut.png (a different one per k,
 * mirrored for odd k) blown up 10× by pixel replication, smoothed by
 * imfilter's Gaussian (σ 4, which turns the blocks into a smooth
 * interpolation), plus seeded grain and noise and a per-image exposure shift.
 */
export function makePhoto(src: Image, k: number): Image {
  const W = 4000, H = 3000, S = 10, w = W / S, h = H / S;
  const x0 = (k * 23) % (src.width - w), y0 = (k * 41) % (src.height - h);
  const big = Image.zeros(W, H, 3, "u8");
  const s = src.data as Uint8Array, d = big.data as Uint8Array;
  const mirror = k % 2 === 1;
  for (let y = 0; y < H; y++) {
    const sy = y0 + Math.floor(y / S);
    for (let x = 0; x < W; x++) {
      const sx = x0 + (mirror ? w - 1 - Math.floor(x / S) : Math.floor(x / S));
      const si = (sy * src.width + sx) * 3, di = (y * W + x) * 3;
      d[di] = s[si];
      d[di + 1] = s[si + 1];
      d[di + 2] = s[si + 2];
    }
  }
  const smooth = gaussian(big, { sigma: 4 });
  // Grain: white noise (σ about 35 around 128) smoothed by imfilter's
  // Gaussian σ 1, so it has the fine texture a real photograph's detail and
  // sensor noise give a JPEG encoder (about 3 MB at q90, not 1.4).
  const r = rng(1000 + k), grain = Image.zeros(W, H, 3, "u8"), g = grain.data as Uint8Array;
  for (let i = 0; i < g.length; i++) g[i] = 128 + Math.round((r() + r() + r() - 1.5) * 70);
  const gs = gaussian(grain, { sigma: 1 }).data as Uint8Array;
  const o = smooth.data as Uint8Array, gain = 0.85 + 0.05 * k;
  for (let i = 0; i < o.length; i++) {
    const noise = (gs[i] - 128) * 0.8 + (r() + r() + r() - 1.5) * 4; // + white σ 2
    o[i] = Math.max(0, Math.min(255, Math.round(o[i] * gain + noise)));
  }
  return smooth;
}
