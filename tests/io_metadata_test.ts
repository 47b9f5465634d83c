// Metadata: readMetadata against what Pillow embedded (ICC profile, EXIF,
// density), each writer read back, the EXIF orientation reset after it was
// applied, the ICC colour-space rule, and broken metadata never stopping a
// read or a write. Fixtures: tests/fixtures/io/metadata/ (make_metadata_fixtures.py).

import assert from "node:assert/strict";
import {
  decodeImage,
  encodeImage,
  type FilterError,
  Image,
  type ImageFormat,
  type ImageMetadata,
  readImageWithMetadata,
  readMetadata,
} from "../mod.ts";
import { exifOrientation, exifWithOrientation } from "../io/metadata.ts";
import { MAX_TREE_BYTES, parseExif } from "../io/tiff/ifd_tree.ts";
import { pngChunk } from "../io/png.ts";
import { syntheticImage } from "../testing.ts";

const dir = new URL("./fixtures/io/metadata/", import.meta.url).pathname;
const read = (name: string) => Deno.readFileSync(dir + name);
const manifest: Record<string, { icc?: string; exif?: string; density?: unknown }> = JSON.parse(
  Deno.readTextFileSync(dir + "metadata.json"),
);
const srgb = read("srgb.icc");
const big = read("big.icc");
const exifLe = read("exif6_le.bin");
const exifBe = read("exif6_be.bin");
const ICC: Record<string, Uint8Array> = { srgb, big };
const full: ImageMetadata = {
  icc: srgb,
  exif: exifLe,
  density: { x: 300, y: 300, unit: "inch" },
};

/** The EXIF tags as comparable values: ifd path/tag → type, count and value bytes. */
function exifTags(exif: Uint8Array): Record<string, string> {
  const tree = parseExif(exif);
  assert.ok(tree, "EXIF does not parse");
  const out: Record<string, string> = {};
  const walk = (ifd: typeof tree, path: string) => {
    for (const e of ifd.entries) out[`${path}/${e.tag}`] = `${e.type}:${e.count}:${[...e.value]}`;
    for (const [tag, child] of ifd.children) walk(child, `${path}/${tag}`);
  };
  walk(tree, "");
  return out;
}

Deno.test("readMetadata returns exactly the ICC profile, EXIF and density Pillow embedded", async () => {
  for (const [name, want] of Object.entries(manifest)) {
    const m = await readMetadata(read(name), { keepOrientation: true });
    assert.deepEqual(m.icc, want.icc ? ICC[want.icc] : undefined, `${name} icc`);
    // (A TIFF's EXIF is made from its tags: see the page test for tifffile's Software tag.)
    if (!name.endsWith(".tif")) {
      assert.deepEqual(m.exif, want.exif ? read(want.exif) : undefined, `${name} exif`);
    }
    assert.deepEqual(m.density, want.density, `${name} density`);
  }
});

Deno.test("a JPEG whose orientation is applied gives EXIF with Orientation 1, changed in a copy, both byte orders", async () => {
  for (const [name, stored] of [["photo_exif6.jpg", exifBe], ["photo_exif6_le.jpg", exifLe]]) {
    const bytes = read(name as string);
    const m = await readMetadata(bytes);
    assert.equal(exifOrientation(stored as Uint8Array), 6);
    assert.equal(exifOrientation(m.exif!), 1, name as string);
    // Only the Orientation value differs.
    const diff = [...m.exif!.keys()].filter((i) => m.exif![i] !== (stored as Uint8Array)[i]);
    assert.equal(diff.length, 1, `${name}: ${diff}`);
    assert.equal(
      exifOrientation(read(name === "photo_exif6.jpg" ? "exif6_be.bin" : "exif6_le.bin")),
      6,
    );
    const img = await decodeImage(bytes);
    assert.deepEqual([img.width, img.height], [16, 24]); // turned upright
    const kept = await readMetadata(bytes, { keepOrientation: true });
    assert.deepEqual(kept.exif, stored);
  }
  // PNG and WebP are turned upright as well (after decoding), so their EXIF says 1 too.
  for (const name of ["meta.png", "meta.webp"]) {
    assert.equal(exifOrientation((await readMetadata(read(name))).exif!), 1, name);
    const kept = await readMetadata(read(name), { keepOrientation: true });
    assert.equal(exifOrientation(kept.exif!), 6, name);
    const img = await decodeImage(read(name));
    assert.deepEqual([img.width, img.height], [16, 24], name); // 24×16 stored
  }
  // TIFF is not turned (tifffile, its reference, does not): its EXIF orientation stays as stored.
  const tif = await encodeImage(syntheticImage(24, 16, 3, "u8", 2), "tiff", { metadata: full });
  assert.equal(exifOrientation((await readMetadata(tif)).exif!), 6);
  const t = await decodeImage(tif);
  assert.deepEqual([t.width, t.height], [24, 16]);
});

