// The CLI end to end: list, help, runs, exit codes, atomic writes, --plugin,
// kernel files, --json. Most runs call main() in-process with captured
// streams; a few go through `deno task imfilter` as a user would.

import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "./_cli.ts";
import { correlate, encodeNpy, Image, readImage, runPipeline, writeImage } from "../mod.ts";
import { syntheticImage } from "../testing.ts";

const cli = runMain;

const dir = Deno.makeTempDirSync({ prefix: "imfilter-cli-" });
const input = join(dir, "in.png");
const rgbInput = join(dir, "rgb.png");
await writeImage(input, syntheticImage(40, 30, 1, "u8", 5));
await writeImage(rgbInput, syntheticImage(24, 20, 3, "u8", 6));

function filesIn(d: string): string[] {
  return [...Deno.readDirSync(d)].map((e) => e.name).sort();
}

Deno.test("list prints every registered filter, sorted, one line each", async () => {
  const r = await cli("list");
  assert.equal(r.status, 0);
  const names = r.out.split("\n").map((l) => l.split(/\s+/)[0]);
  assert.ok(names.includes("convolve") && names.includes("correlate"));
  assert.deepEqual(names, [...names].sort());
});

Deno.test("help <filter> is generated from the param specs, with defaults, ranges and an example", async () => {
  const r = await cli("help", "convolve");
  assert.equal(r.status, 0);
  assert.match(r.out, /--kernel <rows\|name\|file>\s+the kernel.*\(required\)/);
  assert.match(
    r.out,
    /--boundary <constant\|replicate\|reflect\|symmetric\|wrap>.*default reflect.*aliases: zero/,
  );
  assert.match(r.out, /example:\n\s+imfilter convolve in\.png out\.png --kernel/);
  assert.equal((await cli("convolve", "--help")).out, r.out);
});

Deno.test("a run writes the same pixels as the library call", async () => {
  const out = join(dir, "conv.png");
  const r = await cli(
    "convolve",
    input,
    out,
    "--kernel",
    "1,0,1;0,1,0;1,0,1",
    "--boundary",
    "constant",
  );
  assert.equal(r.status, 0, r.err);
  assert.match(r.err, /convolve: wrote .*conv\.png \(40x30x1 u8\)/);
  const got = await readImage(out);
  const want = correlate(await readImage(input), "1,0,1;0,1,0;1,0,1", { boundary: "constant" });
  assert.deepEqual(Array.from(got.data), Array.from(want.data));
});

Deno.test("usage and parameter errors exit 2 with one line naming the fix", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["convolve", input, join(dir, "x.png"), "--kernel", "1", "--boundary", "bogus"],
      /boundary must be one of constant/,
    ],
    [["blurr", input, join(dir, "x.png")], /error\[UNKNOWN_FILTER\]: no filter named "blurr"/],
    [["convolve", input, join(dir, "x.png")], /kernel is required/],
    [
      ["convolve", input, join(dir, "x.png"), "--kernel", "1", "--sigma", "2"],
      /unknown option --sigma; its options are --kernel/,
    ],
    [["convolve", input], /needs an input and an output path/],
    [["convolve", input, join(dir, "x.png"), "--kernel", "1,2;3"], /ragged/],
    [[
      "convolve",
      input,
      join(dir, "x.png"),
      "--kernel",
      "box-9",
      "--mode",
      "valid",
      "--max-pixels",
      "-1",
    ], /--max-pixels must be a positive integer/],
    [[], /usage: imfilter list/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(...args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, re);
    if (args.length) assert.equal(r.err.split("\n").length, 1, r.err);
  }
  assert.ok(!filesIn(dir).includes("x.png"));
});

Deno.test("a corrupt or truncated input exits 1 with DECODE_FAILED and writes nothing", async () => {
  const bytes = Deno.readFileSync(input);
  const bad = join(dir, "truncated.png");
  Deno.writeFileSync(bad, bytes.subarray(0, bytes.length >> 1));
  const out = join(dir, "never.png");
  const r = await cli("convolve", bad, out, "--kernel", "box-3");
  assert.equal(r.status, 1);
  assert.match(r.err, /^error\[DECODE_FAILED\]/);
  assert.ok(!filesIn(dir).some((f) => f.startsWith("never")), filesIn(dir).join(","));
  const missing = await cli("convolve", join(dir, "nope.png"), out, "--kernel", "box-3");
  assert.equal(missing.status, 1);
  assert.match(missing.err, /^error\[IO\]/);
});

