// Batches as the tasks of a cluster array job: each scheduler's environment
// simulated, several tasks in separate processes over the same folders at
// once. Every input must be processed exactly once across the shards, the
// manifests must agree with the outputs, a killed task must resume without
// redoing finished files, and a retry must redo exactly the failures.

import assert from "node:assert/strict";
import { join } from "node:path";
import type { ManifestRecord } from "../cli/manifest.ts";
import { readImage, writeImage } from "../mod.ts";
import { syntheticImage } from "../testing.ts";
import {
  cleanEnv,
  cliArgv,
  filesIn,
  manifestsIn,
  readManifest,
  type Run,
  runCli,
  runTasks,
  slurmArray,
  writeInputs,
} from "./_batch_util.ts";

const tmp = Deno.makeTempDirSync({ prefix: "imfilter-cluster-" });

/** A scratch batch: 9 images and one corrupt file in `in/`. */
async function scratch(name: string): Promise<{ dir: string; inputs: string[] }> {
  const dir = join(tmp, name);
  const inputs = await writeInputs(join(dir, "in"), 9, ["broken.png"]);
  return { dir, inputs };
}

const batchArgs = (dir: string, ...more: string[]) => [
  "batch",
  join(dir, "in"),
  "--out-dir",
  join(dir, "out"),
  "--shard",
  "auto",
  "--manifest",
  join(dir, "m", "{shard}.jsonl"),
  ...more,
  "--",
  "median",
  "--size",
  "3",
];

/**
 * Checks what a set of tasks did: every input has exactly one record over
 * all manifests, each manifest holds only its own shard, `done` records are
 * exactly the outputs on disk, the corrupt file failed (and has no output).
 * Returns the inputs of each manifest, by shard index.
 */
function checkExactlyOnce(
  dir: string,
  inputs: readonly string[],
  count: number,
  runs: readonly Run[],
): string[][] {
  const manifests = manifestsIn(join(dir, "m"));
  const all: ManifestRecord[] = [...manifests.values()].flat();
  const byShard: string[][] = [];
  for (let i = 0; i < count; i++) {
    const records = manifests.get(`${i}.jsonl`) ?? [];
    for (const r of records) assert.equal(r.shard, `${i}/${count}`, `${r.input} in ${i}.jsonl`);
    byShard.push(records.map((r) => r.input.split("/").pop()!));
  }
  const names = all.map((r) => r.input.split("/").pop()!).sort();
  assert.deepEqual(names, [...inputs], "each input recorded exactly once");
  const done = all.filter((r) => r.status === "done").map((r) => r.output.split("/").pop()!);
  assert.deepEqual(filesIn(join(dir, "out")), done.sort(), "done records = outputs on disk");
  const failed = all.filter((r) => r.status === "failed");
  assert.deepEqual(failed.map((r) => [r.input.split("/").pop(), r.code]), [
    ["broken.png", "DECODE_FAILED"],
  ]);
  const status = runs.map((r) => r.code).sort();
  assert.deepEqual(status, [...Array(count - 1).fill(0), 1], runs.map((r) => r.err).join("\n"));
  return byShard;
}

Deno.test("Slurm --array=1-3: ids 1..3 map onto shards 0..2 of the sorted list, each input once", async () => {
  const { dir, inputs } = await scratch("slurm-1-3");
  const { env } = slurmArray("1-3");
  assert.deepEqual(env.map((e) => e.SLURM_ARRAY_TASK_ID), ["1", "2", "3"]);
  const runs = await runTasks(env.map((e) => ({ args: batchArgs(dir), env: e })));
  const byShard = checkExactlyOnce(dir, inputs, 3, runs);
  // Sorted partition: shard i takes positions i, i+3, i+6, ... of the sorted inputs.
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(byShard[i].sort(), inputs.filter((_, k) => k % 3 === i), `shard ${i}`);
  }
  const task3 = runs[2].err;
  assert.match(task3, /shard 2\/3 of 10 inputs; Slurm: SLURM_ARRAY_TASK_ID=3, _MIN=1, _STEP=1/);
});

