// Striped multi-threaded runs give exactly the single-threaded result.

import assert from "node:assert/strict";
import { applyParallel, BOUNDARY_MODES, closeParallel, registry } from "../mod.ts";
import { syntheticImage } from "../testing.ts";

const CASES: [string, Record<string, unknown>][] = [
  ["gaussian", { sigma: 2 }],
  ["gaussian", { sigma: 1.2, sigmaY: 3, method: "float" }],
  ["box", { size: [7, 5] }],
  ["correlate", { kernel: "1,2,0;-1,3,1;0,0,2" }],
  ["convolve", { kernel: "1,2,3,4" }],
  ["sobel", { output: "magnitude", dtype: "f32" }],
  ["median", { size: 5 }],
  ["median", { size: [3, 7] }],
  ["median", { footprint: "0,1,0;1,1,1;0,1,0;0,1,0" }],
  ["bilateral", { diameter: 7, sigmaColor: 30, sigmaSpace: 3 }],
  ["bilateral", { diameter: 5, sigmaColor: 40, sigmaSpace: 2, window: "square" }],
  ["nl-means", { h: 12, patchSize: 3, searchSize: 7, color: "joint" }],
  ["nl-means", { h: 0.2, patchSize: 5, searchSize: 9, compat: "skimage" }],
];

Deno.test("applyParallel equals registry.run exactly, for every boundary, dtype and thread count", async () => {
  try {
    for (const [name, params] of CASES) {
      for (const dtype of ["u8", "u16", "f32"] as const) {
        const bounded = "boundary" in registry.get(name).params;
        for (const boundary of bounded ? BOUNDARY_MODES : ["(none)"]) {
          const img = syntheticImage(37, 61, dtype === "u16" ? 1 : 3, dtype, 5);
          const p = bounded ? { ...params, boundary, cval: 3 } : params;
          const want = await registry.run(name, img, p);
          for (const threads of [2, 3]) {
            const got = await applyParallel(name, img, p, { threads, minPixels: 0 });
            assert.deepEqual(
              got.image!.data,
              want.image!.data,
              `${name} ${dtype} ${boundary} ${threads}`,
            );
          }
        }
      }
    }
  } finally {
    closeParallel();
  }
});

Deno.test("applyParallel falls back to one thread where stripes would differ, with the same result", async () => {
  try {
    const img = syntheticImage(40, 40, 1, "f32", 2);
    const big = Array.from(
      { length: 9 },
      (_, y) => Array.from({ length: 9 }, (_, x) => ((x + 2 * y) % 5) - 2),
    );
    for (
      const [name, params] of [
        ["correlate", { kernel: big }], // FFT engine
        ["gaussian", { sigma: 3, method: "fast" }], // recursive
        ["box", { size: 5 }], // float running sums
        ["bilateral", { diameter: 31, sigmaColor: 30, sigmaSpace: 8, method: "fast" }], // grid
      ] as [string, Record<string, unknown>][]
    ) {
      const want = await registry.run(name, img, params);
      const got = await applyParallel(name, img, params, { threads: 2, minPixels: 0 });
      assert.deepEqual(got.image!.data, want.image!.data, name);
    }
    await assert.rejects(
      () => applyParallel("gaussian", img, { sigma: 1 }, { threads: 0 }),
      /threads must be an integer/,
    );
  } finally {
    closeParallel();
  }
});

Deno.test("applyParallel: NL-means on colour u8 (Lab, OpenCV's default) and median 21 equal one thread", async () => {
  try {
    const img = syntheticImage(45, 70, 3, "u8", 9);
    for (
      const [name, params] of [
        ["nl-means", { h: 10, patchSize: 5, searchSize: 11 }],
        ["median", { size: 21 }], // the histogram path
        ["median", { size: 31 }], // the constant-time path
      ] as [string, Record<string, unknown>][]
    ) {
      const want = await registry.run(name, img, params);
      for (const threads of [2, 4]) {
        const got = await applyParallel(name, img, params, { threads, minPixels: 0 });
        assert.deepEqual(got.image!.data, want.image!.data, `${name} ${threads}`);
      }
    }
  } finally {
    closeParallel();
  }
});

Deno.test("applyParallel: concurrent calls share the workers and still equal one thread each", async () => {
  try {
    const images = [1, 2, 3, 4].map((seed) =>
      syntheticImage(33 + seed, 40, seed % 2 ? 1 : 3, "u8", seed)
    );
    const params = { sigma: 1.5 };
    const got = await Promise.all(
      images.map((img) => applyParallel("gaussian", img, params, { threads: 2, minPixels: 0 })),
    );
    for (let i = 0; i < images.length; i++) {
      const want = await registry.run("gaussian", images[i], params);
      assert.deepEqual(got[i].image!.data, want.image!.data, `image ${i}`);
      // Workers wrote their rows straight into the shared result.
      assert.ok(got[i].image!.data.buffer instanceof SharedArrayBuffer);
    }
  } finally {
    closeParallel();
  }
});
