// EXIF orientation outside JPEG: PNG (eXIf) and WebP (EXIF chunk) decode
// upright as Pillow's ImageOps.exif_transpose shows them, for all eight
// orientations; keepOrientation keeps the stored pixels; the EXIF carried on
// says Orientation 1 once applied. Fixtures: tests/fixtures/io/metadata/
// orient{1..8}.{png,webp,npy} (make_orientation_fixtures.py).

import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeImage, decodeNpy, encodeImage, Image, readMetadata } from "../mod.ts";
import { exifOrientation } from "../io/metadata.ts";
import { orient } from "../io/orientation.ts";
import { runMain } from "./_cli.ts";

const dir = new URL("./fixtures/io/metadata/", import.meta.url).pathname;
const read = (name: string) => Deno.readFileSync(dir + name);
const same = (a: Image, b: Image, what: string) => {
  assert.deepEqual([a.width, a.height, a.channels, a.dtype], [
    b.width,
    b.height,
    b.channels,
    b.dtype,
  ], what);
  assert.deepEqual(Array.from(a.data), Array.from(b.data), what);
};

for (const ext of ["png", "webp"]) {
  Deno.test(`${ext.toUpperCase()} with EXIF orientation 1-8 decodes to Pillow's exif_transpose pixels; keepOrientation keeps the stored ones`, async () => {
    const stored = decodeNpy(read("orient1.npy"));
    for (let k = 1; k <= 8; k++) {
      const bytes = read(`orient${k}.${ext}`);
      same(await decodeImage(bytes), decodeNpy(read(`orient${k}.npy`)), `${ext} ${k}`);
      same(await decodeImage(bytes, { keepOrientation: true }), stored, `${ext} ${k} kept`);
      const applied = await readMetadata(bytes),
        kept = await readMetadata(bytes, { keepOrientation: true });
      assert.equal(exifOrientation(applied.exif!), 1, `${ext} ${k}: carried EXIF says upright`);
      assert.equal(exifOrientation(kept.exif!), k, `${ext} ${k}: kept EXIF as stored`);
    }
  });
}

Deno.test("orient: every dtype and channel count; 6 then 8 and 5 then 5 are the identity, 6 twice is 3", () => {
  for (const dtype of ["u8", "u16", "f32"] as const) {
    for (const c of [1, 2, 3, 4]) {
      const img = new Image(
        7,
        4,
        c,
        dtype === "u8"
          ? new Uint8Array(7 * 4 * c).map((_, i) => i)
          : dtype === "u16"
          ? new Uint16Array(7 * 4 * c).map((_, i) => 1000 * i)
          : new Float32Array(7 * 4 * c).map((_, i) => i / 3),
      );
      const what = `${dtype} ${c}`;
      same(orient(orient(img, 6), 8), img, what);
      same(orient(orient(img, 5), 5), img, what);
      same(orient(orient(img, 7), 7), img, what);
      same(orient(orient(img, 6), 6), orient(img, 3), what);
      same(orient(orient(img, 2), 4), orient(img, 3), what);
      assert.equal(orient(img, 1), img);
      assert.equal(orient(img, 9), img, "outside 1-8: untouched");
      assert.equal(orient(img, 6).data.constructor, img.data.constructor);
    }
  }
});

Deno.test("CLI: a PNG saying Orientation 6 comes out upright with EXIF Orientation 1; --keep-orientation keeps both", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const input = join(dir, "orient6.png");
    const upright = join(tmp, "upright.png"), kept = join(tmp, "kept.png");
    const r1 = await runMain("convert", input, upright);
    assert.equal(r1.status, 0, r1.err);
    const r2 = await runMain("convert", input, kept, "--keep-orientation");
    assert.equal(r2.status, 0, r2.err);
    const a = Deno.readFileSync(upright), b = Deno.readFileSync(kept);
    same(await decodeImage(a), decodeNpy(read("orient6.npy")), "upright");
    assert.equal(exifOrientation((await readMetadata(a, { keepOrientation: true })).exif!), 1);
    same(await decodeImage(b, { keepOrientation: true }), decodeNpy(read("orient1.npy")), "kept");
    assert.equal(exifOrientation((await readMetadata(b, { keepOrientation: true })).exif!), 6);
    // Read again without keepOrientation, the kept file turns as the original did.
    same(await decodeImage(b), decodeNpy(read("orient6.npy")), "kept, read upright");
    // Written without EXIF, no orientation applies.
    const plain = await encodeImage(decodeNpy(read("orient1.npy")), "png");
    same(await decodeImage(plain), decodeNpy(read("orient1.npy")), "no EXIF");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
