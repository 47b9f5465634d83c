// Third-party plugins under the CLI run with least privilege: no file,
// network, environment, subprocess or FFI access unless granted; their
// errors name them; they cannot replace a built-in without --replace nor
// reach the CLI's registry; --timeout stops an endless loop; a promise that
// can never settle ends in a one-line error. Run as a user runs the CLI
// (a separate process with `deno task imfilter`'s flags).

import assert from "node:assert/strict";
import { join, toFileUrl } from "./_paths.ts";
import { root, runCli } from "./_batch_util.ts";
import { readImage, writeImage } from "../mod.ts";
import { syntheticImage } from "../testing.ts";

const dir = Deno.makeTempDirSync({ prefix: "imfilter-sandbox-" });
const input = join(dir, "in.png");
await writeImage(input, syntheticImage(12, 10, 1, "u8", 1));
const secret = join(dir, "secret.txt");
Deno.writeTextFileSync(secret, "42");

/** A plugin module that tries what `--what` names, then returns its input. */
const probe = join(dir, "probe.js");
Deno.writeTextFileSync(
  probe,
  `const base = { [Symbol.for("imfilter.plugin")]: true, apiVersion: 1 };
export const probe = { ...base, name: "probe", summary: "tries one privileged call (test)",
  params: { what: { type: "enum", values: ["read", "write", "env", "net", "run", "ffi", "none"],
    default: "none", description: "what to try" } },
  async apply(image, { what }) {
    if (what === "read") Deno.readTextFileSync(${JSON.stringify(secret)});
    if (what === "write") Deno.writeTextFileSync(${JSON.stringify(join(dir, "planted.txt"))}, "x");
    if (what === "env") Deno.env.get("HOME");
    if (what === "net") await fetch("http://127.0.0.1:8123/");
    if (what === "run") new Deno.Command("true").outputSync();
    if (what === "ffi") Deno.dlopen("libc.so.6", {});
    return image;
  } };
export const loop = { ...base, name: "loop", summary: "never returns (test)", params: {},
  apply() { for (;;) {} } };
export const never = { ...base, name: "never", summary: "a promise that never settles (test)",
  params: {}, apply() { return new Promise(() => {}); } };
export const loud = { ...base, name: "loud", summary: "throws a two-line error (test)", params: {},
  apply() { throw new Error("first\\nsecond"); } };
`,
);

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

Deno.test("a plugin gets no file, network, environment, subprocess or FFI access; its error names it", async () => {
  for (const what of ["read", "write", "env", "net", "run", "ffi"]) {
    const r = await runCli([
      "probe",
      input,
      join(dir, `${what}.png`),
      "--plugin",
      probe,
      "--what",
      what,
    ]);
    const err = lines(r.err);
    assert.notEqual(r.code, 0, `${what} was allowed`);
    assert.equal(err.length, 1, r.err);
    assert.match(
      err[0],
      /^error\[INVALID_PARAM\]: filter "probe" \(plugin .*probe\.js\) failed: .*(NotCapable|Requires)/,
      what,
    );
  }
  assert.ok(!Deno.readDirSync(dir).some((e) => e.name === "planted.txt"));
  const ok = await runCli(["probe", input, join(dir, "none.png"), "--plugin", probe]);
  assert.equal(ok.code, 0, ok.err);
});

Deno.test("--plugin-allow-read=<path> grants reading that path only; a bare flag grants all", async () => {
  const r = await runCli([
    "probe",
    input,
    join(dir, "granted.png"),
    "--plugin",
    probe,
    `--plugin-allow-read=${secret}`,
    "--what",
    "read",
  ]);
  assert.equal(r.code, 0, r.err);
  const env = await runCli([
    "probe",
    input,
    join(dir, "env.png"),
    "--plugin-allow-env",
    "--plugin",
    probe,
    "--what",
    "env",
  ]);
  assert.equal(env.code, 0, env.err);
  const other = await runCli([
    "probe",
    input,
    join(dir, "other.png"),
    "--plugin",
    probe,
    `--plugin-allow-read=${join(dir, "elsewhere")}`,
    "--what",
    "read",
  ]);
  assert.notEqual(other.code, 0);
});

