/**
 * `batch`: one filter or pipeline over many files.
 *
 * ```sh
 * deno task imfilter batch photos/ "scans/*.png" --out-dir out --jobs 2 -- gaussian --sigma 2 -- median --size 5
 * deno task imfilter batch photos/ --out-dir out --shard 3/8 -- sobel --output magnitude
 * ```
 *
 * Inputs are files, directories (their image files, not recursive) or
 * patterns with `*` and `?` in the file name. Outputs keep the input's base
 * name (extension from `--ext`, default the input's) in `--out-dir`. A failed
 * item is reported and the rest still run; the exit status is 1 if any item
 * failed.
 *
 * On a cluster, each task of an array job takes a shard (`--shard i/n`, or
 * `--shard auto` from the scheduler's variables; see `shard.ts` for the
 * variables and the partition rules), so n machines split a batch without
 * coordinating. `--skip-existing` resumes a killed task (outputs are
 * written atomically, so a present output is complete), `--manifest` keeps
 * one JSON line per finished file (see `manifest.ts`) and `--retry-failed`
 * redoes only the files a manifest records as failed. SIGINT, SIGHUP and SIGTERM
 * (a scheduler's preemption) let the files under way finish and start no
 * other.
 *
 * @module
 */

import { basename, dirname, extname, join } from "node:path";
import { GLOBAL_OPTIONS, type GlobalFlags, globalsFrom, parseHead, UsageError } from "./args.ts";
import { type IoFlags, mergeIo } from "./io_flags.ts";
import { exists, userCwd, userPath } from "./paths.ts";
import { pluginOptions } from "./plugins.ts";
import type { SandboxOptions } from "./sandbox.ts";
import {
  type CliStep,
  describeError,
  onStopSignals,
  outputKind,
  parseSteps,
  processFile,
  resolveSteps,
  splitSegments,
  STOP_SIGNALS,
  type StopSignal,
} from "./run.ts";
import { oneLine } from "../mod.ts";
import { batchBar, type CliStreams } from "./progress.ts";
import {
  latestByInput,
  manifestPath,
  type ManifestStatus,
  ManifestWriter,
  readManifests,
} from "./manifest.ts";
import { parsePartition, resolveShard, selectShard, type Shard } from "./shard.ts";

const IMAGE_EXT = /\.(png|jpe?g|tiff?|gif|npy|webp|avif)$/i;

/**
 * Names of the temporary files of atomic writes (`.<name>.tmp-<8 hex>`, see
 * `writeFileAtomic`): never an input, never taken for an output.
 */
const TEMP_NAME = /^\.(.+)\.tmp-[0-9a-f]{8}$/;

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(
    /\?/g,
    "[^/]",
  );
  return new RegExp(`^${escaped}$`);
}

/** Expands inputs (files, directories, `*`/`?` patterns) to a sorted, de-duplicated list of files. */
export function expandInputs(inputs: readonly string[], cwd: string): string[] {
  const files = new Set<string>();
  for (const input of inputs) {
    const path = userPath(input, cwd);
    if (/[*?]/.test(basename(path))) {
      const dir = dirname(path), re = globToRegExp(basename(path));
      if (/[*?]/.test(dir)) {
        throw new UsageError(`batch: patterns are allowed in file names only, not in ${dir}`);
      }
      let matched = 0;
      for (const e of readDir(dir, input)) {
        if (e.isFile && re.test(e.name) && !TEMP_NAME.test(e.name)) {
          files.add(join(dir, e.name));
          matched++;
        }
      }
      if (matched === 0) throw new UsageError(`batch: ${input} matches no file`);
    } else {
      let info: Deno.FileInfo;
      try {
        info = Deno.statSync(path);
      } catch {
        throw new UsageError(`batch: input ${input} does not exist`);
      }
      if (info.isDirectory) {
        for (const e of readDir(path, input)) {
          if (e.isFile && IMAGE_EXT.test(e.name)) files.add(join(path, e.name));
        }
      } else files.add(path);
    }
  }
  return [...files].sort();
}

function readDir(dir: string, shown: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)];
  } catch {
    throw new UsageError(`batch: cannot list the folder of ${shown}`);
  }
}

interface Item {
  input: string;
  output: string;
}

/** How one item ended. */
export interface Outcome extends Item {
  /** Done, failed, or skipped (`--skip-existing` found its output). */
  status: ManifestStatus;
  /** Milliseconds spent on it. */
  ms: number;
  /** The error code when failed. */
  code?: string;
  /** The error message when failed. */
  message?: string;
  /** The last step's result data. */
  data?: unknown;
}

