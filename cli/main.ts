/**
 * The imfilter command line: a thin layer over the registry.
 *
 * ```sh
 * deno task imfilter list
 * deno task imfilter help gaussian
 * deno task imfilter convolve in.png out.png --kernel "1,0,1;0,1,0;1,0,1" --boundary constant
 * ```
 *
 * Exit status: 0 on success, 2 on a usage or parameter error, 1 on anything
 * else. Errors are one line on stderr; `--debug` adds the stack.
 *
 * @example Running the CLI from code
 * ```ts ignore
 * import { main } from "@imfilter/imfilter/cli";
 * const status = await main(["list"]);
 * ```
 *
 * @module
 */

import { type GlobalFlags, parseFilterArgs, parseGlobals } from "./args.ts";
import { helpText, kernelsText, listText, usage } from "./help.ts";
import { loadPlugins } from "./plugins.ts";
import { exists, sameFile, userCwd, userPath } from "./paths.ts";
import { progressReporter } from "./progress.ts";
import {
  type ErrorCode,
  type FilterResult,
  formatFromPath,
  Image,
  isFilterError,
  type ParamSpec,
  readImage,
  readKernel,
  registry,
  writeImage,
} from "../mod.ts";

/** Error codes that mean "the user asked for something wrong" (exit 2). */
const USAGE_CODES: readonly ErrorCode[] = [
  "INVALID_PARAM",
  "UNKNOWN_FILTER",
  "DUPLICATE_FILTER",
  "UNSUPPORTED_DTYPE",
  "SIZE_MISMATCH",
];

/** Where the CLI writes; replaceable for tests. */
export interface CliStreams {
  /** Normal output (lists, help, JSON). */
  out(text: string): void;
  /** Diagnostics (errors, progress, summaries). */
  err(text: string): void;
  /** Whether stderr is a terminal (progress bars). */
  errIsTerminal: boolean;
}

const encoder = new TextEncoder();
const defaultStreams: CliStreams = {
  out: (t) => Deno.stdout.writeSync(encoder.encode(t + "\n")),
  err: (t) => Deno.stderr.writeSync(encoder.encode(t + "\n")),
  errIsTerminal: Deno.stderr.isTerminal(),
};

function isKernelFile(value: string): boolean {
  return /\.(json|npy)$/i.test(value.trim());
}

/** Converts a float image to u8 by mapping its min..max to 0..255 (for viewing). */
function stretchToU8(image: Image): Image {
  let lo = Infinity, hi = -Infinity;
  for (const v of image.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round((image.data[i] - lo) * scale);
  return new Image(image.width, image.height, image.channels, out);
}

async function runFilter(args: readonly string[], name: string, io: CliStreams): Promise<number> {
  const plugin = registry.get(name);
  const specs = plugin.params as Readonly<Record<string, ParamSpec>>;
  const { globals, positionals, params } = parseFilterArgs(args, name, specs);
  if (globals.help) {
    io.out(helpText(plugin));
    return 0;
  }
  const [, input, output, ...extra] = positionals;
  if (input === undefined || output === undefined) {
    throw new Error2(
      `${name} needs an input and an output path: ${name} <input> <output> [options] (see "help ${name}")`,
    );
  }
  if (extra.length) {
    throw new Error2(
      `${name}: unexpected argument ${JSON.stringify(extra[0])}; options are written --name value`,
    );
  }
  const cwd = userCwd();
  const inPath = userPath(input, cwd), outPath = userPath(output, cwd);
  const outFormat = /\.json$/i.test(outPath) ? "json" : formatFromPath(outPath);
  if (exists(outPath) && !globals.overwrite) {
    const what = sameFile(inPath, outPath) ? "is the input" : "exists";
    throw new Error2(
      `output ${output} ${what}; pass --overwrite to replace it, or choose another path`,
    );
  }
  const decode = { maxPixels: globals.maxPixels };
  // Resolve file-valued parameters: kernels from .json/.npy, images from paths.
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const spec = specs[key];
    if (spec.type === "kernel" && typeof value === "string" && isKernelFile(value)) {
      resolved[key] = await readKernel(userPath(value, cwd));
    } else if (spec.type === "image" && typeof value === "string") {
      resolved[key] = await readImage(userPath(value, cwd), decode);
    } else resolved[key] = value;
  }
  const image = await readImage(inPath, decode);
  const started = performance.now();
  // No SIGINT listener while filtering: Ctrl-C ends the process at once, and
  // nothing has been written yet. During the write a listener defers it so
  // the atomic rename completes (or the temp file is removed).
  const progress = progressReporter(name, io, globals.quiet);
  let result: FilterResult;
  try {
    result = await registry.run(name, image, resolved, { progress: progress.update });
  } finally {
    progress.done();
  }
  const ms = performance.now() - started;
  let interrupted = false;
  const onInterrupt = () => (interrupted = true);
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    await writeOutput(name, result, outFormat, outPath, globals);
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
  if (interrupted) {
    io.err(`${name}: interrupted after writing ${output}`);
    return 130;
  }
  if (globals.json) io.out(JSON.stringify(result.data ?? {}));
  if (!globals.quiet) {
    const img = result.image;
    const shape = img ? ` (${img.width}x${img.height}x${img.channels} ${img.dtype})` : "";
    io.err(`${name}: wrote ${output}${shape} in ${ms.toFixed(0)} ms`);
  }
  return 0;
}

