import assert from "node:assert/strict";
import { Image } from "../core/image.ts";
import {
  findMatches,
  MATCH_METHODS,
  type MatchMethod,
  matchTemplate,
  matchTemplatePlugin,
} from "../filters/match_template/match_template.ts";
import { runSync } from "../core/registry.ts";
import { compareTolerance, loadCases, loadImage } from "./_reference.ts";

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function gaussian(rand: () => number): () => number {
  return () => {
    const u = Math.max(rand(), 1e-12), v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

function crop(img: Image, x0: number, y0: number, w: number, h: number): Image {
  const ch = img.channels;
  const out = new Float32Array(w * h * ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < ch; c++) out[(y * w + x) * ch + c] = img.get(x0 + x, y0 + y, c);
    }
  }
  return new Image(w, h, ch, out);
}

/** OpenCV's formulas, written out directly in float64 (with the optional mask). */
function naiveScores(img: Image, tpl: Image, method: MatchMethod, mask?: Image): Float64Array {
  const W = img.width, H = img.height, w = tpl.width, h = tpl.height, C = img.channels;
  const ow = W - w + 1, oh = H - h + 1, out = new Float64Array(ow * oh);
  const m = (x: number, y: number, c: number) =>
    mask ? mask.get(x, y, mask.channels === 1 ? 0 : c) : 1;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let num = 0, a = 0, b = 0;
      for (let c = 0; c < C; c++) {
        let sm = 0, smt = 0, smi = 0;
        for (let j = 0; j < h; j++) {
          for (let i = 0; i < w; i++) {
            sm += m(i, j, c);
            smt += m(i, j, c) * tpl.get(i, j, c);
            smi += m(i, j, c) * img.get(x + i, y + j, c);
          }
        }
        const ccoeff = method.startsWith("ccoeff");
        const mt = ccoeff ? smt / sm : 0, mi = ccoeff ? smi / sm : 0;
        for (let j = 0; j < h; j++) {
          for (let i = 0; i < w; i++) {
            const t = m(i, j, c) * (tpl.get(i, j, c) - mt);
            const v = m(i, j, c) * (img.get(x + i, y + j, c) - mi);
            if (method.startsWith("sqdiff")) num += (t - v) ** 2;
            else num += t * v;
            a += t * t;
            b += v * v;
          }
        }
      }
      if (method.endsWith("_normed")) {
        // OpenCV's clamp: |num| ≥ den (up to 1.125·den: rounding) → ±1, beyond → 0 (1 for sqdiff).
        const den = Math.sqrt(a * b), sq = method.startsWith("sqdiff");
        num = Math.abs(num) < den
          ? num / den
          : Math.abs(num) < 1.125 * den
          ? Math.sign(num)
          : sq
          ? 1
          : 0;
      }
      out[y * ow + x] = num;
    }
  }
  return out;
}

function randomImage(w: number, h: number, ch: number, seed: number, dtype: "u8" | "f32"): Image {
  const r = seeded(seed);
  const img = Image.zeros(w, h, ch, dtype);
  for (let i = 0; i < img.data.length; i++) img.data[i] = dtype === "u8" ? (r() * 256) | 0 : r();
  return img;
}

const cvMethod = (name: string) => name.toLowerCase().replace(/^tm_/, "") as MatchMethod;

Deno.test("matchTemplate matches every cv2.matchTemplate reference case and its best location", () => {
  const cases = loadCases("cv2.matchTemplate");
  assert.ok(cases.length >= 8);
  for (const c of cases) {
    const method = cvMethod(c.params.method as string);
    const { scores, best } = matchTemplate(loadImage(c, "image"), loadImage(c, "template"), {
      method,
    });
    const exp = loadImage(c, "output");
    assert.equal(scores.dtype, "f32");
    assert.deepEqual([scores.width, scores.height], [exp.width, exp.height], c.id);
    const err = compareTolerance(scores.data, exp.data, c.tolerance);
    assert.equal(err, undefined, `${c.id}: ${err}`);
    const loc = c.expected_values!.best_loc_xy as number[];
    assert.deepEqual([best.x, best.y], loc, c.id);
  }
});

