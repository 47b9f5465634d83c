// The registry and plugin interface: registration rules, structural brand,
// apiVersion, sorted listing, output checks, and the conformance kit.

import assert from "node:assert/strict";
import {
  type AnyPlugin,
  API_VERSION,
  applyFilter,
  checkPlugin,
  convolvePlugin,
  correlatePlugin,
  createRegistry,
  FilterError,
  type FilterPlugin,
  Image,
  isBranded,
  registry,
} from "../mod.ts";
import * as filters from "../filters/mod.ts";
import { checkConformance, impulseImage, syntheticImage } from "../testing.ts";
import { unsharpMask } from "../examples/plugins/unsharp_mask.ts";

function plugin(name: string, extra: Partial<AnyPlugin> = {}): AnyPlugin {
  return {
    [Symbol.for("imfilter.plugin")]: true,
    apiVersion: API_VERSION,
    name,
    summary: `the ${name} filter`,
    params: { gain: { type: "number", default: 1, min: 0, description: "multiplier" } },
    apply: (image: Image, p: { gain: number }) =>
      new Image(image.width, image.height, image.channels, image.data.map((v) => v * p.gain)),
    ...extra,
  } as AnyPlugin;
}

function code(c: string) {
  return (e: unknown) => e instanceof FilterError && e.code === c;
}

Deno.test("registering the same plugin object twice is a no-op", () => {
  const reg = createRegistry();
  const p = plugin("gain");
  reg.register(p);
  reg.register(p);
  assert.deepEqual(reg.names(), ["gain"]);
});

Deno.test("a different plugin under a taken name is DUPLICATE_FILTER unless replace", () => {
  const reg = createRegistry([plugin("gain")]);
  const other = plugin("gain");
  assert.throws(() => reg.register(other), code("DUPLICATE_FILTER"));
  reg.register(other, { replace: true });
  assert.equal(reg.get("gain"), other);
});

Deno.test("listing is sorted and stable whatever the registration order", () => {
  const names = ["zeta", "alpha", "mid-one", "beta"];
  const a = createRegistry(names.map((n) => plugin(n)));
  const b = createRegistry([...names].reverse().map((n) => plugin(n)));
  assert.deepEqual(a.names(), ["alpha", "beta", "mid-one", "zeta"]);
  assert.deepEqual(a.names(), b.names());
  assert.deepEqual(a.list().map((p) => p.name), a.names());
});

Deno.test("plugins are recognised by brand, not instanceof; missing brand or wrong apiVersion are clear errors", () => {
  const unbranded = { ...plugin("x") } as Record<PropertyKey, unknown>;
  delete unbranded[Symbol.for("imfilter.plugin")];
  assert.throws(
    () => checkPlugin(unbranded),
    (e: unknown) => e instanceof FilterError && /lacks the brand/.test(e.message),
  );
  assert.throws(
    () => checkPlugin(plugin("x", { apiVersion: 99 })),
    (e: unknown) =>
      e instanceof FilterError && /API version 99.*implements version 1/.test(e.message),
  );
  // A plain object literal (as a plugin from another copy of imfilter) is accepted.
  const reg = createRegistry([plugin("copy-from-jsr")]);
  assert.ok(reg.has("copy-from-jsr"));
});

Deno.test("invalid plugin objects and param specs are rejected naming the plugin", () => {
  const bad: [AnyPlugin, RegExp][] = [
    [plugin("Bad_Name"), /kebab-case/],
    [plugin("x", { summary: "" }), /summary/],
    [plugin("x", { apply: undefined as never }), /apply must be a function/],
    [plugin("x", { family: "Linear Filters" }), /family must be kebab-case/],
    [plugin("x", { family: 3 as never }), /family must be kebab-case/],
    [
      plugin("x", { params: { n: { type: "wat", description: "d" } } as never }),
      /type must be one of/,
    ],
    [
      plugin("x", { params: { n: { type: "number", description: "" } } as never }),
      /needs a description/,
    ],
    [
      plugin("x", { params: { n: { type: "enum", description: "d" } } as never }),
      /non-empty values/,
    ],
    [
      plugin("x", {
        params: { n: { type: "number", description: "d", min: 2, default: 1 } } as never,
      }),
      /default 1 fails/,
    ],
  ];
  for (const [p, re] of bad) {
    assert.throws(
      () => createRegistry([p]),
      (e: unknown) => e instanceof FilterError && re.test(e.message),
      String(re),
    );
  }
});

Deno.test("unknown filters are UNKNOWN_FILTER with near names", async () => {
  await assert.rejects(
    () => applyFilter("corelate", Image.zeros(3, 3), {}),
    (e: unknown) =>
      e instanceof FilterError && e.code === "UNKNOWN_FILTER" &&
      /did you mean correlate/.test(e.message),
  );
});

