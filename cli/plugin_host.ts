/// <reference lib="deno.worker" />
/**
 * The sandbox a third-party plugin runs in (see `sandbox.ts`): a worker
 * started with narrowed Deno permissions whose main module (a `data:` URL
 * made by the CLI) imports the plugin module by a literal specifier — so
 * loading it and its own imports needs no read permission, which an import
 * of a computed specifier would — and hands it to {@linkcode load}, which
 * describes its plugins to the CLI and runs them on the images it is sent.
 *
 * The worker has its own copy of imfilter (this module imports `mod.ts`),
 * so a plugin's `ctx.run` reaches the built-ins and the plugins of its own
 * module, and whatever the plugin does to that copy's registry stays here.
 *
 * A run whose promise can never settle (it waits for nothing that is left:
 * no timer, no I/O) is reported instead of hanging the CLI: the run's
 * promise is watched by a `FinalizationRegistry`, and while runs are under
 * way the worker asks for a garbage collection every half second (when
 * the runtime exposes `gc`, as `deno task imfilter` does with
 * `--v8-flags=--expose-gc`). A promise nothing can resolve is unreachable,
 * so it is collected, and its run is answered with `never`.
 *
 * @module
 */

import { checkPlugin, isBranded, isFilterError, registry } from "../mod.ts";
import type { HostReply, HostRequest, PluginDescriptor } from "./sandbox.ts";

const post = (m: HostReply, transfer: Transferable[] = []) => self.postMessage(m, transfer);

const neverSettles = new FinalizationRegistry<number>((id) => post({ kind: "never", id }));
const gc = (globalThis as { gc?: () => void }).gc;
let running = 0;
let collector: ReturnType<typeof setInterval> | undefined;

/** While runs are under way, collects garbage now and then (see the module doc). */
function watch(delta: number): void {
  running += delta;
  if (running > 0 && collector === undefined && gc) collector = setInterval(() => gc(), 500);
  if (running === 0 && collector !== undefined) {
    clearInterval(collector);
    collector = undefined;
  }
}

/** Imports the plugin module, describes its plugins to the CLI, then serves their runs. */
export async function load(
  importModule: () => Promise<Record<string, unknown>>,
  spec: string,
): Promise<void> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule();
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).split("\n")[0];
    return post({
      kind: "load-failed",
      code: "IO",
      message: `cannot load plugin module ${spec}: ${msg}`,
    });
  }
  self.onmessage = (ev: MessageEvent<HostRequest>) => run(ev.data);
  const plugins: PluginDescriptor[] = [];
  try {
    for (const [exportName, value] of Object.entries(mod)) {
      if (!isBranded(value)) continue;
      const p = checkPlugin(value, `plugin ${exportName} of ${spec}`);
      registry.register(p, { replace: true }); // this worker's registry only
      plugins.push({
        name: p.name,
        summary: p.summary,
        params: p.params as PluginDescriptor["params"],
        linear: p.linear,
        shape: p.shape,
        example: p.example,
        cost: p.cost,
      });
    }
  } catch (e) {
    const code = isFilterError(e) ? e.code : "INVALID_PARAM";
    return post({ kind: "load-failed", code, message: String((e as Error)?.message ?? e) });
  }
  post({ kind: "loaded", plugins });
}

function run(m: HostRequest): void {
  const { id } = m;
  watch(1);
  // Nothing here may hold the run's promise: only its reactions and the
  // FinalizationRegistry know it, so it is collected if it cannot settle.
  const settled = () => watch(-1);
  const result = registry.run(m.name, m.image as never, m.params, {
    progress: (fraction) => post({ kind: "progress", id, fraction }),
  });
  neverSettles.register(result, id);
  result.then(
    ({ image, data }) => {
      settled();
      const buffer = image?.data.buffer;
      post({ kind: "done", id, image, data }, buffer instanceof ArrayBuffer ? [buffer] : []);
    },
    (e) => {
      settled();
      post({
        kind: "failed",
        id,
        code: isFilterError(e) ? e.code : undefined,
        message: String((e as Error)?.message ?? e),
      });
    },
  );
}
