// AVIF through the vendored libavif/libaom WebAssembly (io/avif.ts): files from
// avifenc against avifdec's decodes, files from our own encoder against the
// same, 8/10/12-bit, gray, alpha, grids, round trips and options, malformed
// files, the size checks before decoding, and the codec's recovery after a
// real emscripten abort.
//
// Fixtures: tests/fixtures/io/avif/, made by tests/fixtures/io/make_webp_avif.py
// (no system tool is needed here).

import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeImage, encodeImage, Image, readImage } from "../mod.ts";
import { avifDecoder } from "../io/avif.ts";
import {
  assertSame,
  checkBadFiles,
  checkOwnFiles,
  checkReferenceFiles,
  fixtures,
  fuzzDecoder,
  rejects,
} from "./_codec_fixtures.ts";
import { randomImage } from "./_util.ts";

const { dir, manifest } = fixtures("avif");
const file = (name: string) => Deno.readFileSync(join(dir, name));

Deno.test("AVIF from avifenc decodes to avifdec's pixels exactly: 8/10/12-bit, 4:2:0 and 4:4:4, gray, alpha, lossless, grid, 1x1", async () => {
  const names = await checkReferenceFiles("avif");
  assert.deepEqual(names.sort(), [
    "gray10.avif",
    "gray8.avif",
    "grid.avif",
    "one_pixel.avif",
    "rgb10.avif",
    "rgb12.avif",
    "rgb8.avif",
    "rgb8_lossless.avif",
    "rgba10_lossless.avif",
    "rgba8.avif",
  ]);
  // 10- and 12-bit read as u16 on the full 16-bit range.
  const ten = await decodeImage(file("rgba10_lossless.avif"));
  assert.equal(ten.dtype, "u16");
  assert.ok(Math.max(...ten.data) > 60000, "10-bit samples are widened to 16 bits");
});

Deno.test("our AVIF encoder writes the bytes avifdec decoded at fixture time, and they decode to avifdec's pixels", async () => {
  const names = await checkOwnFiles("avif");
  assert.equal(names.length, 6);
  assert.equal(manifest["ours_u16_10bit_lossless.avif"].depth, 10);
  assert.equal(manifest["ours_u16_q60.avif"].depth, 12);
  assert.equal(manifest["ours_gray_lossless.avif"].channels, 1);
});

Deno.test("AVIF round trips: lossless is exact for u8 gray, gray+alpha, RGB and RGBA, and for u16 on the 10- or 12-bit grid", async () => {
  for (const ch of [1, 2, 3, 4]) {
    const img = randomImage(19, 13, ch, "u8", 11 + ch);
    assertSame(
      await decodeImage(await encodeImage(img, "avif", { lossless: true })),
      img,
      `u8 ${ch}`,
    );
  }
  const twelve = randomImage(15, 9, 3, "u16", 5);
  for (let i = 0; i < twelve.data.length; i++) {
    const v12 = Math.round((twelve.data[i] * 4095) / 65535);
    twelve.data[i] = Math.trunc(Math.fround(0.5 + Math.fround(Math.fround(v12 / 4095) * 65535)));
  }
  assertSame(
    await decodeImage(await encodeImage(twelve, "avif", { lossless: true })),
    twelve,
    "12-bit grid",
  );
  // Off the grid: rounded to 12 bits, within 8 of 65535.
  const any = randomImage(15, 9, 3, "u16", 6);
  const back = await decodeImage(await encodeImage(any, "avif", { lossless: true }));
  let worst = 0;
  for (let i = 0; i < any.data.length; i++) {
    worst = Math.max(worst, Math.abs(back.data[i] - any.data[i]));
  }
  assert.ok(worst > 0 && worst <= 8, `worst ${worst}`);
});

