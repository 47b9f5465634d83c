// The CLI carries the input's metadata (ICC profile, EXIF, density) to the
// output in every command that reads and writes an image — filters, pipe,
// convert, batch, standard input — with the EXIF orientation reset to 1
// when it was applied; --strip-metadata writes none.

import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "./_cli.ts";
import { decodeImage, readMetadata } from "../mod.ts";
import { exifOrientation, exifWithOrientation } from "../io/metadata.ts";
import { parseExif } from "../io/tiff/ifd_tree.ts";

const root = new URL("..", import.meta.url).pathname;
const fixtures = join(root, "tests/fixtures/io/metadata");
const fixture = (name: string) => join(fixtures, name);
const srgb = Deno.readFileSync(fixture("srgb.icc"));
const dir = Deno.makeTempDirSync({ prefix: "imfilter-metadata-" });
const at = (name: string) => join(dir, name);
const metaOf = async (name: string) => await readMetadata(Deno.readFileSync(at(name)));

/** The tag → value bytes of IFD0 and the Exif IFD, without Orientation. */
function tagsBesidesOrientation(exif: Uint8Array): Record<string, string> {
  const tree = parseExif(exif)!;
  const out: Record<string, string> = {};
  for (const e of tree.entries) if (e.tag !== 274) out[e.tag] = String([...e.value]);
  for (const e of tree.children.get(34665)?.entries ?? []) {
    out[`exif/${e.tag}`] = String([...e.value]);
  }
  return out;
}

Deno.test("convert carries the metadata across formats: JPEG -> PNG, WebP, TIFF, and PNG -> JPEG", async () => {
  const source = await readMetadata(Deno.readFileSync(fixture("photo_exif6_le.jpg")), {
    keepOrientation: true,
  });
  for (const out of ["a.png", "a.webp", "a.tif", "a.jpg"]) {
    const r = await runMain("convert", fixture("photo_exif6_le.jpg"), at(out), "-q");
    assert.equal(r.status, 0, r.err);
    const m = await metaOf(out);
    assert.deepEqual(m.icc, srgb, out);
    assert.equal(exifOrientation(m.exif!), 1, `${out}: orientation applied, so reset to 1`);
    assert.deepEqual(tagsBesidesOrientation(m.exif!), tagsBesidesOrientation(source.exif!), out);
    assert.deepEqual(m.density, out.endsWith(".webp") ? undefined : source.density, out);
    const img = await decodeImage(Deno.readFileSync(at(out)));
    assert.deepEqual([img.width, img.height], [16, 24], out);
  }
  // PNG -> JPEG: the PNG decoder turns its pixels by its eXIf orientation 6 too, so 1 is written.
  assert.equal((await runMain("convert", fixture("meta.png"), at("b.jpg"), "-q")).status, 0);
  const m = await metaOf("b.jpg");
  assert.deepEqual(m.icc, srgb);
  assert.deepEqual(m.density, { x: 300, y: 300, unit: "inch" });
  const kept = await readMetadata(Deno.readFileSync(at("b.jpg")), { keepOrientation: true });
  assert.deepEqual(kept.exif, exifWithOrientation(Deno.readFileSync(fixture("exif6_le.bin")), 1));
  const b = await decodeImage(Deno.readFileSync(at("b.jpg")));
  assert.deepEqual([b.width, b.height], [16, 24]);
});

Deno.test("convert JPEG -> AVIF carries the ICC profile and EXIF; --strip-metadata writes none", async () => {
  const source = await readMetadata(Deno.readFileSync(fixture("photo_exif6_le.jpg")), {
    keepOrientation: true,
  });
  const r = await runMain("convert", fixture("photo_exif6_le.jpg"), at("a.avif"), "-q");
  assert.equal(r.status, 0, r.err);
  const m = await metaOf("a.avif");
  assert.deepEqual(m.icc, srgb);
  // The JPEG decoder turned the pixels upright, so the EXIF says 1; AVIF has no density.
  assert.deepEqual(m.exif, exifWithOrientation(source.exif!, 1));
  assert.equal(m.density, undefined);
  const img = await decodeImage(Deno.readFileSync(at("a.avif")));
  assert.deepEqual([img.width, img.height], [16, 24]);
  const strip = await runMain(
    "convert",
    fixture("photo_exif6_le.jpg"),
    at("a.avif"),
    "-q",
    "--overwrite",
    "--strip-metadata",
  );
  assert.equal(strip.status, 0, strip.err);
  assert.deepEqual(await metaOf("a.avif"), {});
});

