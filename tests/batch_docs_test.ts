// docs/cluster.md and the README's batch section run as written: the job
// scripts and commands are read out of the Markdown and run, with each
// scheduler simulated by its environment variables (Slurm's sbatch by a
// stand-in that runs the array's tasks here), `imfilter` being the
// repository's CLI and the shared folder a scratch folder.

import assert from "node:assert/strict";
import { join } from "node:path";
import type { ManifestRecord } from "../cli/manifest.ts";
import {
  cleanEnv,
  filesIn,
  installCommands,
  manifestsIn,
  root,
  runCli,
  slurmArray,
  writeInputs,
} from "./_batch_util.ts";

const doc = Deno.readTextFileSync(join(root, "docs/cluster.md"));
const readme = Deno.readTextFileSync(join(root, "README.md"));
const tmp = Deno.makeTempDirSync({ prefix: "imfilter-docs-" });
const bin = installCommands(tmp);
const decoder = new TextDecoder();

/** The text of a `## title` (or `### title`) section, up to the next heading of that level. */
function section(text: string, title: string, level = "##"): string {
  const start = text.indexOf(`\n${level} ${title}\n`);
  assert.ok(start >= 0, `no section ${title}`);
  const end = text.indexOf(`\n${level} `, start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The fenced blocks of a language in a text (indented ones too). */
function blocks(text: string, lang: string): string[] {
  const re = new RegExp("^( *)```" + lang + "\\n([\\s\\S]*?)^\\1```", "gm");
  return [...text.matchAll(re)].map((m) =>
    m[2].split("\n").map((l) => l.slice(m[1].length)).join("\n")
  );
}

/** The lines of sh blocks, comments and blanks dropped. */
function shLines(text: string): string[] {
  return blocks(text, "sh").flatMap((b) => b.split("\n"))
    .map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) => l !== "");
}

/** Every `imfilter …` command line the docs show in sh blocks; each test ticks off those it ran. */
const pending = new Set(shLines(doc).filter((l) => l.startsWith("imfilter ")));

/** Runs one shell line as written (bash), with `imfilter` and `sbatch` on PATH. */
async function sh(line: string, cwd: string, env: Record<string, string> = {}) {
  const p = await new Deno.Command("bash", {
    args: ["-c", line],
    cwd,
    env: cleanEnv({ ...env, PATH: `${bin}:${Deno.env.get("PATH")}` }),
    clearEnv: true,
  }).output();
  return { code: p.code, out: decoder.decode(p.stdout), err: decoder.decode(p.stderr) };
}

/**
 * Runs a section's sh lines with `mount` mapped to `dir`, except those of
 * `kubectl` and `aws` (their effect, the tasks, the test simulates).
 */
async function runShLines(text: string, mount: string, dir: string, expect: number[]) {
  const lines = shLines(text).filter((l) => !/^(kubectl|aws) /.test(l));
  assert.equal(lines.length, expect.length, lines.join("\n"));
  for (const [i, line] of lines.entries()) {
    const r = await sh(line.replaceAll(mount, dir), dir);
    assert.equal(r.code, expect[i], `${line}\n${r.out}${r.err}`);
    pending.delete(line);
  }
}

/** Every input recorded once over the manifests; done records are exactly the outputs. */
function checkOnce(manifests: string, outDir: string, inputs: string[], count: number) {
  const byFile = manifestsIn(manifests);
  const latest = new Map<string, ManifestRecord>();
  for (const [file, records] of byFile) {
    for (const r of records) {
      assert.equal(`${r.shard.split("/")[0]}.jsonl`, file, `${r.input} in ${file}`);
      assert.equal(r.shard.split("/")[1], String(count));
      latest.set(r.input.split("/").pop()!, r);
    }
  }
  assert.deepEqual([...latest.keys()].sort(), inputs);
  const done = [...latest.values()].filter((r) => r.status === "done");
  assert.deepEqual(filesIn(outDir), done.map((r) => r.output.split("/").pop()!).sort());
  return byFile;
}

Deno.test("docs/cluster.md: the manifest line shown is a record as the CLI writes it", () => {
  const [example] = blocks(section(doc, "What a task does"), "json");
  const record = JSON.parse(example);
  assert.deepEqual(Object.keys(record), [
    "input",
    "output",
    "status",
    "code",
    "message",
    "ms",
    "shard",
    "time",
  ]);
});

