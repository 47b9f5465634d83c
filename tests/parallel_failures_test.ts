// applyParallel never leaves a call pending: a worker that fails to load,
// dies mid-call or never starts rejects the calls waiting on it with a
// one-line FilterError and leaves the pool; closeParallel() during a call
// rejects it; without shared memory (a page without cross-origin isolation)
// the call runs on this thread with the same result. The broken workers are
// modules under tests/fixtures/parallel/, put in through the pool's test
// settings.

import assert from "node:assert/strict";
import { applyParallel, closeParallel, FilterError, isParallelWorker, registry } from "../mod.ts";
import { syntheticImage } from "../testing.ts";
import { poolSize, withPoolSettings } from "../parallel/pool.ts";

const fixture = (name: string) => new URL(`./fixtures/parallel/${name}`, import.meta.url).href;
const img = syntheticImage(64, 48, 3, "u8", 4);
const params = { sigma: 2 };

/** Whether `e` is the one-line IO FilterError of a failed or stopped worker, matching `what`. */
function workerError(what: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof FilterError, String(e));
    assert.equal(e.code, "IO");
    assert.ok(!e.message.includes("\n"), `one line: ${JSON.stringify(e.message)}`);
    assert.match(e.message, what);
    return true;
  };
}

/** The call works again afterwards, on fresh workers, with one thread's bytes. */
async function worksAgain(): Promise<void> {
  const want = await registry.run("gaussian", img, params);
  const got = await applyParallel("gaussian", img, params, { threads: 3, minPixels: 0 });
  assert.deepEqual(got.image!.data, want.image!.data);
  assert.ok(got.image!.data.buffer instanceof SharedArrayBuffer, "workers ran it");
  closeParallel();
}

Deno.test("applyParallel: a worker whose module throws at load rejects the call in one line and leaves the pool", async () => {
  await withPoolSettings({ url: fixture("throws_at_load.ts") }, async () => {
    await assert.rejects(
      () => applyParallel("gaussian", img, params, { threads: 3, minPixels: 0 }),
      workerError(
        /^applyParallel: a worker thread failed \(.*boom at load\); this call is rejected/,
      ),
    );
    assert.equal(poolSize(), 0);
  });
  await worksAgain();
});

Deno.test("applyParallel: a worker that dies mid-call rejects every call waiting on it", async () => {
  await withPoolSettings({ url: fixture("dies_mid_call.ts") }, async () => {
    const calls = [1, 2].map(() =>
      applyParallel("gaussian", img, params, { threads: 2, minPixels: 0 })
    );
    for (const call of calls) {
      await assert.rejects(
        () => call,
        workerError(/worker thread failed \(.*worker died mid-call\)/),
      );
    }
    assert.equal(poolSize(), 0);
  });
  await worksAgain();
});

Deno.test("applyParallel: a worker that never starts serving is given up after the start timeout", async () => {
  await withPoolSettings({ url: fixture("never_ready.ts"), startTimeoutMs: 300 }, async () => {
    const t = performance.now();
    await assert.rejects(
      () => applyParallel("gaussian", img, params, { threads: 2, minPixels: 0 }),
      workerError(/a worker thread did not start within 0\.3 s/),
    );
    assert.ok(performance.now() - t < 10_000);
    assert.equal(poolSize(), 0);
  });
});

Deno.test("applyParallel: closeParallel() during a call rejects that call", async () => {
  const big = syntheticImage(300, 400, 1, "u8", 2);
  const nl = { h: 10, patchSize: 5, searchSize: 15 };
  closeParallel(); // a fresh pool
  // Right after the call started (its own stripe is done, the workers' are not).
  const call = applyParallel("nl-means", big, nl, { threads: 2, minPixels: 0 });
  assert.equal(poolSize(), 1);
  closeParallel();
  await assert.rejects(() => call, workerError(/closeParallel\(\) stopped the worker threads/));
  assert.equal(poolSize(), 0);
  // From the call's own progress callback.
  let closed = false;
  await assert.rejects(
    () =>
      applyParallel("nl-means", big, nl, {
        threads: 2,
        minPixels: 0,
        progress: (f) => {
          if (f > 0.3 && !closed) closeParallel(), closed = true;
        },
      }),
    workerError(/closeParallel\(\) stopped the worker threads during this call/),
  );
  assert.ok(closed);
  await worksAgain();
});

Deno.test("applyParallel: without shared memory (no cross-origin isolation) one thread, the same result", async () => {
  for (const [name, p] of [["gaussian", params], ["median", { size: 5 }]] as const) {
    const want = await registry.run(name, img, p);
    await withPoolSettings({ sharedMemory: false }, async () => {
      const got = await applyParallel(name, img, p, { threads: 4, minPixels: 0 });
      assert.deepEqual(got.image!.data, want.image!.data);
      assert.ok(!(got.image!.data.buffer instanceof SharedArrayBuffer), "this thread ran it");
      assert.equal(poolSize(), 0, "no worker was started");
    });
  }
  // The switch is what decides: on, the same call does use workers.
  await withPoolSettings({ sharedMemory: true }, async () => {
    const got = await applyParallel("gaussian", img, params, { threads: 2, minPixels: 0 });
    assert.ok(got.image!.data.buffer instanceof SharedArrayBuffer);
    assert.equal(poolSize(), 1);
  });
});

Deno.test("applyParallel: where the runtime refuses to start a worker (it throws), one thread, the same result", async () => {
  const want = await registry.run("gaussian", img, params);
  // new Worker() throws at once for this URL, as a page does for a cross-origin script.
  await withPoolSettings({ url: "not a url" }, async () => {
    const got = await applyParallel("gaussian", img, params, { threads: 2, minPixels: 0 });
    assert.deepEqual(got.image!.data, want.image!.data);
    assert.ok(!(got.image!.data.buffer instanceof SharedArrayBuffer), "this thread ran it");
    assert.equal(poolSize(), 0);
  });
});

Deno.test("applyParallel: threads 1 starts no worker, and this thread is not a pool worker", async () => {
  closeParallel();
  const got = await applyParallel("gaussian", img, params, { threads: 1, minPixels: 0 });
  assert.deepEqual(got.image!.data, (await registry.run("gaussian", img, params)).image!.data);
  assert.equal(poolSize(), 0);
  assert.equal(isParallelWorker(), false);
});
