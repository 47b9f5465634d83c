// Property tests of the linear engines: every fast path (auto, separable,
// box, fft) against the direct reference on random images × every boundary
// mode × odd/even/non-square kernels × dtypes × output modes, and the seed
// properties — linearity, shift invariance (wrap), commutativity and
// associativity in full mode, separable == 2-D, impulse responses.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  applyFilter,
  BOUNDARY_MODES,
  type BoundaryMode,
  convolve,
  correlate,
  type DType,
  FilterError,
  Image,
  Kernel,
  type LinearMethod,
  type OutputMode,
  registry,
} from "../mod.ts";
import { randomImage } from "./_util.ts";

// A fixed seed keeps CI deterministic; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

const RUNS = 60;

/** A random image of a dtype with values in its range (f32: signed). */
function imageArb(maxSide = 12): fc.Arbitrary<Image> {
  return fc.record({
    w: fc.integer({ min: 1, max: maxSide }),
    h: fc.integer({ min: 1, max: maxSide }),
    ch: fc.integer({ min: 1, max: 4 }),
    dtype: fc.constantFrom<DType>("u8", "u16", "f32"),
    seed: fc.integer(),
  }).map(({ w, h, ch, dtype, seed }) => randomImage(w, h, ch, dtype, seed));
}

type KernelKind = "general" | "separable" | "constant" | "dyadic-separable";

/** Kernels of every shape (odd, even, non-square) and kind. */
const kernelArb: fc.Arbitrary<Kernel> = fc.record({
  kind: fc.constantFrom<KernelKind>("general", "separable", "constant", "dyadic-separable"),
  kw: fc.integer({ min: 1, max: 6 }),
  kh: fc.integer({ min: 1, max: 6 }),
  values: fc.array(fc.integer({ min: -16, max: 16 }), { minLength: 36, maxLength: 36 }),
  scale: fc.constantFrom(1, 1 / 8, 0.37),
}).map(({ kind, kw, kh, values, scale }) => {
  const data = new Float32Array(kw * kh);
  for (let j = 0; j < kh; j++) {
    for (let i = 0; i < kw; i++) {
      const v = kind === "general"
        ? values[j * kw + i] * scale
        : kind === "constant"
        ? values[0] * scale
        : kind === "separable"
        ? values[i] * values[6 + j] * scale
        : (values[i] / 8) * (values[6 + j] / 4);
      data[j * kw + i] = v;
    }
  }
  return new Kernel(kw, kh, data);
});

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

Deno.test("every fast engine equals the direct reference (all boundaries, modes, dtypes, shapes)", () => {
  let compared = 0;
  fc.assert(
    fc.property(
      imageArb(),
      kernelArb,
      fc.constantFrom(...BOUNDARY_MODES),
      fc.constantFrom<OutputMode>("same", "full", "valid"),
      fc.constantFrom<LinearMethod>("auto", "separable", "box", "fft"),
      fc.boolean(),
      fc.integer({ min: -3, max: 300 }),
      (image, kernel, boundary, mode, method, flip, cval) => {
        if (mode === "valid" && (kernel.width > image.width || kernel.height > image.height)) {
          return;
        }
        const fn = flip ? convolve : correlate;
        const base = { boundary, mode, cval, alpha: "filter" as const };
        const direct = fn(image, kernel, { ...base, method: "direct" });
        let fast: Image;
        try {
          fast = fn(image, kernel, { ...base, method });
        } catch (e) {
          // Only separable/box may refuse, and only with a clear INVALID_PARAM.
          assert.ok(e instanceof FilterError && e.code === "INVALID_PARAM");
          assert.ok(method === "separable" || method === "box");
          return;
        }
        compared++;
        assert.deepEqual(
          [fast.width, fast.height, fast.channels, fast.dtype],
          [direct.width, direct.height, direct.channels, direct.dtype],
        );
        if (image.dtype === "f32") {
          let k1 = 0;
          for (const v of kernel.data) k1 += Math.abs(v);
          const tol = 1e-6 * (k1 * Math.max(maxAbs(image.data), Math.abs(cval)) + 1);
          for (let i = 0; i < fast.data.length; i++) {
            assert.ok(
              Math.abs(fast.data[i] - direct.data[i]) <= tol,
              `${method} ${boundary} ${mode} at ${i}: ${fast.data[i]} vs ${direct.data[i]}`,
            );
          }
        } else {
          // Integer outputs: equal (round half to even, saturate), except that a
          // value within float64 rounding of a .5 tie may round the other way.
          // Dyadic kernels on integer images are exact in every engine, ties included.
          // "Within rounding" scales like the float tolerance above: the separable
          // factors of a float32 kernel are exact only to ~1e-7 of its weights.
          const exact = fn(image, kernel, { ...base, method: "direct", dtype: "f32" });
          const dyadic = kernel.data.every((v) => Number.isInteger(v * 64));
          let k1 = 0;
          for (const v of kernel.data) k1 += Math.abs(v);
          const tieTol = Math.max(
            2 ** -7,
            1e-6 * (k1 * Math.max(maxAbs(image.data), Math.abs(cval)) + 1),
          );
          for (let i = 0; i < fast.data.length; i++) {
            const d = Math.abs(fast.data[i] - direct.data[i]);
            if (d === 0) continue;
            const v = exact.data[i], nearTie = Math.abs(v - Math.floor(v) - 0.5) <= tieTol;
            assert.ok(
              d === 1 && nearTie && !dyadic,
              `${method} ${boundary} ${mode} at ${i}: ${fast.data[i]} vs ${direct.data[i]} (${v})`,
            );
          }
        }
      },
    ),
    { numRuns: 400 },
  );
  assert.ok(compared > 200, `${compared} comparisons`);
});

