import assert from "node:assert/strict";
import fc from "fast-check";
import { fft, fft2d, nextFastSize } from "../engines/fft.ts";
import { correlateValidFFT } from "../engines/fft_correlate.ts";

fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

function naiveDft(
  re: Float64Array,
  im: Float64Array,
  inverse = false,
): [Float64Array, Float64Array] {
  const n = re.length, sign = inverse ? 1 : -1;
  const or = new Float64Array(n), oi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0, si = 0;
    for (let j = 0; j < n; j++) {
      const a = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      const c = Math.cos(a), s = Math.sin(a);
      sr += re[j] * c - im[j] * s;
      si += re[j] * s + im[j] * c;
    }
    or[k] = inverse ? sr / n : sr;
    oi[k] = inverse ? si / n : si;
  }
  return [or, oi];
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function randomPair(n: number, seed: number): [Float64Array, Float64Array] {
  const r = seeded(seed);
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = r();
    im[i] = r();
  }
  return [re, im];
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("fft matches a naive DFT for every length 1..130 (radix 2, 3, 4, 5 and odd primes)", () => {
  for (let n = 1; n <= 130; n++) {
    const [re, im] = randomPair(n, n);
    const [er, ei] = naiveDft(re, im);
    fft(re, im);
    assert.ok(maxDiff(re, er) < 1e-10 * Math.max(1, n), `n=${n} re`);
    assert.ok(maxDiff(im, ei) < 1e-10 * Math.max(1, n), `n=${n} im`);
  }
});

Deno.test("inverse fft matches the naive inverse DFT and includes the 1/n scaling", () => {
  for (const n of [1, 2, 6, 15, 64, 100, 243, 250, 360]) {
    const [re, im] = randomPair(n, 7 * n);
    const [er, ei] = naiveDft(re, im, true);
    const r2 = re.slice(), i2 = im.slice();
    fft(r2, i2, true);
    assert.ok(maxDiff(r2, er) < 1e-12 * n, `n=${n}`);
    assert.ok(maxDiff(i2, ei) < 1e-12 * n, `n=${n}`);
  }
});

Deno.test("fft round-trips random signals of fast lengths (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer(), (len, seed) => {
      const n = nextFastSize(len);
      const [re, im] = randomPair(n, seed);
      const r2 = re.slice(), i2 = im.slice();
      fft(r2, i2);
      fft(r2, i2, true);
      return maxDiff(r2, re) < 1e-12 && maxDiff(i2, im) < 1e-12;
    }),
    { numRuns: 60 },
  );
});

Deno.test("nextFastSize returns the smallest 5-smooth length not below n", () => {
  const smooth = (m: number) => {
    for (const p of [2, 3, 5]) while (m % p === 0) m /= p;
    return m === 1;
  };
  for (let n = 1; n <= 2000; n++) {
    const m = nextFastSize(n);
    assert.ok(m >= n && smooth(m), `n=${n} -> ${m}`);
    for (let k = n; k < m; k++) assert.ok(!smooth(k), `n=${n}: ${k} is smaller and smooth`);
  }
});

Deno.test("fft2d equals row DFTs followed by column DFTs, forward and inverse", () => {
  for (const [w, h] of [[1, 1], [5, 1], [1, 7], [6, 4], [12, 10], [20, 45], [7, 11]]) {
    const [re, im] = randomPair(w * h, w * 31 + h);
    // Naive separable 2-D DFT.
    const er = re.slice(), ei = im.slice();
    for (let y = 0; y < h; y++) {
      const [a, b] = naiveDft(er.slice(y * w, y * w + w), ei.slice(y * w, y * w + w));
      er.set(a, y * w);
      ei.set(b, y * w);
    }
    for (let x = 0; x < w; x++) {
      const cr = new Float64Array(h), ci = new Float64Array(h);
      for (let y = 0; y < h; y++) {
        cr[y] = er[y * w + x];
        ci[y] = ei[y * w + x];
      }
      const [a, b] = naiveDft(cr, ci);
      for (let y = 0; y < h; y++) {
        er[y * w + x] = a[y];
        ei[y * w + x] = b[y];
      }
    }
    const r2 = re.slice(), i2 = im.slice();
    fft2d(r2, i2, w, h);
    assert.ok(maxDiff(r2, er) < 1e-9, `${w}x${h}`);
    assert.ok(maxDiff(i2, ei) < 1e-9, `${w}x${h}`);
    fft2d(r2, i2, w, h, true);
    assert.ok(maxDiff(r2, re) < 1e-12 && maxDiff(i2, im) < 1e-12, `${w}x${h} inverse`);
  }
});

