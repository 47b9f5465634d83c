/// <reference lib="deno.worker" />
/**
 * A `batch --jobs n` worker: loads the same plugins as the CLI (each in its
 * own sandbox, with the same grants), then runs one item per message and
 * answers with its outcome.
 *
 * @module
 */

import { type BatchJob, runItem } from "./batch.ts";
import { loadPlugins } from "./plugins.ts";
import { describeError } from "./run.ts";
import type { SandboxOptions } from "./sandbox.ts";
import { registry } from "../mod.ts";

let loaded: Promise<void> | undefined;

interface JobMessage {
  kind: "job";
  job: BatchJob;
  plugins: { specs: string[]; options: SandboxOptions };
}

self.onmessage = async (ev: MessageEvent<JobMessage>) => {
  const { job, plugins } = ev.data;
  loaded ??= (async () => {
    for (const p of plugins.specs) await loadPlugins(registry, p, job.cwd, plugins.options);
  })();
  try {
    await loaded;
  } catch (e) {
    self.postMessage({ ...job.item, status: "failed", ms: 0, ...describeError(e) });
    return;
  }
  self.postMessage(await runItem(job));
};
