// NaN and Infinity, and sigmas at their limit: match-template keeps a
// non-finite sample to the windows that cover it and never reports them,
// degenerate bilateral / NL-means sigmas give their limit (a copy),
// --stretch maps the finite values, and a zero-sum kernel is not deconvolved.

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  applyFilter,
  FilterError,
  Image,
  MATCH_METHODS,
  readImage,
  registry,
  writeImage,
} from "../mod.ts";
import { withSimd } from "../engines/simd.ts";
import { syntheticImage } from "../testing.ts";
import { main } from "../cli/main.ts";

interface Match {
  x: number;
  y: number;
  score: number;
}

const scene = syntheticImage(21, 17, 3, "f32", 3);
const template = scene.crop(6, 5, 5, 4);

for (const simd of [true, false]) {
  Deno.test(`match-template (SIMD ${simd ? "on" : "off"}): a NaN or Inf reaches only the windows covering it, every method`, async () => {
    for (const padInput of [false, true]) {
      for (const method of MATCH_METHODS) {
        const dirty = scene.clone();
        dirty.data[(12 * 21 + 14) * 3 + 1] = NaN; // pixel (14, 12)
        dirty.data[(2 * 21 + 3) * 3 + 2] = -Infinity; // pixel (3, 2)
        const params = { template, method, padInput, count: 5 };
        const [got, clean] = await withSimd(simd, () =>
          Promise.all([
            registry.run("match-template", dirty, params),
            registry.run("match-template", scene, params),
          ]));
        const g = got.image!, c = clean.image!;
        const l = padInput ? 5 >> 1 : 0, t = padInput ? 4 >> 1 : 0;
        const covers = (x: number, y: number, px: number, py: number) =>
          px + l >= x && px + l < x + 5 && py + t >= y && py + t < y + 4;
        let nan = 0;
        for (let y = 0; y < g.height; y++) {
          for (let x = 0; x < g.width; x++) {
            const v = g.data[y * g.width + x], want = c.data[y * g.width + x];
            if (covers(x, y, 14, 12) || covers(x, y, 3, 2)) {
              assert.ok(Number.isNaN(v), `${method} (${x}, ${y}) covers a bad pixel: ${v}`);
              nan++;
            } else {assert.ok(
                Math.abs(v - want) <= 1e-4 * (1 + Math.abs(want)),
                `${method} (${x}, ${y})`,
              );}
          }
        }
        assert.ok(nan > 0 && nan < g.data.length);
        // The best match and the peaks are finite scores, the clean image's best.
        const { best, matches } = got.data as { best: Match; matches: Match[] };
        const cleanBest = (clean.data as { best: Match }).best;
        if (!covers(cleanBest.x, cleanBest.y, 14, 12) && !covers(cleanBest.x, cleanBest.y, 3, 2)) {
          assert.deepEqual([best.x, best.y], [cleanBest.x, cleanBest.y], method);
        }
        assert.ok(Number.isFinite(best.score));
        assert.ok(matches.length > 0 && matches.every((m) => Number.isFinite(m.score)), method);
      }
    }
  });
}

Deno.test("match-template: when every window covers a NaN, best is (-1, -1) and there is no match", async () => {
  const dirty = scene.clone();
  dirty.data[(8 * 21 + 10) * 3] = NaN;
  const big = scene.crop(0, 0, 18, 14);
  for (const method of ["sqdiff", "ccoeff_normed"]) {
    const r = await registry.run("match-template", dirty, { template: big, method });
    const { best, matches } = r.data as { best: Match; matches: Match[] };
    assert.deepEqual([best.x, best.y], [-1, -1]);
    assert.ok(Number.isNaN(best.score));
    assert.deepEqual(matches, []);
  }
});

Deno.test("match-template refuses a NaN in the template or the mask, naming where", async () => {
  const bad = template.clone();
  bad.data[7] = Infinity;
  await assert.rejects(
    () => registry.run("match-template", scene, { template: bad }),
    (e) =>
      e instanceof FilterError && e.code === "INVALID_PARAM" &&
      /the template has Infinity at x=2, y=0; it is part of every window/.test(e.message),
  );
  const mask = Image.zeros(5, 4, 1, "f32");
  mask.data[3] = NaN;
  await assert.rejects(
    () => registry.run("match-template", scene, { template, mask }),
    /the mask has NaN at x=3, y=0/,
  );
});

/** Degenerate sigmas: their limit, a copy, for every dtype (was all black / all NaN). */
Deno.test("bilateral and nl-means with sigmas or h of 1e-300 return a copy, every dtype and method", async () => {
  const cases: [string, Record<string, unknown>][] = [
    ["bilateral", { sigmaSpace: 1e-300 }],
    ["bilateral", { sigmaColor: 1e-300 }],
    ["bilateral", { sigmaColor: 1e-300, method: "fast" }],
    ["bilateral", { sigmaSpace: 1e-300, method: "fast", diameter: 31 }],
    ["bilateral", { sigmaColor: 1e-160 }], // 2σ² a denormal: the exact sums, no NaN
    ["nl-means", { h: 1e-300 }],
    ["nl-means", { h: 1e-300, compat: "skimage" }],
    ["nl-means", { h: 1e-300, color: "per-channel" }],
  ];
  for (const dtype of ["u8", "u16", "f32"] as const) {
    for (const channels of [1, 3]) {
      const img = syntheticImage(16, 12, channels, dtype, 3);
      for (const [name, params] of cases) {
        const lab = name === "nl-means" && channels === 3 && !params.color;
        if (lab && dtype !== "u8") continue; // Lab needs u8
        const out = await applyFilter(name, img, params);
        const what = `${dtype}x${channels} ${name} ${JSON.stringify(params)}`;
        if (!lab) assert.deepEqual(out.data, img.data, what);
        else {
          // Colour NL-means runs in OpenCV's 8-bit Lab: the limit is the Lab round trip.
          for (let i = 0; i < img.data.length; i++) {
            assert.ok(Math.abs(out.data[i] - img.data[i]) <= 3, what);
          }
        }
      }
    }
  }
});

