// The WebAssembly SIMD u8 box mean (filters/linear/box_u8.wat) against the
// TypeScript running-sum path: the same bytes on random u8 images × every
// boundary mode × odd, even and non-square sizes 1..70 (also larger than the
// image) × widths/heights 1..40 (block tails) × 1–4 channels × alpha
// keep/filter × mean and saturated sum; a check that the kernel runs; and
// the kernel's rounding (f32 division, or multiplication for odd counts
// below 2^14) against exact integer rounding for every sum of small counts
// and every near-tie of counts at the limits.

import assert from "node:assert/strict";
import fc from "fast-check";
import { BOUNDARY_MODES, boxBlur, type BoxOptions, Image } from "../mod.ts";
import { boxFilterImage } from "../filters/linear/box_sums.ts";
import { boxMeanU8Simd } from "../filters/linear/box_simd.ts";
import { correlationGeometry } from "../filters/linear/direct.ts";
import { SimdKernel, simdSupported, withSimd } from "../engines/simd.ts";
import { WASM_BASE64 } from "../filters/linear/box_u8_wasm.ts";

import { firstDiff } from "./_util.ts";

// A fixed seed keeps CI deterministic; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

function randomImage(w: number, h: number, ch: number, seed: number, extremes: boolean): Image {
  const img = Image.zeros(w, h, ch, "u8");
  let s = seed;
  for (let i = 0; i < img.data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const v = s >>> 24;
    img.data[i] = extremes ? (v & 1 ? 255 : v < 64 ? 0 : v) : v;
  }
  return img;
}

const SIMD_BOUNDARIES = BOUNDARY_MODES.filter((b) => b !== "constant");

Deno.test("SIMD u8 box: byte-identical to the TypeScript path", () => {
  fc.assert(
    fc.property(
      fc.record({
        w: fc.integer({ min: 1, max: 40 }),
        h: fc.integer({ min: 1, max: 40 }),
        channels: fc.integer({ min: 1, max: 4 }),
        kw: fc.integer({ min: 1, max: 70 }),
        kh: fc.integer({ min: 1, max: 70 }),
        boundary: fc.constantFrom(...BOUNDARY_MODES),
        cval: fc.integer({ min: 0, max: 255 }),
        alpha: fc.constantFrom("keep" as const, "filter" as const),
        normalize: fc.boolean(),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        extremes: fc.boolean(),
      }),
      (p) => {
        const img = randomImage(p.w, p.h, p.channels, p.seed, p.extremes);
        const options: BoxOptions = {
          size: [p.kw, p.kh],
          boundary: p.boundary,
          cval: p.cval,
          alpha: p.alpha,
          normalize: p.normalize,
        };
        const simd = withSimd(true, () => boxBlur(img, options));
        const ts = withSimd(false, () => boxBlur(img, options));
        assert.equal(simd.channels, p.channels);
        assert.equal(firstDiff(simd.data, ts.data), -1);
      },
    ),
    { numRuns: 400 },
  );
});

