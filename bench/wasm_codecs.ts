// `deno task bench:codecs`: the WebAssembly codecs (WebP, AVIF; io/vendor/)
// in Deno, one thread:
//
// - first call of each codec in a fresh process (loading: the dynamic import
//   of the glue and the base64 module, decoding the base64, compiling and
//   instantiating the WebAssembly), on a small image, median of 3 processes;
//   with V8's default tiers and with --no-liftoff (the CLI's flag);
// - decode and encode of a generated 12 MP photograph (4000×3000 RGB: the
//   bundled astronaut photo enlarged, with seeded sensor-like noise) as WebP
//   q90 and AVIF q60 (speed 6), median of N runs after a warm-up call.
//
//   deno task bench:codecs [runs]        # default 3 runs

import { decodeImage, encodeImage, Image, readImage } from "../mod.ts";
import { median } from "./_images.ts";

const args = Deno.args;
if (args[0] === "--first") {
  // Child: one codec's first call.
  const [, format, op] = args;
  const small = await photo(64, 48);
  const bytes = op === "decode" ? Deno.readFileSync(args[3]) : undefined;
  const t = performance.now();
  if (bytes) await decodeImage(bytes);
  else {await encodeImage(small, format as "webp" | "avif", {
      quality: format === "webp" ? 90 : 60,
    });}
  console.log(JSON.stringify({ ms: performance.now() - t }));
  Deno.exit(0);
}

/** The astronaut photograph enlarged (bilinear) to `w`×`h`, plus seeded Gaussian noise σ = 3. */
async function photo(w: number, h: number): Promise<Image> {
  const src = await readImage(
    new URL("../tests/fixtures/images/astronaut.png", import.meta.url).pathname,
  );
  const out = new Uint8Array(w * h * 3);
  const sh = Math.round((src.width * h) / w); // the central crop with the target's aspect
  const y0 = (src.height - sh) >> 1;
  let s = 20261207;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 4294967296;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(sh - 1.001, Math.max(0, ((y + 0.5) * sh) / h - 0.5));
    const iy = Math.floor(fy), dy = fy - iy;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(src.width - 1.001, Math.max(0, ((x + 0.5) * src.width) / w - 0.5));
      const ix = Math.floor(fx), dx = fx - ix;
      const noise = 3 * Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => src.data[((y0 + yy) * src.width + xx) * 3 + c];
        const v = (at(iy, ix) * (1 - dx) + at(iy, ix + 1) * dx) * (1 - dy) +
          (at(iy + 1, ix) * (1 - dx) + at(iy + 1, ix + 1) * dx) * dy;
        out[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v + noise)));
      }
    }
  }
  return new Image(w, h, 3, out);
}

const runs = Number(args[0] ?? 3);
const fixtures = new URL("../tests/fixtures/io/", import.meta.url).pathname;

// 1. First calls, each in a fresh process.
console.log("first call in a fresh process (ms, median of 3):");
for (const flags of [[], ["--v8-flags=--no-liftoff"]]) {
  const cells: string[] = [];
  for (
    const [format, op, file] of [
      ["webp", "decode", "webp/lossy.webp"],
      ["webp", "encode", ""],
      ["avif", "decode", "avif/rgb8.avif"],
      ["avif", "encode", ""],
    ]
  ) {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          ...flags,
          "--allow-read",
          new URL(import.meta.url).pathname,
          "--first",
          format,
          op,
          fixtures + file,
        ],
        stderr: "inherit",
      }).output();
      times.push(JSON.parse(new TextDecoder().decode(out.stdout)).ms);
    }
    cells.push(`${format} ${op} ${median(times).toFixed(0)}`);
  }
  console.log(`  ${flags.join(" ") || "default tiers"}: ${cells.join(", ")}`);
}

// 2. 12 MP.
const img = await photo(4000, 3000);
console.log(
  `12 MP photograph ${img.width}x${img.height} RGB, median of ${runs} runs after a warm-up:`,
);
for (const [format, quality] of [["webp", 90], ["avif", 60]] as const) {
  const enc: number[] = [], dec: number[] = [];
  let bytes = await encodeImage(img, format, { quality });
  await decodeImage(bytes);
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    bytes = await encodeImage(img, format, { quality });
    enc.push(performance.now() - t);
    t = performance.now();
    await decodeImage(bytes);
    dec.push(performance.now() - t);
  }
  console.log(
    `  ${format} q${quality}: ${(bytes.length / 1e6).toFixed(2)} MB; encode ${
      median(enc).toFixed(0)
    } ms ` +
      `(${enc.map((v) => v.toFixed(0)).join(", ")}), decode ${median(dec).toFixed(0)} ms ` +
      `(${dec.map((v) => v.toFixed(0)).join(", ")})`,
  );
}
