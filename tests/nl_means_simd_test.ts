// The WebAssembly SIMD u8 NL-means sums (filters/nl_means/nl_means.wat) against the
// TypeScript u8 path of filters/nl_means/opencv.ts: the same bytes on random u8
// images × h × sigma × patch/search sizes (odd, 1..21) × widths/heights
// 1..40 (images smaller than the search window) × 1–4 channels × colour
// handling (lab: L alone and a, b jointly; joint 2-channel; per-channel) ×
// alpha keep/filter; and checks that the kernel really runs.

import assert from "node:assert/strict";
import fc from "fast-check";
import { nlMeans, type NlMeansOptions } from "../mod.ts";
import { nlMeansIntSimd, nlMeansSimdRuns } from "../filters/nl_means/nl_means_simd.ts";
import { simdSupported, withSimd } from "../engines/simd.ts";
import { firstDiff, seededLevels } from "./_util.ts";

// A fixed seed keeps CI deterministic; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

const odd = (max: number) => fc.integer({ min: 0, max: (max - 1) >> 1 }).map((k) => 2 * k + 1);

Deno.test("SIMD u8 nl-means: byte-identical to the TypeScript path", () => {
  const before = nlMeansSimdRuns();
  fc.assert(
    fc.property(
      fc.record({
        w: fc.integer({ min: 1, max: 40 }),
        h: fc.integer({ min: 1, max: 40 }),
        channels: fc.integer({ min: 1, max: 4 }),
        hs: fc.oneof(
          fc.double({ min: 0.5, max: 60, noNaN: true }),
          fc.constantFrom(1, 3, 10, 30, 255),
        ),
        hColor: fc.option(fc.double({ min: 0.5, max: 60, noNaN: true }), { nil: undefined }),
        sigma: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 20, noNaN: true })),
        patchSize: odd(21),
        searchSize: odd(21),
        color: fc.constantFrom("lab" as const, "joint" as const, "per-channel" as const),
        alpha: fc.constantFrom("keep" as const, "filter" as const),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        levels: fc.constantFrom(0, 0, 2, 3, 17),
      }),
      (p) => {
        const img = seededLevels(p.w, p.h, p.channels, p.seed, p.levels);
        const options: NlMeansOptions = {
          h: p.hs,
          hColor: p.hColor,
          sigma: p.sigma,
          patchSize: p.patchSize,
          searchSize: p.searchSize,
          color: p.color,
          alpha: p.alpha,
        };
        const ts = withSimd(false, () => nlMeans(img, options));
        const simd = withSimd(true, () => nlMeans(img, options));
        const i = firstDiff(simd.data, ts.data);
        assert.equal(i, -1, `first difference at ${i}: ${JSON.stringify(p)}`);
      },
    ),
    { numRuns: 250 },
  );
  if (simdSupported()) assert.ok(nlMeansSimdRuns() > before, "the SIMD kernel never ran");
});

Deno.test("SIMD u8 nl-means: default parameters (7 × 7 patch, 21 × 21 search), gray and colour", () => {
  const before = nlMeansSimdRuns();
  for (const ch of [1, 3]) {
    const img = seededLevels(96, 80, ch, 7 + ch, 0);
    const ts = withSimd(false, () => nlMeans(img, { h: 10 }));
    const simd = withSimd(true, () => nlMeans(img, { h: 10 }));
    assert.equal(firstDiff(simd.data, ts.data), -1);
  }
  if (simdSupported()) assert.ok(nlMeansSimdRuns() >= before + 3, "the SIMD kernel never ran");
});

Deno.test("SIMD u8 nl-means: off or unsupported plane counts fall back", () => {
  const E = [new Int32Array(9)];
  const setup = {
    E,
    w: 1,
    h: 1,
    th: 0,
    sh: 1,
    table: new Int32Array([1, 0]),
    shift: 0,
    cut: 1,
    half: [0, 1, 1, -1, 1, 0, 1, 1],
  };
  assert.equal(withSimd(false, () => nlMeansIntSimd(setup, () => {})), undefined);
  assert.equal(nlMeansIntSimd({ ...setup, E: [E[0], E[0], E[0]] }, () => {}), undefined);
});
