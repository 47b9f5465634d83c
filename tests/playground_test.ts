// The playground's pure parts: the URL encoding of its state, and the
// "copy as CLI command" / "copy as code" texts — each run as a user would
// (the command through bash in a checkout, the snippet through deno) and
// compared byte for byte with the download the app makes for that state.
// The page itself is driven in Chromium by tests/playground/check.mjs.

import assert from "node:assert/strict";
import { join } from "node:path";
import { cliArgv } from "./_batch_util.ts";
import fc from "fast-check";
import {
  type ImageFormat,
  imageFormats,
  type ParamSpec,
  readImage,
  registerFilter,
  registry,
} from "../mod.ts";
import { brighten } from "../examples/plugins/brighten.ts";
import { cliCommand, codeSnippet, type CommandContext, shellWord } from "../playground/commands.ts";
import { encodeDownload, runSteps, toRGBA, viewImage } from "../playground/engine.ts";
import {
  DEFAULT_QUERY,
  formatQuery,
  parseCrop,
  parseQuery,
  type State,
  type Step,
} from "../playground/state.ts";

const root = new URL("..", import.meta.url).pathname;
registerFilter(brighten);

Deno.test("the URL query: globals first, each filter= starts a step, its params follow in order", () => {
  const s = parseQuery(
    "?image=astronaut&plugin=plugins/brighten.js&view=split&filter=gaussian&sigma=1.5" +
      "&filter=median&size=5x3&boundary=nearest&filter=brighten&gain=2",
  );
  assert.equal(s.image, "astronaut");
  assert.deepEqual(s.plugins, ["plugins/brighten.js"]);
  assert.equal(s.view, "split");
  assert.deepEqual(s.steps, [
    { filter: "gaussian", params: { sigma: "1.5" } },
    { filter: "median", params: { size: "5x3", boundary: "nearest" } },
    { filter: "brighten", params: { gain: "2" } },
  ]);
  // After a filter every key is that step's parameter, even a global's name.
  assert.deepEqual(parseQuery("filter=box&image=3").steps[0].params, { image: "3" });
  assert.deepEqual(parseQuery("image=camera&zoom=4").ignored, ["zoom"]);
  assert.deepEqual(parseQuery(""), parseQuery(DEFAULT_QUERY));
  assert.deepEqual(parseQuery("?image=camera").steps, []);
});

Deno.test("formatQuery keeps kernels and crops readable and round-trips any value", () => {
  const state: State = {
    image: "camera",
    plugins: ["https://example.com/p.js?v=1&x=2"],
    view: "side",
    steps: [
      { filter: "correlate", params: { kernel: "1,0,-1;2,0,-2;1,0,-1", anchor: "0,1" } },
      { filter: "match-template", params: { template: "crop:10,20,30,40" } },
    ],
    ignored: [],
  };
  assert.equal(
    formatQuery(state),
    "image=camera&plugin=https://example.com/p.js%3Fv%3D1%26x%3D2&filter=correlate" +
      "&kernel=1,0,-1;2,0,-2;1,0,-1&anchor=0,1&filter=match-template&template=crop:10,20,30,40",
  );
  assert.deepEqual(parseQuery(formatQuery(state)), state);
  assert.deepEqual(parseCrop("crop:10,20,30,40"), { x: 10, y: 20, width: 30, height: 40 });
  assert.equal(parseCrop("camera"), undefined);
  const text = fc.string({ unit: "binary", minLength: 1, maxLength: 12 });
  const key = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/).filter((k) => k !== "filter");
  fc.assert(
    fc.property(
      text,
      fc.array(text, { maxLength: 3 }),
      fc.array(
        fc.record({ filter: text, params: fc.dictionary(key, fc.string({ unit: "binary" })) }),
        { maxLength: 4 },
      ),
      (image, plugins, steps) => {
        fc.pre(image.trim() === image && steps.every((s) => s.filter.trim() === s.filter));
        fc.pre(plugins.every((p) => p.trim() === p) && new Set(plugins).size === plugins.length);
        const s: State = JSON.parse(
          JSON.stringify({ image, plugins, steps, view: "split", ignored: [] }),
        );
        assert.deepEqual(parseQuery(formatQuery(s)), s);
      },
    ),
    { seed: 19, numRuns: 300 },
  );
});

Deno.test("shell words are quoted only when they need it", () => {
  assert.equal(shellWord("tests/fixtures/images/camera.png"), "tests/fixtures/images/camera.png");
  assert.equal(shellWord("1,0,1;0,1,0"), "'1,0,1;0,1,0'");
  assert.equal(shellWord("it's"), `'it'\\''s'`);
  assert.equal(shellWord("-3.5"), "-3.5");
});

Deno.test("the drawn picture: gray, gray+alpha, RGB and RGBA to RGBA; u16 /257; f32 stretched", () => {
  const gray = { width: 2, height: 1, channels: 2, data: new Uint8Array([10, 200, 30, 40]) };
  assert.deepEqual(
    Array.from(toRGBA(gray as never)),
    [10, 10, 10, 200, 30, 30, 30, 40],
  );
  const rgb = { width: 1, height: 1, channels: 3, data: new Uint8Array([1, 2, 3]) };
  assert.deepEqual(Array.from(toRGBA(rgb as never)), [1, 2, 3, 255]);
  const u16 = viewImage(
    {
      width: 2,
      height: 1,
      channels: 1,
      data: new Uint16Array([65535, 128]),
      dtype: "u16",
    } as never,
  );
  assert.deepEqual(Array.from(u16.data), [255, 0]);
});

