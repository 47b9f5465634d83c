// convolve/correlate (the exact direct engine) against the reference cases of
// cv2.filter2D, scipy.signal.convolve2d/correlate2d and scipy.ndimage
// convolve/correlate, plus the lecture notes' worked examples.

import assert from "node:assert/strict";
import {
  type BoundaryMode,
  convolve,
  correlate,
  FilterError,
  Image,
  Kernel,
  type LinearOptions,
  mapIndex,
  paddedIndices,
} from "../mod.ts";
import {
  compareTolerance,
  LINEAR_OPS,
  linearCall,
  loadCases,
  loadImage,
  loadRows,
  loadValues,
} from "./_reference.ts";

const cases = loadCases((c) => LINEAR_OPS.includes(c.op));

Deno.test("reference cases cover every convolve/correlate op", () => {
  assert.equal(cases.length, 85);
});

for (const c of cases) {
  const special = c.id === "signal_correlate2d_valid_kernel_larger_than_image" ||
    c.id.includes("scharr_complex") || c.tolerance.compare === "error";
  if (special) continue;
  Deno.test(`matches ${c.op}: ${c.id}`, () => {
    const image = loadImage(c, "image");
    const rows = loadRows(c, "kernel");
    const { fn, options } = linearCall(c, rows[0].length, rows.length);
    const out = fn(image, rows, options);
    const exp = c.expected[0];
    const [eh, ew, ech = 1] = exp.shape;
    assert.deepEqual([out.height, out.width, out.channels], [eh, ew, ech]);
    assert.equal(out.dtype, exp.dtype === "uint8" ? "u8" : "f32");
    const msg = compareTolerance(out.data, loadValues(c, exp.name), c.tolerance);
    assert.equal(msg, undefined, msg);
  });
}

Deno.test("complex Scharr correlate2d equals two real correlations (conjugated kernel)", () => {
  const c = cases.find((x) => x.id.includes("scharr_complex"))!;
  const image = loadImage(c, "image");
  const re = loadRows(c, "kernel_real"), im = loadRows(c, "kernel_imag");
  const options: LinearOptions = { mode: "valid", boundary: "symmetric" };
  const outRe = correlate(image, re, options);
  // correlate2d conjugates the kernel: imag part of the output uses -imag(k).
  const outIm = correlate(image, im.map((r) => r.map((v) => -v)), options);
  assert.equal(compareTolerance(outRe.data, loadValues(c, "output_real"), c.tolerance), undefined);
  assert.equal(compareTolerance(outIm.data, loadValues(c, "output_imag"), c.tolerance), undefined);
});

Deno.test("valid mode with a kernel larger than the image is a SIZE_MISMATCH; the swap recipe gives scipy's result", () => {
  const c = cases.find((x) => x.id === "signal_correlate2d_valid_kernel_larger_than_image")!;
  const image = loadImage(c, "image");
  const rows = loadRows(c, "kernel");
  assert.throws(
    () => correlate(image, rows, { mode: "valid" }),
    (e: unknown) =>
      e instanceof FilterError && e.code === "SIZE_MISMATCH" && /larger than/.test(e.message),
  );
  // scipy swaps the inputs and flips back: correlate the kernel (as an image)
  // with the image (as a kernel), then rotate the result by 180°.
  const swapped = correlate(Image.fromRows(rows), loadRows(c, "image"), { mode: "valid" });
  const rotated = Float32Array.from(swapped.data).reverse();
  assert.equal(compareTolerance(rotated, loadValues(c, "output"), c.tolerance), undefined);
});

Deno.test("wrap works where cv2.filter2D refuses it, and equals correlating a tiled image", () => {
  const c = cases.find((x) => x.op === "cv2.filter2D" && x.tolerance.compare === "error")!;
  assert.equal(c.params.borderType, "BORDER_WRAP");
  const image = loadImage(
    cases.find((x) => x.id === "cv2_filter2D_float32_BORDER_REPLICATE_k4x4a_centre_camera37x53")!,
    "image",
  );
  const rows = [[1, 2, -1], [0, 3, 1], [-2, 1, 4]];
  const out = correlate(image, rows, { boundary: "wrap" });
  // Independent check: tile 3×3, correlate with zero padding, crop the centre.
  const { width: w, height: h } = image;
  const tiled = new Float32Array(9 * w * h);
  for (let y = 0; y < 3 * h; y++) {
    for (let x = 0; x < 3 * w; x++) tiled[y * 3 * w + x] = image.data[(y % h) * w + (x % w)];
  }
  const big = correlate(new Image(3 * w, 3 * h, 1, tiled), rows, { boundary: "constant" });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) assert.equal(out.get(x, y), big.get(x + w, y + h));
  }
});

