/**
 * Kernel tools of the CLI:
 *
 * ```sh
 * deno task imfilter kernel sobel-x                      # print the weights, sum, separability
 * deno task imfilter kernel "1,2,1;2,4,2;1,2,1" --png k.png
 * deno task imfilter impulse gaussian --sigma 1.5        # filter a delta image: the kernel of a linear filter
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { GLOBAL_OPTIONS, UsageError } from "./args.ts";
import { userPath } from "./paths.ts";
import { parseSteps, resolveSteps, splitSegments } from "./run.ts";
import {
  Image,
  Kernel,
  parseKernel,
  readKernel,
  registry,
  runPipeline,
  writeImage,
} from "../mod.ts";
import type { CliStreams } from "./progress.ts";

function fmt(v: number): string {
  const r = Math.round(v * 1e6) / 1e6;
  return String(Object.is(r, -0) ? 0 : r);
}

/** The weights as aligned rows, plus sum and separability. */
export function kernelReport(k: Kernel): string {
  const rows = k.toRows().map((r) => r.map(fmt));
  const width = Math.max(...rows.flat().map((s) => s.length));
  const lines = rows.map((r) => r.map((s) => s.padStart(width)).join(" "));
  const sep = k.separate();
  lines.push(
    `${k.width}x${k.height}, sum ${fmt(k.sum())}, ${sep ? "separable (rank 1)" : "not separable"}` +
      (k.anchor ? `, anchor ${k.anchor.x},${k.anchor.y}` : ""),
  );
  return lines.join("\n");
}

/** Renders a kernel enlarged: each weight a square, min..max mapped to 0..255. */
export function kernelImage(k: Kernel, scale = 16): Image {
  const img = Image.zeros(k.width * scale, k.height * scale, 1, "u8");
  let lo = Infinity, hi = -Infinity;
  for (const v of k.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const span = hi - lo || 1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = k.get(Math.floor(x / scale), Math.floor(y / scale));
      img.data[y * img.width + x] = Math.round(((v - lo) / span) * 255);
    }
  }
  return img;
}

const OPTIONS = { ...GLOBAL_OPTIONS, png: { type: "string" } } as const;

/** `kernel <name|rows|file> [--png out.png]`. */
export async function runKernel(args: readonly string[], io: CliStreams): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`kernel: ${(e as Error).message.split("\n")[0]}`);
  }
  const spec = parsed.positionals[1];
  if (spec === undefined) {
    throw new UsageError(
      'kernel needs a kernel: kernel <name|"rows"|file.json|file.npy> [--png out.png]',
    );
  }
  const k = /\.(json|npy)$/i.test(spec) ? await readKernel(userPath(spec)) : parseKernel(spec);
  io.out(kernelReport(k));
  if (parsed.values.png) {
    await writeImage(userPath(parsed.values.png), kernelImage(k), { overwrite: true });
  }
  return 0;
}

/**
 * `impulse <filter> [--param v ...] [--extent N] [--png out.png]`: filters an N×N (default 15)
 * float delta image and prints the response around the centre — for a
 * linear filter, its kernel (flipped for correlation-type filters).
 */
export async function runImpulse(args: readonly string[], io: CliStreams): Promise<number> {
  const pulled: string[] = [];
  let size = 0, png: string | undefined;
  for (let i = 1; i < args.length; i++) {
    if (args[i] === "--extent") size = Number(args[++i]);
    else if (args[i] === "--png") png = args[++i];
    else pulled.push(args[i]);
  }
  const [first] = splitSegments(pulled);
  const { steps } = parseSteps([first]);
  const plugin = registry.get(steps[0].filter);
  if (!Number.isInteger(size) || size < 0 || size > 1001) {
    throw new UsageError("impulse: --extent must be an odd integer from 1 to 1001");
  }
  const n = size > 0 ? size | 1 : 15;
  const delta = Image.zeros(n, n, 1, "f32");
  delta.data[(n >> 1) * n + (n >> 1)] = 1;
  const resolved = await resolveSteps(steps, Deno.cwd());
  const params = { ...resolved[0].params };
  if ("dtype" in (plugin.params as object) && params.dtype === undefined) params.dtype = "f32";
  if ("boundary" in (plugin.params as object) && params.boundary === undefined) {
    params.boundary = "constant";
  }
  const { image } = await runPipeline(delta, [{ filter: plugin.name, params }], { dtype: "f32" });
  const response = new Kernel(image.width, image.height, Float32Array.from(image.data));
  if (!plugin.linear) {
    io.err(
      `note: ${plugin.name} does not declare itself linear; its impulse response is not a kernel`,
    );
  }
  io.out(kernelReport(response));
  if (png) {
    await writeImage(userPath(png), kernelImage(response, Math.max(1, Math.floor(256 / n))), {
      overwrite: true,
    });
  }
  return 0;
}
