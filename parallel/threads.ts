/**
 * The threads of `applyParallel`, in every runtime. The pool's workers are
 * web `Worker`s where the runtime has that global (Deno, Bun, browsers) and
 * Node's `worker_threads` elsewhere (Node 20 has no global `Worker`),
 * reached through `process.getBuiltinModule` so that no `node:` module is
 * imported and the library bundles for browsers as it is.
 *
 * A worker runs the module that started it — `parallel/mod.ts` from
 * source, or the single-file bundle that holds it, whose `import.meta.url`
 * is the bundle's — so no separate worker file exists for a bundler to
 * drop. That module asks {@linkcode poolWorkerChannel} when it loads
 * whether it is a pool worker: a web worker named {@linkcode WORKER_NAME}
 * (Deno, browsers), or a thread whose `workerData` carries the pool's
 * marker (Node; and Bun, whose workers have no `self.name`). If so, it
 * serves stripes instead of acting as a library.
 *
 * @module
 */

/** The `name` of the web workers the pool starts (what `self.name` says inside). */
export const WORKER_NAME = "imfilter-parallel";

/** The `workerData` key marking a pool worker: `"web"` (Bun's `Worker`) or `"node"`. */
const MARKER = "imfilterParallel";

/** The first message a pool worker sends, once it serves stripes. */
export const READY = "imfilter-parallel-ready";

/** A pool worker as the calling thread sees it, whatever the runtime. */
export interface Thread {
  /** Sends it a message (shared memory stays shared). */
  post(message: unknown): void;
  /** Stops it; its pending work is dropped. */
  terminate(): void;
  /** Whether it keeps the process alive (Node and Bun; a no-op elsewhere). */
  keepAlive(on: boolean): void;
}

/** What the calling thread hears from a pool worker. */
export interface ThreadEvents {
  /** A message from it. */
  message(data: unknown): void;
  /** It failed to load, threw, or exited; `reason` is one line. */
  failed(reason: string): void;
}

/** A pool worker's line to the thread that started it. */
export interface ParentChannel {
  /** Sends a message to the starting thread. */
  post(message: unknown): void;
  /** Calls `fn` with every message from the starting thread. */
  listen(fn: (data: unknown) => void): void;
}

type WorkerEvent = Event & { data?: unknown; message?: unknown; error?: unknown };

interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: string, fn: (ev: WorkerEvent) => void): void;
  ref?(): void;
  unref?(): void;
}

interface NodeWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
  on(event: string, fn: (arg: unknown) => void): unknown;
  ref(): void;
  unref(): void;
}

interface WorkerThreads {
  Worker: new (url: URL, options: { workerData: unknown }) => NodeWorker;
  isMainThread: boolean;
  parentPort: {
    postMessage(m: unknown): void;
    on(ev: "message", fn: (d: unknown) => void): unknown;
  };
  workerData: unknown;
}

/** The globals this module reads; tests pass their own to play another runtime. */
export interface RuntimeGlobals {
  /** The web `Worker` constructor (not in Node 20). */
  Worker?: new (url: string, options: Record<string, unknown>) => WebWorker;
  /** Defined inside web workers only. */
  WorkerGlobalScope?: abstract new () => unknown;
  /** A worker's `self.name`. */
  name?: string;
  /** A worker's `postMessage`. */
  postMessage?: (message: unknown) => void;
  /** A worker's `addEventListener`. */
  addEventListener?: (type: string, fn: (ev: { data: unknown }) => void) => void;
  /** `navigator.hardwareConcurrency` (not in Node 20). */
  navigator?: { hardwareConcurrency?: number };
  /** Node's and Bun's (and Deno's) `process`. */
  process?: { getBuiltinModule?(id: string): unknown };
  /** Set in Bun. */
  Bun?: unknown;
  /** Missing in pages without cross-origin isolation (and older runtimes). */
  SharedArrayBuffer?: unknown;
  /** `false` in a page without cross-origin isolation. */
  crossOriginIsolated?: boolean;
}

const runtime = (): RuntimeGlobals => globalThis as unknown as RuntimeGlobals;

/** A Node built-in through `process.getBuiltinModule` (Node ≥ 20.16, Bun, Deno), else `undefined`. */
function builtin<T>(g: RuntimeGlobals, id: string): T | undefined {
  try {
    return (g.process?.getBuiltinModule?.(id) ?? undefined) as T | undefined;
  } catch {
    return undefined;
  }
}

/** Whether workers are web workers here: a global `Worker` (Deno, Bun, browsers; not Node). */
function webWorkers(g: RuntimeGlobals): boolean {
  return typeof g.Worker === "function";
}

