// Every `deno task imfilter …` command in the README runs as written, in a
// scratch folder holding the files the commands name (the README's
// TypeScript snippets are type-checked and run by `deno test --doc`).

import assert from "node:assert/strict";
import { join } from "node:path";
import { Image, writeImage } from "../mod.ts";
import { syntheticImage } from "../testing.ts";

const root = new URL("..", import.meta.url).pathname;
const readme = Deno.readTextFileSync(join(root, "README.md"));

/** The shell lines of the README's sh blocks that run the CLI. */
function cliCommands(): string[] {
  const out: string[] = [];
  for (const block of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const raw of block[1].split("\n")) {
      const line = raw.replace(/\s+#.*$/, "").trim();
      if (line.startsWith("deno task imfilter ")) out.push(line);
    }
  }
  return out;
}

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
  return dir;
}

Deno.test("the README names CLI commands for every command of the CLI", () => {
  const cmds = cliCommands();
  for (
    const sub of [
      "list",
      "help",
      "kernels",
      "convolve",
      "pipe",
      "batch",
      "kernel",
      "impulse",
      "--plugin",
    ]
  ) {
    assert.ok(cmds.some((c) => c.includes(` ${sub} `) || c.endsWith(` ${sub}`)), sub);
  }
});

Deno.test("every deno task imfilter command in the README runs as written (exit 0)", async () => {
  const dir = await scratch();
  const deno = Deno.execPath();
  for (const cmd of cliCommands()) {
    // Run from the scratch folder, as a user would from theirs: deno task finds
    // the config with --config and passes the user's folder as INIT_CWD.
    const script = cmd.replace(
      /^deno task imfilter/,
      `"${deno}" task -q --config "${root}deno.json" imfilter`,
    )
      .replace("examples/plugins/", `${root}examples/plugins/`);
    const p = await new Deno.Command("bash", {
      args: ["-c", script],
      cwd: dir,
      env: { NO_COLOR: "1", INIT_CWD: dir, SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "2" },
    }).output();
    const err = new TextDecoder().decode(p.stderr);
    assert.equal(p.code, 0, `${cmd}\n${err}`);
  }
});

Deno.test("the README's demo command writes its outputs to ./out/ of the user's folder", async () => {
  assert.match(readme, /npx -y deno@2\.9\.6 task demo/);
  const dir = await Deno.makeTempDir({ prefix: "imfilter-demo-" });
  const p = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "--config", `${root}deno.json`, "demo"],
    cwd: dir,
    env: { NO_COLOR: "1", INIT_CWD: dir },
  }).output();
  const stdout = new TextDecoder().decode(p.stdout);
  assert.equal(p.code, 0, new TextDecoder().decode(p.stderr));
  assert.match(stdout, /1 4 3 4 1/); // the lecture notes' worked example
  assert.match(stdout, /best match at \{"x":260,"y":90/);
  const files = [...Deno.readDirSync(join(dir, "out"))].map((e) => e.name);
  assert.ok(files.length >= 10, files.join(", "));
});
