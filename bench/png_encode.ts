// PNG encoding of a 12 MP photograph against OpenCV: `deno run -A bench/png_encode.ts
// [--rounds 7] [--source photo|astronaut] [--strategies]`.
//
// The picture is bench/photos.ts's photograph 0 (4000×3000 RGB: a smoothed,
// enlarged window of astronaut.png with grain and noise), or with
// `--source astronaut` astronaut.png enlarged without grain (a smooth
// picture). Each round times one cv2.imencode(".png") (a Python process kept
// open, bench/png_encode_cv2.py, one thread) and then one encodePng here, so
// load drifts hit both alike; the first encodePng is the cold one (kernel
// compilation included). It also times the two stages alone (row filtering,
// deflate of the filtered rows) and, with `--strategies`, the compressed
// size of single-filter choices against the per-row minimum-SAD choice.

import { parseArgs } from "node:util";
import { encodePng } from "../io/png.ts";
import { zlibDeflate } from "../io/deflate.ts";
import { filterRows } from "../io/png_filter.ts";
import { decodeImage, gaussian, Image, readImage } from "../mod.ts";
import { makePhoto, median } from "./_images.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "7" },
    source: { type: "string", default: "photo" },
    strategies: { type: "boolean", default: false },
  },
});
const repo = new URL("..", import.meta.url).pathname;
const cache = `${repo}bench/.cache/png_encode`;
Deno.mkdirSync(cache, { recursive: true });

async function picture(): Promise<Image> {
  const src = await readImage(`${repo}tests/fixtures/images/astronaut.png`);
  if (values.source === "photo") {
    const cached = `${repo}bench/.cache/photos/png/photo00.png`;
    try {
      return await decodeImage(await Deno.readFile(cached));
    } catch {
      return makePhoto(src, 0);
    }
  }
  // astronaut.png (512×512) enlarged to 4000×3000 by nearest neighbour, then smoothed.
  const big = Image.zeros(4000, 3000, 3, "u8");
  const s = src.data as Uint8Array, d = big.data as Uint8Array;
  for (let y = 0; y < 3000; y++) {
    for (let x = 0; x < 4000; x++) {
      const si = (Math.floor(y * 512 / 3000) * 512 + Math.floor(x * 512 / 4000)) * 3;
      d.set(s.subarray(si, si + 3), (y * 4000 + x) * 3);
    }
  }
  return gaussian(big, { sigma: 3 });
}

const img = await picture();
const raw = `${cache}/${values.source}.rgb`;
await Deno.writeFile(raw, img.data as Uint8Array);
const py = new Deno.Command(Deno.env.get("PYTHON") ?? "/usr/bin/python3", {
  args: [`${repo}bench/png_encode_cv2.py`, raw, String(img.width), String(img.height)],
  stdin: "piped",
  stdout: "piped",
}).spawn();
const writer = py.stdin.getWriter();
const lines = py.stdout.pipeThrough(new TextDecoderStream()).values();
let pending = "";
async function ask(cmd: string): Promise<Record<string, number | string>> {
  await writer.write(new TextEncoder().encode(cmd + "\n"));
  while (!pending.includes("\n")) {
    const { value, done } = await lines.next();
    if (done) throw new Error("cv2 process ended");
    pending += value;
  }
  const at = pending.indexOf("\n");
  const line = pending.slice(0, at);
  pending = pending.slice(at + 1);
  return JSON.parse(line);
}

const rounds = Math.max(2, Number(values.rounds));
const ours: number[] = [], theirs: number[] = [], ratios: number[] = [];
let ourBytes = 0, theirBytes = 0, cold = 0;
for (let r = 0; r < rounds; r++) {
  const cv = await ask("go");
  theirs.push(cv.ms as number);
  theirBytes = cv.bytes as number;
  const t = performance.now();
  const png = await encodePng(img);
  const ms = performance.now() - t;
  if (r === 0) cold = ms;
  else {
    ours.push(ms);
    ratios.push(ms / (cv.ms as number));
  }
  ourBytes = png.length;
}
await ask("write");
const cvFile = (await Deno.stat(`${raw}.cv2.png`)).size;
await writer.close();
await py.status;

// The stages alone, warm.
const filtered: Uint8Array[] = [];
const tf: number[] = [], td: number[] = [];
for (let r = 0; r < 3; r++) {
  filtered.length = 0;
  let t = performance.now();
  filterRows(img, (band) => filtered.push(band.slice()));
  tf.push(performance.now() - t);
  const all = new Uint8Array(filtered.reduce((s, b) => s + b.length, 0));
  filtered.reduce((at, b) => (all.set(b, at), at + b.length), 0);
  t = performance.now();
  zlibDeflate(all);
  td.push(performance.now() - t);
}
const rawBytes = img.data.length + img.height;
const f1 = (x: number) => x.toFixed(1);
console.log(`picture: ${values.source} ${img.width}x${img.height}x${img.channels} u8`);
console.log(
  `encodePng: cold ${f1(cold)} ms, warm median ${f1(median(ours))} ms (${ours.map(f1).join(", ")})`,
);
console.log(`cv2.imencode: median ${f1(median(theirs))} ms (${theirs.map(f1).join(", ")})`);
console.log(`ours / cv2, per round: median ${median(ratios).toFixed(2)}`);
console.log(
  `bytes: ours ${ourBytes}, cv2.imencode ${theirBytes}, cv2.imwrite ${cvFile} (ours/cv2 ${
    (ourBytes / cvFile).toFixed(3)
  })`,
);
console.log(
  `stages (warm, median of 3): filter ${f1(median(tf))} ms, deflate ${f1(median(td))} ms = ${
    f1(rawBytes / 1e3 / median(td))
  } MB/s of filtered rows`,
);

if (values.strategies) {
  // Single filters for every row (Sub is OpenCV's default) against the min-SAD choice.
  const { width: w, height: h } = img, stride = w * 3, d = img.data as Uint8Array;
  for (const [name, type] of [["none", 0], ["sub", 1], ["up", 2], ["paeth", 4]] as const) {
    const rows = new Uint8Array(h * (stride + 1));
    for (let y = 0; y < h; y++) {
      const o = y * (stride + 1), p = y * stride;
      rows[o] = type;
      for (let i = 0; i < stride; i++) {
        const a = i >= 3 ? d[p + i - 3] : 0, b = y > 0 ? d[p + i - stride] : 0;
        const c = i >= 3 && y > 0 ? d[p + i - stride - 3] : 0;
        let pred = 0;
        if (type === 1) pred = a;
        else if (type === 2) pred = b;
        else if (type === 4) {
          const q = a + b - c, pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        rows[o + 1 + i] = d[p + i] - pred;
      }
    }
    console.log(`only ${name}: ${zlibDeflate(rows).length} bytes deflated`);
  }
  const types = [0, 0, 0, 0, 0];
  filterRows(img, (band) => {
    for (let o = 0; o < band.length; o += stride + 1) types[band[o]]++;
  });
  console.log(`min-SAD rows by type (none, sub, up, average, paeth): ${types.join(", ")}`);
}
