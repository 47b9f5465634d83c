/**
 * The decoding memory budget (`maxBytes`, `--max-bytes`): the tiny-file
 * bombs of issue 18 run through the CLI in a subprocess, each ending in a
 * one-line error within 10 s and 600 MB peak RSS; every format refuses a
 * small file under a tiny budget before decoding and decodes it under a
 * generous one; `--max-bytes` units; the f32 working copy counts too.
 */

import * as assert from "node:assert/strict";
import { join } from "node:path";
import {
  decodeImage,
  DEFAULT_MAX_BYTES,
  encodeImage,
  FilterError,
  Image,
  readImage,
  writeImage,
} from "../mod.ts";
import { pngChunk } from "../io/png.ts";
import { concatBytes as concat } from "../io/zlib.ts";
import { parseByteSize } from "../cli/args.ts";
import { cleanEnv, cliArgv } from "./_batch_util.ts";

const IO = new URL("./fixtures/io/", import.meta.url).pathname;

/**
 * A valid `side`×`side` 8-bit gray PNG whose rows are all zero (filter 0),
 * deflated by streaming one reused block of zeros: the test never holds
 * the raw image.
 */
async function zeroPng(side: number): Promise<Uint8Array> {
  const total = side * (side + 1);
  const block = new Uint8Array(1 << 20);
  let left = total;
  const zeros = new ReadableStream<BufferSource>({
    pull(controller) {
      if (left === 0) return controller.close();
      const n = Math.min(left, block.length);
      left -= n;
      controller.enqueue(block.subarray(0, n));
    },
  });
  const parts: Uint8Array[] = [];
  for await (const part of zeros.pipeThrough(new CompressionStream("deflate"))) parts.push(part);
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, side);
  view.setUint32(4, side);
  ihdr[8] = 8; // bit depth; colour type 0 (gray), no interlace
  return concat([
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", concat(parts)),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
}

/** A 368-byte baseline JPEG whose SOF claims 32768×32768 gray; the scan is zeros. */
function hugeJpeg(): Uint8Array {
  const seg = (marker: number, body: number[]) => [
    0xff,
    marker,
    (body.length + 2) >> 8,
    (body.length + 2) & 255,
    ...body,
  ];
  const oneCode = (tc: number) => [tc << 4, 1, ...new Array(15).fill(0), 0]; // one 1-bit code: symbol 0
  const head = [
    0xff,
    0xd8,
    ...seg(0xdb, [0, ...new Array(64).fill(1)]),
    ...seg(0xc0, [8, 0x80, 0x00, 0x80, 0x00, 1, 1, 0x11, 0]),
    ...seg(0xc4, oneCode(0)),
    ...seg(0xc4, oneCode(1)),
    ...seg(0xda, [1, 1, 0x00, 0, 63, 0]),
  ];
  const out = new Uint8Array(368);
  out.set(head);
  out[366] = 0xff;
  out[367] = 0xd9;
  return out;
}

/** A 35-byte GIF whose screen and frame claim 16000×16000. */
function hugeGif(): Uint8Array {
  const w = [16000 & 255, 16000 >> 8];
  return new Uint8Array([
    ...new TextEncoder().encode("GIF89a"),
    ...w,
    ...w,
    0x80, // global colour table of 2 entries
    0,
    0,
    0,
    0,
    0,
    255,
    255,
    255,
    0x2c,
    0,
    0,
    0,
    0,
    ...w,
    ...w,
    0,
    2, // LZW minimum code size
    2,
    0x44,
    0x01,
    0,
    0x3b,
  ]);
}

/** The peak RSS in MB of a process run with `/usr/bin/time -v`, or by polling /proc. */
async function runMeasured(
  args: string[],
): Promise<{ code: number; stderr: string; ms: number; peakMb: number }> {
  const timed = (() => {
    try {
      return Deno.statSync("/usr/bin/time").isFile;
    } catch {
      return false;
    }
  })();
  const t0 = performance.now();
  if (timed) {
    const out = await new Deno.Command("/usr/bin/time", {
      args: ["-v", Deno.execPath(), ...args],
      env: cleanEnv(),
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).output();
    const ms = performance.now() - t0;
    const text = new TextDecoder().decode(out.stderr);
    const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1]);
    assert.ok(kb > 0, `no peak RSS in: ${text.slice(-400)}`);
    const stderr = text.split("\n").filter((l) => !/^\t|^\s*Command (being timed|exited)/.test(l))
      .join("\n").trim();
    return { code: out.code, stderr, ms, peakMb: kb / 1024 };
  }
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: cleanEnv(),
    clearEnv: true,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const s = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0));
    } catch { /* exited */ }
  }, 10);
  const out = await child.output();
  clearInterval(timer);
  const ms = performance.now() - t0;
  return {
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr).trim(),
    ms,
    peakMb: peak / 1024,
  };
}

