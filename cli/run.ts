/**
 * Running filter steps on one file: resolving file-valued params, reading,
 * filtering (one filter or a pipeline), and writing atomically. Shared by
 * the single-filter command, `pipe` and `batch` (and its workers).
 *
 * @module
 */

import { type GlobalFlags, parseFilterArgs } from "./args.ts";
import { userPath } from "./paths.ts";
import type { IoFlags } from "./io_flags.ts";
import {
  applyParallel,
  checkImageBytes,
  decodeImage,
  type DType,
  encodeImage,
  FilterError,
  formatFromPath,
  type Image,
  type ImageFormat,
  type ImageMetadata,
  isAbortError,
  isFilterError,
  oneLine,
  type ParamSpec,
  type PipelineResult,
  type PipelineStep,
  readImage,
  readImageWithMetadata,
  readKernel,
  readMetadata,
  registry,
  runPipeline,
  timeoutError,
  writeFileAtomic,
} from "../mod.ts";

/** A step as typed on the command line: filter name and raw flag values. */
export interface CliStep {
  /** Filter name. */
  filter: string;
  /** Flag values (strings, booleans). */
  params: Record<string, string | boolean>;
}

/** Splits arguments at each `--` into segments. */
export function splitSegments(args: readonly string[]): string[][] {
  const out: string[][] = [[]];
  for (const a of args) {
    if (a === "--") out.push([]);
    else out[out.length - 1].push(a);
  }
  return out;
}

/**
 * Parses step segments (`<filter> [--param value ...]`); global flags may
 * appear in any segment and are merged.
 */
export function parseSteps(
  segments: readonly string[][],
): { steps: CliStep[]; globals: Partial<GlobalFlags>[]; notes: string[] } {
  const steps: CliStep[] = [], globals: Partial<GlobalFlags>[] = [], notes: string[] = [];
  for (const seg of segments) {
    const [filter] = seg;
    if (filter === undefined || filter.startsWith("-")) {
      throw new FilterError(
        "INVALID_PARAM",
        `each step after -- starts with a filter name, got ${JSON.stringify(filter ?? "")}`,
      );
    }
    const plugin = registry.get(filter);
    const parsed = parseFilterArgs(
      seg,
      filter,
      plugin.params as Readonly<Record<string, ParamSpec>>,
    );
    if (parsed.positionals.length > 1) {
      throw new FilterError(
        "INVALID_PARAM",
        `${filter}: unexpected argument ${
          JSON.stringify(parsed.positionals[1])
        }; options are written --name value`,
      );
    }
    steps.push({ filter, params: parsed.params });
    globals.push(parsed.globals);
    notes.push(...parsed.notes);
  }
  return { steps, globals, notes };
}

function isKernelFile(value: string): boolean {
  return /\.(json|npy)$/i.test(value.trim());
}

/** Turns CLI values into library values: kernel files and image paths are read. */
export async function resolveSteps(
  steps: readonly CliStep[],
  cwd: string,
  maxPixels?: number,
  maxBytes?: number,
): Promise<PipelineStep[]> {
  const out: PipelineStep[] = [];
  for (const step of steps) {
    const specs = registry.get(step.filter).params as Readonly<Record<string, ParamSpec>>;
    const params: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(step.params)) {
      const spec = specs[key];
      if (spec.type === "kernel" && typeof value === "string" && isKernelFile(value)) {
        params[key] = await readKernel(userPath(value, cwd));
      } else if (spec.type === "image" && typeof value === "string") {
        params[key] = await readImage(userPath(value, cwd), { maxPixels, maxBytes });
      } else params[key] = value;
    }
    out.push({ filter: step.filter, params });
  }
  return out;
}

/**
 * The after-decoding half of the memory budget: a step that turns the input
 * into float32 — `--dtype f32`, or a pipeline step before the last whose
 * filter takes a `dtype` (its intermediate is f32 unless given) — makes a
 * working copy of 4 bytes a sample, which must fit `maxBytes` (default 512
 * MiB) like the decoded image; checked before any filter runs, so a u8 image
 * that decodes within the budget cannot become a 4x larger one unasked.
 */