Deno.test("exifWithOrientation patches a copy and leaves blocks without the tag alone", () => {
  const patched = exifWithOrientation(exifLe, 1);
  assert.notEqual(patched, exifLe);
  assert.equal(exifOrientation(exifLe), 6);
  assert.equal(exifOrientation(patched), 1);
  assert.equal(exifWithOrientation(patched, 1), patched);
  const none = new Uint8Array([0x49, 0x49, 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(exifWithOrientation(none, 1), none);
  // One LONG instead of one SHORT, both byte orders.
  const longLe = new Uint8Array([
    73,
    73,
    42,
    0,
    8,
    0,
    0,
    0,
    1,
    0,
    0x12,
    1,
    4,
    0,
    1,
    0,
    0,
    0,
    8,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  const longBe = new Uint8Array([
    77,
    77,
    0,
    42,
    0,
    0,
    0,
    8,
    0,
    1,
    1,
    0x12,
    0,
    4,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    8,
    0,
    0,
    0,
    0,
  ]);
  for (const b of [longLe, longBe]) {
    assert.equal(exifOrientation(b), 8);
    assert.equal(exifOrientation(exifWithOrientation(b, 1)), 1);
  }
});

const WRITERS: { format: ImageFormat; density: boolean }[] = [
  { format: "jpeg", density: true },
  { format: "png", density: true },
  { format: "webp", density: false },
  { format: "tiff", density: true },
  { format: "bmp", density: true },
  { format: "avif", density: false },
];

Deno.test("every metadata writer's output reads back the same ICC, EXIF and density", async () => {
  const img = syntheticImage(20, 12, 3, "u8", 3);
  for (const { format, density } of WRITERS) {
    for (const exif of [exifLe, exifBe]) {
      const bytes = await encodeImage(img, format, { metadata: { ...full, exif } });
      const m = await readMetadata(bytes, { keepOrientation: true });
      assert.deepEqual(m.icc, srgb, format);
      if (format === "tiff") assert.deepEqual(exifTags(m.exif!), exifTags(exif), format);
      else if (format === "bmp") assert.equal(m.exif, undefined); // BMP has no place for EXIF
      else assert.deepEqual(m.exif, exif, format);
      assert.deepEqual(m.density, density ? full.density : undefined, format);
      const back = await decodeImage(bytes, { keepOrientation: true });
      assert.deepEqual([back.width, back.height, back.channels], [20, 12, 3], format);
    }
  }
});

Deno.test("WebP metadata keeps alpha, lossless and lossy, in the extended format", async () => {
  for (const lossless of [true, false]) {
    const img = syntheticImage(17, 9, 4, "u8", 5);
    const bytes = await encodeImage(img, "webp", { lossless, metadata: full });
    assert.equal(String.fromCharCode(...bytes.subarray(12, 16)), "VP8X");
    assert.equal(bytes[20] & 0x38, 0x38, "ICC, alpha and EXIF flags");
    assert.equal(bytes[24] | (bytes[25] << 8), 16); // canvas width - 1
    const back = await decodeImage(bytes, { keepOrientation: true });
    assert.equal(back.channels, 4);
    if (lossless) assert.deepEqual(back.data, img.data);
    const shown = await decodeImage(bytes); // full's EXIF says Orientation 6: a quarter turn
    assert.deepEqual([shown.width, shown.height, shown.channels], [9, 17, 4]);
    assert.deepEqual((await readMetadata(bytes)).icc, srgb);
  }
});

Deno.test("densities: per centimetre and fractional values survive PNG and TIFF; JPEG rounds to integers", async () => {
  const img = syntheticImage(4, 4, 1, "u8", 1);
  for (const d of [{ x: 40, y: 20, unit: "cm" }, { x: 72, y: 72, unit: "inch" }] as const) {
    for (const f of ["png", "tiff", "jpeg"] as const) {
      const m = await readMetadata(await encodeImage(img, f, { metadata: { density: d } }));
      assert.deepEqual(m.density, d, `${f} ${d.unit}`);
    }
  }
  // (28.35 and 118.11 per cm would read back as 72 and 300 dpi: a PNG's whole dpi is told in inches.)
  const frac = { x: 28.3, y: 50.5, unit: "cm" } as const;
  for (const f of ["png", "tiff"] as const) {
    const m = await readMetadata(await encodeImage(img, f, { metadata: { density: frac } }));
    assert.ok(Math.abs(m.density!.x - 28.3) < 1e-9 && Math.abs(m.density!.y - 50.5) < 1e-9, f);
  }
  const j = await readMetadata(await encodeImage(img, "jpeg", { metadata: { density: frac } }));
  assert.deepEqual(j.density, { x: 28, y: 51, unit: "cm" });
});

Deno.test("a 150 kB ICC profile spans three JPEG APP2 segments and reads back whole", async () => {
  assert.deepEqual((await readMetadata(read("big_icc.jpg"))).icc, big);
  const bytes = await encodeImage(syntheticImage(8, 8, 3, "u8", 2), "jpeg", {
    metadata: { icc: big },
  });
  let segments = 0;
  for (let i = 2; i + 4 < bytes.length && bytes[i] === 0xff && bytes[i + 1] !== 0xda;) {
    if (bytes[i + 1] === 0xe2) segments++;
    i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3]);
  }
  assert.equal(segments, 3);
  assert.deepEqual((await readMetadata(bytes)).icc, big);
  // PNG, WebP, TIFF and AVIF hold it in one piece.
  for (const f of ["png", "webp", "tiff", "avif"] as const) {
    const b = await encodeImage(syntheticImage(8, 8, 3, "u8", 2), f, { metadata: { icc: big } });
    assert.deepEqual((await readMetadata(b)).icc, big, f);
  }
});

Deno.test("formats without metadata ignore it; AVIF keeps the ICC profile and EXIF, not density", async () => {
  const img = syntheticImage(8, 6, 3, "u8", 4);
  for (const f of ["netpbm", "npy"] as const) {
    const bytes = await encodeImage(img, f, { metadata: full });
    assert.deepEqual(await readMetadata(bytes), {}, f);
  }
  const avif = await encodeImage(img, "avif", { metadata: full });
  assert.deepEqual(await readMetadata(avif), { icc: srgb, exif: exifLe });
  assert.deepEqual(
    await readMetadata(Deno.readFileSync(new URL("./fixtures/io/opaque.gif", import.meta.url))),
    {},
  );
});

Deno.test("an ICC profile whose colour space is not the image's is left out", async () => {
  const gray = syntheticImage(8, 6, 1, "u8", 4), rgb = syntheticImage(8, 6, 3, "u8", 4);
  const grayIcc = srgb.slice();
  grayIcc.set([0x47, 0x52, 0x41, 0x59], 16); // "GRAY"
  const cmyk = srgb.slice();
  cmyk.set([0x43, 0x4d, 0x59, 0x4b], 16); // "CMYK"
  for (const f of ["jpeg", "png", "tiff", "bmp"] as const) {
    const m = (img: Image, icc: Uint8Array) =>
      encodeImage(img, f, { metadata: { icc, exif: exifLe } }).then((b) => readMetadata(b));
    assert.equal((await m(gray, srgb)).icc, undefined, f);
    assert.deepEqual((await m(gray, grayIcc)).icc, grayIcc, f);
    assert.equal((await m(rgb, cmyk)).icc, undefined, f);
    if (f !== "bmp") assert.ok((await m(rgb, cmyk)).exif, `${f}: the rest is still written`);
  }
  // WebP writes gray as RGB: an RGB profile stays, a GRAY one goes.
  const webp = (icc: Uint8Array) =>
    encodeImage(gray, "webp", { metadata: { icc } }).then((b) => readMetadata(b));
  assert.deepEqual((await webp(srgb)).icc, srgb);
  assert.equal((await webp(grayIcc)).icc, undefined);
});

Deno.test("an EXIF block over one JPEG segment is left out of a JPEG, the rest is written", async () => {
  const huge = new Uint8Array(70000);
  huge.set(exifLe);
  const bytes = await encodeImage(syntheticImage(8, 8, 3, "u8", 1), "jpeg", {
    metadata: { exif: huge, icc: srgb },
  });
  const m = await readMetadata(bytes);
  assert.equal(m.exif, undefined);
  assert.deepEqual(m.icc, srgb);
  const png = await readMetadata(
    await encodeImage(syntheticImage(8, 8, 3, "u8", 1), "png", { metadata: { exif: huge } }),
  );
  assert.equal(png.exif?.length, 70000);
});

Deno.test("metadata of the wrong shape is INVALID_PARAM naming the piece", async () => {
  const img = Image.zeros(2, 2, 3, "u8");
  for (
    const [metadata, piece] of [
      [{ exif: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }, "metadata.exif"],
      [{ icc: [1, 2] }, "metadata.icc"],
      [{ density: { x: 0, y: 72, unit: "inch" } }, "metadata.density"],
      [{ density: { x: 72, y: 72, unit: "px" } }, "metadata.density"],
      ["icc", "metadata must be an object"],
    ] as const
  ) {
    await assert.rejects(
      encodeImage(img, "png", { metadata: metadata as unknown as ImageMetadata }),
      (e: FilterError) => e.code === "INVALID_PARAM" && e.message.includes(piece),
    );
  }
  await assert.rejects(
    readMetadata(new Uint8Array(10)),
    (e: FilterError) => e.code === "DECODE_FAILED",
  );
  await assert.rejects(
    readMetadata("x" as unknown as Uint8Array),
    (e: FilterError) => e.code === "INVALID_PARAM",
  );
});

Deno.test("readImageWithMetadata gives decodeImage's pixels and readMetadata's metadata from one read", async () => {
  const path = dir + "photo_exif6.jpg";
  const { image, metadata } = await readImageWithMetadata(path);
  const bytes = read("photo_exif6.jpg");
  assert.deepEqual(image.data, (await decodeImage(bytes)).data);
  assert.deepEqual(metadata, await readMetadata(bytes));
  const kept = await readImageWithMetadata(path, { keepOrientation: true });
  assert.deepEqual([kept.image.width, exifOrientation(kept.metadata.exif!)], [24, 6]);
});

// ---- broken metadata ----

/** A copy of `b` with `patch` applied at `at`. */
function patched(b: Uint8Array, at: number, patch: number[]): Uint8Array {
  const out = b.slice();
  out.set(patch, at);
  return out;
}

/** Offsets of the JPEG marker segments `marker` before the first scan. */
function segmentsOf(b: Uint8Array, marker: number): number[] {
  const out: number[] = [];
  for (let i = 2; i + 4 < b.length && b[i] === 0xff && b[i + 1] !== 0xda;) {
    if (b[i + 1] === marker) out.push(i);
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  return out;
}

Deno.test("broken JPEG ICC segments (count, sequence, missing piece) give no profile; the pixels still decode", async () => {
  const b = read("big_icc.jpg");
  const [s1, s2] = segmentsOf(b, 0xe2);
  const cases = [
    patched(b, s1 + 4 + 13, [2]), // count 2 in one of three segments
    patched(b, s2 + 4 + 12, [1]), // sequence 1 twice
    patched(b, s2 + 4 + 13, [0]), // count 0
    patched(b, s1 + 4, [0x58]), // "XCC_PROFILE": not a profile piece, two pieces remain
  ];
  for (const bytes of cases) {
    const m = await readMetadata(bytes);
    assert.equal(m.icc, undefined);
    assert.deepEqual(m.density, { x: 40, y: 40, unit: "cm" });
    assert.equal((await decodeImage(bytes)).width, 24);
  }
});

Deno.test("a JPEG cut inside its metadata, or with a segment length past the end, reads what precedes it", async () => {
  const b = read("photo_exif6.jpg");
  const [app2] = segmentsOf(b, 0xe2);
  const cut = await readMetadata(b.subarray(0, app2 + 100));
  assert.equal(cut.icc, undefined);
  assert.ok(cut.exif);
  const [app1] = segmentsOf(b, 0xe1);
  const huge = await readMetadata(patched(b, app1 + 2, [0xff, 0xff]));
  assert.deepEqual(huge, { density: { x: 300, y: 300, unit: "inch" } });
});

Deno.test("EXIF with loops, bad offsets or a truncated IFD: nothing throws, orientation resets, TIFF writes what parses", async () => {
  const le = exifLe;
  const ifd0 = le[4]; // 8
  const loops = [
    patched(le, 4, [0xff, 0xff, 0, 0]), // IFD0 past the end
    patched(le, ifd0, [0xff, 0xff]), // 65535 entries claimed
    le.subarray(0, 20), // cut inside IFD0
  ];
  // The Exif sub-IFD pointing to itself through its Interop tag, and to IFD0.
  const tree = parseExif(le)!;
  assert.ok(tree.children.get(34665));
  for (const bad of loops) {
    // Entries before the break still count (as the JPEG decoder reads them).
    assert.equal(exifOrientation(exifWithOrientation(bad, 1)), 1);
    for (const f of ["jpeg", "png", "webp", "tiff"] as const) {
      const bytes = await encodeImage(syntheticImage(4, 4, 3, "u8", 1), f, {
        metadata: { exif: bad },
      });
      await readMetadata(bytes);
      await decodeImage(bytes);
    }
  }
  // An IFD whose Exif pointer leads back to IFD0, and one that points to itself.
  const selfLoop = loopedExif(le, false), backLoop = loopedExif(le, true);
  for (const bad of [selfLoop, backLoop]) {
    assert.ok(parseExif(bad));
    const bytes = await encodeImage(syntheticImage(4, 4, 3, "u8", 1), "tiff", {
      metadata: { exif: bad },
    });
    const m = await readMetadata(bytes, { keepOrientation: true });
    assert.equal(exifOrientation(m.exif!), 6);
  }
});

/** `exif` with its Exif IFD pointer turned to IFD0 (`back`) or an extra Interop pointer to itself. */
function loopedExif(exif: Uint8Array, back: boolean): Uint8Array {
  const out = exif.slice();
  const view = new DataView(out.buffer);
  const n = view.getUint16(8, true);
  for (let i = 0; i < n; i++) {
    const e = 10 + 12 * i;
    if (view.getUint16(e, true) !== 34665) continue;
    const sub = view.getUint32(e + 8, true);
    if (back) view.setUint32(e + 8, 8, true);
    else {
      // Its first entry becomes an Interop pointer to the Exif IFD itself.
      view.setUint16(sub + 2, 40965, true);
      view.setUint16(sub + 4, 4, true);
      view.setUint32(sub + 6, 1, true);
      view.setUint32(sub + 10, sub, true);
    }
  }
  return out;
}

/** A PNG with `chunks` inserted after IHDR. */
async function pngWith(...chunks: Uint8Array[]): Promise<Uint8Array> {
  const png = await encodeImage(syntheticImage(6, 4, 3, "u8", 9), "png");
  const at = 8 + 25;
  const parts = [png.subarray(0, at), ...chunks, png.subarray(at)];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

Deno.test("broken PNG metadata chunks are left out: bad zlib, a zip bomb, no name, short pHYs, EXIF without a TIFF header", async () => {
  const bomb = new Uint8Array(
    await new Response(
      new Blob([new Uint8Array(40 << 20)]).stream().pipeThrough(new CompressionStream("deflate")),
    ).arrayBuffer(),
  );
  const iccp = (name: string, z: Uint8Array) => {
    const d = new Uint8Array(name.length + 2 + z.length);
    d.set(new TextEncoder().encode(name));
    d.set(z, name.length + 2);
    return pngChunk("iCCP", d);
  };
  const cases = [
    iccp("p", new Uint8Array([0x78, 0x9c, 1, 2, 3, 4])),
    iccp("p", bomb),
    iccp("", new Uint8Array([0x78, 0x9c])),
    pngChunk("pHYs", new Uint8Array(8)),
    pngChunk("eXIf", new TextEncoder().encode("Exif\0\0II*\0")),
  ];
  for (const chunk of cases) {
    const bytes = await pngWith(chunk);
    assert.deepEqual(await readMetadata(bytes), {});
    assert.equal((await decodeImage(bytes)).width, 6);
  }
});

Deno.test("a TIFF whose ICC tag or resolution runs past the end keeps the pieces that are whole", async () => {
  const b = await encodeImage(syntheticImage(6, 4, 3, "u8", 9), "tiff", { metadata: full });
  const view = new DataView(b.buffer);
  const n = view.getUint16(8, true);
  const spoil = (tag: number, count: number) => {
    const out = b.slice();
    const v = new DataView(out.buffer);
    for (let i = 0; i < n; i++) {
      if (v.getUint16(10 + 12 * i, true) === tag) v.setUint32(10 + 12 * i + 4, count, true);
    }
    return out;
  };
  const noIcc = await readMetadata(spoil(34675, 0x7fffffff));
  assert.equal(noIcc.icc, undefined);
  assert.deepEqual(noIcc.density, full.density);
  const noRes = await readMetadata(spoil(282, 2));
  assert.equal(noRes.density, undefined);
  assert.deepEqual(noRes.icc, srgb);
});

Deno.test("readMetadata never throws on truncated or bit-flipped files, and what it returns can be written", async () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const names = Object.keys(manifest);
  for (const name of names) {
    const b = read(name);
    for (let k = 0; k < 60; k++) {
      let bytes: Uint8Array;
      if (k % 3 === 0) bytes = b.subarray(0, rand(b.length));
      else {
        bytes = b.slice();
        for (let f = 0; f < 1 + rand(8); f++) bytes[rand(Math.min(b.length, 2000))] ^= 1 << rand(8);
      }
      let m: ImageMetadata;
      try {
        m = await readMetadata(bytes);
      } catch (e) {
        // Only a spoiled magic number may be refused (unrecognised data).
        assert.equal((e as FilterError).code, "DECODE_FAILED", `${name} #${k}: ${e}`);
        continue;
      }
      for (const f of ["jpeg", "png", "tiff"] as const) {
        await encodeImage(syntheticImage(4, 4, 3, "u8", 1), f, { metadata: m });
      }
    }
  }
});

Deno.test("a TIFF page's own metadata: readMetadata and readImageWithMetadata follow page", async () => {
  const bytes = read("pages_meta.tif");
  const first = await readMetadata(bytes);
  assert.deepEqual(first.density, { x: 72, y: 72, unit: "inch" });
  assert.equal(first.icc, undefined);
  // tifffile's Software tag becomes EXIF; its ImageDescription (the shape, as JSON) does not.
  assert.deepEqual(Object.keys(exifTags(first.exif!)), ["/305"]);
  const second = await readMetadata(bytes, { page: 1 });
  assert.deepEqual(second.density, { x: 120, y: 120, unit: "cm" });
  assert.deepEqual(second.icc, srgb);
  const { metadata } = await readImageWithMetadata(dir + "pages_meta.tif", { page: 1 });
  assert.deepEqual(metadata, second);
  // A page past the last has no metadata to give (decoding it is the DECODE_FAILED).
  assert.deepEqual(await readMetadata(bytes, { page: 5 }), {});
});

Deno.test("BMP: density in the header (72 dpi when none is given), an ICC profile in a V5 header; Pillow's BMPs read their dpi", async () => {
  const plain = await readMetadata(await encodeImage(syntheticImage(5, 3, 3, "u8", 1), "bmp"));
  assert.deepEqual(plain, { density: { x: 72, y: 72, unit: "inch" } });
  for (const ch of [1, 3, 4]) {
    const img = syntheticImage(5, 3, ch, "u8", 1);
    const icc = srgb.slice();
    if (ch === 1) icc.set([0x47, 0x52, 0x41, 0x59], 16); // "GRAY"
    const bytes = await encodeImage(img, "bmp", {
      metadata: { icc, density: { x: 40, y: 20, unit: "cm" } },
    });
    assert.equal(new DataView(bytes.buffer).getUint32(14, true), 124);
    const m = await readMetadata(bytes);
    assert.deepEqual(m, { icc, density: { x: 40, y: 20, unit: "cm" } });
    assert.deepEqual((await decodeImage(bytes)).data, img.data);
  }
  const formats = new URL("./fixtures/formats/", import.meta.url).pathname;
  // make_formats.py saved these with Pillow's default 96 dpi.
  const pillow = await readMetadata(Deno.readFileSync(formats + "pillow_rgb.bmp"));
  assert.ok(pillow.density, "pillow_rgb.bmp has a density");
});

Deno.test("two Exif segments: the first is the EXIF, as Pillow and the decoder read it", async () => {
  const bytes = Deno.readFileSync(
    new URL("./fixtures/io/jpeg/exif_two_segments.jpg", import.meta.url),
  );
  assert.equal(exifOrientation((await readMetadata(bytes, { keepOrientation: true })).exif!), 6);
  assert.equal(exifOrientation((await readMetadata(bytes)).exif!), 1);
  // A first Exif segment without a TIFF header: no EXIF (the second is not taken instead).
  const spoiled = bytes.slice();
  const at = segmentsOf(bytes, 0xe1)[0] + 4 + 6;
  spoiled.set([0x58, 0x58], at);
  assert.equal((await readMetadata(spoiled)).exif, undefined);
});

Deno.test("EXIF entries that all point at the same bytes are not multiplied past the parse budget", async () => {
  // 1000 UNDEFINED entries, each claiming the same 60,000 bytes: 60 MB of claims in 60 kB.
  const n = 1000, blob = 8 + 2 + 12 * n + 4;
  const exif = new Uint8Array(blob + 60000);
  const view = new DataView(exif.buffer);
  exif.set([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  view.setUint16(8, n, true);
  for (let i = 0; i < n; i++) {
    const e = 10 + 12 * i;
    view.setUint16(e, 40000 + i, true);
    view.setUint16(e + 2, 7, true);
    view.setUint32(e + 4, 60000, true);
    view.setUint32(e + 8, blob, true);
  }
  const tree = parseExif(exif)!;
  const copied = tree.entries.reduce((s, e) => s + e.value.length, 0);
  assert.ok(copied <= MAX_TREE_BYTES, `${copied}`);
  assert.equal(tree.entries.length, Math.floor(MAX_TREE_BYTES / 60000));
  // The sub-IFDs of a TIFF come from the same parser: writing it stays bounded too.
  const tiff = await encodeImage(syntheticImage(4, 4, 3, "u8", 1), "tiff", { metadata: { exif } });
  assert.ok(tiff.length < 1 << 20, `${tiff.length}`); // none of those tags is an image tag
});
