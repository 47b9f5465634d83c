/**
 * Multi-core filtering: {@linkcode applyParallel} splits an image into
 * horizontal stripes, each with the rows of context (`halo`) its filter
 * declares; the calling thread filters the first stripe in place while
 * Deno workers filter the others from shared memory (`SharedArrayBuffer`:
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
 * Runs single-threaded when the filter declares no halo for its params, for
 * `wrap` boundaries (the top stripe would need the image's last rows), and
 * for images below {@linkcode PARALLEL_MIN_PIXELS}, where starting workers
 * costs more than it saves.
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
import { type FilterResult, registry as defaultRegistry } from "../core/registry.ts";
import { resolveParams } from "../core/params.ts";
import "../filters/mod.ts"; // the built-ins, which the workers know by name
import { storeKeptRows } from "./rows.ts";

/**
 * Images with fewer pixels run on the calling thread. Measured here: one
 * worker round trip (start, module load, first call) costs 60–120 ms, while
 * a 1-megapixel Gaussian σ=2 takes ~25 ms — below ~1 Mpx threads do not pay.
 */
export const PARALLEL_MIN_PIXELS = 1 << 20;

/** Options of {@linkcode applyParallel}. */
export interface ParallelOptions {
  /** Worker threads (default: the machine's cores); 1 runs on this thread. */
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
   * next row, the workers are terminated, and the call rejects with the
   * signal's reason.
   */
  signal?: AbortSignal;
  /**
   * Stops the run after this many milliseconds (a `DOMException` named
   * `"TimeoutError"`); every thread reads it from its clock between rows.
   */
  timeout?: number;
}

/** One stripe for a worker: where its input rows are and where its output rows go. */
interface StripeJob {
  id: number;
  filter: string;
  params: Record<string, unknown>;
  width: number;
  /** Rows of the stripe with its halo. */
  height: number;
  channels: number;
  dtype: DType;
  /** The stripe's input samples: `width · height · channels` from `inputAt` (bytes). */
  input: SharedArrayBuffer;
  inputAt: number;
  /** Rows of the stripe's output to keep: [keepFrom, keepFrom + keepRows). */
  keepFrom: number;
  keepRows: number;
  /** Where the kept rows go, as `outDtype` with `channels` channels, from `outputAt` (bytes). */
  output: SharedArrayBuffer;
  outputAt: number;
  outDtype: DType;
  /** What is left of the run's time limit when the job is sent, in ms. */
  timeout?: number;
}

interface StripeReply {
  id: number;
  ok: boolean;
  /** The stripe's result had another dtype or channel count than expected: nothing written. */
  mismatch?: boolean;
  error?: { code?: string; name?: string; message: string };
}

let pool: Worker[] = [];
let nextId = 0;
const pending = new Map<number, (r: StripeReply) => void>();
/** The workers' input rows, kept between calls (fresh memory costs a page fault per 4 KiB). */
let staging: SharedArrayBuffer | undefined;
/** Whether a call is using {@linkcode staging} (a concurrent call then takes fresh memory). */
let stagingBusy = false;

function workers(n: number): Worker[] {
  while (pool.length < n) {
    const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    w.onmessage = (ev: MessageEvent<StripeReply>) => {
      const done = pending.get(ev.data.id);
      pending.delete(ev.data.id);
      done?.(ev.data);
    };
    pool.push(w);
  }
  return pool.slice(0, n);
}

/**
 * Stops the worker threads and frees the shared staging memory (both are
 * kept for reuse until then).
 *
 * @example
 * ```ts
 * import { closeParallel } from "@imfilter/imfilter";
 * closeParallel(); // no workers are left running
 * ```
 */
export function closeParallel(): void {
  for (const w of pool) w.terminate();
  pool = [];
  staging = undefined;
}

function send(worker: Worker, job: Omit<StripeJob, "id">): Promise<StripeReply> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ ...job, id });
  });
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
  const threads = options.threads ?? navigator.hardwareConcurrency ?? 1;
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
    image.width * image.height < (options.minPixels ?? PARALLEL_MIN_PIXELS) || rows < 2 * threads
  ) {
    return await defaultRegistry.run(name, image, params, options);
  }
  const stride = image.width * image.channels, inBytes = bytesPerSample(image.dtype);
  // The output keeps the shape; its dtype is the `dtype` param's, else the input's.
  const outDtype = typeof resolved.dtype === "string" ? checkDtype(resolved.dtype) : image.dtype;
  const per = Math.ceil(rows / threads);
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
  input: SharedArrayBuffer,
  outDtype: DType,
  stride: number,
  options: ParallelOptions,
): Promise<FilterResult> {
  const { progress, signal } = options;
  const deadline = options.timeout === undefined ? undefined : performance.now() + options.timeout;
  const left =
    () => (deadline === undefined ? undefined : Math.max(0, deadline - performance.now()));
  const { width, height: rows, channels } = image;
  const inBytes = bytesPerSample(image.dtype), outBytes = bytesPerSample(outDtype);
  const output = new SharedArrayBuffer(rows * stride * outBytes);
  const ws = workers(stripes.length - 1);
  const jobs: Promise<StripeReply>[] = [];
  let at = 0;
  stripes.slice(1).forEach((s, i) => {
    const n = (s.to - s.from) * stride;
    pixelView(image.dtype, input, at, n).set(
      image.data.subarray(s.from * stride, s.to * stride),
    );
    jobs.push(send(ws[i], {
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
  if (ownError !== undefined || signal?.aborted) {
    // Stopped (or failed) here: the workers' stripes are not waited for.
    stopWorkers(ws);
    throw ownError ?? signal!.reason;
  }
  const replies = await waitOrAbort(Promise.all(jobs), signal, ws);
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

/** Terminates busy workers (a stopped run): the pool starts fresh ones next time. */
function stopWorkers(ws: readonly Worker[]): void {
  for (const w of ws) w.terminate();
  pool = pool.filter((w) => !ws.includes(w));
}

/** The workers' replies, unless the signal aborts first: then they are terminated. */
function waitOrAbort<T>(replies: Promise<T>, signal: AbortSignal | undefined, ws: Worker[]) {
  if (!signal) return replies;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      stopWorkers(ws);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    replies.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The plugins registered by the built-in modules when this module loaded (the workers know them). */
const BUILTIN = new Set(defaultRegistry.list());
