// The WebAssembly SIMD correlation engine (method "simd", and "auto" for
// u8/u16 images) against the float64 direct reference: random images ×
// every boundary mode (with cval) × odd/even/non-square kernels × anchors ×
// same/full/valid × 1–4 channels × widths 1..37 (the 16-sample block tails).
// Integer outputs may differ by one step, and only where the float64 value
// lies within the documented bound of a .5 tie; float outputs stay within
// the bound. 3×3 kernels run the kernel's unrolled loop (checked: it ran,
// and it gives the general loop's bytes).

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BOUNDARY_MODES,
  type BoundaryMode,
  convolve,
  correlate,
  type DType,
  type Image,
  Kernel,
  type LinearOptions,
  type OutputMode,
  roundHalfEven,
  SIMD_MAX_TAPS,
} from "../mod.ts";
import { randomImage } from "./_util.ts";
import { correlatePlaneDirect, correlationGeometry } from "../filters/linear/direct.ts";
import {
  simdCorrelateAvailable,
  simdCorrelateLoops,
  simdCorrelateVariant,
  simdCorrelationBound,
  withSimdCorrelateUnrolled,
  withSimdCorrelateVariant,
} from "../filters/linear/correlate_simd.ts";
import { withSimd } from "../engines/simd.ts";

// A fixed seed keeps CI deterministic; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

/** Runs `fn` on the SIMD path (even under IMFILTER_SIMD=0) with the given build. */
function onSimd<T>(variant: "fma" | "plain", fn: () => T): T {
  return withSimd(true, () => withSimdCorrelateVariant(variant, fn));
}

/** Kernels 1..7 × 1..7 (3×3 a third of the time) with real weights (some negative, some zero). */
const kernelArb: fc.Arbitrary<Kernel> = fc.record({
  kw: fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant(3)),
  kh: fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant(3)),
  values: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 49, maxLength: 49 }),
  zeros: fc.boolean(),
}).map(({ kw, kh, values, zeros }) => {
  const data = new Float32Array(kw * kh);
  for (let i = 0; i < data.length; i++) data[i] = zeros && i % 3 === 1 ? 0 : values[i];
  return new Kernel(kw, kh, data);
});

interface Case {
  image: Image;
  kernel: Kernel;
  boundary: BoundaryMode;
  cval: number;
  mode: OutputMode;
  anchor?: [number, number];
  flip: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  w: fc.integer({ min: 1, max: 37 }),
  h: fc.integer({ min: 1, max: 9 }),
  ch: fc.integer({ min: 1, max: 4 }),
  dtype: fc.constantFrom<DType>("u8", "u16", "f32"),
  seed: fc.integer(),
  kernel: kernelArb,
  boundary: fc.constantFrom(...BOUNDARY_MODES),
  cval: fc.constantFrom(0, 7, -3.25, 300),
  mode: fc.constantFrom<OutputMode>("same", "full", "valid"),
  anchor: fc.option(fc.tuple(fc.nat(), fc.nat()), { nil: undefined }),
  flip: fc.boolean(),
}).map((c) => {
  const k = c.kernel;
  const mode = c.mode === "valid" && (k.width > c.w || k.height > c.h) ? "same" : c.mode;
  const anchor: [number, number] | undefined = c.anchor &&
    [c.anchor[0] % k.width, c.anchor[1] % k.height];
  return {
    image: randomImage(c.w, c.h, c.ch, c.dtype, c.seed),
    kernel: k,
    boundary: c.boundary,
    cval: c.cval,
    mode,
    anchor,
    flip: c.flip,
  };
});

/** The float64 reference, channel by channel (interleaved like the image). */
function reference(c: Case, outW: number, outH: number): Float64Array {
  const { image, flip } = c;
  const { width: w, height: h, channels: ch } = image;
  const base = c.anchor ? c.kernel.withAnchor({ x: c.anchor[0], y: c.anchor[1] }) : c.kernel;
  const kw = base.width, kh = base.height;
  let kernel = base, anchor = base.anchor ?? { x: kw >> 1, y: kh >> 1 };
  if (flip) {
    kernel = base.withAnchor(base.anchor ?? { x: (kw - 1) >> 1, y: (kh - 1) >> 1 }).flip();
    anchor = kernel.anchor!;
  }
  const g = correlationGeometry(w, h, kw, kh, c.mode, anchor);
  assert.equal(g.width, outW);
  assert.equal(g.height, outH);
  const out = new Float64Array(outW * outH * ch);
  for (let k = 0; k < ch; k++) {
    const plane = new Float64Array(w * h);
    for (let i = 0; i < w * h; i++) plane[i] = image.data[i * ch + k];
    const r = correlatePlaneDirect(plane, w, h, kernel, g, c.boundary, c.cval);
    for (let i = 0; i < r.length; i++) out[i * ch + k] = r[i];
  }
  return out;
}

