// Renders the README's figures into docs/gallery/ from a bundled photograph,
// like the figure grids of the convolution lecture notes:
//
//   npx -y deno@2.9.6 task gallery
//
// Every panel is computed by imfilter here; nothing is drawn by hand.

import { join } from "node:path";
import {
  bilateral,
  boxBlur,
  convolve,
  correlate,
  estimateKernel,
  gaussian,
  Image,
  Kernel,
  matchTemplate,
  median,
  nlMeans,
  readImage,
  scharr,
  sobel,
  writeImage,
} from "../mod.ts";

const root = new URL("..", import.meta.url).pathname;
const outDir = join(root, "docs", "gallery");
await Deno.mkdir(outDir, { recursive: true });
const camera = await readImage(join(root, "tests/fixtures/images/camera.png"));
const astronaut = await readImage(join(root, "tests/fixtures/images/astronaut.png"));

/** Maps any image to u8 for display (float: min..max stretched). */
function display(img: Image): Image {
  if (img.dtype === "u8") return img;
  let lo = Infinity, hi = -Infinity;
  for (const v of img.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const out = img.data.map((v) => ((v - lo) / (hi - lo || 1)) * 255);
  return new Image(img.width, img.height, img.channels, new Float32Array(out)).toDtype("u8");
}

/** Panels side by side with a white gap, all converted to the first panel's channel count. */
function strip(panels: Image[], gap = 6): Image {
  const ch = Math.max(...panels.map((p) => p.channels));
  const h = Math.max(...panels.map((p) => p.height));
  const w = panels.reduce((a, p) => a + p.width, 0) + gap * (panels.length - 1);
  const out = Image.zeros(w, h, ch, "u8");
  out.data.fill(255);
  let x0 = 0;
  for (const raw of panels) {
    const p = display(raw);
    for (let y = 0; y < p.height; y++) {
      for (let x = 0; x < p.width; x++) {
        for (let c = 0; c < ch; c++) {
          out.data[(y * w + x0 + x) * ch + c] =
            p.data[(y * p.width + x) * p.channels + Math.min(c, p.channels - 1)];
        }
      }
    }
    x0 += p.width + gap;
  }
  return out;
}

/** A kernel enlarged to a picture, each weight a `scale`-pixel square. */
function kernelPicture(k: Kernel, scale: number): Image {
  const img = Image.zeros(k.width * scale, k.height * scale, 1, "f32");
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      img.data[y * img.width + x] = k.get(Math.floor(x / scale), Math.floor(y / scale));
    }
  }
  return img;
}

async function save(name: string, img: Image, caption: string): Promise<void> {
  await writeImage(join(outDir, name), img);
  console.log(`docs/gallery/${name}: ${caption}`);
}

const SIZES = [5, 15, 25, 35, 45];
const face = camera.crop(150, 40, 200, 200);
await save(
  "averaging.png",
  strip([face, ...SIZES.map((s) => boxBlur(face, { size: s }))]),
  "original, box 5, 15, 25, 35, 45",
);
await save(
  "gaussian.png",
  strip([face, ...SIZES.map((s) => gaussian(face, { size: s }))]),
  "original, Gaussian 5, 15, 25, 35, 45 (OpenCV's sigma for each size)",
);
await save(
  "median.png",
  strip([face, ...SIZES.map((s) => median(face, { size: s }))]),
  "original, median 5, 15, 25, 35, 45",
);

const portrait = astronaut.crop(120, 20, 240, 240);
await save(
  "bilateral.png",
  strip([
    portrait,
    gaussian(portrait, { size: 35 }),
    bilateral(portrait, { diameter: 35, sigmaColor: 75, sigmaSpace: 75 }),
  ]),
  "original, 35x35 Gaussian, bilateral d=35 (edges kept)",
);

const f32 = { dtype: "f32" as const };
const lap = correlate(face, "laplace", f32);
for (let i = 0; i < lap.data.length; i++) lap.data[i] = Math.abs(lap.data[i]);
await save(
  "edges.png",
  strip([
    face,
    sobel(face, { output: "magnitude", ...f32 }),
    scharr(face, { output: "magnitude", ...f32 }),
    lap,
  ]),
  "original, Sobel magnitude, Scharr magnitude, |Laplace|",
);

let seed = 12345;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) + 0.5) / 4294967296;
const clean = camera.crop(190, 60, 160, 160);
const noisy = new Image(
  clean.width,
  clean.height,
  1,
  Float32Array.from(
    clean.data,
    (v) => v + 25 * Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd()),
  ),
).toDtype("u8");
await save(
  "nl_means.png",
  strip([clean, noisy, gaussian(noisy, { sigma: 1.5 }), nlMeans(noisy, { h: 25 })]),
  "clean crop, noise sigma 25, Gaussian sigma 1.5, NL-means h=25",
);

const scene = camera.crop(0, 0, 512, 400);
const tx = 260, ty = 90;
const template = camera.crop(tx, ty, 64, 80);
const noisyScene = new Image(
  scene.width,
  scene.height,
  1,
  Float32Array.from(
    scene.data,
    (v) => v + 50 * Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd()),
  ),
).toDtype("u8");
const match = matchTemplate(noisyScene, template);
const boxed = noisyScene.clone();
for (let x = 0; x < 64; x++) {
  for (const y of [0, 1, 78, 79]) {
    boxed.data[(match.best.y + y) * boxed.width + match.best.x + x] = 255;
  }
}
for (let y = 0; y < 80; y++) {
  for (const x of [0, 1, 62, 63]) {
    boxed.data[(match.best.y + y) * boxed.width + match.best.x + x] = 255;
  }
}
await save(
  "template.png",
  strip([template, boxed, match.scores]),
  `template cut at (${tx}, ${ty}); found at (${match.best.x}, ${match.best.y}) in the scene with noise sigma 50; ccoeff_normed scores`,
);

const truth = Kernel.from([
  [0, 0, 0, 0, 0, 0, 0, 0, 0],
  [0, 1, 0, 0, 0, 0, 0, 0, 0],
  [0, 0, 1, 0, 0, 0, 0, 0, 0],
  [0, 0, 0, 1, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 2, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 2, 0, 0, 0],
  [0, 0, 0, 0, 0, 0, 1, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 1, 0],
  [0, 0, 0, 0, 0, 0, 0, 0, 0],
]).normalize();
const sharp = camera.crop(100, 100, 256, 256);
const blurred = convolve(sharp, truth, { mode: "valid" });
const est = estimateKernel(sharp, blurred, {
  size: 9,
  mode: "valid",
  nonNegative: true,
  normalize: true,
});
await save(
  "kernel.png",
  strip([kernelPicture(truth, 16), kernelPicture(est.kernel, 16)]),
  `true 9x9 motion kernel, kernel estimated from the sharp/blurred pair (residual ${
    est.residual.toExponential(2)
  })`,
);