Deno.test("SIMD u8 box: the kernel itself equals the TypeScript path (any anchor in the window)", () => {
  fc.assert(
    fc.property(
      fc.record({
        w: fc.integer({ min: 1, max: 40 }),
        h: fc.integer({ min: 1, max: 40 }),
        channels: fc.integer({ min: 1, max: 4 }),
        kw: fc.integer({ min: 1, max: 70 }),
        kh: fc.integer({ min: 1, max: 70 }),
        ax: fc.double({ min: 0, max: 0.999, noNaN: true }),
        ay: fc.double({ min: 0, max: 0.999, noNaN: true }),
        boundary: fc.constantFrom(...SIMD_BOUNDARIES),
        alpha: fc.constantFrom("keep" as const, "filter" as const),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        extremes: fc.boolean(),
      }),
      (p) => {
        const img = randomImage(p.w, p.h, p.channels, p.seed, p.extremes);
        const anchor = { x: Math.floor(p.ax * p.kw), y: Math.floor(p.ay * p.kh) };
        const g = correlationGeometry(p.w, p.h, p.kw, p.kh, "same", anchor);
        const n = p.kw * p.kh;
        const simd = withSimd(
          true,
          () => boxMeanU8Simd(img, p.kw, p.kh, g, p.boundary, p.alpha, n),
        );
        assert.ok(simd, "the SIMD kernel must accept this call");
        const ts = withSimd(
          false,
          () => boxFilterImage(img, p.kw, p.kh, g, p.boundary, 0, "u8", p.alpha, n),
        );
        assert.equal(firstDiff(simd.data, ts.data), -1);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("SIMD u8 box: the kernel runs when SIMD is on, not when it is off or out of range", () => {
  const img = randomImage(37, 21, 3, 5, false);
  const g = correlationGeometry(37, 21, 31, 31, "same", { x: 15, y: 15 });
  assert.ok(withSimd(true, () => boxMeanU8Simd(img, 31, 31, g, "reflect", "keep", 961)));
  assert.equal(
    withSimd(false, () => boxMeanU8Simd(img, 31, 31, g, "reflect", "keep", 961)),
    undefined,
  );
  // constant borders and divisors of 2^16 or more stay on the TypeScript path
  assert.equal(
    withSimd(true, () => boxMeanU8Simd(img, 31, 31, g, "constant", "keep", 961)),
    undefined,
  );
  const big = correlationGeometry(37, 21, 256, 256, "same", { x: 128, y: 128 });
  assert.equal(
    withSimd(true, () => boxMeanU8Simd(img, 256, 256, big, "reflect", "keep", 65536)),
    undefined,
  );
});

Deno.test("SIMD u8 box: exact ties round to even, flat images stay flat, alpha is kept", () => {
  // [1, 2] with a 2×1 window: 1.5 → 2, and [2, 3]: 2.5 → 2 (replicate edges: 1 and 3).
  const tie = Image.fromRows([[1, 2, 3]], "u8");
  const got = withSimd(true, () => boxBlur(tie, { size: [2, 1], boundary: "replicate" }));
  assert.deepEqual(Array.from(got.data), [1, 2, 2]);
  for (const v of [0, 1, 128, 254, 255]) {
    const img = Image.zeros(53, 19, 4, "u8");
    img.data.fill(v);
    for (let i = 3; i < img.data.length; i += 4) img.data[i] = i & 255;
    for (const boundary of SIMD_BOUNDARIES) {
      const out = withSimd(true, () => boxBlur(img, { size: [31, 7], boundary }));
      for (let i = 0; i < out.data.length; i++) {
        assert.equal(out.data[i], i % 4 === 3 ? i & 255 : v);
      }
    }
  }
});

Deno.test("SIMD u8 box: large windows near the exact range's limits", () => {
  const img = randomImage(300, 260, 1, 11, true);
  for (const [kw, kh] of [[255, 257], [1, 4000], [8191, 1]]) {
    const g = correlationGeometry(300, 260, kw, kh, "same", { x: kw >> 1, y: kh >> 1 });
    const simd = withSimd(true, () => boxMeanU8Simd(img, kw, kh, g, "wrap", "keep", kw * kh));
    assert.ok(simd, `${kw}x${kh}`);
    const ts = withSimd(false, () => boxBlur(img, { size: [kw, kh], boundary: "wrap" }));
    assert.equal(firstDiff(simd.data, ts.data), -1, `${kw}x${kh}`);
  }
});

/** `s / n` rounded half to even in integers, saturated to 255. */
function exactMean(s: number, n: number): number {
  const num = 2 * s + n, den = 2 * n;
  let m = Math.floor(num / den);
  if (num % den === 0 && (m & 1) === 1) m--;
  return Math.min(255, m);
}

Deno.test("SIMD u8 box: the kernel's rounding is exact (all sums of small counts, near-ties at the limits)", () => {
  if (!simdSupported()) return;
  // hrow with kw = 1 and one channel: the window sum is C[q] itself, so the
  // kernel's mean of any sum s can be asked directly.
  const kernel = new SimdKernel(WASM_BASE64);
  const { hrow } = kernel.exports as unknown as {
    hrow(...args: number[]): void;
  };
  const chunk = 1 << 14, cAt = 0, iAt = 4 * chunk + 64, dstAt = iAt + 4 * chunk + 64;
  const buffer = kernel.reserve(dstAt + chunk + 64);
  const i32 = new Int32Array(buffer), u8 = new Uint8Array(buffer);
  i32.fill(0, (iAt >> 2) - 4, iAt >> 2);
  const check = (n: number, sums: number[]) => {
    const modes = (n & 1) === 1 && n < 2 ** 14 ? [0, Math.fround(1 / n)] : [0];
    for (let start = 0; start < sums.length; start += chunk) {
      const part = sums.slice(start, start + chunk);
      i32.set(part, cAt >> 2);
      for (const r of modes) {
        hrow(
          0,
          0,
          cAt,
          iAt,
          Math.ceil(part.length / 8),
          1,
          0,
          dstAt,
          Math.ceil(part.length / 16),
          n,
          r,
        );
        for (let i = 0; i < part.length; i++) {
          if (u8[dstAt + i] !== exactMean(part[i], n)) {
            assert.fail(
              `n ${n}, sum ${part[i]}, r ${r}: ${u8[dstAt + i]} != ${exactMean(part[i], n)}`,
            );
          }
        }
      }
    }
  };
  for (let n = 1; n <= 300; n++) check(n, Array.from({ length: 255 * n + 1 }, (_, s) => s));
  const limits = [
    ...Array.from({ length: 40 }, (_, i) => 2 ** 14 - 20 + i),
    ...Array.from({ length: 40 }, (_, i) => 2 ** 16 - 40 + i),
    1001,
    4096,
    10201,
    30001,
  ];
  for (const n of limits) {
    const sums: number[] = [];
    for (let m = 0; m <= 256; m++) {
      const tie2 = (2 * m + 1) * n; // 2s at the tie m + 1/2
      for (let d = -3; d <= 3; d++) {
        const s = Math.floor(tie2 / 2) + d;
        if (s >= 0 && 255 * n < 2 ** 24 && s < 2 ** 24) sums.push(s);
      }
    }
    check(n, sums);
  }
  // saturated sums (normalize: false) and large quotients
  for (const n of [1, 3, 7]) {
    check(n, Array.from({ length: 4096 }, (_, i) => Math.min(2 ** 24 - 1, i * 4099)));
  }
});