Deno.test("an existing output is not replaced without --overwrite, and the input is never written", async () => {
  const out = join(dir, "keep.png");
  Deno.writeTextFileSync(out, "precious");
  const r = await cli("convolve", input, out, "--kernel", "box-3");
  assert.equal(r.status, 2);
  assert.match(r.err, /exists; pass --overwrite/);
  assert.equal(Deno.readTextFileSync(out), "precious");
  const same = await cli("convolve", input, input, "--kernel", "box-3");
  assert.equal(same.status, 2);
  assert.match(same.err, /is the input; pass --overwrite/);
  assert.equal((await cli("convolve", input, out, "--kernel", "box-3", "--overwrite")).status, 0);
  assert.equal((await readImage(out)).width, 40);
});

Deno.test("a failed run leaves no partial output or temp file", async () => {
  const before = filesIn(dir);
  // valid mode with a kernel larger than the image fails after decoding.
  const r = await cli(
    "convolve",
    input,
    join(dir, "fail.png"),
    "--kernel",
    "box-41",
    "--mode",
    "valid",
  );
  assert.equal(r.status, 2);
  assert.match(r.err, /SIZE_MISMATCH.*larger than/);
  // float output to PNG is refused before anything is written.
  const f = await cli(
    "correlate",
    input,
    join(dir, "float.png"),
    "--kernel",
    "sobel-x",
    "--dtype",
    "f32",
  );
  assert.equal(f.status, 2);
  assert.match(f.err, /float32 pixels.*write \.npy.*--dtype u8.*--stretch/);
  assert.deepEqual(filesIn(dir), before);
});

Deno.test("kernels come from inline rows, names, .json and .npy files; f32 output goes to .npy", async () => {
  const json = join(dir, "k.json");
  Deno.writeTextFileSync(json, JSON.stringify([[0, -1, 0], [-1, 4, -1], [0, -1, 0]]));
  const npy = join(dir, "k.npy");
  Deno.writeFileSync(
    npy,
    encodeNpy(new Image(3, 3, 1, new Float32Array([0, -1, 0, -1, 4, -1, 0, -1, 0]))),
  );
  const outs: Image[] = [];
  for (const [k, name] of [[json, "a.npy"], [npy, "b.npy"], ["0,-1,0;-1,4,-1;0,-1,0", "c.npy"]]) {
    const r = await cli("correlate", input, join(dir, name), "--kernel", k, "--dtype", "f32");
    assert.equal(r.status, 0, r.err);
    outs.push(await readImage(join(dir, name)));
  }
  assert.equal(outs[0].dtype, "f32");
  assert.ok(Array.from(outs[0].data).some((v) => v < 0));
  assert.deepEqual(Array.from(outs[1].data), Array.from(outs[0].data));
  assert.deepEqual(Array.from(outs[2].data), Array.from(outs[0].data));
  const stretched = await cli(
    "correlate",
    input,
    join(dir, "view.png"),
    "--kernel",
    "sobel-x",
    "--dtype",
    "f32",
    "--stretch",
  );
  assert.equal(stretched.status, 0, stretched.err);
  const view = await readImage(join(dir, "view.png"));
  assert.equal(Math.min(...view.data), 0);
  assert.equal(Math.max(...view.data), 255);
});

Deno.test("--plugin loads a third-party module; its filter lists, helps and runs", async () => {
  const plugin = new URL("../examples/plugins/unsharp_mask.ts", import.meta.url).pathname;
  const list = await cli("list", "--plugin", plugin);
  assert.match(list.out, /unsharp-mask\s+sharpen/);
  const help = await cli("help", "unsharp-mask", "--plugin", plugin);
  assert.match(help.out, /--amount <number>/);
  const out = join(dir, "sharp.png");
  const r = await cli("unsharp-mask", rgbInput, out, "--plugin", plugin, "--amount", "1.5");
  assert.equal(r.status, 0, r.err);
  assert.equal((await readImage(out)).channels, 3);
  const bad = await cli("list", "--plugin", join(dir, "k.json"));
  assert.notEqual(bad.status, 0);
  const none = join(dir, "none.ts");
  Deno.writeTextFileSync(none, "export const x = 1;\n");
  const r2 = await cli("list", "--plugin", none);
  assert.equal(r2.status, 2);
  assert.match(r2.err, /exports no imfilter plugin/);
});

Deno.test("--json prints the result data on stdout", async () => {
  const r = await cli(
    "correlate",
    input,
    join(dir, "j.png"),
    "--kernel",
    "box-3",
    "--json",
    "--quiet",
  );
  assert.equal(r.status, 0);
  assert.deepEqual(JSON.parse(r.out), {});
  assert.equal(r.err, "");
});

