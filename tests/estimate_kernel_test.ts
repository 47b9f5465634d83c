import assert from "node:assert/strict";
import { cameraPhoto } from "./_util.ts";
import { seededRandom } from "../testing.ts";
import fc from "fast-check";
import { Image } from "../core/image.ts";
import { conditionSPD, solveQP } from "../engines/linalg.ts";
import type { Kernel } from "../core/kernel.ts";
import { runSync } from "../core/registry.ts";
import { convolve } from "../filters/linear/convolve.ts";
import { estimateKernel, estimateKernelPlugin } from "../filters/estimate_kernel.ts";
import { compareTolerance, loadCases, loadImage, loadRows } from "./_reference.ts";

// A fixed seed keeps CI deterministic; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

function normalised(rows: number[][]): number[][] {
  const t = rows.flat().reduce((a, b) => a + b, 0);
  return rows.map((r) => r.map((v) => v / t));
}

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
// A 9x9 motion line at about 27 degrees (slope 1/2 through the centre).
const motion9 = normalised(
  Array.from(
    { length: 9 },
    (_, j) => Array.from({ length: 9 }, (_, i) => (Math.abs(j - 4 - 0.5 * (i - 4)) < 0.5 ? 1 : 0)),
  ),
);
const rnd = seededRandom(3);
const asym5x7 = normalised(Array.from({ length: 5 }, () => Array.from({ length: 7 }, rnd)));
const KERNELS: [string, number[][]][] = [
  ["gaussian 7x7", gauss7],
  ["motion 9x9", motion9],
  ["asymmetric 7x5", asym5x7],
];

function relError(got: Kernel, want: number[][]): number {
  const w = want.flat();
  assert.equal(got.data.length, w.length);
  let e = 0, n = 0;
  for (let i = 0; i < w.length; i++) {
    e += (got.data[i] - w[i]) ** 2;
    n += w[i] ** 2;
  }
  return Math.sqrt(e / n);
}

Deno.test("lsq recovers the kernel_estimation reference kernels (scipy convolve2d valid)", () => {
  const cases = loadCases("kernel_estimation");
  assert.ok(cases.length >= 2);
  for (const c of cases) {
    const { kernel, residual, condition } = estimateKernel(
      loadImage(c, "sharp"),
      loadImage(c, "blurred"),
      { mode: "valid" },
    );
    const want = loadRows(c, "kernel");
    const err = compareTolerance(kernel.data, want.flat(), c.tolerance);
    assert.equal(err, undefined, `${c.id}: ${err}`);
    assert.ok(relError(kernel, want) < 1e-4, c.id);
    assert.ok(residual < 1e-6 && condition > 1 && condition < 1e8, c.id);
  }
});

Deno.test("lsq is exact on noise-free float data: valid and same/reflect, relative error < 1e-4", async () => {
  const sharp = (await cameraPhoto()).crop(180, 150, 96, 96).toFloat32();
  for (const [name, k] of KERNELS) {
    for (const mode of ["valid", "same"] as const) {
      const blurred = convolve(sharp, k, { mode, boundary: "reflect" });
      const size: [number, number] = [k[0].length, k.length];
      const r = estimateKernel(sharp, blurred, { mode, size, boundary: "reflect" });
      const e = relError(r.kernel, k);
      assert.ok(e < 1e-4, `${name} ${mode}: ${e}`);
      // And the estimate reproduces the blurred image.
      const again = convolve(sharp, r.kernel, { mode, boundary: "reflect" });
      let d = 0;
      for (let i = 0; i < again.data.length; i++) {
        d = Math.max(d, Math.abs(again.data[i] - blurred.data[i]));
      }
      assert.ok(d < 1e-3, `${name} ${mode} reproduction ${d}`);
    }
  }
});

Deno.test("8-bit quantised blur: lsq with nonNegative + normalize < 3%, fourier < 10%", async () => {
  const sharp = (await cameraPhoto()).crop(120, 100, 160, 160).toFloat32();
  for (const [name, k] of KERNELS) {
    for (const mode of ["valid", "same"] as const) {
      const blurred = convolve(sharp, k, { mode, boundary: "reflect" }).toDtype("u8");
      const size: [number, number] = [k[0].length, k.length];
      const opts = { mode, size, nonNegative: true, normalize: true };
      const lsq = estimateKernel(sharp, blurred, opts);
      const e = relError(lsq.kernel, k);
      assert.ok(e < 0.03, `${name} ${mode} lsq: ${e}`);
      assert.ok(lsq.kernel.data.every((v) => v >= 0), `${name} ${mode} non-negative`);
      assert.ok(Math.abs(lsq.kernel.sum() - 1) < 1e-5, `${name} ${mode} sum ${lsq.kernel.sum()}`);
      // Quantisation noise of 1/sqrt(12) grey levels is about what remains.
      assert.ok(lsq.residual < 0.45, `${name} ${mode} residual ${lsq.residual}`);
      const f = estimateKernel(sharp, blurred, { ...opts, method: "fourier" });
      const ef = relError(f.kernel, k);
      assert.ok(ef < 0.1, `${name} ${mode} fourier: ${ef}`);
      assert.ok(ef > e, `${name} ${mode}: lsq (${e}) should beat fourier (${ef})`);
    }
  }
});

