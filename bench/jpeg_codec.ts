// The JPEG codec on a 12 MP photograph, one thread, in one interleaved run:
// imfilter's decoder and encoder with SIMD and in TypeScript, imagescript
// (the npm codec imfilter used before: WebAssembly decoder, native encoder),
// and Pillow (libjpeg-turbo, in a Python process kept open, timing itself)
// when a python3 with PIL is found. Each round runs every contender once, so
// all see the same machine load; cells are the median (min) of the rounds.
//
// The photograph: astronaut.png upscaled to 4000×3000 (bilinear) plus seeded
// noise, written as JPEG q90 4:2:0 by Pillow (decoded by everyone) and by
// imfilter (checked equal to Pillow's bytes).
//
//   deno run -A bench/jpeg_codec.ts [rounds=9]

import { Image } from "../core/image.ts";
import { withSimd } from "../engines/simd.ts";
import { decodeJpeg, encodeJpeg } from "../io/jpeg/mod.ts";
import { decodePng } from "../io/png.ts";
import { median } from "./_images.ts";

const rounds = Math.max(3, Number(Deno.args[0] ?? 9));
const W = 4000, H = 3000;

/** astronaut.png, bilinear to W×H, plus triangular noise of ±12 (a deterministic LCG). */
async function photo(): Promise<Image> {
  const png = Deno.readFileSync(new URL("../tests/fixtures/images/astronaut.png", import.meta.url));
  const src = await decodePng(png, 1e8), sw = src.width, sh = src.height, s = src.data;
  const out = new Uint8Array(W * H * 3);
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) / 65536;
  for (let y = 0; y < H; y++) {
    const fy = (y + 0.5) * sh / H - 0.5, y0 = Math.max(0, Math.floor(fy));
    const y1 = Math.min(sh - 1, y0 + 1), ty = fy - Math.floor(fy);
    for (let x = 0; x < W; x++) {
      const fx = (x + 0.5) * sw / W - 0.5, x0 = Math.max(0, Math.floor(fx));
      const x1 = Math.min(sw - 1, x0 + 1), tx = fx - Math.floor(fx);
      const n = (rnd() + rnd() + rnd() - 1.5) * 8;
      for (let c = 0; c < 3; c++) {
        const v =
          (s[(y0 * sw + x0) * 3 + c] * (1 - tx) + s[(y0 * sw + x1) * 3 + c] * tx) * (1 - ty) +
          (s[(y1 * sw + x0) * 3 + c] * (1 - tx) + s[(y1 * sw + x1) * 3 + c] * tx) * ty + n;
        out[(y * W + x) * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
  return new Image(W, H, 3, out);
}

/** A Python process with PIL answering "dec" / "enc" with its own timing in ms, or undefined. */
async function pillow(rgb: Uint8Array, jpeg: Uint8Array) {
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/photo.rgb`, rgb);
  await Deno.writeFile(`${dir}/photo.jpg`, jpeg);
  const script = `
import io, sys, time
from PIL import Image
raw = open(sys.argv[1] + "/photo.rgb", "rb").read()
img = Image.frombytes("RGB", (${W}, ${H}), raw)
jpg = open(sys.argv[1] + "/photo.jpg", "rb").read()
buf = io.BytesIO(); img.save(buf, "JPEG", quality=90)
open(sys.argv[1] + "/pil.jpg", "wb").write(buf.getvalue())
print("ready", flush=True)
for line in sys.stdin:
    t = time.perf_counter()
    if line.strip() == "dec":
        Image.open(io.BytesIO(jpg)).load()
    else:
        img.save(io.BytesIO(), "JPEG", quality=90)
    print((time.perf_counter() - t) * 1000, flush=True)
`;
  for (const python of [Deno.env.get("PYTHON"), "python3", "/usr/bin/python3"]) {
    if (!python) continue;
    try {
      const check = await new Deno.Command(python, { args: ["-c", "import PIL"], stderr: "null" })
        .output();
      if (!check.success) continue;
    } catch {
      continue;
    }
    const child = new Deno.Command(python, {
      args: ["-c", script, dir],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let pending = "";
    const line = async (): Promise<string> => {
      while (!pending.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) throw new Error("python exited");
        pending += value;
      }
      const i = pending.indexOf("\n"), l = pending.slice(0, i);
      pending = pending.slice(i + 1);
      return l;
    };
    await line(); // ready
    return {
      name: python,
      encoded: await Deno.readFile(`${dir}/pil.jpg`),
      async time(cmd: "dec" | "enc"): Promise<number> {
        await writer.write(new TextEncoder().encode(cmd + "\n"));
        return Number(await line());
      },
      async close(): Promise<void> {
        await writer.close();
        await child.status;
        await Deno.remove(dir, { recursive: true });
      },
    };
  }
  await Deno.remove(dir, { recursive: true });
  return undefined;
}

const img = await photo();
const ours = await encodeJpeg(img, { quality: 90 });
const pil = await pillow(img.data as Uint8Array, ours);
const same = pil
  ? pil.encoded.length === ours.length && pil.encoded.every((b, i) => b === ours[i])
  : undefined;
// deno-lint-ignore no-explicit-any
let is: any;
try {
  is = await import("imagescript");
} catch (e) {
  console.log(`imagescript unavailable (${String(e).split("\n")[0]})`);
}
const rgba = is ? new is.Image(W, H) : undefined;
if (rgba) {
  for (let i = 0; i < W * H; i++) {
    rgba.bitmap.set(img.data.subarray(i * 3, i * 3 + 3), i * 4);
    rgba.bitmap[i * 4 + 3] = 255;
  }
}
const input = pil?.encoded ?? ours;

const cells: Record<string, number[]> = {};
const time = async (key: string, fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  (cells[key] ??= []).push(performance.now() - t);
};
for (let r = 0; r < rounds; r++) {
  await time(
    "decode imfilter SIMD",
    () => withSimd(true, () => decodeJpeg(input, { maxPixels: 1e9 })),
  );
  await time(
    "decode imfilter TypeScript",
    () => withSimd(false, () => decodeJpeg(input, { maxPixels: 1e9 })),
  );
  if (is) await time("decode imagescript", () => is.Image.decode(input));
  if (pil) (cells["decode Pillow"] ??= []).push(await pil.time("dec"));
  await time("encode imfilter SIMD", () => withSimd(true, () => encodeJpeg(img, { quality: 90 })));
  await time(
    "encode imfilter TypeScript",
    () => withSimd(false, () => encodeJpeg(img, { quality: 90 })),
  );
  if (rgba) await time("encode imagescript", () => rgba.encodeJPEG(90));
  if (pil) (cells["encode Pillow"] ??= []).push(await pil.time("enc"));
}
await pil?.close();

console.log(
  `${W}×${H} RGB, JPEG q90 4:2:0 (${input.length} bytes), one thread, ${rounds} interleaved rounds`,
);
if (pil) console.log(`Pillow: ${pil.name}; imfilter's encoding equals Pillow's bytes: ${same}`);
console.log("| codec | median ms | min ms |\n|---|---|---|");
for (const [key, values] of Object.entries(cells)) {
  console.log(`| ${key} | ${median(values).toFixed(0)} | ${Math.min(...values).toFixed(0)} |`);
}