Deno.test("deno task imfilter: the README's commands work as a user runs them", async () => {
  const root = new URL("..", import.meta.url).pathname;
  const run = async (...args: string[]) => {
    const p = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "imfilter", ...args],
      cwd: root,
      env: { NO_COLOR: "1" },
    }).output();
    return { code: p.code, err: new TextDecoder().decode(p.stderr) };
  };
  const out = join(dir, "task.png");
  const ok = await run(
    "convolve",
    input,
    out,
    "--kernel",
    "1,0,1;0,1,0;1,0,1",
    "--boundary",
    "constant",
  );
  assert.equal(ok.code, 0, ok.err);
  const bad = await run(
    "convolve",
    input,
    join(dir, "t2.png"),
    "--kernel",
    "1",
    "--boundary",
    "bogus",
  );
  assert.equal(bad.code, 2);
  assert.match(bad.err, /error\[INVALID_PARAM\]: convolve: boundary must be one of/);
  assert.ok(!bad.err.includes("    at "), "no stack trace without --debug");
});

Deno.test("pipe chains filters without intermediate files, keeping float precision between steps", async () => {
  const src = join(dir, "dot.png");
  await writeImage(src, Image.fromRows([[0, 0, 2, 0, 0]], "u8"));
  const out = join(dir, "piped.png");
  const box = ["--kernel", "1/3,1/3,1/3", "--boundary", "constant"];
  const r = await cli("pipe", src, out, "--", "correlate", ...box, "--", "correlate", ...box);
  assert.equal(r.status, 0, r.err);
  assert.match(r.err, /correlate \| correlate: wrote/);
  // Rounding once at the end gives [0,0,1,0,0]; rounding after each step would give [0,1,1,1,0].
  assert.deepEqual(Array.from((await readImage(out)).data), [0, 0, 1, 0, 0]);
  const lib = await runPipeline(await readImage(src), [
    { filter: "correlate", params: { kernel: "1/3,1/3,1/3", boundary: "constant" } },
    { filter: "correlate", params: { kernel: "1/3,1/3,1/3", boundary: "constant" } },
  ]);
  assert.deepEqual(Array.from(lib.image.data), [0, 0, 1, 0, 0]);
  const bad = await cli("pipe", src, join(dir, "p2.png"), "correlate", "--kernel", "box-3");
  assert.equal(bad.status, 2);
  assert.match(bad.err, /pipe needs: pipe <input> <output> -- <filter>/);
  const badStep = await cli(
    "pipe",
    src,
    join(dir, "p3.png"),
    "--",
    "correlate",
    "--kernel",
    "box-3",
    "--",
    "nosuch",
  );
  assert.equal(badStep.status, 2);
  assert.match(badStep.err, /UNKNOWN_FILTER/);
});

Deno.test("pipe takes --plugin (and other valued global flags) before the first --", async () => {
  const out = join(dir, "piped-plugin.png");
  const plugin = new URL("../examples/plugins/brighten.ts", import.meta.url).pathname;
  const r = await cli(
    "pipe",
    input,
    out,
    "--plugin",
    plugin,
    "--threads",
    "1",
    "--",
    "median",
    "--size",
    "3",
    "--",
    "brighten",
    "--gain",
    "1.5",
  );
  assert.equal(r.status, 0, r.err);
  const want = await runPipeline(await readImage(input), [
    { filter: "median", params: { size: 3 } },
    { filter: "brighten", params: { gain: 1.5 } },
  ]);
  assert.deepEqual(Array.from((await readImage(out)).data), Array.from(want.image.data));
});

Deno.test("batch: every input processed, a corrupt one reported without stopping the rest, exit 1", async () => {
  const inDir = join(dir, "batch-in"), outDir = join(dir, "batch-out");
  Deno.mkdirSync(inDir);
  for (let i = 0; i < 4; i++) {
    await writeImage(join(inDir, `img${i}.png`), syntheticImage(12, 9, 1 + (i % 3), "u8", i));
  }
  Deno.writeTextFileSync(join(inDir, "broken.png"), "not a png");
  Deno.writeTextFileSync(join(inDir, "notes.txt"), "ignored: not an image extension");
  const r = await cli("batch", inDir, "--out-dir", outDir, "--", "correlate", "--kernel", "box-3");
  assert.equal(r.status, 1);
  assert.match(r.err, /FAILED .*broken\.png: error\[DECODE_FAILED\]/);
  assert.match(r.err, /batch: 4 done, 1 failed in/);
  assert.deepEqual(filesIn(outDir), ["img0.png", "img1.png", "img2.png", "img3.png"]);
  const one = await readImage(join(outDir, "img1.png"));
  const want = correlate(await readImage(join(inDir, "img1.png")), "box-3");
  assert.deepEqual(Array.from(one.data), Array.from(want.data));
});

