import assert from "node:assert/strict";
import { bilateral, Image } from "../mod.ts";
import { compareTolerance, loadCases, loadImage } from "./_reference.ts";

Deno.test("bilateral matches the cv2.bilateralFilter reference cases", () => {
  const cases = loadCases("cv2.bilateralFilter");
  assert.ok(cases.length >= 2);
  for (const c of cases) {
    const image = loadImage(c, "image");
    const got = bilateral(image, {
      diameter: Number(c.params.d),
      sigmaColor: Number(c.params.sigmaColor),
      sigmaSpace: Number(c.params.sigmaSpace),
      boundary: "reflect",
    });
    const err = compareTolerance(got.data, loadImage(c, "output").data, c.tolerance);
    assert.equal(err, undefined, `${c.id}: ${err}`);
  }
});

Deno.test("bilateral with window skimage and L2 distance matches skimage denoise_bilateral", () => {
  const cases = loadCases("skimage.restoration.denoise_bilateral");
  assert.ok(cases.length >= 1);
  for (const c of cases) {
    const image = loadImage(c, "image");
    const got = bilateral(image, {
      diameter: Number(c.params.win_size),
      // scikit-image divides the Euclidean distance by the channel count
      sigmaColor: Number(c.params.sigma_color) * image.channels,
      sigmaSpace: Number(c.params.sigma_spatial),
      boundary: String(c.params.mode),
      window: "skimage",
      colorDistance: "l2",
    });
    const err = compareTolerance(got.data, loadImage(c, "output").data, c.tolerance);
    assert.equal(err, undefined, `${c.id}: ${err}`);
  }
});

function errors(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; worst: number } {
  let sum = 0, worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    worst = Math.max(worst, d);
  }
  return { mean: sum / a.length, worst };
}

Deno.test("bilateral fast (grid) stays within its documented error of the exact method", () => {
  const photos = [
    loadImage(loadCases("cv2.fastNlMeansDenoising")[0], "clean"), // camera 64x64 gray
    loadImage(loadCases("cv2.bilateralFilter").find((c) => c.id.includes("astronaut"))!, "image"),
  ];
  for (const img of photos) {
    for (const [diameter, sigmaColor, sigmaSpace] of [[15, 30, 5], [31, 40, 10], [21, 75, 75]]) {
      const opts = { diameter, sigmaColor, sigmaSpace };
      const exact = bilateral(img, opts);
      const fast = bilateral(img, { ...opts, method: "fast" });
      const e = errors(fast.data, exact.data);
      const label = `${img.channels}ch d${diameter} sc${sigmaColor} ss${sigmaSpace}`;
      assert.ok(e.mean < 3, `${label}: mean ${e.mean}`);
      assert.ok(e.worst < 40, `${label}: worst ${e.worst}`);
    }
  }
});

Deno.test("bilateral with zero sigma returns a copy and keeps alpha", () => {
  const img = new Image(5, 4, 4, Uint8Array.from({ length: 80 }, (_, i) => (i * 37) % 256));
  assert.deepEqual(Array.from(bilateral(img, { sigmaColor: 0 }).data), Array.from(img.data));
  const out = bilateral(img, { diameter: 5, sigmaColor: 50, sigmaSpace: 3 });
  for (let i = 3; i < 80; i += 4) assert.equal(out.data[i], img.data[i]);
});

Deno.test("bilateral derives the radius from sigmaSpace when diameter <= 0", () => {
  const img = loadImage(loadCases("cv2.bilateralFilter")[0], "image");
  // radius round(1.5 * 3) = 5, i.e. diameter 11
  const a = bilateral(img, { diameter: 0, sigmaColor: 30, sigmaSpace: 3 });
  const b = bilateral(img, { diameter: 11, sigmaColor: 30, sigmaSpace: 3 });
  assert.deepEqual(Array.from(a.data), Array.from(b.data));
});
