// The gray u8 box fast path against an exact integer reference: every odd and
// even size, every boundary, images narrower than the window.

import assert from "node:assert/strict";
import { BOUNDARY_MODES, boxBlur, Image, mapIndex, roundHalfEven } from "../mod.ts";
import { seededRandom } from "../testing.ts";

function exactBox(
  img: Image,
  kw: number,
  kh: number,
  boundary: (typeof BOUNDARY_MODES)[number],
  cval: number,
): number[] {
  const out: number[] = [];
  const ax = kw >> 1, ay = kh >> 1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      let s = 0;
      for (let j = 0; j < kh; j++) {
        for (let i = 0; i < kw; i++) {
          const sy = mapIndex(y + j - ay, img.height, boundary),
            sx = mapIndex(x + i - ax, img.width, boundary);
          s += sy < 0 || sx < 0 ? cval : img.data[sy * img.width + sx];
        }
      }
      out.push(Math.min(255, Math.max(0, roundHalfEven(s / (kw * kh)))));
    }
  }
  return out;
}

Deno.test("gray u8 box means are exact (integer sums, ties to even) for every size and boundary", () => {
  const rnd = seededRandom(7);
  for (const [w, h] of [[23, 17], [5, 3], [1, 9], [40, 2]]) {
    const img = new Image(
      w,
      h,
      1,
      Uint8Array.from({ length: w * h }, () => Math.floor(rnd() * 256)),
    );
    for (const [kw, kh] of [[1, 1], [2, 2], [3, 3], [4, 6], [7, 5], [31, 31], [8, 1]]) {
      for (const boundary of BOUNDARY_MODES) {
        const got = boxBlur(img, { size: [kw, kh], boundary, cval: 17 });
        assert.deepEqual(
          Array.from(got.data),
          exactBox(img, kw, kh, boundary, 17),
          `${w}x${h} box ${kw}x${kh} ${boundary}`,
        );
      }
    }
  }
});