interface ExtraCase {
  id: string;
  method: string;
  dtype: "u8" | "f32";
  image_shape: number[];
  template_shape: number[];
  expected_shape: number[];
  best_loc_xy: number[];
  expected_absmax: number;
}

const EXTRA = new URL("./fixtures/match_template/", import.meta.url);

function extraArray(id: string, file: string, shape: number[], dtype: "u8" | "f32"): Image {
  const bytes = Deno.readFileSync(new URL(`${id}/${file}`, EXTRA));
  const [h, w, ch = 1] = shape;
  const data = dtype === "u8"
    ? bytes
    : new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Image(w, h, ch, data);
}

Deno.test("matchTemplate matches cv2.matchTemplate for all six methods (u8 gray, f32 RGB)", () => {
  const ids = JSON.parse(Deno.readTextFileSync(new URL("index.json", EXTRA))) as string[];
  assert.equal(ids.length, 12);
  for (const id of ids) {
    const c = JSON.parse(Deno.readTextFileSync(new URL(`${id}/case.json`, EXTRA))) as ExtraCase;
    const img = extraArray(id, `image.${c.dtype}`, c.image_shape, c.dtype);
    const tpl = extraArray(id, `template.${c.dtype}`, c.template_shape, c.dtype);
    const exp = extraArray(id, "expected.f32", c.expected_shape, "f32");
    const { scores, best } = matchTemplate(img, tpl, { method: cvMethod(c.method) });
    assert.deepEqual([scores.width, scores.height], [exp.width, exp.height], id);
    // OpenCV correlates in float32 by DFT: its error is ~1e-6 of the largest score.
    const atol = c.method.endsWith("NORMED") ? 2e-4 : 1e-5 * c.expected_absmax;
    const err = compareTolerance(scores.data, exp.data, { compare: "allclose", atol, rtol: 0 });
    assert.equal(err, undefined, `${id}: ${err}`);
    assert.deepEqual([best.x, best.y], c.best_loc_xy, id);
  }
});

Deno.test("matchTemplate padInput matches skimage match_template, pad_input true and false", () => {
  const cases = loadCases((c) =>
    c.op === "skimage.feature.match_template" && !c.tags?.includes("joint_channels")
  );
  assert.equal(cases.length, 2);
  for (const c of cases) {
    const pad = c.params.pad_input as boolean;
    const { scores, best } = matchTemplate(loadImage(c, "image"), loadImage(c, "template"), {
      padInput: pad,
      cval: (c.params.constant_values as number) ?? 0,
    });
    const exp = loadImage(c, "output");
    assert.deepEqual([scores.width, scores.height], [exp.width, exp.height], c.id);
    const err = compareTolerance(scores.data, exp.data, c.tolerance);
    assert.equal(err, undefined, `${c.id}: ${err}`);
    const [r, col] = c.expected_values!.argmax_rc as number[];
    assert.deepEqual([best.x, best.y], [col, r], c.id);
  }
});

Deno.test("skimage match_template on RGB is one mean over all channels: imfilter's per-channel score differs, the gray-view recipe matches", () => {
  const [c] = loadCases((x) => !!x.tags?.includes("joint_channels"));
  const image = loadImage(c, "image"), template = loadImage(c, "template");
  const want = loadImage(c, "output");
  // OpenCV's definition (per-channel means): not scikit-image's, often not even in sign.
  const { scores } = matchTemplate(image, template);
  let opposite = 0;
  for (let i = 0; i < want.data.length; i++) {
    if (Math.sign(scores.data[i]) !== Math.sign(want.data[i])) opposite++;
  }
  assert.ok(opposite > want.data.length / 4, `${opposite} of ${want.data.length}`);
  // The README's recipe: match the image and template viewed as gray images C times as
  // wide, and read every C-th column — scikit-image's 3-D window, mean over all channels.
  const C = image.channels;
  const wide = (im: Image) => new Image(im.width * C, im.height, 1, im.data);
  const joint = matchTemplate(wide(image), wide(template)).scores;
  const got = new Float32Array(want.data.length);
  for (let y = 0; y < want.height; y++) {
    for (let x = 0; x < want.width; x++) got[y * want.width + x] = joint.get(x * C, y);
  }
  const err = compareTolerance(got, want.data, c.tolerance);
  assert.equal(err, undefined, `${c.id}: ${err}`);
});

