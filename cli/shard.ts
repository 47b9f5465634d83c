/**
 * Which files one task of an array job takes: `--shard i/n`, `--shard auto`
 * (the index and count from the scheduler's environment) and the partition
 * rule.
 *
 * `--shard auto` reads, in this order of checks (exactly one scheduler's
 * index variable may be set, else it is an error):
 *
 * | scheduler | index | count |
 * |---|---|---|
 * | Slurm array job | `(SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP` | `SLURM_ARRAY_TASK_COUNT`, checked against `(MAX − MIN) / STEP + 1` |
 * | Kubernetes Indexed Job | `JOB_COMPLETION_INDEX` | `--shard-count` or `IMFILTER_SHARD_COUNT` (the Job's `completions`) |
 * | AWS Batch array job | `AWS_BATCH_JOB_ARRAY_INDEX` | `AWS_BATCH_JOB_ARRAY_SIZE` |
 * | Cloud Run job | `CLOUD_RUN_TASK_INDEX` | `CLOUD_RUN_TASK_COUNT` |
 * | Google Batch | `BATCH_TASK_INDEX` | `BATCH_TASK_COUNT` |
 *
 * So any Slurm `--array=a-b:s` (1-based, stepped, `%`-throttled) maps onto
 * shards 0..n−1. When `--shard-count` or `IMFILTER_SHARD_COUNT` is given
 * alongside a scheduler that states its own count, the two must agree.
 *
 * Partition rules (`--partition`):
 * - `sorted` (default; `--shard i/n` has always meant this): the inputs are
 *   sorted by path and shard i takes positions i, i+n, i+2n, ... Shards differ
 *   in size by at most one file. A file's shard depends on its position, so
 *   files added at the end of the sorted list never move the others, but a
 *   file inserted or removed earlier in the list moves every file after it.
 * - `hash`: shard = ⌊h · n / 2³²⌋, h the first 32 bits (big-endian) of the
 *   SHA-256 of the file name in UTF-8 (`printf %s IMG_0001.png | sha256sum`,
 *   first 8 hex digits). The file name, because batch outputs are named by
 *   it (so it is unique in a batch) and it does not depend on where a shared
 *   folder is mounted. A file's shard depends on its name alone, so tasks
 *   that list a folder while it is still being filled (or emptied) still
 *   never share or drop a file; shard sizes vary binomially (about
 *   ±√(N/n) files). SHA-256 rather than a small hash such as FNV-1a:
 *   measured on 10,000 numbered names (`IMG_00000.png`...) in 3 to 64
 *   shards, FNV-1a's high bits gave a chi-square per degree of freedom of
 *   1.8–9.1 (9.1 for 8 shards: 1,138 to 1,396 files), SHA-256's 0.5–1.6, as
 *   chance gives; and anyone can recompute SHA-256 with standard tools.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { basename } from "node:path";
import { UsageError } from "./args.ts";

/** One task's share of a batch. */
export interface Shard {
  /** 0-based index, 0 ≤ index < count. */
  index: number;
  /** Number of shards. */
  count: number;
  /** Where it came from, for messages: `--shard 2/8`, `Slurm: SLURM_ARRAY_TASK_ID=3, ...`. */
  source: string;
}

/** How files are assigned to shards. */
export type Partition = "sorted" | "hash";

/** Reads one environment variable (injectable for tests). */
export type EnvReader = (name: string) => string | undefined;

/** Options of {@linkcode resolveShard}. */
export interface ShardOptions {
  /** `--shard-base`: 0 (default) or 1, for `--shard i/n`. */
  base?: string;
  /** `--shard-count`, for `--shard auto`. */
  count?: string;
  /** The environment (default: the process's). */
  env?: EnvReader;
}

/** The index variables `--shard auto` looks for, in the order they are listed in errors. */
export const SCHEDULER_INDEX_VARS: readonly string[] = [
  "SLURM_ARRAY_TASK_ID",
  "JOB_COMPLETION_INDEX",
  "AWS_BATCH_JOB_ARRAY_INDEX",
  "CLOUD_RUN_TASK_INDEX",
  "BATCH_TASK_INDEX",
];

const processEnv: EnvReader = (name) => {
  try {
    return Deno.env.get(name);
  } catch {
    throw new UsageError(
      `--shard auto reads the scheduler's environment variables: run with --allow-env`,
    );
  }
};