/** What a worker is sent: the steps as typed, so it resolves files itself. */
export interface BatchJob {
  /** The steps. */
  steps: CliStep[];
  /** The items this message asks for (one at a time). */
  item: Item;
  /** Write options. */
  overwrite: boolean;
  /** Stretch float output. */
  stretch: boolean;
  /** Decoding cap. */
  maxPixels?: number;
  /** Decoding memory budget in bytes (--max-bytes). */
  maxBytes?: number;
  /** Seconds each file may take (--timeout). */
  timeout?: number;
  /** Decode and encode options (--quality, --page, ...). */
  io?: IoFlags;
  /** The user's directory. */
  cwd: string;
}

/**
 * A young-generation collection when the runtime exposes `gc` (the CLI runs
 * with `--expose-gc`): an item's images (36 MB each for a 12 MP photo) are
 * garbage once it is written, and V8 otherwise lets several pile up before
 * it collects. Measured on 12 JPEG → Gaussian → JPEG photographs with
 * `--jobs 2`: peak 480 → 340 MiB at the same speed (a full collection also
 * gives 325 MiB but costs 6% of the time).
 */
function collectYoung(): void {
  (globalThis as { gc?: (options: { type: "minor" }) => void }).gc?.({ type: "minor" });
}

/** Runs one item in this thread; never throws. */
export async function runItem(job: BatchJob): Promise<Outcome> {
  try {
    return await runItemOnce(job);
  } finally {
    collectYoung();
  }
}

async function runItemOnce(job: BatchJob): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const steps = await resolveSteps(job.steps, job.cwd, job.maxPixels, job.maxBytes);
    // One thread per item: a batch is parallel across files (--jobs).
    const r = await processFile(job.item.input, job.item.output, steps, {
      overwrite: job.overwrite,
      stretch: job.stretch,
      maxPixels: job.maxPixels,
      maxBytes: job.maxBytes,
      timeout: job.timeout,
      io: job.io,
      threads: 1,
      exitOnInterrupt: false,
    });
    return {
      ...job.item,
      status: "done",
      ms: performance.now() - t0,
      data: r.data[r.data.length - 1],
    };
  } catch (e) {
    return { ...job.item, status: "failed", ms: performance.now() - t0, ...describeError(e) };
  }
}

/** Runs items in `jobs` workers (or in this thread for 1), calling `done` as each finishes. */
async function runAll(
  items: readonly Item[],
  base: Omit<BatchJob, "item">,
  jobs: number,
  plugins: { specs: readonly string[]; options: SandboxOptions },
  done: (o: Outcome) => void,
  stopped: () => boolean,
): Promise<void> {
  if (jobs <= 1) {
    for (const item of items) {
      if (stopped()) return;
      done(await runItem({ ...base, item }));
    }
    return;
  }
  let next = 0;
  const workers = Array.from(
    { length: Math.min(jobs, items.length) },
    () => new Worker(new URL("./batch_worker.ts", import.meta.url), { type: "module" }),
  );
  try {
    await Promise.all(workers.map((w) =>
      new Promise<void>((resolve) => {
        let current: Item | undefined;
        const feed = () => {
          current = undefined;
          if (next >= items.length || stopped()) return resolve();
          current = items[next++];
          w.postMessage({ kind: "job", job: { ...base, item: current }, plugins });
        };
        w.onmessage = (ev: MessageEvent<Outcome>) => {
          done(ev.data);
          feed();
        };
        w.onerror = (ev) => {
          // The worker is gone: its item failed; the other workers take the rest.
          ev.preventDefault();
          if (current) {
            done({
              ...current,
              status: "failed",
              ms: 0,
              code: "INTERNAL",
              message: oneLine(`worker failed: ${ev.message}`),
            });
          }
          resolve();
        };
        feed();
      })
    ));
  } finally {
    for (const w of workers) w.terminate();
  }
}

const BATCH_OPTIONS = {
  ...GLOBAL_OPTIONS,
  "out-dir": { type: "string" },
  jobs: { type: "string", short: "j" },
  shard: { type: "string" },
  "shard-base": { type: "string" },
  "shard-count": { type: "string" },
  partition: { type: "string" },
  "skip-existing": { type: "boolean" },
  "retry-failed": { type: "string", multiple: true },
  manifest: { type: "string" },
  ext: { type: "string" },
} as const;

/** Removes temporary files a killed run left for these outputs; returns how many. */
function removeStaleTemps(outDir: string, outputs: ReadonlySet<string>): number {
  let removed = 0;
  for (const e of readDir(outDir, outDir)) {
    const m = TEMP_NAME.exec(e.name);
    if (!e.isFile || !m || !outputs.has(join(outDir, m[1]))) continue;
    try {
      Deno.removeSync(join(outDir, e.name));
      removed++;
    } catch {
      // Gone already (another process cleaned it): nothing to do.
    }
  }
  return removed;
}

