// The float32 / u16 fast median paths (filters/median/median_simd.ts with
// filters/median/median_f32.wat: i32x4 / u16x8 selection networks for 3×3 and
// 5×5, tiled local-rank sliding histograms for other windows) against the
// TypeScript paths (withSimd(false, …), bit for bit, zero signs and NaN
// included) and a brute-force sort of every window (in the documented
// order: NaN above +Infinity, −0 equal to +0), on images with many distinct
// values, duplicates, ±0, ±Infinity and NaN × every boundary mode (with
// cval) × window sizes × 1–4 channels × widths/heights 1..40.

import assert from "node:assert/strict";
import fc from "fast-check";
import { BOUNDARY_MODES, type BoundaryMode, Image, median, type MedianOptions } from "../mod.ts";
import { paddedIndices } from "../core/boundary.ts";
import { medianWideKernel, medianWideSimd } from "../filters/median/median_simd.ts";
import { withSimd } from "../engines/simd.ts";

// A fixed seed keeps CI deterministic; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 1, -1, 1e-45, -3.5e38];

/** A seeded image: kind 0 many distinct values, 1 few levels, 2 specials mixed in. */
function randomImage(
  w: number,
  h: number,
  ch: number,
  dtype: "f32" | "u16",
  seed: number,
  kind: number,
): Image {
  const img = Image.zeros(w, h, ch, dtype);
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < img.data.length; i++) {
    const v = next();
    if (dtype === "u16") {
      img.data[i] = kind === 1 ? 1000 + (v >>> 29) : kind === 2 ? (v & 1 ? 0 : v >>> 16) : v >>> 16;
    } else if (kind === 1) img.data[i] = (v >>> 29) - 3.5;
    else if (kind === 2 && (v & 3) === 0) img.data[i] = SPECIAL[(v >>> 8) % SPECIAL.length];
    else img.data[i] = (v / 2 ** 32 - 0.5) * 2 ** ((v & 63) - 20);
  }
  return img;
}

const f32 = new Float32Array(1), i32 = new Int32Array(f32.buffer);
/** The order key of filters/median/select.ts (float32 bits, −0 = +0; NaN above +Infinity). */
function key(v: number, float: boolean): number {
  if (!float) return v;
  f32[0] = v;
  const b = i32[0];
  return (b & 0x7fffffff) === 0 ? 0 : b < 0 ? b ^ 0x7fffffff : b;
}

/** Brute force: sort every window by key, take rank floor(n / 2); results as keys. */
function bruteKeys(img: Image, kw: number, kh: number, mode: BoundaryMode, cval: number): number[] {
  const { width: w, height: h, channels: ch } = img;
  const float = img.dtype === "f32";
  const xs = paddedIndices(w, kw >> 1, kw >> 1, mode),
    ys = paddedIndices(h, kh >> 1, kh >> 1, mode);
  const out: number[] = [];
  const win: number[] = [];
  const cvalKey = key(mode === "constant" ? cval : 0, float);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < ch; c++) {
        win.length = 0;
        for (let j = 0; j < kh; j++) {
          for (let i = 0; i < kw; i++) {
            const sx = xs[x + i], sy = ys[y + j];
            win.push(sx < 0 || sy < 0 ? cvalKey : key(img.data[(sy * w + sx) * ch + c], float));
          }
        }
        win.sort((a, b) => a - b);
        out.push(win[win.length >> 1]);
      }
    }
  }
  return out;
}