Deno.test("all six methods equal OpenCV's formulas computed directly (gray, RGB, u8, f32)", () => {
  let seed = 1;
  for (const [ch, dtype] of [[1, "u8"], [3, "u8"], [1, "f32"], [4, "f32"]] as const) {
    const img = randomImage(23, 17, ch, seed++, dtype);
    const tpl = crop(img, 6, 5, 6, 4);
    for (const method of MATCH_METHODS) {
      const { scores, best } = matchTemplate(img, tpl, { method });
      const want = naiveScores(img, tpl, method);
      const scale = method.endsWith("_normed") ? 1 : Math.max(...want.map(Math.abs));
      for (let i = 0; i < want.length; i++) {
        assert.ok(
          Math.abs(scores.data[i] - want[i]) <= 1e-5 * scale,
          `${ch}ch ${dtype} ${method} at ${i}: ${scores.data[i]} vs ${want[i]}`,
        );
      }
      if (method !== "ccorr" && method !== "ccoeff") {
        assert.deepEqual([best.x, best.y], [6, 5], `${ch}ch ${dtype} ${method}`);
      }
    }
  }
});

Deno.test("the FFT path (large template) agrees with the direct formulas", () => {
  // 70 columns span several column blocks of the fused FFT pass; 1 channel
  // u8 is read in place, the others as float64 planes.
  for (const [ch, dtype] of [[2, "f32"], [1, "u8"], [1, "f32"], [3, "u8"], [3, "f32"]] as const) {
    const img = randomImage(70, 61, ch, 42 + ch, dtype);
    const tpl = crop(img, 20, 11, 31, 29);
    for (const method of MATCH_METHODS) {
      const { scores, best } = matchTemplate(img, tpl, { method });
      const want = naiveScores(img, tpl, method);
      const scale = method.endsWith("_normed") ? 1 : Math.max(...want.map(Math.abs));
      for (let i = 0; i < want.length; i++) {
        assert.ok(
          Math.abs(scores.data[i] - want[i]) <= 1e-5 * scale,
          `${ch} ${dtype} ${method} at ${i}`,
        );
      }
      if (method.endsWith("_normed") || method === "sqdiff") {
        assert.deepEqual([best.x, best.y], [20, 11], `${ch} ${dtype} ${method}`);
      }
    }
  }
});

Deno.test("the FFT path keeps flat windows exact: 0 for ccoeff_normed, 1 for sqdiff_normed", () => {
  // A large template forces the FFT; the left half of the image is flat, so
  // every window there has zero variance although the FFT numerator is only
  // zero up to rounding.
  for (const ch of [1, 3]) {
    const W = 120, H = 90, img = randomImage(W, H, ch, 5 + ch, "u8");
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < 60; x++) {
        for (let c = 0; c < ch; c++) img.data[(y * W + x) * ch + c] = 200 + 10 * c;
      }
    }
    const tpl = crop(img, 70, 30, 40, 33);
    const cc = matchTemplate(img, tpl, { method: "ccoeff_normed" });
    assert.deepEqual([cc.best.x, cc.best.y], [70, 30]);
    assert.ok(Math.abs(cc.best.score - 1) < 1e-6);
    const zero = Image.zeros(W, H, ch, "u8");
    const sq = matchTemplate(zero, tpl, { method: "sqdiff_normed" }).scores;
    for (let y = 0; y < cc.scores.height; y++) {
      for (let x = 0; x + 40 <= 60; x++) assert.equal(cc.scores.get(x, y), 0, `${ch} ${x},${y}`);
    }
    assert.ok(Array.from(sq.data).every((v) => v === 1));
  }
});

