// WebP through the vendored libwebp WebAssembly (io/webp.ts): files from
// cwebp, img2webp and webpmux against dwebp's (and Pillow's) decodes, files
// from our own encoder against the same, round trips and options, malformed
// files, the size checks before decoding, the codec's recovery after a
// failure, the host's globals, and a bounded fuzz.
//
// Fixtures: tests/fixtures/io/webp/, made by tests/fixtures/io/make_webp_avif.py
// (no system tool is needed here).

import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeImage, encodeImage, Image, readImage, writeImage } from "../mod.ts";
import { webpDecoder } from "../io/webp.ts";
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

const { dir } = fixtures("webp");
const file = (name: string) => Deno.readFileSync(join(dir, name));

Deno.test("WebP from cwebp, img2webp and webpmux decodes to dwebp's pixels exactly: lossy, lossless, alpha, gray, 1x1, animations", async () => {
  const names = await checkReferenceFiles("webp");
  assert.deepEqual(names.sort(), [
    "alpha_lossless.webp",
    "alpha_lossy.webp",
    "animated.webp",
    "animated_offset.webp",
    "gray_lossy.webp",
    "lossless.webp",
    "lossy.webp",
    "one_pixel.webp",
  ]);
});

Deno.test("our WebP encoder writes the bytes dwebp decoded at fixture time, and they decode to dwebp's pixels", async () => {
  const names = await checkOwnFiles("webp");
  assert.equal(names.length, 5);
});

Deno.test("an animation reads as its first frame on a transparent-black canvas, 4 channels when flagged", async () => {
  const img = await decodeImage(file("animated_offset.webp"));
  assert.deepEqual([img.width, img.height, img.channels], [40, 24, 4]);
  // Outside the 20x10 frame at (6, 4): transparent black.
  for (const [x, y] of [[0, 0], [5, 4], [26, 4], [6, 14], [39, 23]]) {
    const i = (y * 40 + x) * 4;
    assert.deepEqual(Array.from(img.data.subarray(i, i + 4)), [0, 0, 0, 0], `(${x}, ${y})`);
  }
  assert.equal((await decodeImage(file("animated.webp"))).channels, 3);
});

Deno.test("WebP round trips: lossless is exact for gray, gray+alpha, RGB and RGBA (RGB under transparent pixels too)", async () => {
  for (const ch of [1, 2, 3, 4]) {
    const img = randomImage(23, 17, ch, "u8", 7 + ch);
    if (ch === 2 || ch === 4) {
      for (let i = ch - 1; i < img.data.length; i += ch * 5) img.data[i] = 0;
    }
    const back = await decodeImage(await encodeImage(img, "webp", { lossless: true }));
    // WebP has no gray mode: gray comes back as R = G = B (+ alpha).
    const want = ch >= 3 ? img : spreadGray(img);
    assertSame(back, want, `${ch} channels`);
  }
});

function spreadGray(img: Image): Image {
  const ch = img.channels === 2 ? 4 : 3, n = img.width * img.height;
  const out = new Uint8Array(n * ch);
  for (let i = 0; i < n; i++) {
    const g = img.data[i * img.channels];
    out.set([g, g, g], i * ch);
    if (ch === 4) out[i * 4 + 3] = img.data[i * 2 + 1];
  }
  return new Image(img.width, img.height, ch, out);
}

Deno.test("lossy WebP keeps alpha exactly, and quality trades size for fidelity", async () => {
  const photo = await readImage(
    new URL("./fixtures/images/astronaut.png", import.meta.url).pathname,
  );
  const crop = new Image(128, 96, 4, new Uint8Array(128 * 96 * 4));
  for (let y = 0; y < 96; y++) {
    for (let x = 0; x < 128; x++) {
      const s = ((y + 200) * photo.width + x + 150) * 3, o = (y * 128 + x) * 4;
      crop.data.set(photo.data.subarray(s, s + 3), o);
      crop.data[o + 3] = (x * 2 + y) & 255;
    }
  }
  const sizes: number[] = [], quality: number[] = [];
  for (const q of [30, 90]) {
    const bytes = await encodeImage(crop, "webp", { quality: q });
    const back = await decodeImage(bytes);
    assert.equal(back.channels, 4);
    let err = 0, n = 0;
    for (let i = 0; i < crop.data.length; i += 4) {
      assert.equal(back.data[i + 3], crop.data[i + 3], `alpha at ${i}`);
      if (crop.data[i + 3] === 0) continue; // lossy RGB under transparent pixels is free
      for (let c = 0; c < 3; c++, n++) err += (back.data[i + c] - crop.data[i + c]) ** 2;
    }
    sizes.push(bytes.length);
    quality.push(10 * Math.log10((255 * 255 * n) / err));
  }
  assert.ok(sizes[0] < sizes[1], `sizes ${sizes}`);
  assert.ok(quality[0] + 3 < quality[1] && quality[1] > 30, `PSNR ${quality}`);
});