async function writeOutput(
  name: string,
  result: FilterResult,
  outFormat: string,
  outPath: string,
  globals: GlobalFlags,
): Promise<void> {
  if (outFormat === "json") {
    if (result.data === undefined) {
      throw new Error2(
        `${name} makes an image, not data; write it to an image path (.png, .npy, ...)`,
      );
    }
    await writeText(outPath, JSON.stringify(result.data, null, 2) + "\n");
  } else {
    if (!result.image) {
      throw new Error2(`${name} makes data, not an image; write it to a .json path or use --json`);
    }
    let out = result.image;
    if ((outFormat === "png" || outFormat === "jpeg") && out.dtype === "f32") {
      if (!globals.stretch) {
        throw new Error2(
          `${name} produced float32 pixels, which ${outFormat.toUpperCase()} cannot hold; write .npy to keep them, ` +
            `pass --dtype u8 (round and clip), or --stretch (map min..max to 0..255)`,
        );
      }
      out = stretchToU8(out);
    }
    await writeImage(outPath, out, { overwrite: globals.overwrite });
  }
}

async function writeText(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** A usage error (exit 2) raised by the CLI itself. */
class Error2 extends Error {}

/**
 * Runs the CLI with arguments; returns the exit status. Never throws.
 */
export async function main(
  args: readonly string[],
  io: CliStreams = defaultStreams,
): Promise<number> {
  let debug = args.includes("--debug");
  try {
    const { globals, positionals } = parseGlobals(args);
    debug = globals.debug;
    for (const spec of globals.plugin) await loadPlugins(registry, spec, userCwd());
    const [command, ...rest] = positionals;
    if (command === undefined || command === "help" && rest.length === 0) {
      if (command === undefined && !globals.help) {
        io.err(usage());
        return 2;
      }
      io.out(usage());
      return 0;
    }
    if (command === "list") {
      io.out(listText(registry));
      return 0;
    }
    if (command === "kernels") {
      io.out(kernelsText());
      return 0;
    }
    if (command === "help") {
      io.out(helpText(registry.get(rest[0])));
      return 0;
    }
    return await runFilter(args, command, io);
  } catch (e) {
    if (isFilterError(e)) {
      io.err(`error[${e.code}]: ${e.message}`);
      if (debug && e.stack) io.err(e.stack);
      return USAGE_CODES.includes(e.code) ? 2 : 1;
    }
    if (e instanceof Error2) {
      io.err(`error[USAGE]: ${e.message}`);
      return 2;
    }
    const err = e as Error;
    io.err(
      `error[INTERNAL]: ${
        err?.message ?? String(e)
      } (run with --debug for the stack, and report it)`,
    );
    if (debug && err?.stack) io.err(err.stack);
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
