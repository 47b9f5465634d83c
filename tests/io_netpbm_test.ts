// Netpbm: PBM/PGM/PPM plain and raw and PAM against Pillow's pixels (or
// Pillow's maxval rule where Pillow cannot read the file), files imfilter
// wrote as Pillow read them, round trips and the malformed corpus.

import assert from "node:assert/strict";
import { decodeImage, encodeImage, formatFromPath, Image } from "../mod.ts";
import { syntheticImage } from "../testing.ts";
import { assertSameImage, checkBad, checkFixtures, checkOwn, rejects } from "./_formats.ts";

Deno.test("netpbm files decode to Pillow's pixels: P1-P6, maxval scaling, PAM of every tuple type", async () => {
  const names = await checkFixtures(/\.(pbm|pgm|ppm|pam)$/);
  for (
    const want of [
      "p1.pbm",
      "p1_packed.pbm",
      "p2_maxval100.pgm",
      "p3.ppm",
      "p3_maxval1000.ppm",
      "p4.pbm",
      "p5.pgm",
      "p5_maxval1000.pgm", // 500 -> 32768, as PIL.Image.open gives
      "p5_maxval31.pgm",
      "p5_16bit.pgm",
      "p6.ppm",
      "p6_16bit.ppm",
      "p6_maxval4000.ppm",
      "pillow.pgm",
      "pillow.ppm",
      "gray.pam",
      "gray_alpha.pam",
      "rgb.pam",
      "rgba.pam",
      "rgba16.pam",
      "blackandwhite.pam",
      "gray_maxval1000_no_tupltype.pam",
    ]
  ) assert.ok(names.includes(want), `${want} is in the corpus`);
});

Deno.test("maxval scaling is Pillow's: round(v / maxval * 255 or 65535), ties to even; raw values above maxval saturate", async () => {
  const pgm = (maxval: number, values: number[]) => {
    const head = new TextEncoder().encode(`P5 ${values.length} 1 ${maxval}\n`);
    const wide = maxval > 255;
    const out = new Uint8Array(head.length + values.length * (wide ? 2 : 1));
    out.set(head);
    values.forEach((v, i) => {
      if (wide) out.set([v >> 8, v & 255], head.length + 2 * i);
      else out[head.length + i] = v;
    });
    return out;
  };
  // 1 of maxval 2 is 127.5: ties go to 128 (even); maxval 1000: 500 -> 32767.5 -> 32768.
  assert.deepEqual(Array.from((await decodeImage(pgm(2, [0, 1, 2, 3]))).data), [0, 128, 255, 255]);
  const wide = await decodeImage(pgm(1000, [0, 500, 1000, 1001, 65535]));
  assert.equal(wide.dtype, "u16");
  assert.deepEqual(Array.from(wide.data), [0, 32768, 65535, 65535, 65535]);
  const same = await decodeImage(pgm(255, [0, 7, 255]));
  assert.deepEqual([same.dtype, ...same.data], ["u8", 0, 7, 255]);
});

Deno.test("netpbm files imfilter wrote read in Pillow as exactly the image written", async () => {
  // (Pillow cannot read PAM; the round trip below covers it.)
  assert.equal((await checkOwn(/^pnm_/, /^pnm_/)).length, 4);
});

Deno.test("netpbm round trip: P5, P6 and PAM at 8 and 16 bits; the kind follows the channels", async () => {
  const magic = ["", "P5", "P7", "P6", "P7"];
  for (const dtype of ["u8", "u16"] as const) {
    for (let channels = 1; channels <= 4; channels++) {
      const img = syntheticImage(23, 11, channels, dtype, channels);
      const bytes = await encodeImage(img, "netpbm");
      assert.equal(String.fromCharCode(bytes[0], bytes[1]), magic[channels]);
      assertSameImage(await decodeImage(bytes), img, `${dtype} ${channels}ch`);
    }
  }
  for (const ext of [".pbm", ".pgm", ".ppm", ".pnm", ".pam"]) {
    assert.equal(formatFromPath(`a${ext}`), "netpbm");
  }
  await rejects(encodeImage(Image.zeros(2, 2, 1, "f32"), "netpbm"), "UNSUPPORTED_DTYPE");
});

Deno.test("every malformed netpbm file fails with DECODE_FAILED, one line", async () => {
  assert.ok((await checkBad(/\.(pbm|pgm|ppm|pam)$/)).length >= 12);
  const huge = new TextEncoder().encode("P6\n100000 100000\n255\n\0\0\0");
  await rejects(decodeImage(huge), "IMAGE_TOO_LARGE");
  const e = await rejects(decodeImage(huge, { maxPixels: 1e12 }), "DECODE_FAILED");
  assert.match(e.message, /raster is truncated/, "refused before allocating 3e10 bytes");
});
