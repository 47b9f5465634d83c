// gaussian: parameter rules (SciPy radius, OpenCV size/sigma rules, sigmaY),
// the fixed-point kernels, and the error of the O(1) recursive method.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BOUNDARY_MODES,
  correlate,
  FilterError,
  gaussian,
  gaussianWeights,
  Image,
  mapIndex,
  outerKernel,
} from "../mod.ts";
import { fixedPointKernel, opencvGaussianKernel } from "../filters/linear/gaussian_fixed.ts";

// A fixed seed keeps CI deterministic; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

function impulse(w: number, h: number): Image {
  const img = Image.zeros(w, h, 1, "f32");
  img.data[(h >> 1) * w + (w >> 1)] = 1;
  return img;
}

/** Non-zero extent of a row and a column through the centre. */
function support(img: Image): [number, number] {
  let sx = 0, sy = 0;
  for (let x = 0; x < img.width; x++) if (img.get(x, img.height >> 1) !== 0) sx++;
  for (let y = 0; y < img.height; y++) if (img.get(img.width >> 1, y) !== 0) sy++;
  return [sx, sy];
}

Deno.test("size absent: radius = floor(truncate·sigma + 0.5) per axis (scipy)", () => {
  const d = impulse(41, 41);
  assert.deepEqual(support(gaussian(d, { sigma: 2, boundary: "constant" })), [17, 17]);
  assert.deepEqual(support(gaussian(d, { sigma: 2, sigmaY: 0.7, boundary: "constant" })), [17, 7]);
  assert.deepEqual(
    support(gaussian(d, { sigma: 1.5, truncate: 2.4, boundary: "constant" })),
    [9, 9], // floor(3.6 + 0.5) = 4
  );
});

Deno.test("size given: OpenCV's ksize, [width, height]; sigma absent uses OpenCV's rule", () => {
  const d = impulse(21, 21);
  const out = gaussian(d, { size: [7, 3], boundary: "constant" });
  assert.deepEqual(support(out), [7, 3]);
  const expected = outerKernel(gaussianWeights(3), gaussianWeights(7));
  for (let j = 0; j < 3; j++) {
    for (let i = 0; i < 7; i++) {
      assert.ok(Math.abs(out.get(7 + i, 9 + j) - expected.get(i, j)) < 1e-7);
    }
  }
  // The size-9 table of OpenCV 4.x: [4 13 30 51 60 51 30 13 4] / 256.
  assert.deepEqual(Array.from(gaussianWeights(9), (v) => v * 256), [
    4,
    13,
    30,
    51,
    60,
    51,
    30,
    13,
    4,
  ]);
  // sigma absent and size absent: a clear error naming both.
  assert.throws(
    () => gaussian(d, {}),
    (e) =>
      e instanceof FilterError && e.code === "INVALID_PARAM" && /sigma/.test(e.message) &&
      /size/.test(e.message),
  );
  assert.throws(
    () => gaussian(d, { size: 4 }),
    (e) => e instanceof FilterError && /odd/.test(e.message),
  );
});

Deno.test("fixed-point kernels sum to 2^bits and are OpenCV's for the tables", () => {
  for (const n of [1, 3, 5, 7, 9, 11, 31, 61]) {
    for (const sigma of [0, 0.8, 2, 10]) {
      for (const bits of [8, 16]) {
        const k = fixedPointKernel(opencvGaussianKernel(n, sigma), bits);
        assert.equal(k.reduce((a, b) => a + b, 0), 2 ** bits);
        for (let i = 0; i < n; i++) assert.equal(k[i], k[n - 1 - i]);
      }
    }
  }
  assert.deepEqual(Array.from(fixedPointKernel(opencvGaussianKernel(5, 0), 8)), [
    16,
    64,
    96,
    64,
    16,
  ]);
});

Deno.test("u8 bit-exact path: flat images stay flat in every boundary mode", () => {
  const flat = Image.zeros(13, 9, 3, "u8");
  flat.data.fill(201);
  for (const boundary of BOUNDARY_MODES) {
    const out = gaussian(flat, { sigma: 3, boundary, cval: 201 });
    assert.ok(out.data.every((v) => v === 201), boundary);
  }
});

Deno.test("exact float path equals correlate with the outer-product kernel", () => {
  const img = Image.zeros(23, 19, 2, "f32");
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.sin(i * 0.7) * 50;
  for (const boundary of BOUNDARY_MODES) {
    const g = gaussian(img, { sigma: 1.3, sigmaY: 2.1, boundary, cval: 4 });
    const k = outerKernel(opencvGaussianKernel(17, 2.1), opencvGaussianKernel(11, 1.3));
    const c = correlate(img, k, { boundary, cval: 4, method: "direct", alpha: "keep" });
    for (let i = 0; i < g.data.length; i++) assert.ok(Math.abs(g.data[i] - c.data[i]) < 1e-4);
  }
});

Deno.test("fast method: within 1.2e-3 of the range of the exact Gaussian, any sigma, any boundary", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.5, max: 60, noNaN: true }),
      fc.double({ min: 0.5, max: 60, noNaN: true }),
      fc.constantFrom(...BOUNDARY_MODES),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer(),
      (sx, sy, boundary, w, h, seed) => {
        const img = Image.zeros(w, h, 1, "f32");
        let s = seed >>> 0 || 1;
        for (let i = 0; i < img.data.length; i++) {
          s = (s * 1103515245 + 12345) >>> 0;
          img.data[i] = (s >>> 16) % 256; // range R = 255
        }
        const options = { sigma: sx, sigmaY: sy, boundary, cval: 77, truncate: 8 };
        const exact = gaussian(img, { ...options, method: "float" });
        const fast = gaussian(img, { ...options, method: "fast" });
        for (let i = 0; i < exact.data.length; i++) {
          const e = Math.abs(exact.data[i] - fast.data[i]);
          assert.ok(e <= 1.2e-3 * 255, `sigma ${sx},${sy} ${boundary} at ${i}: ${e}`);
        }
      },
    ),
    { numRuns: 80 },
  );
});