Deno.test("WebP writes u8 only and at most 16383 per side; quality and lossless are validated", async () => {
  let e = await rejects(encodeImage(randomImage(4, 4, 3, "u16", 1), "webp"), "UNSUPPORTED_DTYPE");
  assert.match(e.message, /WebP holds 8-bit samples/);
  await rejects(encodeImage(randomImage(4, 4, 1, "f32", 1), "webp"), "UNSUPPORTED_DTYPE");
  e = await rejects(encodeImage(Image.zeros(16384, 1, 1, "u8"), "webp"), "INVALID_PARAM");
  assert.match(e.message, /16383/);
  for (const quality of [0, 101, 2.5]) {
    await rejects(encodeImage(Image.zeros(2, 2, 3, "u8"), "webp", { quality }), "INVALID_PARAM");
  }
  await rejects(
    encodeImage(Image.zeros(2, 2, 3, "u8"), "webp", { lossless: 3 as unknown as boolean }),
    "INVALID_PARAM",
  );
  const path = join(await Deno.makeTempDir(), "x.WEBP");
  await writeImage(path, randomImage(9, 7, 4, "u8", 3), { lossless: true });
  assertSame(await readImage(path), randomImage(9, 7, 4, "u8", 3), "writeImage/readImage .WEBP");
});

Deno.test("malformed WebP files fail with their listed code, one line, never a crash", async () => {
  const names = await checkBadFiles("webp");
  assert.ok(names.length >= 9, names.join(", "));
});

Deno.test("size checks come before the decoder: maxPixels, and a lossy frame's floor of 2 bits per macroblock", async () => {
  const lossy = file("lossy.webp");
  await rejects(decodeImage(lossy, { maxPixels: 61 * 37 * 3 - 1 }), "IMAGE_TOO_LARGE");
  assert.equal((await decodeImage(lossy, { maxPixels: 61 * 37 * 3 })).width, 61);
  // 50 bytes claiming 16383x16383: our bound names the macroblocks, libwebp never sees it.
  const before = webpDecoder.calls;
  const e = await rejects(decodeImage(file("bad_huge_lossy.webp")), "DECODE_FAILED");
  assert.match(e.message, /1048576 macroblocks need at least 262144 bytes of modes, it has 10/);
  await rejects(decodeImage(file("bad_huge_animation.webp")), "IMAGE_TOO_LARGE");
  assert.equal(webpDecoder.calls, before, "libwebp was not called");
  // Real lossy files are far above the floor (cwebp's are about 3.4 bits per macroblock).
  for (const name of ["lossy.webp", "ours_q80.webp", "one_pixel.webp"]) {
    await decodeImage(file(name));
  }
});

Deno.test("a codec call that traps drops the instance: the next call decodes with a fresh one", async () => {
  const good = file("lossless.webp");
  const want = await decodeImage(good);
  const module = await webpDecoder.live;
  assert.ok(module, "the instance is kept between calls");
  const before = webpDecoder.instances;
  module.HEAPU8!.fill(0xff); // wreck its heap: every call on this instance now traps
  assert.throws(() => module.decode(good), /memory access out of bounds/);
  const e = await rejects(decodeImage(good), "DECODE_FAILED");
  assert.match(e.message, /^WebP: libwebp failed \(.*out of bounds\)$/);
  assertSame(await decodeImage(good), want, "after the failure");
  assert.equal(webpDecoder.instances, before + 1);
  assert.throws(() => module.decode(good), /out of bounds/, "the wrecked instance stays wrecked");
});

Deno.test("decoding needs no global ImageData and leaves globals as they were", async () => {
  const g = globalThis as { ImageData?: unknown };
  const own = g.ImageData;
  try {
    delete g.ImageData; // as in Node and Bun
    webpDecoder.reset(); // the glue's prologue runs again without it
    const img = await decodeImage(file("alpha_lossy.webp"));
    assert.equal(img.channels, 4);
    assert.equal("ImageData" in globalThis, false);
    await encodeImage(img, "webp", { quality: 50 });
    assert.equal("ImageData" in globalThis, false);
  } finally {
    g.ImageData = own;
  }
  webpDecoder.reset();
  await decodeImage(file("alpha_lossy.webp"));
  assert.equal(g.ImageData, own);
});

Deno.test("fuzz: mutated and truncated WebP files give a FilterError or a valid image", async () => {
  await fuzzDecoder(
    ["lossy.webp", "lossless.webp", "alpha_lossy.webp", "animated_offset.webp"].map(file),
    12,
  );
});

Deno.test("the CLI writes and reads .webp and .avif, batch takes them as inputs, float results need --stretch", async () => {
  const { main } = await import("../cli/main.ts");
  const cli = async (...args: string[]) => {
    const err: string[] = [];
    const status = await main(args, {
      out: () => {},
      err: (t) => err.push(t),
      errIsTerminal: false,
    });
    return { status, err: err.join("\n") };
  };
  const work = await Deno.makeTempDir({ prefix: "imfilter-webp-cli-" });
  const src = join(work, "in.png");
  await writeImage(src, randomImage(24, 16, 3, "u8", 4));
  for (const ext of ["webp", "avif"]) {
    assert.equal((await cli("median", src, join(work, `m.${ext}`), "--size", "3")).status, 0);
    assert.equal((await readImage(join(work, `m.${ext}`))).channels, 3);
    const float = ["sobel", src, join(work, `s.${ext}`), "--output", "x", "--dtype", "f32"];
    const refused = await cli(...float);
    assert.equal(refused.status, 2, refused.err);
    assert.match(refused.err, /error\[UNSUPPORTED_DTYPE\].*--stretch/);
    assert.equal((await cli(...float, "--stretch")).status, 0);
  }
  const out = join(work, "out");
  const batch = await cli("batch", work, "--out-dir", out, "--", "box", "--size", "3");
  assert.equal(batch.status, 0, batch.err);
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), [
    "in.png",
    "m.avif",
    "m.webp",
    "s.avif",
    "s.webp",
  ]);
});