Deno.test("docs/cluster.md Slurm: denoise.sbatch, the report and the retry run as written", async () => {
  const text = section(doc, "Slurm");
  const [script] = blocks(text, "bash");
  const dir = join(tmp, "slurm");
  const inputs = await writeInputs(join(dir, "photos"), 6, ["broken.png"]);
  const work = join(dir, "work");
  Deno.mkdirSync(work);
  Deno.writeTextFileSync(join(work, "denoise.sbatch"), script.replaceAll("/shared", dir));
  const array = /^#SBATCH --array=(\S+)/m.exec(script)![1];
  const tasks = slurmArray(array).env.length;
  const lines = shLines(text);
  assert.deepEqual(lines.map((l) => l.split(" ")[0]), ["sbatch", "imfilter", "sbatch"]);
  const log = join(work, "tasks.jsonl");
  const codes = () => Deno.readTextFileSync(log).trim().split("\n").map((l) => JSON.parse(l).code);

  const submit = await sh(lines[0], work, { FAKE_SBATCH_LOG: log });
  assert.equal(submit.code, 0, submit.err);
  assert.deepEqual(
    codes().sort(),
    [...Array(tasks - 1).fill(0), 1],
    "one task met the corrupt file",
  );
  checkOnce(join(dir, "manifests"), join(dir, "denoised"), inputs, tasks);
  const report = await sh(lines[1].replaceAll("/shared", dir), work);
  assert.equal(report.code, 1, report.err);
  assert.match(report.out, /^7 inputs in 4 manifests: 6 done, 0 skipped .*, 1 failed/);
  pending.delete(lines[1]);

  // The failed input is replaced, then the array runs again on the failures only.
  const mtimes = filesIn(join(dir, "denoised")).map((f) =>
    Deno.statSync(join(dir, "denoised", f)).mtime!.getTime()
  );
  await Deno.copyFile(join(dir, "photos", "img00.png"), join(dir, "photos", "broken.png"));
  Deno.removeSync(log);
  const retry = await sh(lines[2].replaceAll("/shared", dir), work, { FAKE_SBATCH_LOG: log });
  assert.equal(retry.code, 0, retry.err);
  assert.deepEqual(codes(), Array(tasks).fill(0));
  const records = [
    ...checkOnce(join(dir, "manifests"), join(dir, "denoised"), inputs, tasks).values(),
  ]
    .flat();
  assert.equal(records.length, inputs.length + 1, "one new record, for the retried input");
  assert.deepEqual(
    filesIn(join(dir, "denoised")).filter((f) => f !== "broken.png").map((f) =>
      Deno.statSync(join(dir, "denoised", f)).mtime!.getTime()
    ),
    mtimes,
    "finished outputs untouched",
  );
  // The task logs went where --output says.
  assert.ok(filesIn(work).some((f) => /^denoise-4242_\d+\.log$/.test(f)));

  // Merging manifests, with no failure left.
  await runShLines(section(doc, "Manifests and reports"), "/shared", dir, [0, 0, 0]);
  assert.equal(
    Deno.readTextFileSync(join(dir, "denoise-all.jsonl")).trim().split("\n").length,
    records.length,
  );
  const json = await runCli(["batch-report", join(dir, "denoise-all.jsonl"), "--json"]);
  assert.equal(JSON.parse(json.out).done, inputs.length);
});

