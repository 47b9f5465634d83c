import assert from "node:assert/strict";
import { simdEnabled, simdSupported, withSimd } from "../engines/simd.ts";

Deno.test("simd: Deno's engine supports 128-bit SIMD, and withSimd switches and restores", async () => {
  assert.equal(simdSupported(), true);
  const before = simdEnabled();
  assert.equal(withSimd(false, () => simdEnabled()), false);
  assert.equal(simdEnabled(), before);
  assert.equal(await withSimd(true, () => Promise.resolve(simdEnabled())), true);
  assert.equal(simdEnabled(), before);
  assert.throws(() =>
    withSimd(false, () => {
      throw new Error("boom");
    }), /boom/);
  assert.equal(simdEnabled(), before);
});
