// --shard: the scheduler variables --shard auto reads, its one-line errors,
// and the partition rules (each file in exactly one shard; what moves when
// files are added).

import assert from "node:assert/strict";
import { UsageError } from "../cli/args.ts";
import {
  hashShard,
  nameHash32,
  resolveShard,
  SCHEDULER_INDEX_VARS,
  selectShard,
} from "../cli/shard.ts";
import { slurmArray } from "./_batch_util.ts";

const auto = (env: Record<string, string>, count?: string) =>
  resolveShard("auto", { env: (k) => env[k], count });

/** The error of a call, which must be one line. */
function usageError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    assert.ok(!e.message.includes("\n"), e.message);
    return e.message;
  }
  throw new Error("no error");
}

Deno.test("--shard auto maps every Slurm --array=a-b[:s][%k] onto shards 0..n-1 in order", () => {
  for (const spec of ["1-3", "0-10:5", "1-8%2", "3-15:4", "0-0", "5"]) {
    const { env } = slurmArray(spec);
    const shards = env.map((e) => auto(e)!);
    assert.deepEqual(shards.map((s) => s.index), env.map((_, i) => i), spec);
    assert.ok(shards.every((s) => s.count === env.length), spec);
  }
  // Without MIN and STEP (an environment set by hand), ids count from 0.
  assert.deepEqual(
    { ...auto({ SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2" }), source: "" },
    { index: 1, count: 2, source: "" },
  );
});

Deno.test("--shard auto reads Kubernetes, AWS Batch, Cloud Run and Google Batch variables", () => {
  const cases: [Record<string, string>, string | undefined, number, number][] = [
    [{ JOB_COMPLETION_INDEX: "2", IMFILTER_SHARD_COUNT: "5" }, undefined, 2, 5],
    [{ JOB_COMPLETION_INDEX: "0" }, "4", 0, 4],
    [{ AWS_BATCH_JOB_ARRAY_INDEX: "7", AWS_BATCH_JOB_ARRAY_SIZE: "8" }, undefined, 7, 8],
    [{ CLOUD_RUN_TASK_INDEX: "1", CLOUD_RUN_TASK_COUNT: "3" }, undefined, 1, 3],
    [{ BATCH_TASK_INDEX: "0", BATCH_TASK_COUNT: "1" }, "1", 0, 1],
  ];
  for (const [env, count, index, n] of cases) {
    const s = auto(env, count)!;
    assert.deepEqual([s.index, s.count], [index, n], JSON.stringify(env));
  }
});

Deno.test("--shard auto errors are one line naming the variables and the fix", () => {
  const none = usageError(() => auto({}));
  for (const v of SCHEDULER_INDEX_VARS) assert.ok(none.includes(v), v);
  assert.match(none, /pass --shard i\/n/);
  assert.match(
    usageError(() => auto({ SLURM_ARRAY_TASK_ID: "1", JOB_COMPLETION_INDEX: "0" })),
    /several schedulers \(SLURM_ARRAY_TASK_ID=1, JOB_COMPLETION_INDEX=0\)/,
  );
  assert.match(
    usageError(() => auto({ JOB_COMPLETION_INDEX: "1" })),
    /--shard-count <completions> or set IMFILTER_SHARD_COUNT/,
  );
  assert.match(
    usageError(() => auto({ AWS_BATCH_JOB_ARRAY_INDEX: "1" })),
    /set AWS_BATCH_JOB_ARRAY_SIZE/,
  );
  // A count inconsistent with MIN..MAX:STEP (an array given as a list, say).
  const list = {
    SLURM_ARRAY_TASK_ID: "4",
    SLURM_ARRAY_TASK_MIN: "1",
    SLURM_ARRAY_TASK_MAX: "9",
    SLURM_ARRAY_TASK_STEP: "1",
    SLURM_ARRAY_TASK_COUNT: "3",
  };
  assert.match(usageError(() => auto(list)), /COUNT=3 disagrees with MIN..MAX:STEP, which give 9/);
  assert.match(
    usageError(() =>
      auto({
        ...list,
        SLURM_ARRAY_TASK_ID: "2",
        SLURM_ARRAY_TASK_STEP: "4",
        SLURM_ARRAY_TASK_COUNT: "3",
      })
    ),
    /ID=2 is not on the range MIN \+ k\*STEP/,
  );
  // The old mistake: 1-based ids without MIN, the last task is out of range.
  assert.match(
    usageError(() => auto({ SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "3" })),
    /SLURM_ARRAY_TASK_MIN is not set.*--shard-base 1/,
  );
  assert.match(
    usageError(() =>
      auto({ CLOUD_RUN_TASK_INDEX: "0", CLOUD_RUN_TASK_COUNT: "3", IMFILTER_SHARD_COUNT: "4" })
    ),
    /IMFILTER_SHARD_COUNT=4 disagrees with the scheduler's 3 tasks/,
  );
  assert.match(
    usageError(() => auto({ BATCH_TASK_INDEX: "x", BATCH_TASK_COUNT: "2" })),
    /BATCH_TASK_INDEX must be a whole number/,
  );
});

Deno.test("--shard i/n stays 0-based; --shard-base 1 takes 1..n; misuse names the fix", () => {
  assert.deepEqual([resolveShard("2/4")!.index, resolveShard("2/4")!.count], [2, 4]);
  assert.equal(resolveShard("4/4", { base: "1" })!.index, 3);
  assert.equal(resolveShard("1/4", { base: "1" })!.index, 0);
  assert.equal(resolveShard(undefined), undefined);
  assert.match(usageError(() => resolveShard("4/4")), /0 <= i < n.*add --shard-base 1/);
  assert.match(
    usageError(() => resolveShard("0/4", { base: "1" })),
    /1 <= i <= n under --shard-base 1/,
  );
  assert.match(usageError(() => resolveShard("/")), /got "\/"/);
  assert.match(
    usageError(() => resolveShard("auto", { base: "1" })),
    /--shard-base applies to --shard i\/n/,
  );
  assert.match(
    usageError(() => resolveShard("1/2", { count: "2" })),
    /--shard-count goes with --shard auto/,
  );
  assert.match(usageError(() => resolveShard("1/2", { base: "2" })), /--shard-base must be 0 or 1/);
});

Deno.test("the hash partition's h is the first 32 bits of SHA-256, as sha256sum prints them", () => {
  assert.equal(nameHash32(""), 0xe3b0c442);
  assert.equal(nameHash32("abc"), 0xba7816bf);
  // ⌊h · n / 2³²⌋: with h = 0xba7816bf, 0.728... of the range.
  assert.equal(hashShard("/x/abc", 4), 2);
  assert.equal(hashShard("/x/abc", 100), 72);
});

const names = (from: number, to: number, prefix = "IMG_") =>
  Array.from(
    { length: to - from },
    (_, i) => `/data/in/${prefix}${String(from + i).padStart(5, "0")}.png`,
  );

Deno.test("both partitions put every file in exactly one shard", () => {
  const files = [...names(0, 500), ...names(0, 37, "scan-")].sort();
  for (const partition of ["sorted", "hash"] as const) {
    for (const n of [1, 2, 3, 7, 16]) {
      const seen = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        for (const f of selectShard(files, { index: i, count: n, source: "" }, partition)) {
          seen.set(f, (seen.get(f) ?? 0) + 1);
        }
      }
      assert.equal(seen.size, files.length, `${partition} ${n}`);
      assert.ok([...seen.values()].every((c) => c === 1), `${partition} ${n}`);
    }
  }
});

Deno.test("files appended at the end move no file; under hash, files inserted anywhere move none", () => {
  const n = 5;
  const shardOf = (files: string[], partition: "sorted" | "hash") => {
    const m = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      for (const f of selectShard(files, { index: i, count: n, source: "" }, partition)) {
        m.set(f, i);
      }
    }
    return m;
  };
  const before = names(0, 200);
  const appended = [...before, ...names(200, 260)];
  const inserted = [...before, ...names(0, 41, "A_")].sort(); // sort before IMG_
  for (const partition of ["sorted", "hash"] as const) {
    const a = shardOf(before, partition), b = shardOf(appended, partition);
    for (const f of before) assert.equal(b.get(f), a.get(f), `${partition}: ${f} moved`);
  }
  const h0 = shardOf(before, "hash"), h1 = shardOf(inserted, "hash");
  for (const f of before) assert.equal(h1.get(f), h0.get(f), `hash: ${f} moved`);
  // Sorted order does move files after an insertion: the reason --partition hash exists.
  const s0 = shardOf(before, "sorted"), s1 = shardOf(inserted, "sorted");
  assert.ok(before.some((f) => s1.get(f) !== s0.get(f)));
  // Under hash the shard depends on the file name only, not on the folder it was listed in.
  assert.equal(hashShard("/mnt/a/x.png", 7), hashShard("/other/mount/x.png", 7));
});

Deno.test("hash shards are near even: 10,000 names in 8 shards within 10% of the mean", () => {
  const files = names(0, 10_000);
  for (let i = 0; i < 8; i++) {
    const size = selectShard(files, { index: i, count: 8, source: "" }, "hash").length;
    assert.ok(Math.abs(size - 1250) < 125, `shard ${i}: ${size}`);
  }
});
