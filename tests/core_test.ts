// Core types: Image conversions and channels, Kernel operations, the kernel
// catalogue and parser, boundary aliases, param coercion.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  coerceParam,
  convolve,
  FilterError,
  gaussianWeights,
  Image,
  Kernel,
  listKernels,
  parseBoundary,
  parseKernel,
  resolveParams,
  roundHalfEven,
} from "../mod.ts";

// A fixed seed keeps CI deterministic; FC_SEED=<n> explores other inputs.
fc.configureGlobal({ seed: Number(Deno.env.get("FC_SEED") ?? 20261122) });

const invalid = (re: RegExp) => (e: unknown) =>
  e instanceof FilterError && e.code === "INVALID_PARAM" && re.test(e.message);

Deno.test("Image validates dims, dtype and length with the right codes", () => {
  assert.throws(
    () => new Image(0, 3, 1, new Uint8Array(0)),
    invalid(/width and height must be integers >= 1/),
  );
  assert.throws(() => new Image(2, 2, 5, new Uint8Array(20)), invalid(/channels 5 is invalid/));
  assert.throws(
    () => new Image(2, 2, 1, new Uint8Array(3)),
    (e: unknown) => e instanceof FilterError && e.code === "SIZE_MISMATCH",
  );
  assert.throws(
    () => new Image(2, 2, 1, new Float64Array(4) as never),
    (e: unknown) => e instanceof FilterError && e.code === "UNSUPPORTED_DTYPE",
  );
});

Deno.test("toDtype rounds half to even and saturates; toFloat32 is exact for integers", () => {
  const f = new Image(7, 1, 1, new Float32Array([-3, 0.5, 1.5, 2.5, 254.5, 255.5, NaN]));
  assert.deepEqual(Array.from(f.toDtype("u8").data), [0, 0, 2, 2, 254, 255, 0]);
  const big = new Image(2, 1, 1, new Float32Array([65535.4, 1e9]));
  assert.deepEqual(Array.from(big.toDtype("u16").data), [65535, 65535]);
  const u16 = new Image(2, 1, 1, new Uint16Array([0, 65535]));
  assert.deepEqual(Array.from(u16.toFloat32().data), [0, 65535]);
  assert.equal(roundHalfEven(-2.5), -2);
  assert.equal(roundHalfEven(-3.5), -4);
});

Deno.test("stretchToU8 maps min..max onto 0..255, flat images to 0 and NaN to 0", () => {
  const img = new Image(5, 1, 1, new Float32Array([-2, NaN, 0, 2, 1]));
  assert.deepEqual(Array.from(img.stretchToU8().data), [0, 0, 128, 255, 191]);
  assert.equal(img.stretchToU8().dtype, "u8");
  const flat = new Image(2, 1, 2, new Float32Array([7, 7, 7, 7]));
  assert.deepEqual(Array.from(flat.stretchToU8().data), [0, 0, 0, 0]);
  const u16 = new Image(2, 1, 1, new Uint16Array([1000, 3000]));
  assert.deepEqual(Array.from(u16.stretchToU8().data), [0, 255]);
});

Deno.test("split and merge are inverse, and merge checks the planes", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), (ch, w) => {
    const img = Image.zeros(w, 3, ch, "u16");
    img.data.forEach((_, i) => (img.data[i] = i * 7));
    const back = Image.merge(img.split());
    assert.deepEqual(Array.from(back.data), Array.from(img.data));
  }));
  assert.throws(
    () => Image.merge([Image.zeros(2, 2), Image.zeros(3, 2)]),
    (e: unknown) => e instanceof FilterError && e.code === "SIZE_MISMATCH",
  );
});

Deno.test("Kernel.from rejects empty, ragged and non-finite rows", () => {
  assert.throws(() => Kernel.from([]), invalid(/empty/));
  assert.throws(
    () => Kernel.from([[1, 2], [3]]),
    invalid(/ragged: row 1 has 1 values, row 0 has 2/),
  );
  assert.throws(() => Kernel.from([[1, Infinity]]), invalid(/column 1 is Infinity/));
  assert.deepEqual(Kernel.from([1, 2, 3]).toRows(), [[1, 2, 3]]);
});

Deno.test("flip rotates by 180° and moves the anchor; normalize sums to 1 and refuses zero-sum kernels", () => {
  const k = Kernel.from([[1, 2, 3], [4, 5, 6]], { x: 0, y: 1 });
  const f = k.flip();
  assert.deepEqual(f.toRows(), [[6, 5, 4], [3, 2, 1]]);
  assert.deepEqual(f.anchor, { x: 2, y: 0 });
  assert.ok(Math.abs(k.normalize().sum() - 1) < 1e-6);
  assert.throws(() => parseKernel("sobel-x").normalize(), invalid(/zero-sum/));
});

Deno.test("compose is full convolution: (I*M1)*M2 == I*(M1*M2) in full mode", () => {
  const arb = fc.array(fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 3, maxLength: 3 }), {
    minLength: 2,
    maxLength: 3,
  });
  fc.assert(
    fc.property(arb, arb, (r1, r2) => {
      const m1 = Kernel.from(r1), m2 = Kernel.from(r2);
      const img = new Image(6, 5, 1, Float32Array.from({ length: 30 }, (_, i) => (i * 13) % 7 - 3));
      const a = convolve(convolve(img, m1, { mode: "full", boundary: "constant" }), m2, {
        mode: "full",
        boundary: "constant",
      });
      const b = convolve(img, m1.compose(m2), { mode: "full", boundary: "constant" });
      assert.deepEqual([a.width, a.height], [b.width, b.height]);
      for (let i = 0; i < a.data.length; i++) assert.ok(Math.abs(a.data[i] - b.data[i]) < 1e-3);
    }),
    { numRuns: 40 },
  );
});