// The lecture notes' worked example: 7×7 binary image ∗ [1 0 1; 0 1 0; 1 0 1], valid mode.
const SEED_IMAGE = [
  [0, 1, 1, 1, 0, 0, 0],
  [0, 0, 1, 1, 1, 0, 0],
  [0, 0, 0, 1, 1, 1, 0],
  [0, 0, 0, 1, 1, 0, 0],
  [0, 0, 1, 1, 0, 0, 0],
  [0, 1, 1, 0, 0, 0, 0],
  [1, 1, 0, 0, 0, 0, 0],
];
const SEED_RESULT = [
  [1, 4, 3, 4, 1],
  [1, 2, 4, 3, 3],
  [1, 2, 3, 4, 1],
  [1, 3, 3, 1, 1],
  [3, 3, 1, 1, 0],
];

Deno.test("lecture notes: I ∗ M in valid mode gives the printed 5×5 result, for u8 and f32", () => {
  for (const dtype of ["u8", "f32"] as const) {
    const out = convolve(Image.fromRows(SEED_IMAGE, dtype), "1,0,1;0,1,0;1,0,1", { mode: "valid" });
    assert.equal(out.dtype, dtype);
    const rows = [];
    for (let y = 0; y < 5; y++) rows.push(Array.from(out.data.subarray(y * 5, y * 5 + 5)));
    assert.deepEqual(rows, SEED_RESULT);
  }
});

function padFigure(mode: BoundaryMode): string[] {
  const letters = "abcdefghijklmnopqrstuvwxy";
  const idx = paddedIndices(5, 2, 2, mode);
  const rows: string[] = [];
  for (let y = 0; y < 9; y++) {
    const cells: string[] = [];
    for (let x = 0; x < 9; x++) {
      const sy = idx[y], sx = idx[x];
      cells.push(sy < 0 || sx < 0 ? "0" : letters[sy * 5 + sx]);
    }
    rows.push(cells.join(" "));
  }
  return rows;
}

Deno.test("lecture notes: the three padded 9×9 figures for a 5×5 image and 5×5 mask", () => {
  assert.deepEqual(padFigure("constant"), [
    "0 0 0 0 0 0 0 0 0",
    "0 0 0 0 0 0 0 0 0",
    "0 0 a b c d e 0 0",
    "0 0 f g h i j 0 0",
    "0 0 k l m n o 0 0",
    "0 0 p q r s t 0 0",
    "0 0 u v w x y 0 0",
    "0 0 0 0 0 0 0 0 0",
    "0 0 0 0 0 0 0 0 0",
  ]);
  assert.deepEqual(padFigure("replicate"), [
    "a a a b c d e e e",
    "a a a b c d e e e",
    "a a a b c d e e e",
    "f f f g h i j j j",
    "k k k l m n o o o",
    "p p p q r s t t t",
    "u u u v w x y y y",
    "u u u v w x y y y",
    "u u u v w x y y y",
  ]);
  assert.deepEqual(padFigure("reflect"), [
    "m l k l m n o n m",
    "h g f g h i j i h",
    "c b a b c d e d c",
    "h g f g h i j i h",
    "m l k l m n o n m",
    "r q p q r s t s r",
    "w v u v w x y x w",
    "r q p q r s t s r",
    "m l k l m n o n m",
  ]);
});

Deno.test("boundary patterns match DESIGN for row abcd, pad 3, and stay in range for wide pads", () => {
  const pattern = (mode: BoundaryMode) =>
    Array.from(paddedIndices(4, 3, 3, mode), (i) => (i < 0 ? "k" : "abcd"[i])).join("");
  assert.equal(pattern("constant"), "kkkabcdkkk");
  assert.equal(pattern("replicate"), "aaaabcdddd");
  assert.equal(pattern("reflect"), "dcbabcdcba");
  assert.equal(pattern("symmetric"), "cbaabcddcb");
  assert.equal(pattern("wrap"), "bcdabcdabc");
  for (const mode of ["replicate", "reflect", "symmetric", "wrap"] as const) {
    for (const n of [1, 2, 3, 7]) {
      for (let i = -50; i < 50; i++) {
        const m = mapIndex(i, n, mode);
        assert.ok(m >= 0 && m < n, `${mode} n=${n} i=${i} -> ${m}`);
      }
    }
  }
  // A pad wider than the image keeps the pattern (period 2n-2 for reflect, 2n for symmetric).
  assert.deepEqual(Array.from(paddedIndices(3, 6, 0, "reflect")), [2, 1, 0, 1, 2, 1, 0, 1, 2]);
  assert.deepEqual(Array.from(paddedIndices(2, 4, 0, "symmetric")), [0, 1, 1, 0, 0, 1]);
});