Deno.test("multi-channel pairs share one kernel; full mode works with zero padding", () => {
  const r = seededRandom(9);
  const sharp = Image.zeros(30, 26, 3, "f32");
  for (let i = 0; i < sharp.data.length; i++) sharp.data[i] = r();
  const k = [[0.1, 0.2, 0], [0.3, 0.1, 0.05], [0, 0.15, 0.1]];
  const valid = convolve(sharp, k, { mode: "valid" });
  assert.ok(relError(estimateKernel(sharp, valid).kernel, k) < 1e-5);
  const full = convolve(sharp, k, { mode: "full", boundary: "constant" });
  const est = estimateKernel(sharp, full);
  assert.equal(est.kernel.width, 3);
  assert.ok(relError(est.kernel, k) < 1e-5);
});

Deno.test("even-sized kernels in same mode follow convolve's anchor", () => {
  const r = seededRandom(21);
  const sharp = Image.zeros(40, 36, 1, "f32");
  for (let i = 0; i < sharp.data.length; i++) sharp.data[i] = r();
  const k = [[0.3, -0.1, 0.2, 0.05], [0.1, 0.4, 0, 0.2]];
  for (const boundary of ["reflect", "symmetric", "wrap", "constant", "replicate"]) {
    const b = convolve(sharp, k, { boundary });
    const est = estimateKernel(sharp, b, { size: [4, 2], boundary });
    assert.ok(relError(est.kernel, k) < 1e-5, boundary);
  }
});

Deno.test("condition reports when the pair cannot determine the kernel; lambda tames it", () => {
  // A vertical ramp: every row is constant, so horizontal structure is undetermined.
  const sharp = Image.zeros(32, 32, 1, "f32");
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) sharp.data[y * 32 + x] = y;
  const b = convolve(sharp, gauss7.slice(2, 5).map((r) => r.slice(2, 5)), { mode: "valid" });
  const bad = estimateKernel(sharp, b, { size: 3, mode: "valid" });
  assert.ok(bad.condition > 1e8, `condition ${bad.condition}`);
  const ridge = estimateKernel(sharp, b, { size: 3, mode: "valid", lambda: 1e-3 });
  assert.ok(Number.isFinite(ridge.condition) && ridge.condition < bad.condition);
  assert.ok(ridge.kernel.data.every(Number.isFinite));
});

Deno.test("the plugin outputs the kernel as a float32 image and rows, residual, condition", () => {
  const r = seededRandom(4);
  const sharp = Image.zeros(20, 20, 1, "u8");
  for (let i = 0; i < sharp.data.length; i++) sharp.data[i] = (r() * 255) | 0;
  const k = [[1, 2, 1], [0, 0, 0], [-1, -2, -1]];
  const blurred = convolve(sharp, k, { mode: "valid", dtype: "f32" });
  const out = runSync(estimateKernelPlugin, sharp, { blurred: blurred });
  assert.equal(out.image!.dtype, "f32");
  assert.deepEqual([out.image!.width, out.image!.height], [3, 3]);
  const d = out.data as { kernel: number[][]; residual: number; condition: number };
  assert.deepEqual(d.kernel.map((row) => row.map((v) => Math.round(v * 1e4) / 1e4 + 0)), k);
  assert.ok(d.residual < 1e-6 && d.condition >= 1);
});

Deno.test("inconsistent sizes and a missing size in same mode are clear errors", () => {
  const a = Image.zeros(20, 20, 1, "f32"), b = Image.zeros(17, 15, 1, "f32");
  assert.throws(() => estimateKernel(a, a), { code: "SIZE_MISMATCH" });
  assert.throws(() => estimateKernel(a, b, { size: 3, mode: "valid" }), { code: "SIZE_MISMATCH" });
  assert.throws(() => estimateKernel(a, Image.zeros(20, 20, 3, "f32"), { size: 3 }), {
    code: "SIZE_MISMATCH",
  });
  assert.throws(() => estimateKernel(a, a, { size: 3, lambda: -1 }), { code: "INVALID_PARAM" });
});

Deno.test("solveQP satisfies the KKT conditions for NNLS with and without a sum (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.integer(),
      fc.boolean(),
      (n, seed, withSum) => {
        const r0 = seededRandom(seed);
        // G = AᵀA + 0.1·I with A random 12×n, r random.
        const A = Array.from({ length: 12 * n }, () => r0() - 0.5);
        const G = new Float64Array(n * n), r = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          r[i] = r0() - 0.4;
          for (let j = 0; j < n; j++) {
            let v = i === j ? 0.1 : 0;
            for (let k = 0; k < 12; k++) v += A[k * n + i] * A[k * n + j];
            G[i * n + j] = v;
          }
        }
        const x = solveQP(G, r, n, { nonNegative: true, sumTo: withSum ? 1 : undefined })!;
        const g = Array.from({ length: n }, (_, i) => {
          let v = -r[i];
          for (let j = 0; j < n; j++) v += G[i * n + j] * x[j];
          return v;
        });
        const active = [...x.keys()].filter((i) => x[i] > 1e-12);
        const mu = withSum && active.length ? -g[active[0]] : 0;
        const sum = x.reduce((a, b) => a + b, 0);
        return x.every((v) => v >= 0) &&
          (!withSum || Math.abs(sum - 1) < 1e-9) &&
          active.every((i) => Math.abs(g[i] + mu) < 1e-8) &&
          g.every((v, i) => x[i] > 1e-12 || v + mu > -1e-8);
      },
    ),
    { numRuns: 200 },
  );
  assert.ok(Math.abs(conditionSPD(Float64Array.from([4, 0, 0, 0, 1, 0, 0, 0, 0.5]), 3) - 8) < 1e-6);
  assert.equal(conditionSPD(Float64Array.from([1, 1, 1, 1]), 2), Infinity);
});
