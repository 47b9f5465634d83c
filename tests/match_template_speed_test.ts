// The WebAssembly SIMD engine of template matching and correlateValidFFT
// (engines/fft_simd.ts, engines/fft.wat): SIMD against the TypeScript
// FFT and the direct sum, row strips against one transform, the fused
// ccoeff_normed scoring against OpenCV's guarded formula, flat windows, and
// the best match's tie rule.

import assert from "node:assert/strict";
import fc from "fast-check";
import { nextFastSize } from "../engines/fft.ts";
import { correlateValidFFT } from "../engines/fft_correlate.ts";
import { Image } from "../core/image.ts";
import { withSimd } from "../engines/simd.ts";
import {
  type CorrelationSource,
  simdCorrelateValid,
  simdCorrelationAvailable,
} from "../engines/fft_simd.ts";
import { MATCH_METHODS, matchTemplate } from "../filters/match_template/match_template.ts";

fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

const FLT_EPSILON = 1.1920928955078125e-7;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomImage(
  w: number,
  h: number,
  ch: number,
  seed: number,
  dtype: "u8" | "u16" | "f32",
): Image {
  const r = seeded(seed), img = Image.zeros(w, h, ch, dtype);
  const scale = dtype === "u8" ? 256 : dtype === "u16" ? 65536 : 1;
  for (let i = 0; i < img.data.length; i++) {
    img.data[i] = dtype === "f32" ? r() - 0.25 : Math.floor(r() * scale);
  }
  return img;
}

/** Sets channel `c` of pixel `(x, y)`. */
function put(img: Image, x: number, y: number, c: number, v: number): void {
  img.data[(y * img.width + x) * img.channels + c] = v;
}

function crop(img: Image, x0: number, y0: number, w: number, h: number): Image {
  return img.crop(x0, y0, w, h);
}