Deno.test("Slurm --array=0-10:5: ids 0, 5, 10 map onto shards 0..2, each input once", async () => {
  const { dir, inputs } = await scratch("slurm-0-10-5");
  const { env } = slurmArray("0-10:5");
  assert.deepEqual(env.map((e) => e.SLURM_ARRAY_TASK_ID), ["0", "5", "10"]);
  const runs = await runTasks(env.map((e) => ({ args: batchArgs(dir), env: e })));
  const byShard = checkExactlyOnce(dir, inputs, 3, runs);
  assert.deepEqual(byShard[1].sort(), inputs.filter((_, k) => k % 3 === 1));
});

Deno.test("Kubernetes Indexed Job: JOB_COMPLETION_INDEX with the count from IMFILTER_SHARD_COUNT or --shard-count", async () => {
  const { dir, inputs } = await scratch("k8s");
  const runs = await runTasks([
    { args: batchArgs(dir), env: { JOB_COMPLETION_INDEX: "0", IMFILTER_SHARD_COUNT: "3" } },
    { args: batchArgs(dir), env: { JOB_COMPLETION_INDEX: "1", IMFILTER_SHARD_COUNT: "3" } },
    { args: batchArgs(dir, "--shard-count", "3"), env: { JOB_COMPLETION_INDEX: "2" } },
  ]);
  checkExactlyOnce(dir, inputs, 3, runs);
});

Deno.test("AWS Batch array job (hash partition): each input once", async () => {
  const { dir, inputs } = await scratch("aws");
  const runs = await runTasks(
    [0, 1, 2].map((i) => ({
      args: batchArgs(dir, "--partition", "hash"),
      env: { AWS_BATCH_JOB_ARRAY_INDEX: String(i), AWS_BATCH_JOB_ARRAY_SIZE: "3" },
    })),
  );
  checkExactlyOnce(dir, inputs, 3, runs);
});

Deno.test("Cloud Run job and Google Batch: task index and count, each input once", async () => {
  for (
    const [index, count] of [["CLOUD_RUN_TASK_INDEX", "CLOUD_RUN_TASK_COUNT"], [
      "BATCH_TASK_INDEX",
      "BATCH_TASK_COUNT",
    ]]
  ) {
    const { dir, inputs } = await scratch(index);
    const runs = await runTasks(
      [0, 1, 2].map((i) => ({ args: batchArgs(dir), env: { [index]: String(i), [count]: "3" } })),
    );
    checkExactlyOnce(dir, inputs, 3, runs);
  }
});

