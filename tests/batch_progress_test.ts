// Progress on stderr: a bar with the time left on a terminal, for single
// images and batches; nothing extra off a terminal or with --quiet.

import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../cli/main.ts";
import { batchBar, formatDuration, progressReporter } from "../cli/progress.ts";
import { closeParallel, writeImage } from "../mod.ts";
import { syntheticImage } from "../testing.ts";
import { cleanEnv, cliArgv, writeInputs } from "./_batch_util.ts";

const tmp = Deno.makeTempDirSync({ prefix: "imfilter-progress-" });

/** A sink that records raw writes and lines. */
function sink(errIsTerminal: boolean) {
  const writes: string[] = [], lines: string[] = [], out: string[] = [];
  return {
    writes,
    lines,
    out,
    io: {
      out: (t: string) => void out.push(t),
      err: (t: string) => void lines.push(t),
      write: (t: string) => void writes.push(t),
      errIsTerminal,
    },
  };
}

Deno.test("the bar waits half a second, then shows the fraction and the time left from the rate", () => {
  let t = 0;
  const s = sink(true);
  const p = progressReporter("nl-means", s.io, false, { now: () => t });
  t = 100;
  p.update(0.1); // the rate is measured from here
  t = 400;
  p.update(0.3);
  assert.deepEqual(s.writes, [], "nothing in the first 500 ms");
  t = 900;
  p.update(0.5); // 0.4 in 800 ms: 0.5 left takes 1 s
  t = 950;
  p.update(0.55); // within 100 ms of the last draw
  assert.deepEqual(s.writes, [
    `\r\x1b[2Knl-means [${"#".repeat(15)}${"-".repeat(15)}] 50% 0:01 left`,
  ]);
  p.done();
  assert.equal(s.writes.at(-1), "\r\x1b[2K", "the bar is erased");
  assert.equal(formatDuration(3725), "1:02:05");
  assert.equal(formatDuration(65), "1:05");
});

Deno.test("off a terminal or with --quiet the reporters write nothing", () => {
  for (const [tty, quiet] of [[false, false], [true, true], [false, true]]) {
    let t = 0;
    const s = sink(tty);
    const p = progressReporter("x", s.io, quiet, { now: () => t });
    for (t = 0; t < 5000; t += 50) p.update(t / 5000);
    p.done();
    assert.equal(batchBar(s.io, quiet), undefined);
    assert.deepEqual(s.writes, [], `tty ${tty} quiet ${quiet}`);
  }
});

Deno.test("the batch bar counts files, failures and the time left", () => {
  let t = 0;
  const s = sink(true);
  const b = batchBar(s.io, false, () => t)!;
  t = 2000;
  b.show(2, 4, 1);
  b.clear();
  assert.deepEqual(s.writes, [
    `\r\x1b[2K[${"#".repeat(15)}${"-".repeat(15)}] 2/4 (1 failed) 0:02 left`,
    "\r\x1b[2K",
  ]);
});

Deno.test("batch on a terminal draws the bar and erases it; off a terminal it prints a line per file", async () => {
  const inDir = join(tmp, "batch-in");
  await writeInputs(inDir, 3);
  const tty = sink(true);
  const args = ["batch", inDir, "--out-dir", join(tmp, "batch-tty"), "--", "median", "--size", "3"];
  assert.equal(await main(args, tty.io), 0, tty.lines.join("\n"));
  assert.ok(tty.writes.some((w) => w.includes("] 3/3")), tty.writes.join("|"));
  assert.equal(tty.writes.at(-1), "\r\x1b[2K");
  assert.equal(tty.lines.length, 1);
  assert.match(tty.lines[0], /^batch: 3 done, 0 failed in /);
  const pipe = sink(false);
  args[3] = join(tmp, "batch-pipe");
  assert.equal(await main(args, pipe.io), 0);
  assert.deepEqual(pipe.writes, []);
  assert.equal(pipe.lines.filter((l) => l.startsWith("ok ")).length, 3);
});

Deno.test("a single image on worker threads draws the bar from the calling thread's stripe", async () => {
  const big = join(tmp, "big.png");
  await writeImage(big, syntheticImage(1100, 1000, 1, "u8", 4)); // over 1 megapixel: threads
  const s = sink(true);
  try {
    const args = ["nl-means", big, join(tmp, "big-out.png"), "--search-size", "41"];
    const status = await main([...args, "--threads", "2"], s.io);
    assert.equal(status, 0, s.lines.join("\n"));
  } finally {
    closeParallel();
  }
  const bar = /^nl-means \[#*-*\] \d+%/;
  assert.ok(s.writes.some((w) => bar.test(w.replace("\r\x1b[2K", ""))), s.writes.join("|"));
  assert.equal(s.writes.at(-1), "\r\x1b[2K");
  assert.match(s.lines.join("\n"), /^nl-means: wrote .*big-out\.png \(1100x1000x1 u8\) in \d+ ms$/);
});

// A run long enough to draw the bar (half a second or more here): NL-means on
// one thread, as it reports its progress.
const slow = join(tmp, "slow.png");
await writeImage(slow, syntheticImage(1000, 1000, 1, "u8", 5));
const slowArgs = (out: string, ...more: string[]) => [
  "nl-means",
  slow,
  join(tmp, out),
  "--search-size",
  "41",
  "--threads",
  "1",
  ...more,
];

const hasScript = new Deno.Command("sh", { args: ["-c", "command -v script"] }).outputSync()
  .success;

Deno.test({
  name: "a long single-image run on a real terminal shows the bar with the time left",
  ignore: !hasScript,
  fn: async () => {
    // script(1) gives the CLI a pseudo-terminal for stderr.
    const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
    const cmd = [Deno.execPath(), ...cliArgv(), ...slowArgs("tty.png")].map(quote).join(" ");
    const p = await new Deno.Command("script", {
      args: ["-qec", cmd, "/dev/null"],
      env: cleanEnv(),
      clearEnv: true,
    }).output();
    const screen = new TextDecoder().decode(p.stdout).replaceAll("\x1b", "ESC");
    assert.equal(p.code, 0, screen);
    assert.match(screen, /\rESC\[2Knl-means \[#*-*\] \d+% \d+:\d\d left/);
    assert.match(screen, /\rESC\[2Knl-means: wrote .*tty\.png \(1000x1000x1 u8\) in (\d+) ms/);
    const ms = Number(/in (\d+) ms/.exec(screen)![1]);
    assert.ok(ms > 500, `${ms} ms: too fast to test the bar`);
  },
});

Deno.test("the same run off a terminal prints only its final line, and nothing with --quiet", async () => {
  const run = async (...more: string[]) => {
    const p = await new Deno.Command(Deno.execPath(), {
      args: [...cliArgv(), ...slowArgs(`pipe${more.length}.png`, ...more)],
      env: cleanEnv(),
      clearEnv: true,
    }).output();
    assert.equal(p.code, 0);
    return new TextDecoder().decode(p.stderr);
  };
  const err = await run();
  assert.match(err, /^nl-means: wrote .*pipe0\.png \(1000x1000x1 u8\) in (\d+) ms\n$/);
  assert.ok(Number(/in (\d+) ms/.exec(err)![1]) > 500, "long enough that a terminal shows the bar");
  assert.equal(await run("--quiet"), "");
});
