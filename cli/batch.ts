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
 * failed. `--shard i/n` (0 ≤ i < n) keeps every n-th item of the sorted list
 * starting at i, so n machines split a batch without coordinating
 * (`--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`,
 * `--shard $JOB_COMPLETION_INDEX/<completions>`, GNU parallel's `{%}`).
 *
 * @module
 */

import { basename, dirname, extname, join } from "node:path";
import { parseArgs } from "node:util";
import {
  GLOBAL_OPTIONS,
  type GlobalFlags,
  globalsFrom,
  joinNegativeValues,
  UsageError,
} from "./args.ts";
import { exists, userCwd, userPath } from "./paths.ts";
import {
  type CliStep,
  outputKind,
  parseSteps,
  processFile,
  resolveSteps,
  splitSegments,
} from "./run.ts";
import { isFilterError } from "../mod.ts";
import type { CliStreams } from "./progress.ts";

const IMAGE_EXT = /\.(png|jpe?g|tiff?|gif|npy)$/i;

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
        if (e.isFile && re.test(e.name)) {
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

/** Parses `--shard i/n`: 0 ≤ i < n. */
export function parseShard(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const i = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i >= n) {
    throw new UsageError(
      `--shard must be i/n with 0 <= i < n (e.g. 0/4 ... 3/4), got ${JSON.stringify(text)}`,
    );
  }
  return [i, n];
}

interface Item {
  input: string;
  output: string;
}

interface Outcome extends Item {
  ok: boolean;
  ms: number;
  error?: string;
  code?: number;
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
  /** The user's directory. */
  cwd: string;
}

/** Runs one item in this thread; never throws. */
export async function runItem(job: BatchJob): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const steps = await resolveSteps(job.steps, job.cwd, job.maxPixels);
    // One thread per item: a batch is parallel across files (--jobs).
    const r = await processFile(job.item.input, job.item.output, steps, {
      overwrite: job.overwrite,
      stretch: job.stretch,
      maxPixels: job.maxPixels,
      threads: 1,
      exitOnInterrupt: false,
    });
    return { ...job.item, ok: true, ms: performance.now() - t0, data: r.data[r.data.length - 1] };
  } catch (e) {
    const message = isFilterError(e)
      ? `error[${e.code}]: ${e.message}`
      : `error[INTERNAL]: ${(e as Error)?.message ?? e}`;
    return { ...job.item, ok: false, ms: performance.now() - t0, error: message };
  }
}

