/**
 * Multi-core filtering: {@linkcode applyParallel} splits an image into
 * horizontal stripes, each with the rows of context (`halo`) its filter
 * declares; the calling thread filters the first stripe in place while
 * workers filter the others from shared memory (`SharedArrayBuffer`:
 * their rows are copied once into staging memory kept between calls) and
 * write their output rows straight into the shared result, so the result is
 * never gathered on the calling thread. Each thread asks its filter for just
 * the rows it keeps (`RunOptions.rows`); filters that honour it (the u8
 * SIMD Gaussian and median kernels) compute only those rows, straight into
 * the result, so no thread allocates or copies a stripe of its own. Fresh memory costs a page fault per
 * 4 KiB on first touch (about 1.5 µs on our VM, 3 ms per 8 MB), which is
 * why the staging is reused.
 * Results are identical to a single-threaded run: interior stripe edges see
 * real neighbouring rows, and the image's own top and bottom are handled by
 * the filter's boundary mode as usual.
 *
 * Threads run in Deno, Bun and browsers (web `Worker`s) and in Node ≥ 20.16
 * (`worker_threads`, reached through `process.getBuiltinModule`; no `node:`
 * import). The workers run this module itself — from source, or the
 * single-file bundle that holds it (an ES module bundle: its
 * `import.meta.url` is the bundle's) — which, loaded as a pool worker,
 * serves stripes instead of acting as a library; so there is no worker file
 * for a bundler to drop. An application bundled together with imfilter is
 * loaded by the workers too: keep its start-up code from running there
 * with {@linkcode isParallelWorker}.
 *
 * Runs single-threaded, with the same result, where threads cannot run:
 * no workers, or no shared memory (a browser page without cross-origin
 * isolation — `crossOriginIsolated` false — has no `SharedArrayBuffer`;
 * serve it with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp` for threads). Also
 * single-threaded when the filter declares no halo for its params, for
 * `wrap` boundaries (the top stripe would need the image's last rows), and
 * for images below {@linkcode PARALLEL_MIN_PIXELS}, where starting workers
 * costs more than it saves.
 *
 * A worker that fails (its module does not load, it throws or exits, or it
 * has not started within 30 s) rejects every call waiting on it with a
 * one-line `FilterError` (code `IO`) and leaves the pool; the next call
 * starts a new one. {@linkcode closeParallel} during a call rejects that
 * call the same way. No call is left pending.
 *
 * @example
 * ```ts ignore
 * import { applyParallel, readImage } from "@imfilter/imfilter";
 * const img = await readImage("big.png");
 * const out = await applyParallel("median", img, { size: 21 }, { threads: 2 });
 * ```
 *
 * @module
 */

import { FilterError, show } from "../core/errors.ts";
import { bytesPerSample, checkDtype, type DType, pixelView } from "../core/dtype.ts";
import { Image } from "../core/image.ts";
import {
  type FilterResult,
  registry as defaultRegistry,
  type RunOptions,
} from "../core/registry.ts";
import { resolveParams } from "../core/params.ts";
import "../filters/mod.ts"; // the built-ins, which the workers know by name
import { storeKeptRows } from "./rows.ts";
import { runStripe, type StripeReply } from "./stripe.ts";
import {
  closePool,
  type PoolWorker,
  poolWorkers,
  sendJob,
  sharedMemoryOn,
  stopWorkers,
} from "./pool.ts";
import { defaultThreads, poolWorkerChannel, serveParent, threadsAvailable } from "./threads.ts";

/**
 * What the workers run: this module (or the bundle that holds it).
 * `undefined` in a non-module bundle (no `import.meta`): then one thread.
 */
const SELF: string | undefined = import.meta.url;

/** This thread's line to the pool that started it, when it is a pool worker. */
const parent = poolWorkerChannel();

/**
 * Images with fewer pixels run on the calling thread. Measured here: one
 * worker round trip (start, module load, first call) costs 60–120 ms, while
 * a 1-megapixel Gaussian σ=2 takes ~25 ms — below ~1 Mpx threads do not pay.
 */
export const PARALLEL_MIN_PIXELS = 1 << 20;