/**
 * Whether memory can be shared with workers: `SharedArrayBuffer` exists and
 * the page, if this is one, is cross-origin isolated.
 */
export function sharedMemoryAvailable(g: RuntimeGlobals = runtime()): boolean {
  return typeof g.SharedArrayBuffer === "function" && g.crossOriginIsolated !== false;
}

/** Whether this runtime can start a pool worker (web `Worker` or `worker_threads`). */
export function threadsAvailable(g: RuntimeGlobals = runtime()): boolean {
  return webWorkers(g) || builtin<WorkerThreads>(g, "node:worker_threads") !== undefined;
}

/**
 * The default thread count: `navigator.hardwareConcurrency` where it
 * exists, else `os.availableParallelism()` (Node), else 1; at most 256.
 */
export function defaultThreads(g: RuntimeGlobals = runtime()): number {
  const n = g.navigator?.hardwareConcurrency ??
    builtin<{ availableParallelism?(): number }>(g, "node:os")?.availableParallelism?.();
  return typeof n === "number" && Number.isInteger(n) && n >= 1 ? Math.min(n, 256) : 1;
}

/** The first line of an error or message, for a one-line error. */
export function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e ?? "unknown error");
  return text.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "unknown error";
}

/**
 * Starts a pool worker running the module at `url`, marked so that the
 * module serves stripes. Throws where the runtime refuses to start it.
 */
export function startThread(
  url: string,
  events: ThreadEvents,
  g: RuntimeGlobals = runtime(),
): Thread {
  if (webWorkers(g)) {
    const options: Record<string, unknown> = { type: "module", name: WORKER_NAME };
    // Bun's workers have no self.name; Deno warns about workerData, so only Bun gets it.
    if (g.Bun !== undefined) options.workerData = { [MARKER]: "web" };
    const w = new g.Worker!(url, options);
    w.addEventListener("message", (ev) => events.message(ev.data));
    w.addEventListener("error", (ev) => {
      ev.preventDefault(); // Deno would rethrow it on this thread
      // A browser's module load failure is a bare Event, with no message.
      events.failed(firstLine(ev.error ?? ev.message ?? "its module did not load or run"));
    });
    w.addEventListener("messageerror", () => events.failed("a message from it could not be read"));
    w.addEventListener("close", () => events.failed("it exited")); // Bun's, when a worker ends
    return {
      post: (m) => w.postMessage(m),
      terminate: () => w.terminate(),
      keepAlive: (on) => on ? w.ref?.() : w.unref?.(),
    };
  }
  const wt = builtin<WorkerThreads>(g, "node:worker_threads");
  if (wt === undefined) throw new Error("this runtime has no worker threads");
  const w = new wt.Worker(new URL(url), { workerData: { [MARKER]: "node" } });
  w.on("message", (m) => events.message(m));
  w.on("error", (e) => events.failed(firstLine(e)));
  w.on("messageerror", () => events.failed("a message from it could not be read"));
  w.on("exit", (code) => events.failed(`it exited with code ${code}`));
  return {
    post: (m) => w.postMessage(m),
    terminate: () => void w.terminate(),
    keepAlive: (on) => on ? w.ref() : w.unref(),
  };
}

/**
 * This thread's line to the thread that started it as a pool worker, or
 * `undefined` when it is not one (the main thread, or anyone else's worker).
 */
export function poolWorkerChannel(g: RuntimeGlobals = runtime()): ParentChannel | undefined {
  const web: ParentChannel = {
    post: (m) => g.postMessage!(m),
    listen: (fn) => g.addEventListener!("message", (ev) => fn(ev.data)),
  };
  const scope = g.WorkerGlobalScope;
  if (g.name === WORKER_NAME && typeof scope === "function" && g instanceof scope) return web;
  // Deno's and browsers' pool workers are named; only Node and Bun carry workerData.
  if (webWorkers(g) && g.Bun === undefined) return undefined;
  const wt = builtin<WorkerThreads>(g, "node:worker_threads");
  if (wt === undefined || wt.isMainThread) return undefined;
  const kind = (wt.workerData as Record<string, unknown> | null | undefined)?.[MARKER];
  if (kind === "web") return web;
  if (kind !== "node" || !wt.parentPort) return undefined;
  const port = wt.parentPort;
  return { post: (m) => port.postMessage(m), listen: (fn) => port.on("message", fn) };
}

/**
 * Serves the starting thread: every message goes to `handle`, whose result
 * is posted back; announces {@linkcode READY} first.
 */
export function serveParent(
  channel: ParentChannel,
  handle: (message: unknown) => Promise<unknown>,
): void {
  channel.listen((data) => {
    handle(data).then((reply) => channel.post(reply));
  });
  channel.post(READY);
}
