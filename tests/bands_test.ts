// Band-by-band filtering (core/bands.ts) equals the whole-image run.

import assert from "node:assert/strict";
import { Image, median, nlMeans, registry } from "../mod.ts";
import { filterByBands } from "../core/bands.ts";
import { syntheticImage } from "../testing.ts";

Deno.test("filterByBands: bands with their halo give the whole-image result, all rows or some", () => {
  const cases = [
    {
      halo: (5 >> 1) + (3 >> 1) + 1,
      run: (im: ReturnType<typeof syntheticImage>) =>
        nlMeans(im, { h: 12, patchSize: 3, searchSize: 5, color: "per-channel" }),
    },
    { halo: 3, run: (im: ReturnType<typeof syntheticImage>) => median(im, { size: 7 }) },
  ];
  for (const { halo, run } of cases) {
    for (const [channels, dtype] of [[1, "u8"], [3, "u8"], [3, "f32"]] as const) {
      const img = syntheticImage(23, 197, channels, dtype, 4);
      const want = run(img);
      const n = img.width * channels;
      // 1 sample per band: bands of the minimum 16·halo rows; 2000: a few rows more.
      for (const bandSamples of [1, 2000 * channels]) {
        const got = filterByBands(img, { halo, bandSamples }, (band) => run(band));
        assert.deepEqual(got.data, want.data, `${channels} ${dtype} ${bandSamples}`);
        for (const [from, to] of [[0, 5], [60, 140], [150, 197]]) {
          const rows = filterByBands(img, { halo, bandSamples, rows: { from, to } }, run);
          assert.equal(rows.height, to - from);
          assert.deepEqual(rows.data, want.data.subarray(from * n, to * n), `${from}..${to}`);
        }
      }
    }
  }
});

Deno.test("nl-means on an image of several bands: rows across a band edge as if filtered whole", async () => {
  // 4096 wide, 1100 rows: bands of 1024 rows (4 M samples; gray u8, the SIMD path).
  const img = syntheticImage(4096, 1100, 1, "u8", 8);
  const params = { h: 10, patchSize: 3, searchSize: 5 };
  const got = (await registry.run("nl-means", img, params)).image!;
  // Rows 1000..1050 straddle the first band edge; a crop of rows 900..1100 (one band) holds
  // every row they read, so its rows 100..150 are those rows of the whole-image result.
  const crop = new Image(4096, 200, 1, img.data.subarray(900 * 4096, 1100 * 4096));
  const whole = (await registry.run("nl-means", crop, params)).image!;
  assert.deepEqual(
    got.data.subarray(1000 * 4096, 1050 * 4096),
    whole.data.subarray(100 * 4096, 150 * 4096),
  );
  const part = (await registry.run("nl-means", img, params, { rows: { from: 1000, to: 1050 } }))
    .image!;
  assert.equal(part.height, 50);
  assert.deepEqual(part.data, got.data.subarray(1000 * 4096, 1050 * 4096));
});
