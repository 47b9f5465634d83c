/**
 * `deno task install`: installs the `imfilter` command from this checkout
 * with `deno install -g`, with the permissions of the `imfilter` task (read
 * from deno.json, so the two never drift apart), next to the `deno` found on
 * PATH — after `npm install -g deno@2.9.6` that is npm's global bin folder,
 * already on PATH — or else in Deno's default folder (~/.deno/bin), with the
 * line to add it to PATH.
 *
 *   deno task install              # then: imfilter --version
 *   deno task install --root DIR   # into DIR/bin instead
 *
 * @module
 */

import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

const root = new URL("..", import.meta.url);
const config = JSON.parse(Deno.readTextFileSync(new URL("deno.json", root)));
// A task is its command, or {command, dependencies} (the imfilter task depends on `codecs`).
const task: string = config.tasks.imfilter.command ?? config.tasks.imfilter;
const flags = task.split(/\s+/).filter((w) =>
  w.startsWith("--allow") || w.startsWith("--v8-flags") || w.startsWith("--unstable")
);
const { values } = parseArgs({ args: Deno.args, options: { root: { type: "string" } } });

/** The first folder on PATH holding an executable named `deno`. */
function denoOnPath(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const info = Deno.statSync(join(dir, "deno"));
      if (info.isFile && (info.mode ?? 0o111) & 0o111) return dir;
    } catch { /* not here */ }
  }
  return undefined;
}

const beside = denoOnPath();
const installRoot = values.root ??
  (beside && beside.endsWith("/bin") ? dirname(beside) : undefined);
const args = [
  "install",
  "-g",
  "-f",
  "-q",
  "-n",
  "imfilter",
  "--config",
  new URL("deno.json", root).pathname,
  ...(installRoot ? ["--root", installRoot] : []),
  ...flags,
  new URL("cli/main.ts", root).pathname,
];
const { code, stderr } = await new Deno.Command(Deno.execPath(), {
  args,
  stdout: "inherit",
  stderr: "piped",
})
  .output();
if (code !== 0) {
  console.error(`deno install failed: ${new TextDecoder().decode(stderr).trim().split("\n")[0]}`);
  Deno.exit(code);
}
const bin = installRoot
  ? join(installRoot, "bin")
  : join(Deno.env.get("HOME") ?? "~", ".deno", "bin");
const onPath = (Deno.env.get("PATH") ?? "").split(":").includes(bin);
console.log(`installed ${join(bin, "imfilter")} (${flags.join(" ")})`);
if (!beside) {
  console.log(
    "note: `deno` is not on PATH, and the imfilter command runs `deno`: npm install -g deno@2.9.6",
  );
}
if (!onPath) console.log(`add it to PATH: export PATH="${bin}:$PATH"`);