Deno.test("docs/cluster.md Kubernetes: every pod of the Indexed Job runs its command as written", async () => {
  const text = section(doc, "Kubernetes");
  const [yaml] = blocks(text, "yaml");
  const num = (key: string) => Number(new RegExp(`^\\s+${key}: (\\d+)$`, "m").exec(yaml)![1]);
  const completions = num("completions");
  const count = /name: IMFILTER_SHARD_COUNT\n\s+value: "(\d+)"/.exec(yaml)![1];
  assert.equal(Number(count), completions, "IMFILTER_SHARD_COUNT must equal completions");
  const mount = /mountPath: (\S+)/.exec(yaml)![1];
  const commandBlock = /^(\s+)command:\n((?:\1 {2}- .*\n)+)/m.exec(yaml)!;
  const command = commandBlock[2].trim().split("\n").map((l) =>
    l.trim().slice(2).replace(/^"(.*)"$/, "$1")
  );
  assert.equal(command[0], "imfilter");
  const dir = join(tmp, "k8s");
  const inputs = await writeInputs(join(dir, "photos"), 7);
  const args = command.slice(1).map((a) => a.replace(mount, dir));
  const pods = await Promise.all(
    Array.from(
      { length: completions },
      (_, i) =>
        runCli(args, { env: { JOB_COMPLETION_INDEX: String(i), IMFILTER_SHARD_COUNT: count } }),
    ),
  );
  assert.deepEqual(pods.map((p) => p.code), Array(completions).fill(0), pods[0].err);
  checkOnce(join(dir, "manifests"), join(dir, "denoised"), inputs, completions);
  await runShLines(text, mount, dir, [0]);
});

Deno.test("docs/cluster.md AWS Batch: every child of the array job runs the job definition's command", async () => {
  const text = section(doc, "AWS Batch");
  const definition = JSON.parse(blocks(text, "json")[0]);
  const command: string[] = definition.containerProperties.command;
  const mount: string = definition.containerProperties.mountPoints[0].containerPath;
  const size = Number(/--array-properties size=(\d+)/.exec(text)![1]);
  assert.match(text, new RegExp(`--job-definition ${definition.jobDefinitionName} `));
  // Exit 1 and 2 end the child (retrying cannot help), anything else retries.
  assert.deepEqual(
    definition.retryStrategy.evaluateOnExit.map((e: { onExitCode: string }) => e.onExitCode),
    ["1", "2"],
  );
  assert.equal(command[0], "imfilter");
  const dir = join(tmp, "aws");
  const inputs = await writeInputs(join(dir, "photos"), 9);
  const args = command.slice(1).map((a) => a.replace(mount, dir));
  const children = await Promise.all(
    Array.from({ length: size }, (_, i) =>
      runCli(args, {
        env: { AWS_BATCH_JOB_ARRAY_INDEX: String(i), AWS_BATCH_JOB_ARRAY_SIZE: String(size) },
      })),
  );
  assert.deepEqual(children.map((c) => c.code), Array(size).fill(0), children[0].err);
  checkOnce(join(dir, "manifests"), join(dir, "denoised"), inputs, size);
  await runShLines(text, mount, dir, [0]);
});

Deno.test("docs/cluster.md: every imfilter command of its sh blocks was run above", () => {
  assert.deepEqual([...pending], []);
});

Deno.test("the README's batch commands run as written, the sharded one as each task of a Slurm array", async () => {
  const text = section(readme, "Pipelines and batches", "###");
  const lines = shLines(text).filter((l) => l.startsWith("imfilter "));
  assert.ok(
    lines.some((l) => l.includes("--shard auto")) && lines.some((l) => l.includes("batch-report")),
  );
  const dir = join(tmp, "readme");
  await writeInputs(join(dir, "photos"), 5);
  await writeInputs(join(dir, "scans"), 2, [], "scan");
  Deno.copyFileSync(join(dir, "photos", "img00.png"), join(dir, "in.png"));
  // `imfilter` is this checkout's CLI (tests/readme_test.ts runs the same lines with the
  // command the README's set-up installs).
  const run = (line: string, env: Record<string, string> = {}) => sh(line, dir, env);
  const { env } = slurmArray("1-2");
  for (const line of lines) {
    const runs = line.includes("--shard auto")
      ? await Promise.all(env.map((e) => run(line, e)))
      : [await run(line)];
    for (const r of runs) assert.equal(r.code, 0, `${line}\n${r.err}`);
    if (line.includes("batch-report")) {
      assert.match(runs[0].out, /^5 inputs in 2 manifests: 5 done, 0 skipped .*, 0 failed/);
    }
  }
  assert.deepEqual(filesIn(join(dir, "out-median")), filesIn(join(dir, "photos")));
  assert.deepEqual(filesIn(join(dir, "runs")), ["0.jsonl", "1.jsonl"]);
});