const BOMBS: { name: string; make: () => Uint8Array | Promise<Uint8Array>; want: RegExp }[] = [
  { name: "bomb.jpg", make: hugeJpeg, want: /DECODE_FAILED.*32768x32768.*truncated or corrupt/ },
  { name: "bomb.gif", make: hugeGif, want: /DECODE_FAILED.*cannot hold 16000x16000/ },
  {
    name: "bomb.png",
    make: () => zeroPng(30000),
    want: /IMAGE_TOO_LARGE.*30000x30000x1 u8 needs 900000000 bytes.*512 MiB.*--max-bytes/,
  },
];

for (const bomb of BOMBS) {
  Deno.test(`bomb ${bomb.name}: a one-line error through the CLI within 10 s and 600 MB`, async () => {
    const dir = await Deno.makeTempDir();
    const input = join(dir, bomb.name), output = join(dir, "out.png");
    const bytes = await bomb.make();
    await Deno.writeFile(input, bytes);
    const r = await runMeasured([...cliArgv(), "gaussian", input, output, "--sigma", "1"]);
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], bomb.want);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.ms < 10_000, `${bomb.name}: ${r.ms.toFixed(0)} ms`);
    assert.ok(r.peakMb < 600, `${bomb.name}: peak ${r.peakMb.toFixed(0)} MB`);
    assert.throws(() => Deno.statSync(output));
    console.log(
      `${bomb.name} (${bytes.length} bytes): ${r.ms.toFixed(0)} ms, peak ${r.peakMb.toFixed(0)} MB`,
    );
  });
}