/** Direct valid correlation summed over channels, and its scale Σ_c Σ|K_c|·max|I_c|. */
function direct(
  imgs: ArrayLike<number>[],
  kers: ArrayLike<number>[],
  W: number,
  H: number,
  w: number,
  h: number,
): { out: Float64Array; scale: number } {
  const ow = W - w + 1, oh = H - h + 1, out = new Float64Array(ow * oh);
  let scale = 0;
  for (let c = 0; c < imgs.length; c++) {
    let k1 = 0, i1 = 0;
    for (let i = 0; i < w * h; i++) k1 += Math.abs(kers[c][i]);
    for (let i = 0; i < W * H; i++) i1 = Math.max(i1, Math.abs(imgs[c][i]));
    scale += k1 * i1;
    for (let y = 0; y < oh; y++) {
      for (let j = 0; j < h; j++) {
        for (let i = 0; i < w; i++) {
          const t = kers[c][j * w + i];
          for (let x = 0; x < ow; x++) out[y * ow + x] += t * imgs[c][(y + j) * W + x + i];
        }
      }
    }
  }
  return { out, scale };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("simd: the engine is available in Deno and off under withSimd(false)", () => {
  const src: CorrelationSource[] = [{ data: new Float64Array(64), offset: 0, tap: 1 }];
  const k = [{ data: new Float64Array(9).fill(1) }];
  withSimd(true, () => {
    assert.equal(simdCorrelationAvailable(), true);
    assert.ok(simdCorrelateValid(src, 8, 8, k, 3, 3, nextFastSize)?.num);
  });
  withSimd(false, () => {
    assert.equal(simdCorrelationAvailable(), false);
    assert.equal(simdCorrelateValid(src, 8, 8, k, 3, 3, nextFastSize), undefined);
  });
});

Deno.test("SIMD correlateValidFFT agrees with the TypeScript FFT and the direct sum (property)", () => {
  fc.assert(
    fc.property(
      fc.record({
        W: fc.integer({ min: 1, max: 90 }),
        H: fc.integer({ min: 1, max: 40 }),
        fw: fc.double({ min: 0, max: 1, noNaN: true }),
        fh: fc.double({ min: 0, max: 1, noNaN: true }),
        c: fc.integer({ min: 1, max: 3 }),
        kind: fc.constantFrom("f64", "f32", "array"),
        seed: fc.integer({ min: 1, max: 2 ** 30 }),
      }),
      ({ W, H, fw, fh, c, kind, seed }) => {
        const w = 1 + Math.floor(fw * Math.min(W - 1, 13)),
          h = 1 + Math.floor(fh * Math.min(H - 1, 13));
        const r = seeded(seed);
        const imgs: ArrayLike<number>[] = [], kers: Float64Array[] = [];
        for (let k = 0; k < c; k++) {
          const d = Array.from({ length: W * H }, () => r() * 200 - 50);
          imgs.push(
            kind === "f64" ? Float64Array.from(d) : kind === "f32" ? Float32Array.from(d) : d,
          );
          kers.push(Float64Array.from({ length: w * h }, () => r() - 0.5));
        }
        const planes = imgs.map((data) => ({ data, width: W, height: H }));
        const ks = kers.map((data) => ({ data, width: w, height: h }));
        const simd = withSimd(true, () => correlateValidFFT(planes, ks));
        const ts = withSimd(false, () => correlateValidFFT(planes, ks));
        const { out, scale } = direct(imgs, kers, W, H, w, h);
        assert.ok(maxDiff(simd, ts) <= 1e-13 * scale + 1e-300, `${W}x${H} ${w}x${h} c${c} vs TS`);
        assert.ok(
          maxDiff(simd, out) <= 1e-13 * scale + 1e-300,
          `${W}x${H} ${w}x${h} c${c} vs direct`,
        );
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("row strips (several transforms) equal one transform: correlation within 1e-9 relative, scores", () => {
  const cases: [number, number, number, number, number][] = [
    [2048, 300, 64, 64, 1],
    [97, 211, 9, 17, 3],
    [60, 45, 1, 1, 2],
    [33, 64, 33, 5, 1],
  ];
  withSimd(true, () => {
    for (const [W, H, w, h, c] of cases) {
      const img = randomImage(W, H, c, W + H, "u8");
      const src = Array.from({ length: c }, (_, k) => ({ data: img.data, offset: k, tap: c }));
      const r = seeded(7);
      const kers = Array.from({ length: c }, () => {
        // Mean-free, as ccoeff_normed's kernels.
        const d = Float64Array.from({ length: w * h }, () => r() - 0.5);
        const mean = d.reduce((a, v) => a + v, 0) / d.length;
        return { data: d.map((v) => v - mean) };
      });
      const one = simdCorrelateValid(src, W, H, kers, w, h, nextFastSize, { strips: 1 })!.num!
        .slice();
      let big = 0;
      for (const v of one) big = Math.max(big, Math.abs(v));
      const ccoeffNormed = { tNorm: 3, fltEpsilon: FLT_EPSILON };
      const scored = simdCorrelateValid(src, W, H, kers, w, h, nextFastSize, { ccoeffNormed })!;
      for (const strips of [2, 3, 7]) {
        const what = `${W}x${H} ${w}x${h} c${c} strips ${strips}`;
        const got = simdCorrelateValid(src, W, H, kers, w, h, nextFastSize, { strips })!.num!;
        assert.ok(maxDiff(got, one) <= 1e-9 * big, what);
        if (c === 2) continue; // scored for 1 and 3 channels only
        const s = simdCorrelateValid(src, W, H, kers, w, h, nextFastSize, {
          strips,
          ccoeffNormed,
        })!;
        assert.ok(s.scores && scored.scores, what);
        assert.ok(maxDiff(s.scores, scored.scores) <= 1e-6, `${what} scores`);
        assert.equal(s.best, scored.best, `${what} best`);
      }
    }
  });
});

/**
 * OpenCV's ccoeff_normed of integer data from a correlation `num`: exact
 * integer window sums and the guards of filters/match_template/scores.ts.
 */
function guardedScores(img: Image, w: number, h: number, tNorm: number, num: Float64Array) {
  const W = img.width, C = img.channels, ow = W - w + 1, oh = img.height - h + 1, n = w * h;
  const out = new Float32Array(ow * oh), tn = tNorm / Math.sqrt(n);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s2 = 0;
      const s1 = new Array(C).fill(0);
      for (let j = 0; j < h; j++) {
        for (let i = 0; i < w; i++) {
          for (let c = 0; c < C; c++) {
            const v = img.data[((y + j) * W + x + i) * C + c];
            s1[c] += v;
            s2 += v * v;
          }
        }
      }
      let en = n * s2;
      for (let c = 0; c < C; c++) en -= s1[c] * s1[c];
      const flat = 10 * FLT_EPSILON * n * s2, lim = flat < 0.5 * n ? flat : 0.5 * n;
      const t = en <= lim ? 0 : Math.sqrt(en) * tn, v = num[y * ow + x], a = Math.abs(v);
      out[y * ow + x] = a < t ? v / t : a < t * 1.125 ? (v > 0 ? 1 : -1) : 0;
    }
  }
  return out;
}

Deno.test("fused SIMD ccoeff_normed scoring equals the guarded formula bit for bit (u8, u16; 1 and 3 channels)", () => {
  withSimd(true, () => {
    for (
      const [W, H, w, h, c, dtype] of [[70, 61, 31, 29, 1, "u8"], [53, 40, 8, 11, 3, "u8"], [
        40,
        33,
        7,
        6,
        3,
        "u16",
      ], [25, 19, 25, 1, 1, "u16"]] as const
    ) {
      const img = randomImage(W, H, c, 3 * W + h, dtype);
      // Flat patches: zero variance windows, scored 0 by the guard.
      for (let y = 0; y < 12; y++) {
        for (let x = 0; x < 12; x++) for (let k = 0; k < c; k++) put(img, x, y, k, 100 + k);
      }
      const src = Array.from({ length: c }, (_, k) => ({ data: img.data, offset: k, tap: c }));
      const tpl = crop(img, Math.floor((W - w) / 2), Math.floor((H - h) / 3), w, h);
      let tNorm2 = 0;
      const kers = Array.from({ length: c }, (_, k) => {
        const d = Float64Array.from({ length: w * h }, (_, i) => tpl.data[i * c + k]);
        const mean = d.reduce((s, v) => s + v, 0) / d.length;
        for (let i = 0; i < d.length; i++) tNorm2 += (d[i] -= mean) ** 2;
        return { data: d };
      });
      const tNorm = Math.sqrt(tNorm2);
      const num = simdCorrelateValid(src, W, H, kers, w, h, nextFastSize)!.num!.slice();
      const fused = simdCorrelateValid(src, W, H, kers, w, h, nextFastSize, {
        ccoeffNormed: { tNorm, fltEpsilon: FLT_EPSILON },
      })!;
      const want = guardedScores(img, w, h, tNorm, num);
      assert.ok(fused.scores, "scored");
      assert.deepEqual(fused.scores, want, `${W}x${H} ${w}x${h} c${c} ${dtype}`);
      let first = 0;
      for (let i = 1; i < want.length; i++) if (want[i] > want[first]) first = i;
      assert.equal(fused.best, first);
    }
  });
});

Deno.test("matchTemplate with SIMD agrees with the TypeScript path: every method, dtype, layout", () => {
  for (
    const [ch, dtype] of [[1, "u8"], [3, "u8"], [1, "u16"], [3, "f32"], [2, "f32"], [
      4,
      "u8",
    ]] as const
  ) {
    const img = randomImage(83, 71, ch, 11 + ch, dtype);
    const tpl = crop(img, 30, 21, 29, 33);
    for (const method of MATCH_METHODS) {
      for (const padInput of [false, true]) {
        const a = withSimd(true, () => matchTemplate(img, tpl, { method, padInput }));
        const b = withSimd(false, () => matchTemplate(img, tpl, { method, padInput }));
        let big = 0;
        for (const v of b.scores.data) big = Math.max(big, Math.abs(v));
        const tol = method.endsWith("_normed") ? 2e-6 : 1e-6 * big;
        const what = `${ch} ${dtype} ${method} pad ${padInput}`;
        assert.ok(maxDiff(a.scores.data, b.scores.data) <= tol, what);
        assert.deepEqual([a.best.x, a.best.y], [b.best.x, b.best.y], what);
      }
    }
  }
});

Deno.test("SIMD scoring keeps flat windows exact for u8, u16 and f32: ccoeff_normed 0", () => {
  for (const dtype of ["u8", "u16", "f32"] as const) {
    for (const ch of [1, 3]) {
      const W = 150, H = 90, img = randomImage(W, H, ch, 5 + ch, dtype);
      const flat = dtype === "f32" ? 0.3 : 200;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < 70; x++) for (let c = 0; c < ch; c++) put(img, x, y, c, flat + c);
      }
      const tpl = crop(img, 90, 30, 40, 33);
      const { scores, best } = withSimd(true, () => matchTemplate(img, tpl));
      assert.deepEqual([best.x, best.y], [90, 30], `${dtype} ${ch}`);
      assert.ok(Math.abs(best.score - 1) < 1e-6);
      for (let y = 0; y < scores.height; y++) {
        for (let x = 0; x + 40 <= 70; x++) {
          assert.equal(scores.get(x, y), 0, `${dtype} ${ch} at ${x},${y}`);
        }
      }
    }
  }
});

Deno.test("the best match is the first maximum in row-major order (ties), as the TypeScript path", () => {
  // A periodic image: the template recurs exactly, so several windows score 1.
  for (const ch of [1, 3]) {
    const tile = randomImage(23, 19, ch, 99, "u8");
    const img = Image.zeros(23 * 4, 19 * 5, ch, "u8");
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        for (let c = 0; c < ch; c++) put(img, x, y, c, tile.get(x % 23, y % 19, c));
      }
    }
    const tpl = crop(img, 30, 40, 23, 19);
    const a = withSimd(true, () => matchTemplate(img, tpl));
    const b = withSimd(false, () => matchTemplate(img, tpl));
    const s = a.scores.data;
    let first = 0;
    for (let i = 1; i < s.length; i++) if (s[i] > s[first]) first = i;
    const ow = a.scores.width;
    assert.deepEqual([a.best.x, a.best.y], [first % ow, Math.floor(first / ow)]);
    assert.deepEqual([a.best.x, a.best.y], [b.best.x, b.best.y]);
    assert.equal(a.best.score, s[first]);
    assert.ok(s.filter((v) => v === s[first]).length > 1, "ties present");
  }
});
