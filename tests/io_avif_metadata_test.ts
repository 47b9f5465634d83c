// AVIF metadata (io/avif_metadata.ts): the ICC profile (`colr` `prof`) and
// the EXIF item written into the encoder's output and read back exactly, the
// pixels untouched by it, the boxes as HEIF wants them, avifenc's EXIF item
// read to the byte, and malformed boxes leaving a piece out, never throwing.
// Fixtures: tests/fixtures/io/metadata/ (make_metadata_fixtures.py).
// avifdec's view of these files is checked by hand (no external tool here).

import assert from "node:assert/strict";
import { decodeImage, encodeImage, type Image, readMetadata } from "../mod.ts";
import { addAvifMetadata, readAvifMetadata } from "../io/avif_metadata.ts";
import { type Box, boxes, u16, u32 } from "../io/avif_header.ts";
import { exifOrientation, isExif, isIcc } from "../io/metadata.ts";
import { syntheticImage } from "../testing.ts";

const dir = new URL("./fixtures/io/metadata/", import.meta.url).pathname;
const read = (name: string) => Deno.readFileSync(dir + name);
const srgb = read("srgb.icc");
const big = read("big.icc");
const exifLe = read("exif6_le.bin");
const exifBe = read("exif6_be.bin");
const grayIcc = srgb.slice();
grayIcc.set([0x47, 0x52, 0x41, 0x59], 16); // "GRAY"

/** The boxes inside `meta` (after its version and flags), and `meta` itself. */
function metaOf(b: Uint8Array): { meta: Box; children: Box[] } {
  const meta = boxes(b, 0, b.length).find((x) => x.type === "meta")!;
  return { meta, children: boxes(b, meta.start + 4, meta.end) };
}
const inMeta = (b: Uint8Array, type: string) => metaOf(b).children.find((x) => x.type === type)!;

function sameImage(a: Image, b: Image, what: string) {
  assert.deepEqual([b.width, b.height, b.channels, b.dtype], [
    a.width,
    a.height,
    a.channels,
    a.dtype,
  ], what);
  assert.ok(a.data.every((v, i) => v === b.data[i]), `${what}: pixels differ`);
}

/** The bytes of every top-level `mdat` box's payload, joined. */
function mdatOf(b: Uint8Array): number[] {
  return boxes(b, 0, b.length).filter((x) => x.type === "mdat").flatMap((x) => [
    ...b.subarray(x.start, x.end),
  ]);
}

Deno.test("AVIF carries the ICC profile and EXIF exactly, and the pixels are those without them", async () => {
  const cases: [string, Image, boolean, Uint8Array][] = [
    ["rgb lossy", syntheticImage(40, 30, 3, "u8", 1), false, srgb],
    ["rgba lossy", syntheticImage(33, 17, 4, "u8", 2), false, srgb],
    ["rgb lossless", syntheticImage(20, 24, 3, "u8", 3), true, big],
    ["gray lossless", syntheticImage(21, 9, 1, "u8", 4), true, grayIcc],
    ["rgb 10/12-bit", syntheticImage(16, 16, 3, "u16", 5), false, srgb],
  ];
  for (const [what, img, lossless, icc] of cases) {
    const plain = await encodeImage(img, "avif", { lossless });
    for (const metadata of [{ icc, exif: exifLe }, { icc }, { exif: exifBe }]) {
      const label = `${what} ${Object.keys(metadata)}`;
      const bytes = await encodeImage(img, "avif", { lossless, metadata });
      assert.deepEqual(await readMetadata(bytes), metadata, label);
      // The AV1 data are the encoder's; the EXIF item, if any, is appended after it.
      const plainData = mdatOf(plain);
      assert.deepEqual(mdatOf(bytes).slice(0, plainData.length), plainData, label);
      sameImage(await decodeImage(plain), await decodeImage(bytes), label);
    }
  }
});

Deno.test("AVIF EXIF is kept as given, Orientation included: the stored pixels are the image", async () => {
  const img = syntheticImage(12, 8, 3, "u8", 6);
  const bytes = await encodeImage(img, "avif", { lossless: true, metadata: { exif: exifLe } });
  const m = await readMetadata(bytes);
  assert.equal(exifOrientation(m.exif!), 6);
  const back = await decodeImage(bytes);
  assert.deepEqual([back.width, back.height], [12, 8]);
  // No irot or imir is written.
  const ipco = boxes(bytes, inMeta(bytes, "iprp").start, inMeta(bytes, "iprp").end)[0];
  assert.deepEqual(
    boxes(bytes, ipco.start, ipco.end).filter((x) => x.type === "irot" || x.type === "imir"),
    [],
  );
});

