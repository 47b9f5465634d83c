// The convert command and the image I/O flags every image command takes
// (--quality, --subsampling, --progressive, --lossless, --compression,
// --format, --page, --frame, --keep-orientation), and `-` for standard
// input and output. Most runs call main() in-process with captured
// streams; the stdin/stdout ones go through `deno task imfilter` in bash.

import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "./_cli.ts";
import { decodeImage, encodeNpy, Image, readImage, writeImage } from "../mod.ts";
import { syntheticImage } from "../testing.ts";

const cli = runMain;

const root = new URL("..", import.meta.url).pathname;
const dir = Deno.makeTempDirSync({ prefix: "imfilter-convert-" });
const rgb = syntheticImage(48, 32, 3, "u8", 7);
const input = join(dir, "in.png");
await writeImage(input, rgb);
const at = (name: string) => join(dir, name);
const bytesOf = (name: string) => Deno.readFileSync(at(name));

/** The bytes of the first JPEG marker `marker` (0xC0 = SOF0, 0xC2 = SOF2), or undefined. */
function jpegSegment(b: Uint8Array, marker: number): Uint8Array | undefined {
  let i = 2;
  while (i + 4 <= b.length && b[i] === 0xff) {
    const m = b[i + 1], len = (b[i + 2] << 8) | b[i + 3];
    if (m === marker) return b.subarray(i + 4, i + 2 + len);
    if (m === 0xda) return undefined; // start of scan: no more frame headers
    i += 2 + len;
  }
  return undefined;
}

/** Sampling factors (h << 4 | v) of each component of a JPEG's SOF. */
function samplingFactors(b: Uint8Array): number[] {
  const sof = jpegSegment(b, 0xc0) ?? jpegSegment(b, 0xc2);
  assert.ok(sof, "no SOF0/SOF2");
  const n = sof[5];
  return Array.from({ length: n }, (_, k) => sof[6 + 3 * k + 1]);
}

/** The value of a TIFF tag in the first IFD (little-endian, SHORT or LONG). */
function tiffTag(b: Uint8Array, tag: number): number | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  assert.equal(String.fromCharCode(b[0], b[1]), "II");
  const ifd = v.getUint32(4, true), count = v.getUint16(ifd, true);
  for (let k = 0; k < count; k++) {
    const e = ifd + 2 + 12 * k;
    if (v.getUint16(e, true) !== tag) continue;
    return v.getUint16(e + 2, true) === 3 ? v.getUint16(e + 8, true) : v.getUint32(e + 8, true);
  }
  return undefined;
}

/** A two-frame 2x1 GIF by hand: frame 0 is red, blue; frame 1 is blue, red. */
function twoFrameGif(): Uint8Array {
  // LZW with minimum code size 2: clear (4), two literals, end (5), 3 bits each, LSB first.
  const lzw = (a: number, b: number) => {
    const bits = [4, a, b, 5].reduce((acc, code, k) => acc | (code << (3 * k)), 0);
    return [2, 2, bits & 0xff, bits >> 8, 0];
  };
  const frame = (a: number, b: number) => [0x2c, 0, 0, 0, 0, 2, 0, 1, 0, 0, ...lzw(a, b)];
  return new Uint8Array([
    ...new TextEncoder().encode("GIF89a"),
    2,
    0,
    1,
    0,
    0x80,
    0,
    0, // screen 2x1, a global table of 2 colours
    255,
    0,
    0,
    0,
    0,
    255,
    ...frame(0, 1),
    ...frame(1, 0),
    0x3b,
  ]);
}

