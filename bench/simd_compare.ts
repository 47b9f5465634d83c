// Before/after timing of the WebAssembly SIMD kernels on the peer
// benchmark's ops they serve (../shared/bench/ops.json: correlate_3x3,
// correlate_15x15, gaussian_s2 and gaussian_s10, u8 in/out), 2048² gray and
// RGB by default. "before" is the default method with SIMD switched off
// (the TypeScript engines: row-buffered float64 direct for 3×3, tiled FFT
// for 15×15, the fixed-point Gaussian), "after" the same call with SIMD on. The two run interleaved, so they see the
// same machine load; each cell prints the median (and min) of N timed calls.
//
//   deno run --allow-env bench/simd_compare.ts [size=2048] [reps=9]

import { correlate, gaussian, type Image } from "../mod.ts";
import { benchImage, median } from "./_images.ts";
import { withSimd } from "../engines/simd.ts";

const size = Number(Deno.args[0] ?? 2048);
const reps = Math.max(7, Number(Deno.args[1] ?? 9));

const K3 = [[0.05, 0.2, 0.0], [0.15, 0.3, 0.1], [-0.05, 0.1, 0.15]];
// ops.json's 15×15 kernel (numpy rng 12345, uniform 0.05..1, sum 1, 6 decimals).
// deno-fmt-ignore
const K15 = [
  [0.002378, 0.003137, 0.007219, 0.006190, 0.003768, 0.003273, 0.005528, 0.002033, 0.006160, 0.008445, 0.002555, 0.008505, 0.006114, 0.001261, 0.004199],
  [0.007975, 0.006370, 0.003220, 0.006680, 0.002316, 0.001140, 0.001805, 0.003335, 0.004398, 0.002710, 0.007375, 0.002089, 0.001546, 0.001225, 0.005530],
  [0.007706, 0.005556, 0.008362, 0.006602, 0.007755, 0.008339, 0.005085, 0.008410, 0.004651, 0.002772, 0.004284, 0.006095, 0.003257, 0.008120, 0.002630],
  [0.003333, 0.002645, 0.003466, 0.000490, 0.005785, 0.002845, 0.001025, 0.005685, 0.001944, 0.003032, 0.004191, 0.001723, 0.002298, 0.004475, 0.004493],
  [0.002615, 0.002974, 0.002817, 0.002660, 0.004547, 0.002247, 0.004656, 0.002538, 0.007568, 0.001977, 0.007769, 0.001961, 0.006821, 0.005637, 0.002223],
  [0.006900, 0.002564, 0.001174, 0.005696, 0.005007, 0.005836, 0.001928, 0.002555, 0.006263, 0.001134, 0.007879, 0.004088, 0.005699, 0.003106, 0.001967],
  [0.000529, 0.002231, 0.007835, 0.008709, 0.004199, 0.003664, 0.002790, 0.008652, 0.000941, 0.003918, 0.001879, 0.002486, 0.007071, 0.002177, 0.005135],
  [0.003564, 0.004755, 0.003279, 0.002848, 0.002840, 0.001172, 0.004539, 0.007949, 0.008491, 0.000680, 0.008241, 0.001479, 0.006798, 0.008061, 0.001873],
  [0.003262, 0.003658, 0.003393, 0.004831, 0.000523, 0.004037, 0.007901, 0.001189, 0.004558, 0.004534, 0.007093, 0.008639, 0.006452, 0.002772, 0.006138],
  [0.003398, 0.006970, 0.006186, 0.008749, 0.007808, 0.000839, 0.002913, 0.007771, 0.005550, 0.003371, 0.000919, 0.006926, 0.000460, 0.001235, 0.008884],
  [0.007037, 0.007821, 0.004499, 0.001881, 0.004982, 0.004063, 0.001832, 0.001856, 0.002639, 0.008456, 0.008827, 0.006423, 0.006588, 0.006668, 0.004841],
  [0.001954, 0.007900, 0.007924, 0.006473, 0.008374, 0.008770, 0.004723, 0.006881, 0.005684, 0.001423, 0.003131, 0.001022, 0.007979, 0.000634, 0.005010],
  [0.001955, 0.001695, 0.001855, 0.007895, 0.004646, 0.003342, 0.008933, 0.005084, 0.003023, 0.003595, 0.006357, 0.001468, 0.006886, 0.007952, 0.004482],
  [0.004161, 0.001662, 0.004037, 0.006939, 0.003963, 0.005712, 0.000819, 0.002313, 0.002178, 0.008780, 0.000825, 0.002276, 0.000714, 0.005878, 0.005994],
  [0.003381, 0.000756, 0.004141, 0.001902, 0.004071, 0.003613, 0.002325, 0.007595, 0.006329, 0.004444, 0.003841, 0.001373, 0.005568, 0.004729, 0.008136],
];

console.log(`${size}² u8, one thread, median (min) of ${reps} interleaved calls, ms`);
console.log("| op | image | before (TypeScript) | after (SIMD) | speed-up |");
console.log("|---|---|---|---|---|");
const ops: [string, (img: Image) => unknown][] = [
  ["correlate_3x3", (img) => correlate(img, K3)],
  ["correlate_15x15", (img) => correlate(img, K15)],
  ["gaussian_s2", (img) => gaussian(img, { sigma: 2, size: 13 })],
  ["gaussian_s10", (img) => gaussian(img, { sigma: 10, size: 61 })],
];
for (const [name, op] of ops) {
  for (const [label, channels] of [["gray", 1], ["rgb", 3]] as const) {
    const img = benchImage(size, channels);
    const before: number[] = [], after: number[] = [];
    const time = (on: boolean) => {
      const t = performance.now();
      withSimd(on, () => op(img));
      return performance.now() - t;
    };
    time(false);
    time(true);
    for (let i = 0; i < reps; i++) {
      before.push(time(false));
      after.push(time(true));
    }
    const cell = (v: number[]) => `${median(v).toFixed(1)} (${Math.min(...v).toFixed(1)})`;
    console.log(
      `| ${name} | ${label} | ${cell(before)} | ${cell(after)} | ` +
        `${(median(before) / median(after)).toFixed(2)}x |`,
    );
  }
}
