// SIGINT, SIGHUP and SIGTERM: while filtering they end the CLI at once
// (nothing is written yet); during a write they wait for it to finish, so
// no temporary file is left, then exit with 130, 129 or 143. A temporary
// file left by a killed run is never taken for an input or an output.

import assert from "node:assert/strict";
import { join, toFileUrl } from "./_paths.ts";
import { cleanEnv, cliArgv, root, runCli } from "./_batch_util.ts";
import { writeImage } from "../mod.ts";
import { syntheticImage } from "../testing.ts";

const dir = Deno.makeTempDirSync({ prefix: "imfilter-signals-" });
const CODES = { SIGINT: 130, SIGHUP: 129, SIGTERM: 143 } as const;

function names(d: string): string[] {
  return [...Deno.readDirSync(d)].map((e) => e.name).sort();
}

async function waitFor(cond: () => boolean, ms = 20_000): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A process that writes `out` the way the CLI does (uninterrupted around
 * writeFileAtomic), announcing with `writing` when it is inside the write.
 */
const writer = join(dir, "writer.ts");
Deno.writeTextFileSync(
  writer,
  `import { uninterrupted } from ${JSON.stringify(toFileUrl(join(root, "cli/run.ts")))};
import { writeFileAtomic } from ${JSON.stringify(toFileUrl(join(root, "mod.ts")))};
const [out, marker] = Deno.args;
await uninterrupted(async () => {
  Deno.writeTextFileSync(marker, "");
  await new Promise((r) => setTimeout(r, 400)); // the signal arrives in here
  await writeFileAtomic(out, new Uint8Array(1 << 20).fill(7), true);
});
console.log("not reached when a signal came");
`,
);

for (const [signal, code] of Object.entries(CODES) as [Deno.Signal, number][]) {
  Deno.test(`${signal} during a write: it finishes, no temporary file is left, exit ${code}`, async () => {
    const d = join(dir, signal);
    Deno.mkdirSync(d);
    const out = join(d, "out.bin"), marker = join(dir, `${signal}.writing`);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", writer, out, marker],
      env: cleanEnv(),
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    await waitFor(() => names(dir).includes(`${signal}.writing`));
    child.kill(signal);
    const r = await child.output();
    assert.equal(r.code, code, new TextDecoder().decode(r.stderr));
    assert.equal(new TextDecoder().decode(r.stdout), "");
    assert.deepEqual(names(d), ["out.bin"]);
    assert.equal(Deno.statSync(out).size, 1 << 20);
  });
}

Deno.test("SIGTERM while a slow filter runs ends the CLI at once with 143, writing nothing", async () => {
  const d = join(dir, "filtering");
  Deno.mkdirSync(d);
  const input = join(d, "in.png");
  await writeImage(input, syntheticImage(384, 384, 1, "u8", 1));
  const child = new Deno.Command(Deno.execPath(), {
    args: [...cliArgv(), "bilateral", input, join(d, "out.png"), "--diameter", "255"],
    env: cleanEnv(),
    stdout: "null",
    stderr: "piped",
  }).spawn();
  await new Promise((r) => setTimeout(r, 1500)); // started and filtering (about 5 s in all)
  const t0 = performance.now();
  child.kill("SIGTERM");
  const r = await child.output();
  assert.ok(performance.now() - t0 < 2000);
  assert.equal(r.code, 143);
  assert.deepEqual(names(d), ["in.png"]);
});

Deno.test("a temporary file left by a killed run is never taken for an input or an output", async () => {
  const d = join(dir, "stale");
  Deno.mkdirSync(join(d, "in"), { recursive: true });
  Deno.mkdirSync(join(d, "out"));
  await writeImage(join(d, "in", "a.png"), syntheticImage(8, 8, 1, "u8", 1));
  // What SIGKILL during a write leaves: a partial temporary file.
  Deno.writeTextFileSync(join(d, "in", ".b.png.tmp-0badf00d"), "partial");
  Deno.writeTextFileSync(join(d, "out", ".a.png.tmp-0badf00d"), "partial");
  // One file: the output is written (the stale temp does not make it exist).
  const one = await runCli(["median", join(d, "in", "a.png"), join(d, "out", "a.png")]);
  assert.equal(one.code, 0, one.err);
  assert.ok(names(join(d, "out")).includes("a.png"));
  Deno.removeSync(join(d, "out", "a.png"));
  // A batch over the folder, or a pattern, never reads the temp as an input,
  // and --skip-existing does not take it for a complete output (it removes it).
  for (const inputs of [[join(d, "in")], [join(d, "in", "*")]]) {
    const r = await runCli([
      "batch",
      ...inputs,
      "--out-dir",
      join(d, "out"),
      "--skip-existing",
      "--",
      "median",
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /batch: 1 done, 0 failed/);
    assert.deepEqual(names(join(d, "out")), ["a.png"]);
    Deno.removeSync(join(d, "out", "a.png"));
  }
});