Deno.test("convert writes the input's pixels in the format of the output's extension", async () => {
  for (const name of ["c.tif", "c.webp", "c.bmp", "c.ppm", "c.npy", "c.avif"]) {
    const extra = name.endsWith(".webp") || name.endsWith(".avif") ? ["--lossless"] : [];
    const r = await cli("convert", input, at(name), "--quiet", ...extra);
    assert.equal(r.status, 0, `${name}: ${r.err}`);
    const back = await readImage(at(name));
    assert.deepEqual([back.width, back.height, back.channels, back.dtype], [48, 32, 3, "u8"]);
    if (!name.endsWith(".avif")) assert.deepEqual(back.data, rgb.data, name);
  }
  // Back from TIFF to PNG: still the same pixels; JPEG at q100 4:4:4 within a few levels.
  assert.equal((await cli("convert", at("c.tif"), at("c2.png"), "-q")).status, 0);
  assert.deepEqual((await readImage(at("c2.png"))).data, rgb.data);
  const r = await cli("convert", input, at("c.jpg"), "--quality", "100", "--subsampling", "4:4:4");
  assert.equal(r.status, 0, r.err);
  assert.match(r.err, /^convert: wrote .*c\.jpg \(48x32x3 u8\)/);
  const jpg = await readImage(at("c.jpg"));
  let worst = 0;
  for (let i = 0; i < rgb.data.length; i++) {
    worst = Math.max(worst, Math.abs(jpg.data[i] - rgb.data[i]));
  }
  assert.ok(worst <= 8, `JPEG q100 4:4:4 differs by up to ${worst}`);
});

Deno.test("convert --dtype converts samples with the library's rounding and saturation", async () => {
  const f = new Image(6, 1, 1, new Float32Array([-1, 0.5, 1.5, 2.5, 254.5, 300]));
  Deno.writeFileSync(at("f.npy"), encodeNpy(f));
  const r = await cli("convert", at("f.npy"), at("f.png"), "--dtype", "u8", "-q");
  assert.equal(r.status, 0, r.err);
  const got = await readImage(at("f.png"));
  assert.deepEqual([...got.data], [0, 0, 2, 2, 254, 255]);
  assert.deepEqual([...got.data], [...f.toDtype("u8").data]);
  assert.equal((await cli("convert", input, at("u16.png"), "--dtype", "u16", "-q")).status, 0);
  const u16 = await readImage(at("u16.png"));
  assert.equal(u16.dtype, "u16");
  assert.deepEqual(u16.data, rgb.toDtype("u16").data);
  // Float to PNG without --dtype or --stretch: refused, nothing written.
  const bad = await cli("convert", at("f.npy"), at("f2.png"));
  assert.equal(bad.status, 2);
  assert.match(bad.err, /^error\[UNSUPPORTED_DTYPE\]: .*--dtype u8/);
  assert.throws(() => Deno.statSync(at("f2.png")));
});

Deno.test("--quality, --subsampling and --progressive shape the JPEG written", async () => {
  for (
    const [name, ...flags] of [
      ["q30.jpg", "--quality", "30"],
      ["q95.jpg", "--quality", "95"],
      ["s420.jpg"],
      ["s444.jpg", "--subsampling", "4:4:4"],
      ["prog.jpg", "--progressive"],
    ]
  ) {
    const r = await cli("convert", input, at(name), "-q", ...flags);
    assert.equal(r.status, 0, `${name}: ${r.err}`);
  }
  assert.ok(bytesOf("q30.jpg").length < bytesOf("q95.jpg").length);
  assert.deepEqual(samplingFactors(bytesOf("s420.jpg")), [0x22, 0x11, 0x11]);
  assert.deepEqual(samplingFactors(bytesOf("s444.jpg")), [0x11, 0x11, 0x11]);
  assert.ok(jpegSegment(bytesOf("prog.jpg"), 0xc2), "progressive: SOF2");
  assert.equal(jpegSegment(bytesOf("s420.jpg"), 0xc2), undefined, "baseline by default");
  assert.ok(jpegSegment(bytesOf("s420.jpg"), 0xc0), "baseline: SOF0");
  // The same flags on a filter run.
  const g30 = await cli("gaussian", input, at("g30.jpg"), "--sigma", "1", "--quality", "30", "-q");
  const g95 = await cli("gaussian", input, at("g95.jpg"), "--sigma", "1", "--quality", "95", "-q");
  assert.equal(g30.status + g95.status, 0, g30.err + g95.err);
  assert.ok(bytesOf("g30.jpg").length < bytesOf("g95.jpg").length);
});

Deno.test("batch passes the I/O flags to every file", async () => {
  for (const q of ["30", "95"]) {
    const r = await cli(
      "batch",
      input,
      "--out-dir",
      at(`b${q}`),
      "--ext",
      "jpg",
      "--quality",
      q,
      "-q",
      "--",
      "median",
    );
    assert.equal(r.status, 0, r.err);
  }
  const size = (q: string) => Deno.statSync(join(dir, `b${q}`, "in.jpg")).size;
  assert.ok(size("30") < size("95"));
});

