// Canvas pixels: a Uint8ClampedArray is u8 (viewed, not copied), and
// Image.fromImageData / toImageData go to and from a canvas ImageData.

import assert from "node:assert/strict";
import { FilterError, gaussian, Image, registry } from "../mod.ts";
import { asImage, isImageLike } from "../core/image.ts";

Deno.test("a Uint8ClampedArray is taken as u8, viewed in place (offset kept, no copy)", async () => {
  const backing = new Uint8ClampedArray(3 + 4 * 3 * 2);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 37) % 256;
  const clamped = backing.subarray(3); // a view that does not start at its buffer's start
  const img = new Image(4, 2, 3, clamped);
  assert.equal(img.dtype, "u8");
  assert.ok(img.data instanceof Uint8Array);
  assert.equal(img.data.buffer, backing.buffer);
  assert.equal(img.data.byteOffset, 3);
  assert.deepEqual(Array.from(img.data), Array.from(clamped));
  img.data[0] = 7;
  assert.equal(clamped[0], 7, "the image writes through to the clamped array");
  // Filters and the registry take it like any u8 image.
  const plain = new Image(4, 2, 3, Uint8Array.from(clamped));
  assert.deepEqual(gaussian(img, { sigma: 1 }).data, gaussian(plain, { sigma: 1 }).data);
  const viaRegistry = await registry.run("median", img, { size: 3 });
  assert.deepEqual(
    viaRegistry.image!.data,
    (await registry.run("median", plain, { size: 3 })).image!.data,
  );
  // Structurally image-like objects (another copy of the library, a plain object) too.
  const like = { width: 4, height: 2, channels: 3, data: clamped };
  assert.ok(isImageLike(like));
  assert.equal(asImage(like).data.buffer, backing.buffer);
  assert.throws(
    () => new Image(4, 2, 3, new Uint8ClampedArray(5)),
    (e) => e instanceof FilterError && e.code === "SIZE_MISMATCH",
  );
  assert.throws(
    () => new Image(1, 1, 1, new Int8Array(1) as unknown as Uint8Array),
    /Uint8Array, Uint8ClampedArray, Uint16Array or Float32Array/,
  );
});

Deno.test("Image.fromImageData: RGBA u8 sharing the ImageData's memory", () => {
  const data = new Uint8ClampedArray([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  for (const source of [new ImageData(data, 3, 1), { width: 3, height: 1, data }]) {
    const img = Image.fromImageData(source);
    assert.deepEqual([img.width, img.height, img.channels, img.dtype], [3, 1, 4, "u8"]);
    assert.equal(img.data.buffer, source.data.buffer);
    img.data[11] = 99;
    assert.equal(source.data[11], 99);
  }
  assert.throws(
    () => Image.fromImageData({ width: 2, height: 2, data: new Uint8ClampedArray(12) }),
    (e) => e instanceof FilterError && e.code === "SIZE_MISMATCH",
  );
  assert.throws(
    () =>
      Image.fromImageData({
        width: 1,
        height: 1,
        data: new Uint8Array(4) as unknown as Uint8ClampedArray,
      }),
    (e) => e instanceof FilterError && e.code === "UNSUPPORTED_DTYPE" && !e.message.includes("\n"),
  );
});

Deno.test("toImageData: gray, gray+alpha, RGB and RGBA to RGBA, alpha 255 where absent", () => {
  const px = (img: ReturnType<Image["toImageData"]>) => Array.from(img.data);
  const gray = new Image(2, 1, 1, new Uint8Array([10, 200]));
  assert.deepEqual(px(gray.toImageData()), [10, 10, 10, 255, 200, 200, 200, 255]);
  const grayAlpha = new Image(2, 1, 2, new Uint8Array([10, 0, 200, 77]));
  assert.deepEqual(px(grayAlpha.toImageData()), [10, 10, 10, 0, 200, 200, 200, 77]);
  const rgb = new Image(2, 1, 3, new Uint8Array([1, 2, 3, 4, 5, 6]));
  assert.deepEqual(px(rgb.toImageData()), [1, 2, 3, 255, 4, 5, 6, 255]);
  const rgba = new Image(1, 2, 4, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  const out = rgba.toImageData();
  assert.deepEqual([out.width, out.height, out.colorSpace], [1, 2, "srgb"]);
  assert.deepEqual(px(out), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(out.data.buffer, rgba.data.buffer, "RGBA shares its memory");
  // Deno has the ImageData global: a real one comes back.
  assert.ok(out instanceof ImageData);
  assert.deepEqual(px(Image.fromImageData(rgb.toImageData()).toImageData()), px(rgb.toImageData()));
});

Deno.test("toImageData: shared memory is copied, other dtypes are refused, and without ImageData a plain object", () => {
  const shared = new Uint8Array(new SharedArrayBuffer(8));
  shared.set([1, 2, 3, 4, 5, 6, 7, 8]);
  const out = new Image(2, 1, 4, shared).toImageData();
  assert.ok(!(out.data.buffer instanceof SharedArrayBuffer));
  assert.deepEqual(Array.from(out.data), [1, 2, 3, 4, 5, 6, 7, 8]);
  for (const dtype of ["u16", "f32"] as const) {
    assert.throws(
      () => Image.zeros(2, 2, 4, dtype).toImageData(),
      (e) =>
        e instanceof FilterError && e.code === "UNSUPPORTED_DTYPE" &&
        e.message.includes(`toDtype("u8")`) && !e.message.includes("\n"),
    );
  }
  // As in Node and Bun, which have no ImageData: an object of the same shape.
  const g = globalThis as { ImageData?: unknown };
  const saved = g.ImageData;
  delete g.ImageData;
  try {
    const plain = new Image(1, 1, 3, new Uint8Array([9, 8, 7])).toImageData();
    assert.equal(Object.getPrototypeOf(plain), Object.prototype);
    assert.deepEqual(plain, {
      width: 1,
      height: 1,
      data: new Uint8ClampedArray([9, 8, 7, 255]),
      colorSpace: "srgb",
    });
  } finally {
    g.ImageData = saved;
  }
});
