// TIFF: files from tifffile and libtiff against tifffile's pixels, pages,
// imfilter's writer read back by tifffile, round trips, LZW edge cases, the
// malformed corpus and the bombs of issue 18 (built here, in memory).

import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeImage, encodeImage, type EncodeOptions, Image, readImage } from "../mod.ts";
import { syntheticImage } from "../testing.ts";
import { lzwDecode, lzwEncode } from "../io/tiff/compression.ts";
import { findIfd, parseHeader, readIfd, Tags } from "../io/tiff/ifd.ts";
import {
  assertSameImage,
  checkBad,
  checkFixtures,
  checkOwn,
  FORMATS,
  measured,
  rejects,
} from "./_formats.ts";

Deno.test("TIFF files from tifffile and libtiff decode to tifffile's pixels, every layout", async () => {
  const names = await checkFixtures(/\.tif$/);
  // Each layout the reader claims is in the corpus.
  for (
    const want of [
      "u8_tiled_deflate", // tiles, Deflate, predictor 2
      "rgb_planar_lzw", // PlanarConfiguration 2, LZW
      "rgb16_be_lzw_pred", // big-endian, 16-bit predictor
      "rgba_planar_tiled_packbits", // planar tiles, PackBits, extra sample
      "la_deflate", // gray + alpha
      "i16_deflate_pred",
      "i8",
      "u32_lzw_pred", // rounds above 2^24
      "i32_be",
      "u64", // rounded once (2^64 - 1, 2^24 + 1)
      "f32_tiled_floatpred_be", // predictor 3, big-endian
      "f64_floatpred",
      "f16_rgb",
      "bigtiff_rgba_deflate",
      "bilevel_tifffile", // 1-bit WhiteIsZero, inverted and scaled as Pillow
      "gray2bit",
      "gray4bit",
      "miniswhite16", // 16-bit WhiteIsZero kept as stored (Pillow, tifffile)
      "fillorder2",
      "libtiff_rgb_lzw_pred",
      "libtiff_f32_deflate_floatpred",
      "libtiff_u16_deflate_pred",
      "pages.tif#2",
    ]
  ) assert.ok(names.some((n) => n.startsWith(want)), `${want} is in the corpus`);
  assert.ok(names.length >= 25, `${names.length} files`);
  // The older corpus (Pillow's TIFFs) still reads exactly.
  const io = join(FORMATS, "..", "io");
  const pal = await readImage(join(io, "palette.tif"));
  assert.deepEqual([pal.channels, pal.dtype], [3, "u8"]);
});

Deno.test("TIFF pages: each page has its own size and dtype; a page past the last or on a one-image format is refused", async () => {
  const bytes = await Deno.readFile(join(FORMATS, "pages.tif"));
  const sizes = [];
  for (let page = 0; page < 3; page++) {
    const img = await decodeImage(bytes, { page });
    sizes.push([img.width, img.height, img.channels, img.dtype]);
  }
  assert.deepEqual(sizes, [[37, 23, 1, "u8"], [20, 10, 3, "u8"], [34, 18, 1, "f32"]]);
  const e = await rejects(decodeImage(bytes, { page: 3 }), "DECODE_FAILED");
  assert.match(e.message, /page 3 does not exist \(the file has 3\)/);
  await rejects(decodeImage(bytes, { page: -1 }), "INVALID_PARAM");
  await rejects(decodeImage(bytes, { page: 1.5 }), "INVALID_PARAM");
  const png = await encodeImage(syntheticImage(4, 4), "png");
  assert.equal((await decodeImage(png, { page: 0 })).width, 4);
  const p = await rejects(decodeImage(png, { page: 1 }), "INVALID_PARAM");
  assert.match(p.message, /PNG holds one image/);
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(join(dir, "p.tif"), bytes);
  assert.equal((await readImage(join(dir, "p.tif"), { page: 2 })).dtype, "f32");
});

Deno.test("TIFFs imfilter wrote read in tifffile as exactly the image written; LZW and uncompressed bytes are stable", async () => {
  const names = await checkOwn(/^tiff_/, /_(lzw|none)\.tif$/);
  assert.equal(names.length, 8);
});

/** The tags of a file's first page, for checking what the writer put there. */
function tagsOf(bytes: Uint8Array): Tags {
  const f = parseHeader(bytes);
  return new Tags(f, readIfd(f, findIfd(f, 0).at));
}