Deno.test("--lossless WebP round-trips exactly; lossy WebP does not", async () => {
  assert.equal((await cli("convert", input, at("l.webp"), "--lossless", "-q")).status, 0);
  assert.deepEqual((await readImage(at("l.webp"))).data, rgb.data);
  assert.equal((await cli("convert", input, at("lossy.webp"), "-q")).status, 0);
  assert.notDeepEqual((await readImage(at("lossy.webp"))).data, rgb.data);
});

Deno.test("--compression sets TIFF tag 259 (lzw 5, deflate 8, none 1)", async () => {
  for (const [c, code] of [["lzw", 5], ["deflate", 8], ["none", 1]] as const) {
    const r = await cli("convert", input, at(`${c}.tif`), "--compression", c, "-q");
    assert.equal(r.status, 0, r.err);
    assert.equal(tiffTag(bytesOf(`${c}.tif`), 259), code, c);
    assert.deepEqual((await readImage(at(`${c}.tif`))).data, rgb.data);
  }
  // In a pipe, the flag may stand before the first -- or in a step.
  const r = await cli(
    "pipe",
    input,
    at("p.tif"),
    "--compression",
    "lzw",
    "--",
    "median",
    "--size",
    "3",
  );
  assert.equal(r.status, 0, r.err);
  assert.equal(tiffTag(bytesOf("p.tif"), 259), 5);
});

Deno.test("--format forces the output format whatever the extension", async () => {
  const r = await cli("convert", input, at("out.bin"), "--format", "jpeg", "-q");
  assert.equal(r.status, 0, r.err);
  assert.deepEqual([...bytesOf("out.bin").subarray(0, 3)], [0xff, 0xd8, 0xff]);
  const t = await cli("median", input, at("m.png"), "--size", "3", "--format", "tiff", "-q");
  assert.equal(t.status, 0, t.err);
  assert.equal(String.fromCharCode(...bytesOf("m.png").subarray(0, 2)), "II");
});

Deno.test("--frame picks a GIF frame, --page a TIFF page; out of range is an error", async () => {
  Deno.writeFileSync(at("anim.gif"), twoFrameGif());
  assert.equal((await cli("convert", at("anim.gif"), at("f0.png"), "-q")).status, 0);
  assert.equal(
    (await cli("convert", at("anim.gif"), at("f1.png"), "--frame", "1", "-q")).status,
    0,
  );
  assert.deepEqual([...(await readImage(at("f0.png"))).data], [255, 0, 0, 0, 0, 255]);
  assert.deepEqual([...(await readImage(at("f1.png"))).data], [0, 0, 255, 255, 0, 0]);
  const past = await cli("convert", at("anim.gif"), at("f2.png"), "--frame", "2");
  assert.equal(past.status, 1);
  assert.match(past.err, /^error\[DECODE_FAILED\]: .*frame 2 does not exist \(the file has 2\)/);
  const png = await cli("convert", input, at("p1.png"), "--page", "1");
  assert.equal(png.status, 2);
  assert.match(png.err, /^error\[INVALID_PARAM\]: .*page 1 given, but PNG holds one image/);
  const frame = await cli("convert", input, at("p1.png"), "--frame", "1");
  assert.equal(frame.status, 2);
  assert.match(frame.err, /frame 1 given, but PNG holds one image/);
});

Deno.test("--keep-orientation keeps a JPEG's stored orientation", async () => {
  const src = join(root, "tests", "fixtures", "io", "jpeg", "exif_6.jpg");
  assert.equal((await cli("convert", src, at("up.png"), "-q")).status, 0);
  assert.equal((await cli("convert", src, at("kept.png"), "--keep-orientation", "-q")).status, 0);
  const up = await readImage(at("up.png"));
  const kept = await readImage(at("kept.png"), { keepOrientation: true });
  // Orientation 6 is a quarter turn: width and height swap.
  assert.deepEqual([up.width, up.height], [kept.height, kept.width]);
  assert.notEqual(up.width, up.height);
  // kept.png says Orientation 6 still (its EXIF came along), so it reads upright by default.
  const keptShown = await readImage(at("kept.png"));
  assert.deepEqual([keptShown.width, keptShown.height], [up.width, up.height]);
});

