// BMP: hand-built and Pillow-written files against Pillow's pixels, files
// imfilter wrote as Pillow read them, round trips and the malformed corpus.

import assert from "node:assert/strict";
import { decodeImage, encodeImage, Image } from "../mod.ts";
import { syntheticImage } from "../testing.ts";
import { assertSameImage, checkBad, checkFixtures, checkOwn, rejects } from "./_formats.ts";

Deno.test("BMP files decode to Pillow's pixels: palettes, RLE, 16/24/32-bit, bitfields, top-down, OS/2", async () => {
  const names = await checkFixtures(/\.bmp$/);
  for (
    const want of [
      "pal1",
      "pal4",
      "pal8",
      "pal8_16colours_topdown",
      "os2_pal8",
      "rgb24",
      "rgb24_topdown",
      "rgb32_bi_rgb", // the fourth byte is not alpha
      "rgba32_v4_bitfields",
      "rgba32_v5_bitfields_topdown",
      "rgb16_555", // every 5-bit level: floor(v * 255 / 31), as Pillow
      "rgb16_565_bitfields",
      "rgb32_bitfields_xbgr",
      "rle8",
      "rle8_delta",
      "rle4",
      "gray8_palette", // a (i, i, i) palette reads as 1 channel
      "pillow_rgb",
      "pillow_l",
      "pillow_1bit",
      "pillow_p",
    ]
  ) assert.ok(names.includes(`${want}.bmp`), `${want}.bmp is in the corpus`);
});

Deno.test("BMPs imfilter wrote read in Pillow as exactly the image written", async () => {
  assert.equal((await checkOwn(/^bmp_/, /\.bmp$/)).length, 3);
});

Deno.test("BMP round trip: gray stays 1 channel, RGB and RGBA exact, gray+alpha becomes RGBA", async () => {
  for (let channels = 1; channels <= 4; channels++) {
    const img = syntheticImage(29, 17, channels, "u8", channels);
    const bmp = await encodeImage(img, "bmp");
    const back = await decodeImage(bmp);
    if (channels === 2) {
      const [g, a] = img.split();
      assertSameImage(back, Image.merge([g, g, g, a]), "gray+alpha");
    } else assertSameImage(back, img, `${channels} channels`);
    assert.equal(bmp[28], [0, 8, 32, 24, 32][channels], "bits per pixel");
  }
  const e = await rejects(encodeImage(syntheticImage(3, 3, 3, "u16"), "bmp"), "UNSUPPORTED_DTYPE");
  assert.match(e.message, /pass dtype u8/);
  await rejects(encodeImage(syntheticImage(3, 3, 1, "f32"), "bmp"), "UNSUPPORTED_DTYPE");
});

Deno.test("every malformed BMP fails with DECODE_FAILED, one line; huge headers are IMAGE_TOO_LARGE first", async () => {
  assert.ok((await checkBad(/\.bmp$/)).length >= 8);
  const huge = await encodeImage(syntheticImage(4, 4, 3, "u8"), "bmp");
  new DataView(huge.buffer).setInt32(18, 100000, true);
  new DataView(huge.buffer).setInt32(22, -100000, true);
  await rejects(decodeImage(huge), "IMAGE_TOO_LARGE");
  const e = await rejects(decodeImage(huge, { maxPixels: 1e12 }), "DECODE_FAILED");
  assert.match(e.message, /pixel data is truncated/, "refused before allocating 3e10 bytes");
});
