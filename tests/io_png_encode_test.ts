// The PNG encoder: row filtering (the SIMD kernel byte for byte the
// TypeScript reference, every filter type chosen where it should be) and
// whole files read back by our decoder, by fast-png (its own inflater) and,
// for the image data, by the runtime's DecompressionStream; 8 and 16 bits,
// 1–4 channels, degenerate sizes.

import assert from "node:assert/strict";
import { decodePng, encodePng } from "../io/png.ts";
import { filterRow, filterRows } from "../io/png_filter.ts";
import { simdEnabled, withSimd } from "../engines/simd.ts";
import { Image } from "../mod.ts";
import { cameraPhoto, randomImage } from "./_util.ts";

/** The filtered rows of `image` (type byte + bytes per row), SIMD on or off. */
function filtered(image: Image, simd: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  withSimd(simd, () => filterRows(image, (band) => parts.push(band.slice())));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

function rowTypes(rows: Uint8Array, stride: number): number[] {
  const types = [];
  for (let o = 0; o < rows.length; o += stride + 1) types.push(rows[o]);
  return types;
}

/** The IDAT payload of a PNG file, joined. */
function idat(png: Uint8Array): Uint8Array {
  const view = new DataView(png.buffer, png.byteOffset, png.length);
  const parts: Uint8Array[] = [];
  for (let p = 8; p < png.length;) {
    const len = view.getUint32(p);
    const type = String.fromCharCode(...png.subarray(p + 4, p + 8));
    if (type === "IDAT") parts.push(png.subarray(p + 8, p + 8 + len));
    p += 12 + len;
  }
  const out = new Uint8Array(parts.reduce((s, q) => s + q.length, 0));
  parts.reduce((at, q) => (out.set(q, at), at + q.length), 0);
  return out;
}

async function inflate(z: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([z as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Rows built so that one filter predicts them exactly (the row above is random). */
function designed(width: number, channels: number, seed: number): Image {
  const base = randomImage(width, 8, channels, "u8", seed);
  const d = base.data as Uint8Array, stride = width * channels;
  // Row 0: zeros (all filters tie at 0: None). Odd rows stay random.
  d.fill(0, 0, stride);
  for (const [y, kind] of [[2, "sub"], [4, "up"], [6, "average"]] as const) {
    const cur = y * stride, prev = cur - stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? d[cur + i - channels] : 0, b = d[prev + i];
      d[cur + i] = kind === "sub"
        ? (i < channels ? 200 : a + 1) & 255
        : kind === "up"
        ? b
        : (a + b) >> 1;
    }
  }
  return base;
}

Deno.test("PNG filter: every filter type is chosen, SIMD and TypeScript alike", async () => {
  for (const channels of [1, 2, 3, 4]) {
    for (const width of [5, 16, 33, 200]) {
      const img = designed(width, channels, width * 10 + channels);
      const stride = width * channels;
      for (const simd of [true, false]) {
        const types = rowTypes(filtered(img, simd), stride);
        assert.equal(types[0], 0, `${width}x${channels} row 0 (zeros): None`);
        if (width >= 16) {
          assert.deepEqual(
            [types[2], types[4], types[6]],
            [1, 2, 3],
            `${width}x${channels}: ${types}`,
          );
        }
      }
      assert.deepEqual(filtered(img, true), filtered(img, false), `${width}x${channels}`);
    }
  }
  // A photograph: Paeth (no exact design: a row Paeth predicts exactly is the row above) and the rest.
  const camera = await cameraPhoto();
  const counts = [0, 0, 0, 0, 0];
  for (const t of rowTypes(filtered(camera, true), 512)) counts[t]++;
  assert.ok(counts[1] > 0 && counts[2] > 0 && counts[3] > 0 && counts[4] > 0, `${counts}`);
  assert.deepEqual(filtered(camera, true), filtered(camera, false));
});

Deno.test("PNG filter: the SIMD kernel writes the reference's bytes for every bpp, width and content", () => {
  if (!simdEnabled()) return;
  let seed = 1;
  for (const dtype of ["u8", "u16"] as const) {
    for (const channels of [1, 2, 3, 4]) {
      for (const width of [1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 100]) {
        for (const height of [1, 3]) {
          const img = randomImage(width, height, channels, dtype, seed++);
          // Smooth some rows so that not only None/Sub win.
          if (height === 3) {
            for (let i = 0; i < width * channels; i++) img.data[2 * width * channels + i] >>= 3;
          }
          const what = `${dtype} ${width}x${height}x${channels}`;
          assert.deepEqual(filtered(img, true), filtered(img, false), what);
        }
      }
    }
  }
  // Many rows, more than one band, a photograph-like gradient.
  const wide = Image.zeros(700, 500, 3, "u8");
  for (let i = 0; i < wide.data.length; i++) wide.data[i] = ((i % 2100) >> 3) + ((i * 7) & 15);
  assert.deepEqual(filtered(wide, true), filtered(wide, false), "700x500x3");
});

Deno.test("PNG filter: filterRow writes one row as filterRows does, and IDAT inflates (DecompressionStream) to exactly the filtered rows", async () => {
  const img = randomImage(40, 30, 3, "u8", 5);
  const rows = filtered(img, false);
  const stride = 120;
  const out = new Uint8Array(stride + 1);
  const zero = new Uint8Array(stride);
  assert.equal(
    filterRow((img.data as Uint8Array).subarray(0, stride), zero, stride, 3, out, 0),
    rows[0],
  );
  assert.deepEqual(out, rows.subarray(0, stride + 1));
  const png = await encodePng(img);
  assert.deepEqual(await inflate(idat(png)), rows, "IDAT holds exactly the filtered rows");
});

Deno.test("PNG encode: 8 and 16 bits, 1–4 channels, 1×1, 1×N and N×1 round-trip through our decoder and fast-png", async () => {
  const { decode } = await import("fast-png");
  let seed = 100;
  for (const dtype of ["u8", "u16"] as const) {
    for (const channels of [1, 2, 3, 4]) {
      for (const [w, h] of [[1, 1], [1, 37], [37, 1], [64, 48], [301, 5]]) {
        const img = randomImage(w, h, channels, dtype, seed++);
        if (w === 64) { for (let i = 0; i < img.data.length; i += 5) img.data[i] = 9; // some runs
         }
        const what = `${dtype} ${w}x${h}x${channels}`;
        for (const simd of [true, false]) {
          const png = await withSimd(simd, () => encodePng(img));
          const back = await decodePng(png, 1e8);
          assert.deepEqual([back.width, back.height, back.channels, back.dtype], [
            w,
            h,
            channels,
            dtype,
          ]);
          assert.ok(back.data.every((v, i) => v === img.data[i]), `${what} simd=${simd}`);
          const theirs = decode(png);
          assert.deepEqual([theirs.width, theirs.height, theirs.channels], [w, h, channels]);
          assert.ok(
            theirs.data.every((v: number, i: number) => v === img.data[i]),
            `${what} fast-png`,
          );
        }
      }
    }
  }
});

Deno.test("PNG encode: the same file with SIMD on and off; flat and noisy images stay small / bounded", async () => {
  const img = randomImage(257, 129, 3, "u8", 77);
  const on = await withSimd(true, () => encodePng(img));
  const off = await withSimd(false, () => encodePng(img));
  assert.deepEqual(on, off);
  // Flat: a few hundred bytes; random: at most a few bytes per 32 KiB over the raw size.
  const flat = await encodePng(Image.zeros(2000, 1000, 3, "u8"));
  assert.ok(flat.length < 10_000, `flat 2000x1000x3: ${flat.length} bytes`);
  const raw = img.data.length + img.height;
  assert.ok(on.length < raw + 200, `random: ${on.length} bytes for ${raw} raw`);
  assert.ok((await decodePng(flat, 1e8)).data.every((v) => v === 0));
});