Deno.test("AVIF metadata boxes: colr prof beside nclx, an Exif infe v2, iref cdsc to the primary item, iloc inside the file", async () => {
  const plain = await encodeImage(syntheticImage(24, 16, 4, "u8", 7), "avif");
  const b = addAvifMetadata(plain, { icc: srgb, exif: exifLe });
  // ipco: the encoder's properties unchanged, then the profile.
  const iprp = inMeta(b, "iprp");
  const [ipco, ipma] = boxes(b, iprp.start, iprp.end);
  const props = boxes(b, ipco.start, ipco.end);
  const last = props[props.length - 1];
  assert.equal(last.type, "colr");
  assert.equal(String.fromCharCode(...b.subarray(last.start, last.start + 4)), "prof");
  assert.deepEqual(b.subarray(last.start + 4, last.end), srgb);
  assert.ok(
    props.some((p) =>
      p.type === "colr" && String.fromCharCode(...b.subarray(p.start, p.start + 4)) === "nclx"
    ),
    "the nclx colr stays",
  );
  // ipma: the primary item (1) has the profile, not essential; the alpha item (2) does not.
  assert.equal(ipma.type, "ipma");
  const primary = u16(b, inMeta(b, "pitm").start + 4);
  let p = ipma.start + 8;
  const assoc = new Map<number, number[]>();
  for (let i = 0; i < u32(b, ipma.start + 4); i++) {
    const id = u16(b, p), n = b[p + 2];
    assoc.set(id, [...b.subarray(p + 3, p + 3 + n)]);
    p += 3 + n;
  }
  assert.equal(p, ipma.end);
  assert.ok(assoc.get(primary)!.includes(props.length), "profile associated, essential bit clear");
  assert.ok(!assoc.get(2)!.includes(props.length));
  // iinf: a version 2 infe of type Exif, a new id.
  const iinf = inMeta(b, "iinf");
  const infes = boxes(b, iinf.start + 6, iinf.end);
  assert.equal(u16(b, iinf.start + 4), infes.length);
  const infe = infes[infes.length - 1];
  assert.equal(b[infe.start], 2);
  const exifId = u16(b, infe.start + 4);
  assert.equal(String.fromCharCode(...b.subarray(infe.start + 8, infe.start + 12)), "Exif");
  assert.equal(exifId, 3);
  // iref: auxl kept, cdsc from the Exif item to the primary item.
  const iref = inMeta(b, "iref");
  const refs = boxes(b, iref.start + 4, iref.end);
  assert.deepEqual(refs.map((r) => r.type), ["auxl", "cdsc"]);
  assert.deepEqual([...b.subarray(refs[1].start, refs[1].end)], [0, exifId, 0, 1, 0, primary]);
  // The file's boxes add up, and the last mdat ends the file.
  const top = boxes(b, 0, b.length);
  assert.equal(top[top.length - 1].type, "mdat");
  assert.equal(top[top.length - 1].end, b.length);
});

Deno.test("a profile index past 127 switches ipma to 15-bit indices", async () => {
  const img = syntheticImage(16, 12, 3, "u8", 8);
  const plain = await encodeImage(img, "avif");
  let b = plain;
  // Each call appends a profile property and moves the primary item's association to it.
  for (let i = 0; i < 130; i++) b = addAvifMetadata(b, { icc: i % 2 ? big : srgb });
  const iprp = inMeta(b, "iprp");
  const [ipco, ipma] = boxes(b, iprp.start, iprp.end);
  assert.ok(boxes(b, ipco.start, ipco.end).length > 130);
  assert.equal(b[ipma.start + 3] & 1, 1);
  assert.deepEqual(readAvifMetadata(b), { icc: big });
  sameImage(await decodeImage(plain), await decodeImage(b), "130 profiles");
  // And an EXIF item after that.
  const e = addAvifMetadata(b, { exif: exifLe });
  assert.deepEqual(readAvifMetadata(e), { icc: big, exif: exifLe });
});

Deno.test("AVIF EXIF data after a box that is not mdat goes into a new mdat", async () => {
  const plain = await encodeImage(syntheticImage(16, 12, 3, "u8", 9), "avif");
  const free = new Uint8Array(16);
  free.set([0, 0, 0, 16, 0x66, 0x72, 0x65, 0x65]); // a "free" box
  const padded = new Uint8Array(plain.length + free.length);
  padded.set(plain);
  padded.set(free, plain.length);
  const b = addAvifMetadata(padded, { exif: exifBe, icc: srgb });
  assert.deepEqual(boxes(b, 0, b.length).map((x) => x.type), [
    "ftyp",
    "meta",
    "mdat",
    "free",
    "mdat",
  ]);
  assert.deepEqual(readAvifMetadata(b), { icc: srgb, exif: exifBe });
  sameImage(await decodeImage(plain), await decodeImage(b), "new mdat");
});