Deno.test("batch --shard i/n splits the sorted inputs without overlap; --jobs 2 gives identical files", async () => {
  const inDir = join(dir, "shard-in");
  Deno.mkdirSync(inDir);
  for (let i = 0; i < 5; i++) {
    await writeImage(join(inDir, `s${i}.png`), syntheticImage(10, 10, 1, "u8", 10 + i));
  }
  const parts: string[][] = [];
  for (const s of ["0/2", "1/2"]) {
    const out = join(dir, `shard-${s.replace("/", "-")}`);
    const r = await cli(
      "batch",
      join(inDir, "s*.png"),
      "--out-dir",
      out,
      "--shard",
      s,
      "--ext",
      "npy",
      "--",
      "correlate",
      "--kernel",
      "laplace",
      "--dtype",
      "f32",
    );
    assert.equal(r.status, 0, r.err);
    parts.push(filesIn(out));
  }
  assert.deepEqual(parts, [["s0.npy", "s2.npy", "s4.npy"], ["s1.npy", "s3.npy"]]);
  const serial = join(dir, "jobs1"), parallel = join(dir, "jobs2");
  const steps = [
    "--",
    "correlate",
    "--kernel",
    "sobel-x",
    "--dtype",
    "f32",
    "--",
    "correlate",
    "--kernel",
    "box-3",
  ];
  assert.equal(
    (await cli("batch", inDir, "--out-dir", serial, "--ext", "npy", ...steps)).status,
    0,
  );
  const r2 = await cli(
    "batch",
    inDir,
    "--out-dir",
    parallel,
    "--ext",
    "npy",
    "--jobs",
    "2",
    ...steps,
  );
  assert.equal(r2.status, 0, r2.err);
  for (const f of filesIn(serial)) {
    assert.deepEqual(Deno.readFileSync(join(parallel, f)), Deno.readFileSync(join(serial, f)), f);
  }
  const badShard = await cli(
    "batch",
    inDir,
    "--out-dir",
    serial,
    "--shard",
    "2/2",
    "--",
    "correlate",
    "--kernel",
    "box-3",
  );
  assert.equal(badShard.status, 2);
  assert.match(badShard.err, /--shard must be i\/n with 0 <= i < n/);
});

Deno.test("kernel prints and renders a kernel; impulse shows a linear filter's kernel", async () => {
  const k = await cli("kernel", "sobel-x", "--png", join(dir, "k.png"));
  assert.equal(k.status, 0, k.err);
  assert.match(k.out, /^-1\s+0\s+1\n-2\s+0\s+2\n-1\s+0\s+1\n3x3, sum 0, separable \(rank 1\)$/);
  const png = await readImage(join(dir, "k.png"));
  assert.deepEqual([png.width, png.height], [48, 48]);
  const imp = await cli("impulse", "convolve", "--kernel", "ripple", "--extent", "3");
  assert.equal(imp.status, 0, imp.err);
  const rows = imp.out.split("\n").slice(0, 3).map((r) => r.trim().split(/\s+/).map(Number));
  assert.deepEqual(rows, [[0, -1, 1.414214], [1, 0, -1], [-1.414214, 1, 0]]);
  const nonLinear = await cli("impulse", "median", "--size", "3");
  assert.match(nonLinear.err, /does not declare itself linear/);
});

Deno.test("Ctrl-C during a batch: items under way finish, no temp file is left, exit 130", async () => {
  const inDir = join(dir, "sigint-in"), outDir = join(dir, "sigint-out");
  Deno.mkdirSync(inDir);
  for (let i = 0; i < 40; i++) {
    await writeImage(join(inDir, `f${i}.png`), syntheticImage(300, 300, 3, "u8", i));
  }
  const root = new URL("..", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "-q",
      "imfilter",
      "batch",
      inDir,
      "--out-dir",
      outDir,
      "--",
      "bilateral",
      "--diameter",
      "15",
    ],
    cwd: root,
    env: { NO_COLOR: "1" },
    stderr: "piped",
    stdout: "null",
  }).spawn();
  // Wait until the first output exists, then interrupt.
  for (
    let t = 0;
    t < 200 && !(filesIn(dir).includes("sigint-out") && filesIn(outDir).length > 0);
    t++
  ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGINT");
  const { code, stderr } = await child.output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 130, err);
  assert.match(err, /interrupted: \d+ not started/);
  const written = filesIn(outDir);
  assert.ok(written.length > 0 && written.length < 40, `${written.length} written`);
  assert.ok(written.every((f) => /^f\d+\.png$/.test(f)), `temp files left: ${written}`);
  for (const f of written) assert.equal((await readImage(join(outDir, f))).width, 300);
});
