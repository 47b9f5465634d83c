// The example plugins: each passes the conformance kit, works by import and
// loads with --plugin.

import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "./_cli.ts";
import {
  type AnyPlugin,
  createRegistry,
  FilterError,
  Image,
  readImage,
  registry,
  writeImage,
} from "../mod.ts";
import { checkConformance, syntheticImage } from "../testing.ts";
import { brighten } from "../examples/plugins/brighten.ts";
import { blend } from "../examples/plugins/blend.ts";

const dir = Deno.makeTempDirSync({ prefix: "imfilter-plugins-" });

const cli = runMain;

Deno.test("brighten (simple plugin) conforms, is linear, and multiplies with saturation", async () => {
  const report = await checkConformance(brighten as AnyPlugin);
  assert.ok(report.checks.some((c) => c.startsWith("linear")));
  const reg = createRegistry([brighten as AnyPlugin]);
  const out = await reg.apply("brighten", Image.fromRows([[10, 100, 250]], "u8"), { gain: 2 });
  assert.deepEqual(Array.from(out.data), [20, 200, 255]);
});

Deno.test("blend (image-valued param) conforms and checks the other image's size", async () => {
  await checkConformance(blend as AnyPlugin, {
    params: (img: Image) => ({
      with: syntheticImage(img.width, img.height, img.channels, img.dtype, 99),
    }),
  });
  const reg = createRegistry([blend as AnyPlugin]);
  const a = Image.fromRows([[0, 100]], "u8"), b = Image.fromRows([[200, 100]], "u8");
  assert.deepEqual(Array.from((await reg.apply("blend", a, { with: b, weight: 0.25 })).data), [
    50,
    100,
  ]);
  await assert.rejects(
    () => reg.apply("blend", a, { with: Image.zeros(3, 1) }),
    (e: unknown) =>
      e instanceof FilterError && e.code === "SIZE_MISMATCH" && /must match/.test(e.message),
  );
  await assert.rejects(
    () => reg.apply("blend", a, {}),
    (e: unknown) => e instanceof FilterError && /with is required/.test(e.message),
  );
});

Deno.test("both load with --plugin; blend reads its --with image from a path", async () => {
  const a = join(dir, "a.png"), b = join(dir, "b.png"), out = join(dir, "out.png");
  await writeImage(a, syntheticImage(16, 12, 3, "u8", 1));
  await writeImage(b, syntheticImage(16, 12, 3, "u8", 2));
  const plugins = ["brighten", "blend"].map((n) =>
    new URL(`../examples/plugins/${n}.ts`, import.meta.url).pathname
  );
  const r = await cli("blend", a, out, "--plugin", plugins[1], "--with", b, "--weight", "0.5");
  assert.equal(r.status, 0, r.err);
  const got = await readImage(out), ia = await readImage(a), ib = await readImage(b);
  for (let i = 0; i < got.data.length; i++) {
    assert.ok(Math.abs(got.data[i] - (ia.data[i] + ib.data[i]) / 2) <= 0.5);
  }
  const r2 = await cli(
    "brighten",
    a,
    join(dir, "bright.png"),
    "--plugin",
    plugins[0],
    "--gain",
    "1.1",
  );
  assert.equal(r2.status, 0, r2.err);
  // The CLI registers a stand-in that runs the module's plugin in its sandbox.
  const registered = registry.get("blend");
  assert.notEqual(registered, blend);
  assert.equal(registered.summary, blend.summary);
  assert.deepEqual(Object.keys(registered.params), Object.keys(blend.params));
});
