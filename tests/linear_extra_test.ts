// Extra OpenCV 4.6 / SciPy 1.10 reference cases made by
// tests/fixtures/linear/make_linear_fixtures.py: bit-exact u8 and u16
// GaussianBlur (large sigma, the size-9 table, every border, colour),
// filter2D with DFT-size kernels through every engine, u8 blur with odd and
// even sizes, boxFilter sums and scipy.ndimage.uniform_filter.

import assert from "node:assert/strict";
import { boxBlur, correlate, gaussian, Image, type LinearMethod } from "../mod.ts";
import { compareTolerance, type RefTolerance } from "./_reference.ts";

const ROOT = new URL("./fixtures/linear/", import.meta.url);

interface ArrayRef {
  file: string;
  shape: number[];
  dtype: "u8" | "u16" | "f32";
}
interface ExtraCase {
  id: string;
  op: string;
  params: Record<string, unknown>;
  image: ArrayRef;
  output: ArrayRef;
  tolerance: RefTolerance;
}

const { cases } = JSON.parse(Deno.readTextFileSync(new URL("cases.json", ROOT))) as {
  cases: ExtraCase[];
};

function load(a: ArrayRef): Image {
  const bytes = Deno.readFileSync(new URL(a.file, ROOT));
  const [h, w, ch = 1] = a.shape;
  const data = a.dtype === "u8"
    ? bytes
    : a.dtype === "u16"
    ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2).slice()
    : new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  return new Image(w, h, ch, data);
}

function expectMatch(c: ExtraCase, got: Image, what = ""): void {
  const exp = load(c.output);
  assert.deepEqual([got.width, got.height, got.channels, got.dtype], [
    exp.width,
    exp.height,
    exp.channels,
    exp.dtype,
  ]);
  const failure = compareTolerance(got.data, exp.data, c.tolerance);
  assert.equal(failure, undefined, `${c.id}${what}: ${failure}`);
}

Deno.test("extra linear fixtures: 19 cases", () => {
  assert.equal(cases.length, 19);
});

for (const c of cases) {
  const p = c.params;
  Deno.test(`matches ${c.op}: ${c.id}`, () => {
    const image = load(c.image);
    switch (c.op) {
      case "cv2.GaussianBlur": {
        const sigmaY = p.sigmaY as number;
        expectMatch(
          c,
          gaussian(image, {
            size: p.size as [number, number],
            sigma: p.sigma as number,
            sigmaY: sigmaY > 0 ? sigmaY : undefined,
            boundary: p.boundary as string,
          }),
        );
        break;
      }
      case "cv2.filter2D":
        for (const method of ["auto", "fft", "direct"] as LinearMethod[]) {
          const out = correlate(image, p.kernel as number[][], {
            boundary: p.boundary as string,
            method,
          });
          expectMatch(c, out, ` (${method})`);
        }
        break;
      default:
        expectMatch(
          c,
          boxBlur(image, {
            size: p.size as [number, number],
            normalize: p.normalize as boolean,
            boundary: p.boundary as string,
          }),
        );
    }
  });
}

Deno.test("u8 blur: the exact mean rounded half to even differs from OpenCV only at ties", () => {
  const c = cases.find((c) => c.id === "blur_u8_4x6_replicate")!;
  const got = boxBlur(load(c.image), { size: [4, 6], boundary: "replicate" });
  const sums = boxBlur(load(c.image), {
    size: [4, 6],
    boundary: "replicate",
    normalize: false,
    dtype: "f32",
  });
  const exp = load(c.output);
  for (let i = 0; i < got.data.length; i++) {
    if (got.data[i] !== exp.data[i]) {
      // Only a sum that is an odd multiple of 12 (an exact .5 mean of 24 values).
      assert.equal(sums.data[i] % 24, 12, `pixel ${i}: sum ${sums.data[i]}`);
    }
  }
});
