// Every registered filter (built-ins and the example plugin) under random and
// extreme inputs: only valid images or clean FilterErrors may come out, and
// the input is never changed. The inputs include float images with NaN and
// ±Infinity, and parameters at, just past and far past their maxima (so
// that every value derived from them — a window from a sigma, a grid from
// a colour sigma, a footprint's entries — meets its budget: each call here
// must end in well under a second). Bounded for CI; `deno task fuzz` runs
// the same properties much longer.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type AnyPlugin,
  createRegistry,
  type DType,
  Image,
  isFilterError,
  Kernel,
  type ParamSpec,
  registry,
} from "../mod.ts";
import { unsharpMask } from "../examples/plugins/unsharp_mask.ts";

const RUNS = Number(Deno.env.get("IMFILTER_FUZZ_RUNS") ?? "25");
const reg = createRegistry([...registry.list(), unsharpMask as AnyPlugin]);

const dtypeArb = fc.constantFrom<DType>("u8", "u16", "f32");

/** A small image with a random shape, dtype and content (including extremes). */
const imageArb = fc.record({
  w: fc.integer({ min: 1, max: 9 }),
  h: fc.integer({ min: 1, max: 9 }),
  c: fc.integer({ min: 1, max: 4 }),
  dtype: dtypeArb,
  kind: fc.constantFrom("random", "constant", "extreme", "nonfinite"),
  seed: fc.integer(),
}).map(({ w, h, c, dtype, kind, seed }) => {
  const img = Image.zeros(w, h, c, dtype);
  const max = dtype === "u8" ? 255 : dtype === "u16" ? 65535 : 1e30;
  let s = seed >>> 0;
  for (let i = 0; i < img.data.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const r = s / 4294967296;
    img.data[i] = kind === "constant"
      ? max / 2
      : kind === "extreme"
      ? (r < 0.5 ? 0 : max)
      : dtype !== "f32"
      ? Math.floor(r * max)
      : kind === "nonfinite" && r < 0.25
      ? [NaN, Infinity, -Infinity][Math.floor(r * 12)]
      : r;
  }
  return img;
});

/**
 * An image-valued param that fits `input`: a crop of it (same dtype and
 * channels, at most its size) — so template matching and kernel estimation
 * get inputs they can run on, not only refusals.
 */
function fittingImageArb(input: Image): fc.Arbitrary<Image> {
  return fc.record({
    w: fc.integer({ min: 1, max: input.width }),
    h: fc.integer({ min: 1, max: input.height }),
    x: fc.nat(),
    y: fc.nat(),
  }).map(({ w, h, x, y }) =>
    input.crop(x % (input.width - w + 1), y % (input.height - h + 1), w, h)
  );
}

/**
 * Values at and past a param's limits: its maximum, one past it, far past
 * it, and for numbers the degenerate ends (1e-300, the smallest denormal,
 * 1e300) — what derived windows, grids and footprints grow from.
 */
function edgeArb(spec: ParamSpec): fc.Arbitrary<unknown> | undefined {
  const max = spec.max;
  switch (spec.type) {
    case "number":
      return fc.constantFrom(
        ...[max, spec.min, 1e-300, Number.MIN_VALUE, 1e300, 123456.5].filter((v) =>
          v !== undefined
        ),
      );
    case "integer":
    case "size":
      if (max === undefined) return undefined;
      return fc.constantFrom(
        ...[max, max - 1, max + 1, max + 2, 0, spec.type === "size" ? [max, 1] : max * 3],
      );
    case "kernel":
      // A kernel at its maximum side, one past it, and non-finite entries.
      return fc.constantFrom(
        ...(max === undefined ? [] : [max, max + 1]).map((n) =>
          new Kernel(n, 1, new Float32Array(n).fill(1 / n))
        ),
        [[NaN, 1]],
        [[Infinity]],
      );
  }
  return undefined;
}

