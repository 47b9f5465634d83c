/// <reference lib="deno.worker" />
/**
 * A worker of {@linkcode applyParallel}: filters one stripe (with its halo
 * rows), read from shared memory, by name, and writes only the rows it
 * owns straight into the shared result.
 *
 * @module
 */

import { Image, isFilterError, registry } from "../mod.ts";
import { pixelView } from "../core/dtype.ts";
import { storeKeptRows } from "./rows.ts";

self.onmessage = async (ev: MessageEvent) => {
  const job = ev.data;
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
      self.postMessage({ id: job.id, ok: true, mismatch: true });
      return;
    }
    self.postMessage({ id: job.id, ok: true });
  } catch (e) {
    const error = isFilterError(e)
      ? { code: e.code, message: e.message }
      : { name: (e as Error)?.name, message: String((e as Error)?.message ?? e) };
    self.postMessage({ id: job.id, ok: false, error });
  }
};
