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

import {
  GLOBAL_OPTIONS,
  type GlobalFlags,
  globalsFrom,
  parseFilterArgs,
  parseGlobals,
  parseHead,
  UsageError,
} from "./args.ts";
import {
  batchHelp,
  batchReportHelp,
  convertHelp,
  helpText,
  kernelsText,
  listText,
  usage,
  versionText,
} from "./help.ts";
import config from "../deno.json" with { type: "json" };
import { loadPlugins, pluginOptions } from "./plugins.ts";
import { stopSandboxes } from "./sandbox.ts";
import { exists, sameFile, userCwd, userPath } from "./paths.ts";
import { isStdio, mergeIo, readStdin, writeStdout } from "./io_flags.ts";
import { runConvert } from "./convert.ts";
import { type CliStreams, progressReporter } from "./progress.ts";

export type { CliStreams };
import { runBatch } from "./batch.ts";
import { runBatchReport } from "./batch_report.ts";
import { runImpulse, runKernel } from "./kernel_cmd.ts";
import {
  type CliStep,
  describeError,
  outputKind,
  parseSteps,
  processFile,
  resolveSteps,
  splitSegments,
} from "./run.ts";
import {
  closeParallel,
  type DType,
  type ErrorCode,
  isAbortError,
  isFilterError,
  oneLine,
  type ParamSpec,
  registry,
} from "../mod.ts";

/** Error codes that mean "the user asked for something wrong" (exit 2). */
const USAGE_CODES: readonly ErrorCode[] = [
  "INVALID_PARAM",
  "UNKNOWN_FILTER",
  "DUPLICATE_FILTER",
  "UNSUPPORTED_DTYPE",
  "SIZE_MISMATCH",
];

const encoder = new TextEncoder();
const defaultStreams: CliStreams = {
  out: (t) => Deno.stdout.writeSync(encoder.encode(t + "\n")),
  err: (t) => Deno.stderr.writeSync(encoder.encode(t + "\n")),
  errIsTerminal: Deno.stderr.isTerminal(),
};

/** Merges the global flags given in several segments (booleans OR, lists concatenate). */
function mergeGlobals(base: GlobalFlags, more: readonly Partial<GlobalFlags>[]): GlobalFlags {
  const g = { ...base, plugin: [...base.plugin] };
  for (const m of more) {
    g.json ||= m.json ?? false;
    g.debug ||= m.debug ?? false;
    g.overwrite ||= m.overwrite ?? false;
    g.quiet ||= m.quiet ?? false;
    g.stretch ||= m.stretch ?? false;
    g.maxPixels ??= m.maxPixels;
    g.maxBytes ??= m.maxBytes;
    g.threads ??= m.threads;
    g.replace ||= m.replace ?? false;
    g.timeout ??= m.timeout;
    g.io = mergeIo(g.io, m.io);
  }
  return g;
}

/** Refuses to replace an existing output (or the input) without --overwrite. */
function checkOutput(input: string, output: string, shown: string, overwrite: boolean): void {
  if (exists(output) && !overwrite) {
    const what = sameFile(input, output) ? "is the input" : "exists";
    throw new UsageError(
      `output ${shown} ${what}; pass --overwrite to replace it, or choose another path`,
    );
  }
}

/**
 * `--threads` above the machine's cores would only add workers that wait
 * for a core (255 of them on 2 cores took 4.2 GB and ran 50× slower): cap
 * it, with a note.
 */
function capThreads(threads: number | undefined, io: CliStreams): number | undefined {
  const cores = navigator.hardwareConcurrency ?? 1;
  if (threads === undefined || threads <= cores) return threads;
  io.err(`note: --threads ${threads} is more than the ${cores} cores here; using ${cores}`);
  return cores;
}

/**
 * Runs steps on one input/output pair and reports, for the single-filter,
 * `pipe` and `convert` (no steps) commands. `-` reads standard input (its
 * format sniffed) or writes standard output (`--format` required); then
 * standard output carries the image bytes only, so `--json` is refused and
 * the summary goes to stderr as always.
 */
async function runOne(
  input: string,
  output: string,
  cliSteps: readonly CliStep[],
  globals: GlobalFlags,
  io: CliStreams,
  options: { label?: string; dtype?: DType } = {},
): Promise<number> {
  const cwd = userCwd();
  const fromStdin = isStdio(input), toStdout = isStdio(output);
  const inPath = fromStdin ? input : userPath(input, cwd);
  const outPath = toStdout ? output : userPath(output, cwd);
  if (toStdout) {
    if (globals.io.format === undefined) {
      throw new UsageError(
        "output - (standard output) needs --format <name> (png, jpeg, tiff, webp, ...): there is no extension to tell it",
      );
    }
    if (globals.json) {
      throw new UsageError(
        "--json prints to standard output, which carries the image with output -; write the image to a file, or the data to a .json path",
      );
    }
  } else {
    // An unknown extension is a usage error before any work (unless --format names the format).
    if (globals.io.format === undefined) outputKind(outPath);
    checkOutput(inPath, outPath, output, globals.overwrite);
  }
  const steps = await resolveSteps(cliSteps, cwd, globals.maxPixels, globals.maxBytes);
  const label = options.label ?? cliSteps.map((s) => s.filter).join(" | ");
  const threads = capThreads(globals.threads, io);
  const progress = progressReporter(label, io, globals.quiet);
  // No SIGINT listener while filtering: Ctrl-C ends the process at once and
  // nothing has been written yet; the write itself is atomic.
  let result;
  try {
    result = await processFile(inPath, outPath, steps, {
      overwrite: globals.overwrite,
      stretch: globals.stretch,
      maxPixels: globals.maxPixels,
      maxBytes: globals.maxBytes,
      progress: progress.update,
      threads,
      timeout: globals.timeout,
      io: globals.io,
      dtype: options.dtype,
      readInput: fromStdin ? () => readStdin(globals.maxPixels) : undefined,
      writeOutput: toStdout ? writeStdout : undefined,
    });
  } finally {
    progress.done();
  }
  if (globals.json) {
    io.out(
      JSON.stringify(
        result.data.length === 1 ? result.data[0] ?? {} : result.data.map((d) => d ?? {}),
      ),
    );
  }
  if (!globals.quiet) {
    const img = result.image;
    const shape = img ? ` (${img.width}x${img.height}x${img.channels} ${img.dtype})` : "";
    const shown = toStdout ? "standard output" : output;
    io.err(`${label}: wrote ${shown}${shape} in ${result.ms.toFixed(0)} ms`);
  }
  return 0;
}

