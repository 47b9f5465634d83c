// Striped multi-threaded runs give exactly the single-threaded result.

import assert from "node:assert/strict";
import { applyParallel, BOUNDARY_MODES, closeParallel, registry } from "../mod.ts";
import { syntheticImage } from "../testing.ts";
import { simdEnabled } from "../engines/simd.ts";

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

Deno.test("registry.run with rows: those rows of the full output, written into `into` by the u8 kernels", async () => {
  const cases: [string, Record<string, unknown>][] = [
    ...CASES,
    ["median", { size: 3 }],
    ["median", { size: 31 }], // constant-time
    ["gaussian", { sigma: 3, boundary: "constant", cval: 7 }],
  ];
  let honoured = 0;
  for (const [name, params] of cases) {
    for (const channels of [1, 4]) {
      const img = syntheticImage(29, 41, channels, "u8", 3);
      const want = (await registry.run(name, img, params)).image!;
      const n = img.width * channels;
      for (const [from, to] of [[0, 41], [0, 1], [7, 20], [13, 41], [40, 41]]) {
        const into = new Uint8Array((to - from) * n);
        const got = (await registry.run(name, img, params, { rows: { from, to, into } })).image!;
        const expect = want.data.subarray(from * n, to * n);
        if (got.height === want.height) assert.deepEqual(got.data, want.data, name);
        else {
          assert.equal(got.height, to - from, `${name} ${from}..${to}`);
          assert.deepEqual(got.data, expect, `${name} ${channels} ${from}..${to}`);
        }
        if (got.data === into) honoured++;
      }
    }
  }
  // With SIMD, the u8 Gaussian (2 cases) and median kernels (3×3, 5×5, 3×7, 31×31) write
  // into `into` for every range; NL-means (2 cases) runs in bands and does for every range
  // but the whole image.
  const expected = (simdEnabled() ? 6 * 2 * 5 : 0) + 2 * 2 * 4;
  assert.equal(honoured, expected, `${honoured} runs wrote into the caller's rows`);

  const img = syntheticImage(8, 8, 1, "u8", 1);
  for (
    const rows of [{ from: 3, to: 3 }, { from: -1, to: 2 }, { from: 0, to: 9 }, {
      from: 0.5,
      to: 2,
    }]
  ) {
    await assert.rejects(
      () => registry.run("gaussian", img, { sigma: 1 }, { rows }),
      /output rows .* give integers 0 ≤ from < to ≤ height/,
    );
  }
});

Deno.test("applyParallel reports the filter's progress from the calling thread's stripe, threaded or not", async () => {
  try {
    const img = syntheticImage(64, 80, 1, "u8", 3);
    const params = { h: 10, patchSize: 3, searchSize: 9 };
    const want = await registry.run("nl-means", img, params);
    for (const threads of [1, 2]) {
      const seen: number[] = [];
      const got = await applyParallel("nl-means", img, params, {
        threads,
        minPixels: 0,
        progress: (f) => seen.push(f),
      });
      assert.deepEqual(got.image!.data, want.image!.data);
      assert.ok(seen.length > 2, `threads ${threads}: ${seen.length} reports`);
      assert.ok(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1])));
      assert.ok(seen.at(-1)! > 0.9, `threads ${threads}: ends at ${seen.at(-1)}`);
    }
  } finally {
    closeParallel();
  }
});