/** Options of {@linkcode applyParallel}. */
export interface ParallelOptions {
  /**
   * Threads, this one included (default: `navigator.hardwareConcurrency`,
   * else Node's `os.availableParallelism()`, else 1); 1 runs on this thread.
   */
  threads?: number;
  /** Minimum width × height to go parallel (default {@linkcode PARALLEL_MIN_PIXELS}). */
  minPixels?: number;
  /**
   * Reports progress from 0 to 1, for the filters that report it. With
   * threads, it follows the calling thread's stripe (the stripes are equal
   * and run at once, so that is the whole run's pace).
   */
  progress?: (fraction: number) => void;
  /**
   * Stops the run when aborted: the calling thread's stripe stops at its
   * next row, the busy workers are terminated (the pool starts fresh ones
   * for the next call), and the call rejects with the signal's reason.
   */
  signal?: AbortSignal;
  /**
   * Stops the run after this many milliseconds (a `DOMException` named
   * `"TimeoutError"`); every thread reads it from its clock between rows.
   */
  timeout?: number;
}

/** The workers' input rows, kept between calls (fresh memory costs a page fault per 4 KiB). */
let staging: SharedArrayBuffer | undefined;
/** Whether a call is using {@linkcode staging} (a concurrent call then takes fresh memory). */
let stagingBusy = false;

/**
 * Stops the worker threads and frees the shared staging memory (both are
 * kept for reuse until then). A call still waiting on a worker is rejected
 * with a one-line `FilterError` (code `IO`).
 *
 * @example
 * ```ts
 * import { closeParallel } from "@imfilter/imfilter";
 * closeParallel(); // no workers are left running
 * ```
 */
export function closeParallel(): void {
  closePool();
  staging = undefined;
}

/**
 * Whether this thread is one of `applyParallel`'s workers. An application
 * bundled into one file with imfilter is what the workers load, so its own
 * start-up code runs there too unless it checks this first.
 *
 * @example
 * ```ts
 * import { isParallelWorker } from "@imfilter/imfilter";
 * if (!isParallelWorker()) {
 *   console.log("main thread: start the application"); // not in the filter workers
 * }
 * ```
 */
export function isParallelWorker(): boolean {
  return parent !== undefined;
}

/**
 * Applies a registered filter with several threads (see the module doc):
 * this thread filters the first stripe, workers the others. The workers
 * read their rows from shared memory and write their output rows straight
 * into the result, whose pixels are therefore backed by a
 * `SharedArrayBuffer`. Only built-in filters (known to the workers by name)
 * go parallel; others run on this thread. Returns the same
 * `{ image, data }` as `registry.run`.
 *
 * @example
 * ```ts
 * import { applyParallel, closeParallel, Image } from "@imfilter/imfilter";
 * const img = Image.zeros(64, 64, 1, "u8");
 * const { image } = await applyParallel("gaussian", img, { sigma: 2 }, { threads: 2, minPixels: 0 });
 * closeParallel();
 * console.log(image?.width); // 64
 * ```
 */
export async function applyParallel(
  name: string,
  image: Image,
  params: Readonly<Record<string, unknown>> = {},
  options: ParallelOptions = {},
): Promise<FilterResult> {
  const plugin = defaultRegistry.get(name);
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new FilterError(
      "INVALID_PARAM",
      `threads must be an integer from 1 to 256, got ${show(threads)}`,
    );
  }
  const resolved = resolveParams<Record<string, unknown>>(plugin.name, plugin.params, params);
  const halo = plugin.halo?.(resolved, image);
  const rows = image.height;
  if (
    threads === 1 || halo === undefined || resolved.boundary === "wrap" || !BUILTIN.has(plugin) ||
    image.width * image.height < (options.minPixels ?? PARALLEL_MIN_PIXELS) || rows < 2 * threads ||
    SELF === undefined || !sharedMemoryOn() || !threadsAvailable()
  ) {
    return await defaultRegistry.run(name, image, params, oneThread(options));
  }
  const per = Math.ceil(rows / threads);
  const ws = poolWorkers(Math.ceil(rows / per) - 1, SELF);
  if (ws === undefined) {
    // The runtime would not start a worker for this module: one thread.
    return await defaultRegistry.run(name, image, params, oneThread(options));
  }
  const stride = image.width * image.channels, inBytes = bytesPerSample(image.dtype);
  // The output keeps the shape; its dtype is the `dtype` param's, else the input's.
  const outDtype = typeof resolved.dtype === "string" ? checkDtype(resolved.dtype) : image.dtype;
  const stripes: { y0: number; y1: number; from: number; to: number }[] = [];
  for (let y0 = 0; y0 < rows; y0 += per) {
    const y1 = Math.min(rows, y0 + per);
    stripes.push({ y0, y1, from: Math.max(0, y0 - halo), to: Math.min(rows, y1 + halo) });
  }
  // The workers' stripes (all but the first) go into shared staging memory.
  let need = 0;
  for (const s of stripes.slice(1)) need += (s.to - s.from) * stride * inBytes;
  const reuse = !stagingBusy;
  if (reuse && (!staging || staging.byteLength < need)) staging = new SharedArrayBuffer(need);
  const input = reuse ? staging! : new SharedArrayBuffer(need);
  if (reuse) stagingBusy = true;
  try {
    return await runStripes(
      name,
      image,
      params,
      stripes,
      ws,
      input,
      outDtype,
      stride,
      options,
    );
  } finally {
    if (reuse) stagingBusy = false;
  }
}

