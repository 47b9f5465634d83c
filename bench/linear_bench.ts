// Benchmarks of the linear engines: correlate with 3×3, 15×15 and 31×31
// kernels (direct, auto, separable, fft, simd), Gaussian σ = 1, 2, 5, 10, 50
// (exact: u8 fixed point / float64 FIR; fast: recursive), box 3…101 —
// on 512² and 2048² gray u8, RGB u8 and gray f32 (4096² with
// LINEAR_BENCH_4096=1). Slow cells (the direct engine with big kernels at
// 2048²) are left out; `deno bench --filter` narrows a run, e.g.
//
//   deno bench --allow-env bench/linear_bench.ts --filter "2048 gray u8"
//
// Groups compare engines on the same image and kernel.

import { boxBlur, correlate, type DType, gaussian, type LinearMethod } from "../mod.ts";
import { benchImage } from "./_images.ts";

const SIZES = [512, 2048, ...(Deno.env.get("LINEAR_BENCH_4096") ? [4096] : [])];

/** A non-separable kernel with positive weights summing to 1 (like the peer bench's). */
function randomKernel(k: number): number[][] {
  let s = 99;
  const rows = Array.from({ length: k }, () =>
    Array.from({ length: k }, () => {
      s = (s * 1103515245 + 12345) >>> 0;
      return 0.05 + (s >>> 8) / 2 ** 24;
    }));
  const sum = rows.flat().reduce((a, b) => a + b, 0);
  return rows.map((r) => r.map((v) => v / sum));
}

/** A separable (rank-1) kernel: the outer product of a binomial-like row. */
function separableKernel(k: number): number[][] {
  const row = Array.from({ length: k }, (_, i) => 1 + Math.min(i, k - 1 - i));
  return row.map((a) => row.map((b) => a * b));
}

const KINDS: [string, number, DType][] = [["gray u8", 1, "u8"], ["rgb u8", 3, "u8"], [
  "gray f32",
  1,
  "f32",
]];

for (const size of SIZES) {
  for (const [label, channels, dtype] of KINDS) {
    const img = benchImage(size, channels, dtype);
    const tag = `${size} ${label}`;
    const big = size >= 2048;
    const slow = { n: big ? 3 : 10, warmup: 1 };
    for (const k of [3, 15, 31]) {
      const kernel = randomKernel(k);
      const methods: LinearMethod[] = k === 3
        ? ["direct", "auto", "simd"]
        : ["auto", "fft", "simd"];
      if (!big || k <= 15) methods.push("direct");
      for (const method of [...new Set(methods)]) {
        Deno.bench({
          name: `${tag} correlate ${k}x${k} ${method}`,
          group: `${tag} correlate ${k}x${k}`,
          ...slow,
          fn: () => {
            correlate(img, kernel, { method });
          },
        });
      }
      const sep = separableKernel(k);
      for (const method of ["separable", "fft"] as LinearMethod[]) {
        Deno.bench({
          name: `${tag} correlate separable ${k}x${k} ${method}`,
          group: `${tag} separable ${k}x${k}`,
          ...slow,
          fn: () => {
            correlate(img, sep, { method });
          },
        });
      }
    }
    for (const sigma of [1, 2, 5, 10, 50]) {
      for (const method of ["exact", "fast"] as const) {
        Deno.bench({
          name: `${tag} gaussian sigma ${sigma} ${method}`,
          group: `${tag} gaussian ${method}`,
          ...slow,
          fn: () => {
            gaussian(img, { sigma, method });
          },
        });
      }
    }
    // The peer benchmark's Gaussians: radius 3σ (OpenCV's u8 size rule).
    for (const sigma of [2, 10]) {
      Deno.bench({
        name: `${tag} gaussian sigma ${sigma} size ${6 * sigma + 1} exact (peer op)`,
        group: `${tag} gaussian peer`,
        ...slow,
        fn: () => {
          gaussian(img, { sigma, size: 6 * sigma + 1 });
        },
      });
    }
    for (const box of [3, 11, 31, 101]) {
      Deno.bench({
        name: `${tag} box ${box}`,
        group: `${tag} box`,
        ...slow,
        fn: () => {
          boxBlur(img, { size: box });
        },
      });
    }
  }
}