Deno.test("TIFF round trip is exact for u8/u16/f32, 1-4 channels, every compression; predictors and ~64 KiB strips", async () => {
  for (const dtype of ["u8", "u16", "f32"] as const) {
    for (let channels = 1; channels <= 4; channels++) {
      const img = syntheticImage(203, 97, channels, dtype, channels);
      if (dtype === "f32") img.data.set([NaN, -0, Infinity, -Infinity, 1e-45, -3.4e38]);
      for (const compression of ["deflate", "lzw", "none", undefined] as const) {
        const options: EncodeOptions = compression ? { compression } : {};
        const bytes = await encodeImage(img, "tiff", options);
        assertSameImage(await decodeImage(bytes), img, `${dtype} ${channels}ch ${compression}`);
        const tags = tagsOf(bytes);
        const c = compression ?? "deflate";
        assert.equal(tags.one(259), { deflate: 8, lzw: 5, none: 1 }[c]);
        assert.equal(tags.one(317, 1), c === "none" ? 1 : dtype === "f32" ? 3 : 2);
        assert.equal(tags.one(262), channels >= 3 ? 2 : 1);
        assert.equal(tags.has(338), channels === 2 || channels === 4);
        const rowBytes = 203 * channels * img.data.BYTES_PER_ELEMENT;
        assert.equal(tags.one(278), Math.min(97, Math.max(1, Math.floor(65536 / rowBytes))));
      }
    }
  }
  await rejects(
    encodeImage(syntheticImage(3, 3), "tiff", { compression: "zip" as "lzw" }),
    "INVALID_PARAM",
  );
});