/** Runs items in `jobs` workers (or in this thread for 1), calling `done` as each finishes. */
async function runAll(
  items: readonly Item[],
  base: Omit<BatchJob, "item">,
  jobs: number,
  plugins: readonly string[],
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
        const feed = () => {
          if (next >= items.length || stopped()) return resolve();
          const item = items[next++];
          w.postMessage({ kind: "job", job: { ...base, item }, plugins });
        };
        w.onmessage = (ev: MessageEvent<Outcome>) => {
          done(ev.data);
          feed();
        };
        w.onerror = (ev) => {
          ev.preventDefault();
          done({
            input: "(worker)",
            output: "",
            ok: false,
            ms: 0,
            error: `error[INTERNAL]: worker failed: ${ev.message}`,
          });
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
  ext: { type: "string" },
} as const;

/** The `batch` command; returns the exit status. */
export async function runBatch(
  args: readonly string[],
  base: GlobalFlags,
  io: CliStreams,
): Promise<number> {
  const [head, ...segments] = splitSegments(args);
  let values: Record<string, unknown>, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: joinNegativeValues(head, BATCH_OPTIONS),
      options: BATCH_OPTIONS,
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    throw new UsageError(`batch: ${(e as Error).message.split("\n")[0]}`);
  }
  const inputs = positionals.slice(1);
  const outDir = values["out-dir"] as string | undefined;
  if (inputs.length === 0 || outDir === undefined || segments.length === 0) {
    throw new UsageError(
      "batch needs: batch <input>... --out-dir <dir> [--jobs n] [--shard i/n] [--ext png] -- <filter> [options] [-- <filter> ...]",
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
  }
  const jobs = values.jobs === undefined ? 1 : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) {
    throw new UsageError(
      `--jobs must be an integer from 1 to 256, got ${JSON.stringify(values.jobs)}`,
    );
  }
  const ext = values.ext as string | undefined;
  if (ext !== undefined) outputKind(`x.${ext.replace(/^\./, "")}`);
  const shard = parseShard(values.shard as string | undefined);
  const cwd = userCwd();
  const outPath = userPath(outDir, cwd);
  if (!exists(outPath)) Deno.mkdirSync(outPath, { recursive: true });
  let files = expandInputs(inputs, cwd);
  const total = files.length;
  if (shard) files = files.filter((_, i) => i % shard[1] === shard[0]);
  const items: Item[] = [];
  const seen = new Map<string, string>();
  for (const input of files) {
    const name = basename(input, extname(input)) +
      (ext ? `.${ext.replace(/^\./, "")}` : extname(input));
    const output = join(outPath, name);
    if (seen.has(output)) {
      throw new UsageError(
        `batch: ${input} and ${
          seen.get(output)
        } would both write ${output}; rename one or batch them separately`,
      );
    }
    seen.set(output, input);
    items.push({ input, output });
  }
  // Resolve once up front so a bad kernel file or param fails the whole batch early (exit 2).
  await resolveSteps(parsed.steps, cwd, globals.maxPixels);
  const started = performance.now();
  const outcomes: Outcome[] = [];
  const tty = io.errIsTerminal && !globals.quiet;
  const showProgress = () => {
    const failed = outcomes.filter((o) => !o.ok).length, width = 30;
    const filled = Math.round((outcomes.length / Math.max(1, items.length)) * width);
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        `\r[${"#".repeat(filled)}${
          "-".repeat(width - filled)
        }] ${outcomes.length}/${items.length}` +
          (failed ? ` (${failed} failed)` : ""),
      ),
    );
  };
  const onDone = (o: Outcome) => {
    outcomes.push(o);
    if (tty) {
      if (!o.ok) {
        Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[2K"));
        io.err(`FAILED ${o.input}: ${o.error}`);
      }
      showProgress();
    } else if (!globals.quiet || !o.ok) {
      io.err(
        o.ok
          ? `ok ${o.input} -> ${o.output} (${o.ms.toFixed(0)} ms)`
          : `FAILED ${o.input}: ${o.error}`,
      );
    }
  };
  const jobBase = {
    steps: parsed.steps,
    overwrite: globals.overwrite,
    stretch: globals.stretch,
    maxPixels: globals.maxPixels,
    cwd,
  };
  // Ctrl-C: items under way finish (their writes are atomic), no new one starts.
  let stop = false;
  const onInterrupt = () => (stop = true);
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    await runAll(
      items,
      jobBase,
      jobs,
      globals.plugin.map((p) => (p.includes(":") ? p : userPath(p, cwd))),
      onDone,
      () => stop,
    );
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[2K"));
  const failed = outcomes.filter((o) => !o.ok);
  const secs = (performance.now() - started) / 1000;
  const shardNote = (shard ? ` (shard ${shard[0]}/${shard[1]} of ${total} inputs)` : "") +
    (stop ? `; interrupted: ${items.length - outcomes.length} not started` : "");
  if (!globals.quiet || failed.length) {
    io.err(
      `batch: ${outcomes.length - failed.length} done, ${failed.length} failed in ${
        secs.toFixed(1)
      } s${shardNote}`,
    );
  }
  if (globals.json) {
    io.out(JSON.stringify({
      done: outcomes.length - failed.length,
      failed: failed.map((o) => ({ input: o.input, error: o.error })),
      results: outcomes.filter((o) => o.ok).map((o) => ({
        input: o.input,
        output: o.output,
        data: o.data ?? null,
      })),
    }));
  }
  return stop ? 130 : failed.length ? 1 : 0;
}