export function checkWorkingBytes(
  image: Image,
  steps: readonly PipelineStep[],
  maxBytes?: number,
): void {
  if (image.dtype === "f32") return; // decoding already counted 4 bytes a sample
  const float = steps.some((s, i) => {
    const specs = registry.get(s.filter).params as Readonly<Record<string, ParamSpec>>;
    const dtype = s.params?.dtype;
    return dtype === "f32" ||
      (i < steps.length - 1 && Object.hasOwn(specs, "dtype") && dtype === undefined);
  });
  if (float) {
    checkImageBytes(
      image.width,
      image.height,
      image.channels,
      4,
      maxBytes,
      "the input as float32 (--dtype f32, or a pipeline's float intermediate),",
    );
  }
}

/**
 * The code and one-line message the CLI reports for an error: a
 * `FilterError`'s own; `TIMEOUT` or `ABORTED` for a run stopped by
 * `--timeout` or a signal (not a `FilterError`: nothing was wrong with the
 * input); `INTERNAL` for anything else.
 */
export function describeError(e: unknown): { code: string; message: string } {
  if (isFilterError(e)) return { code: e.code, message: e.message };
  if (isAbortError(e)) {
    return {
      code: e.name === "TimeoutError" ? "TIMEOUT" : "ABORTED",
      message: oneLine(`${e.message}; nothing was written`),
    };
  }
  return { code: "INTERNAL", message: oneLine(String((e as Error)?.message ?? e)) };
}

/** The output's kind by extension: an image format or `json` (result data). */
export function outputKind(path: string): string {
  return /\.json$/i.test(path) ? "json" : formatFromPath(path);
}

/**
 * The signals that ask the CLI to stop, and the conventional exit status
 * of each (128 + its number): Ctrl-C, a closed terminal, and what
 * `timeout`, Docker, Kubernetes and Slurm send.
 */
export const STOP_SIGNALS = { SIGINT: 130, SIGHUP: 129, SIGTERM: 143 } as const;

/** One of {@linkcode STOP_SIGNALS}. */
export type StopSignal = keyof typeof STOP_SIGNALS;

/**
 * Calls `listener` on any of {@linkcode STOP_SIGNALS} instead of letting it
 * end the process, until the returned function is called. Signals the
 * platform lacks (or a worker, which has none) are skipped.
 */
export function onStopSignals(listener: (signal: StopSignal) => void): () => void {
  const added: [StopSignal, () => void][] = [];
  for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) {
    const l = () => listener(signal);
    try {
      Deno.addSignalListener(signal, l);
      added.push([signal, l]);
    } catch {
      // Not a signal of this platform (SIGHUP, SIGTERM on Windows), or a worker.
    }
  }
  return () => {
    for (const [signal, l] of added) Deno.removeSignalListener(signal, l);
  };
}

/**
 * Runs a write with SIGINT, SIGHUP and SIGTERM deferred until it has
 * finished — the temporary file is then renamed or removed, never left
 * behind — and the process then exits with the signal's conventional
 * status (130, 129, 143). While filtering, those signals end the process
 * at once: nothing has been written yet.
 */
export async function uninterrupted<T>(write: () => Promise<T>, exit = true): Promise<T> {
  let received: StopSignal | undefined;
  const stopListening = onStopSignals((signal) => (received ??= signal));
  try {
    return await write();
  } finally {
    stopListening();
    if (received && exit) Deno.exit(STOP_SIGNALS[received]);
  }
}

/** Options of {@linkcode processFile}. */
export interface ProcessOptions {
  /** Replace an existing output. */
  overwrite: boolean;
  /** Map float output to 0..255 for PNG/JPEG. */
  stretch: boolean;
  /** Decoding cap. */
  maxPixels?: number;
  /** Decoding memory budget in bytes; also bounds an f32 working copy (see `processFile`). */
  maxBytes?: number;
  /** Progress callback. */
  progress?: (fraction: number) => void;
  /** Worker threads for a single-filter run (default: all cores). */
  threads?: number;
  /** Stop after this many seconds from the start of the read (reading, filtering; not the write). */
  timeout?: number;
  /** Whether a Ctrl-C during the write exits after it (default); batch handles it itself. */
  exitOnInterrupt?: boolean;
  /** Decode and encode options, and the output format when not the extension's. */
  io?: IoFlags;
  /** Convert the result's samples to this dtype (rounding and saturation) before writing. */
  dtype?: DType;
  /** Where the input bytes come from instead of the `input` file (standard input). */
  readInput?: () => Promise<Uint8Array>;
  /** Where the output bytes go instead of the `output` file (standard output). */
  writeOutput?: (bytes: Uint8Array) => Promise<void>;
}