async function runFilter(args: readonly string[], name: string, io: CliStreams): Promise<number> {
  const plugin = registry.get(name);
  const specs = plugin.params as Readonly<Record<string, ParamSpec>>;
  const { globals, positionals, params, notes } = parseFilterArgs(args, name, specs);
  for (const note of notes) io.err(note);
  if (globals.help) {
    io.out(helpText(plugin));
    return 0;
  }
  const [, input, output, ...extra] = positionals;
  if (input === undefined || output === undefined) {
    throw new UsageError(
      `${name} needs an input and an output path: ${name} <input> <output> [options] (see "help ${name}")`,
    );
  }
  if (extra.length) {
    throw new UsageError(
      `${name}: unexpected argument ${JSON.stringify(extra[0])}; options are written --name value`,
    );
  }
  return await runOne(input, output, [{ filter: name, params }], globals, io);
}

async function runPipe(
  args: readonly string[],
  globals: GlobalFlags,
  io: CliStreams,
): Promise<number> {
  const [head, ...segments] = splitSegments(args);
  const needs =
    "pipe needs: pipe <input> <output> -- <filter> [options] [-- <filter> [options]]...";
  if (segments.length === 0) throw new UsageError(needs);
  // Global flags may come before the first -- (with their values) or in any step.
  const { values, positionals } = parseHead("pipe", head, GLOBAL_OPTIONS);
  const [, input, output, ...extra] = positionals;
  if (input === undefined || output === undefined || extra.length) throw new UsageError(needs);
  const parsed = parseSteps(segments);
  for (const note of parsed.notes) io.err(note);
  const merged = mergeGlobals({ ...globals, ...globalsFrom(values) }, parsed.globals);
  return await runOne(input, output, parsed.steps, merged, io);
}

/**
 * Runs the CLI with arguments; returns the exit status. Never throws.
 *
 * @example
 * ```ts
 * import { main } from "@imfilter/imfilter/cli";
 * const lines: string[] = [];
 * const status = await main(["list"], { out: (t) => lines.push(t), err: () => {}, errIsTerminal: false });
 * console.log(status, lines[0].length > 0); // 0 true
 * ```
 */
export async function main(
  args: readonly string[],
  io: CliStreams = defaultStreams,
): Promise<number> {
  let debug = args.includes("--debug");
  try {
    const { globals, positionals } = parseGlobals(args);
    debug = globals.debug;
    const cwd = userCwd();
    for (const spec of globals.plugin) {
      await loadPlugins(registry, spec, cwd, pluginOptions(globals, cwd));
    }
    const [command, ...rest] = positionals;
    if (globals.version && command === undefined) {
      io.out(versionText(config.version));
      return 0;
    }
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
    if (command === "kernel") return await runKernel(args, io);
    if (command === "impulse") return await runImpulse(args, io);
    if (command === "kernels") {
      io.out(kernelsText());
      return 0;
    }
    if (command === "pipe") return await runPipe(args, globals, io);
    const commandHelp: Record<string, () => string> = {
      convert: convertHelp,
      batch: batchHelp,
      "batch-report": batchReportHelp,
    };
    if (Object.hasOwn(commandHelp, command) && globals.help) {
      io.out(commandHelp[command]());
      return 0;
    }
    if (command === "convert") return await runConvert(args, io, runOne);
    if (command === "batch") return await runBatch(args, globals, io);
    if (command === "batch-report") return runBatchReport(args, io);
    if (command === "help") {
      io.out(
        Object.hasOwn(commandHelp, rest[0])
          ? commandHelp[rest[0]]()
          : helpText(registry.get(rest[0])),
      );
      return 0;
    }
    return await runFilter(args, command, io);
  } catch (e) {
    if (isFilterError(e)) {
      io.err(`error[${e.code}]: ${e.message}`);
      if (debug && e.stack) io.err(e.stack);
      return USAGE_CODES.includes(e.code) ? 2 : 1;
    }
    if (e instanceof UsageError) {
      io.err(`error[USAGE]: ${oneLine(e.message)}`);
      return 2;
    }
    if (isAbortError(e)) {
      const { code, message } = describeError(e);
      io.err(`error[${code}]: ${message}`);
      return 1;
    }
    const err = e as Error;
    io.err(
      `error[INTERNAL]: ${
        oneLine(err?.message ?? String(e))
      } (run with --debug for the stack, and report it)`,
    );
    if (debug && err?.stack) io.err(err.stack);
    return 1;
  } finally {
    stopSandboxes();
  }
}

if (import.meta.main) {
  const status = await main(Deno.args);
  closeParallel();
  Deno.exit(status);
}
