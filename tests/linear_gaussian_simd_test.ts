// The WebAssembly SIMD u8 Gaussian (filters/linear/gaussian_u8.wat, the OpenCV
// bit-exact fixed-point path) against the TypeScript fixed-point path: the
// same bytes on random u8 images × every boundary mode (with cval) × odd
// sizes 1..99 × different sigma and sigmaY × widths/heights 1..40 (block
// tails, images smaller than the kernel) × 1–4 channels × alpha keep/filter;
// wide images in many stripes; and the cv2.GaussianBlur u8 reference cases
// bit-exact on both paths.

import assert from "node:assert/strict";
import fc from "fast-check";
import { BOUNDARY_MODES, gaussian, type GaussianOptions, Image } from "../mod.ts";
import { gaussianFixedU8Simd } from "../filters/linear/gaussian_simd.ts";
import { withSimd } from "../engines/simd.ts";
import { CV_BORDER, loadCases, loadImage, loadValues } from "./_reference.ts";

import { firstDiff } from "./_util.ts";

// A fixed seed keeps CI deterministic; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

const odd = fc.integer({ min: 0, max: 49 }).map((k) => 2 * k + 1);
const sigma = fc.oneof(
  fc.constant(0),
  fc.double({ min: 0.2, max: 30, noNaN: true }),
);

Deno.test("SIMD u8 Gaussian: byte-identical to the TypeScript fixed-point path", () => {
  fc.assert(
    fc.property(
      fc.record({
        w: fc.integer({ min: 1, max: 40 }),
        h: fc.integer({ min: 1, max: 40 }),
        channels: fc.integer({ min: 1, max: 4 }),
        sx: odd,
        sy: odd,
        sigma,
        sigmaY: fc.option(sigma, { nil: undefined }),
        boundary: fc.constantFrom(...BOUNDARY_MODES),
        cval: fc.integer({ min: 0, max: 255 }),
        alpha: fc.constantFrom("keep" as const, "filter" as const),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        extremes: fc.boolean(),
      }),
      (p) => {
        const img = Image.zeros(p.w, p.h, p.channels, "u8");
        let s = p.seed;
        for (let i = 0; i < img.data.length; i++) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const v = s >>> 24;
          img.data[i] = p.extremes ? (v & 1 ? 255 : v < 64 ? 0 : v) : v;
        }
        const options: GaussianOptions = {
          sigma: p.sigma,
          sigmaY: p.sigmaY,
          size: [p.sx, p.sy],
          boundary: p.boundary,
          cval: p.cval,
          alpha: p.alpha,
        };
        const simd = withSimd(true, () => gaussian(img, options));
        const ts = withSimd(false, () => gaussian(img, options));
        assert.equal(simd.channels, p.channels);
        assert.equal(firstDiff(simd.data, ts.data), -1);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("SIMD u8 Gaussian: wide images run in several stripes (fewer rows than the kernel), odd heights", () => {
  // Stripes hold about 64 KiB of rows: 3000 × 3 samples gives 6-row stripes, 7000 × 4 two-row
  // ones, both far fewer than the 61- and 99-row kernels' rings of records.
  const cases: [number, number, number, GaussianOptions][] = [
    [3000, 47, 3, { sigma: 10, size: 61, boundary: "reflect" }],
    [7000, 9, 4, { sigma: 2, sigmaY: 30, size: [13, 99], boundary: "wrap", alpha: "filter" }],
    [2500, 33, 1, { sigma: 2, size: 13, boundary: "constant", cval: 200 }],
    [4099, 20, 2, { sigma: 1.5, sigmaY: 4, size: [9, 31], boundary: "nearest" }],
  ];
  for (const [w, h, ch, options] of cases) {
    const img = Image.zeros(w, h, ch, "u8");
    let s = w * h;
    for (let i = 0; i < img.data.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      img.data[i] = ((i % (w * ch)) * 7 + (s >>> 28)) & 255;
    }
    const simd = withSimd(true, () => gaussian(img, options));
    const ts = withSimd(false, () => gaussian(img, options));
    assert.equal(firstDiff(simd.data, ts.data), -1, `${w}x${h}x${ch}`);
  }
});

Deno.test("SIMD u8 Gaussian: the kernel runs when SIMD is on, not when it is off", () => {
  const img = Image.zeros(5, 4, 3, "u8");
  const k = Int32Array.from([64, 128, 64]);
  assert.ok(withSimd(true, () => gaussianFixedU8Simd(img, k, k, "reflect", 0, "keep")));
  assert.equal(
    withSimd(false, () => gaussianFixedU8Simd(img, k, k, "reflect", 0, "keep")),
    undefined,
  );
});

Deno.test("SIMD u8 Gaussian: flat images stay flat (saturation bound), constant borders", () => {
  for (const v of [0, 1, 128, 254, 255]) {
    const img = Image.zeros(37, 23, 2, "u8");
    img.data.fill(v);
    for (const cval of [0, 255]) {
      const options: GaussianOptions = { sigma: 5, size: 31, boundary: "constant", cval };
      const simd = withSimd(true, () => gaussian(img, options));
      const ts = withSimd(false, () => gaussian(img, options));
      assert.equal(firstDiff(simd.data, ts.data), -1);
    }
    const flat = withSimd(true, () => gaussian(img, { sigma: 3, boundary: "reflect" }));
    assert.ok(flat.data.every((x) => x === v));
  }
});

Deno.test("SIMD u8 Gaussian: cv2.GaussianBlur u8 reference cases bit-exact on both paths", () => {
  const cases = loadCases("cv2.GaussianBlur").filter((c) => c.id.includes("uint8"));
  assert.ok(cases.length > 0);
  for (const c of cases) {
    const p = c.params;
    const d = c.derived as { ksize_x: number; ksize_y: number };
    const image = loadImage(c, "image");
    const sigmaY = p.sigmaY as number;
    const options: GaussianOptions = {
      sigma: p.sigmaX as number,
      sigmaY: sigmaY > 0 ? sigmaY : undefined,
      size: [d.ksize_x, d.ksize_y],
      boundary: CV_BORDER[p.borderType as string],
    };
    const exp = loadValues(c, "output");
    for (const on of [true, false]) {
      const out = withSimd(on, () => gaussian(image, options));
      assert.equal(firstDiff(out.data, exp), -1, `${c.id} (SIMD ${on})`);
    }
  }
});
