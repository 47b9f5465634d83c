// applyParallel outside Deno, byte for byte against Deno: Node 20 runs an
// esbuild bundle of mod.ts (the bundle is its own worker: there is no worker
// file to ship), on two threads, on images over one megapixel; a bundle
// whose workers cannot load it rejects instead of hanging. With IMFILTER_BUN
// set to a Bun binary (npm's @oven/bun-linux-x64), Bun runs the same checks
// from source and from the bundle. The calls are tests/runtimes/parallel_check.ts.

import assert from "node:assert/strict";
import { join } from "node:path";
import * as esbuild from "npm:esbuild@0.28.2";
import * as lib from "../mod.ts";
import { type ParallelCaseResult, parallelCheck } from "./runtimes/parallel_check.ts";

const root = new URL("..", import.meta.url).pathname;
const BUN = Deno.env.get("IMFILTER_BUN");

/** Prints the check's results as JSON (the library and the check from `lib`, `check`). */
const RUN = (lib: string, check: string) => `
import * as lib from ${JSON.stringify(lib)};
import { parallelCheck } from ${JSON.stringify(check)};
console.log(JSON.stringify(await parallelCheck(lib)));
`;

/** The bundle is gone when the workers load it; prints how the calls ended. */
const MISSING = `
import { copyFileSync, unlinkSync } from "node:fs";
const gone = new URL("./gone.mjs", import.meta.url);
copyFileSync(new URL("./imfilter.mjs", import.meta.url), gone);
const lib = await import(gone.href);
unlinkSync(gone);
const img = lib.Image.zeros(1280, 960, 1, "u8");
const ends = [];
for (const name of ["gaussian", "median"]) {
  ends.push(await lib.applyParallel(name, img, { size: 5 }, { threads: 2 }).then(
    () => ({ resolved: true }),
    (e) => ({ name: e.name, code: e.code, message: e.message }),
  ));
}
console.log(JSON.stringify(ends));
`;

/** A folder with the ESM bundle of mod.ts (`imfilter.mjs`), the check and the runners. */
async function bundleDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "imfilter_runtimes_" });
  try {
    await esbuild.build({
      entryPoints: {
        imfilter: join(root, "mod.ts"),
        parallel_check: join(root, "tests/runtimes/parallel_check.ts"),
      },
      outdir: dir,
      outExtension: { ".js": ".mjs" },
      bundle: true,
      format: "esm",
      platform: "node",
      logLevel: "error",
    });
  } finally {
    await esbuild.stop();
  }
  await Deno.writeTextFile(join(dir, "run.mjs"), RUN("./imfilter.mjs", "./parallel_check.mjs"));
  await Deno.writeTextFile(join(dir, "missing.mjs"), MISSING);
  return dir;
}

/** Runs a command in `cwd`; fails the test if it has not ended within `ms` (a hang). */
async function run(cmd: string, args: string[], cwd: string, ms = 120_000): Promise<string> {
  const child = new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  const out = await child.output();
  clearTimeout(timer);
  const text = new TextDecoder().decode(out.stdout), err = new TextDecoder().decode(out.stderr);
  assert.ok(out.signal === null, `${cmd} ${args.join(" ")} hung (killed after ${ms} ms)\n${err}`);
  assert.equal(out.code, 0, `${cmd} ${args.join(" ")} failed:\n${err}`);
  return text.trim().split("\n").at(-1)!;
}

let deno: Promise<ParallelCaseResult[]> | undefined;

/** Deno's results, threaded and equal to one thread, computed once. */
function denoResults(): Promise<ParallelCaseResult[]> {
  deno ??= parallelCheck(lib).then((r) => {
    for (const c of r) {
      assert.ok(c.threaded, `${c.label}: Deno ran it on one thread`);
      assert.ok(c.sameAsOneThread, `${c.label}: Deno's threads differ from one thread`);
    }
    assert.equal(new Set(r.map((c) => c.digest)).size, r.length, "every call gives other bytes");
    return r;
  });
  return deno;
}

/** Asserts another runtime ran every call on threads and got Deno's bytes. */
async function sameAsDeno(what: string, line: string): Promise<void> {
  const got = JSON.parse(line) as ParallelCaseResult[];
  const want = await denoResults();
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert.equal(got[i].label, want[i].label);
    assert.ok(got[i].threaded, `${what}, ${got[i].label}: ran on one thread`);
    assert.ok(got[i].sameAsOneThread, `${what}, ${got[i].label}: threads differ from one thread`);
    assert.equal(got[i].digest, want[i].digest, `${what}, ${got[i].label}: other bytes than Deno`);
  }
}

/** Asserts both calls of MISSING were rejected with a one-line worker FilterError. */
function rejectedInOneLine(what: string, line: string): void {
  const ends = JSON.parse(line) as { name?: string; code?: string; message?: string }[];
  assert.equal(ends.length, 2);
  for (const e of ends) {
    assert.equal(e.name, "FilterError", `${what}: ${JSON.stringify(e)}`);
    assert.equal(e.code, "IO");
    assert.match(
      e.message!,
      /^applyParallel: a worker thread failed \(.*gone\.mjs.*\); this call is rejected/,
    );
    assert.ok(!e.message!.includes("\n"));
  }
}

Deno.test("applyParallel's module bundles for the browser with esbuild, nothing external (no node: import)", async () => {
  try {
    const result = await esbuild.build({
      entryPoints: [join(root, "parallel/mod.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      logLevel: "silent",
    });
    const text = result.outputFiles[0].text;
    assert.ok(text.includes("imfilter-parallel"), "the bundle holds the worker side");
    assert.doesNotMatch(text, /\b(import|require)\s*\(?\s*["']node:/);
  } finally {
    await esbuild.stop();
  }
});

Deno.test("Node 20 runs an esbuild bundle of mod.ts on two threads with Deno's bytes; a bundle its workers cannot load rejects", async () => {
  const dir = await bundleDir();
  try {
    await sameAsDeno("Node", await run("node", ["run.mjs"], dir));
    rejectedInOneLine("Node", await run("node", ["missing.mjs"], dir, 60_000));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "Bun (IMFILTER_BUN) runs applyParallel from source and from the bundle with Deno's bytes; never hangs",
  ignore: BUN === undefined,
  fn: async () => {
    const dir = await bundleDir();
    try {
      const source = RUN(join(root, "mod.ts"), join(root, "tests/runtimes/parallel_check.ts"));
      await Deno.writeTextFile(join(dir, "run_source.ts"), source);
      await sameAsDeno("Bun from source", await run(BUN!, ["run", "run_source.ts"], dir));
      await sameAsDeno("Bun, bundle", await run(BUN!, ["run", "run.mjs"], dir));
      rejectedInOneLine("Bun", await run(BUN!, ["run", "missing.mjs"], dir, 60_000));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
