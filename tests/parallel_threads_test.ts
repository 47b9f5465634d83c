// How applyParallel finds its threads in each runtime, played here with
// stand-in globals: Deno and browsers (a global Worker, named workers), Node
// (no Worker, no navigator: worker_threads and os through
// process.getBuiltinModule, a workerData marker) and Bun (a global Worker
// without self.name: the marker in workerData). The real runtimes run in
// tests/parallel_runtimes_test.ts.

import assert from "node:assert/strict";
import {
  defaultThreads,
  firstLine,
  poolWorkerChannel,
  READY,
  type RuntimeGlobals,
  serveParent,
  sharedMemoryAvailable,
  startThread,
  threadsAvailable,
  WORKER_NAME,
} from "../parallel/threads.ts";

/** A stand-in `process` whose `getBuiltinModule` knows the given modules. */
function nodeProcess(modules: Record<string, unknown>): RuntimeGlobals["process"] {
  return { getBuiltinModule: (id: string) => modules[id] };
}

Deno.test("threads: the default count is navigator's, else os.availableParallelism(), else 1", () => {
  assert.equal(defaultThreads(), navigator.hardwareConcurrency);
  assert.equal(defaultThreads({ navigator: { hardwareConcurrency: 6 } }), 6);
  const os = { availableParallelism: () => 7 };
  assert.equal(defaultThreads({ process: nodeProcess({ "node:os": os }) }), 7); // Node 20
  assert.equal(defaultThreads({ process: {} }), 1); // Node before getBuiltinModule
  assert.equal(defaultThreads({}), 1);
  assert.equal(defaultThreads({ navigator: { hardwareConcurrency: 1000 } }), 256);
  const throwing = {
    getBuiltinModule: () => {
      throw new Error("no");
    },
  };
  assert.equal(defaultThreads({ process: throwing }), 1);
});

Deno.test("threads: shared memory needs SharedArrayBuffer and, in a page, cross-origin isolation", () => {
  assert.equal(sharedMemoryAvailable(), true);
  assert.equal(sharedMemoryAvailable({ SharedArrayBuffer }), true); // Node, Bun, Deno
  assert.equal(sharedMemoryAvailable({ SharedArrayBuffer, crossOriginIsolated: true }), true);
  assert.equal(sharedMemoryAvailable({ SharedArrayBuffer, crossOriginIsolated: false }), false);
  assert.equal(sharedMemoryAvailable({ crossOriginIsolated: false }), false); // a plain page
  assert.equal(sharedMemoryAvailable({}), false);
});

Deno.test("threads: a web Worker or worker_threads, else none", () => {
  assert.equal(threadsAvailable(), true);
  assert.equal(threadsAvailable({ Worker: class {} as never }), true);
  assert.equal(
    threadsAvailable({ process: nodeProcess({ "node:worker_threads": { Worker: class {} } }) }),
    true,
  );
  assert.equal(threadsAvailable({ process: nodeProcess({}) }), false);
  assert.equal(threadsAvailable({}), false);
});

class Scope {}

Deno.test("threads: only the pool's own workers serve stripes (Deno/browser name, Node/Bun workerData)", () => {
  const posted: unknown[] = [];
  const worker = (extra: Partial<RuntimeGlobals>): RuntimeGlobals =>
    Object.assign(new Scope(), {
      WorkerGlobalScope: Scope,
      postMessage: (m: unknown) => posted.push(m),
      addEventListener: () => {},
      ...extra,
    }) as RuntimeGlobals;
  // Deno and browsers: a dedicated worker named by the pool.
  const web = poolWorkerChannel(worker({ name: WORKER_NAME, Worker: class {} as never }));
  assert.ok(web);
  web.post("hi");
  assert.deepEqual(posted, ["hi"]);
  assert.equal(
    poolWorkerChannel(worker({ name: "someone else's", Worker: class {} as never })),
    undefined,
  );
  // A page whose window.name happens to be the pool's name is no worker.
  assert.equal(poolWorkerChannel({ name: WORKER_NAME, Worker: class {} as never }), undefined);
  // The main thread here.
  assert.equal(poolWorkerChannel(), undefined);

  const wt = (isMainThread: boolean, workerData: unknown) => {
    const port = {
      sent: [] as unknown[],
      postMessage: (m: unknown) => port.sent.push(m),
      on: () => port,
    };
    return {
      port,
      process: nodeProcess({
        "node:worker_threads": { isMainThread, workerData, parentPort: port },
      }),
    };
  };
  // Node: the marker in workerData, messages through parentPort.
  const node = wt(false, { imfilterParallel: "node" });
  const channel = poolWorkerChannel({ process: node.process });
  assert.ok(channel);
  channel.post(READY);
  assert.deepEqual(node.port.sent, [READY]);
  assert.equal(poolWorkerChannel({ process: wt(false, { other: 1 }).process }), undefined);
  assert.equal(poolWorkerChannel({ process: wt(false, undefined).process }), undefined);
  assert.equal(
    poolWorkerChannel({ process: wt(true, { imfilterParallel: "node" }).process }),
    undefined,
  );
  // Bun: a web Worker global, no self.name, the marker in workerData, messages through self.
  const bun = poolWorkerChannel({
    ...worker({ Worker: class {} as never, Bun: {} }),
    process: wt(false, { imfilterParallel: "web" }).process,
  });
  assert.ok(bun);
});