function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** SIMD path = TypeScript path bit for bit, = brute force by key, and the fast path really ran. */
function check(img: Image, options: MedianOptions & { size: [number, number] }, brute = true) {
  const where = `${img.width}x${img.height}x${img.channels} ${img.dtype} ${
    JSON.stringify(options)
  }`;
  const fast = withSimd(true, () => median(img, options));
  const ts = withSimd(false, () => median(img, options));
  assert.equal(fast.dtype, img.dtype);
  const i = firstMismatch(fast.data, ts.data);
  assert.equal(i, -1, `${where} at ${i}: ${fast.data[i]} vs ${ts.data[i]}`);
  const [kw, kh] = options.size;
  const boundary = (options.boundary ?? "reflect") as BoundaryMode;
  const cval = boundary === "constant" ? options.cval ?? 0 : 0;
  const direct = withSimd(
    true,
    () => medianWideSimd(img, kw, kh, boundary, cval, options.alpha ?? "keep"),
  );
  const fits = img.dtype === "f32" || (Number.isInteger(cval) && cval >= 0 && cval <= 65535);
  if (medianWideKernel(kw, kh) && fits) {
    assert.ok(direct, `fast path serves ${where}`);
    assert.equal(firstMismatch(direct.data, ts.data), -1, `direct ${where}`);
  } else assert.equal(direct, undefined, `left to TypeScript: ${where}`);
  // (u16 with a border value outside its levels: the float result is rounded into u16)
  if (!brute || !fits) return;
  const want = bruteKeys(img, kw, kh, boundary, cval);
  const float = img.dtype === "f32";
  const keepAlpha = (options.alpha ?? "keep") === "keep" &&
    (img.channels === 2 || img.channels === 4);
  for (let j = 0; j < want.length; j++) {
    if (keepAlpha && j % img.channels === img.channels - 1) {
      assert.ok(Object.is(fast.data[j], img.data[j]), `alpha ${where}`);
      continue;
    }
    const got = key(fast.data[j], float);
    if (got !== want[j]) assert.fail(`brute force ${where} at ${j}: ${fast.data[j]}`);
  }
}

const side = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(3, 5) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 12 }).map((k) => 2 * k + 1) },
  { weight: 1, arbitrary: fc.constantFrom(27, 31, 41) },
);

const caseArb = fc.record({
  w: fc.integer({ min: 1, max: 40 }),
  h: fc.integer({ min: 1, max: 40 }),
  ch: fc.integer({ min: 1, max: 4 }),
  dtype: fc.constantFrom("f32" as const, "u16" as const),
  kind: fc.integer({ min: 0, max: 2 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  kw: side,
  kh: side,
  square: fc.boolean(),
  boundary: fc.constantFrom(...BOUNDARY_MODES),
  cval: fc.constantFrom(0, -0, 7, 2.5, -1e30, 1000, 70000, 1e-45),
  alpha: fc.constantFrom("keep" as const, "filter" as const),
});

Deno.test("f32/u16 fast median = TypeScript paths = brute force (property)", () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const img = randomImage(c.w, c.h, c.ch, c.dtype, c.seed, c.kind);
      const size: [number, number] = c.square ? [c.kw, c.kw] : [c.kw, c.kh];
      check(img, { size, boundary: c.boundary, cval: c.cval, alpha: c.alpha });
    }),
    { numRuns: 300 },
  );
});

Deno.test("f32/u16 fast median: 3×3 and 5×5 networks on every boundary (property)", () => {
  fc.assert(
    fc.property(caseArb, fc.constantFrom(3, 5), (c, s) => {
      const img = randomImage(c.w, c.h, c.ch, c.dtype, c.seed, c.kind);
      check(img, { size: [s, s], boundary: c.boundary, cval: c.cval, alpha: c.alpha });
    }),
    { numRuns: 200 },
  );
});

Deno.test("f32 fast median: zero signs follow the TypeScript paths", () => {
  for (const first of [0, -0]) {
    const img = Image.zeros(9, 7, 1, "f32");
    for (let i = 0; i < img.data.length; i++) img.data[i] = i % 3 ? (i & 1 ? -0 : 0) : i - 30;
    img.data[0] = first;
    for (const size of [3, 5, 7]) {
      for (const boundary of BOUNDARY_MODES) {
        check(img, { size: [size, size], boundary, cval: -0 });
      }
    }
  }
  // no zero in the image: the border value's sign
  const img = Image.zeros(6, 6, 2, "f32");
  for (let i = 0; i < img.data.length; i++) img.data[i] = i + 1;
  for (const cval of [0, -0]) check(img, { size: [7, 7], boundary: "constant", cval });
});

Deno.test("f32/u16 fast median: wide rows (network chunks) and several tiles", () => {
  for (const dtype of ["f32", "u16"] as const) {
    for (const ch of [1, 3, 4]) {
      const wide = randomImage(333, 7, ch, dtype, 77 + ch, 2);
      for (const s of [3, 5, 7]) check(wide, { size: [s, s], boundary: "reflect" }, false);
    }
    const big = randomImage(300, 270, 1, dtype, 5, 0);
    check(big, { size: [9, 9], boundary: "symmetric" }, false);
    check(big, { size: [5, 41], boundary: "constant", cval: 3 }, false);
  }
});
