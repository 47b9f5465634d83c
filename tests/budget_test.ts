// The work budget: every parameter has a maximum that keeps one call
// bounded, derived values obey the same maxima, and issue 18's
// reproductions end within seconds in a clean error or a correct result.

import assert from "node:assert/strict";
import { applyFilter, FilterError, type Image, Kernel, registry } from "../mod.ts";
import { syntheticImage } from "../testing.ts";
import { main } from "../cli/main.ts";
import { footprintMedian } from "../filters/median/select.ts";

/** Runs `f`, asserting it settles within `ms`; returns its value or error. */
async function within(ms: number, f: () => Promise<unknown>): Promise<unknown> {
  const t0 = performance.now();
  const r = await f().then((v) => v, (e) => e);
  const took = performance.now() - t0;
  assert.ok(took < ms, `took ${took.toFixed(0)} ms`);
  return r;
}

function refused(e: unknown, pattern: RegExp): void {
  assert.ok(e instanceof FilterError, String(e));
  assert.equal(e.code, "INVALID_PARAM");
  assert.match(e.message, pattern);
  assert.ok(!e.message.includes("\n"));
}

const img64 = syntheticImage(64, 64, 1, "u8", 7);

Deno.test("median --footprint of 1001² ones on 64² (was 67 s): the same result as size 1001, in well under 10 s", async () => {
  const ones = new Kernel(1001, 1001, new Float32Array(1001 * 1001).fill(1));
  const got = await within(10_000, () => applyFilter("median", img64, { footprint: ones }));
  const want = await applyFilter("median", img64, { size: 1001 });
  assert.deepEqual((got as Image).data, want.data);
});

Deno.test("a footprint that fills an odd rectangle gives what the shaped path gives, every dtype and boundary", async () => {
  const ones = Kernel.from([[1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1]]);
  for (const dtype of ["u8", "u16", "f32"] as const) {
    for (const boundary of ["reflect", "constant", "wrap"] as const) {
      const img = syntheticImage(11, 9, 2, dtype, 3);
      const got = await applyFilter("median", img, {
        footprint: ones,
        boundary,
        cval: 3,
        alpha: "filter",
      });
      for (let c = 0; c < 2; c++) {
        // The shaped path (select among the footprint's samples), run directly.
        const plane = img.channel(c).data as Uint8Array | Uint16Array | Float32Array;
        const want = footprintMedian(plane, 11, 9, ones, boundary, 3);
        assert.deepEqual(Array.from(got.channel(c).data), Array.from(want), `${dtype} ${boundary}`);
      }
    }
  }
});

Deno.test("a shaped footprint is refused past 16,384 non-zero entries, naming the count", async () => {
  const data = new Float32Array(129 * 129).fill(1);
  data[0] = 0;
  const e = await within(
    2000,
    () => applyFilter("median", img64, { footprint: new Kernel(129, 129, data) }),
  );
  refused(e, /non-zero footprint entries \(129x129\) is 16640, over the maximum 16384/);
  const big = new Kernel(1003, 1, new Float32Array(1003).fill(1));
  refused(
    await applyFilter("median", img64, { footprint: big }).catch((x) => x),
    /footprint is 1003x1; each side must be <= 1001/,
  );
});

Deno.test("bilateral --diameter 0 --sigma-space 1000 (was 82 s, 1.5 GB): refused, naming the derived 3001-px window", async () => {
  const e = await within(
    1000,
    () => applyFilter("bilateral", img64, { diameter: 0, sigmaSpace: 1000 }),
  );
  refused(e, /window derived from sigmaSpace 1000 .* is 3001, over the maximum 1001/);
  // The same derived limit binds the grid; the exact method stops at 255 px.
  refused(
    await applyFilter("bilateral", img64, { diameter: 0, sigmaSpace: 400, method: "fast" })
      .catch((x) => x),
    /is 1201, over the maximum 1001/,
  );
  refused(
    await applyFilter("bilateral", img64, { diameter: 301 }).catch((x) => x),
    /diameter 301 with method exact is 301, over the maximum 255; method fast/,
  );
  const fast = await within(
    10_000,
    () => applyFilter("bilateral", img64, { diameter: 1001, method: "fast" }),
  );
  assert.equal((fast as Image).width, 64);
  // Within both maxima a derived window runs.
  const ok = await applyFilter("bilateral", img64, { diameter: 0, sigmaSpace: 20 });
  assert.equal(ok.width, 64);
});