Deno.test("--shard auto outside an array job: one line naming the variables, exit 2, nothing written", async () => {
  const { dir } = await scratch("no-scheduler");
  const r = await runCli(batchArgs(dir));
  assert.equal(r.code, 2);
  assert.equal(r.err.trim().split("\n").length, 1, r.err);
  assert.match(
    r.err,
    /SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, CLOUD_RUN_TASK_INDEX, BATCH_TASK_INDEX.*--shard i\/n/,
  );
  assert.deepEqual(filesIn(join(dir, "out")), []);
  const both = await runCli(batchArgs(dir), {
    env: { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2", CLOUD_RUN_TASK_INDEX: "0" },
  });
  assert.equal(both.code, 2);
  assert.match(both.err, /several schedulers \(SLURM_ARRAY_TASK_ID=1, CLOUD_RUN_TASK_INDEX=0\)/);
});

Deno.test("--retry-failed redoes exactly the inputs whose latest record failed, in their own shards", async () => {
  const { dir, inputs } = await scratch("retry");
  const { env } = slurmArray("1-3");
  checkExactlyOnce(
    dir,
    inputs,
    3,
    await runTasks(env.map((e) => ({ args: batchArgs(dir), env: e }))),
  );
  const report = await runCli([
    "batch-report",
    ...filesIn(join(dir, "m")).map((f) => join(dir, "m", f)),
  ]);
  assert.equal(report.code, 1);
  assert.match(report.out, /^10 inputs in 3 manifests: 9 done, 0 skipped .*, 1 failed/);
  assert.match(report.out, /FAILED .*broken\.png: error\[DECODE_FAILED\]/);
  const mtimes = new Map(
    filesIn(join(dir, "out")).map((f) => [f, Deno.statSync(join(dir, "out", f)).mtime!.getTime()]),
  );
  // Fix the input, then retry every task with its own manifest.
  await Deno.copyFile(join(dir, "in", "img00.png"), join(dir, "in", "broken.png"));
  const retry = batchArgs(dir, "--retry-failed", join(dir, "m", "{shard}.jsonl"));
  const runs = await runTasks(env.map((e) => ({ args: retry, env: e })));
  assert.deepEqual(runs.map((r) => r.code), [0, 0, 0], runs.map((r) => r.err).join("\n"));
  const all = [...manifestsIn(join(dir, "m")).values()].flat();
  assert.equal(all.length, 11, "one more record: the retried input");
  const last = all.filter((r) => r.input.endsWith("broken.png")).pop()!;
  assert.equal(last.status, "done");
  for (const [f, t] of mtimes) {
    assert.equal(Deno.statSync(join(dir, "out", f)).mtime!.getTime(), t, `${f} was redone`);
  }
  assert.equal((await readImage(join(dir, "out", "broken.png"))).width, 8);
  const after = await runCli([
    "batch-report",
    ...filesIn(join(dir, "m")).map((f) => join(dir, "m", f)),
  ]);
  assert.equal(after.code, 0, after.out);
  assert.match(after.out, /^10 inputs in 3 manifests: 10 done, 0 skipped .*, 0 failed/);
});

Deno.test("a task killed halfway and rerun with --skip-existing finishes the rest without redoing finished files", async () => {
  const dir = join(tmp, "kill");
  const inputs = await writeInputs(join(dir, "in"), 24);
  // A filter that takes 80 ms per file, so the kill lands mid-run on any machine.
  const plugin = join(dir, "slow.ts");
  Deno.writeTextFileSync(
    plugin,
    `export const slowCopy = {
  [Symbol.for("imfilter.plugin")]: true, apiVersion: 1, name: "slow-copy",
  summary: "copies the image after a pause (test plugin)",
  params: { ms: { type: "number", default: 80, min: 0, description: "pause" } },
  async apply(image, { ms }) { await new Promise((r) => setTimeout(r, ms)); return image; },
};\n`,
  );
  const manifest = join(dir, "m", "{shard}.jsonl");
  const args = [
    "batch",
    join(dir, "in"),
    "--out-dir",
    join(dir, "out"),
    "--plugin",
    plugin,
    "--jobs",
    "1",
    "--shard",
    "auto",
    "--skip-existing",
    "--manifest",
    manifest,
    "--",
    "slow-copy",
  ];
  const env = { AWS_BATCH_JOB_ARRAY_INDEX: "0", AWS_BATCH_JOB_ARRAY_SIZE: "1" };
  const child = new Deno.Command(Deno.execPath(), {
    args: [...cliArgv(), ...args],
    env: cleanEnv(env),
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).spawn();
  const m0 = join(dir, "m", "0.jsonl");
  const lines = () => {
    try {
      return Deno.readTextFileSync(m0).split("\n").filter((l) => l !== "").length;
    } catch {
      return 0;
    }
  };
  for (let t = 0; t < 400 && lines() < 5; t++) await new Promise((r) => setTimeout(r, 25));
  child.kill("SIGKILL");
  await child.status;
  const first = lines();
  assert.ok(first >= 5 && first < 24, `${first} files recorded before the kill`);
  const done = filesIn(join(dir, "out")).filter((f) => !f.startsWith("."));
  assert.ok(done.length >= first && done.length < 24, `${done.length} outputs`);
  const mtimes = new Map(done.map((f) => [f, Deno.statSync(join(dir, "out", f)).mtime!.getTime()]));
  // A temporary file as a kill during a write leaves it, for a file not yet done:
  // it must be neither skipped as an output nor left behind.
  const pending = inputs.find((f) => !done.includes(f))!;
  const stale = join(dir, "out", `.${pending}.tmp-0badf00d`);
  Deno.writeTextFileSync(stale, "half a png");

  const rerun = await runCli(args, { env });
  assert.equal(rerun.code, 0, rerun.err);
  assert.match(rerun.err, new RegExp(`${done.length} skipped: output exists`));
  assert.match(rerun.err, /removed 1 temporary file of an interrupted run/);
  assert.deepEqual(filesIn(join(dir, "out")), inputs, "every output, no temporary file");
  for (const [f, t] of mtimes) {
    assert.equal(Deno.statSync(join(dir, "out", f)).mtime!.getTime(), t, `${f} was redone`);
  }
  const records = manifestsIn(join(dir, "m")).get("0.jsonl")!;
  const second = records.slice(first);
  assert.deepEqual(
    second.filter((r) => r.status === "skipped").map((r) => r.input.split("/").pop()).sort(),
    done,
  );
  assert.deepEqual(
    second.filter((r) => r.status === "done").map((r) => r.input.split("/").pop()).sort(),
    inputs.filter((f) => !done.includes(f)),
  );
  // Across both runs each input was done at most once, and done or found complete.
  for (const f of inputs) {
    const mine = records.filter((r) => r.input.endsWith(`/${f}`));
    const times = mine.filter((r) => r.status === "done").length;
    assert.ok(times <= 1, `${f} done ${times} times`);
    assert.ok(times === 1 || mine.some((r) => r.status === "skipped"), `${f} has no record`);
  }
});

/** A plugin module: `slow-copy` (pauses, then copies), `crash-on-9` (kills its thread on a 9-pixel-wide image). */
function testPlugin(dir: string): string {
  const path = join(dir, "plugin.ts");
  Deno.mkdirSync(dir, { recursive: true });
  Deno.writeTextFileSync(
    path,
    `const base = { [Symbol.for("imfilter.plugin")]: true, apiVersion: 1 };
export const slowCopy = { ...base, name: "slow-copy", summary: "copies after a pause (test)",
  params: { ms: { type: "number", default: 80, min: 0, description: "pause" } },
  async apply(image, { ms }) { await new Promise((r) => setTimeout(r, ms)); return image; } };
export const crashOn9 = { ...base, name: "crash-on-9", summary: "kills its thread on 9-wide images (test)",
  params: {},
  async apply(image) {
    if (image.width === 9) { setTimeout(() => { throw new Error("boom"); }, 0); await new Promise(() => {}); }
    return image;
  } };
`,
  );
  return path;
}

Deno.test("SIGTERM (a scheduler's preemption): files under way finish and are recorded, none start, exit 143", async () => {
  const dir = join(tmp, "sigterm");
  await writeInputs(join(dir, "in"), 20);
  const args = [
    "batch",
    join(dir, "in"),
    "--out-dir",
    join(dir, "out"),
    "--plugin",
    testPlugin(dir),
    "--jobs",
    "2",
    "--manifest",
    join(dir, "m.jsonl"),
    "--",
    "slow-copy",
    "--ms",
    "150",
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args: [...cliArgv(), ...args],
    env: cleanEnv(),
    clearEnv: true,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  for (let t = 0; t < 400 && filesIn(join(dir, "out")).length < 2; t++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill("SIGTERM");
  const { code, stderr } = await child.output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 143, err);
  const outputs = filesIn(join(dir, "out"));
  assert.ok(outputs.length >= 2 && outputs.length < 20, `${outputs.length} outputs`);
  assert.ok(outputs.every((f) => !f.startsWith(".")), `temporary files left: ${outputs}`);
  const records = readManifest(join(dir, "m.jsonl"));
  assert.deepEqual(records.map((r) => r.output.split("/").pop()).sort(), outputs);
  assert.ok(records.every((r) => r.status === "done"));
  assert.match(
    err,
    new RegExp(
      `batch: ${outputs.length} done, 0 failed .*interrupted: ${20 - outputs.length} not started`,
    ),
  );
});

Deno.test("a plugin that kills its thread fails its file only (its sandbox dies, not the --jobs worker); the rest are done", async () => {
  const dir = join(tmp, "crash");
  const inputs = await writeInputs(join(dir, "in"), 5);
  await writeImage(join(dir, "in", "wide.png"), syntheticImage(9, 8, 1, "u8", 1));
  const r = await runCli([
    "batch",
    join(dir, "in"),
    "--out-dir",
    join(dir, "out"),
    "--plugin",
    testPlugin(dir),
    "--jobs",
    "2",
    "--manifest",
    join(dir, "m.jsonl"),
    "--",
    "crash-on-9",
  ]);
  assert.equal(r.code, 1, r.err);
  const records = readManifest(join(dir, "m.jsonl"));
  const failed = records.filter((x) => x.status === "failed");
  assert.deepEqual(failed.map((x) => [x.input.split("/").pop(), x.code]), [[
    "wide.png",
    "INVALID_PARAM",
  ]]);
  assert.match(failed[0].message!, /^filter "crash-on-9" \(plugin .*plugin\.ts\) crashed: .*boom/);
  assert.deepEqual(filesIn(join(dir, "out")), inputs);
});
