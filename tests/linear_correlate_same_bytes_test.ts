// Integer outputs of the SIMD correlation are the same bytes in every
// runtime: they always run the plain (unfused) build, whichever build the
// engine prefers for float32 outputs. Deno compiles the fused (relaxed-SIMD)
// build, so here both builds really run (Node 20 only has the plain one).
// The images and kernels below are ones where fusing the multiply-adds
// does change some rounded samples (checked), so the tests can fail.

import assert from "node:assert/strict";
import { correlate, type DType, type Image, Kernel, roundHalfEven } from "../mod.ts";
import { randomImage } from "./_util.ts";
import {
  simdCorrelateVariant,
  withSimdCorrelateVariant,
} from "../filters/linear/correlate_simd.ts";
import { withSimd } from "../engines/simd.ts";

// 3×3 runs the kernel's unrolled loop, 5×5 the general one.
const K3 = Kernel.from([[0.05, 0.2, 0.0], [0.15, 0.3, 0.1], [-0.05, 0.1, 0.15]]);
// Weights that are multiples of 0.05 (not exact in binary) put many sums next to a .5 tie.
const K5 = new Kernel(
  5,
  5,
  Float32Array.from({ length: 25 }, (_, i) => (((i * 3) % 7) - 2) * 0.05),
);

const image = (dtype: "u8" | "u16"): Image => randomImage(211, 97, 3, dtype, 3);

/** A float32 result rounded (ties to even) and saturated as integer outputs are. */
function rounded(f32: Image, dtype: DType): number[] {
  const max = dtype === "u8" ? 255 : 65535;
  return Array.from(f32.data, (v) => Math.min(max, Math.max(0, roundHalfEven(v))));
}

const onSimd = <T>(variant: "fma" | "plain", fn: () => T): T =>
  withSimd(true, () => withSimdCorrelateVariant(variant, fn));

Deno.test("correlate: u8/u16 outputs are the plain SIMD build's bytes even where the fused build is preferred", () => {
  assert.equal(
    onSimd("fma", () => simdCorrelateVariant("f32")),
    "fma",
    "Deno compiles relaxed SIMD",
  );
  for (const dtype of ["u8", "u16"] as const) {
    const img = image(dtype);
    for (const [name, k] of [["3x3", K3], ["5x5", K5]] as const) {
      const plainF32 = onSimd("plain", () => correlate(img, k, { dtype: "f32", method: "simd" }));
      const fusedF32 = onSimd("fma", () => correlate(img, k, { dtype: "f32", method: "simd" }));
      const want = rounded(plainF32, dtype);
      // Fusing moves some sums across a .5 tie: the fused build would give other bytes.
      const fused = rounded(fusedF32, dtype);
      const moved = want.filter((v, i) => v !== fused[i]).length;
      assert.ok(moved > 0, `${dtype} ${name}: the fused build changes no rounded sample here`);
      for (const variant of ["fma", "plain"] as const) {
        onSimd(variant, () => {
          assert.equal(simdCorrelateVariant(dtype), "plain");
          for (const method of ["simd", "auto"] as const) {
            const got = correlate(img, k, { method });
            assert.equal(got.dtype, dtype);
            assert.deepEqual(Array.from(got.data), want, `${dtype} ${name} ${variant} ${method}`);
          }
        });
      }
    }
  }
});

Deno.test("correlate: exact sums give the TypeScript reference's u8/u16 bytes with either build preferred", () => {
  // Weights k/16 with small integers k: every product and partial sum is exact in float32.
  const k = new Kernel(5, 3, Float32Array.from({ length: 15 }, (_, i) => ((i * 7) % 11 - 4) / 16));
  for (const dtype of ["u8", "u16"] as const) {
    const img = image(dtype);
    for (const boundary of ["reflect", "constant"] as const) {
      const reference = correlate(img, k, { method: "direct", boundary, cval: 9 });
      const typescript = withSimd(false, () => correlate(img, k, { boundary, cval: 9 }));
      assert.deepEqual(typescript.data, reference.data);
      for (const variant of ["fma", "plain"] as const) {
        const got = onSimd(variant, () => correlate(img, k, { method: "simd", boundary, cval: 9 }));
        assert.deepEqual(got.data, reference.data, `${dtype} ${boundary} ${variant}`);
      }
    }
  }
});
