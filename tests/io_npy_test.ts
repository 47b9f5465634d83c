// .npy: every numeric dtype, both byte orders and Fortran order against
// NumPy's astype, the conversion rule, kernels of any dtype, and the dtypes
// no image can hold.

import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeImage, decodeNpy, readKernel } from "../mod.ts";
import { checkBad, checkFixtures, FORMATS, npyBytes, rejects } from "./_formats.ts";

Deno.test(".npy of every numeric dtype, byte order and memory order decodes to NumPy's astype", async () => {
  const names = await checkFixtures(/\.npy$/);
  for (
    const want of [
      "bool",
      "i1",
      "u1_be",
      "i2_be",
      "u2_be",
      "u2_be_fortran",
      "i4",
      "u4_be",
      "i8",
      "u8_be",
      "f2",
      "f4_be",
      "f4_be_fortran",
      "f8",
      "f8_fortran",
      "f8_be_rgb",
      "bool_fortran",
    ]
  ) assert.ok(names.includes(`${want}.npy`), `${want}.npy is in the corpus`);
});

Deno.test(".npy conversion rule: exact to 2^24, then rounded once to float32; overflow is Infinity; bool is 0/1", () => {
  const i8 = new BigInt64Array([16777217n, 9007199254740993n, -(2n ** 63n), 2n ** 62n + 2n ** 38n]);
  const a = decodeNpy(npyBytes("<i8", "(1, 4)", new Uint8Array(i8.buffer)));
  assert.equal(a.dtype, "f32");
  // 2^53 + 1 through a double would round to 2^53 then stay; correct single rounding agrees here,
  // and 2^62 + 2^38 is exactly halfway between float32 neighbours: ties to even (2^62).
  assert.deepEqual(Array.from(a.data), [16777216, 9007199254740992, -(2 ** 63), 2 ** 62]);
  const f8 = decodeNpy(
    npyBytes("<f8", "(1, 3)", new Uint8Array(new Float64Array([0.1, 1e300, -1e300]).buffer)),
  );
  assert.deepEqual(Array.from(f8.data), [Math.fround(0.1), Infinity, -Infinity]);
  const b = decodeNpy(npyBytes("|b1", "(1, 3)", new Uint8Array([0, 1, 7])));
  assert.deepEqual([b.dtype, ...b.data], ["u8", 0, 1, 1]);
  const be = decodeNpy(npyBytes(">u2", "(1, 2)", new Uint8Array([1, 2, 0xff, 0])));
  assert.deepEqual([be.dtype, ...be.data], ["u16", 258, 65280]);
  // Fortran order (H, W, C): the first index varies fastest.
  const f = decodeNpy(npyBytes("|u1", "(2, 2, 2)", new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), true));
  assert.deepEqual(Array.from(f.data), [1, 5, 3, 7, 2, 6, 4, 8]);
});

Deno.test(".npy kernels read any numeric dtype and order", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "k.npy");
  const values = new Float64Array([1, 2, 3, 4, 5, 6]);
  const bytes = new Uint8Array(values.buffer).slice();
  for (let i = 0; i < bytes.length; i += 8) bytes.subarray(i, i + 8).reverse(); // big-endian
  await Deno.writeFile(path, npyBytes(">f8", "(2, 3)", bytes, true));
  const k = await readKernel(path);
  assert.deepEqual([k.width, k.height, ...k.data], [3, 2, 1, 3, 5, 2, 4, 6]);
});

Deno.test("arrays no image can hold fail with DECODE_FAILED naming the dtype", async () => {
  const names = await checkBad(/\.npy$/);
  assert.equal(names.length, 5);
  for (const [name, what] of [["npy_complex.npy", "complex"], ["npy_strings.npy", "strings"]]) {
    const e = await rejects(
      decodeImage(await Deno.readFile(join(FORMATS, "bad", name))),
      "DECODE_FAILED",
    );
    assert.match(e.message, new RegExp(`dtype ".+" \\(${what}`));
  }
});
