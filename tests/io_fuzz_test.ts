// Fuzz of the TIFF, BMP, netpbm and .npy decoders (fast-check, fixed seeds):
// mutated and truncated fixtures, TIFF IFDs with repeated and random
// entries, and headers that declare more than the data holds. Each input
// must give a well-formed image or a one-line DECODE_FAILED /
// IMAGE_TOO_LARGE, quickly. Size: IMFILTER_FUZZ_RUNS (default 300 per
// property; deno task fuzz runs 6000) and IMFILTER_FUZZ_SEED.

import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { decodeSafely, FORMATS } from "./_formats.ts";

const RUNS = Number(Deno.env.get("IMFILTER_FUZZ_RUNS") ?? 300);
const SEED = Number(Deno.env.get("IMFILTER_FUZZ_SEED") ?? 20261717);

const seeds = [
  "u8_tiled_deflate.tif",
  "rgb_planar_lzw.tif",
  "rgb16_be_lzw_pred.tif",
  "f32_tiled_floatpred_be.tif",
  "bigtiff_rgba_deflate.tif",
  "rgba_planar_tiled_packbits.tif",
  "pages.tif",
  "rle8.bmp",
  "rle4.bmp",
  "rgb16_565_bitfields.bmp",
  "rgba32_v4_bitfields.bmp",
  "p3.ppm",
  "p1.pbm",
  "rgba16.pam",
  "f8_be_rgb.npy",
  "u2_be_fortran.npy",
].map((n) => Deno.readFileSync(join(FORMATS, n)));

/** Counts outcomes, so each property can show it reached both paths. */
function tally(): { add: (s: string) => void; check: () => void } {
  const seen = new Map<string, number>();
  return {
    add: (s) => seen.set(s, (seen.get(s) ?? 0) + 1),
    check: () => {
      assert.ok((seen.get("image") ?? 0) > 0, `outcomes ${[...seen]}`);
      assert.ok((seen.get("DECODE_FAILED") ?? 0) > 0, `outcomes ${[...seen]}`);
    },
  };
}

Deno.test("fuzz: mutated and truncated TIFF, BMP, netpbm and .npy files", async () => {
  const t = tally();
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: seeds.length - 1 }),
      fc.array(fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }) }), { maxLength: 6 }),
      fc.option(fc.nat(), { nil: undefined }),
      async (seed, edits, cut) => {
        let bytes = seeds[seed].slice();
        for (const { at, value } of edits) bytes[at % bytes.length] = value;
        if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
        t.add(await decodeSafely(bytes));
      },
    ),
    { numRuns: RUNS, seed: SEED },
  );
  t.check();
});

/** Tags the decoder reads, and plausible values for them. */
const TAGS = [
  256,
  257,
  258,
  259,
  262,
  266,
  273,
  277,
  278,
  279,
  284,
  317,
  320,
  322,
  323,
  324,
  325,
  338,
  339,
];
const entry = fc.record({
  tag: fc.oneof(fc.constantFrom(...TAGS), fc.nat({ max: 65535 })),
  type: fc.constantFrom(1, 3, 4, 16, 2, 5, 9, 0, 99),
  count: fc.oneof(fc.constantFrom(0, 1, 2, 3, 256, 768, 1 << 24, 0xffffffff), fc.nat()),
  value: fc.oneof(fc.constantFrom(0, 1, 2, 3, 5, 8, 16, 32, 64, 32946, 32773), fc.nat()),
});