Deno.test("bad I/O flags are one-line usage errors (exit 2) with the library's messages", async () => {
  const cases: [string[], RegExp][] = [
    [["--format", "jpg2000"], /^error\[INVALID_PARAM\]: .*--format must be one of png, .*jpeg/],
    [
      ["--quality", "0"],
      /^error\[INVALID_PARAM\]: .*--quality must be an integer >= 1 and <= 100, got 0/,
    ],
    [["--subsampling", "4:2:2"], /--subsampling must be one of 4:2:0, 4:4:4/],
    [["--compression", "zip"], /--compression must be one of deflate, lzw, none/],
    [["--page", "-1"], /--page must be an integer >= 0/],
    [["--dtype", "f64"], /dtype must be one of u8, u16, f32/],
  ];
  for (const [flags, message] of cases) {
    const r = await cli("convert", input, at("never.png"), ...flags);
    assert.equal(r.status, 2, flags.join(" "));
    assert.match(r.err, message);
    assert.equal(r.err.split("\n").length, 1);
  }
  const noFormat = await cli("convert", input, "-");
  assert.equal(noFormat.status, 2);
  assert.match(noFormat.err, /^error\[USAGE\]: output - \(standard output\) needs --format/);
  const json = await cli(
    "match-template",
    input,
    "-",
    "--template",
    input,
    "--json",
    "--format",
    "png",
  );
  assert.equal(json.status, 2);
  assert.match(json.err, /--json prints to standard output/);
  const unknownExt = await cli("convert", input, at("x.xyz"));
  assert.equal(unknownExt.status, 2);
  const batch = await cli("batch", input, "--out-dir", at("bo"), "--format", "png", "--", "median");
  assert.equal(batch.status, 2);
  assert.match(batch.err, /--format does not apply.*--ext/);
  assert.throws(() => Deno.statSync(at("never.png")));
});

Deno.test("help convert and the usage text document the I/O flags", async () => {
  const h = await cli("help", "convert");
  assert.equal(h.status, 0);
  for (
    const flag of [
      "--dtype",
      "--format",
      "--quality",
      "--subsampling",
      "--progressive",
      "--lossless",
      "--compression",
      "--page",
      "--frame",
      "--keep-orientation",
    ]
  ) {
    assert.ok(h.out.includes(flag), flag);
  }
  assert.equal((await cli("convert", "--help")).out, h.out);
  const u = await cli("--help");
  assert.match(u.out, /convert <input> <output>/);
  assert.match(u.out, /--quality <1-100>/);
  assert.match(u.out, /- +as output +write standard output \(needs --format/);
});

async function bash(line: string): Promise<{ code: number; err: string }> {
  const p = await new Deno.Command("bash", {
    args: ["-c", line],
    cwd: root,
    env: { NO_COLOR: "1", DENO: Deno.execPath() },
    stdin: "null",
  }).output();
  return { code: p.code, err: new TextDecoder().decode(p.stderr) };
}

Deno.test("stdin to stdout: cat in.png | imfilter convert - - --format jpeg > out.jpg", async () => {
  const out = at("piped.jpg");
  const imfilter = `"$DENO" task -q imfilter`;
  const r = await bash(`cat "${input}" | ${imfilter} convert - - --format jpeg > "${out}"`);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /convert: wrote standard output \(48x32x3 u8\)/);
  const bytes = Deno.readFileSync(out);
  // Only the image on stdout: a JPEG from its first byte to its last.
  assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8]);
  assert.deepEqual([...bytes.subarray(-2)], [0xff, 0xd9]);
  const img = await decodeImage(bytes);
  assert.deepEqual([img.width, img.height, img.channels], [48, 32, 3]);
  // Filters read and write the standard streams too, chained by a pipe.
  const chain = at("chain.tif");
  const c = await bash(
    `${imfilter} gaussian "${input}" - --sigma 1 --format png -q | ${imfilter} convert - "${chain}" --compression lzw -q`,
  );
  assert.equal(c.code, 0, c.err);
  assert.equal(c.err, "");
  const direct = at("direct.png");
  assert.equal((await cli("gaussian", input, direct, "--sigma", "1", "-q")).status, 0);
  assert.deepEqual((await readImage(chain)).data, (await readImage(direct)).data);
  // Not an image on stdin: a one-line DECODE_FAILED, exit 1.
  const bad = await bash(`echo hello | ${imfilter} convert - "${at("bad.png")}"`);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^error\[DECODE_FAILED\]: unrecognised image data/);
});