Deno.test("avifenc's Exif item and colr profile read back to the byte", async () => {
  const bytes = read("meta.avif");
  const m = await readMetadata(bytes);
  assert.deepEqual(m, { icc: srgb, exif: exifLe });
  // Stored as is: AVIF's irot (which avifenc wrote from Orientation 6) is not applied, nor EXIF.
  assert.equal(exifOrientation(m.exif!), 6);
  const img = await decodeImage(bytes);
  assert.deepEqual([img.width, img.height], [24, 16]);
});

/** Our AVIF with the given Exif payload bytes (an offset then the data) at the end of its mdat. */
function withPayload(data: Uint8Array, offset: number): Uint8Array {
  const b = addAvifMetadata(ENCODED, { icc: srgb, exif: data });
  new DataView(b.buffer).setUint32(b.length - data.length - 4, offset);
  return b;
}
const ENCODED = await encodeImage(syntheticImage(16, 12, 3, "u8", 10), "avif");

Deno.test("AVIF Exif payloads: the TIFF header offset, JPEG's Exif\\0\\0 prefix, and bad ones left out", () => {
  const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
  const prefix = new TextEncoder().encode("Exif\0\0");
  assert.deepEqual(readAvifMetadata(withPayload(cat(prefix, exifLe), 0)).exif, exifLe);
  assert.deepEqual(readAvifMetadata(withPayload(cat(new Uint8Array(3), exifLe), 3)).exif, exifLe);
  assert.deepEqual(readAvifMetadata(withPayload(cat(new Uint8Array(3), exifLe), 2)), { icc: srgb });
  assert.deepEqual(readAvifMetadata(withPayload(exifLe, 0xffffffff)), { icc: srgb });
  assert.deepEqual(readAvifMetadata(withPayload(exifLe, exifLe.length)), { icc: srgb });
  const notTiff = exifLe.slice();
  notTiff[0] = 0x58;
  assert.deepEqual(readAvifMetadata(withPayload(notTiff, 0)), { icc: srgb });
});

Deno.test("malformed AVIF metadata boxes leave that piece out and never throw", () => {
  const good = addAvifMetadata(ENCODED, { icc: srgb, exif: exifLe });
  // The Exif item's iloc extent past the end of the file: the profile is kept.
  const iloc = inMeta(good, "iloc");
  const long = good.slice();
  new DataView(long.buffer).setUint32(iloc.end - 4, 1 << 30);
  assert.deepEqual(readAvifMetadata(long), { icc: srgb });
  // The cdsc reference to another item than the primary one.
  const iref = inMeta(good, "iref");
  const other = good.slice();
  other[iref.end - 1] = 2;
  assert.deepEqual(readAvifMetadata(other), { icc: srgb });
  // ipma claiming more entries than it holds: no profile, the EXIF is kept.
  const iprp = inMeta(good, "iprp");
  const ipma = boxes(good, iprp.start, iprp.end)[1];
  const many = good.slice();
  new DataView(many.buffer).setUint32(ipma.start + 4, 1000);
  assert.deepEqual(readAvifMetadata(many), { exif: exifLe });
  // A truncated infe: the Exif item's type is not known.
  const iinf = inMeta(good, "iinf");
  const cut = good.slice();
  const lastInfe = boxes(good, iinf.start + 6, iinf.end).at(-1)!;
  new DataView(cut.buffer).setUint32(lastInfe.at, 10);
  assert.deepEqual(readAvifMetadata(cut), { icc: srgb });
  // Every truncation, and random byte changes in meta: no throw; pieces exact or absent.
  const check = (b: Uint8Array, what: string) => {
    const m = readAvifMetadata(b);
    if (m.icc) assert.ok(isIcc(m.icc), what);
    if (m.exif) assert.ok(isExif(m.exif), what);
  };
  for (let n = 0; n < good.length; n++) check(good.subarray(0, n), `cut at ${n}`);
  const { meta } = metaOf(good);
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  for (let i = 0; i < 3000; i++) {
    const b = good.slice();
    for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
      b[meta.at + Math.floor(rnd() * (meta.end - meta.at))] = Math.floor(rnd() * 256);
    }
    check(b, `mutation ${i}`);
  }
});