Deno.test("lossy AVIF: quality trades size for fidelity, alpha stays exact, gray stays 1 channel", async () => {
  const photo = await readImage(
    new URL("./fixtures/images/astronaut.png", import.meta.url).pathname,
  );
  const crop = new Image(96, 64, 3, new Uint8Array(96 * 64 * 3));
  for (let y = 0; y < 64; y++) {
    crop.data.set(
      photo.data.subarray(((y + 180) * 512 + 160) * 3, ((y + 180) * 512 + 256) * 3),
      y * 96 * 3,
    );
  }
  const size: number[] = [], error: number[] = [];
  for (const quality of [20, 90]) {
    const bytes = await encodeImage(crop, "avif", { quality });
    const back = await decodeImage(bytes);
    let e = 0;
    for (let i = 0; i < crop.data.length; i++) e += (back.data[i] - crop.data[i]) ** 2;
    size.push(bytes.length);
    error.push(e / crop.data.length);
  }
  assert.ok(size[0] < size[1] && error[0] > 2 * error[1], `sizes ${size}, errors ${error}`);
  const rgba = randomImage(32, 16, 4, "u8", 9);
  const back = await decodeImage(await encodeImage(rgba, "avif", { quality: 50 }));
  for (let i = 3; i < rgba.data.length; i += 4) {
    assert.equal(back.data[i], rgba.data[i], `alpha ${i}`);
  }
  assert.equal(
    (await decodeImage(await encodeImage(randomImage(8, 8, 1, "u8", 1), "avif"))).channels,
    1,
  );
});

Deno.test("AVIF writes u8 and u16, not f32", async () => {
  const e = await rejects(encodeImage(randomImage(4, 4, 3, "f32", 1), "avif"), "UNSUPPORTED_DTYPE");
  assert.match(e.message, /AVIF holds 8- to 12-bit samples/);
});

Deno.test("malformed AVIF files fail with their listed code, one line, never a crash", async () => {
  const names = await checkBadFiles("avif");
  assert.ok(names.length >= 6, names.join(", "));
});

Deno.test("size checks come before the decoder: ispe and the AV1 sequence header against maxPixels", async () => {
  const before = avifDecoder.calls;
  let e = await rejects(decodeImage(file("bad_huge_sequence.avif")), "IMAGE_TOO_LARGE");
  assert.match(e.message, /AV1 stream may code 65535x65535 frames \(the image says 64x64\)/);
  e = await rejects(
    decodeImage(file("rgb8.avif"), { maxPixels: 61 * 37 * 3 - 1 }),
    "IMAGE_TOO_LARGE",
  );
  assert.equal((await decodeImage(file("rgb8.avif"), { maxPixels: 61 * 37 * 3 })).width, 61);
  // A 313-byte file claiming 16384x16384: refused by maxPixels when it is lower, else by libavif.
  await rejects(
    decodeImage(file("bad_tiny_huge_canvas.avif"), { maxPixels: 1 << 28 }),
    "IMAGE_TOO_LARGE",
  );
  await rejects(decodeImage(file("bad_huge_ispe.avif")), "IMAGE_TOO_LARGE");
  assert.equal(avifDecoder.calls, before + 1, "libavif was called once, for the valid file");
});

Deno.test("a real emscripten abort (libavif out of memory) drops the instance: the next call decodes with a fresh one", async () => {
  // 96 MiB of WebAssembly memory: enough to decode the 2048x2048 10-bit image, not to convert
  // it to 16-bit RGBA, where libavif's allocator aborts. Measured; without the cap it decodes.
  const flat = join(dir, "flat_2048_10bit.avif"), small = join(dir, "rgb10.avif");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--v8-flags=--wasm-max-mem-pages=1536",
      "--allow-read",
      new URL("./_codec_abort.ts", import.meta.url).pathname,
      small,
      flat,
      small,
      flat,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const calls = text.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(calls.length, 4, text);
  assert.ok(calls[0].ok && calls[2].ok, text);
  for (const c of [calls[1], calls[3]]) {
    assert.equal(c.error?.code, "DECODE_FAILED", text);
    assert.match(c.error.message, /^AVIF: libavif failed \(Aborted\(/);
  }
  assert.deepEqual(
    calls.map((c) => c.instances),
    [1, 1, 2, 2],
    "a fresh instance after each abort",
  );
  // Without the cap the same file decodes, to avifdec's colour everywhere.
  const img = await decodeImage(file("flat_2048_10bit.avif"));
  const want = manifest["flat_2048_10bit.avif"].constant!;
  for (let i = 0; i < img.data.length; i += 3 * 4099) {
    assert.deepEqual(Array.from(img.data.subarray(i, i + 3)), want, `pixel ${i / 3}`);
  }
});

Deno.test("fuzz: mutated and truncated AVIF files give a FilterError or a valid image", async () => {
  await fuzzDecoder(["rgb8.avif", "rgba10_lossless.avif", "grid.avif", "gray8.avif"].map(file), 32);
});
