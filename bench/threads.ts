// Thread scaling: each filter on one image with 1 thread and with N
// threads (applyParallel), the two interleaved so they see the same machine
// load; prints the median (and min) of the timed calls and the speed-up.
//
//   deno run --allow-read --allow-env bench/threads.ts [size=4096] [reps=5] [threads=2]
//
// Ops: Gaussian σ=2 and σ=10 (the peer bench's sizes 13 and 61), median 5
// and 21, NL-means h=10 / patch 7 / search 21 — gray u8.

import { applyParallel, closeParallel } from "../mod.ts";
import { benchImage, median } from "./_images.ts";

const size = Number(Deno.args[0] ?? 4096);
const reps = Math.max(1, Number(Deno.args[1] ?? 5));
const threads = Math.max(2, Number(Deno.args[2] ?? 2));

const ops: [string, string, Record<string, unknown>][] = [
  ["gaussian_s2", "gaussian", { sigma: 2, size: 13 }],
  ["gaussian_s10", "gaussian", { sigma: 10, size: 61 }],
  ["median_5", "median", { size: 5 }],
  ["median_21", "median", { size: 21 }],
  ["nlmeans", "nl-means", { h: 10, patchSize: 7, searchSize: 21 }],
];

// IMFILTER_BENCH_KEEP=1 keeps every result alive, so each call writes fresh memory as a
// CLI run (or an application that holds its results) does; by default results are dropped
// and the allocator may hand the next call memory it has already touched.
const keep = Deno.env.get("IMFILTER_BENCH_KEEP") === "1";
const kept: unknown[] = [];
const img = benchImage(size, 1);
console.log(`${size}² gray u8, median (min) of ${reps} interleaved calls, ms`);
console.log(`| op | 1 thread | ${threads} threads | speed-up |`);
console.log("|---|---|---|---|");
for (const [label, name, params] of ops) {
  const time = async (n: number) => {
    const t = performance.now();
    const { image } = await applyParallel(name, img, params, { threads: n });
    const ms = performance.now() - t;
    if (keep) kept.push(image);
    return ms;
  };
  // Warm-up: starts the workers, and gives the workers' engine the calls it needs to
  // optimise the filter's glue (a worker that has seen one or two stripes runs them
  // 10–20% slower than the calling thread, which has seen many more).
  for (let i = 0, t0 = performance.now(); i < 6 && performance.now() - t0 < 3000; i++) {
    await time(threads);
    if (i < 2) await time(1);
  }
  const one: number[] = [], many: number[] = [];
  for (let i = 0; i < reps; i++) {
    one.push(await time(1));
    many.push(await time(threads));
  }
  const cell = (v: number[]) => `${median(v).toFixed(0)} (${Math.min(...v).toFixed(0)})`;
  console.log(
    `| ${label} | ${cell(one)} | ${cell(many)} | ${(median(one) / median(many)).toFixed(2)}× |`,
  );
}
closeParallel();
