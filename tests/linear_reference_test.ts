// The linear filter family against the reference cases: cv2.GaussianBlur (u8
// bit-exact, every pixel), scipy.ndimage.gaussian_filter, cv2.blur and
// cv2.boxFilter, and every cv2.filter2D / scipy.signal / scipy.ndimage
// convolve/correlate case through the fast engines (auto, separable, box, fft).

import assert from "node:assert/strict";
import { boxBlur, FilterError, gaussian, type LinearMethod } from "../mod.ts";
import {
  compareTolerance,
  CV_BORDER,
  LINEAR_OPS,
  linearCall,
  loadCases,
  loadImage,
  loadRows,
  loadValues,
  NDIMAGE_MODE,
  type RefCase,
} from "./_reference.ts";

function check(c: RefCase, got: ArrayLike<number>): void {
  const failure = compareTolerance(got, loadValues(c, "output"), c.tolerance);
  assert.equal(failure, undefined, `${c.id}: ${failure}`);
}

// ---------------------------------------------------------------- Gaussian

const gaussCases = loadCases("cv2.GaussianBlur");

Deno.test("GaussianBlur reference cases: 7 u8 and 6 float32", () => {
  assert.equal(
    gaussCases.filter((c) => c.tags?.includes("uint8") || c.id.includes("uint8")).length,
    7,
  );
  assert.equal(gaussCases.length, 13);
});

for (const c of gaussCases) {
  Deno.test(`gaussian matches cv2.GaussianBlur: ${c.id}`, () => {
    const p = c.params;
    const d = c.derived as { ksize_x: number; ksize_y: number };
    const image = loadImage(c, "image");
    const sigmaY = p.sigmaY as number;
    const out = gaussian(image, {
      sigma: p.sigmaX as number,
      sigmaY: sigmaY > 0 ? sigmaY : undefined,
      // OpenCV parity means passing its size (its default-size rule differs from SciPy's).
      size: [d.ksize_x, d.ksize_y],
      boundary: CV_BORDER[p.borderType as string],
    });
    assert.equal(out.dtype, image.dtype);
    if (image.dtype === "u8") {
      // Bit-exact: every pixel equal, whatever the case's tolerance allows.
      const exp = loadValues(c, "output");
      let diff = 0;
      for (let i = 0; i < exp.length; i++) if (out.data[i] !== exp[i]) diff++;
      assert.equal(diff, 0, `${c.id}: ${diff} of ${exp.length} pixels differ`);
    } else check(c, out.data);
  });
}

Deno.test("u8 Gaussian: the fixed-point path differs from the float64 FIR by at most 1", () => {
  for (const c of gaussCases.filter((c) => c.id.includes("uint8"))) {
    const d = c.derived as { ksize_x: number; ksize_y: number };
    const image = loadImage(c, "image");
    const sigma = c.params.sigmaX as number;
    const options = { sigma, size: [d.ksize_x, d.ksize_y] as [number, number] };
    const fixed = gaussian(image, options);
    const float = gaussian(image, { ...options, method: "float" });
    let worst = 0, differ = 0;
    for (let i = 0; i < fixed.data.length; i++) {
      const e = Math.abs(fixed.data[i] - float.data[i]);
      worst = Math.max(worst, e);
      if (e) differ++;
    }
    assert.ok(worst <= 1, `${c.id}: ${worst}`);
    assert.ok(differ < fixed.data.length / 4, `${c.id}: ${differ} differ`);
  }
});

for (const c of loadCases("scipy.ndimage.gaussian_filter")) {
  Deno.test(`gaussian matches scipy.ndimage.gaussian_filter: ${c.id}`, () => {
    const p = c.params;
    // scipy's sigma per axis is (rows, cols) = (y, x).
    const [sy, sx] = typeof p.sigma === "number" ? [p.sigma, p.sigma] : p.sigma as number[];
    const out = gaussian(loadImage(c, "image"), {
      sigma: sx,
      sigmaY: sy,
      truncate: p.truncate as number,
      boundary: NDIMAGE_MODE[p.mode as string],
      cval: p.cval as number,
    });
    check(c, out.data);
  });
}

// ---------------------------------------------------------------- box

for (const c of loadCases((c) => c.op === "cv2.blur" || c.op === "cv2.boxFilter")) {
  Deno.test(`boxBlur matches ${c.op}: ${c.id}`, () => {
    const p = c.params;
    const out = boxBlur(loadImage(c, "image"), {
      size: p.ksize_wh as [number, number],
      normalize: p.normalize !== false,
      boundary: CV_BORDER[p.borderType as string],
    });
    check(c, out.data);
  });
}

// ------------------------------------------ convolve/correlate, fast engines

const linearCases = loadCases((c) =>
  LINEAR_OPS.includes(c.op) && c.tolerance.compare !== "error" &&
  !c.id.includes("scharr_complex") && c.id !== "signal_correlate2d_valid_kernel_larger_than_image"
);

Deno.test("fast engines see every convolve/correlate reference case", () => {
  assert.ok(linearCases.length >= 80, `${linearCases.length}`);
});

const methods: LinearMethod[] = ["auto", "separable", "box", "fft"];
for (const c of linearCases) {
  Deno.test(`fast engines match ${c.op}: ${c.id}`, () => {
    const image = loadImage(c, "image");
    const rows = loadRows(c, "kernel");
    const { fn, options } = linearCall(c, rows[0].length, rows.length);
    let ran = 0;
    for (const method of methods) {
      let out;
      try {
        out = fn(image, rows, { ...options, method });
      } catch (e) {
        // separable/box refuse kernels that are not rank 1 / constant: a clear error.
        assert.ok(e instanceof FilterError && e.code === "INVALID_PARAM", String(e));
        assert.ok(method === "separable" || method === "box", `${method}: ${e}`);
        continue;
      }
      ran++;
      const failure = compareTolerance(out.data, loadValues(c, "output"), c.tolerance);
      assert.equal(failure, undefined, `${c.id} method ${method}: ${failure}`);
    }
    assert.ok(ran >= 2);
  });
}
