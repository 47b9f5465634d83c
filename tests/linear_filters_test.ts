// The edge/effect plugins (sobel, scharr, laplacian, sharpen, emboss,
// derivative) and box: outputs, dtype rule, alpha, boundaries, errors.

import assert from "node:assert/strict";
import { checkConformance } from "../testing.ts";
import {
  type AnyPlugin,
  BOUNDARY_MODES,
  boxBlur,
  boxPlugin,
  convolve,
  convolvePlugin,
  correlate,
  correlatePlugin,
  derivative,
  derivativePlugin,
  emboss,
  embossPlugin,
  FilterError,
  gaussianPlugin,
  Image,
  laplacian,
  laplacianPlugin,
  parseKernel,
  scharr,
  scharrPlugin,
  sharpen,
  sharpenPlugin,
  sobel,
  sobelPlugin,
} from "../mod.ts";
import { compareTolerance, loadCases, loadImage, loadValues } from "./_reference.ts";

function noise(w: number, h: number, ch: number, dtype: "u8" | "f32", seed = 3): Image {
  const img = Image.zeros(w, h, ch, dtype);
  let s = seed;
  for (let i = 0; i < img.data.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    img.data[i] = (s >>> 24) % 256;
  }
  return img;
}

Deno.test("scharr magnitude is |x + iy| of the article's complex Scharr kernel (scipy case)", () => {
  const c =
    loadCases((c) => c.id === "signal_correlate2d_valid_symm_scharr_complex_camera37x53")[0];
  const image = loadImage(c, "image");
  const re = loadValues(c, "output_real"), im = loadValues(c, "output_imag");
  const mag = scharr(image, { boundary: "symmetric" });
  // valid mode = the interior of same mode for a 3x3 kernel.
  const vw = image.width - 2, got: number[] = [], want: number[] = [];
  for (let y = 0; y < image.height - 2; y++) {
    for (let x = 0; x < vw; x++) {
      got.push(mag.get(x + 1, y + 1));
      want.push(Math.hypot(re[y * vw + x], im[y * vw + x]));
    }
  }
  assert.equal(compareTolerance(got, want, c.tolerance), undefined);
  // And x/y are the real and imaginary responses up to the conjugation's sign.
  const gx = scharr(image, { boundary: "symmetric", output: "x" });
  assert.ok(Math.abs(Math.abs(gx.get(5, 5)) - Math.abs(re[4 * vw + 4])) < 0.05);
});

Deno.test("sobel/scharr x and y equal correlation with the catalogue kernels, every boundary", () => {
  const img = noise(17, 11, 1, "f32");
  for (const boundary of BOUNDARY_MODES) {
    for (const [fn, name] of [[sobel, "sobel"], [scharr, "scharr"]] as const) {
      for (const axis of ["x", "y"] as const) {
        const got = fn(img, { output: axis, boundary, cval: 9 });
        const want = correlate(img, parseKernel(`${name}-${axis}`), {
          boundary,
          cval: 9,
          method: "direct",
        });
        for (let i = 0; i < got.data.length; i++) {
          assert.ok(Math.abs(got.data[i] - want.data[i]) < 1e-3, `${name} ${axis} ${boundary}`);
        }
      }
    }
  }
});

Deno.test("gradient angle is atan2(y, x) in degrees in [0, 360)", () => {
  const img = Image.fromRows([[0, 0, 0], [0, 0, 0], [9, 9, 9]]); // brighter towards +y
  const a = sobel(img, { output: "angle", boundary: "replicate" });
  assert.equal(a.get(1, 1), 90);
  const b = sobel(Image.fromRows([[3, 2, 1], [3, 2, 1], [3, 2, 1]]), { output: "angle" });
  assert.equal(b.get(1, 1), 180);
  const m = sobel(noise(9, 9, 1, "f32"), { output: "angle" });
  assert.ok(m.data.every((v) => v >= 0 && v < 360));
});

Deno.test("dtype rule: u8 in, u8 out (negatives saturate to 0); dtype f32 keeps signs", () => {
  const ramp = Image.fromRows([[30, 20, 10, 0], [30, 20, 10, 0]], "u8"); // falling x
  const u8 = sobel(ramp, { output: "x" });
  assert.equal(u8.dtype, "u8");
  assert.ok(u8.data.every((v) => v === 0));
  const f = sobel(ramp, { output: "x", dtype: "f32", boundary: "replicate" });
  assert.equal(f.get(1, 0), -80);
  const mag = sobel(ramp, { boundary: "replicate" });
  assert.equal(mag.get(1, 0), 80);
  assert.equal(laplacian(ramp, { dtype: "f32", boundary: "replicate" }).get(0, 0), -10);
});

