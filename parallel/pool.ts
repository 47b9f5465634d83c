/**
 * The worker pool of `applyParallel`: workers are started on demand, kept
 * between calls and shared by concurrent calls. No call is ever left
 * pending: a worker that fails — its module does not load, it throws, it
 * exits, or it has not said it is ready within the start timeout — rejects
 * every call waiting on it with a one-line `FilterError` (code `IO`) and
 * leaves the pool (the next call starts a new one); {@linkcode closePool}
 * rejects the calls in flight the same way.
 *
 * @module
 */

import { FilterError } from "../core/errors.ts";
import { firstLine, READY, sharedMemoryAvailable, startThread, type Thread } from "./threads.ts";
import type { StripeJob, StripeReply } from "./stripe.ts";

/** A worker of the pool and the calls waiting on it. */
export interface PoolWorker {
  thread: Thread;
  /** Replies awaited from it, by message id. */
  jobs: Map<number, { resolve(reply: StripeReply): void; reject(error: unknown): void }>;
  /** Until it says it is ready: the timer that gives up on it. */
  starting?: ReturnType<typeof setTimeout>;
  dead: boolean;
}

/** What tests may change about the pool (see {@linkcode withPoolSettings}). */
export interface PoolSettings {
  /** The module workers run instead of `applyParallel`'s own (tests start broken workers). */
  url?: string;
  /** Whether shared memory counts as available (default: whether the runtime has it). */
  sharedMemory?: boolean;
  /** How long a worker may take to load and say it is ready, in ms. */
  startTimeoutMs: number;
}

let settings: PoolSettings = { startTimeoutMs: 30_000 };
let pool: PoolWorker[] = [];
let nextId = 0;

/** Whether `applyParallel` may share memory with workers (runtime, page isolation, test switch). */
export function sharedMemoryOn(): boolean {
  return settings.sharedMemory ?? sharedMemoryAvailable();
}

/**
 * `n` workers running the module at `url` (or the test's), started as
 * needed; `undefined` when the runtime refuses to start one (a page may not
 * start a worker from a cross-origin script, say): the caller then runs on
 * its own thread.
 */
export function poolWorkers(n: number, url: string): PoolWorker[] | undefined {
  try {
    while (pool.length < n) pool.push(start(settings.url ?? url));
  } catch {
    return undefined;
  }
  return pool.slice(0, n);
}

/** How many workers the pool holds (for tests). */
export function poolSize(): number {
  return pool.length;
}

/** Starts a worker; throws where the runtime refuses to. */
function start(url: string): PoolWorker {
  const w = { jobs: new Map(), dead: false } as unknown as PoolWorker;
  const thread = startThread(url, {
    message: (data) => receive(w, data),
    failed: (reason) => fail(w, broken(`a worker thread failed (${reason})`)),
  });
  w.thread = thread;
  thread.keepAlive(false); // an idle pool does not keep Node or Bun running
  const s = settings.startTimeoutMs;
  w.starting = setTimeout(
    () => fail(w, broken(`a worker thread did not start within ${s / 1000} s`)),
    s,
  );
  return w;
}

function receive(w: PoolWorker, data: unknown): void {
  if (data === READY) {
    clearTimeout(w.starting);
    w.starting = undefined;
    return;
  }
  const reply = data as StripeReply;
  const job = w.jobs.get(reply?.id);
  if (job === undefined) return;
  w.jobs.delete(reply.id);
  if (w.jobs.size === 0) w.thread.keepAlive(false);
  job.resolve(reply);
}

/** The message for a call rejected because its worker broke. */
function broken(what: string): string {
  return `applyParallel: ${what}; this call is rejected, the next one starts a new worker`;
}

/** Takes a worker out of the pool, stops it and rejects the calls waiting on it with `error`. */
function retire(w: PoolWorker, error: unknown): void {
  if (w.dead) return;
  w.dead = true;
  clearTimeout(w.starting);
  pool = pool.filter((x) => x !== w);
  w.thread.terminate();
  for (const job of w.jobs.values()) job.reject(error);
  w.jobs.clear();
}

/** A worker that broke: out of the pool, its calls rejected with a one-line `FilterError`. */
function fail(w: PoolWorker, message: string): void {
  retire(w, new FilterError("IO", message));
}

/**
 * Stops the workers of a stopped run (its signal aborted, or its time ran
 * out): they leave the pool, and what they were doing rejects with `reason`.
 */
export function stopWorkers(ws: readonly PoolWorker[], reason: unknown): void {
  for (const w of ws) retire(w, reason);
}

/** Sends a stripe to a worker; resolves with its reply, rejects if the worker fails first. */
export function sendJob(w: PoolWorker, job: Omit<StripeJob, "id">): Promise<StripeReply> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    w.jobs.set(id, { resolve, reject });
    w.thread.keepAlive(true);
    try {
      w.thread.post({ ...job, id });
    } catch (e) {
      fail(w, broken(`a stripe could not be sent to a worker thread (${firstLine(e)})`));
    }
  });
}

/** Stops every worker; calls still waiting on one are rejected. */
export function closePool(): void {
  for (const w of [...pool]) {
    fail(w, "applyParallel: closeParallel() stopped the worker threads during this call");
  }
  pool = [];
}

/**
 * Runs `fn` with pool settings changed, on a fresh pool, and restores the
 * settings after (closing the pool again). For tests.
 */
export async function withPoolSettings<T>(
  change: Partial<PoolSettings>,
  fn: () => Promise<T>,
): Promise<T> {
  const before = settings;
  closePool();
  settings = { ...settings, ...change };
  try {
    return await fn();
  } finally {
    closePool();
    settings = before;
  }
}