Deno.test("fft2d transforms wide arrays with a partial column block correctly", () => {
  const w = 37, h = 8;
  const [re, im] = randomPair(w * h, 99);
  const r2 = re.slice(), i2 = im.slice();
  fft2d(r2, i2, w, h);
  // Parseval: Σ|x|² = Σ|X|² / n.
  let e1 = 0, e2 = 0;
  for (let i = 0; i < w * h; i++) {
    e1 += re[i] ** 2 + im[i] ** 2;
    e2 += r2[i] ** 2 + i2[i] ** 2;
  }
  assert.ok(Math.abs(e1 - e2 / (w * h)) < 1e-9 * e1);
  fft2d(r2, i2, w, h, true);
  assert.ok(maxDiff(r2, re) < 1e-12);
});

Deno.test("correlateValidFFT equals direct valid correlation summed over channels", () => {
  const r = seeded(5);
  for (
    const [W, H, w, h, c] of [[9, 7, 3, 2, 1], [16, 13, 5, 5, 3], [11, 11, 11, 11, 2], [
      23,
      5,
      1,
      1,
      1,
    ]]
  ) {
    const imgs = [], kers = [];
    for (let k = 0; k < c; k++) {
      imgs.push({ data: Float64Array.from({ length: W * H }, r), width: W, height: H });
      kers.push({ data: Float64Array.from({ length: w * h }, r), width: w, height: h });
    }
    const got = correlateValidFFT(imgs, kers);
    const ow = W - w + 1, oh = H - h + 1;
    assert.equal(got.length, ow * oh);
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        let s = 0;
        for (let k = 0; k < c; k++) {
          for (let j = 0; j < h; j++) {
            for (let i = 0; i < w; i++) {
              s += kers[k].data[j * w + i] * imgs[k].data[(y + j) * W + x + i];
            }
          }
        }
        assert.ok(Math.abs(got[y * ow + x] - s) < 1e-12, `${W}x${H} at ${x},${y}`);
      }
    }
  }
});

Deno.test("correlateValidFFT agrees with the direct sum across column blocks and mirrors", () => {
  // Widths up to 90 give many 8-column blocks, odd and even transform
  // lengths, and blocks straddling the Hermitian mirror column N/2.
  const r = seeded(11), u = () => r() + 0.5; // u in [0, 1)
  for (let trial = 0; trial < 44; trial++) {
    // The first trials are 1 to 4 columns wide (transform lengths without mirrors).
    const W = trial < 4 ? trial + 1 : 1 + Math.floor(u() * 90), H = 1 + Math.floor(u() * 30);
    const w = 1 + Math.floor(u() * Math.min(W, 12)), h = 1 + Math.floor(u() * Math.min(H, 12));
    const c = 1 + Math.floor(u() * 3);
    const imgs = [], kers = [];
    for (let k = 0; k < c; k++) {
      imgs.push({ data: Float64Array.from({ length: W * H }, r), width: W, height: H });
      kers.push({ data: Float64Array.from({ length: w * h }, r), width: w, height: h });
    }
    const got = correlateValidFFT(imgs, kers);
    const ow = W - w + 1, oh = H - h + 1;
    assert.equal(got.length, ow * oh);
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        let s = 0;
        for (let k = 0; k < c; k++) {
          for (let j = 0; j < h; j++) {
            for (let i = 0; i < w; i++) {
              s += kers[k].data[j * w + i] * imgs[k].data[(y + j) * W + x + i];
            }
          }
        }
        assert.ok(Math.abs(got[y * ow + x] - s) < 1e-11, `${W}x${H} ${w}x${h} c${c} at ${x},${y}`);
      }
    }
  }
});

Deno.test("fft rejects mismatched re/im lengths with SIZE_MISMATCH", () => {
  assert.throws(() => fft(new Float64Array(4), new Float64Array(3)), { code: "SIZE_MISMATCH" });
  assert.throws(() => fft2d(new Float64Array(6), new Float64Array(6), 4, 2), {
    code: "SIZE_MISMATCH",
  });
});
