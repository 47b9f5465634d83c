// The README's commands run as printed after its two set-up commands (done
// as printed into a scratch npm prefix, tests/_setup.ts): every `imfilter …`
// line in a scratch folder holding the files the commands name, `deno task
// demo` in the clone, and every other `deno task …` names a task that exists
// (test, bench and fuzz tasks are not run here: they are this suite, or take
// minutes). The README's TypeScript snippets are type-checked and run by
// `deno test --doc`.

import assert from "node:assert/strict";
import { join } from "node:path";
import { Image, writeImage } from "../mod.ts";
import { syntheticImage } from "../testing.ts";
import { readmeSetup, shBlocks } from "./_setup.ts";
import { slurmArray } from "./_batch_util.ts";

const root = new URL("..", import.meta.url).pathname;
const readme = Deno.readTextFileSync(join(root, "README.md"));
const lines = shBlocks(readme).flat();
const cliLines = lines.filter((l) => l.startsWith("imfilter "));

async function scratch(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "imfilter-readme-" });
  const camera = syntheticImage(64, 48, 1, "u8", 1);
  await writeImage(join(dir, "in.png"), camera);
  await writeImage(join(dir, "a.png"), syntheticImage(32, 24, 3, "u8", 2));
  await writeImage(join(dir, "b.png"), syntheticImage(32, 24, 3, "u8", 3));
  await writeImage(join(dir, "scene.png"), camera);
  const eye = Image.zeros(8, 6, 1, "u8");
  for (let y = 0; y < 6; y++) {
    eye.data.set(camera.data.subarray((10 + y) * 64 + 20, (10 + y) * 64 + 28), y * 8);
  }
  await writeImage(join(dir, "eye.png"), eye);
  for (const sub of ["photos", "scans"]) {
    await Deno.mkdir(join(dir, sub));
    for (let i = 0; i < 3; i++) {
      await writeImage(join(dir, sub, `${sub}${i}.png`), syntheticImage(20, 16, 1, "u8", 10 + i));
    }
  }
  // The plugin example names examples/plugins/… relative to the folder it runs in.
  await Deno.mkdir(join(dir, "examples", "plugins"), { recursive: true });
  for (const e of Deno.readDirSync(join(root, "examples", "plugins"))) {
    Deno.copyFileSync(
      join(root, "examples", "plugins", e.name),
      join(dir, "examples", "plugins", e.name),
    );
  }
  return dir;
}

async function sh(line: string, cwd: string, env: Record<string, string>) {
  const p = await new Deno.Command("bash", {
    args: ["-c", line],
    cwd,
    env,
    clearEnv: true,
    stdin: "null",
  }).output();
  return {
    code: p.code,
    out: new TextDecoder().decode(p.stdout),
    err: new TextDecoder().decode(p.stderr),
  };
}

Deno.test("the README names CLI commands for every command of the CLI", () => {
  for (
    const sub of [
      "list",
      "help",
      "kernels",
      "convolve",
      "convert",
      "pipe",
      "batch",
      "kernel",
      "impulse",
      "--plugin",
      "--version",
    ]
  ) {
    assert.ok(cliLines.some((c) => c.includes(` ${sub} `) || c.endsWith(` ${sub}`)), sub);
  }
});

Deno.test("after the README's set-up, `deno` and `imfilter` are the installed commands", async () => {
  const env = await readmeSetup();
  const which = await sh("command -v deno; command -v imfilter; imfilter --version", root, env);
  assert.equal(which.code, 0, which.err);
  const [deno, imfilter, version] = which.out.trim().split("\n");
  assert.equal(deno, join(env.NPM_CONFIG_PREFIX, "bin", "deno"));
  assert.equal(imfilter, join(env.NPM_CONFIG_PREFIX, "bin", "imfilter"));
  const config = JSON.parse(Deno.readTextFileSync(join(root, "deno.json")));
  assert.equal(version, `imfilter ${config.version} (deno 2.9.6)`);
});

Deno.test("every imfilter command in the README runs as printed (exit 0)", async () => {
  const env = await readmeSetup();
  const dir = await scratch();
  for (const line of cliLines) {
    // One task of a cluster array job runs as each task of `sbatch --array=1-2`.
    const runs = line.includes("--shard auto") ? slurmArray("1-2").env : [{}];
    for (const extra of runs) {
      const r = await sh(line, dir, { ...env, ...extra });
      assert.equal(r.code, 0, `${line}\n${r.err}`);
    }
  }
});

Deno.test("every deno task the README names exists; the demo runs as printed and writes ./out/", async () => {
  const config = JSON.parse(Deno.readTextFileSync(join(root, "deno.json")));
  const named = [...readme.matchAll(/deno task ([\w:-]+)/g)].map((m) => m[1]);
  for (const task of new Set(named)) assert.ok(task in config.tasks, `deno task ${task}`);
  assert.ok(lines.includes("deno task demo"));
  const env = await readmeSetup();
  const dir = await Deno.makeTempDir({ prefix: "imfilter-demo-" });
  // As printed, from the clone; the demo writes to the folder it was started in (INIT_CWD).
  const r = await sh(`cd "${root}" && INIT_CWD="${dir}" deno task -q demo`, root, env);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /1 4 3 4 1/); // the lecture notes' worked example
  assert.match(r.out, /best match at \{"x":260,"y":90/);
  const files = [...Deno.readDirSync(join(dir, "out"))].map((e) => e.name);
  assert.ok(files.length >= 10, files.join(", "));
});
