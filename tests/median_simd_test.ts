// The WebAssembly SIMD u8 median (filters/median/median_u8.wat: the 3×3, 5×5 and
// 7×7 selection networks and the Perreault–Hébert kernel) against the
// TypeScript paths: the same bytes on random u8 images × every boundary mode
// (with cval) × the window sizes SIMD serves and the ones it leaves to
// TypeScript × widths/heights 1..40 × 1–4 channels × alpha keep/filter; wide
// rows and images (the networks' 1024-byte chunks, the constant-time
// kernel's 1024-column stripes); and the cv2.medianBlur /
// ndimage.median_filter u8 reference cases on both paths.

import assert from "node:assert/strict";
import fc from "fast-check";
import { BOUNDARY_MODES, type BoundaryMode, Image, median, type MedianOptions } from "../mod.ts";
import { medianSimdKernel, medianU8Simd } from "../filters/median/median_simd.ts";
import { withSimd } from "../engines/simd.ts";
import { compareTolerance, loadCases, loadImage, loadRows, medianBoundary } from "./_reference.ts";

import { firstDiff } from "./_util.ts";

// A fixed seed keeps CI deterministic; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

/** A seeded u8 image: uniform noise, salt and pepper, or a few close levels. */
function randomImage(w: number, h: number, ch: number, seed: number, kind: number): Image {
  const img = Image.zeros(w, h, ch, "u8");
  let s = seed >>> 0;
  for (let i = 0; i < img.data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const v = s >>> 24;
    img.data[i] = kind === 0 ? v : kind === 1 ? (v & 1 ? 255 : v < 64 ? 0 : v) : 120 + (v & 7);
  }
  return img;
}

/** Both paths (and the kernel called directly, when it serves the window) agree. */
function checkSame(img: Image, options: MedianOptions & { size: [number, number] }): void {
  const simd = withSimd(true, () => median(img, options));
  const ts = withSimd(false, () => median(img, options));
  assert.equal(simd.channels, img.channels);
  assert.equal(simd.dtype, "u8");
  const where = `${img.width}x${img.height}x${img.channels} ${JSON.stringify(options)}`;
  assert.equal(firstDiff(simd.data, ts.data), -1, where);
  const [kw, kh] = options.size;
  const cval = options.cval ?? 0;
  const boundary = (options.boundary ?? "reflect") as BoundaryMode;
  const direct = withSimd(
    true,
    () => medianU8Simd(img, kw, kh, boundary, cval, options.alpha ?? "keep"),
  );
  const cvalFits = boundary !== "constant" || (Number.isInteger(cval) && cval >= 0 && cval <= 255);
  if (medianSimdKernel(kw, kh) && cvalFits) {
    assert.ok(direct, `SIMD serves ${where}`);
    assert.equal(firstDiff(direct.data, ts.data), -1, `direct ${where}`);
  } else assert.equal(direct, undefined, `SIMD leaves ${where} to TypeScript`);
}

// Window sides: the networks' 3, 5 and 7 often, every other odd side to 25, a few larger.
const side = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(3, 5, 7) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 12 }).map((k) => 2 * k + 1) },
  { weight: 1, arbitrary: fc.constantFrom(27, 31, 45, 51, 61) },
);

