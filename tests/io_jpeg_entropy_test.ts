// The WebAssembly Huffman decoder of sequential JPEG scans
// (io/jpeg/entropy_decode.wat and .ts) against the TypeScript one
// (io/jpeg/entropy.ts): on every fixture, on large noisy files, on restart
// markers with bytes before them, and on mutated and cut files, both paths
// give the same pixels or the same one-line error, message included. Each
// runs with the usual 64 KiB window of entropy-coded bytes and with the
// smallest the decoder allows (window refills at every few MCUs).
// Size: IMFILTER_FUZZ_RUNS (default 300; deno task fuzz runs 7500) and
// IMFILTER_FUZZ_SEED.

import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { FilterError } from "../core/errors.ts";
import { Image } from "../core/image.ts";
import { simdSupported, withSimd } from "../engines/simd.ts";
import { decodeJpeg, encodeJpeg } from "../io/jpeg/mod.ts";
import { setEntropyWindow } from "../io/jpeg/entropy_decode.ts";
import { simdPixelKernels } from "../io/jpeg/jpeg_simd.ts";
import { seededRandom } from "../testing.ts";

const DIR = new URL("./fixtures/io/jpeg/", import.meta.url).pathname;
const read = (name: string) => Deno.readFileSync(join(DIR, name));
const RUNS = Number(Deno.env.get("IMFILTER_FUZZ_RUNS") ?? 300);
const SEED = Number(Deno.env.get("IMFILTER_FUZZ_SEED") ?? 20261207);
/** Window sizes: the default, and 1 (the decoder raises it to what one MCU may need). */
const WINDOWS = [1 << 16, 1];

/** What decoding gives: the pixels, or the error's code and message. */
async function outcome(bytes: Uint8Array, simd: boolean): Promise<Image | string> {
  try {
    return await withSimd(simd, () => decodeJpeg(bytes, { maxPixels: 1e8 }));
  } catch (e) {
    if (!(e instanceof FilterError)) return `not a FilterError: ${e}`;
    assert.ok(!e.message.includes("\n"), e.message);
    return `${e.code}: ${e.message}`;
  }
}

/** Decodes with the WebAssembly and the TypeScript Huffman decoder and requires the same result. */
async function same(bytes: Uint8Array, what: string, window = WINDOWS[0]): Promise<string> {
  const before = setEntropyWindow(window);
  try {
    const wasm = await outcome(bytes, true), ts = await outcome(bytes, false);
    if (typeof wasm === "string" || typeof ts === "string") {
      assert.equal(wasm, ts, `${what} (window ${window})`);
      assert.ok(!String(wasm).startsWith("not a"), `${what}: ${wasm}`);
      return String(wasm).split(":")[0];
    }
    assert.deepEqual(
      [wasm.width, wasm.height, wasm.channels],
      [ts.width, ts.height, ts.channels],
      what,
    );
    const a = wasm.data, b = ts.data;
    let first = -1;
    for (let i = 0; i < a.length && first < 0; i++) if (a[i] !== b[i]) first = i;
    assert.equal(first, -1, `${what} (window ${window}): first difference at sample ${first}`);
    return "image";
  } finally {
    setEntropyWindow(before);
  }
}

/** A noisy image encoded by imfilter: long codes, many FF bytes, a file larger than the window. */
async function noisy(
  w: number,
  h: number,
  channels: number,
  quality: number,
  subsampling: "4:2:0" | "4:4:4",
  seed: number,
): Promise<Uint8Array> {
  const next = seededRandom(seed);
  const data = new Uint8Array(w * h * channels);
  for (let i = 0; i < data.length; i++) {
    const x = Math.floor(i / channels) % w;
    data[i] = (x * 3 + Math.floor(next() * 96)) & 255;
  }
  return await encodeJpeg(new Image(w, h, channels, data), { quality, subsampling });
}

/** The offsets of the markers FFD0–FFD7 in a file. */
function restarts(bytes: Uint8Array): number[] {
  const at: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] >= 0xd0 && bytes[i + 1] <= 0xd7) at.push(i);
  }
  return at;
}

/** `bytes` with `insert` put at offset `at`. */
function splice(bytes: Uint8Array, at: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at), at + insert.length);
  return out;
}

Deno.test("the WebAssembly Huffman decoder is there when SIMD is (so these tests compare two paths)", () => {
  if (!simdSupported()) return;
  assert.equal(typeof withSimd(true, () => simdPixelKernels(1 << 16))?.huffman, "function");
});