function nonNegative(value: string, what: string): number {
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${what} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/**
 * `--shard` as given: `i/n` (with `--shard-base 1`, 1 ≤ i ≤ n), `auto`, or
 * absent (one shard). Throws a one-line {@linkcode UsageError} otherwise.
 */
export function resolveShard(
  text: string | undefined,
  options: ShardOptions = {},
): Shard | undefined {
  const base = options.base === undefined ? 0 : Number(options.base);
  if (base !== 0 && base !== 1) {
    throw new UsageError(`--shard-base must be 0 or 1, got ${JSON.stringify(options.base)}`);
  }
  if (text === undefined) {
    if (options.base !== undefined) throw new UsageError("--shard-base goes with --shard i/n");
    if (options.count !== undefined) throw new UsageError("--shard-count goes with --shard auto");
    return undefined;
  }
  if (text.trim() === "auto") {
    if (options.base !== undefined) {
      throw new UsageError(
        "--shard-base applies to --shard i/n; --shard auto already maps the scheduler's ids to 0..n-1",
      );
    }
    return shardFromEnv(options.env ?? processEnv, options.count);
  }
  if (options.count !== undefined) throw new UsageError("--shard-count goes with --shard auto");
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const i = m ? Number(m[1]) - base : NaN, n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 0 || i >= n) {
    const range = base === 0
      ? "0 <= i < n (e.g. 0/4 ... 3/4)"
      : "1 <= i <= n under --shard-base 1 (e.g. 1/4 ... 4/4)";
    const hint = m && base === 0 && i === n && n > 0
      ? "; if your ids start at 1, add --shard-base 1 (or use --shard auto)"
      : "; or --shard auto inside an array job";
    throw new UsageError(`--shard must be i/n with ${range}, got ${JSON.stringify(text)}${hint}`);
  }
  return { index: i, count: n, source: `--shard ${text.trim()}` };
}

/** The task count given by the user for schedulers that do not state one (Kubernetes). */
function userCount(env: EnvReader, flag: string | undefined): [number, string] | undefined {
  const v = env("IMFILTER_SHARD_COUNT");
  const [text, what] = flag !== undefined
    ? [flag, "--shard-count"]
    : v !== undefined && v !== ""
    ? [v, "IMFILTER_SHARD_COUNT"]
    : [];
  if (text === undefined || what === undefined) return undefined;
  const n = nonNegative(text, what);
  if (n < 1) throw new UsageError(`${what} must be at least 1, got ${JSON.stringify(text)}`);
  return [n, what === "--shard-count" ? `--shard-count ${n}` : `IMFILTER_SHARD_COUNT=${n}`];
}

/**
 * The shard from a scheduler's environment (see the module doc); one-line
 * errors name the variables looked for and the fix.
 */
export function shardFromEnv(env: EnvReader, countFlag?: string): Shard {
  const set = SCHEDULER_INDEX_VARS.filter((v) => (env(v) ?? "") !== "");
  if (set.length === 0) {
    throw new UsageError(
      `--shard auto found no array-job variable (looked for ${
        SCHEDULER_INDEX_VARS.join(", ")
      }); run it as a task of an array job, or pass --shard i/n`,
    );
  }
  if (set.length > 1) {
    throw new UsageError(
      `--shard auto found variables of several schedulers (${
        set.map((v) => `${v}=${env(v)}`).join(", ")
      }); unset the stray ones or pass --shard i/n`,
    );
  }
  const given = userCount(env, countFlag);
  let shard: Shard;
  switch (set[0]) {
    case "SLURM_ARRAY_TASK_ID":
      shard = slurm(env);
      break;
    case "JOB_COMPLETION_INDEX": {
      const index = nonNegative(env("JOB_COMPLETION_INDEX")!, "JOB_COMPLETION_INDEX");
      if (!given) {
        throw new UsageError(
          `--shard auto: a Kubernetes Indexed Job (JOB_COMPLETION_INDEX=${index}) does not state the task count; ` +
            `pass --shard-count <completions> or set IMFILTER_SHARD_COUNT to the Job's completions`,
        );
      }
      shard = {
        index,
        count: given[0],
        source: `Kubernetes: JOB_COMPLETION_INDEX=${index}, ${given[1]}`,
      };
      break;
    }
    case "AWS_BATCH_JOB_ARRAY_INDEX":
      shard = pair(env, "AWS Batch", "AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_SIZE");
      break;
    case "CLOUD_RUN_TASK_INDEX":
      shard = pair(env, "Cloud Run", "CLOUD_RUN_TASK_INDEX", "CLOUD_RUN_TASK_COUNT");
      break;
    default:
      shard = pair(env, "Google Batch", "BATCH_TASK_INDEX", "BATCH_TASK_COUNT");
  }
  if (given && set[0] !== "JOB_COMPLETION_INDEX" && given[0] !== shard.count) {
    throw new UsageError(
      `--shard auto: ${given[1]} disagrees with the scheduler's ${shard.count} tasks ` +
        `(${shard.source}); drop ${given[1].split(/[= ]/)[0]} or make them agree`,
    );
  }
  if (shard.index >= shard.count) {
    throw new UsageError(
      `--shard auto: task index ${shard.index} is not below the task count ${shard.count} (${shard.source}); ` +
        (shard.source.startsWith("Slurm") && env("SLURM_ARRAY_TASK_MIN") === undefined
          ? "SLURM_ARRAY_TASK_MIN is not set, so ids were taken to start at 0: set it, or pass --shard i/n --shard-base 1"
          : "the count must be the number of tasks in the array"),
    );
  }
  return shard;
}