Deno.test("a bilateral grid that would need too many cells is refused with the reason", async () => {
  const img = syntheticImage(16, 12, 1, "f32", 3);
  await assert.rejects(
    () => applyFilter("bilateral", img, { sigmaColor: 1e-100, method: "fast", diameter: 31 }),
    (e) =>
      e instanceof FilterError &&
      /bilateral grid's cell count .* over the maximum 16777216; raise sigmaColor/.test(e.message),
  );
  const nan = img.clone();
  nan.data[5] = NaN;
  await assert.rejects(
    () => applyFilter("bilateral", nan, { method: "fast", diameter: 31 }),
    /bilateral: the image has NaN at x=5, y=0.*use method exact/,
  );
});

Deno.test("deconvolve refuses an all-zero or zero-sum kernel (was a constant image, exit 0)", async () => {
  const img = syntheticImage(16, 12, 1, "f32", 3);
  for (const method of ["richardson-lucy", "wiener"]) {
    await assert.rejects(
      () => applyFilter("deconvolve", img, { kernel: [[0, 0], [0, 0]], method }),
      (e) =>
        e instanceof FilterError && /the kernel is all zeros; a blur that removes/.test(e.message),
    );
    await assert.rejects(
      () => applyFilter("deconvolve", img, { kernel: "laplace", method }),
      /the kernel sums to 0 \(zero-sum\)/,
    );
  }
  const ok = await applyFilter("deconvolve", img, { kernel: [[0.25, 0.25], [0.25, 0.25]] });
  assert.equal(ok.width, 16);
});

Deno.test("--stretch with one Inf maps the finite values over 0..255 (was all black)", async () => {
  const dir = await Deno.makeTempDir();
  const data = new Float32Array(12).map((_, i) => i);
  data[5] = Infinity;
  data[6] = -Infinity;
  data[7] = NaN;
  const input = join(dir, "f.npy"), out = join(dir, "v.png");
  await writeImage(input, new Image(4, 3, 1, data));
  const status = await main(["median", input, out, "--size", "1", "--stretch", "--quiet"], {
    out: () => {},
    err: () => {},
    errIsTerminal: false,
  });
  assert.equal(status, 0);
  const got = Array.from((await readImage(out)).data);
  // Finite 0..11 (without 5, 6, 7) over 0..255; +Inf 255, -Inf and NaN 0.
  assert.deepEqual(got, [0, 23, 46, 70, 93, 255, 0, 0, 185, 209, 232, 255]);
});

Deno.test("box with NaN and ±Infinity: the direct sum's result, each bad sample in its windows only, at running-sum cost", async () => {
  const img = syntheticImage(13, 11, 2, "f32", 9);
  img.data[(3 * 13 + 4) * 2] = NaN;
  img.data[(7 * 13 + 9) * 2] = Infinity;
  img.data[(8 * 13 + 9) * 2] = -Infinity; // next to the +Inf: their shared windows are NaN
  img.data[(2 * 13 + 11) * 2 + 1] = -Infinity;
  for (const boundary of ["reflect", "constant", "replicate", "wrap", "symmetric"]) {
    for (const [size, normalize] of [[[3, 3], true], [[4, 5], false], [[1, 7], true]] as const) {
      const got = await applyFilter("box", img, {
        size,
        normalize,
        boundary,
        cval: 2,
        alpha: "filter",
      });
      const [kw, kh] = size, v = normalize ? 1 / (kw * kh) : 1;
      const kernel = Array.from({ length: kh }, () => Array(kw).fill(v));
      const want = await applyFilter("correlate", img, {
        kernel,
        boundary,
        cval: 2,
        method: "direct",
        alpha: "filter",
      });
      for (let i = 0; i < want.data.length; i++) {
        const a = got.data[i], b = want.data[i], what = `${boundary} ${size} at ${i}: ${a} vs ${b}`;
        if (!Number.isFinite(b)) assert.ok(Object.is(a, b), what);
        else assert.ok(Math.abs(a - b) <= 1e-5 * (1 + Math.abs(b)), what);
      }
    }
  }
  // The widest box on a small image with a NaN: the running sums, not kw·kh a sample.
  const t0 = performance.now();
  const wide = await applyFilter("box", img, { size: 8191 });
  assert.ok(performance.now() - t0 < 1000, `${performance.now() - t0} ms`);
  assert.ok(wide.data.some((x) => Number.isNaN(x)));
});