/**
 * Reads `input`, runs the steps, writes `output` atomically (an image by
 * extension, or the last step's data as `.json`). Every check that can fail
 * before writing does.
 */
export async function processFile(
  input: string,
  output: string,
  steps: readonly PipelineStep[],
  options: ProcessOptions,
): Promise<PipelineResult & { ms: number }> {
  const kind = options.io?.format ?? outputKind(output);
  const t0 = performance.now();
  const decode = {
    ...options.io?.decode,
    maxPixels: options.maxPixels,
    maxBytes: options.maxBytes,
  };
  // The input's metadata travels to an image output unless --strip-metadata;
  // it is read from the same bytes as the pixels (only its pieces are copied).
  const carry = !options.io?.stripMetadata && kind !== "json";
  let image: Image, metadata: ImageMetadata | undefined;
  if (options.readInput) {
    const bytes = await options.readInput();
    image = await decodeImage(bytes, decode);
    if (carry) {
      metadata = await readMetadata(bytes, {
        keepOrientation: decode.keepOrientation,
        page: decode.page,
      });
    }
  } else if (carry) {
    ({ image, metadata } = await readImageWithMetadata(input, decode));
  } else {
    image = await readImage(input, decode);
  }
  checkWorkingBytes(image, steps, options.maxBytes);
  const started = performance.now();
  const timeout = options.timeout === undefined
    ? undefined
    : Math.max(0, options.timeout * 1000 - (started - t0));
  const last = steps.length ? steps[steps.length - 1].filter : "convert";
  let result: PipelineResult;
  try {
    if (steps.length === 0) {
      result = { image, data: [] };
    } else if (steps.length === 1) {
      // One step keeps the filter's own output dtype (and allows data-only filters).
      const r = await applyParallel(last, image, steps[0].params ?? {}, {
        threads: options.threads,
        progress: options.progress,
        timeout,
      });
      result = { image: r.image as Image, data: [r.data] };
    } else {
      result = await runPipeline(image, steps, { progress: options.progress, timeout });
    }
  } catch (e) {
    // The limit the user set, not what was left of it after reading.
    if (isAbortError(e) && e.name === "TimeoutError") throw timeoutError(options.timeout! * 1000);
    throw e;
  }
  const ms = performance.now() - started;
  const data = result.data[result.data.length - 1];
  if (kind === "json") {
    if (data === undefined) {
      throw new FilterError(
        "INVALID_PARAM",
        `${last} makes an image, not data; write it to an image path (.png, .npy, ...)`,
      );
    }
    const text = new TextEncoder().encode(JSON.stringify(data, null, 2) + "\n");
    await uninterrupted(
      () => writeFileAtomic(output, text, options.overwrite),
      options.exitOnInterrupt ?? true,
    );
    return { ...result, ms };
  }
  if (!result.image) {
    throw new FilterError(
      "INVALID_PARAM",
      `${last} makes data, not an image; write it to a .json path or use --json`,
    );
  }
  const converted = options.dtype ? result.image.toDtype(options.dtype) : result.image;
  let out = converted;
  if (["png", "jpeg", "webp", "avif"].includes(kind) && out.dtype === "f32") {
    if (!options.stretch) {
      throw new FilterError(
        "UNSUPPORTED_DTYPE",
        `${last} produced float32 pixels, which ${kind.toUpperCase()} cannot hold; write .npy to keep them, ` +
          `pass --dtype u8 (round and clip), or --stretch (map min..max to 0..255)`,
      );
    }
    out = out.stretchToU8();
  }
  const bytes = await encodeImage(out, kind as ImageFormat, { ...options.io?.encode, metadata });
  const write = options.writeOutput;
  await uninterrupted(
    () => write ? write(bytes) : writeFileAtomic(output, bytes, options.overwrite),
    options.exitOnInterrupt ?? true,
  );
  return { ...result, image: converted, ms };
}
