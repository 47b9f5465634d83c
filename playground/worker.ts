/// <reference no-default-lib="true" />
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * The filtering worker: the library runs here, so the page stays responsive
 * and a run is cancelled by ending the worker. It loads the requested plugin
 * modules, runs the steps (engine.ts), and answers with the result, its
 * 8-bit RGBA picture and the time taken, or the library's error.
 *
 * @module
 */

import { Image, isFilterError, type PipelineStep } from "../mod.ts";
import { impulseResponse, runSteps, toRGBA, viewImage } from "./engine.ts";
import { loadPlugin } from "./plugins.ts";
import type { Request, Response, WireImage, WireStep } from "./protocol.ts";

const scope = globalThis as unknown as DedicatedWorkerGlobalScope;

function post(message: Response, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function toImage(w: WireImage): Image {
  return new Image(w.width, w.height, w.channels, w.data);
}

function toSteps(steps: WireStep[]): PipelineStep[] {
  return steps.map((s) => ({
    filter: s.filter,
    params: Object.fromEntries(
      Object.entries(s.params).map(([k, v]) => [k, typeof v === "string" ? v : toImage(v)]),
    ),
  }));
}

async function handle(req: Request): Promise<void> {
  for (const url of req.plugins) await loadPlugin(url);
  if (req.type === "impulse") {
    const r = await impulseResponse(toSteps([req.step])[0], req.size);
    post({ type: "impulse", id: req.id, ...r }, [r.values.buffer]);
    return;
  }
  let last = 0;
  const progress = (fraction: number) => {
    const now = performance.now();
    if (now - last < 50 && fraction < 1) return;
    last = now;
    post({ type: "progress", id: req.id, fraction });
  };
  const started = performance.now();
  const out = await runSteps(toImage(req.image), toSteps(req.steps), { progress });
  const ms = performance.now() - started;
  const img = out.image;
  const rgba = img ? toRGBA(viewImage(img)) : undefined;
  const image = img && {
    width: img.width,
    height: img.height,
    channels: img.channels,
    data: img.data,
  };
  const transfer: Transferable[] = rgba ? [rgba.buffer] : [];
  if (image && image.data.buffer instanceof ArrayBuffer) transfer.push(image.data.buffer);
  post({ type: "result", id: req.id, image, rgba, data: out.data, ms }, transfer);
}

scope.onmessage = (e: MessageEvent<Request>) => {
  handle(e.data).catch((err) => {
    const code = isFilterError(err) ? err.code : "INTERNAL";
    const message = String((err as Error)?.message ?? err).split("\n")[0];
    post({ type: "error", id: e.data.id, code, message });
  });
};