/** The striped run of {@linkcode applyParallel}, the workers' rows staged in `input`. */
async function runStripes(
  name: string,
  image: Image,
  params: Readonly<Record<string, unknown>>,
  stripes: { y0: number; y1: number; from: number; to: number }[],
  ws: PoolWorker[],
  input: SharedArrayBuffer,
  outDtype: DType,
  stride: number,
  options: ParallelOptions,
): Promise<FilterResult> {
  const { progress, signal } = options;
  const deadline = options.timeout === undefined ? undefined : performance.now() + options.timeout;
  const left = () => deadline === undefined ? undefined : Math.max(0, deadline - performance.now());
  const { width, height: rows, channels } = image;
  const inBytes = bytesPerSample(image.dtype), outBytes = bytesPerSample(outDtype);
  const output = new SharedArrayBuffer(rows * stride * outBytes);
  const jobs: Promise<StripeReply>[] = [];
  let at = 0;
  stripes.slice(1).forEach((s, i) => {
    const n = (s.to - s.from) * stride;
    pixelView(image.dtype, input, at, n).set(
      image.data.subarray(s.from * stride, s.to * stride),
    );
    jobs.push(sendJob(ws[i], {
      filter: name,
      params,
      width,
      height: s.to - s.from,
      channels,
      dtype: image.dtype,
      input,
      inputAt: at,
      keepFrom: s.y0 - s.from,
      keepRows: s.y1 - s.y0,
      output,
      outputAt: s.y0 * stride * outBytes,
      outDtype,
      timeout: left(),
    }));
    at += n * inBytes;
  });
  // This thread's stripe, read in place, its rows filtered straight into the result.
  const first = stripes[0];
  const mine = new Image(
    width,
    first.to,
    channels,
    image.data.subarray(0, first.to * stride) as typeof image.data,
  );
  const kept = { from: 0, to: first.y1, into: pixelView(outDtype, output, 0, first.y1 * stride) };
  let fits = false, ownError: unknown;
  try {
    const result = (await defaultRegistry.run(name, mine, params, {
      rows: kept,
      progress,
      signal,
      timeout: left(),
    })).image;
    fits = result !== undefined && storeKeptRows(result, kept, outDtype, channels);
  } catch (e) {
    ownError = e;
  }
  if (signal?.aborted) {
    // Stopped: the busy workers are terminated, so none is left reading the staging memory.
    const stopped = Promise.allSettled(jobs); // their rejections are expected, and handled here
    stopWorkers(ws, signal.reason);
    await stopped;
    throw signal.reason;
  }
  // Every stripe settles (none is left reading the staging memory) before the call ends;
  // an abort meanwhile terminates the workers, which settles their stripes.
  const onAbort = () => stopWorkers(ws, signal!.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const settled = await Promise.allSettled(jobs);
  signal?.removeEventListener("abort", onAbort);
  if (ownError !== undefined) throw ownError;
  const replies: StripeReply[] = [];
  for (const s of settled) {
    if (s.status === "rejected") throw s.reason; // a worker failed, closeParallel(), or the signal
    replies.push(s.value);
  }
  for (const r of replies) {
    if (!r.ok) {
      const e = r.error!;
      if (e.name === "TimeoutError" || e.name === "AbortError") {
        throw new DOMException(e.message, e.name);
      }
      throw new FilterError((e.code ?? "INVALID_PARAM") as never, e.message);
    }
  }
  if (!fits || replies.some((r) => r.mismatch)) {
    // A filter whose output type the params do not tell: one thread, the plain way.
    return await defaultRegistry.run(name, image, params, { progress, signal, timeout: left() });
  }
  return { image: new Image(width, rows, channels, pixelView(outDtype, output, 0, rows * stride)) };
}

/** The run options of a one-thread run: progress, signal and time limit. */
function oneThread(options: ParallelOptions): RunOptions {
  return { progress: options.progress, signal: options.signal, timeout: options.timeout };
}

/** The plugins registered by the built-in modules when this module loaded (the workers know them). */
const BUILTIN = new Set(defaultRegistry.list());

// Loaded as a pool worker, this module serves stripes instead of acting as a library.
if (parent !== undefined) serveParent(parent, runStripe);