// -- copy as CLI command / copy as code produce the app's download ------------------------------

interface Case {
  name: string;
  image: string;
  steps: Step[];
  format: ImageFormat;
  plugins?: { spec: string; exports: string[] }[];
}

const CASES: Case[] = [
  {
    name: "gaussian",
    image: "camera",
    steps: [{ filter: "gaussian", params: { sigma: "2" } }],
    format: "png",
  },
  {
    name: "pipeline",
    image: "astronaut",
    steps: [
      { filter: "gaussian", params: { sigma: "1.5", boundary: "nearest" } },
      { filter: "median", params: { size: "3" } },
      { filter: "correlate", params: { kernel: "0,-1,0;-1,5,-1;0,-1,0", anchor: "1,1" } },
    ],
    format: "png",
  },
  {
    name: "float result, stretched for PNG",
    image: "camera",
    steps: [{ filter: "sobel", params: { output: "x", dtype: "f32" } }],
    format: "png",
  },
  {
    name: "float result, exact in .npy; a boolean switched off",
    image: "camera",
    steps: [{ filter: "box", params: { size: "5x3", normalize: "false", dtype: "f32" } }],
    format: "npy",
  },
  {
    name: "plugin",
    image: "camera",
    steps: [{ filter: "median", params: { size: "3" } }, {
      filter: "brighten",
      params: { gain: "1.5" },
    }],
    format: "png",
    plugins: [{ spec: "examples/plugins/brighten.ts", exports: ["brighten"] }],
  },
  {
    name: "a crop as the template",
    image: "camera",
    steps: [{ filter: "match-template", params: { template: "crop:250,90,40,32", count: "2" } }],
    format: "npy",
  },
];

// The `imfilter` task's own `deno run` flags (cliArgv without the "run" and the entry point).
const CLI_FLAGS = cliArgv().filter((w) => w.startsWith("--"));

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: root,
    env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  assert.equal(out.code, 0, `${cmd} ${args.join(" ")}: ${text(out.stderr)}`);
  return text(out.stdout);
}

for (const c of CASES) {
  Deno.test(`copy as CLI command and as code write the app's bytes: ${c.name}`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "imfilter-playground-" });
    const input = await readImage(join(root, "tests/fixtures/images", `${c.image}.png`));
    // The app: crops of the input for image params, strings for the rest (engine.ts).
    const steps = c.steps.map((s) => ({
      filter: s.filter,
      params: Object.fromEntries(
        Object.entries(s.params).map(([k, v]) => {
          const crop = parseCrop(v);
          return [k, crop ? input.crop(crop.x, crop.y, crop.width, crop.height) : v];
        }),
      ),
    }));
    const result = await runSteps(input, steps);
    const app = await encodeDownload(result.image!, c.format);
    const ext = imageFormats().find((f) => f.format === c.format)!.extensions[0];
    const ctx = (output: string): CommandContext => ({
      input: `tests/fixtures/images/${c.image}.png`,
      output,
      stretch: app.stretched,
      plugins: c.plugins ?? [],
      specs: (f) => registry.get(f).params as Record<string, ParamSpec>,
      imagePath: (param) => join(dir, `${param}.png`),
    });
    // Crops are saved by the app's "save <param>.png" button: the crop as PNG.
    for (const s of steps) {
      for (const [k, v] of Object.entries(s.params)) {
        if (typeof v !== "string") {
          await Deno.writeFile(join(dir, `${k}.png`), (await encodeDownload(v, "png")).bytes);
        }
      }
    }
    const cliOut = join(dir, `cli${ext}`);
    const command = cliCommand(c.steps, ctx(cliOut))!;
    assert.match(command, c.steps.length > 1 ? /^imfilter pipe / : /^imfilter [a-z-]+ /);
    const deno = Deno.execPath();
    await run("bash", [
      "-c",
      `imfilter() { ${shellWord(deno)} run ${CLI_FLAGS.join(" ")} cli/main.ts "$@"; }; ${command}`,
    ], { INIT_CWD: root });
    assert.deepEqual(await Deno.readFile(cliOut), app.bytes, command);

    const codeOut = join(dir, `code${ext}`);
    const snippet = join(root, `playground-snippet.tmp-${crypto.randomUUID()}.ts`);
    const map = join(dir, "import_map.json");
    await Deno.writeTextFile(
      map,
      JSON.stringify({ imports: { "@imfilter/imfilter": join(root, "mod.ts") } }),
    );
    await Deno.writeTextFile(snippet, codeSnippet(c.steps, ctx(codeOut))!);
    try {
      await run(deno, ["run", "--allow-read", "--allow-write", "--import-map", map, snippet]);
    } finally {
      await Deno.remove(snippet);
    }
    assert.deepEqual(await Deno.readFile(codeOut), app.bytes, codeSnippet(c.steps, ctx(codeOut)));
    await Deno.remove(dir, { recursive: true });
  });
}