/** A gray 8x8 uncompressed TIFF with `extra` entries appended and `repeat` copies of one entry. */
function tiffWith(
  extra: { tag: number; type: number; count: number; value: number }[],
  repeat: number,
): Uint8Array {
  const base = [
    { tag: 256, type: 4, count: 1, value: 8 },
    { tag: 257, type: 4, count: 1, value: 8 },
    { tag: 258, type: 3, count: 1, value: 8 },
    { tag: 262, type: 3, count: 1, value: 1 },
    { tag: 273, type: 4, count: 1, value: 8 },
    { tag: 277, type: 3, count: 1, value: 1 },
    { tag: 279, type: 4, count: 1, value: 64 },
  ];
  const all = [...base, ...extra, ...new Array(repeat).fill(base[repeat % base.length])];
  const out = new Uint8Array(8 + 64 + 2 + 12 * all.length + 4);
  const v = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  v.setUint32(4, 72, true);
  for (let i = 0; i < 64; i++) out[8 + i] = i * 4;
  v.setUint16(72, all.length, true);
  all.forEach((e, i) => {
    const p = 74 + 12 * i;
    v.setUint16(p, e.tag, true);
    v.setUint16(p + 2, e.type, true);
    v.setUint32(p + 4, e.count >>> 0, true);
    v.setUint32(p + 8, e.value >>> 0, true);
  });
  return out;
}

Deno.test("fuzz: TIFF IFDs with random and repeated entries", async () => {
  const t = tally();
  await fc.assert(
    fc.asyncProperty(
      fc.array(entry, { maxLength: 12 }),
      fc.oneof(fc.constant(0), fc.nat({ max: 3 }), fc.constant(65000)),
      async (extra, repeat) => {
        const outcome = await decodeSafely(tiffWith(extra, repeat));
        if (repeat > 0) assert.equal(outcome, "DECODE_FAILED", "a repeated tag is refused");
        t.add(outcome);
      },
    ),
    { numRuns: RUNS, seed: SEED + 1 },
  );
  t.check();
});

/** Where each seed format keeps its width and height, and how to write a new size. */
function withSize(bytes: Uint8Array, w: number, h: number): Uint8Array | undefined {
  const out = bytes.slice(), v = new DataView(out.buffer);
  if (out[0] === 0x42 && out[1] === 0x4d) {
    v.setInt32(18, w, true);
    v.setInt32(22, h, true);
    return out;
  }
  if (out[0] === 0x50) {
    // netpbm: replace the first two numbers of the header.
    const text = new TextDecoder("latin1").decode(out.subarray(0, 80));
    const m = /^(P[1-6]\s+(?:#.*\n\s*)*)(\d+)(\s+)(\d+)/.exec(text);
    if (!m) return undefined;
    const head = new TextEncoder().encode(`${m[1]}${w}${m[3]}${h}`);
    const rest = out.subarray(m[0].length);
    const res = new Uint8Array(head.length + rest.length);
    res.set(head);
    res.set(rest, head.length);
    return res;
  }
  return undefined;
}

Deno.test("fuzz: headers declaring more than the data holds are refused fast, before allocating", async () => {
  const small = [
    "u8_tiled_deflate.tif",
    "rgb_planar_lzw.tif",
    "pal8.bmp",
    "rle8.bmp",
    "rgb24.bmp",
    "p5.pgm",
    "p6_16bit.ppm",
    "p2_maxval100.pgm",
  ].map((n) => Deno.readFileSync(join(FORMATS, n)));
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: small.length - 1 }),
      fc.integer({ min: 2, max: 5000 }),
      fc.integer({ min: 2, max: 5000 }),
      async (i, fw, fh) => {
        let bytes: Uint8Array | undefined = small[i];
        const w = 37 * fw, h = 23 * fh;
        if (bytes[0] === 0x49) {
          // TIFF (little-endian, tifffile's layout): rewrite ImageWidth and ImageLength in place.
          const f = bytes.slice(), v = new DataView(f.buffer), ifd = v.getUint32(4, true);
          for (let k = 0; k < v.getUint16(ifd, true); k++) {
            const e = ifd + 2 + 12 * k, tag = v.getUint16(e, true), type = v.getUint16(e + 2, true);
            const put = (x: number) =>
              type === 3
                ? v.setUint16(e + 8, Math.min(x, 65535), true)
                : v.setUint32(e + 8, x, true);
            if (tag === 256) put(w);
            if (tag === 257) put(h);
          }
          bytes = f;
        } else bytes = withSize(bytes, w, h);
        if (!bytes) return;
        const outcome = await decodeSafely(bytes);
        assert.notEqual(outcome, "image", `${w}x${h} from ${bytes.length} bytes`);
      },
    ),
    { numRuns: RUNS, seed: SEED + 2 },
  );
});
