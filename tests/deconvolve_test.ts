import assert from "node:assert/strict";
import { cameraPhoto, psnr } from "./_util.ts";
import { Image } from "../core/image.ts";
import { convolve } from "../filters/linear/convolve.ts";
import { deconvolve } from "../filters/deconvolve.ts";
import { estimateKernel } from "../filters/estimate_kernel.ts";

function normalised(rows: number[][]): number[][] {
  const t = rows.flat().reduce((a, b) => a + b, 0);
  return rows.map((r) => r.map((v) => v / t));
}

const motion9 = normalised(
  Array.from(
    { length: 9 },
    (_, j) => Array.from({ length: 9 }, (_, i) => (Math.abs(j - 4 - 0.5 * (i - 4)) < 0.5 ? 1 : 0)),
  ),
);
const gauss7 = normalised(
  Array.from(
    { length: 7 },
    (_, j) =>
      Array.from(
        { length: 7 },
        (_, i) => Math.exp(-((i - 3) ** 2 + (j - 3) ** 2) / (2 * 1.5 ** 2)),
      ),
  ),
);

Deno.test("blur -> estimate -> deconvolve on a real photo improves PSNR (both methods)", async () => {
  const sharp = (await cameraPhoto()).crop(150, 80, 160, 160).toFloat32();
  for (const [name, k] of [["motion 9x9", motion9], ["gaussian 7x7", gauss7]] as const) {
    const blurred = convolve(sharp, k, { boundary: "reflect" }).toDtype("u8").toDtype("f32");
    const { kernel } = estimateKernel(sharp, blurred, {
      size: [k[0].length, k.length],
      nonNegative: true,
      normalize: true,
    });
    const base = psnr(blurred, sharp);
    const rl = deconvolve(blurred, kernel, { iterations: 30 });
    const wi = deconvolve(blurred, kernel, { method: "wiener" });
    const gainRL = psnr(rl, sharp) - base, gainW = psnr(wi, sharp) - base;
    assert.ok(gainRL > 1, `${name}: Richardson-Lucy gains ${gainRL.toFixed(2)} dB over ${base}`);
    assert.ok(gainW > 1, `${name}: Wiener gains ${gainW.toFixed(2)} dB over ${base}`);
  }
});

Deno.test("Richardson-Lucy converges towards the sharp image as iterations grow", () => {
  const sharp = Image.zeros(40, 40, 1, "f32");
  for (let y = 0; y < 40; y++) {
    for (let x = 0; x < 40; x++) sharp.data[y * 40 + x] = 20 + 200 * (((x >> 3) + (y >> 3)) & 1);
  }
  const blurred = convolve(sharp, gauss7, { boundary: "reflect" });
  const errs = [1, 10, 100].map((iterations) =>
    psnr(deconvolve(blurred, gauss7, { iterations, clip: false }), sharp)
  );
  assert.ok(errs[0] < errs[1] && errs[1] < errs[2], errs.join(" "));
  assert.ok(errs[2] > psnr(blurred, sharp) + 2, `${errs[2]} vs ${psnr(blurred, sharp)}`);
});

Deno.test("Wiener with balance 0 inverts a well-conditioned periodic blur exactly", () => {
  const sharp = Image.zeros(32, 24, 1, "f32");
  let s = 5;
  for (let i = 0; i < sharp.data.length; i++) sharp.data[i] = (s = (s * 69069 + 1) >>> 0) / 2 ** 32;
  const k = [[0, 0.1, 0], [0.05, 0.7, 0.1], [0, 0.05, 0]];
  const blurred = convolve(sharp, k, { boundary: "wrap" });
  const out = deconvolve(blurred, k, {
    method: "wiener",
    balance: 0,
    boundary: "wrap",
    clip: false,
  });
  // With wrap and a padded size that is not a multiple of the image, the result is exact only
  // inside; the centre must match closely.
  let worst = 0;
  for (let y = 6; y < 18; y++) {
    for (let x = 6; x < 26; x++) worst = Math.max(worst, Math.abs(out.get(x, y) - sharp.get(x, y)));
  }
  assert.ok(worst < 0.02, `worst ${worst}`);
});

Deno.test("deconvolve keeps dtype, size and channels; clip stays in the input's range", () => {
  const img = Image.zeros(20, 16, 3, "u8");
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37) % 256;
  const out = deconvolve(img, gauss7, { iterations: 5 });
  assert.deepEqual([out.width, out.height, out.channels, out.dtype], [20, 16, 3, "u8"]);
  const w = deconvolve(img.toDtype("f32"), gauss7, { method: "wiener" });
  const lo = Math.min(...img.data), hi = Math.max(...img.data);
  assert.ok(Array.from(w.data).every((v) => v >= lo && v <= hi));
  assert.throws(() => deconvolve(img, gauss7, { iterations: 0 }), { code: "INVALID_PARAM" });
  assert.throws(() => deconvolve(img, gauss7, { method: "blind" as "wiener" }), {
    code: "INVALID_PARAM",
  });
});