Deno.test("fast method: impulse response L1 distance per axis below 1.2e-3 from sigma 0.5 to 100", () => {
  for (const sigma of [0.5, 1, 2, 3.7, 10, 33, 100]) {
    const n = Math.ceil(sigma * 14) * 2 + 1;
    const d = Image.zeros(n, 1, 1, "f32");
    d.data[n >> 1] = 1;
    const opts = { sigma, sigmaY: 1e-9, truncate: 7, boundary: "constant" } as const;
    const fast = gaussian(d, { ...opts, method: "fast" });
    const exact = gaussian(d, { ...opts, method: "float" });
    let l1 = 0, sum = 0;
    for (let i = 0; i < n; i++) {
      l1 += Math.abs(fast.data[i] - exact.data[i]);
      sum += fast.data[i];
    }
    assert.ok(l1 < 1.2e-3, `sigma ${sigma}: L1 ${l1}`);
    assert.ok(Math.abs(sum - 1) < 1e-5, `sigma ${sigma}: DC gain ${sum}`);
  }
});

Deno.test("fast method: column blocks, the in-place f32 intermediate and integer outputs agree, every boundary", () => {
  // 300 columns: two full 128-column blocks of the vertical pass and a partial one; 2 channels.
  const w = 300, h = 45, ch = 2;
  const img = Image.zeros(w, h, ch, "f32");
  let s = 12345;
  for (let i = 0; i < img.data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    img.data[i] = (s >>> 16) % 256; // range R = 255
  }
  const img8 = img.toDtype("u8");
  const geometries: Record<string, unknown>[] = [
    { sigma: 1.5, sigmaY: 2.5 },
    { sigma: 9, sigmaY: 0.6 },
    { sigma: 40, sigmaY: 30 },
    { sigma: 2, size: [1, 31] }, // no horizontal pass: the vertical one reads the input
    { sigma: 2, size: [31, 1] }, // no vertical pass: the horizontal one writes the output
  ];
  for (const boundary of BOUNDARY_MODES) {
    for (const g of geometries) {
      const opts = { ...g, boundary, cval: 77, truncate: 8 };
      const what = `${JSON.stringify(g)} ${boundary}`;
      const exact = gaussian(img, { ...opts, method: "float" }).data;
      const f32 = gaussian(img, { ...opts, method: "fast" }).data;
      // The intermediate lives in the f32 output; the u8/u16 outputs use a separate
      // float32 channel holding the same values, so they are f32 rounded (±0.5).
      const u8 = gaussian(img, { ...opts, method: "fast", dtype: "u8" }).data;
      const u16 = gaussian(img, { ...opts, method: "fast", dtype: "u16" }).data;
      const from8 = gaussian(img8, { ...opts, method: "fast", dtype: "f32" }).data;
      for (let i = 0; i < exact.length; i++) {
        const e = Math.abs(f32[i] - exact[i]);
        assert.ok(e <= 1.2e-3 * 255, `${what} at ${i}: ${e}`);
        assert.ok(Math.abs(u8[i] - Math.min(255, Math.max(0, f32[i]))) <= 0.5 + 1e-4, what);
        assert.ok(Math.abs(u16[i] - Math.max(0, f32[i])) <= 0.5 + 1e-4, what);
        assert.equal(from8[i], f32[i], what);
      }
    }
  }
});

Deno.test("u8 fixed point equals the integer formula (Σ fy·fx·p + 2^15) >> 16, any size and border", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 23 }),
      fc.integer({ min: 1, max: 17 }),
      fc.constantFrom(1, 3, 5, 7, 9, 11, 15),
      fc.constantFrom(1, 3, 5, 9, 13),
      fc.double({ min: 0, max: 4, noNaN: true }),
      fc.constantFrom(...BOUNDARY_MODES),
      fc.integer({ min: 0, max: 255 }),
      fc.integer(),
      (w, h, sizeX, sizeY, sigma, boundary, cval, seed) => {
        const img = Image.zeros(w, h, 1, "u8");
        let s = seed >>> 0 || 1;
        for (let i = 0; i < img.data.length; i++) {
          s = (s * 1103515245 + 12345) >>> 0;
          img.data[i] = s >>> 24;
        }
        const out = gaussian(img, { size: [sizeX, sizeY], sigma, boundary, cval });
        const fx = fixedPointKernel(opencvGaussianKernel(sizeX, sigma), 8);
        const fy = fixedPointKernel(opencvGaussianKernel(sizeY, sigma), 8);
        const at = (x: number, y: number) => {
          const sx = mapIndex(x, w, boundary), sy = mapIndex(y, h, boundary);
          return sx < 0 || sy < 0 ? cval : img.data[sy * w + sx];
        };
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            let sum = 0;
            for (let j = 0; j < sizeY; j++) {
              for (let i = 0; i < sizeX; i++) {
                sum += fy[j] * fx[i] * at(x + i - (sizeX >> 1), y + j - (sizeY >> 1));
              }
            }
            assert.equal(out.data[y * w + x], Math.min(255, (sum + 32768) >> 16), `${x},${y}`);
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});