Deno.test("a plugin that throws, or returns the wrong shape or a non-image, is reported by name", async () => {
  const reg = createRegistry([
    plugin("thrower", {
      apply: () => {
        throw new TypeError("boom");
      },
    }),
    plugin("shrinker", { apply: () => Image.zeros(1, 1) }),
    plugin("liar", { apply: () => 42 as never }),
  ]);
  const img = Image.zeros(4, 4);
  await assert.rejects(
    () => reg.run("thrower", img),
    (e: unknown) => e instanceof FilterError && /"thrower" failed: boom/.test(e.message),
  );
  await assert.rejects(() => reg.run("shrinker", img), code("SIZE_MISMATCH"));
  await assert.rejects(
    () => reg.run("liar", img),
    (e: unknown) => e instanceof FilterError && /"liar" returned 42/.test(e.message),
  );
});

Deno.test("params are validated and defaulted through the specs before apply", async () => {
  const reg = createRegistry([plugin("gain")]);
  const img = new Image(2, 1, 1, new Float32Array([1, 2]));
  assert.deepEqual(Array.from((await reg.apply("gain", img)).data), [1, 2]);
  assert.deepEqual(Array.from((await reg.apply("gain", img, { gain: "3" })).data), [3, 6]);
  await assert.rejects(
    () => reg.apply("gain", img, { gain: -1 }),
    (e: unknown) =>
      e instanceof FilterError && /gain must be a finite number >= 0, got -1/.test(e.message),
  );
  await assert.rejects(
    () => reg.apply("gain", img, { gian: 2 }),
    (e: unknown) => e instanceof FilterError && /unknown parameter "gian"/.test(e.message),
  );
});

Deno.test("applyFilter on a delta image returns the kernel of the linear built-ins", async () => {
  const rows = [[1, 2, 3], [4, 5, 6], [7, 8, 10]];
  const corr = await applyFilter("correlate", impulseImage(7, 7), {
    kernel: rows,
    boundary: "constant",
  });
  const conv = await applyFilter("convolve", impulseImage(7, 7), {
    kernel: rows,
    boundary: "constant",
  });
  // Convolution's impulse response is the kernel; correlation's is the kernel rotated 180°.
  const window = (img: Image) => [1, 2, 3].map((y) => [2, 3, 4].map((x) => img.get(x, y + 1)));
  assert.deepEqual(window(conv), rows);
  assert.deepEqual(window(corr), rows.map((r) => [...r].reverse()).reverse());
});

Deno.test("the built-ins are registered in the default registry and pass the conformance kit", async () => {
  for (const p of [correlatePlugin, convolvePlugin] as FilterPlugin<never>[]) {
    assert.equal(registry.get(p.name), p);
    const report = await checkConformance(p as AnyPlugin, { params: { kernel: "1,2,0;-1,3,1" } });
    assert.ok(report.checks.some((c) => c.startsWith("linear")));
  }
});

Deno.test("every built-in names its family: the folder or one-file module it lives in under filters/", () => {
  const families = new Set(
    [...Deno.readDirSync(new URL("../filters/", import.meta.url))]
      .map((e) => e.name.replace(/\.ts$/, "").replaceAll("_", "-")).filter((n) => n !== "mod"),
  );
  const builtins = Object.values(filters).filter(isBranded) as AnyPlugin[];
  assert.ok(builtins.length >= 16, `${builtins.length} built-ins`);
  for (const p of builtins) {
    assert.ok(p.family && families.has(p.family), `${p.name}: family ${p.family}`);
  }
  assert.equal(registry.get("gaussian").family, "linear");
  assert.equal(registry.get("nl-means").family, "nl-means");
  assert.equal(createRegistry([plugin("ungrouped")]).get("ungrouped").family, undefined);
});

Deno.test("the conformance kit catches a plugin that claims linearity falsely", async () => {
  const squarer = plugin("squarer", {
    linear: true,
    apply: (image: Image) =>
      new Image(image.width, image.height, image.channels, image.data.map((v) => v * v)),
  });
  await assert.rejects(() => checkConformance(squarer), /declares linear but/);
});

Deno.test("the example unsharp-mask plugin passes the conformance kit and sharpens edges", async () => {
  await checkConformance(unsharpMask as AnyPlugin);
  const reg = createRegistry([...registry.list(), unsharpMask as AnyPlugin]);
  const step = Image.fromRows([Array.from({ length: 16 }, (_, x) => (x < 8 ? 50 : 200))], "u8");
  const out = await reg.apply("unsharp-mask", step, { sigma: 1, amount: 1 });
  assert.ok(
    out.get(7, 0) < 50 && out.get(8, 0) > 200,
    `overshoot at the edge: ${out.get(7, 0)}, ${out.get(8, 0)}`,
  );
  assert.equal(out.get(0, 0), 50); // flat regions unchanged
  const rgb = syntheticImage(20, 20, 3, "u8", 2);
  const none = await reg.apply("unsharp-mask", rgb, { amount: 0 });
  assert.deepEqual(Array.from(none.data), Array.from(rgb.data));
});
