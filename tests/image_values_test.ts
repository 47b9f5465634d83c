// Images are values: fields cannot be reassigned, a buffer changed behind an
// image's back is refused before any engine reads it, no filter changes its
// caller's image, and third-party plugins work on copies.

import assert from "node:assert/strict";
import {
  type AnyPlugin,
  applyFilter,
  bilateral,
  createRegistry,
  FilterError,
  gaussian,
  Image,
  Kernel,
  median,
  registry,
} from "../mod.ts";
import { syntheticImage } from "../testing.ts";

Deno.test("an Image's fields cannot be reassigned (the stale-memory leak of issue 18)", () => {
  const first = new Image(64, 64, 1, new Uint8Array(64 * 64).fill(200));
  gaussian(first, { sigma: 2 });
  const second = Image.zeros(64, 64, 1, "u8");
  const swap = () => {
    (second as { data: unknown }).data = new Uint8Array(22);
  };
  assert.throws(swap, TypeError);
  assert.throws(() => ((second as { width: number }).width = 2), TypeError);
  assert.throws(() => Object.defineProperty(second, "height", { value: 1 }), TypeError);
  assert.equal(second.data.length, 64 * 64);
  // The second image filters to its own pixels: nothing of the first one's 200s.
  for (const out of [gaussian(second, { sigma: 2 }), median(second), bilateral(second)]) {
    assert.equal(out.data.length, 64 * 64);
    assert.ok(out.data.every((v) => v === 0));
  }
  // Samples stay writable: an image is a value, its pixels a buffer.
  second.data[0] = 7;
  assert.equal(second.get(0, 0), 7);
});

Deno.test("an image whose buffer was detached or resized is refused before any engine reads it", async () => {
  const img = syntheticImage(16, 16, 1, "u8", 1);
  (img.data.buffer as ArrayBuffer).transfer();
  assert.equal(img.data.length, 0);
  for (const run of [() => gaussian(img, { sigma: 2 }), () => median(img), () => bilateral(img)]) {
    assert.throws(run, (e) =>
      e instanceof FilterError && e.code === "SIZE_MISMATCH" &&
      /detached or resized/.test(e.message));
  }
  const buffer = new ArrayBuffer(16, { maxByteLength: 64 });
  const grows = new Image(4, 4, 1, new Uint8Array(buffer));
  buffer.resize(32);
  await assert.rejects(() => applyFilter("median", grows), /has 32 samples but 4x4x1 needs 16/);
});

/** One run of every built-in on `img`, with params each needs. */
function builtinRuns(img: Image): [string, Record<string, unknown>][] {
  const extra: Record<string, Record<string, unknown>> = {
    convolve: { kernel: "1,2;3,4" },
    correlate: { kernel: "1,2,1;0,0,0;-1,-2,-1" },
    deconvolve: { kernel: [[0, 0.2, 0], [0.2, 0.2, 0.2], [0, 0.2, 0]], iterations: 3 },
    "estimate-kernel": { blurred: gaussian(img, { sigma: 1, dtype: "f32" }), size: 3 },
    "match-template": { template: img.crop(2, 3, 4, 4) },
    gaussian: { sigma: 1.5 },
    "nl-means": { color: "joint", searchSize: 7, patchSize: 3 },
  };
  return registry.list().map((p) => [p.name, extra[p.name] ?? {}]);
}

Deno.test("no built-in filter changes its input (u8 and f32, gray and RGB)", async () => {
  for (const [channels, dtype] of [[1, "u8"], [3, "f32"], [4, "u8"]] as const) {
    const img = syntheticImage(13, 11, channels, dtype, 5);
    const before = img.data.slice();
    for (const [name, params] of builtinRuns(img)) {
      const images = Object.values(params).filter((v): v is Image => v instanceof Image);
      const paramsBefore = images.map((i) => i.data.slice());
      await registry.run(name, img, params);
      assert.deepEqual(img.data, before, `${name} changed its input`);
      images.forEach((im, i) =>
        assert.deepEqual(im.data, paramsBefore[i], `${name} changed a param`)
      );
    }
  }
});

const vandal: AnyPlugin = {
  [Symbol.for("imfilter.plugin")]: true,
  apiVersion: 1,
  name: "vandal",
  summary: "writes over its input and its image and kernel params (test)",
  shape: "any",
  params: {
    other: { type: "image", description: "an image to scribble on" },
    kernel: { type: "kernel", description: "a kernel to scribble on" },
  },
  apply(image: Image, p: { other?: Image; kernel?: Kernel }) {
    image.data.fill(1);
    p.other?.data.fill(1);
    p.kernel?.data.fill(1);
    return image;
  },
};

Deno.test("a third-party plugin gets copies: writing over them leaves the caller's image, params and kernel", async () => {
  const reg = createRegistry([vandal]);
  const img = syntheticImage(8, 8, 1, "u8", 2), other = syntheticImage(8, 8, 1, "u8", 3);
  const kernel = Kernel.from([[5, 6], [7, 8]]);
  const [a, b, k] = [img.data.slice(), other.data.slice(), kernel.data.slice()];
  const { image } = await reg.run("vandal", img, { other, kernel });
  assert.deepEqual(img.data, a);
  assert.deepEqual(other.data, b);
  assert.deepEqual(kernel.data, k);
  // What it returned is its own copy, not the caller's image.
  assert.ok(image && image !== img && image.data.every((v) => v === 1));
});

Deno.test("a filter's result never shares memory with its input", async () => {
  const img = syntheticImage(8, 8, 1, "f32", 2);
  const same: AnyPlugin = { ...vandal, name: "same", params: {}, apply: (i: Image) => i };
  for (const reg of [createRegistry([same])]) {
    const { image } = await reg.run("same", img);
    assert.ok(image && image.data.buffer !== img.data.buffer);
  }
  for (const out of [median(img, { size: 1 }), bilateral(img, { sigmaColor: 0 })]) {
    assert.notEqual(out.data.buffer, img.data.buffer);
  }
});
