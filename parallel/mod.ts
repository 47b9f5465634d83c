/**
 * Multi-core filtering: {@linkcode applyParallel} splits an image into
 * horizontal stripes, each with the rows of context (`halo`) its filter
 * declares, filters them in Deno workers and stitches the rows back.
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
import { Image } from "../core/image.ts";
import { type FilterResult, registry as defaultRegistry } from "../core/registry.ts";
import { resolveParams } from "../core/params.ts";
import "../filters/mod.ts"; // the built-ins, which the workers know by name

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
}

interface StripeJob {
  id: number;
  filter: string;
  params: Record<string, unknown>;
  width: number;
  height: number;
  channels: number;
  data: Float32Array | Uint8Array | Uint16Array;
  /** Rows of the stripe's output to keep: [keepFrom, keepFrom + keepRows). */
  keepFrom: number;
  keepRows: number;
}

interface StripeReply {
  id: number;
  ok: boolean;
  error?: { code?: string; message: string };
  width?: number;
  channels?: number;
  data?: Float32Array | Uint8Array | Uint16Array;
}

let pool: Worker[] = [];
let nextId = 0;
const pending = new Map<number, (r: StripeReply) => void>();

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
 * Stops the worker threads (they are kept for reuse until then).
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
}

function send(worker: Worker, job: Omit<StripeJob, "id">): Promise<StripeReply> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ ...job, id }, [job.data.buffer as ArrayBuffer]);
  });
}

/**
 * Applies a registered filter with several worker threads (see the module
 * doc). Only built-in filters (known to the workers by name) go parallel;
 * others run on this thread. Returns the same `{ image, data }` as
 * `registry.run`.
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
    return await defaultRegistry.run(name, image, params);
  }
  const stride = image.width * image.channels;
  const per = Math.ceil(rows / threads);
  const jobs: Promise<StripeReply>[] = [];
  const ws = workers(threads);
  for (let t = 0; t < threads; t++) {
    const y0 = t * per, y1 = Math.min(rows, y0 + per);
    if (y0 >= y1) break;
    const from = Math.max(0, y0 - halo), to = Math.min(rows, y1 + halo);
    const data = image.data.slice(from * stride, to * stride);
    jobs.push(send(ws[t], {
      filter: name,
      params,
      width: image.width,
      height: to - from,
      channels: image.channels,
      data,
      keepFrom: y0 - from,
      keepRows: y1 - y0,
    }));
  }
  const replies = await Promise.all(jobs);
  for (const r of replies) {
    if (!r.ok) {
      const e = r.error!;
      throw new FilterError((e.code ?? "INVALID_PARAM") as never, e.message);
    }
  }
  const first = replies[0];
  const out = new (first.data!.constructor as typeof Float32Array)(
    image.width * rows * first.channels!,
  );
  let offset = 0;
  for (const r of replies) {
    out.set(r.data as Float32Array, offset);
    offset += r.data!.length;
  }
  return { image: new Image(image.width, rows, first.channels!, out as Float32Array) };
}

/** The plugins registered by the built-in modules when this module loaded (the workers know them). */
const BUILTIN = new Set(defaultRegistry.list());