const f32Arb = (w: number, h: number) =>
  fc.integer().map((seed) => randomImage(w, h, 1, "f32", seed));

/** Equal within `rel` of the larger magnitude in `b` (float32 outputs). */
function close(a: Image, b: Image, rel: number, what: string): void {
  assert.deepEqual([a.width, a.height], [b.width, b.height], what);
  const tol = rel * Math.max(1, maxAbs(b.data));
  for (let i = 0; i < a.data.length; i++) {
    assert.ok(
      Math.abs(a.data[i] - b.data[i]) <= tol,
      `${what} at ${i}: ${a.data[i]} vs ${b.data[i]}`,
    );
  }
}

Deno.test("linearity: correlate(a·I + b·J) = a·correlate(I) + b·correlate(J), every engine", () => {
  fc.assert(
    fc.property(
      f32Arb(11, 9),
      f32Arb(11, 9),
      kernelArb,
      fc.constantFrom(...BOUNDARY_MODES),
      fc.constantFrom<LinearMethod>("auto", "direct", "fft"),
      fc.double({ min: -3, max: 3, noNaN: true }),
      fc.double({ min: -3, max: 3, noNaN: true }),
      (i1, i2, k, boundary, method, a, b) => {
        const mix = Image.zeros(11, 9, 1, "f32");
        for (let i = 0; i < mix.data.length; i++) mix.data[i] = a * i1.data[i] + b * i2.data[i];
        const o = { boundary, method };
        const lhs = correlate(mix, k, o);
        const r1 = correlate(i1, k, o), r2 = correlate(i2, k, o);
        const rhs = Image.zeros(11, 9, 1, "f32");
        for (let i = 0; i < rhs.data.length; i++) rhs.data[i] = a * r1.data[i] + b * r2.data[i];
        close(lhs, rhs, 1e-5, "linearity");
      },
    ),
    { numRuns: RUNS },
  );
});

Deno.test("shift invariance with wrap: filtering a rolled image rolls the result", () => {
  const roll = (img: Image, dx: number, dy: number) => {
    const out = Image.zeros(img.width, img.height, 1, "f32");
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const sx = (x - dx + img.width * 8) % img.width,
          sy = (y - dy + img.height * 8) % img.height;
        out.data[y * img.width + x] = img.data[sy * img.width + sx];
      }
    }
    return out;
  };
  fc.assert(
    fc.property(
      f32Arb(10, 7),
      kernelArb,
      fc.integer({ min: -12, max: 12 }),
      fc.integer({ min: -12, max: 12 }),
      fc.constantFrom<LinearMethod>("auto", "direct", "fft"),
      (img, k, dx, dy, method) => {
        const o = { boundary: "wrap", method } as const;
        const a = correlate(roll(img, dx, dy), k, o);
        const b = roll(correlate(img, k, o), dx, dy);
        close(a, b, 1e-6, "shift");
      },
    ),
    { numRuns: RUNS },
  );
});

/** A kernel as a single-channel f32 image. */
const asImage = (k: Kernel) => new Image(k.width, k.height, 1, Float32Array.from(k.data));

Deno.test("commutativity in full mode: I * M == M * I", () => {
  fc.assert(
    fc.property(kernelArb, kernelArb, fc.constantFrom<LinearMethod>("auto", "fft"), (a, b, m) => {
      const full = { mode: "full", boundary: "constant", method: m } as const;
      close(convolve(asImage(a), b, full), convolve(asImage(b), a, full), 1e-6, "commute");
    }),
    { numRuns: RUNS },
  );
});

Deno.test("associativity in full mode: (I * M1) * M2 == I * (M1 * M2) with Kernel.compose", () => {
  fc.assert(
    fc.property(
      f32Arb(9, 8),
      kernelArb,
      kernelArb,
      fc.constantFrom<LinearMethod>("auto", "direct", "fft"),
      (img, m1, m2, method) => {
        const full = { mode: "full", boundary: "constant", method } as const;
        const lhs = convolve(convolve(img, m1, full), m2, full);
        const rhs = convolve(img, m1.compose(m2), full);
        close(lhs, rhs, 1e-5, "associativity");
      },
    ),
    { numRuns: RUNS },
  );
});

