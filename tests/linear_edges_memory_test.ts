// sobel/scharr stream row by row through correlateSeparableRows: the
// two-kernel engine agrees with the one-kernel one bit for bit, magnitude and
// angle combine exactly those rows, and the peak memory stays input + output
// + a few rows (checked in a child process, Linux only).

import assert from "node:assert/strict";
import { BOUNDARY_MODES, scharr, sobel } from "../mod.ts";
import { correlationGeometry } from "../filters/linear/direct.ts";
import {
  correlateSeparablePlane,
  correlateSeparableRows,
  type SeparableKernel,
} from "../filters/linear/separable.ts";
import { randomImage } from "./_util.ts";

const SOBEL_X: SeparableKernel = { column: [1, 2, 1], row: [-1, 0, 1] };
const SOBEL_Y: SeparableKernel = { column: [-1, 0, 1], row: [1, 2, 1] };

Deno.test("correlateSeparableRows: each kernel's rows equal correlateSeparablePlane exactly", () => {
  const kernels: SeparableKernel[][] = [
    [SOBEL_X, SOBEL_Y],
    [{ column: [1, 4, 6, 4, 1], row: [0.5, -2, 3] }, { column: [2, 0, 0, 0, -1], row: [1, 1, 1] }],
  ];
  for (const img of [randomImage(13, 9, 3, "f32", 5), randomImage(1, 4, 2, "u8", 6)]) {
    const w = img.width, h = img.height;
    for (const pair of kernels) {
      const kw = pair[0].row.length, kh = pair[0].column.length;
      for (const mode of ["same", "full"] as const) {
        const g = correlationGeometry(w, h, kw, kh, mode, { x: kw >> 1, y: kh >> 1 });
        for (const boundary of BOUNDARY_MODES) {
          const src = { data: img.data, offset: 1, stride: img.channels };
          const got = pair.map(() => new Float64Array(g.width * g.height));
          let next = 0;
          correlateSeparableRows(src, w, h, pair, g, boundary, 2.5, (y, rows) => {
            assert.equal(y, next++);
            rows.forEach((r, k) => got[k].set(r, y * g.width));
          });
          assert.equal(next, g.height);
          pair.forEach(({ column, row }, k) => {
            const want = correlateSeparablePlane(src, w, h, column, row, g, boundary, 2.5);
            assert.deepEqual(got[k], want, `${mode} ${boundary} kernel ${k}`);
          });
        }
      }
    }
  }
  assert.throws(
    () =>
      correlateSeparableRows(
        { data: new Float32Array(9), offset: 0, stride: 1 },
        3,
        3,
        [SOBEL_X, { column: [1], row: [1] }],
        correlationGeometry(3, 3, 3, 3, "same", { x: 1, y: 1 }),
        "reflect",
        0,
        () => {},
      ),
    RangeError,
  );
});

Deno.test("sobel magnitude and angle combine the x and y rows exactly (float64, then f32)", () => {
  const img = randomImage(11, 7, 1, "u8", 9);
  const src = { data: img.data, offset: 0, stride: 1 };
  const g = correlationGeometry(11, 7, 3, 3, "same", { x: 1, y: 1 });
  for (const boundary of BOUNDARY_MODES) {
    const gx = correlateSeparablePlane(src, 11, 7, [1, 2, 1], [-1, 0, 1], g, boundary, 3);
    const gy = correlateSeparablePlane(src, 11, 7, [-1, 0, 1], [1, 2, 1], g, boundary, 3);
    const mag = sobel(img, { boundary, cval: 3, dtype: "f32" });
    const ang = sobel(img, { boundary, cval: 3, dtype: "f32", output: "angle" });
    for (let i = 0; i < gx.length; i++) {
      assert.equal(mag.data[i], Math.fround(Math.hypot(gx[i], gy[i])));
      const a = (Math.atan2(gy[i], gx[i]) * 180) / Math.PI;
      assert.equal(ang.data[i], Math.fround(a < 0 ? a + 360 : a));
    }
  }
  // Alpha is kept as it is; every other channel is filtered.
  const rgba = randomImage(6, 5, 4, "u16", 3);
  const out = scharr(rgba, { output: "angle" });
  for (let i = 3; i < out.data.length; i += 4) assert.equal(out.data[i], rgba.data[i]);
});

Deno.test({
  name: "sobel/scharr hold input + output + a few rows, every output mode (peak RSS)",
  ignore: Deno.build.os !== "linux", // peak RSS from /proc (the child, `deno eval`, may read it)
  async fn() {
    // Each run in a fresh process: the rise of the peak resident set while
    // filtering a 2048² RGB f32 image (48 MiB), minus the output. Float64
    // planes per channel and derivative (the old engine) came to ~150 MiB.
    const child = `
      import { Image, registry } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
      const peak = () => Number(/VmHWM:\\s+(\\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))[1]) / 1024;
      const [name, output] = Deno.args;
      const img = Image.zeros(2048, 2048, 3, "f32");
      for (let i = 0; i < img.data.length; i++) img.data[i] = ((i * 2654435761) >>> 24) / 255;
      const before = peak();
      const { image } = await registry.run(name, img, { output });
      console.log(peak() - before - image.data.byteLength / 2 ** 20);
    `;
    for (const [name, output] of [["sobel", "magnitude"], ["sobel", "x"], ["scharr", "angle"]]) {
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--ext=ts", child, name, output],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      const extra = Number(new TextDecoder().decode(stdout).trim());
      assert.ok(extra < 40, `${name} ${output}: ${extra.toFixed(1)} MiB beyond input + output`);
    }
  },
});