Deno.test("a mask weights every term like OpenCV's masked matchTemplate", () => {
  for (const ch of [1, 3]) {
    const img = randomImage(30, 22, ch, 7 + ch, "f32");
    const tpl = crop(img, 9, 4, 7, 6);
    const mask = randomImage(7, 6, 1, 99, "f32");
    for (let i = 0; i < mask.data.length; i += 3) mask.data[i] = 0;
    for (const method of MATCH_METHODS) {
      const { scores, best } = matchTemplate(img, tpl, { method, mask });
      const want = naiveScores(img, tpl, method, mask);
      const scale = method.endsWith("_normed") ? 1 : Math.max(...want.map(Math.abs));
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(scores.data[i] - want[i]) <= 1e-5 * scale, `${ch} ${method} at ${i}`);
      }
      if (method.endsWith("_normed")) assert.deepEqual([best.x, best.y], [9, 4], method);
    }
  }
});

Deno.test("a masked-out region of the template cannot affect the score", () => {
  const img = randomImage(40, 30, 1, 5, "f32");
  const tpl = crop(img, 12, 8, 8, 8);
  const mask = Image.zeros(8, 8, 1, "f32");
  for (let y = 0; y < 8; y++) for (let x = 0; x < 4; x++) mask.data[y * 8 + x] = 1;
  const spoiled = tpl.clone();
  for (let y = 0; y < 8; y++) for (let x = 4; x < 8; x++) spoiled.data[y * 8 + x] = 1000;
  const a = matchTemplate(img, tpl, { mask }), b = matchTemplate(img, spoiled, { mask });
  for (let i = 0; i < a.scores.data.length; i++) {
    assert.ok(Math.abs(a.scores.data[i] - b.scores.data[i]) < 1e-6);
  }
  assert.deepEqual([b.best.x, b.best.y], [12, 8]);
});

Deno.test("flat windows follow OpenCV's guards: 0 for ccoeff_normed, 1 for sqdiff_normed", () => {
  const img = Image.zeros(12, 10, 1, "u8");
  img.data.fill(77);
  for (let x = 6; x < 12; x++) {
    for (let y = 0; y < 10; y++) img.data[y * 12 + x] = (x * 37 + y * 11) % 256;
  }
  const tpl = crop(img, 6, 2, 4, 4);
  const cc = matchTemplate(img, tpl, { method: "ccoeff_normed" }).scores;
  assert.equal(cc.get(0, 0), 0);
  assert.ok(Number.isFinite(cc.get(2, 3)));
  const zero = Image.zeros(12, 10, 1, "u8");
  assert.equal(matchTemplate(zero, tpl, { method: "sqdiff_normed" }).scores.get(0, 0), 1);
  assert.equal(matchTemplate(zero, tpl, { method: "ccorr_normed" }).scores.get(0, 0), 0);
  // A constant template with ccoeff_normed scores 1 everywhere (OpenCV).
  const flat = crop(img, 0, 0, 3, 3);
  const ones = matchTemplate(img, flat, { method: "ccoeff_normed" }).scores;
  assert.ok(Array.from(ones.data).every((v) => v === 1));
  // Scores of normed methods stay in [-1, 1] even with a huge dynamic range.
  const big = randomImage(20, 20, 1, 3, "f32");
  for (let i = 0; i < big.data.length; i++) big.data[i] = 1e6 + big.data[i] * 1e-2;
  const s = matchTemplate(big, crop(big, 4, 4, 5, 5)).scores;
  assert.ok(Array.from(s.data).every((v) => v >= -1 && v <= 1));
  assert.ok(Math.abs(s.get(4, 4) - 1) < 1e-6);
});

