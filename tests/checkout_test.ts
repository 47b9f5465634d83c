// Using the library from a checkout, without JSR, as the README's Runtimes
// section shows: another project maps the package names to this checkout in
// its own deno.json and imports `@imfilter/imfilter` and its `/testing` kit;
// a plugin written against the package's types loads into the CLI.

import assert from "node:assert/strict";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const readme = Deno.readTextFileSync(join(root, "README.md"));

Deno.test("another project imports @imfilter/imfilter and /testing from a checkout via the README's import map", async () => {
  const json = /\*\*From a checkout, without JSR\*\*[\s\S]*?```json\n([\s\S]*?)```/.exec(readme);
  assert.ok(json, "the README shows the import map");
  const project = await Deno.makeTempDir({ prefix: "imfilter-user-" });
  // The README's map names the checkout as ../imfilter: point it at this one.
  const up = relative(project, root).replace(/\/?$/, "/");
  const config = json[1].replaceAll("../imfilter/", up);
  Deno.writeTextFileSync(join(project, "deno.json"), config);
  // The README's plugin, written against the package's types only.
  const plugin = /## Writing a plugin[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)![1];
  Deno.writeTextFileSync(join(project, "brighten.ts"), plugin);
  Deno.writeTextFileSync(
    join(project, "main.ts"),
    `import { gaussian, Image, registerFilter, registry } from "@imfilter/imfilter";
import { checkConformance, syntheticImage } from "@imfilter/imfilter/testing";
import { brighten } from "./brighten.ts";
const img: Image = syntheticImage(16, 12, 3, "u8", 1);
const out = gaussian(img, { sigma: 1 });
await checkConformance(brighten);
registerFilter(brighten);
const b = await registry.run("brighten", img, { gain: 2 });
console.log(out.width, out.height, b.image?.data[0] === Math.min(255, img.data[0] * 2));
`,
  );
  for (const args of [["check", "main.ts"], ["run", "--allow-read=.", "main.ts"]]) {
    const p = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: project,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(p.stderr);
    assert.equal(p.code, 0, `deno ${args.join(" ")}: ${err}`);
    if (args[0] === "run") assert.equal(new TextDecoder().decode(p.stdout).trim(), "16 12 true");
  }
  // The same plugin file loads into this checkout's CLI.
  const cli = await new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "-q",
      "--config",
      join(root, "deno.json"),
      "imfilter",
      "help",
      "brighten",
      "--plugin",
      join(project, "brighten.ts"),
    ],
    cwd: project,
    env: { NO_COLOR: "1", INIT_CWD: project },
  }).output();
  assert.equal(cli.code, 0, new TextDecoder().decode(cli.stderr));
  assert.match(new TextDecoder().decode(cli.stdout), /--gain <number>/);
});