/** The files of this task: the shard, then (with `--retry-failed`) only the recorded failures. */
interface Plan {
  /** Items to run. */
  items: Item[];
  /** Items whose outputs exist (`--skip-existing`). */
  skipped: Item[];
  /** All inputs of the batch, before sharding. */
  total: number;
  /** Notes for the summary line. */
  notes: string[];
}

function planItems(
  files: readonly string[],
  outPath: string,
  ext: string | undefined,
  shard: Shard | undefined,
  values: Record<string, unknown>,
  cwd: string,
): Plan {
  // Output names are checked over the whole batch, so every task refuses a clash alike.
  const outputOf = new Map<string, string>(), inputOf = new Map<string, string>();
  for (const input of files) {
    const name = basename(input, extname(input)) + (ext ? `.${ext}` : extname(input));
    const output = join(outPath, name);
    if (inputOf.has(output)) {
      throw new UsageError(
        `batch: ${input} and ${
          inputOf.get(output)
        } would both write ${output}; rename one or batch them separately`,
      );
    }
    inputOf.set(output, input);
    outputOf.set(input, output);
  }
  const notes: string[] = [];
  let mine = selectShard(files, shard, parsePartition(values.partition as string | undefined));
  const retry = values["retry-failed"] as string[] | undefined;
  if (retry) {
    const paths = retry.map((p) => userPath(manifestPath(p, shard?.index ?? 0), cwd));
    const { records, unreadable } = readManifests(paths);
    const failed = new Set(
      [...latestByInput(records).values()].filter((r) => r.status === "failed").map((r) => r.input),
    );
    const gone = [...failed].filter((f) => !outputOf.has(f)).length;
    mine = mine.filter((f) => failed.has(f));
    notes.push(
      `retrying ${mine.length} failed inputs of this shard, of ${failed.size} failed in the manifest` +
        (gone ? ` (${gone} no longer among the inputs)` : "") +
        (unreadable ? `; ${unreadable} manifest lines unreadable` : ""),
    );
  }
  const items = mine.map((input) => ({ input, output: outputOf.get(input)! }));
  if (values["skip-existing"] !== true) return { items, skipped: [], total: files.length, notes };
  const removed = removeStaleTemps(outPath, new Set(items.map((i) => i.output)));
  if (removed) {
    notes.push(`removed ${removed} temporary file${removed > 1 ? "s" : ""} of an interrupted run`);
  }
  const isFile = (p: string) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  };
  return {
    items: items.filter((i) => !isFile(i.output)),
    skipped: items.filter((i) => isFile(i.output)),
    total: files.length,
    notes,
  };
}