/** A value for a param: mostly plausible, sometimes out of range, past its limits or of the wrong type. */
function valueArb(spec: ParamSpec, input: Image): fc.Arbitrary<unknown> {
  const wrong = fc.constantFrom<unknown>("junk", -1, 0, 1e9, NaN, Infinity, null, [], {});
  let good: fc.Arbitrary<unknown>;
  switch (spec.type) {
    case "number":
      good = fc.double({ min: spec.min ?? -10, max: Math.min(spec.max ?? 50, 50), noNaN: true });
      break;
    case "integer":
      good = fc.integer({ min: Math.max(spec.min ?? -5, -5), max: Math.min(spec.max ?? 15, 15) });
      break;
    case "size":
      good = fc.oneof(
        fc.integer({ min: 1, max: 11 }),
        fc.tuple(fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 11 })),
      );
      break;
    case "boolean":
      good = fc.boolean();
      break;
    case "enum":
      good = fc.constantFrom(...spec.values!);
      break;
    case "boundary":
      good = fc.constantFrom(
        "constant",
        "replicate",
        "reflect",
        "symmetric",
        "wrap",
        "nearest",
        "mirror",
      );
      break;
    case "dtype":
      good = dtypeArb;
      break;
    case "kernel":
      good = fc.array(
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
        { minLength: 1, maxLength: 3 },
      );
      break;
    case "image":
      good = fc.oneof(fittingImageArb(input), imageArb);
      break;
    case "point":
      good = fc.record({ x: fc.integer({ min: -1, max: 3 }), y: fc.integer({ min: -1, max: 3 }) });
      break;
    default:
      good = fc.string({ maxLength: 5 });
  }
  const edge = edgeArb(spec);
  return edge
    ? fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: wrong }, {
      weight: 1,
      arbitrary: edge,
    })
    : fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: wrong });
}

function paramsArb(plugin: AnyPlugin, input: Image): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(plugin.params as Record<string, ParamSpec>);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, spec] of entries) {
    model[name] = spec.required
      ? valueArb(spec, input)
      : fc.option(valueArb(spec, input), { nil: undefined, freq: 2 });
  }
  return fc.record(model);
}

/** Runs one case; returns whether the filter produced a result (rather than a FilterError). */
async function checkRun(
  plugin: AnyPlugin,
  image: Image,
  params: Record<string, unknown>,
): Promise<boolean> {
  const before = image.data.slice();
  const unchanged = () =>
    assert.ok(
      before.every((v, i) => Object.is(v, image.data[i])),
      `${plugin.name} changed its input with ${JSON.stringify(params)}`,
    );
  const t0 = performance.now();
  try {
    const r = await reg.run(plugin.name, image, params);
    if (r.image) {
      const img = r.image;
      assert.equal(img.data.length, img.width * img.height * img.channels);
    }
    unchanged();
    return true;
  } catch (e) {
    unchanged();
    if (!isFilterError(e)) {
      throw new Error(
        `${plugin.name} threw a non-FilterError for ${
          JSON.stringify(params)
        } on ${image.width}x${image.height}x${image.channels} ${image.dtype}: ${e}`,
      );
    }
    assert.ok(!e.message.includes("\n"), `multi-line message: ${e.message}`);
    return false;
  } finally {
    // The work budget: no parameter makes a 9×9 image cost seconds.
    const ms = performance.now() - t0;
    assert.ok(ms < 3000, `${plugin.name} took ${ms.toFixed(0)} ms with ${JSON.stringify(params)}`);
  }
}

for (const plugin of reg.list()) {
  Deno.test(`fuzz: ${plugin.name} gives a valid image or a clean FilterError for random images and params`, async () => {
    let ran = 0, refused = 0;
    await fc.assert(
      fc.asyncProperty(
        imageArb.chain((image) => paramsArb(plugin, image).map((params) => ({ image, params }))),
        async ({ image, params }) => {
          if (await checkRun(plugin, image, params)) ran++;
          else refused++;
        },
      ),
      { numRuns: RUNS, seed: 1234, endOnFailure: true },
    );
    // Both outcomes must occur, or the fuzz only exercised one side.
    assert.ok(ran > 0 && refused > 0, `${plugin.name}: ${ran} ran, ${refused} refused`);
  });
}