Deno.test("threads: Node workers get the module's file URL and the marker; their failures are one line", () => {
  const made: FakeNodeWorker[] = [];
  class FakeNodeWorker {
    handlers: Record<string, (a: unknown) => void> = {};
    refs: string[] = [];
    constructor(readonly url: URL, readonly options: unknown) {
      made.push(this);
    }
    on(ev: string, fn: (a: unknown) => void) {
      this.handlers[ev] = fn;
    }
    postMessage() {}
    terminate() {}
    ref() {
      this.refs.push("ref");
    }
    unref() {
      this.refs.push("unref");
    }
  }
  const failures: string[] = [], messages: unknown[] = [];
  const g: RuntimeGlobals = {
    process: nodeProcess({ "node:worker_threads": { Worker: FakeNodeWorker } }),
  };
  const t = startThread(
    "file:///app/imfilter.mjs",
    { message: (m) => messages.push(m), failed: (r) => failures.push(r) },
    g,
  );
  assert.equal(made.length, 1);
  assert.equal(made[0].url.href, "file:///app/imfilter.mjs");
  assert.deepEqual(made[0].options, { workerData: { imfilterParallel: "node" } });
  made[0].handlers.message("reply");
  made[0].handlers.error(new Error("Cannot find module '/app/imfilter.mjs'\n    at stack"));
  made[0].handlers.exit(1);
  assert.deepEqual(messages, ["reply"]);
  assert.deepEqual(failures, ["Cannot find module '/app/imfilter.mjs'", "it exited with code 1"]);
  t.keepAlive(true);
  t.keepAlive(false);
  assert.deepEqual(made[0].refs, ["ref", "unref"]); // an idle pool lets Node exit
  assert.throws(
    () => startThread("file:///x.mjs", { message() {}, failed() {} }, {}),
    /no worker threads/,
  );
});

Deno.test("threads: web workers are named (and marked in workerData in Bun); their failures are one line", () => {
  const made: FakeWebWorker[] = [];
  class FakeWebWorker {
    listeners: Record<string, (ev: unknown) => void> = {};
    constructor(readonly url: string, readonly options: Record<string, unknown>) {
      made.push(this);
    }
    addEventListener(type: string, fn: (ev: unknown) => void) {
      this.listeners[type] = fn;
    }
    postMessage() {}
    terminate() {}
  }
  const failures: string[] = [];
  const events = { message() {}, failed: (r: string) => failures.push(r) };
  startThread("file:///app/mod.ts", events, { Worker: FakeWebWorker as never }); // Deno, browsers
  startThread("file:///app/mod.ts", events, { Worker: FakeWebWorker as never, Bun: {} });
  assert.deepEqual(made[0].options, { type: "module", name: WORKER_NAME });
  assert.deepEqual(made[1].options, {
    type: "module",
    name: WORKER_NAME,
    workerData: { imfilterParallel: "web" },
  });
  let prevented = 0;
  const error = (fields: object) => ({ preventDefault: () => prevented++, ...fields });
  const w = made[0].listeners;
  w.error(error({ message: "Uncaught Error: boom\n    at x", error: undefined }));
  w.error(error({})); // a browser's failed module load: a bare Event
  w.messageerror({});
  w.close({}); // Bun, when a worker ends
  assert.equal(prevented, 2, "Deno would rethrow an unprevented worker error");
  assert.deepEqual(failures, [
    "Uncaught Error: boom",
    "its module did not load or run",
    "a message from it could not be read",
    "it exited",
  ]);
});

Deno.test("threads: a pool worker announces it is ready, then answers each message", async () => {
  const sent: unknown[] = [];
  let listener: ((d: unknown) => void) | undefined;
  serveParent(
    { post: (m) => sent.push(m), listen: (fn) => listener = fn },
    (m) => Promise.resolve({ echo: m }),
  );
  assert.deepEqual(sent, [READY]);
  listener!(41);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(sent, [READY, { echo: 41 }]);
  assert.equal(firstLine(new Error("\n  first\nsecond")), "first");
  assert.equal(firstLine(undefined), "unknown error");
});
