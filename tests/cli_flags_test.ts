// Parameter names and global flags: a plugin's `constructor`/`toString`
// params work (nothing inherited is read), `threads`/`plugin` params are not
// taken by the global flags, `pipe` takes global flags before the first --,
// and --threads is capped at the machine's cores.

import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "./_cli.ts";
import { readImage, resolveParams, writeImage } from "../mod.ts";
import { syntheticImage } from "../testing.ts";

const cli = runMain;

const dir = Deno.makeTempDirSync({ prefix: "imfilter-flags-" });
const input = join(dir, "in.png");
await writeImage(input, syntheticImage(12, 10, 1, "u8", 3));

/** A plugin whose params are named like Object.prototype members and like global flags. */
const pluginPath = join(dir, "odd_names.js");
Deno.writeTextFileSync(
  pluginPath,
  `export const oddNames = {
  [Symbol.for("imfilter.plugin")]: true, apiVersion: 1, name: "odd-names",
  summary: "adds its params to every sample (test)",
  params: {
    constructor: { type: "number", default: 0, description: "added" },
    toString: { type: "number", default: 0, description: "added too" },
    threads: { type: "integer", default: 0, min: 0, max: 100, description: "added as well" },
  },
  apply(image, p, ctx) {
    const out = ctx.Image.zeros(image.width, image.height, image.channels, "u8");
    for (let i = 0; i < out.data.length; i++) {
      out.data[i] = image.data[i] + p.constructor + p.toString + p.threads;
    }
    return out;
  },
};
`,
);

Deno.test("params named constructor and toString resolve to their defaults and to given values", () => {
  const specs = {
    constructor: { type: "number", default: 1, description: "c" },
    toString: { type: "string", default: "s", description: "t" },
    valueOf: { type: "boolean", description: "no default" },
  } as const;
  assert.deepEqual({ ...resolveParams("odd", specs, {}) }, { constructor: 1, toString: "s" });
  assert.deepEqual(
    { ...resolveParams("odd", specs, { constructor: "7", toString: "x", valueOf: "yes" }) },
    { constructor: 7, toString: "x", valueOf: true },
  );
  // An inherited name is unknown, not taken from Object.prototype.
  assert.throws(() => resolveParams("odd", specs, { hasOwnProperty: 1 }), /unknown parameter/);
  // An enum alias lookup reads own aliases only.
  const e = { type: "enum", values: ["a"], aliases: { b: "a" }, description: "e" } as const;
  assert.equal(resolveParams("odd", { e }, { e: "b" }).e, "a");
  assert.throws(() => resolveParams("odd", { e }, { e: "constructor" }), /must be one of a/);
});

Deno.test("the CLI sets constructor and toString params; --param-threads reaches a threads param", async () => {
  const out = join(dir, "odd.png");
  const r = await cli(
    "odd-names",
    input,
    out,
    "--plugin",
    pluginPath,
    "--constructor",
    "1",
    "--to-string",
    "2",
    "--param-threads",
    "4",
    "--overwrite",
  );
  assert.equal(r.status, 0, r.err);
  const got = await readImage(out), src = await readImage(input);
  assert.equal(got.data[0], src.data[0] + 7);
  const help = await cli("help", "odd-names", "--plugin", pluginPath);
  assert.match(help.out, /--param-threads <integer>/);
  assert.match(help.out, /--constructor <number>/);
});

Deno.test("--threads with a filter that has a threads param stays global, with a note naming the escape", async () => {
  const out = join(dir, "odd2.png");
  const r = await cli("odd-names", input, out, "--plugin", pluginPath, "--threads", "1");
  assert.equal(r.status, 0, r.err);
  assert.match(
    r.err,
    /note: --threads is the global flag; odd-names's own threads parameter is --param-threads/,
  );
  const got = await readImage(out), src = await readImage(input);
  assert.equal(got.data[0], src.data[0], "the param kept its default");
});

Deno.test("pipe accepts --threads N and --plugin X before the first --", async () => {
  const out = join(dir, "piped.png");
  const r = await cli(
    "pipe",
    input,
    out,
    "--threads",
    "1",
    "--plugin",
    pluginPath,
    "--",
    "odd-names",
    "--constructor",
    "3",
    "--",
    "median",
    "--size",
    "1",
  );
  assert.equal(r.status, 0, r.err);
  const got = await readImage(out), src = await readImage(input);
  assert.equal(got.data[5], src.data[5] + 3);
  const bad = await cli("pipe", input, join(dir, "x.png"), "--bogus", "--", "median");
  assert.equal(bad.status, 2);
  assert.match(
    bad.err,
    /error\[USAGE\]: pipe: --bogus is not one of its options; a filter's options follow its name after --/,
  );
});

Deno.test("--threads above the core count is capped, with a one-line note", async () => {
  const cores = navigator.hardwareConcurrency;
  const r = await cli("median", input, join(dir, "t.png"), "--threads", "256");
  assert.equal(r.status, 0, r.err);
  const notes = r.err.split("\n").filter((l) => l.startsWith("note:"));
  assert.deepEqual(notes, [
    `note: --threads 256 is more than the ${cores} cores here; using ${cores}`,
  ]);
  const ok = await cli("median", input, join(dir, "t1.png"), "--threads", String(cores));
  assert.ok(!ok.err.includes("note:"), ok.err);
});
