// Numerical robustness: extreme shapes and constant images through every
// filter, and NaN/Inf staying local in the linear filters whatever engine runs.

import assert from "node:assert/strict";
import { correlate, gaussian, Image, isFilterError, type ParamSpec, registry } from "../mod.ts";

/** Default-ish params for a filter: required ones get a simple value. */
function paramsFor(name: string, image: Image): Record<string, unknown> {
  const specs = registry.get(name).params as Record<string, ParamSpec>;
  const p: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(specs)) {
    if (!s.required) continue;
    if (s.type === "kernel") p[k] = "1/9,1/9,1/9;1/9,1/9,1/9;1/9,1/9,1/9";
    else if (s.type === "image") {
      p[k] = name === "match-template" ? Image.zeros(1, 1, image.channels, image.dtype) : image;
    }
  }
  if (name === "gaussian") p.sigma = 1.5;
  return p;
}

const SMOOTHING = ["box", "gaussian", "median", "bilateral", "nl-means", "correlate", "convolve"];

Deno.test("every filter handles 1x1, 1xN, Nx1 and constant images: a valid image or a clean error", async () => {
  for (const plugin of registry.list()) {
    for (const [w, h] of [[1, 1], [1, 7], [7, 1], [16, 12]]) {
      for (const dtype of ["u8", "f32"] as const) {
        const img = Image.zeros(w, h, 1, dtype);
        img.data.fill(dtype === "u8" ? 77 : 0.3);
        try {
          const r = await registry.run(plugin.name, img, paramsFor(plugin.name, img));
          if (!r.image) continue;
          assert.equal(r.image.data.length, r.image.width * r.image.height * r.image.channels);
          if (SMOOTHING.includes(plugin.name) && r.image.width === w && r.image.height === h) {
            // A smoothing filter leaves a constant image constant (any boundary but constant).
            for (const v of r.image.data) {
              assert.ok(
                Math.abs(v - img.data[0]) <= (dtype === "u8" ? 0 : 1e-5),
                `${plugin.name} ${w}x${h} ${dtype}: ${v}`,
              );
            }
          }
        } catch (e) {
          assert.ok(isFilterError(e), `${plugin.name} ${w}x${h} ${dtype}: ${e}`);
        }
      }
    }
  }
});

function nanCount(img: Image): number {
  let n = 0;
  for (const v of img.data) if (Number.isNaN(v)) n++;
  return n;
}

Deno.test("a NaN stays within the kernel's support in every linear engine (never a whole FFT tile)", () => {
  const img = Image.zeros(64, 64, 1, "f32");
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 7) % 13;
  img.data[30 * 64 + 30] = NaN;
  const k = Array.from(
    { length: 11 },
    (_, y) => Array.from({ length: 11 }, (_, x) => ((x * 3 + y * 5) % 7) - 3 + 0.5),
  );
  const counts = (["auto", "fft", "direct"] as const).map((method) =>
    nanCount(correlate(img, k, { method }))
  );
  assert.deepEqual(counts, [121, 121, 121]);
  assert.ok(nanCount(gaussian(img, { sigma: 2 })) <= 17 * 17);
  // The recursive Gaussian would spread a NaN over every pixel: it refuses instead.
  assert.throws(
    () => gaussian(img, { sigma: 20, method: "fast" }),
    (e: unknown) => isFilterError(e) && /has NaN at x=30, y=30.*use method "exact"/.test(e.message),
  );
  const inf = img.clone();
  inf.data[30 * 64 + 30] = Infinity;
  const out = correlate(inf, "box-5");
  let nonFinite = 0;
  for (const v of out.data) if (!Number.isFinite(v)) nonFinite++;
  assert.equal(nonFinite, 25);
});

Deno.test("FFT-based filters refuse NaN/Inf with the position instead of corrupting every pixel", async () => {
  const img = Image.zeros(32, 32, 1, "f32");
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 7) % 13;
  img.data[5 * 32 + 9] = Infinity;
  for (
    const [name, params] of [
      ["deconvolve", { kernel: "box-3" }],
      ["estimate-kernel", { blurred: img.clone(), size: 3 }],
    ] as const
  ) {
    await assert.rejects(
      () => registry.run(name, img, params),
      (e: unknown) =>
        isFilterError(e) && e.code === "INVALID_PARAM" && /Infinity at x=9, y=5/.test(e.message),
      name,
    );
  }
});