Deno.test("a plugin's multi-line error is one line naming the plugin and its module", async () => {
  const r = await runCli(["loud", input, join(dir, "loud.png"), "--plugin", probe]);
  assert.equal(r.code, 2);
  assert.deepEqual(lines(r.err), [
    `error[INVALID_PARAM]: filter "loud" (plugin ${probe}) failed: first\\nsecond`,
  ]);
});

Deno.test("--timeout stops a plugin in an endless loop: one line, TIMEOUT, exit 1, no output", async () => {
  const out = join(dir, "loop.png");
  const t0 = performance.now();
  const r = await runCli(["loop", input, out, "--plugin", probe, "--timeout", "1"]);
  assert.ok(performance.now() - t0 < 8000, `${performance.now() - t0} ms`);
  assert.equal(r.code, 1);
  assert.deepEqual(lines(r.err), [
    "error[TIMEOUT]: the run did not finish within its time limit of 1 s; nothing was written",
  ]);
  assert.ok(!Deno.readDirSync(dir).some((e) => e.name.includes("loop.png")));
});

Deno.test("a plugin promise that can never settle ends in a one-line error, without --timeout", async () => {
  const t0 = performance.now();
  const r = await runCli(["never", input, join(dir, "never.png"), "--plugin", probe]);
  assert.ok(performance.now() - t0 < 8000, `${performance.now() - t0} ms`);
  assert.equal(r.code, 2, r.err);
  assert.deepEqual(lines(r.err), [
    `error[INVALID_PARAM]: filter "never" (plugin ${probe}): apply returned a promise that can never settle (it waits for nothing that is left); it must resolve or reject`,
  ]);
});

Deno.test("a plugin cannot take a built-in's name without --replace, nor change the CLI's registry", async () => {
  const impostor = join(dir, "impostor.js");
  const mod = toFileUrl(join(root, "mod.ts"));
  Deno.writeTextFileSync(
    impostor,
    `import { registry, registerFilter } from ${JSON.stringify(mod)};
const fake = { [Symbol.for("imfilter.plugin")]: true, apiVersion: 1, name: "gaussian",
  summary: "not a Gaussian (test)", params: {}, apply: (image) => image };
// Tries to swap the built-in in the registry it imported: the sandbox's own copy.
registry.unregister("gaussian");
registerFilter(fake, { replace: true });
export { fake };
`,
  );
  const out = join(dir, "g.png");
  const r = await runCli(["gaussian", input, out, "--plugin", impostor, "--sigma", "2"]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /^error\[DUPLICATE_FILTER\]: plugin module .*impostor\.js exports a filter named "gaussian", which is already registered .* pass --replace/,
  );
  // A plugin module that merely imports the library changes nothing outside its sandbox.
  const innocent = join(dir, "innocent.js");
  Deno.writeTextFileSync(
    innocent,
    Deno.readTextFileSync(impostor).replace(
      "export { fake };",
      'export const other = { ...fake, name: "other" };',
    ),
  );
  const g = await runCli(["gaussian", input, out, "--plugin", innocent, "--sigma", "2"]);
  assert.equal(g.code, 0, g.err);
  const blurred = await readImage(out), src = await readImage(input);
  assert.notDeepEqual(blurred.data, src.data, "the built-in Gaussian ran");
  const replaced = await runCli([
    "gaussian",
    input,
    join(dir, "g2.png"),
    "--plugin",
    impostor,
    "--replace",
  ]);
  assert.equal(replaced.code, 0, replaced.err);
  assert.deepEqual((await readImage(join(dir, "g2.png"))).data, src.data, "the replacement ran");
});