function pair(env: EnvReader, name: string, indexVar: string, countVar: string): Shard {
  const index = nonNegative(env(indexVar)!, indexVar);
  const countText = env(countVar);
  if (countText === undefined || countText === "") {
    throw new UsageError(
      `--shard auto: ${name} set ${indexVar}=${index} but not ${countVar}; ` +
        `set ${countVar} (or pass --shard ${index}/<tasks>)`,
    );
  }
  const count = nonNegative(countText, countVar);
  return { index, count, source: `${name}: ${indexVar}=${index}, ${countVar}=${count}` };
}

/** Slurm: index = (ID − MIN) / STEP, count = COUNT, checked against (MAX − MIN) / STEP + 1. */
function slurm(env: EnvReader): Shard {
  const v = (s: string) => {
    const text = env(`SLURM_ARRAY_TASK_${s}`);
    return text === undefined || text === ""
      ? undefined
      : nonNegative(text, `SLURM_ARRAY_TASK_${s}`);
  };
  const id = v("ID")!,
    min = v("MIN") ?? 0,
    step = v("STEP") ?? 1,
    max = v("MAX"),
    count = v("COUNT");
  const vars = `SLURM_ARRAY_TASK_ID=${id}, _MIN=${min}, _STEP=${step}` +
    (max === undefined ? "" : `, _MAX=${max}`) + (count === undefined ? "" : `, _COUNT=${count}`);
  if (step < 1) throw new UsageError(`--shard auto: SLURM_ARRAY_TASK_STEP must be >= 1 (${vars})`);
  const fromRange = max === undefined ? undefined : Math.floor((max - min) / step) + 1;
  if (count === undefined && fromRange === undefined) {
    throw new UsageError(
      `--shard auto: Slurm set SLURM_ARRAY_TASK_ID=${id} but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX; ` +
        `pass --shard i/n`,
    );
  }
  if (count !== undefined && fromRange !== undefined && count !== fromRange) {
    throw new UsageError(
      `--shard auto: SLURM_ARRAY_TASK_COUNT=${count} disagrees with MIN..MAX:STEP, which give ${fromRange} tasks (${vars}); ` +
        `submit the array as one range --array=a-b[:s] (not a list), or pass --shard i/n`,
    );
  }
  if (id < min || (id - min) % step !== 0) {
    throw new UsageError(
      `--shard auto: SLURM_ARRAY_TASK_ID=${id} is not on the range MIN + k*STEP (${vars}); ` +
        `submit the array as one range --array=a-b[:s], or pass --shard i/n`,
    );
  }
  return { index: (id - min) / step, count: count ?? fromRange!, source: `Slurm: ${vars}` };
}

/** The first 32 bits (big-endian) of the SHA-256 of a string's UTF-8 bytes. */
export function nameHash32(text: string): number {
  return createHash("sha256").update(text, "utf8").digest().readUInt32BE(0);
}

/** The shard of a file under the `hash` rule: ⌊nameHash32(file name) · n / 2³²⌋. */
export function hashShard(path: string, count: number): number {
  return Math.floor((nameHash32(basename(path)) * count) / 2 ** 32);
}

/** The files of one shard; `files` must be the sorted list of the whole batch. */
export function selectShard(
  files: readonly string[],
  shard: Shard | undefined,
  partition: Partition,
): string[] {
  if (!shard) return [...files];
  if (partition === "hash") return files.filter((f) => hashShard(f, shard.count) === shard.index);
  return files.filter((_, i) => i % shard.count === shard.index);
}

/** Parses `--partition`. */
export function parsePartition(text: string | undefined): Partition {
  if (text === undefined || text === "sorted") return "sorted";
  if (text === "hash") return "hash";
  throw new UsageError(`--partition must be sorted or hash, got ${JSON.stringify(text)}`);
}
