// `deno task compile` builds dist/imfilter, one self-contained executable:
// it lists the filters, prints its help and filters a PNG on a PATH without
// Deno. `deno compile` needs Deno's standalone runtime (denort), which it
// downloads from dl.deno.land unless DENORT_BIN names a local copy; where
// neither is available the test is reported as ignored, never as passed.

import assert from "node:assert/strict";
import { join } from "node:path";
import { writeImage } from "../mod.ts";
import { syntheticImage } from "../testing.ts";

const root = new URL("..", import.meta.url).pathname;

/** Why `deno compile` cannot run here, or undefined when it can. */
async function compileBlocked(): Promise<string | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "imfilter-compile-probe-" });
  Deno.writeTextFileSync(join(dir, "x.ts"), "console.log(1);\n");
  const p = await new Deno.Command(Deno.execPath(), {
    args: ["compile", "-q", "--output", join(dir, "x"), join(dir, "x.ts")],
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  if (p.code === 0) return undefined;
  return new TextDecoder().decode(p.stderr).split("\n").find((l) => l.trim()) ?? `exit ${p.code}`;
}

const blocked = await compileBlocked();
if (blocked) console.error(`compile_test: deno compile cannot run here (${blocked})`);

Deno.test({
  name: "deno task compile: dist/imfilter lists, helps and filters a PNG with no deno on PATH",
  ignore: blocked !== undefined,
  async fn() {
    const build = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "compile"],
      cwd: root,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
    const exe = join(root, "dist", "imfilter");
    const dir = await Deno.makeTempDir({ prefix: "imfilter-compiled-" });
    await writeImage(join(dir, "in.png"), syntheticImage(32, 24, 3, "u8", 1));
    const env = { PATH: "/usr/bin:/bin", HOME: dir, NO_COLOR: "1" };
    const run = async (...args: string[]) => {
      const p = await new Deno.Command(exe, { args, cwd: dir, env, clearEnv: true }).output();
      return { code: p.code, out: new TextDecoder().decode(p.stdout) };
    };
    const which = await new Deno.Command("bash", {
      args: ["-c", "command -v deno"],
      env,
      clearEnv: true,
    }).output();
    assert.notEqual(which.code, 0, "deno must not be on the test's PATH");
    assert.match((await run("list")).out, /^bilateral\s/m);
    assert.match((await run("--help")).out, /^usage: imfilter list/);
    assert.equal((await run("gaussian", "in.png", "out.png", "--sigma", "1.5")).code, 0);
    assert.ok(Deno.statSync(join(dir, "out.png")).size > 0);
  },
});