/** The documented error bound for a case. */
function bound(c: Case): number {
  let k1 = 0, peak = Math.abs(c.cval);
  for (const v of c.kernel.data) k1 += Math.abs(v);
  for (const v of c.image.data) peak = Math.max(peak, Math.abs(v));
  return simdCorrelationBound(c.kernel.width * c.kernel.height, k1 * peak);
}

function run(c: Case, options: LinearOptions): Image {
  const opts: LinearOptions = {
    boundary: c.boundary,
    cval: c.cval,
    mode: c.mode,
    alpha: "filter",
    ...(c.anchor ? { anchor: c.anchor } : {}),
    ...options,
  };
  return c.flip ? convolve(c.image, c.kernel, opts) : correlate(c.image, c.kernel, opts);
}

/** Rounds half to even and saturates to `[0, max]`, as integer outputs do. */
function toInt(v: number, max: number): number {
  return Math.min(max, Math.max(0, roundHalfEven(v)));
}

/**
 * Asserts each integer sample of `got` is the rounding of some value within
 * `b` of the float64 `exact` — so it equals the rounded exact value unless a
 * .5 tie lies within `b` — and, while `b < 1/2`, at most one step off.
 */
function checkInteger(got: ArrayLike<number>, exact: Float64Array, max: number, b: number): void {
  for (let i = 0; i < exact.length; i++) {
    const e = exact[i], want = toInt(e, max);
    if (got[i] === want) continue;
    const ok = got[i] >= toInt(e - b, max) && got[i] <= toInt(e + b, max) &&
      (b >= 0.5 || Math.abs(got[i] - want) <= 1);
    assert.ok(ok, `sample ${i}: ${got[i]} vs ${want} (exact ${e}, bound ${b})`);
  }
}

Deno.test("simd: the engine is available in Deno, relaxed SIMD included (so these tests exercise both builds)", () =>
  onSimd("fma", () => {
    assert.equal(simdCorrelateAvailable(), true);
    assert.equal(simdCorrelateVariant(), "fma");
  }));

Deno.test("simd: correlate_fma.wat is correlate.wat with each multiply-add fused", async () => {
  const dir = new URL("../filters/linear/", import.meta.url);
  const body = (text: string) => text.slice(text.indexOf("(module"));
  const plain = body(await Deno.readTextFile(new URL("correlate.wat", dir)));
  const fma = body(await Deno.readTextFile(new URL("correlate_fma.wat", dir)));
  const fused = plain.replace(
    /\(f32x4\.add \(local\.get (\$a\d)\) \(f32x4\.mul \(local\.get (\$d\d)\) \(local\.get (\$w\w+)\)\)\)/g,
    "(f32x4.relaxed_madd (local.get $2) (local.get $3) (local.get $1))",
  );
  assert.ok(fused.includes("relaxed_madd"));
  assert.equal(fma, fused);
});