Deno.test("laplacian, sharpen, emboss, derivative are convolutions with their kernels", () => {
  const img = noise(12, 10, 1, "f32", 11);
  const pairs: [Image, string][] = [
    [laplacian(img, { boundary: "wrap" }), "laplace"],
    [laplacian(img, { boundary: "wrap", neighbours: "8" }), "laplace-8"],
    [sharpen(img, { boundary: "wrap" }), "sharpen"],
    [emboss(img, { boundary: "wrap" }), "emboss"],
    [derivative(img, { boundary: "wrap" }), "deriv-y"],
    [derivative(img, { boundary: "wrap", mask: "y-avg" }), "deriv-y-avg"],
  ];
  for (const [got, name] of pairs) {
    const want = convolve(img, parseKernel(name), { boundary: "wrap", method: "direct" });
    for (let i = 0; i < got.data.length; i++) {
      assert.ok(Math.abs(got.data[i] - want.data[i]) < 1e-3, name);
    }
  }
  // x masks are the transposes: derivative along x of a transposed image.
  const t = Image.zeros(10, 12, 1, "f32");
  for (let y = 0; y < 12; y++) for (let x = 0; x < 10; x++) t.data[y * 10 + x] = img.get(y, x);
  const dx = derivative(t, { mask: "x-avg", boundary: "wrap" });
  const dy = derivative(img, { mask: "y-avg", boundary: "wrap" });
  for (let y = 0; y < 12; y++) {
    for (let x = 0; x < 10; x++) assert.ok(Math.abs(dx.get(x, y) - dy.get(y, x)) < 1e-5);
  }
  // The notes' y-derivative is positive where the image gets brighter downwards:
  // 1/2 · (3 replicated columns) · (4 − 0) = 6.
  assert.equal(derivative(Image.fromRows([[0], [2], [4]]), { boundary: "replicate" }).get(0, 1), 6);
});

Deno.test("multi-channel: every channel filtered, alpha kept unless alpha: filter", () => {
  const rgba = noise(8, 7, 4, "u8", 5);
  const outs = [sobel(rgba), emboss(rgba), sharpen(rgba), boxBlur(rgba, { size: 5 })];
  for (const out of outs) {
    assert.equal(out.channels, 4);
    for (let i = 3; i < out.data.length; i += 4) assert.equal(out.data[i], rgba.data[i]);
  }
  const all = boxBlur(rgba, { size: 5, alpha: "filter" });
  let changed = 0;
  for (let i = 3; i < all.data.length; i += 4) if (all.data[i] !== rgba.data[i]) changed++;
  assert.ok(changed > 0);
});

Deno.test("box: mean of u8 is the exact quotient rounded half to even; sums need a wider dtype", () => {
  const img = Image.fromRows([[1, 2, 2, 3]], "u8");
  // [1 2] -> 1.5 -> 2 (even), [2 2] -> 2, [2 3] -> 2.5 -> 2 (even), [3 3] -> 3
  assert.deepEqual(Array.from(boxBlur(img, { size: [2, 1], boundary: "replicate" }).data), [
    1,
    2,
    2,
    2,
  ]);
  const sums = boxBlur(noise(30, 20, 1, "u8"), { size: 7, normalize: false, dtype: "f32" });
  assert.ok(sums.data.some((v) => v > 255));
  assert.throws(
    () => boxBlur(img, { size: 0 }),
    (e) => e instanceof FilterError && e.code === "INVALID_PARAM" && /size/.test(e.message),
  );
});

Deno.test("box running sums do not drift on float data with a huge dynamic range", () => {
  const w = 600, h = 50;
  const img = Image.zeros(w, h, 1, "f32");
  for (let i = 0; i < img.data.length; i++) img.data[i] = i % 7 === 0 ? 1e7 : (i % 13) * 1e-3;
  for (const boundary of BOUNDARY_MODES) {
    const fast = boxBlur(img, { size: [9, 5], normalize: false, boundary, cval: 2 });
    const direct = correlate(img, Array.from({ length: 5 }, () => Array(9).fill(1)), {
      boundary,
      cval: 2,
      method: "direct",
    });
    for (let i = 0; i < fast.data.length; i++) {
      const tol = 1e-6 * Math.max(1, Math.abs(direct.data[i]));
      assert.ok(Math.abs(fast.data[i] - direct.data[i]) <= tol, `${boundary} at ${i}`);
    }
  }
});

Deno.test("every linear-family plugin passes the plugin conformance checks", async () => {
  const cases: [AnyPlugin, Record<string, unknown>][] = [
    [gaussianPlugin, { sigma: 1.5 }],
    [gaussianPlugin, { size: 5 }],
    [boxPlugin, { size: [4, 3] }],
    [sobelPlugin, {}],
    [scharrPlugin, { output: "x" }],
    [laplacianPlugin, {}],
    [sharpenPlugin, {}],
    [embossPlugin, {}],
    [derivativePlugin, { mask: "x-avg" }],
    [correlatePlugin, { kernel: "box-5", method: "auto" }],
    [convolvePlugin, { kernel: Array.from({ length: 9 }, (_, i) => [i, 1, -i]), method: "fft" }],
  ];
  for (const [plugin, params] of cases) {
    const report = await checkConformance(plugin, { params });
    assert.ok(report.checks.length >= 3, plugin.name);
    assert.equal(report.checks.some((c) => c.startsWith("linear")), plugin.linear === true);
  }
});
