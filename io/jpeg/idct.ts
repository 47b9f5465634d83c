/**
 * Dequantization and the inverse DCT as libjpeg's accurate integer method
 * (`JDCT_ISLOW`, the default of libjpeg-turbo and so of PIL and OpenCV):
 * the Loeffler–Ligtenberg–Moschytz factorisation in 13-bit fixed point,
 * columns first with 2 extra bits of precision kept between the passes,
 * each pass rounding by adding half before an arithmetic shift. The output
 * is range-limited the way libjpeg's table does it (values wrap modulo
 * 1024 before clamping, which only matters for corrupt data).
 *
 * This is the reference the SIMD kernel (`idct.wat`) is tested against,
 * byte for byte: arithmetic is int32 with wrap-around (`Math.imul`), as
 * in the kernel, so even absurd coefficients give the same bytes.
 *
 * @module
 */

/** The 13-bit fixed-point constants of libjpeg's ISLOW transforms (both ways): round(x · 2^13). */
export const ISLOW = {
  F0_298: 2446,
  F0_390: 3196,
  F0_541: 4433,
  F0_765: 6270,
  F0_899: 7373,
  F1_175: 9633,
  F1_501: 12299,
  F1_847: 15137,
  F1_961: 16069,
  F2_053: 16819,
  F2_562: 20995,
  F3_072: 25172,
} as const;
const { F0_298, F0_390, F0_541, F0_765, F0_899, F1_175, F1_501, F1_847 } = ISLOW;
const { F1_961, F2_053, F2_562, F3_072 } = ISLOW;

const ws = new Int32Array(64);
/** The butterfly's outputs 0..7 (int32: stores wrap, as the kernel's lanes). */
const t = new Int32Array(8);

/** libjpeg's post-IDCT range limit of a descaled value `v` (centred on 0). */
function limit(v: number): number {
  const s = ((v + 512) & 1023) - 384;
  return s < 0 ? 0 : s > 255 ? 255 : s;
}

/**
 * The 1-D inverse transform of both passes (LLM, even part from inputs 0,
 * 2, 4, 6, odd part from 1, 3, 5, 7), unscaled, into `t`; int32 arithmetic
 * with wrap-around.
 */
function butterfly(
  x0: number,
  x1: number,
  x2: number,
  x3: number,
  x4: number,
  x5: number,
  x6: number,
  x7: number,
): void {
  const mul = Math.imul;
  const z1 = mul((x2 + x6) | 0, F0_541);
  const e2 = (z1 - mul(x6, F1_847)) | 0, e3 = (z1 + mul(x2, F0_765)) | 0;
  const e0 = ((x0 + x4) | 0) << 13, e1 = ((x0 - x4) | 0) << 13;
  const t10 = (e0 + e3) | 0, t13 = (e0 - e3) | 0, t11 = (e1 + e2) | 0, t12 = (e1 - e2) | 0;
  const z3 = (x7 + x3) | 0, z4 = (x5 + x1) | 0, z5 = mul((z3 + z4) | 0, F1_175);
  const o1 = mul((x7 + x1) | 0, -F0_899), o2 = mul((x5 + x3) | 0, -F2_562);
  const o3 = (mul(z3, -F1_961) + z5) | 0, o4 = (mul(z4, -F0_390) + z5) | 0;
  const p0 = (mul(x7, F0_298) + o1 + o3) | 0, p1 = (mul(x5, F2_053) + o2 + o4) | 0;
  const p2 = (mul(x3, F3_072) + o2 + o3) | 0, p3 = (mul(x1, F1_501) + o1 + o4) | 0;
  t[0] = t10 + p3;
  t[7] = t10 - p3;
  t[1] = t11 + p2;
  t[6] = t11 - p2;
  t[2] = t12 + p1;
  t[5] = t12 - p1;
  t[3] = t13 + p0;
  t[4] = t13 - p0;
}

/**
 * Inverse-transforms `n` consecutive blocks of 64 int16 coefficients
 * (natural order) from `coef[at]`, dequantized by the int32 table
 * `quant[q … q+63]`, writing block `j` as 8 rows of 8 samples at
 * `out[dst + 8j + row·stride]`.
 */
export function idctBlocks(
  coef: Int16Array,
  at: number,
  quant: Int32Array,
  q: number,
  n: number,
  out: Uint8Array,
  dst: number,
  stride: number,
): void {
  const mul = Math.imul;
  for (let j = 0; j < n; j++, at += 64, dst += 8) {
    // Pass 1: columns, dequantized, results scaled by 2^2 (PASS1_BITS).
    for (let c = 0; c < 8; c++) {
      const i = at + c, k = q + c;
      butterfly(
        mul(coef[i], quant[k]),
        mul(coef[i + 8], quant[k + 8]),
        mul(coef[i + 16], quant[k + 16]),
        mul(coef[i + 24], quant[k + 24]),
        mul(coef[i + 32], quant[k + 32]),
        mul(coef[i + 40], quant[k + 40]),
        mul(coef[i + 48], quant[k + 48]),
        mul(coef[i + 56], quant[k + 56]),
      );
      for (let r = 0; r < 8; r++) ws[c + 8 * r] = (t[r] + 1024) >> 11;
    }
    // Pass 2: rows, removing 2^2 and the factor 8 of the 2-D transform.
    for (let r = 0, w = 0, o = dst; r < 8; r++, w += 8, o += stride) {
      butterfly(ws[w], ws[w + 1], ws[w + 2], ws[w + 3], ws[w + 4], ws[w + 5], ws[w + 6], ws[w + 7]);
      for (let c = 0; c < 8; c++) out[o + c] = limit((t[c] + 131072) >> 18);
    }
  }
}
