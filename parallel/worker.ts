/// <reference lib="deno.worker" />
/**
 * A worker of {@linkcode applyParallel}: filters one stripe (with its halo
 * rows) by name and sends back only the rows it owns.
 *
 * @module
 */

import { Image, isFilterError, registry } from "../mod.ts";

self.onmessage = async (ev: MessageEvent) => {
  const job = ev.data;
  try {
    const input = new Image(job.width, job.height, job.channels, job.data);
    const { image } = await registry.run(job.filter, input, job.params);
    if (!image || image.width !== job.width || image.height !== job.height) {
      throw new Error(`filter ${job.filter} changed the stripe's shape`);
    }
    const stride = image.width * image.channels;
    const rows = image.data.slice(job.keepFrom * stride, (job.keepFrom + job.keepRows) * stride);
    self.postMessage({
      id: job.id,
      ok: true,
      width: image.width,
      channels: image.channels,
      data: rows,
    }, [rows.buffer as ArrayBuffer]);
  } catch (e) {
    const error = isFilterError(e)
      ? { code: e.code, message: e.message }
      : { message: String((e as Error)?.message ?? e) };
    self.postMessage({ id: job.id, ok: false, error });
  }
};