Deno.test("separable == 2-D: row then column pass equals the outer-product kernel", () => {
  fc.assert(
    fc.property(
      f32Arb(12, 10),
      fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 1, maxLength: 7 }),
      fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 1, maxLength: 7 }),
      fc.constantFrom(...BOUNDARY_MODES),
      (img, col, row, boundary) => {
        const outer = Kernel.from(col.map((c) => row.map((r) => c * r)));
        // In full mode with zeros outside, two 1-D passes equal the 2-D kernel.
        const full = { mode: "full", boundary: "constant" } as const;
        const twoPass = convolve(convolve(img, [row], full), col.map((c) => [c]), full);
        close(twoPass, convolve(img, outer, { ...full, method: "direct" }), 1e-6, "2 passes");
        // And the separable engine equals the direct one in every boundary mode.
        if (outer.separate() !== undefined) {
          close(
            correlate(img, outer, { boundary, method: "separable" }),
            correlate(img, outer, { boundary, method: "direct" }),
            1e-6,
            "separable engine",
          );
        }
      },
    ),
    { numRuns: RUNS },
  );
});

/**
 * The convolution kernel (and its anchor) each built-in linear plugin
 * claims, for the impulse-response check.
 */
function expectedKernels(): Record<
  string,
  { params: Record<string, unknown>; kernel: number[][] }
> {
  const g1 = [0.25, 0.5, 0.25]; // OpenCV's table for size 3
  const outer = (c: number[], r: number[]) => c.map((a) => r.map((b) => a * b));
  const k = [[1, -2, 3], [0.5, 4, -1]];
  return {
    correlate: { params: { kernel: k }, kernel: [[-1, 4, 0.5], [3, -2, 1]] },
    convolve: { params: { kernel: k }, kernel: k },
    gaussian: { params: { size: [3, 3] }, kernel: outer(g1, g1) },
    box: { params: { size: [3, 1] }, kernel: [[1 / 3, 1 / 3, 1 / 3]] },
    laplacian: { params: {}, kernel: [[0, 1, 0], [1, -4, 1], [0, 1, 0]] },
    sharpen: { params: {}, kernel: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]] },
    emboss: { params: {}, kernel: [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]] },
    derivative: { params: {}, kernel: [[0.5, 0.5, 0.5], [0, 0, 0], [-0.5, -0.5, -0.5]] },
  };
}

Deno.test("the impulse response of every linear plugin is its kernel", async () => {
  const expected = expectedKernels();
  const linear = registry.list().filter((p) => p.linear && Object.hasOwn(expected, p.name));
  assert.ok(linear.length >= 8, linear.map((p) => p.name).join());
  for (const plugin of linear) {
    const { params, kernel } = expected[plugin.name];
    const kh = kernel.length, kw = kernel[0].length;
    const delta = Image.zeros(9, 8, 1, "f32");
    const x0 = 4, y0 = 3;
    delta.data[y0 * 9 + x0] = 1;
    const out = await applyFilter(plugin.name, delta, { ...params, boundary: "constant" });
    // Convolution: out[y0 + j − a.y][x0 + i − a.x] = K[j][i], a = floor((size − 1) / 2).
    const ax = (kw - 1) >> 1, ay = (kh - 1) >> 1;
    let mass = 0;
    for (let j = 0; j < kh; j++) {
      for (let i = 0; i < kw; i++) {
        const got = out.get(x0 + i - ax, y0 + j - ay);
        assert.ok(Math.abs(got - kernel[j][i]) < 1e-6, `${plugin.name} [${j}][${i}] ${got}`);
        mass += Math.abs(got);
      }
    }
    let total = 0;
    for (const v of out.data) total += Math.abs(v);
    assert.ok(Math.abs(total - mass) < 1e-6, `${plugin.name}: response outside the kernel`);
  }
});

Deno.test("method errors name the method and what is allowed", () => {
  const img = Image.zeros(5, 5, 1, "f32");
  assert.throws(
    () => correlate(img, [[1, 2], [3, 5]], { method: "separable" }),
    (e) => e instanceof FilterError && /separable/.test(e.message) && /rank-1/.test(e.message),
  );
  assert.throws(
    () => correlate(img, [[1, 2]], { method: "box" }),
    (e) => e instanceof FilterError && /constant kernel/.test(e.message),
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => correlate(img, [[1]], { method: "magic" as any }),
    (e) => e instanceof FilterError && e.code === "INVALID_PARAM" && /fft/.test(e.message),
  );
});

Deno.test("auto picks engines that agree with direct on a large kernel (FFT) and a wide box", () => {
  const img = randomImage(40, 33, 3, "u8", 7);
  const big = new Kernel(
    15,
    13,
    Float32Array.from({ length: 195 }, (_, i) => Math.fround(Math.sin(i) / 50)),
  );
  for (const boundary of ["reflect", "wrap", "constant"] as BoundaryMode[]) {
    const a = correlate(img, big, { boundary, cval: 17, dtype: "f32" });
    const d = correlate(img, big, { boundary, cval: 17, dtype: "f32", method: "direct" });
    close(a, d, 1e-6, `fft ${boundary}`);
    const box = Kernel.from(Array.from({ length: 9 }, () => Array(31).fill(1)));
    assert.deepEqual(
      correlate(img, box, { boundary, cval: 17, dtype: "u16" }).data,
      correlate(img, box, { boundary, cval: 17, dtype: "u16", method: "direct" }).data,
    );
  }
});
