import assert from "node:assert/strict";
import fc from "fast-check";
import { BOUNDARY_MODES, type BoundaryMode, Image, mapIndex, median } from "../mod.ts";
import { compareTolerance, loadCases, loadImage, loadRows, medianBoundary } from "./_reference.ts";
import { withSimd } from "../engines/simd.ts";

fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

Deno.test("median matches every cv2.medianBlur and ndimage.median_filter reference case", () => {
  const cases = loadCases((c) =>
    c.op === "cv2.medianBlur" || c.op === "scipy.ndimage.median_filter"
  );
  assert.ok(cases.length >= 7, `found ${cases.length} cases`);
  let checked = 0;
  for (const c of cases) {
    const image = loadImage(c, "image");
    if (c.tolerance.compare === "error") {
      // OpenCV refuses float32 above 5x5; imfilter computes it (checked against a sort).
      const size = Number(c.params.ksize);
      const got = median(image, { size, boundary: "replicate" });
      const want = bruteMedian(image, size, size, "replicate", 0);
      assert.deepEqual(Array.from(got.data), Array.from(want.data), c.id);
      continue;
    }
    const boundary = medianBoundary(c);
    const cval = Number(c.params.cval ?? 0);
    const opts = c.params.footprint
      ? { footprint: loadRows(c, "footprint"), boundary, cval }
      : { size: Number(c.params.ksize ?? c.params.size), boundary, cval };
    const got = median(image, opts);
    const expected = loadImage(c, "output");
    assert.equal(got.dtype, expected.dtype, c.id);
    const err = compareTolerance(got.data, expected.data, c.tolerance);
    assert.equal(err, undefined, `${c.id}: ${err}`);
    checked++;
  }
  assert.ok(checked >= 7);
});

/** The median of every window by sorting (rank floor(n/2)), with mapIndex borders. */
function bruteMedian(
  img: Image,
  kw: number,
  kh: number,
  mode: BoundaryMode,
  cval: number,
): Image {
  const { width: w, height: h, channels: ch } = img;
  const out = new Float64Array(w * h * ch);
  const buf: number[] = [];
  for (let c = 0; c < ch; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        buf.length = 0;
        for (let j = -(kh >> 1); j <= kh >> 1; j++) {
          for (let i = -(kw >> 1); i <= kw >> 1; i++) {
            const sy = mapIndex(y + j, h, mode), sx = mapIndex(x + i, w, mode);
            buf.push(sy < 0 || sx < 0 ? cval : img.data[(sy * w + sx) * ch + c]);
          }
        }
        buf.sort((a, b) => a - b);
        out[(y * w + x) * ch + c] = buf[buf.length >> 1];
      }
    }
  }
  return new Image(
    w,
    h,
    ch,
    img.dtype === "f32" ? Float32Array.from(out) : (
      img.dtype === "u8" ? Uint8Array.from(out) : Uint16Array.from(out)
    ),
  );
}

const arbCase = fc.record({
  dtype: fc.constantFrom("u8" as const, "u16" as const, "f32" as const),
  w: fc.integer({ min: 1, max: 14 }),
  h: fc.integer({ min: 1, max: 14 }),
  ch: fc.integer({ min: 1, max: 3 }),
  kw: fc.constantFrom(1, 3, 5, 7, 9, 11),
  kh: fc.constantFrom(1, 3, 5, 7, 9, 11),
  mode: fc.constantFrom(...BOUNDARY_MODES),
  cval: fc.constantFrom(0, 7, 200),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  levels: fc.constantFrom(4, 256, 65536),
});

function randomImage(
  w: number,
  h: number,
  ch: number,
  dtype: "u8" | "u16" | "f32",
  seed: number,
  levels: number,
): Image {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const n = w * h * ch;
  if (dtype === "u8") {
    return new Image(w, h, ch, Uint8Array.from({ length: n }, () => rnd() * Math.min(levels, 256)));
  }
  if (dtype === "u16") {
    return new Image(
      w,
      h,
      ch,
      Uint16Array.from({ length: n }, () => rnd() * levels),
    );
  }
  return new Image(w, h, ch, Float32Array.from({ length: n }, () => (rnd() - 0.3) * levels));
}

Deno.test("median equals a brute-force sort for every dtype, size and boundary", () => {
  fc.assert(
    fc.property(arbCase, (t) => {
      const img = randomImage(t.w, t.h, t.ch, t.dtype, t.seed, t.levels);
      const got = median(img, {
        size: [t.kw, t.kh],
        boundary: t.mode,
        cval: t.cval,
        alpha: "filter",
      });
      const want = bruteMedian(img, t.kw, t.kh, t.mode, t.cval);
      assert.deepEqual(Array.from(got.data), Array.from(want.data));
    }),
    { numRuns: 400 },
  );
});