/** The `batch` command; returns the exit status. */
export async function runBatch(
  args: readonly string[],
  base: GlobalFlags,
  io: CliStreams,
): Promise<number> {
  const [head, ...segments] = splitSegments(args);
  const { values, positionals } = parseHead("batch", head, BATCH_OPTIONS);
  const inputs = positionals.slice(1);
  const outDir = values["out-dir"] as string | undefined;
  if (inputs.length === 0 || outDir === undefined || segments.length === 0) {
    throw new UsageError(
      "batch needs: batch <input>... --out-dir <dir> [--jobs n] [--shard i/n|auto] [--ext png] -- <filter> [options] [-- <filter> ...] (see help batch)",
    );
  }
  const parsed = parseSteps(segments);
  const globals = { ...base, ...globalsFrom(values) };
  for (const g of parsed.globals) {
    globals.overwrite ||= g.overwrite ?? false;
    globals.json ||= g.json ?? false;
    globals.quiet ||= g.quiet ?? false;
    globals.stretch ||= g.stretch ?? false;
    globals.maxPixels ??= g.maxPixels;
    globals.maxBytes ??= g.maxBytes;
    globals.timeout ??= g.timeout;
    globals.io = mergeIo(globals.io, g.io);
  }
  if (globals.io.format !== undefined) {
    throw new UsageError(
      "batch: --format does not apply (outputs keep their names); choose the output format with --ext",
    );
  }
  if (inputs.includes("-")) {
    throw new UsageError("batch reads files, not standard input: pass files or folders");
  }
  const jobs = values.jobs === undefined ? 1 : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) {
    throw new UsageError(
      `--jobs must be an integer from 1 to 256, got ${JSON.stringify(values.jobs)}`,
    );
  }
  if (values["skip-existing"] === true && globals.overwrite) {
    throw new UsageError(
      "--skip-existing keeps existing outputs and --overwrite replaces them: pass one of them",
    );
  }
  const ext = (values.ext as string | undefined)?.replace(/^\./, "");
  if (ext !== undefined) outputKind(`x.${ext}`);
  const shard = resolveShard(values.shard as string | undefined, {
    base: values["shard-base"] as string | undefined,
    count: values["shard-count"] as string | undefined,
  });
  parsePartition(values.partition as string | undefined);
  const cwd = userCwd();
  const outPath = userPath(outDir, cwd);
  if (!exists(outPath)) Deno.mkdirSync(outPath, { recursive: true });
  const plan = planItems(expandInputs(inputs, cwd), outPath, ext, shard, values, cwd);
  const { items } = plan;
  // Resolve once up front so a bad kernel file or param fails the whole batch early (exit 2).
  await resolveSteps(parsed.steps, cwd, globals.maxPixels, globals.maxBytes);
  const shardText = shard ? `${shard.index}/${shard.count}` : "0/1";
  const manifestFile = values.manifest === undefined
    ? undefined
    : userPath(manifestPath(values.manifest as string, shard?.index ?? 0), cwd);
  const manifest = manifestFile === undefined ? undefined : ManifestWriter.open(manifestFile);
  const record = (o: Outcome) =>
    manifest?.append({
      input: o.input,
      output: o.output,
      status: o.status,
      code: o.code ?? null,
      message: o.message ?? null,
      ms: Math.round(o.ms * 10) / 10,
      shard: shardText,
      time: new Date().toISOString(),
    });
  const started = performance.now();
  const outcomes: Outcome[] = [];
  const progress = batchBar(io, globals.quiet);
  for (const item of plan.skipped) record({ ...item, status: "skipped", ms: 0 });
  const onDone = (o: Outcome) => {
    outcomes.push(o);
    record(o);
    const error = `error[${o.code}]: ${o.message}`;
    if (progress) {
      if (o.status === "failed") {
        progress.clear();
        io.err(`FAILED ${o.input}: ${error}`);
      }
      progress.show(
        outcomes.length,
        items.length,
        outcomes.filter((x) => x.status === "failed").length,
      );
    } else if (!globals.quiet || o.status === "failed") {
      io.err(
        o.status === "done"
          ? `ok ${o.input} -> ${o.output} (${o.ms.toFixed(0)} ms)`
          : `FAILED ${o.input}: ${error}`,
      );
    }
  };
  const jobBase = {
    steps: parsed.steps,
    overwrite: globals.overwrite,
    stretch: globals.stretch,
    maxPixels: globals.maxPixels,
    maxBytes: globals.maxBytes,
    timeout: globals.timeout,
    io: globals.io,
    cwd,
  };
  // Ctrl-C, a closed terminal, or a scheduler's SIGTERM before it kills a preempted task: items
  // under way finish (their writes are atomic, their records follow), no new
  // one starts.
  let stop: StopSignal | undefined;
  const stopListening = onStopSignals((signal) => (stop ??= signal));
  try {
    await runAll(
      items,
      jobBase,
      jobs,
      {
        specs: globals.plugin.map((p) => (p.includes(":") ? p : userPath(p, cwd))),
        options: pluginOptions(globals, cwd),
      },
      onDone,
      () => stop !== undefined,
    );
  } finally {
    stopListening();
    manifest?.close();
  }
  progress?.clear();
  const failed = outcomes.filter((o) => o.status === "failed");
  const secs = (performance.now() - started) / 1000;
  const notStarted = items.length - outcomes.length;
  const notes = [...plan.notes];
  if (shard) {
    notes.unshift(
      `shard ${shardText} of ${plan.total} inputs` +
        (shard.source.startsWith("--") ? "" : `; ${shard.source}`),
    );
  }
  if (plan.skipped.length) notes.push(`${plan.skipped.length} skipped: output exists`);
  if (stop) notes.push(`interrupted: ${notStarted} not started`);
  else if (notStarted) notes.push(`${notStarted} not started: the workers failed`);
  if (!globals.quiet || failed.length) {
    io.err(
      `batch: ${outcomes.length - failed.length} done, ${failed.length} failed in ${
        secs.toFixed(1)
      } s${notes.length ? ` (${notes.join("; ")})` : ""}`,
    );
  }
  if (globals.json) {
    io.out(JSON.stringify({
      done: outcomes.length - failed.length,
      skipped: plan.skipped.length,
      failed: failed.map((o) => ({ input: o.input, error: `error[${o.code}]: ${o.message}` })),
      results: outcomes.filter((o) => o.status === "done").map((o) => ({
        input: o.input,
        output: o.output,
        data: o.data ?? null,
      })),
    }));
  }
  return stop ? STOP_SIGNALS[stop] : failed.length || notStarted ? 1 : 0;
}
