// The demo: runs imfilter's main jobs on the bundled photographs and writes
// the results to ./out/, saying what it did.
//
//   npx -y deno@2.9.6 task demo

import { join, resolve } from "node:path";
import { convolve, type FilterResult, Image, readImage, registry, writeImage } from "../mod.ts";

const cwd = Deno.env.get("INIT_CWD") ?? Deno.cwd();
const outDir = resolve(cwd, "out");
await Deno.mkdir(outDir, { recursive: true });
const images = new URL("../tests/fixtures/images/", import.meta.url);
const camera = await readImage(new URL("camera.png", images).pathname);
const astronaut = await readImage(new URL("astronaut.png", images).pathname);

console.log(
  `imfilter demo: ${registry.names().length} filters registered (${registry.names().join(", ")})`,
);
console.log(
  `inputs: camera.png ${camera.width}x${camera.height}x${camera.channels}, ` +
    `astronaut.png ${astronaut.width}x${astronaut.height}x${astronaut.channels}\n`,
);

// The lecture notes' worked example: 7×7 binary image ∗ [1 0 1; 0 1 0; 1 0 1], valid mode.
const seed = Image.fromRows([
  [0, 1, 1, 1, 0, 0, 0],
  [0, 0, 1, 1, 1, 0, 0],
  [0, 0, 0, 1, 1, 1, 0],
  [0, 0, 0, 1, 1, 0, 0],
  [0, 0, 1, 1, 0, 0, 0],
  [0, 1, 1, 0, 0, 0, 0],
  [1, 1, 0, 0, 0, 0, 0],
]);
const seedOut = convolve(seed, "1,0,1;0,1,0;1,0,1", { mode: "valid" });
console.log("lecture notes example, I ∗ M (valid):");
for (let y = 0; y < seedOut.height; y++) {
  console.log("  " + Array.from(seedOut.data.subarray(y * 5, y * 5 + 5)).join(" "));
}
console.log();

/** Gaussian noise of a given sigma, seeded, for the denoising step. */
function noisy(img: Image, sigma: number, seed: number): Image {
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 4294967296;
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const g = Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
    out[i] = img.data[i] + sigma * g;
  }
  return new Image(img.width, img.height, img.channels, out).toDtype("u8");
}

interface Step {
  file: string;
  what: string;
  filter: string;
  input: Image;
  params: Record<string, unknown>;
  report?: (r: FilterResult) => string;
}

const noisyCrop = noisy(camera.crop(180, 60, 192, 192), 20, 7);
const template = camera.crop(260, 90, 64, 80);
const steps: Step[] = [
  {
    file: "camera_box5.png",
    what: "5×5 averaging (cv2.filter2D with ones/25)",
    filter: "correlate",
    input: camera,
    params: { kernel: "box-5" },
  },
  {
    file: "camera_gaussian_s3.png",
    what: "Gaussian σ=3",
    filter: "gaussian",
    input: camera,
    params: { sigma: 3 },
  },
  {
    file: "camera_sobel.png",
    what: "Sobel gradient magnitude",
    filter: "sobel",
    input: camera,
    params: { output: "magnitude" },
  },
  {
    file: "camera_laplace.png",
    what: "Laplace response (signed f32, stretched for viewing)",
    filter: "correlate",
    input: camera,
    params: { kernel: "laplace", dtype: "f32" },
  },
  {
    file: "astronaut_emboss.png",
    what: "emboss kernel, symmetric boundary (the article's example)",
    filter: "convolve",
    input: astronaut,
    params: { kernel: "emboss", boundary: "symmetric" },
  },
  {
    file: "astronaut_median7.png",
    what: "7×7 median",
    filter: "median",
    input: astronaut,
    params: { size: 7 },
  },
  {
    file: "astronaut_bilateral.png",
    what: "bilateral d=9, σcolor=75, σspace=75 (edge-preserving)",
    filter: "bilateral",
    input: astronaut,
    params: { diameter: 9, sigmaColor: 75, sigmaSpace: 75 },
  },
  {
    file: "camera_nl_means.png",
    what: "non-local means h=20 on the noisy crop",
    filter: "nl-means",
    input: noisyCrop,
    params: { h: 20 },
  },
  {
    file: "camera_match_scores.png",
    what: "template matching (ccoeff_normed) of a 64×80 cut at (260, 90)",
    filter: "match-template",
    input: camera,
    params: { template },
    report: (r) => `best match at ${JSON.stringify((r.data as { best: unknown }).best)}`,
  },
];

await writeImage(join(outDir, "camera_noisy.png"), noisyCrop);
console.log(
  "wrote out/camera_noisy.png: a camera crop with Gaussian noise σ=20 (input of nl-means)",
);
let written = 1;
for (const step of steps) {
  if (!registry.has(step.filter)) {
    console.log(`skipped ${step.file}: filter ${step.filter} is not registered`);
    continue;
  }
  const t0 = performance.now();
  const result = await registry.run(step.filter, step.input, step.params);
  const ms = performance.now() - t0;
  let image = result.image!;
  if (image.dtype === "f32") {
    let lo = Infinity, hi = -Infinity;
    for (const v of image.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const scaled = image.data.map((v) => ((v - lo) / (hi - lo || 1)) * 255);
    image = new Image(image.width, image.height, image.channels, scaled).toDtype("u8");
  }
  await writeImage(join(outDir, step.file), image);
  written++;
  const extra = step.report ? `; ${step.report(result)}` : "";
  console.log(`wrote out/${step.file}: ${step.what} [${step.filter}, ${ms.toFixed(0)} ms]${extra}`);
}
console.log(`\n${written} images in ${outDir}`);