Deno.test("median's u8 Huang and constant-time paths equal a brute-force sort on larger images", () => {
  for (
    const [kw, kh, mode] of [
      [9, 9, "reflect"],
      [15, 11, "constant"],
      [21, 21, "wrap"],
      [
        13,
        9,
        "symmetric",
      ],
      [9, 25, "replicate"],
      [27, 27, "wrap"],
      [31, 9, "symmetric"],
      [9, 41, "replicate"],
      [29, 33, "constant"],
      [45, 27, "reflect"],
      [101, 651, "reflect"],
      [651, 101, "constant"],
    ] as [
      number,
      number,
      BoundaryMode,
    ][]
  ) {
    // windows of 65 536 samples or more keep unpacked kernel coarse bins
    const [iw, ih] = kw * kh > 60000 ? [9, 7] : [41, 37];
    const img = randomImage(iw, ih, 1, "u8", kw * 31 + kh, 256);
    const got = median(img, { size: [kw, kh], boundary: mode, cval: 77 });
    const want = bruteMedian(img, kw, kh, mode, 77);
    assert.deepEqual(Array.from(got.data), Array.from(want.data), `${kw}x${kh} ${mode}`);
  }
});

Deno.test("median handles a constant value outside the dtype's range", () => {
  const img = randomImage(9, 8, 1, "u8", 5, 256);
  for (const size of [3, 5, 7]) {
    const got = median(img, { size, boundary: "constant", cval: 1000 });
    const want = bruteMedian(img.toFloat32(), size, size, "constant", 1000).toDtype("u8");
    assert.deepEqual(Array.from(got.data), Array.from(want.data), `size ${size}`);
  }
});

Deno.test("median keeps the alpha channel unless asked to filter it", () => {
  const img = randomImage(6, 5, 4, "u8", 9, 256);
  const kept = median(img, { size: 3 });
  const filtered = median(img, { size: 3, alpha: "filter" });
  for (let i = 3; i < img.data.length; i += 4) assert.equal(kept.data[i], img.data[i]);
  assert.deepEqual(
    Array.from(filtered.data),
    Array.from(bruteMedian(img, 3, 3, "reflect", 0).data),
  );
});

Deno.test("median rejects even and non-positive sizes with INVALID_PARAM", () => {
  const img = Image.zeros(4, 4);
  assert.throws(() => median(img, { size: 4 }), { name: "FilterError", code: "INVALID_PARAM" });
  assert.throws(() => median(img, { size: 0 }), { name: "FilterError", code: "INVALID_PARAM" });
  assert.throws(() => median(img, { size: [3, 2] }), /size/);
});

Deno.test("median's interleaved u8 path keeps alpha and filters the colour channels", () => {
  for (const ch of [2, 4]) {
    for (const mode of ["reflect", "constant", "wrap"] as BoundaryMode[]) {
      const img = randomImage(23, 19, ch, "u8", 31 * ch, 256);
      const got = median(img, { size: [5, 7], boundary: mode, cval: 9 });
      const want = bruteMedian(img, 5, 7, mode, 9);
      for (let i = 0; i < img.data.length; i++) {
        const expected = i % ch === ch - 1 ? img.data[i] : want.data[i];
        assert.equal(got.data[i], expected, `${ch}ch ${mode} sample ${i}`);
      }
    }
  }
});

Deno.test("median's TypeScript u8 paths (SIMD off) equal a brute-force sort", () => {
  // With SIMD on, u8 windows run the WebAssembly kernels (tests/median_simd_test.ts
  // compares them with these paths): check the TypeScript ones on their own.
  fc.assert(
    fc.property(arbCase, (t) => {
      const img = randomImage(t.w, t.h, t.ch, "u8", t.seed, t.levels);
      const options = { size: [t.kw, t.kh] as [number, number], boundary: t.mode, cval: t.cval };
      const got = withSimd(false, () => median(img, { ...options, alpha: "filter" }));
      const want = bruteMedian(img, t.kw, t.kh, t.mode, t.cval);
      assert.deepEqual(Array.from(got.data), Array.from(want.data));
    }),
    { numRuns: 200 },
  );
  for (
    const [kw, kh, mode] of [
      [21, 21, "wrap"],
      [27, 27, "reflect"],
      [45, 27, "constant"],
      [9, 41, "replicate"],
    ] as [number, number, BoundaryMode][]
  ) {
    const img = randomImage(41, 37, 1, "u8", kw * 17 + kh, 256);
    const got = withSimd(false, () => median(img, { size: [kw, kh], boundary: mode, cval: 77 }));
    const want = bruteMedian(img, kw, kh, mode, 77);
    assert.deepEqual(Array.from(got.data), Array.from(want.data), `${kw}x${kh} ${mode}`);
  }
});
