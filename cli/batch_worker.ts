/// <reference lib="deno.worker" />
/**
 * A `batch --jobs n` worker: loads the same plugins as the CLI, then runs
 * one item per message and answers with its outcome.
 *
 * @module
 */

import { type BatchJob, runItem } from "./batch.ts";
import { loadPlugins } from "./plugins.ts";
import { registry } from "../mod.ts";

let loaded: Promise<void> | undefined;

self.onmessage = async (ev: MessageEvent<{ kind: "job"; job: BatchJob; plugins: string[] }>) => {
  const { job, plugins } = ev.data;
  loaded ??= (async () => {
    for (const p of plugins) await loadPlugins(registry, p, job.cwd);
  })();
  try {
    await loaded;
  } catch (e) {
    self.postMessage({
      ...job.item,
      ok: false,
      ms: 0,
      error: `error[IO]: ${(e as Error).message}`,
    });
    return;
  }
  self.postMessage(await runItem(job));
};