Deno.test("separate finds rank-1 factors and rejects rank-2 kernels", () => {
  const k = parseKernel("gaussian-5x3");
  const s = k.separate();
  assert.ok(s);
  for (let y = 0; y < 3; y++) {
    for (let x = 0; x < 5; x++) assert.ok(Math.abs(s.column[y] * s.row[x] - k.get(x, y)) < 1e-7);
  }
  assert.ok(parseKernel("sobel-x").separate());
  assert.equal(parseKernel("laplace").separate(), undefined);
  assert.equal(parseKernel("ripple").separate(), undefined);
});

Deno.test("kernel strings: inline rows, fractions, JSON rows and catalogue names", () => {
  assert.deepEqual(parseKernel("1,0,1;0,1,0;1,0,1").toRows(), [[1, 0, 1], [0, 1, 0], [1, 0, 1]]);
  assert.deepEqual(parseKernel(" 1 2 ; 3 4 ").toRows(), [[1, 2], [3, 4]]);
  assert.deepEqual(parseKernel("1/4,1/2,1/4").toRows(), [[0.25, 0.5, 0.25]]);
  assert.deepEqual(parseKernel("[[1,2],[3,4]]").toRows(), [[1, 2], [3, 4]]);
  assert.equal(parseKernel("box-5x3").width, 5);
  assert.equal(parseKernel("box-5x3").height, 3);
  assert.deepEqual(parseKernel("deriv-y").toRows(), [[0.5, 0.5, 0.5], [0, 0, 0], [
    -0.5,
    -0.5,
    -0.5,
  ]]);
  const g = parseKernel("gaussian-int7");
  assert.ok(Math.abs(g.get(3, 3) - (343 / 961) ** 2) < 1e-7);
  assert.throws(() => parseKernel("gaussian-4"), invalid(/odd/));
  assert.throws(() => parseKernel("sobel-x-5"), invalid(/fixed size/));
  for (const k of listKernels()) assert.ok(parseKernel(k.name).width >= 1, k.name);
});

Deno.test("gaussianWeights follows OpenCV: fixed small tables and its sigma-for-size rule", () => {
  assert.deepEqual(Array.from(gaussianWeights(5)), [0.0625, 0.25, 0.375, 0.25, 0.0625]);
  const w11 = gaussianWeights(11); // sigma = 0.3*(5-1)+0.8 = 2
  const s = 2, e = (i: number) => Math.exp(-(i * i) / (2 * s * s));
  const norm = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5].reduce((a, i) => a + e(i), 0);
  assert.ok(Math.abs(w11[5] - 1 / norm) < 1e-12);
  const w = gaussianWeights(11, 3); // an explicit sigma wins
  assert.ok(Math.abs(w[5] - w[4] * Math.exp(1 / 18)) < 1e-12);
});

Deno.test("boundary aliases resolve to the canonical modes", () => {
  const table: Record<string, string> = {
    zero: "constant",
    fill: "constant",
    nearest: "replicate",
    edge: "replicate",
    mirror: "reflect",
    reflect101: "reflect",
    symm: "symmetric",
    periodic: "wrap",
    circular: "wrap",
    "grid-wrap": "wrap",
    REFLECT: "reflect",
  };
  for (const [alias, mode] of Object.entries(table)) assert.equal(parseBoundary(alias), mode);
  assert.throws(() => parseBoundary("bogus"), invalid(/not a boundary mode; use one of/));
});

Deno.test("param coercion parses CLI strings and checks library values", () => {
  const size = { type: "size", description: "d", odd: true, min: 1 } as const;
  assert.deepEqual(coerceParam("f", "size", size, "5x3"), [5, 3]);
  assert.deepEqual(coerceParam("f", "size", size, 7), [7, 7]);
  assert.throws(
    () => coerceParam("f", "size", size, 4),
    invalid(/f: size must be an odd integer >= 1, got 4/),
  );
  assert.deepEqual(coerceParam("f", "anchor", { type: "point", description: "d" }, "2,1"), {
    x: 2,
    y: 1,
  });
  assert.equal(coerceParam("f", "flag", { type: "boolean", description: "d" }, "false"), false);
  assert.throws(
    () => coerceParam("f", "n", { type: "integer", description: "d" }, "2.5"),
    invalid(/n must be an integer/),
  );
  assert.throws(
    () => coerceParam("f", "n", { type: "number", description: "d" }, "abc"),
    invalid(/n must be a number, got "abc"/),
  );
  assert.equal(
    coerceParam("f", "m", {
      type: "enum",
      description: "d",
      values: ["a", "b"],
      aliases: { x: "a" },
    }, "x"),
    "a",
  );
  assert.throws(
    () =>
      resolveParams("f", {
        k: { type: "kernel", description: "the kernel", required: true, example: "1,1" },
      }, {}),
    invalid(/f: k is required \(the kernel\); pass it, e.g. 1,1/),
  );
});
