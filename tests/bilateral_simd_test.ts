// The WebAssembly SIMD u8 exact bilateral (filters/bilateral/bilateral.wat) against
// the TypeScript exact path: the same bytes on random u8 images × every
// boundary mode (cval in and out of 0..255) × diameters 1..15 and
// sigmaSpace-derived radii × sigmas × disk/square/skimage windows ×
// widths/heights 1..40 (group tails, images smaller than the window) × 1–4
// channels × alpha keep/filter; and checks that the kernel really runs.

import assert from "node:assert/strict";
import fc from "fast-check";
import { bilateral, type BilateralOptions, BOUNDARY_MODES } from "../mod.ts";
import {
  bilateralSimdRuns,
  bilateralSimdServes,
  bilateralU8Simd,
} from "../filters/bilateral/bilateral_simd.ts";
import { withSimd } from "../engines/simd.ts";
import { loadCases, loadImage } from "./_reference.ts";
import { firstDiff, seededLevels } from "./_util.ts";

// A fixed seed keeps CI deterministic; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

const sigma = fc.oneof(
  fc.double({ min: 0.3, max: 200, noNaN: true }),
  fc.constantFrom(1, 10, 75, 1000),
);

Deno.test("SIMD u8 bilateral: byte-identical to the TypeScript exact path", () => {
  fc.assert(
    fc.property(
      fc.record({
        w: fc.integer({ min: 1, max: 40 }),
        h: fc.integer({ min: 1, max: 40 }),
        channels: fc.integer({ min: 1, max: 4 }),
        // diameter 1..15, or <= 0: the radius round(1.5 · sigmaSpace)
        diameter: fc.oneof(fc.integer({ min: 1, max: 15 }), fc.constant(0)),
        sigmaColor: sigma,
        sigmaSpace: fc.oneof(sigma, fc.double({ min: 0.3, max: 5, noNaN: true })),
        boundary: fc.constantFrom(...BOUNDARY_MODES),
        cval: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(-40, 300)),
        window: fc.constantFrom("disk" as const, "square" as const, "skimage" as const),
        alpha: fc.constantFrom("keep" as const, "filter" as const),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        levels: fc.constantFrom(0, 0, 2, 3, 17),
      }),
      (p) => {
        // derived radii above 7 (diameter 15) make slow TypeScript references
        const sigmaSpace = p.diameter <= 0 && Math.round(1.5 * p.sigmaSpace) > 7
          ? 4.5
          : p.sigmaSpace;
        const img = seededLevels(p.w, p.h, p.channels, p.seed, p.levels);
        const options: BilateralOptions = {
          diameter: p.diameter,
          sigmaColor: p.sigmaColor,
          sigmaSpace,
          boundary: p.boundary,
          cval: p.cval,
          window: p.window,
          alpha: p.alpha,
        };
        // colour samples are packed in bytes: a constant border value outside
        // 0..255 stays on the TypeScript path (gray takes any integer)
        const cn = p.alpha === "keep" && (p.channels === 2 || p.channels === 4)
          ? p.channels - 1
          : p.channels;
        const served = bilateralSimdServes(cn, p.channels, p.boundary, p.cval);
        assert.equal(
          served,
          p.boundary !== "constant" || cn === 1 || (p.cval >= 0 && p.cval <= 255),
        );
        const before = bilateralSimdRuns();
        const simd = withSimd(true, () => bilateral(img, options));
        assert.equal(bilateralSimdRuns(), before + (served ? 1 : 0), "the SIMD kernel ran");
        const ts = withSimd(false, () => bilateral(img, options));
        assert.equal(bilateralSimdRuns(), before + (served ? 1 : 0), "the TypeScript path ran");
        assert.equal(simd.channels, p.channels);
        assert.equal(firstDiff(simd.data, ts.data), -1);
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("SIMD u8 bilateral: the kernel runs when SIMD is on, not when it is off", () => {
  const img = seededLevels(9, 7, 3, 3, 0);
  const taps = {
    dx: Int32Array.of(-1, 0, 1),
    dy: Int32Array.of(0, 0, 0),
    table: Int32Array.of(0, 1, 0),
    tables: [new Float64Array(766).fill(0.5), new Float64Array(766).fill(1)],
  };
  const got = withSimd(true, () => bilateralU8Simd(img, 3, 1, taps, "replicate", 0));
  assert.ok(got);
  assert.equal(withSimd(false, () => bilateralU8Simd(img, 3, 1, taps, "replicate", 0)), undefined);
  // constant weights: the (1, 2, 1) / 4 mean along rows, rounded half to even
  const at = (x: number, y: number, c: number) =>
    img.data[3 * (y * 9 + Math.min(8, Math.max(0, x))) + c];
  for (let y = 0; y < 7; y++) {
    for (let x = 0; x < 9; x++) {
      for (let c = 0; c < 3; c++) {
        const v = (at(x - 1, y, c) + 2 * at(x, y, c) + at(x + 1, y, c)) / 4;
        const q = Math.round(v), want = q - v === 0.5 && q % 2 ? q - 1 : q;
        assert.equal(got[3 * (y * 9 + x) + c], want);
      }
    }
  }
  // the L2 distance, a non-integer border value and float images stay on
  // the TypeScript path; so does colour with a border value outside 0..255
  assert.equal(withSimd(true, () => bilateralU8Simd(img, 3, 1, taps, "constant", 256)), undefined);
  const before = bilateralSimdRuns();
  withSimd(true, () => bilateral(img, { colorDistance: "l2", diameter: 3 }));
  withSimd(true, () => bilateral(img, { boundary: "constant", cval: 2.5, diameter: 3 }));
  withSimd(true, () => bilateral(img.toDtype("f32"), { diameter: 3 }));
  assert.equal(bilateralSimdRuns(), before);
});

Deno.test("SIMD u8 bilateral: constant borders outside 0..255, every channel count", () => {
  for (let channels = 1; channels <= 4; channels++) {
    const img = seededLevels(13, 9, channels, 17 + channels, 0);
    for (const cval of [-40, -1, 0, 255, 256, 300, 1000]) {
      for (const alpha of ["keep", "filter"] as const) {
        const options: BilateralOptions = {
          boundary: "constant",
          cval,
          diameter: 5,
          sigmaColor: 120,
          sigmaSpace: 3,
          alpha,
        };
        const simd = withSimd(true, () => bilateral(img, options));
        const ts = withSimd(false, () => bilateral(img, options));
        assert.equal(firstDiff(simd.data, ts.data), -1, `${channels}ch cval ${cval} ${alpha}`);
      }
    }
  }
});

Deno.test("SIMD u8 bilateral: wider images (many steps per row, every boundary)", () => {
  for (let channels = 1; channels <= 4; channels++) {
    const img = seededLevels(259, 21, channels, 5 * channels, 0);
    for (const boundary of BOUNDARY_MODES) {
      const options: BilateralOptions = { diameter: 9, sigmaColor: 40, sigmaSpace: 3, boundary };
      const before = bilateralSimdRuns();
      const simd = withSimd(true, () => bilateral(img, options));
      assert.equal(bilateralSimdRuns(), before + 1);
      const ts = withSimd(false, () => bilateral(img, options));
      assert.equal(firstDiff(simd.data, ts.data), -1, `${channels}ch ${boundary}`);
    }
  }
});

Deno.test("SIMD u8 bilateral: tall images (staged source and output stripes, every boundary)", () => {
  // more rows than a stripe (32), a partial last stripe, and border rows the
  // boundary maps to the far end of the image (wrap) or back into it (reflect)
  for (let channels = 1; channels <= 4; channels++) {
    const img = seededLevels(19, 77, channels, 11 * channels, channels === 2 ? 3 : 0);
    for (const boundary of BOUNDARY_MODES) {
      for (const alpha of ["keep", "filter"] as const) {
        for (const [diameter, sigmaSpace] of [[7, 3], [0, 24]]) {
          // radius 36 (diameter 0): the window is taller than a stripe
          if (diameter === 0 && alpha === "filter" && boundary !== "wrap") continue;
          const options: BilateralOptions = {
            diameter,
            sigmaColor: 50,
            sigmaSpace,
            boundary,
            cval: 200,
            alpha,
            window: diameter === 0 ? "square" : "disk",
          };
          const before = bilateralSimdRuns();
          const simd = withSimd(true, () => bilateral(img, options));
          assert.equal(bilateralSimdRuns(), before + 1);
          const ts = withSimd(false, () => bilateral(img, options));
          const label = `${channels}ch ${boundary} ${alpha} d${diameter}`;
          assert.equal(firstDiff(simd.data, ts.data), -1, label);
        }
      }
    }
  }
});

Deno.test("SIMD u8 bilateral: the cv2.bilateralFilter reference cases on both paths", () => {
  for (const c of loadCases("cv2.bilateralFilter")) {
    const image = loadImage(c, "image");
    const opts: BilateralOptions = {
      diameter: Number(c.params.d),
      sigmaColor: Number(c.params.sigmaColor),
      sigmaSpace: Number(c.params.sigmaSpace),
    };
    const before = bilateralSimdRuns();
    const simd = withSimd(true, () => bilateral(image, opts));
    assert.equal(bilateralSimdRuns(), before + 1, c.id);
    const ts = withSimd(false, () => bilateral(image, opts));
    assert.equal(firstDiff(simd.data, ts.data), -1, c.id);
  }
});
