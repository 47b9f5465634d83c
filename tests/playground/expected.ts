// The pixels the playground must draw for the states of states.json,
// computed here from the library directly (not through the app's code):
// one step through registry.run, several through runPipeline (what the CLI
// does), then drawn as the playground documents it —
//
//   u8 as it is; u16 as round(v / 257); f32 stretched (Image.stretchToU8:
//   min..max onto 0..255, the CLI's --stretch); then RGBA: gray g → (g, g, g,
//   255), gray+alpha (g, a) → (g, g, g, a), RGB → (r, g, b, 255), RGBA as it is.
//
// Prints one JSON line: { states: { name: { width, height, sha256, npy, pngSamples } },
// filters: { name: [param names] } } (every registered built-in, for the form
// check; npy: the SHA-256 of the .npy download; pngSamples: of the samples a
// PNG download holds — float results stretched, as the CLI's --stretch). With
// --out DIR, also writes each state's RGBA bytes to DIR/<i>.rgba.
//
//   deno run --allow-read [--allow-write=DIR] tests/playground/expected.ts [--out DIR]

import { parseArgs } from "node:util";
import { join } from "node:path";
import {
  type AnyPlugin,
  checkPlugin,
  encodeImage,
  type Image,
  isBranded,
  readImage,
  registerFilter,
  registry,
  runPipeline,
} from "../../mod.ts";

interface State {
  name: string;
  image: string;
  plugin?: string;
  steps: { filter: string; params: Record<string, unknown> }[];
}

const root = new URL("../../", import.meta.url);
const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string" } } });
const builtins = registry.names();
const { states } = JSON.parse(
  await Deno.readTextFile(new URL("tests/playground/states.json", root)),
) as { states: State[] };

function rgba(image: Image): Uint8Array {
  let px: ArrayLike<number> = image.data;
  if (image.dtype === "f32") px = image.stretchToU8().data;
  else if (image.dtype === "u16") px = Array.from(image.data, (v) => Math.round(v / 257));
  const n = image.width * image.height, ch = image.channels;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const gray = ch <= 2;
    out[4 * i] = px[i * ch];
    out[4 * i + 1] = gray ? px[i * ch] : px[i * ch + 1];
    out[4 * i + 2] = gray ? px[i * ch] : px[i * ch + 2];
    out[4 * i + 3] = ch === 2 ? px[i * ch + 1] : ch === 4 ? px[i * ch + 3] : 255;
  }
  return out;
}

const hex = (d: Uint8Array) => Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
const result: Record<string, Record<string, string | number>> = {};
for (const [i, s] of states.entries()) {
  if (s.plugin) {
    const mod = await import(new URL(s.plugin, root).href);
    for (const v of Object.values(mod)) {
      if (isBranded(v)) registerFilter(checkPlugin(v) as AnyPlugin);
    }
  }
  const input = await readImage(new URL(`tests/fixtures/images/${s.image}.png`, root).pathname);
  const image = s.steps.length === 1
    ? (await registry.run(s.steps[0].filter, input, s.steps[0].params)).image!
    : (await runPipeline(input, s.steps)).image;
  const bytes = rgba(image);
  // Downloads: .npy holds the result exactly; PNG holds it, or (f32) its stretch, as --stretch.
  const npy = await encodeImage(image, "npy");
  const png = image.dtype === "f32" ? image.stretchToU8() : image;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  result[s.name] = {
    width: image.width,
    height: image.height,
    sha256: hex(digest),
    npy: hex(new Uint8Array(await crypto.subtle.digest("SHA-256", npy))),
    pngSamples: hex(new Uint8Array(await crypto.subtle.digest("SHA-256", png.data))),
  };
  if (values.out) await Deno.writeFile(join(values.out, `${i}.rgba`), bytes);
}
const filters = Object.fromEntries(
  builtins.map((n) => [n, Object.keys(registry.get(n).params)]),
);
console.log(JSON.stringify({ states: result, filters }));