Deno.test("--keep-orientation keeps the stored pixels and the stored Orientation tag", async () => {
  const r = await runMain(
    "convert",
    fixture("photo_exif6.jpg"),
    at("kept.png"),
    "--keep-orientation",
    "-q",
  );
  assert.equal(r.status, 0, r.err);
  const bytes = Deno.readFileSync(at("kept.png"));
  const m = await readMetadata(bytes, { keepOrientation: true });
  assert.deepEqual(m.exif, Deno.readFileSync(fixture("exif6_be.bin")));
  assert.equal(exifOrientation(m.exif!), 6);
  const img = await decodeImage(bytes, { keepOrientation: true });
  assert.deepEqual([img.width, img.height], [24, 16]);
  // Read as a viewer shows it, the PNG turns by the Orientation 6 it kept.
  const shown = await decodeImage(bytes);
  assert.deepEqual([shown.width, shown.height], [16, 24]);
});

Deno.test("a filter and a pipe carry the metadata; --strip-metadata writes none", async () => {
  const runs: [string, string[]][] = [
    ["f.jpg", ["gaussian", fixture("photo_exif6.jpg"), at("f.jpg"), "--sigma", "1"]],
    ["p.webp", ["pipe", fixture("photo_exif6.jpg"), at("p.webp"), "--", "median", "--size", "3"]],
  ];
  for (const [out, args] of runs) {
    assert.equal((await runMain(...args, "-q")).status, 0);
    const m = await metaOf(out);
    assert.deepEqual(m.icc, srgb, out);
    assert.equal(exifOrientation(m.exif!), 1, out);
    const strip = await runMain(...args, "-q", "--overwrite", "--strip-metadata");
    assert.equal(strip.status, 0, strip.err);
    assert.deepEqual(await metaOf(out), {}, out);
  }
  for (const out of ["s.png", "s.tif", "s.jpg"]) {
    const r = await runMain("convert", fixture("meta.png"), at(out), "--strip-metadata", "-q");
    assert.equal(r.status, 0, r.err);
    assert.deepEqual(await metaOf(out), {}, out);
  }
});

Deno.test("batch carries the metadata of each input, and --strip-metadata drops it", async () => {
  const inputs = [fixture("photo_exif6.jpg"), fixture("meta.png")];
  for (const strip of [false, true]) {
    const out = at(strip ? "batch-strip" : "batch");
    const r = await runMain(
      "batch",
      ...inputs,
      "--out-dir",
      out,
      "-q",
      ...(strip ? ["--strip-metadata"] : []),
      "--",
      "median",
      "--size",
      "3",
    );
    assert.equal(r.status, 0, r.err);
    const written = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.equal(written.length, 2, String(written));
    for (const name of written) {
      const m = await readMetadata(Deno.readFileSync(join(out, name)));
      if (strip) assert.deepEqual(m, {}, name);
      else assert.deepEqual(m.icc, srgb, name);
    }
  }
});

Deno.test("standard input carries its metadata too: cat photo.jpg | imfilter convert - out.png", async () => {
  const out = at("stdin.png");
  const p = await new Deno.Command("bash", {
    args: [
      "-c",
      `cat "${fixture("photo_exif6.jpg")}" | "$DENO" task -q imfilter convert - "${out}" -q`,
    ],
    cwd: root,
    env: { NO_COLOR: "1", DENO: Deno.execPath() },
    stdin: "null",
  }).output();
  assert.equal(p.code, 0, new TextDecoder().decode(p.stderr));
  const m = await metaOf("stdin.png");
  assert.deepEqual(m.icc, srgb);
  assert.equal(exifOrientation(m.exif!), 1);
  assert.deepEqual(m.density, { x: 300, y: 300, unit: "inch" });
});

Deno.test("help texts list --strip-metadata", async () => {
  assert.match((await runMain("--help")).out, /--strip-metadata +write no metadata/);
  assert.match((await runMain("convert", "--help")).out, /--strip-metadata/);
  assert.match((await runMain("batch", "--help")).out, /--strip-metadata/);
});