Deno.test("estimate-kernel --size 151 on 512² (was over 4 GB): lsq refuses in a moment, fourier answers", async () => {
  const sharp = syntheticImage(512, 512, 1, "f32", 4);
  const blurred = await applyFilter("gaussian", sharp, { sigma: 2 });
  const e = await within(
    3000,
    () => registry.run("estimate-kernel", sharp, { blurred, size: 151 }),
  );
  refused(e, /151x151 kernel's count of unknowns is 22801, over the maximum 1681; .*fourier/);
  const r = await within(
    10_000,
    () => registry.run("estimate-kernel", sharp, { blurred, size: 151, method: "fourier" }),
  ) as { image: Image };
  assert.equal(r.image.width, 151);
  // The kernel the image sizes imply obeys the same maximum as a given size.
  const wide = syntheticImage(1100, 2, 1, "f32", 1);
  refused(
    await registry.run("estimate-kernel", wide, { blurred: wide.crop(0, 0, 40, 1) })
      .catch((x) => x),
    /kernel side from the image sizes \(1061x2, mode valid\) is 1061, over the maximum 1001/,
  );
});

Deno.test("nl-means search 201 (was minutes): refused; 101, the largest allowed, finishes within 10 s on its slowest paths", async () => {
  refused(
    await within(1000, () => applyFilter("nl-means", img64, { searchSize: 201 })),
    /searchSize must be an odd integer >= 1 and <= 101, got 201/,
  );
  // float32 and scikit-image's semantics are the slow ones (no integer SIMD);
  // scikit-image's pads by the search radius, which dominates on a tiny image.
  const f32 = syntheticImage(64, 64, 1, "f32", 7), tiny = syntheticImage(1, 3, 1, "f32", 7);
  for (const [img, compat] of [[f32, "opencv"], [tiny, "skimage"]] as const) {
    const out = await within(
      10_000,
      () => applyFilter("nl-means", img, { searchSize: 101, patchSize: 7, h: 0.1, compat }),
    );
    assert.equal((out as Image).data.length, img.data.length);
  }
});

Deno.test("deconvolve 10,000 iterations (was 6 min): refused; 1000, the maximum, runs", async () => {
  const k = [[0, 0.1, 0], [0.1, 0.6, 0.1], [0, 0.1, 0]];
  const e = await within(
    1000,
    () => applyFilter("deconvolve", img64, { kernel: k, iterations: 10_000 }),
  );
  refused(e, /iterations must be an integer >= 1 and <= 1000, got 10000/);
  const out = await within(
    10_000,
    () => applyFilter("deconvolve", img64, { kernel: k, iterations: 1000 }),
  );
  assert.equal((out as Image).width, 64);
  refused(
    await applyFilter("deconvolve", img64, {
      kernel: new Kernel(257, 1, new Float32Array(257).fill(1)),
    })
      .catch((x) => x),
    /kernel is 257x1; each side must be <= 255/,
  );
});

Deno.test("help <filter> gives every built-in's cost model", async () => {
  for (const plugin of registry.list()) {
    assert.match(
      plugin.cost ?? "",
      /^O\(|^u8 O\(|^exact O\(|^lsq O\(|^richardson-lucy O\(/,
      plugin.name,
    );
    const out: string[] = [];
    await main(["help", plugin.name], {
      out: (t) => out.push(t),
      err: () => {},
      errIsTerminal: false,
    });
    assert.ok(out.join("\n").includes(`\ncost: ${plugin.cost}\n`), plugin.name);
  }
});

Deno.test("a separable kernel over twice the image's height folds its taps: the direct sum's result, not 8,190 row passes", async () => {
  const img = syntheticImage(9, 4, 2, "f32", 5);
  for (const boundary of ["reflect", "constant", "replicate", "wrap", "symmetric"]) {
    for (const [kw, kh] of [[3, 11], [1, 9], [5, 25]]) {
      const column = Array.from({ length: kh }, (_, j) => 1 + ((j * 7) % 5));
      const row = Array.from({ length: kw }, (_, i) => 2 - i * 0.5);
      const kernel = column.map((c) => row.map((r) => c * r));
      const params = { kernel, boundary, cval: 3, alpha: "filter" };
      const folded = await applyFilter("correlate", img, { ...params, method: "separable" });
      const direct = await applyFilter("correlate", img, { ...params, method: "direct" });
      for (let i = 0; i < direct.data.length; i++) {
        const a = folded.data[i], b = direct.data[i];
        assert.ok(Math.abs(a - b) <= 1e-5 * (1 + Math.abs(b)), `${boundary} ${kw}x${kh} at ${i}`);
      }
    }
  }
  // The widest float Gaussian on 64² f32 (was 3.9 s: every padded row passed).
  const f32 = syntheticImage(64, 64, 1, "f32", 5);
  const out = await within(1000, () => applyFilter("gaussian", f32, { size: 8191, sigma: 1000 }));
  assert.equal((out as Image).width, 64);
});