Deno.test("LZW round trips empty, tiny, long-run and table-filling data, and refuses bad codes", () => {
  const random = new Uint8Array(300_000);
  let s = 7;
  for (let i = 0; i < random.length; i++) random[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  const cases = [
    new Uint8Array(0),
    new Uint8Array([42]),
    new Uint8Array(100_000), // one long run: strings grow to the KwKwK case
    random, // the table fills and is cleared many times
    Uint8Array.from({ length: 70_000 }, (_, i) => (i * i) % 251),
  ];
  for (const data of cases) {
    const z = lzwEncode(data);
    const out = new Uint8Array(data.length);
    assert.equal(lzwDecode(z, out), data.length);
    assert.deepEqual(out, data);
    // A short buffer stops the decoder at its end.
    const short = new Uint8Array(data.length >> 1);
    assert.equal(lzwDecode(z, short), short.length);
    assert.deepEqual(short, data.subarray(0, short.length));
  }
  assert.ok(lzwEncode(new Uint8Array(100_000)).length < 2000, "a run compresses");
  // Code 511 before the table has it; a first code that is not a literal.
  assert.throws(() => lzwDecode(new Uint8Array([0x80, 0x00, 0xff, 0xff, 0xff]), new Uint8Array(9)));
  assert.throws(() => lzwDecode(new Uint8Array([0xff, 0x80, 0, 0]), new Uint8Array(9)));
});

Deno.test("every malformed TIFF fails with DECODE_FAILED, one line", async () => {
  const names = await checkBad(/\.tif$/);
  assert.ok(names.length >= 11, `${names.length} files`);
});

// ----------------------------------------------------------------- bombs

/** A little-endian classic TIFF: header, `data` at byte 8, then one IFD of `entries`. */
function tiff(entries: [number, number, number, number][], data: Uint8Array): Uint8Array {
  const ifd = 8 + data.length;
  const out = new Uint8Array(ifd + 2 + entries.length * 12 + 4);
  const v = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  v.setUint32(4, ifd, true);
  out.set(data, 8);
  v.setUint16(ifd, entries.length, true);
  entries.forEach(([tag, type, count, value], i) => {
    const e = ifd + 2 + 12 * i;
    v.setUint16(e, tag, true);
    v.setUint16(e + 2, type, true);
    v.setUint32(e + 4, count, true);
    if (type === 3 && count === 1) v.setUint16(e + 8, value, true);
    else v.setUint32(e + 8, value, true);
  });
  return out;
}

const MB = 1 << 20;

async function assertBomb(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  const { result, ms, bytes: grew } = await measured(() => decodeImage(bytes));
  assert.ok(result instanceof Error, "refused");
  await rejects(Promise.reject(result), "DECODE_FAILED");
  assert.match((result as Error).message, pattern);
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
  assert.ok(grew < 100 * MB, `${(grew / MB).toFixed(0)} MB`);
}

Deno.test("bomb: 400 IFD entries of 2^24 values sharing one 16.8 MB block end in DECODE_FAILED, fast and small", async () => {
  const block = new Uint8Array(1 << 24).fill(1);
  const entries: [number, number, number, number][] = [];
  for (let i = 0; i < 400; i++) entries.push([256 + i, 1, 1 << 24, 8]);
  await assertBomb(tiff(entries, block), /ImageWidth \(256\) has 16777216 values, expected 1/);
  // The same entries under tags the decoder does not read cost nothing: the image decodes.
  const valid: [number, number, number, number][] = [
    [256, 4, 1, 4],
    [257, 4, 1, 4],
    [258, 3, 1, 8],
    [262, 3, 1, 1],
    [273, 4, 1, 8],
    [277, 3, 1, 1],
    [279, 4, 1, 16],
  ];
  for (let i = 0; i < 400; i++) valid.push([40000 + i, 1, 1 << 24, 8]);
  const { result, ms, bytes } = await measured(() => decodeImage(tiff(valid, block)));
  assert.ok(result instanceof Image, String(result));
  assert.deepEqual(Array.from(result.data), new Array(16).fill(1));
  assert.ok(ms < 1000 && bytes < 100 * MB, `${ms.toFixed(0)} ms, ${(bytes / MB).toFixed(0)} MB`);
});

Deno.test("bomb: the same tag 65,535 times, and a 200,000-IFD chain that loops, end in DECODE_FAILED at once", async () => {
  const repeated: [number, number, number, number][] = [];
  for (let i = 0; i < 65535; i++) repeated.push([256, 4, 1, 16]);
  await assertBomb(tiff(repeated, new Uint8Array(0)), /ImageWidth \(256\) appears twice/);
  // IFD k (6 bytes: no entries, next offset) points at k + 1; the last points back at IFD 1000.
  const n = 200_000, chain = new Uint8Array(8 + 6 * n), v = new DataView(chain.buffer);
  chain.set([0x49, 0x49, 42, 0]);
  v.setUint32(4, 8, true);
  for (let k = 0; k < n; k++) {
    v.setUint32(8 + 6 * k + 2, 8 + 6 * (k + 1 === n ? 1000 : k + 1), true);
  }
  await assertBomb(chain, /chain of IFDs loops/);
});

Deno.test("bomb: headers larger than the data are refused before anything is allocated", async () => {
  const gray = (w: number, h: number, compression: number, count: number) =>
    tiff([
      [256, 4, 1, w],
      [257, 4, 1, h],
      [258, 3, 1, 8],
      [259, 3, 1, compression],
      [262, 3, 1, 1],
      [273, 4, 1, 8],
      [277, 3, 1, 1],
      [279, 4, 1, count],
    ], new Uint8Array(1024));
  await assertBomb(gray(30000, 30000, 8, 1024), /cannot hold a 30000x30000 image.*1032:1/);
  await assertBomb(gray(30000, 30000, 5, 1024), /3641:1/);
  await assertBomb(gray(5000, 5000, 32773, 1024), /64:1/);
  await assertBomb(gray(1000, 1000, 1, 1024), /cannot hold/);
  // Many strips claiming the same bytes again and again.
  const strips = 100_000, table = new Uint8Array(8 * strips + 1024), t = new DataView(table.buffer);
  for (let i = 0; i < strips; i++) {
    t.setUint32(4 * i, 8 + 8 * strips, true); // offsets: all the same block
    t.setUint32(4 * strips + 4 * i, 1000, true); // counts
  }
  await assertBomb(
    tiff([
      [256, 4, 1, 1000],
      [257, 4, 1, strips],
      [258, 3, 1, 8],
      [259, 3, 1, 8],
      [262, 3, 1, 1],
      [273, 4, strips, 8],
      [277, 3, 1, 1],
      [278, 4, 1, 1],
      [279, 4, strips, 8 + 4 * strips],
    ], table),
    /strips claim \d+ bytes, more than the file's/,
  );
  // More Deflate strips than the time bound allows (each is a decompression stream).
  await assertBomb(
    tiff([
      [256, 4, 1, 1],
      [257, 4, 1, 300_000],
      [258, 3, 1, 8],
      [259, 3, 1, 8],
      [262, 3, 1, 1],
      [273, 4, 300_000, 8],
      [277, 3, 1, 1],
      [278, 4, 1, 1],
      [279, 4, 300_000, 8],
    ], new Uint8Array(1_200_000)),
    /300000 Deflate strips in one page/,
  );
  // A tile far larger than its image.
  await assertBomb(
    tiff([
      [256, 4, 1, 8],
      [257, 4, 1, 8],
      [258, 3, 1, 8],
      [259, 3, 1, 8],
      [262, 3, 1, 1],
      [277, 3, 1, 1],
      [322, 4, 1, 65536],
      [323, 4, 1, 65536],
      [324, 4, 1, 8],
      [325, 4, 1, 1024],
    ], new Uint8Array(1024)),
    /tile 65536x65536 is far larger/,
  );
});

Deno.test("TIFF dtype rule: u32 and f64 become float32 as astype does, exact up to 2^24", async () => {
  // Built here so the rule is visible: u32 2^24 + 1 rounds to 2^24, f64 0.1 to float32 0.1.
  const u32 = new Uint32Array([16777216, 16777217, 4294967295, 7]);
  const bytes = tiff([
    [256, 4, 1, 4],
    [257, 4, 1, 1],
    [258, 3, 1, 32],
    [262, 3, 1, 1],
    [273, 4, 1, 8],
    [277, 3, 1, 1],
    [279, 4, 1, 16],
    [339, 3, 1, 1],
  ], new Uint8Array(u32.buffer));
  const img = await decodeImage(bytes);
  assert.equal(img.dtype, "f32");
  assert.deepEqual(Array.from(img.data), [16777216, 16777216, 4294967296, 7]);
});