Deno.test("SIMD u8 median: byte-identical to the TypeScript paths", () => {
  fc.assert(
    fc.property(
      fc.record({
        w: fc.integer({ min: 1, max: 40 }),
        h: fc.integer({ min: 1, max: 40 }),
        channels: fc.integer({ min: 1, max: 4 }),
        square: fc.boolean(),
        kw: side,
        kh: side,
        boundary: fc.constantFrom(...BOUNDARY_MODES),
        cval: fc.integer({ min: 0, max: 255 }),
        alpha: fc.constantFrom("keep" as const, "filter" as const),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        kind: fc.integer({ min: 0, max: 2 }),
      }),
      (p) => {
        const img = randomImage(p.w, p.h, p.channels, p.seed, p.kind);
        const size: [number, number] = [p.kw, p.square ? p.kw : p.kh];
        checkSame(img, { size, boundary: p.boundary, cval: p.cval, alpha: p.alpha });
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("SIMD u8 median: the windows and border values it leaves to TypeScript agree too", () => {
  const img = randomImage(23, 17, 3, 7, 0);
  const gray = randomImage(29, 13, 1, 8, 1);
  for (const im of [img, gray]) {
    for (const boundary of BOUNDARY_MODES) {
      checkSame(im, { size: [1, 1], boundary, cval: 3 });
      // more than 65 535 samples: the TypeScript constant-time path
      checkSame(im, { size: [1001, 67], boundary, cval: 200 });
    }
    // a constant value outside 0..255 (or fractional): the rank-transform path
    for (const cval of [-1, 256, 1000, 2.5]) {
      for (const size of [3, 5, 7]) {
        checkSame(im, { size: [size, size], boundary: "constant", cval });
      }
    }
  }
  // footprints never take the SIMD path
  const fp = [[0, 1, 0], [1, 1, 1], [0, 1, 0]];
  const a = withSimd(true, () => median(img, { footprint: fp }));
  const b = withSimd(false, () => median(img, { footprint: fp }));
  assert.equal(firstDiff(a.data, b.data), -1);
});

Deno.test("SIMD u8 median: wide rows and images (network chunks, constant-time stripes)", () => {
  // 3×3 / 5×5 / 7×7 rows of more than 1024 bytes cross chunk boundaries; the
  // constant-time kernel works in stripes of 1024 output columns.
  const cases: [number, number, number, number, number][] = [
    [401, 6, 3, 3, 3],
    [300, 5, 4, 5, 5],
    [1500, 4, 1, 5, 5],
    [1030, 3, 1, 3, 3],
    [1100, 5, 1, 21, 3],
    [2100, 3, 1, 7, 7],
    [1030, 4, 2, 5, 9],
    [1300, 9, 3, 7, 7],
    [1030, 8, 4, 7, 7],
    [1024, 7, 1, 7, 7],
  ];
  for (const [w, h, ch, kw, kh] of cases) {
    const img = randomImage(w, h, ch, w * 7 + kw, 0);
    for (const boundary of ["reflect", "constant", "wrap"] as BoundaryMode[]) {
      checkSame(img, { size: [kw, kh], boundary, cval: 99, alpha: "filter" });
    }
  }
});

Deno.test("SIMD u8 median: flat and two-level images, constant borders at the extremes", () => {
  for (const v of [0, 1, 128, 254, 255]) {
    const img = Image.zeros(37, 23, 2, "u8");
    img.data.fill(v);
    for (const size of [3, 5, 9, 21]) {
      for (const cval of [0, 255]) {
        checkSame(img, { size: [size, size], boundary: "constant", cval, alpha: "filter" });
      }
      const flat = withSimd(true, () => median(img, { size, alpha: "filter" }));
      assert.ok(flat.data.every((x) => x === v));
    }
  }
  const stripes = Image.zeros(40, 40, 1, "u8");
  for (let i = 0; i < stripes.data.length; i++) stripes.data[i] = (i >> 2) & 1 ? 255 : 0;
  for (const size of [3, 5, 7, 25]) checkSame(stripes, { size: [size, size] });
});

Deno.test("SIMD u8 median: the kernels run when SIMD is on, not when it is off", () => {
  const img = randomImage(9, 7, 3, 1, 0);
  for (const size of [3, 5, 7, 21]) {
    assert.ok(medianSimdKernel(size, size), `size ${size} is served`);
    assert.ok(withSimd(true, () => medianU8Simd(img, size, size, "reflect", 0, "keep")));
    assert.equal(
      withSimd(false, () => medianU8Simd(img, size, size, "reflect", 0, "keep")),
      undefined,
    );
  }
  assert.equal(medianSimdKernel(3, 3), "network");
  assert.equal(medianSimdKernel(5, 5), "network");
  assert.equal(medianSimdKernel(7, 7), "network");
  assert.equal(medianSimdKernel(7, 5), "ph");
  assert.equal(medianSimdKernel(9, 9), "ph");
  assert.equal(medianSimdKernel(5, 3), "ph");
  assert.equal(medianSimdKernel(1, 1), undefined);
  assert.equal(medianSimdKernel(4, 3), undefined);
  assert.equal(medianSimdKernel(1001, 67), undefined);
  const f32 = Image.zeros(5, 5, 1, "f32");
  assert.equal(withSimd(true, () => medianU8Simd(f32, 3, 3, "reflect", 0, "keep")), undefined);
});

Deno.test("SIMD u8 median: cv2.medianBlur / ndimage.median_filter u8 reference cases on both paths", () => {
  const cases = loadCases((c) =>
    (c.op === "cv2.medianBlur" || c.op === "scipy.ndimage.median_filter") &&
    c.tolerance.compare !== "error"
  ).filter((c) => loadImage(c, "image").dtype === "u8");
  assert.ok(cases.length >= 3, `found ${cases.length} cases`);
  for (const c of cases) {
    const image = loadImage(c, "image");
    const boundary = medianBoundary(c);
    const cval = Number(c.params.cval ?? 0);
    const opts = c.params.footprint
      ? { footprint: loadRows(c, "footprint"), boundary, cval }
      : { size: Number(c.params.ksize ?? c.params.size), boundary, cval };
    const expected = loadImage(c, "output");
    for (const on of [true, false]) {
      const got = withSimd(on, () => median(image, opts));
      const err = compareTolerance(got.data, expected.data, c.tolerance);
      assert.equal(err, undefined, `${c.id} (SIMD ${on}): ${err}`);
    }
  }
});
