// batch-report and the manifest reader: latest record per input, totals,
// silent shards, torn lines; and the help texts of batch and batch-report.

import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../cli/main.ts";
import { reportText, summarise } from "../cli/batch_report.ts";
import { latestByInput, type ManifestRecord, readManifests } from "../cli/manifest.ts";

const rec = (
  input: string,
  status: ManifestRecord["status"],
  time: string,
  shard = "0/3",
): ManifestRecord => ({
  input: `/d/in/${input}`,
  output: `/d/out/${input}`,
  status,
  code: status === "failed" ? "DECODE_FAILED" : null,
  message: status === "failed" ? "not a PNG" : null,
  ms: 100,
  shard,
  time: `2026-12-01T10:00:${time}.000Z`,
});

Deno.test("the latest record of an input wins, by time, then by the order read", () => {
  const latest = latestByInput([
    rec("a.png", "failed", "05"),
    rec("a.png", "done", "09"),
    rec("b.png", "done", "07"),
    rec("b.png", "failed", "03"), // an older record read later (another task's manifest)
    rec("c.png", "failed", "01"),
    rec("c.png", "skipped", "01"),
  ]);
  assert.deepEqual(
    [...latest.values()].map((r) => [r.input.slice(6), r.status]),
    [["a.png", "done"], ["b.png", "done"], ["c.png", "skipped"]],
  );
});

Deno.test("summarise: totals by latest record, failures, silent shards, inputs done twice", () => {
  const report = summarise(
    [
      rec("a.png", "done", "01", "0/3"),
      rec("b.png", "failed", "02", "2/3"),
      rec("c.png", "done", "03", "2/3"),
      rec("c.png", "done", "04", "2/3"),
      rec("d.png", "skipped", "05", "0/3"),
    ],
    2,
    1,
  );
  assert.deepEqual(
    [report.inputs, report.done, report.skipped, report.failed],
    [4, 2, 1, 1],
  );
  assert.deepEqual(report.silentShards, ["1/3"]);
  assert.equal(report.doneMoreThanOnce, 1);
  assert.equal(report.workSeconds, 0.5);
  const text = reportText(report).join("\n");
  assert.match(text, /^4 inputs in 2 manifests: 2 done, 1 skipped .*, 1 failed; 0\.5 s of work/);
  assert.match(text, /no record from shard 1\/3/);
  assert.match(text, /1 input was done more than once/);
  assert.match(text, /1 line was not a record/);
  assert.match(
    text,
    /FAILED \/d\/in\/b\.png: error\[DECODE_FAILED\]: not a PNG \(shard 2\/3, 2026-12-01T10:00:02\.000Z\)/,
  );
});

Deno.test("batch-report reads concatenated manifests, skips a torn last line, exits 1 while failures remain", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imfilter-report-" });
  const a = join(dir, "0.jsonl"), b = join(dir, "1.jsonl");
  Deno.writeTextFileSync(
    a,
    [rec("a.png", "failed", "01"), rec("b.png", "done", "02")].map((r) => JSON.stringify(r) + "\n")
      .join(""),
  );
  // A task killed in the middle of a line.
  Deno.writeTextFileSync(
    b,
    JSON.stringify(rec("c.png", "done", "03", "1/3")) + '\n{"input":"/d/in/',
  );
  const { records, unreadable } = readManifests([a, b]);
  assert.equal(records.length, 3);
  assert.equal(unreadable, 1);
  const out: string[] = [], err: string[] = [];
  const io = {
    out: (t: string) => void out.push(t),
    err: (t: string) => void err.push(t),
    errIsTerminal: false,
  };
  assert.equal(await main(["batch-report", a, b], io), 1);
  assert.match(out.join("\n"), /^3 inputs in 2 manifests: 2 done, 0 skipped .*, 1 failed/);
  // The failure is fixed by a later record (a retry appending to the same manifest).
  Deno.writeTextFileSync(a, JSON.stringify(rec("a.png", "done", "09")) + "\n", { append: true });
  out.length = 0;
  assert.equal(await main(["batch-report", a, b, "--json"], io), 0);
  assert.deepEqual(JSON.parse(out[0]).failures, []);
  assert.equal(await main(["batch-report"], io), 2);
  assert.match(err.at(-1)!, /batch-report needs: batch-report <manifest\.jsonl>/);
  assert.equal(await main(["batch-report", join(dir, "none.jsonl")], io), 2);
  assert.match(err.at(-1)!, /cannot read the manifest .*none\.jsonl/);
});

Deno.test("help batch (and batch --help) documents every batch option; help batch-report too", async () => {
  const out: string[] = [];
  const io = { out: (t: string) => void out.push(t), err: () => {}, errIsTerminal: false };
  assert.equal(await main(["help", "batch"], io), 0);
  const help = out.join("\n");
  for (
    const flag of [
      "--out-dir",
      "--ext",
      "--jobs",
      "--shard i/n",
      "--shard-base 1",
      "--shard auto",
      "--shard-count",
      "--partition sorted|hash",
      "--skip-existing",
      "--manifest",
      "--retry-failed",
      "SLURM_ARRAY_TASK_ID",
      "JOB_COMPLETION_INDEX",
      "AWS_BATCH_JOB_ARRAY_INDEX",
      "CLOUD_RUN_TASK_INDEX",
      "BATCH_TASK_INDEX",
      "IMFILTER_SHARD_COUNT",
    ]
  ) {
    assert.ok(help.includes(flag), flag);
  }
  out.length = 0;
  assert.equal(await main(["batch", "--help"], io), 0);
  assert.equal(out.join("\n"), help);
  out.length = 0;
  assert.equal(await main(["help", "batch-report"], io), 0);
  assert.match(out.join("\n"), /usage: .* batch-report <manifest\.jsonl>\.\.\. \[--json\]/);
  out.length = 0;
  assert.equal(await main(["help"], io), 0);
  assert.match(out.join("\n"), /batch-report <manifest\.jsonl>\.\.\./);
});