Deno.test("the article's experiment: a 64x80 patch is found in the photo under noise sigma 50", async () => {
  let photo: Image;
  try {
    const spec = "../io/mod.ts";
    const io = await import(spec);
    photo = await io.readImage(new URL("./fixtures/images/camera.png", import.meta.url).pathname);
    if (photo.channels > 1) photo = photo.channel(0);
  } catch {
    // io/mod.ts unavailable: the same photo's centre, stored raw (fixtures/match_template/gen.py).
    const raw = Deno.readFileSync(
      new URL("./fixtures/match_template/camera_256.u8", import.meta.url),
    );
    photo = new Image(256, 256, 1, raw);
  }
  const gray = photo.toDtype("f32");
  const tw = Math.min(64, gray.width >> 1), th = Math.min(80, gray.height >> 1);
  const x0 = Math.floor(gray.width * 0.45), y0 = Math.floor(gray.height * 0.2);
  const template = crop(gray, x0, y0, tw, th);
  const noisy = gray.clone();
  const g = gaussian(seeded(2024));
  for (let i = 0; i < noisy.data.length; i++) noisy.data[i] += 50 * g();
  const { best, scores } = matchTemplate(noisy, template, { method: "ccoeff_normed" });
  assert.deepEqual([best.x, best.y], [x0, y0]);
  assert.ok(best.score > 0.4 && best.score < 1, `score ${best.score}`);
  const second = findMatches(scores, { count: 2, minDistance: tw / 2 });
  assert.ok(second.length === 2 && second[1].score < best.score - 0.1);
});

Deno.test("findMatches returns peaks in score order, suppresses neighbours and honours minScore", () => {
  const s = Image.zeros(20, 10, 1, "f32");
  const set = (x: number, y: number, v: number) => (s.data[y * 20 + x] = v);
  set(3, 3, 0.9);
  set(4, 3, 0.85); // adjacent: not a local max
  set(6, 4, 0.8); // 3 px from the first
  set(15, 7, 0.7);
  set(18, 1, 0.2);
  assert.deepEqual(
    findMatches(s, { count: 10, minDistance: 1 }).map((m) => [m.x, m.y]).slice(0, 4),
    [[3, 3], [6, 4], [15, 7], [18, 1]],
  );
  assert.deepEqual(
    findMatches(s, { count: 10, minDistance: 3, minScore: 0.5 }).map((m) => [m.x, m.y]),
    [[3, 3], [15, 7]],
  );
  const low = findMatches(s, { count: 1, lowerIsBetter: true, minDistance: 0 });
  assert.equal(low[0].score, 0);
  assert.throws(() => findMatches(s, { count: -1 }), { code: "INVALID_PARAM" });
});

Deno.test("the plugin returns the score map and { best, matches } as data", () => {
  const img = randomImage(40, 30, 1, 11, "u8");
  const tpl = crop(img, 25, 13, 6, 6).toDtype("u8");
  const out = runSync(matchTemplatePlugin, img, { template: tpl, method: "TM_SQDIFF", count: 3 });
  assert.equal(out.image!.width, 35);
  const data = out.data as { best: { x: number; y: number; score: number }; matches: unknown[] };
  assert.deepEqual([data.best.x, data.best.y, data.best.score], [25, 13, 0]);
  assert.equal(data.matches.length, 3);
  assert.deepEqual(data.matches[0], data.best);
});

Deno.test("bad inputs are clear errors", () => {
  const img = randomImage(10, 10, 1, 1, "u8");
  assert.throws(() => matchTemplate(img, randomImage(11, 3, 1, 2, "u8")), {
    code: "SIZE_MISMATCH",
  });
  assert.throws(() => matchTemplate(img, randomImage(3, 3, 3, 2, "u8")), {
    code: "SIZE_MISMATCH",
  });
  assert.throws(
    () => matchTemplate(img, randomImage(3, 3, 1, 2, "u8"), { method: "nope" as MatchMethod }),
    { code: "INVALID_PARAM" },
  );
  assert.throws(
    () => matchTemplate(img, randomImage(3, 3, 1, 2, "u8"), { mask: Image.zeros(2, 2) }),
    { code: "SIZE_MISMATCH" },
  );
});
