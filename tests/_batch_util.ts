// Helpers of the batch_*_test.ts files: the CLI run as a separate process
// (as a scheduler runs it), scheduler environments, scratch inputs, manifest
// reading, and a stand-in for Slurm's sbatch that runs an array job's tasks
// here (`deno run tests/_batch_util.ts sbatch <script> [args]`).

import { join } from "node:path";
import { writeImage } from "../mod.ts";
import { syntheticImage } from "../testing.ts";
import type { ManifestRecord } from "../cli/manifest.ts";

export const root: string = new URL("..", import.meta.url).pathname;

/**
 * The CLI's command line: `deno task imfilter`'s own `deno run` flags (read
 * from deno.json, so they stay the same), without the task runner in
 * between, so signals reach the CLI itself.
 */
export function cliArgv(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(join(root, "deno.json")));
  const task = config.tasks.imfilter;
  const command: string = typeof task === "string" ? task : task.command; // {command, dependencies}
  const words = command.split(/\s+/);
  if (words[0] !== "deno" || words[words.length - 1] !== "cli/main.ts") {
    throw new Error(`unexpected imfilter task: ${command}`);
  }
  return [...words.slice(1, -1), join(root, "cli/main.ts")];
}

/** Variables a scheduler sets: never inherited from the test's own environment. */
const SCHEDULER_VARS =
  /^(SLURM_|JOB_COMPLETION_INDEX$|AWS_BATCH_|CLOUD_RUN_|BATCH_TASK_|IMFILTER_SHARD_COUNT$|INIT_CWD$)/;

/** This process's environment without any scheduler's variables, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (!SCHEDULER_VARS.test(k)) env[k] = v;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/** How a CLI process ended. */
export interface Run {
  code: number;
  out: string;
  err: string;
}

const decoder = new TextDecoder();

/** Runs the CLI in a separate process with a clean environment plus `env`. */
export async function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const p = await new Deno.Command(Deno.execPath(), {
    args: [...cliArgv(), ...args],
    cwd: options.cwd ?? root,
    env: cleanEnv(options.env),
    clearEnv: true,
    stdin: "null",
  }).output();
  return { code: p.code, out: decoder.decode(p.stdout), err: decoder.decode(p.stderr) };
}

/** Runs several CLI processes at once (the tasks of an array job). */
export function runTasks(
  tasks: readonly { args: readonly string[]; env: Record<string, string> }[],
  cwd?: string,
): Promise<Run[]> {
  return Promise.all(tasks.map((t) => runCli(t.args, { cwd, env: t.env })));
}

/** Writes `n` small PNGs (`img00.png`, ...) into `dir`, and corrupt files under `broken`. */
export async function writeInputs(
  dir: string,
  n: number,
  broken: readonly string[] = [],
  prefix = "img",
): Promise<string[]> {
  const size = 8;
  await Deno.mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `${prefix}${String(i).padStart(2, "0")}.png`;
    await writeImage(join(dir, name), syntheticImage(size, size, 1, "u8", 100 + i));
    names.push(name);
  }
  for (const name of broken) {
    await Deno.writeTextFile(join(dir, name), "not a png");
    names.push(name);
  }
  return names.sort();
}

