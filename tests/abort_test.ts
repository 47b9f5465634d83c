// Stopping a run: an AbortSignal or a time limit stops applyFilter,
// registry.run, runPipeline, applyParallel and the CLI (--timeout, batch
// per file) between rows, with the platform's AbortError / TimeoutError
// (the CLI: one line, TIMEOUT, exit 1) and no output.

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type AnyPlugin,
  applyFilter,
  applyParallel,
  closeParallel,
  createRegistry,
  FilterError,
  type Image,
  isAbortError,
  registry,
  runPipeline,
  writeImage,
} from "../mod.ts";
import { syntheticImage } from "../testing.ts";
import { runMain } from "./_cli.ts";

/** A run that takes seconds: the exact bilateral with its widest window (255 px) on 384². */
const slow = { name: "bilateral", params: { diameter: 255 } };
const big = syntheticImage(384, 384, 1, "u8", 1);

async function elapsed<T>(f: () => Promise<T>): Promise<[T | unknown, number]> {
  const t0 = performance.now();
  const r = await f().then((v) => v, (e) => e);
  return [r, performance.now() - t0];
}

Deno.test("applyFilter with a time limit stops a long filter between rows with a TimeoutError", async () => {
  const [e, ms] = await elapsed(() => applyFilter(slow.name, big, slow.params, { timeout: 100 }));
  assert.ok(isAbortError(e) && e.name === "TimeoutError", String(e));
  assert.match((e as Error).message, /did not finish within its time limit of 0\.1 s/);
  assert.ok(!(e instanceof FilterError));
  assert.ok(ms < 2000, `stopped after ${ms.toFixed(0)} ms`);
});

Deno.test("an aborted signal stops a run before it starts, with the signal's reason", async () => {
  const controller = new AbortController();
  controller.abort();
  const [e, ms] = await elapsed(() =>
    registry.run(slow.name, big, slow.params, { signal: controller.signal })
  );
  assert.ok(e instanceof DOMException && e.name === "AbortError", String(e));
  assert.ok(ms < 100);
  const reason = new Error("user cancelled");
  await assert.rejects(
    () => applyFilter("median", big, {}, { signal: AbortSignal.abort(reason) }),
    (x) => x === reason,
  );
  await assert.rejects(() => applyFilter("median", big, {}, { timeout: -1 }), /timeout must be/);
});

const waits: AnyPlugin = {
  [Symbol.for("imfilter.plugin")]: true,
  apiVersion: 1,
  name: "waits",
  summary: "awaits a timer, then runs a slow built-in (test)",
  params: {},
  async apply(image: Image, _p: unknown, ctx) {
    await new Promise((r) => setTimeout(r, 20));
    return await ctx.run(slow.name, image, slow.params);
  },
};

Deno.test("a signal aborted while an asynchronous plugin awaits rejects at once; a nested ctx.run keeps the time limit", async () => {
  const reg = createRegistry([...registry.list(), waits]);
  const signal = AbortSignal.timeout(5);
  const [e, ms] = await elapsed(() =>
    reg.run("waits", big, {}, { signal: AbortSignal.any([signal]) })
  );
  assert.ok(isAbortError(e), String(e));
  assert.ok(ms < 1000, `${ms} ms`);
  const [t, ms2] = await elapsed(() => reg.run("waits", big, {}, { timeout: 150 }));
  assert.ok(isAbortError(t) && t.name === "TimeoutError", String(t));
  assert.ok(ms2 < 2000, `${ms2} ms`);
});

Deno.test("runPipeline shares one time limit over its steps", async () => {
  const steps = [{ filter: "median", params: { size: 3 } }, {
    filter: slow.name,
    params: slow.params,
  }];
  const [e] = await elapsed(() => runPipeline(big, steps, { timeout: 100 }));
  assert.ok(isAbortError(e) && e.name === "TimeoutError", String(e));
});

Deno.test("applyParallel stops every thread at its time limit; the pool works afterwards", async () => {
  try {
    const [e, ms] = await elapsed(() =>
      applyParallel(slow.name, big, slow.params, { threads: 2, minPixels: 0, timeout: 150 })
    );
    assert.ok(isAbortError(e) && e.name === "TimeoutError", String(e));
    assert.ok(ms < 3000, `${ms} ms`);
    const aborted = AbortSignal.abort();
    await assert.rejects(
      () => applyParallel("median", big, {}, { threads: 2, minPixels: 0, signal: aborted }),
      (x) => isAbortError(x),
    );
    const { image } = await applyParallel("median", big, { size: 5 }, { threads: 2, minPixels: 0 });
    assert.deepEqual(image!.data, (await applyFilter("median", big, { size: 5 })).data);
  } finally {
    closeParallel();
  }
});

Deno.test("CLI --timeout: one line, TIMEOUT, exit 1, no output; batch times out per file and goes on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imfilter-timeout-" });
  const input = join(dir, "big.png");
  await writeImage(input, big);
  const out = join(dir, "out.png");
  const t0 = performance.now();
  const r = await runMain("bilateral", input, out, "--diameter", "255", "--timeout", "0.2");
  assert.ok(performance.now() - t0 < 5000);
  assert.equal(r.status, 1);
  assert.equal(r.errLines.length, 1, r.err);
  assert.match(
    r.errLines[0],
    /^error\[TIMEOUT\]: the run did not finish within its time limit of 0\.2 s; nothing was written$/,
  );
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["big.png"]);
  const bad = await runMain("median", input, out, "--timeout", "0");
  assert.equal(bad.status, 2);
  assert.match(bad.errLines[0], /--timeout must be a number of seconds > 0/);

  const small = join(dir, "in");
  Deno.mkdirSync(small);
  await writeImage(join(small, "a.png"), syntheticImage(16, 16, 1, "u8", 2));
  await writeImage(join(small, "b.png"), big);
  const b = await runMain(
    "batch",
    small,
    "--out-dir",
    join(dir, "o"),
    "--timeout",
    "1",
    "--",
    "bilateral",
    "--diameter",
    "255",
  );
  assert.equal(b.status, 1, b.err);
  assert.ok(b.errLines.some((l) => /^FAILED .*b\.png: error\[TIMEOUT\]/.test(l)), b.err);
  assert.deepEqual([...Deno.readDirSync(join(dir, "o"))].map((e) => e.name), ["a.png"]);
});