for (const variant of ["fma", "plain"] as const) {
  Deno.test(`simd (${variant}): integer outputs equal the float64 reference, one step off only next to a tie`, () =>
    onSimd(variant, () => {
      assert.equal(simdCorrelateVariant(), variant);
      const unrolled = simdCorrelateLoops["3x3"], general = simdCorrelateLoops.general;
      fc.assert(
        fc.property(caseArb, (c) => {
          if (c.image.dtype === "f32") return;
          const out = run(c, { method: "simd" });
          const exact = reference(c, out.width, out.height);
          checkInteger(out.data, exact, c.image.dtype === "u8" ? 255 : 65535, bound(c));
          // auto takes the same engine for integer images and outputs (small kernels).
          assert.deepEqual(run(c, { method: "auto" }).data, out.data);
        }),
        { numRuns: 300 },
      );
      // Both loops of the kernel ran: the unrolled 3×3 one and the general one.
      assert.ok(simdCorrelateLoops["3x3"] > unrolled + 20, "the unrolled 3x3 loop ran");
      assert.ok(simdCorrelateLoops.general > general + 20, "the general loop ran");
    }));

  Deno.test(`simd (${variant}): the unrolled 3×3 loop gives the general loop's bits (every dtype, boundary, mode, channel count)`, () =>
    onSimd(variant, () => {
      fc.assert(
        fc.property(caseArb, kernelArb, fc.boolean(), (c, k, f32) => {
          const kernel = new Kernel(
            3,
            3,
            Float32Array.from({ length: 9 }, (_, i) => k.data[i % k.data.length] + i / 16),
          );
          const small = c.image.width < 3 || c.image.height < 3;
          const d: Case = {
            ...c,
            kernel,
            mode: c.mode === "valid" && small ? "same" : c.mode,
            anchor: c.anchor && [c.anchor[0] % 3, c.anchor[1] % 3],
          };
          const opts: LinearOptions = { method: "simd", ...(f32 ? { dtype: "f32" as const } : {}) };
          const before = simdCorrelateLoops["3x3"];
          const unrolled = run(d, opts);
          assert.equal(simdCorrelateLoops["3x3"], before + 1);
          const generalBefore = simdCorrelateLoops.general;
          const general = withSimdCorrelateUnrolled(false, () => run(d, opts));
          assert.equal(simdCorrelateLoops.general, generalBefore + 1);
          const bytes = (a: Image) =>
            new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
          assert.deepEqual(bytes(unrolled), bytes(general));
        }),
        { numRuns: 200 },
      );
    }));

  Deno.test(`simd (${variant}): integer outputs saturate at 0 and the maximum for exact sums far outside the range`, () =>
    onSimd(variant, () => {
      // Weights k · 2^e: every partial sum is exact in float32, so SIMD must give the direct bytes.
      const scales = [1, 2 ** 10, 2 ** 14, 2 ** 16, 2 ** 22, 2 ** 40];
      fc.assert(
        fc.property(
          caseArb,
          fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 49, maxLength: 49 }),
          fc.constantFrom(...scales),
          fc.constantFrom<DType | undefined>(undefined, "u8", "u16"),
          (c, values, scale, dtype) => {
            if (c.image.dtype === "f32") return;
            const kw = c.kernel.width, kh = c.kernel.height;
            const kernel = new Kernel(
              kw,
              kh,
              Float32Array.from(values.slice(0, kw * kh), (v) => v * scale),
            );
            // Integer cval keeps the sums exact too.
            const d = { ...c, kernel, cval: Math.round(c.cval) };
            const opts = dtype ? { dtype } : {};
            const simd = run(d, { method: "simd", ...opts });
            const direct = run(d, { method: "direct", ...opts });
            assert.deepEqual(simd.data, direct.data);
          },
        ),
        { numRuns: 200 },
      );
    }));

  Deno.test(`simd (${variant}): float32 outputs stay within the bound of the float64 reference`, () =>
    onSimd(variant, () => {
      assert.equal(simdCorrelateVariant(), variant);
      fc.assert(
        fc.property(caseArb, (c) => {
          const out = run(c, { method: "simd", dtype: "f32" });
          const exact = reference(c, out.width, out.height);
          const b = bound(c);
          for (let i = 0; i < exact.length; i++) {
            const err = Math.abs(out.data[i] - exact[i]);
            assert.ok(
              err <= b + Math.abs(exact[i]) * 2 ** -24,
              `sample ${i}: ${out.data[i]} vs ${exact[i]}`,
            );
          }
        }),
        { numRuns: 300 },
      );
    }));

  Deno.test(`simd (${variant}): exact sums (small integers × dyadic weights) give exactly the direct result, ties included`, () =>
    onSimd(variant, () => {
      assert.equal(simdCorrelateVariant(), variant);
      fc.assert(
        fc.property(
          caseArb,
          fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 49, maxLength: 49 }),
          (c, values) => {
            // u8 only: u16 sums of 49 taps need more than float32's 24 bits.
            if (c.image.dtype !== "u8") return;
            const kw = c.kernel.width, kh = c.kernel.height;
            const kernel = new Kernel(
              kw,
              kh,
              Float32Array.from(values.slice(0, kw * kh), (v) => v / 16),
            );
            const d = { ...c, kernel };
            const simd = run(d, { method: "simd" });
            const direct = run(d, { method: "direct" });
            assert.deepEqual(simd.data, direct.data);
          },
        ),
        { numRuns: 150 },
      );
    }));

  Deno.test(`simd (${variant}): tall and wide images run in several stripes, including an odd last one`, () =>
    onSimd(variant, () => {
      assert.equal(simdCorrelateVariant(), variant);
      const kernel = new Kernel(
        15,
        15,
        Float32Array.from({ length: 225 }, (_, i) => ((i * 37) % 101) / 5000),
      );
      const k3 = Kernel.from([[0.05, 0.2, 0], [0.15, 0.3, 0.1], [-0.05, 0.1, 0.15]]);
      // Stripes of about 64 KiB of rows: [3000, 23, 4] runs 2-row stripes, fewer rows than the
      // 15×15 kernel's ring; [9000, 31, 1] 6-row stripes.
      for (
        const [w, h, ch, k] of [
          [1500, 97, 1, kernel],
          [1100, 71, 3, kernel],
          [700, 45, 4, kernel],
          [2, 301, 1, kernel],
          [3000, 23, 4, kernel],
          [9000, 31, 1, k3],
          [2047, 77, 3, k3],
        ] as const
      ) {
        const image = randomImage(w, h, ch, "u8", w + h);
        for (const boundary of ["reflect", "wrap", "constant"] as const) {
          const c: Case = { image, kernel: k, boundary, cval: 7, mode: "same", flip: false };
          const out = run(c, { method: "simd" });
          checkInteger(out.data, reference(c, w, h), 255, bound(c));
        }
      }
    }));
}