Deno.test("WebAssembly and TypeScript Huffman decoding agree on every fixture, good or bad", async () => {
  const names = [...Deno.readDirSync(DIR)].map((e) => e.name).filter((n) => n.endsWith(".jpg"));
  assert.ok(names.length >= 60, `${names.length} fixtures`);
  const seen = new Set<string>();
  for (const window of WINDOWS) {
    for (const name of names.sort()) seen.add(await same(read(name), name, window));
  }
  assert.ok(seen.has("image") && seen.has("DECODE_FAILED"), `${[...seen]}`);
});

Deno.test("they agree on large noisy files, whole, cut and cut with FFD9 appended", async () => {
  const files = [
    await noisy(301, 203, 3, 100, "4:4:4", 1),
    await noisy(640, 480, 3, 95, "4:2:0", 2),
    await noisy(333, 257, 1, 100, "4:2:0", 3),
    await noisy(97, 1500, 3, 90, "4:2:0", 4),
  ];
  for (const [f, bytes] of files.entries()) {
    assert.ok(bytes.length > 70_000 || f === 3, `file ${f}: ${bytes.length} bytes`);
    for (const window of WINDOWS) {
      assert.equal(await same(bytes, `noisy ${f}`, window), "image");
      for (const cut of [bytes.length - 3, bytes.length >> 1, 700]) {
        const eoi = splice(bytes.subarray(0, cut), cut, new Uint8Array([0xff, 0xd9]));
        assert.equal(
          await same(bytes.subarray(0, cut), `noisy ${f} cut at ${cut}`, window),
          "DECODE_FAILED",
        );
        assert.equal(await same(eoi, `noisy ${f} cut at ${cut} + FFD9`, window), "DECODE_FAILED");
      }
    }
  }
});

Deno.test("they agree on restart markers after skipped bytes (also past the window), misnumbered or missing", async () => {
  for (const name of ["restart_rows.jpg", "restart_blocks.jpg"]) {
    const bytes = read(name), rst = restarts(bytes);
    assert.ok(rst.length >= 2, name);
    for (const window of WINDOWS) {
      // Bytes before a marker are skipped (as libjpeg does): short runs, and runs longer than the window.
      for (const n of [1, 7, 700, 5000]) {
        const filler = new Uint8Array(n).fill(0x5a);
        for (const at of [rst[0], rst[rst.length >> 1], rst[rst.length - 1]]) {
          assert.equal(
            await same(splice(bytes, at, filler), `${name} +${n} at ${at}`, window),
            "image",
          );
        }
      }
      // A misnumbered marker, and a marker removed.
      const wrong = bytes.slice();
      wrong[rst[1] + 1] = 0xd0 + ((wrong[rst[1] + 1] + 3) & 7);
      const message = await same(wrong, `${name} misnumbered`, window);
      assert.equal(message, "DECODE_FAILED");
      const gone = new Uint8Array([...bytes.subarray(0, rst[1]), ...bytes.subarray(rst[1] + 2)]);
      assert.equal(await same(gone, `${name} without a marker`, window), "DECODE_FAILED");
    }
  }
});

Deno.test("fuzz: mutated and cut sequential files give the same pixels or error on both paths", async () => {
  const seeds: Uint8Array[] = [
    "base_420.jpg",
    "base_444.jpg",
    "base_411.jpg",
    "gray.jpg",
    "restart_rows.jpg",
    "restart_blocks.jpg",
    "q100_444.jpg",
    "cmyk.jpg",
    "optimized.jpg",
  ].map(read);
  seeds.push(await noisy(120, 90, 3, 95, "4:2:0", 5)); // long codes and FF bytes over several windows
  const outcomes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: seeds.length - 1 }),
      fc.array(fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }) }), { maxLength: 6 }),
      fc.option(fc.nat(), { nil: undefined }),
      fc.boolean(),
      async (seed, edits, cut, small) => {
        let bytes = seeds[seed].slice();
        // Most edits land in the scan data (its second half), where the Huffman decoder reads.
        for (const { at, value } of edits) {
          bytes[(bytes.length >> 1) + (at % (bytes.length - (bytes.length >> 1)))] = value;
        }
        if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
        const o = await same(bytes, `seed ${seed}`, WINDOWS[small ? 1 : 0]);
        outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
      },
    ),
    { numRuns: RUNS, seed: SEED },
  );
  assert.ok(
    (outcomes.get("image") ?? 0) > 0 && (outcomes.get("DECODE_FAILED") ?? 0) > 0,
    `${[...outcomes]}`,
  );
});