Deno.test("a kernel wider than a 1-pixel image works in every boundary mode", () => {
  const img = new Image(1, 3, 1, new Float32Array([1, 2, 3]));
  for (const boundary of ["constant", "replicate", "reflect", "symmetric", "wrap"] as const) {
    const out = correlate(img, "1,1,1,1,1;1,1,1,1,1;1,1,1,1,1", { boundary });
    assert.equal(out.width, 1);
    assert.ok(Array.from(out.data).every(Number.isFinite));
  }
  const out = correlate(img, "1,1,1,1,1", { boundary: "replicate" });
  assert.deepEqual(Array.from(out.data), [5, 10, 15]);
});

Deno.test("convolve equals correlate with the flipped kernel for odd and even sizes, in every mode", () => {
  const img = new Image(9, 7, 1, Float32Array.from({ length: 63 }, (_, i) => (i * 37) % 11 - 4));
  for (
    const rows of [[[1, 2, 3], [4, 5, 6]], [[1, -1, 2, 0.5]], [[1], [2], [-3], [4]], [[1, 2, 3], [
      0,
      1,
      0,
    ], [4, 0, 1]]]
  ) {
    const k = Kernel.from(rows);
    for (const mode of ["same", "full", "valid"] as const) {
      const a = convolve(img, k, { mode, boundary: "symmetric" });
      const b = correlate(img, k.flip(), { mode, boundary: "symmetric" });
      assert.deepEqual(Array.from(a.data), Array.from(b.data), `${rows} ${mode}`);
    }
  }
});

Deno.test("u8 output rounds half to even and saturates; dtype override keeps signed values", () => {
  const img = Image.fromRows([[1, 3, 5, 200]], "u8");
  const half = correlate(img, [[0.5]]);
  assert.deepEqual(Array.from(half.data), [0, 2, 2, 100]); // 0.5→0, 1.5→2, 2.5→2
  const diff = correlate(img, [[-1, 1]], { boundary: "replicate" }); // I[x] - I[x-1]
  assert.deepEqual(Array.from(diff.data), [0, 2, 2, 195]);
  const neg = correlate(img, [[1, -1]], { boundary: "replicate" }); // negative sums clip to 0
  assert.deepEqual(Array.from(neg.data), [0, 0, 0, 0]);
  const f = correlate(img, [[1, -1]], { boundary: "replicate", dtype: "f32" });
  assert.equal(f.dtype, "f32");
  assert.ok(Array.from(f.data).some((v) => v < 0));
  const big = correlate(Image.fromRows([[60000]], "u16"), [[2]]);
  assert.equal(big.data[0], 65535);
});

Deno.test("multi-channel: each channel filtered, alpha kept unless asked", () => {
  const data = new Uint8Array(4 * 4 * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 29) % 256;
  const img = new Image(4, 4, 4, data);
  const out = correlate(img, "box-3", { boundary: "replicate" });
  for (let c = 0; c < 3; c++) {
    const single = correlate(img.channel(c), "box-3", { boundary: "replicate" });
    assert.deepEqual(Array.from(out.channel(c).data), Array.from(single.data));
  }
  assert.deepEqual(Array.from(out.channel(3).data), Array.from(img.channel(3).data));
  const all = correlate(img, "box-3", { boundary: "replicate", alpha: "filter" });
  assert.notDeepEqual(Array.from(all.channel(3).data), Array.from(img.channel(3).data));
});

Deno.test("bad parameters are INVALID_PARAM errors naming the parameter and what is allowed", () => {
  const img = Image.zeros(5, 5);
  const cases: [() => unknown, RegExp][] = [
    [() => correlate(img, "1,2;3", {}), /ragged/],
    [() => correlate(img, "1,x", {}), /"x", not a finite number/],
    [() => correlate(img, "nope-kernel", {}), /not a known kernel name/],
    [
      () => correlate(img, [[1]], { boundary: "bogus" }),
      /boundary must be one of constant, replicate/,
    ],
    [
      () => correlate(img, [[1]], { mode: "middle" as never }),
      /mode must be one of same, full, valid/,
    ],
    [() => correlate(img, [[1]], { cval: NaN }), /cval must be a finite number/],
    [() => correlate(img, [[1, 2]], { anchor: { x: 2, y: 0 } }), /anchor \[2,0\] is outside/],
    [() => correlate(img, [[1]], { dtype: "f64" as never }), /dtype must be one of u8, u16, f32/],
    [() => correlate(img, [[1]], { sigma: 1 } as never), /unknown parameter "sigma"/],
  ];
  for (const [fn, re] of cases) {
    assert.throws(
      fn,
      (e: unknown) => e instanceof FilterError && e.code === "INVALID_PARAM" && re.test(e.message),
    );
  }
});