/** Files in a folder, sorted (hidden ones too). */
export function filesIn(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** The records of one manifest file, in order. */
export function readManifest(path: string): ManifestRecord[] {
  const lines = Deno.readTextFileSync(path).split("\n").filter((l) => l !== "");
  return lines.map((l) => JSON.parse(l));
}

/** The records of every `*.jsonl` in a folder, by file name. */
export function manifestsIn(dir: string): Map<string, ManifestRecord[]> {
  const out = new Map<string, ManifestRecord[]>();
  for (const name of filesIn(dir).filter((n) => n.endsWith(".jsonl"))) {
    out.set(name, readManifest(join(dir, name)));
  }
  return out;
}

/**
 * The environment Slurm gives each task of `--array=<spec>` (a range
 * `a-b`, with an optional `:step` and `%throttle`): SLURM_ARRAY_TASK_ID,
 * _MIN, _MAX (the largest id), _STEP and _COUNT.
 */
export function slurmArray(spec: string): { env: Record<string, string>[]; throttle?: number } {
  const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?(?:%(\d+))?$/.exec(spec);
  if (!m) throw new Error(`this stand-in takes --array=a-b[:s][%k], got ${spec}`);
  const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
  const step = m[3] === undefined ? 1 : Number(m[3]);
  const ids: number[] = [];
  for (let id = a; id <= b; id += step) ids.push(id);
  const env = ids.map((id) => ({
    SLURM_ARRAY_JOB_ID: "4242",
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_MIN: String(a),
    SLURM_ARRAY_TASK_MAX: String(ids[ids.length - 1]),
    SLURM_ARRAY_TASK_STEP: String(step),
    SLURM_ARRAY_TASK_COUNT: String(ids.length),
  }));
  return { env, throttle: m[4] === undefined ? undefined : Number(m[4]) };
}

/**
 * A stand-in for `sbatch <script> [args...]`: reads the script's `#SBATCH`
 * lines (`--array`, `--cpus-per-task`, `--output` with %A and %a), runs
 * the script with bash once per array task with Slurm's variables, at
 * most `%k` at a time, and waits for them all (the real sbatch returns at
 * once; waiting lets the test look at the results). Appends each task's
 * `{ id, code }` to `$FAKE_SBATCH_LOG`.
 */
async function sbatch(args: string[]): Promise<number> {
  const [script, ...rest] = args;
  const text = Deno.readTextFileSync(script);
  const opt = (name: string) => new RegExp(`^#SBATCH --${name}=(\\S+)`, "m").exec(text)?.[1];
  const array = opt("array");
  if (array === undefined) throw new Error("the stand-in runs array jobs only");
  const { env, throttle } = slurmArray(array);
  const cpus = opt("cpus-per-task");
  const output = opt("output") ?? "slurm-%A_%a.out";
  const log = Deno.env.get("FAKE_SBATCH_LOG");
  console.log("Submitted batch job 4242");
  let next = 0;
  const worker = async () => {
    while (next < env.length) {
      const task = env[next++];
      const logFile = output.replaceAll("%A", "4242").replaceAll("%a", task.SLURM_ARRAY_TASK_ID);
      const p = await new Deno.Command("bash", {
        args: [script, ...rest],
        env: { ...task, SLURM_JOB_ID: "4242", ...(cpus ? { SLURM_CPUS_PER_TASK: cpus } : {}) },
        stdout: "piped",
        stderr: "piped",
      }).output();
      Deno.writeFileSync(logFile, new Uint8Array([...p.stdout, ...p.stderr]));
      if (log) {
        Deno.writeTextFileSync(
          log,
          JSON.stringify({ id: Number(task.SLURM_ARRAY_TASK_ID), code: p.code }) + "\n",
          { append: true },
        );
      }
    }
  };
  await Promise.all(Array.from({ length: throttle ?? env.length }, worker));
  return 0;
}

/**
 * A folder with `imfilter` (the repository's CLI) and `sbatch` (the
 * stand-in above) as commands, to put first on PATH.
 */
export function installCommands(dir: string): string {
  const bin = join(dir, "bin");
  Deno.mkdirSync(bin, { recursive: true });
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const deno = quote(Deno.execPath());
  Deno.writeTextFileSync(
    join(bin, "imfilter"),
    `#!/bin/sh\nexec ${deno} ${cliArgv().map(quote).join(" ")} "$@"\n`,
    { mode: 0o755 },
  );
  Deno.writeTextFileSync(
    join(bin, "sbatch"),
    `#!/bin/sh\nexec ${deno} run -A ${quote(join(root, "tests/_batch_util.ts"))} sbatch "$@"\n`,
    { mode: 0o755 },
  );
  return bin;
}

if (import.meta.main && Deno.args[0] === "sbatch") Deno.exit(await sbatch(Deno.args.slice(1)));