Deno.test("simd: alpha 'keep' passes the alpha channel through", () =>
  onSimd("fma", () => {
    const image = randomImage(19, 7, 4, "u8", 5);
    const kernel = Kernel.from([[0.1, 0.2, 0.3], [0.05, 0.5, -0.1], [0, 0.3, 0.1]]);
    const out = correlate(image, kernel, { method: "simd" });
    const direct = correlate(image, kernel, { method: "direct" });
    for (let i = 3; i < out.data.length; i += 4) assert.equal(out.data[i], image.data[i]);
    for (let i = 0; i < out.data.length; i++) {
      assert.ok(Math.abs(out.data[i] - direct.data[i]) <= 1);
    }
  }));

Deno.test("simd: withSimd(false) runs the float64 TypeScript engines (method simd and auto)", () => {
  const image = randomImage(33, 11, 3, "u8", 9);
  const kernel = Kernel.from([[0.05, 0.2, 0], [0.15, 0.3, 0.1], [-0.05, 0.1, 0.15]]);
  const direct = correlate(image, kernel, { method: "direct" });
  withSimd(false, () => {
    assert.equal(simdCorrelateAvailable(), false);
    assert.deepEqual(correlate(image, kernel, { method: "simd" }).data, direct.data);
    assert.deepEqual(correlate(image, kernel, { method: "auto" }).data, direct.data);
  });
  withSimd(true, () => assert.equal(simdCorrelateAvailable(), true));
});

Deno.test("simd: float images with NaN or Inf take the float64 row-buffered sum", () =>
  onSimd("fma", () => {
    const image = randomImage(12, 6, 1, "f32", 3);
    image.data[20] = NaN;
    image.data[40] = Infinity;
    const kernel = Kernel.from([[1, 2, 0], [0, 1, -1], [0.5, 0, 1]]);
    const simd = correlate(image, kernel, { method: "simd" });
    // The row-buffered float64 sum, as auto runs it for float images.
    const auto = correlate(image, kernel, { method: "auto" });
    assert.deepEqual(simd.data, auto.data);
    assert.ok(simd.data.some((v) => Number.isNaN(v)));
  }));

Deno.test("simd: auto takes SIMD for u8 output, float64 engines for f32 output and the FFT for big kernels", () =>
  onSimd("fma", () => {
    const image = randomImage(40, 30, 1, "u8", 4);
    const kernel = new Kernel(
      5,
      5,
      Float32Array.from({ length: 25 }, (_, i) => Math.sin(i + 1) / 7),
    );
    // f32 output: auto equals the direct reference up to float64 rounding (not float32).
    const auto = correlate(image, kernel, { dtype: "f32" });
    const direct = correlate(image, kernel, { dtype: "f32", method: "direct" });
    assert.deepEqual(auto.data, direct.data);
    // u8 output: auto is the SIMD engine.
    assert.deepEqual(
      correlate(image, kernel).data,
      correlate(image, kernel, { method: "simd" }).data,
    );
    // Beyond SIMD_MAX_TAPS, auto takes the FFT.
    const side = Math.floor(Math.sqrt(SIMD_MAX_TAPS)) + 1;
    const big = new Kernel(
      side,
      side,
      Float32Array.from({ length: side * side }, (_, i) => Math.cos(i) / side),
    );
    assert.deepEqual(correlate(image, big).data, correlate(image, big, { method: "fft" }).data);
  }));