Deno.test("the 875 KB PNG bomb is a legal image: under a 1G budget it decodes (all zeros) at the image plus a constant; --dtype f32 is refused", async () => {
  const png = await zeroPng(30000);
  assert.ok(png.length < 1_000_000, `${png.length} bytes`);
  const dir = await Deno.makeTempDir();
  const input = join(dir, "bomb.png");
  await Deno.writeFile(input, png);
  // The library decode, alone in a process: the streaming decoder holds the file, the
  // 900 MB image and a few rows (plus inflate output the GC has not yet freed), never the
  // whole 900 MB inflated stream besides (1.8 GB before, measured 1.1 GB now).
  const script = join(dir, "decode.ts");
  await Deno.writeTextFile(
    script,
    `import { readImage } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
const img = await readImage(${JSON.stringify(input)}, { maxBytes: 2 ** 30 });
if (img.width !== 30000 || img.height !== 30000 || img.channels !== 1) throw new Error("size");
if (img.data.some((v) => v !== 0)) throw new Error("not all zeros");
console.error("decoded");
`,
  );
  const d = await runMeasured(["run", "--allow-read", script]);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(d.stderr, "decoded");
  assert.ok(d.peakMb < 1.5 * (900 / 1.048576) + 100, `decode peak ${d.peakMb.toFixed(0)} MB`);
  console.log(`30000² PNG decoded: ${d.ms.toFixed(0)} ms, peak ${d.peakMb.toFixed(0)} MB`);
  // 900 MB of image fits 1G; its f32 copy (3.6 GB) does not: refused before filtering.
  const r = await runMeasured([
    ...cliArgv(),
    "gaussian",
    input,
    join(dir, "out.npy"),
    "--sigma",
    "1",
    "--dtype",
    "f32",
    "--max-bytes",
    "1G",
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^error\[IMAGE_TOO_LARGE\]: .*as float32.*3600000000 bytes.*--max-bytes/);
  assert.equal(r.stderr.split("\n").length, 1, r.stderr);
  assert.throws(() => Deno.statSync(join(dir, "out.npy")));
});

/** One small file of each format: its bytes and decoded size in bytes. */
async function smallFiles(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const rgb = new Image(5, 4, 3, new Uint8Array(60).map((_, i) => i * 4));
  const files = [
    { name: "png", bytes: await encodeImage(rgb, "png") },
    { name: "png16", bytes: await encodeImage(Image.zeros(5, 4, 3, "u16"), "png") },
    { name: "jpeg", bytes: await encodeImage(rgb, "jpeg") },
    { name: "webp", bytes: await encodeImage(rgb, "webp", { lossless: true }) },
    { name: "avif", bytes: await encodeImage(rgb, "avif", { lossless: true }) },
    { name: "npy", bytes: await encodeImage(Image.zeros(5, 4, 3, "f32"), "npy") },
    { name: "bmp", bytes: await encodeImage(rgb, "bmp") },
    { name: "netpbm", bytes: await encodeImage(rgb, "netpbm") },
  ];
  for (const f of ["opaque.gif", "gray16.tif", "float.tif", "rgba_interlaced.png"]) {
    files.push({ name: f, bytes: Deno.readFileSync(join(IO, f)) });
  }
  return files;
}

Deno.test("every format: a tiny maxBytes refuses a small file before decoding, a generous one decodes it", async () => {
  for (const { name, bytes } of await smallFiles()) {
    const img = await decodeImage(bytes);
    const size = img.data.byteLength;
    // Exactly the decoded size is enough; one byte less is refused, naming sizes and flag.
    const ok = await decodeImage(bytes, { maxBytes: size });
    assert.deepEqual(ok.data, img.data, name);
    let err: unknown;
    try {
      await decodeImage(bytes, { maxBytes: size - 1 });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof FilterError, `${name}: ${err}`);
    assert.equal(err.code, "IMAGE_TOO_LARGE", `${name}: ${err.message}`);
    assert.match(
      err.message,
      new RegExp(`needs ${size} bytes.*over the ${size - 1} bytes.*--max-bytes`),
    );
    assert.ok(!/\n/.test(err.message));
    await assert.rejects(decodeImage(bytes, { maxBytes: 0 }), /maxBytes/);
  }
});

Deno.test("readImage passes maxBytes and names the path; the default is 512 MiB", async () => {
  assert.equal(DEFAULT_MAX_BYTES, 512 * 2 ** 20);
  const path = join(await Deno.makeTempDir(), "x.png");
  await writeImage(path, Image.zeros(10, 10, 1, "u8"));
  await assert.rejects(
    readImage(path, { maxBytes: 99 }),
    (e: FilterError) => e.code === "IMAGE_TOO_LARGE" && e.message.startsWith(path),
  );
  assert.equal((await readImage(path, { maxBytes: 100 })).width, 10);
  // A file larger than twice the budget (plus 64 MiB of slack) is refused before it is read.
  const big = join(await Deno.makeTempDir(), "big.npy");
  await Deno.writeFile(big, new Uint8Array((1 << 26) + 2049));
  await assert.rejects(
    readImage(big, { maxBytes: 1024 }),
    (e: FilterError) => e.code === "IMAGE_TOO_LARGE" && /memory budget/.test(e.message),
  );
});

Deno.test("--max-bytes units", () => {
  assert.equal(parseByteSize("512M"), 512 * 2 ** 20);
  assert.equal(parseByteSize("512MiB"), 512 * 2 ** 20);
  assert.equal(parseByteSize("2g"), 2 * 2 ** 30);
  assert.equal(parseByteSize("1.5GiB"), 1.5 * 2 ** 30);
  assert.equal(parseByteSize("2GB"), 2e9);
  assert.equal(parseByteSize("100k"), 102400);
  assert.equal(parseByteSize("3000"), 3000);
  assert.equal(parseByteSize("1T"), 2 ** 40);
  for (const bad of ["", "0", "-1M", "1X", "M", "1e9", "0.1"]) {
    assert.throws(() => parseByteSize(bad), /--max-bytes must be a byte count/, bad);
  }
});

Deno.test("CLI: --max-bytes reaches filters, pipe, batch and image-valued params", async () => {
  const dir = await Deno.makeTempDir();
  const img = join(dir, "in.png"), tpl = join(dir, "tpl.png");
  await writeImage(img, Image.zeros(64, 64, 1, "u8"));
  await writeImage(tpl, Image.zeros(8, 8, 1, "u8"));
  const run = async (args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [...cliArgv(), ...args],
      env: cleanEnv(),
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr).trim() };
  };
  const cases: [string[], RegExp][] = [
    [
      ["gaussian", img, join(dir, "a.png"), "--sigma", "1", "--max-bytes", "4000"],
      /in\.png.*64x64x1 u8/,
    ],
    [
      ["pipe", img, join(dir, "b.png"), "--max-bytes", "4095", "--", "gaussian", "--sigma", "1"],
      /in\.png/,
    ],
    [
      ["match-template", img, join(dir, "c.json"), "--template", tpl, "--max-bytes", "63"],
      /tpl\.png.*8x8x1/,
    ],
    [[
      "batch",
      img,
      "--out-dir",
      join(dir, "o"),
      "--max-bytes",
      "1K",
      "--",
      "gaussian",
      "--sigma",
      "1",
    ], /IMAGE_TOO_LARGE/],
    // The image fits (4096 bytes) but its f32 copy (16384) does not.
    [
      ["gaussian", img, join(dir, "d.npy"), "--sigma", "1", "--dtype", "f32", "--max-bytes", "8K"],
      /as float32/,
    ],
  ];
  for (const [args, want] of cases) {
    const r = await run(args);
    assert.notEqual(r.code, 0, args.join(" "));
    assert.match(r.stderr, want, args.join(" "));
    assert.match(r.stderr, /IMAGE_TOO_LARGE/, args.join(" "));
  }
  assert.equal(
    (await run([
      "gaussian",
      img,
      join(dir, "e.npy"),
      "--sigma",
      "1",
      "--dtype",
      "f32",
      "--max-bytes",
      "16K",
    ])).code,
    0,
  );
  const bad = await run([
    "gaussian",
    img,
    join(dir, "f.png"),
    "--sigma",
    "1",
    "--max-bytes",
    "lots",
  ]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--max-bytes must be a byte count/);
});
