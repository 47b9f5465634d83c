/**
 * One stripe of `applyParallel` on a worker: the job and reply messages,
 * and the worker's side — filter the stripe (with its halo rows) by name,
 * read from shared memory, and write only the rows it owns straight into
 * the shared result.
 *
 * @module
 */

import { isFilterError } from "../core/errors.ts";
import { type DType, pixelView } from "../core/dtype.ts";
import { Image } from "../core/image.ts";
import { registry } from "../core/registry.ts";
import { storeKeptRows } from "./rows.ts";

/** One stripe for a worker: where its input rows are and where its output rows go. */
export interface StripeJob {
  id: number;
  filter: string;
  params: Readonly<Record<string, unknown>>;
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
  /** What is left of the run's time limit when the job was sent, in ms. */
  timeout?: number;
}

/** A worker's answer to a {@linkcode StripeJob}. */
export interface StripeReply {
  id: number;
  ok: boolean;
  /** The stripe's result had another dtype or channel count than expected: nothing written. */
  mismatch?: boolean;
  /** What went wrong: a `FilterError`'s code, or the error's name (a stopped run's `TimeoutError`). */
  error?: { code?: string; name?: string; message: string };
}

/** Filters one stripe (on a worker) and says how it went; never throws. */
export async function runStripe(message: unknown): Promise<StripeReply> {
  const job = message as StripeJob;
  try {
    const stride = job.width * job.channels;
    const data = pixelView(job.dtype, job.input, job.inputAt, job.height * stride);
    const input = new Image(job.width, job.height, job.channels, data);
    const rows = {
      from: job.keepFrom,
      to: job.keepFrom + job.keepRows,
      into: pixelView(job.outDtype, job.output, job.outputAt, job.keepRows * stride),
    };
    const { image } = await registry.run(job.filter, input, job.params, {
      rows,
      timeout: job.timeout,
    });
    if (!image || image.width !== job.width) {
      throw new Error(`filter ${job.filter} changed the stripe's shape`);
    }
    if (!storeKeptRows(image, rows, job.outDtype, job.channels)) {
      return { id: job.id, ok: true, mismatch: true };
    }
    return { id: job.id, ok: true };
  } catch (e) {
    const error = isFilterError(e)
      ? { code: e.code, message: e.message }
      : { name: (e as Error)?.name, message: String((e as Error)?.message ?? e) };
    return { id: job.id, ok: false, error };
  }
}
