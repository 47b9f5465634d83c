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

// 13-bit fixed-point constants: round(x · 2^13).
const F0_298 = 2446, F0_390 = 3196, F0_541 = 4433, F0_765 = 6270, F0_899 = 7373;
const F1_175 = 9633, F1_501 = 12299, F1_847 = 15137, F1_961 = 16069, F2_053 = 16819;
const F2_562 = 20995, F3_072 = 25172;

const ws = new Int32Array(64);

/** libjpeg's post-IDCT range limit of a descaled value `v` (centred on 0). */
function limit(v: number): number {
  const s = ((v + 512) & 1023) - 384;
  return s < 0 ? 0 : s > 255 ? 255 : s;
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
  for (let j = 0; j < n; j++) {
    idctBlock(coef, at + 64 * j, quant, q, out, dst + 8 * j, stride);
  }
}

function idctBlock(
  coef: Int16Array,
  at: number,
  quant: Int32Array,
  q: number,
  out: Uint8Array,
  dst: number,
  stride: number,
): void {
  const mul = Math.imul;
  // Pass 1: columns, results scaled by 2^2 (PASS1_BITS).
  for (let c = 0; c < 8; c++) {
    const i = at + c, t = q + c;
    let z2 = mul(coef[i + 16], quant[t + 16]), z3 = mul(coef[i + 48], quant[t + 48]);
    let z1 = mul((z2 + z3) | 0, F0_541);
    let tmp2 = (z1 - mul(z3, F1_847)) | 0;
    let tmp3 = (z1 + mul(z2, F0_765)) | 0;
    z2 = mul(coef[i], quant[t]);
    z3 = mul(coef[i + 32], quant[t + 32]);
    let tmp0 = ((z2 + z3) | 0) << 13;
    let tmp1 = ((z2 - z3) | 0) << 13;
    const tmp10 = (tmp0 + tmp3) | 0, tmp13 = (tmp0 - tmp3) | 0;
    const tmp11 = (tmp1 + tmp2) | 0, tmp12 = (tmp1 - tmp2) | 0;
    tmp0 = mul(coef[i + 56], quant[t + 56]);
    tmp1 = mul(coef[i + 40], quant[t + 40]);
    tmp2 = mul(coef[i + 24], quant[t + 24]);
    tmp3 = mul(coef[i + 8], quant[t + 8]);
    z1 = (tmp0 + tmp3) | 0;
    z2 = (tmp1 + tmp2) | 0;
    z3 = (tmp0 + tmp2) | 0;
    let z4 = (tmp1 + tmp3) | 0;
    const z5 = mul((z3 + z4) | 0, F1_175);
    tmp0 = mul(tmp0, F0_298);
    tmp1 = mul(tmp1, F2_053);
    tmp2 = mul(tmp2, F3_072);
    tmp3 = mul(tmp3, F1_501);
    z1 = mul(z1, -F0_899);
    z2 = mul(z2, -F2_562);
    z3 = (mul(z3, -F1_961) + z5) | 0;
    z4 = (mul(z4, -F0_390) + z5) | 0;
    tmp0 = (tmp0 + z1 + z3) | 0;
    tmp1 = (tmp1 + z2 + z4) | 0;
    tmp2 = (tmp2 + z2 + z3) | 0;
    tmp3 = (tmp3 + z1 + z4) | 0;
    const r = 1 << 10;
    ws[c] = (tmp10 + tmp3 + r) >> 11;
    ws[c + 56] = (tmp10 - tmp3 + r) >> 11;
    ws[c + 8] = (tmp11 + tmp2 + r) >> 11;
    ws[c + 48] = (tmp11 - tmp2 + r) >> 11;
    ws[c + 16] = (tmp12 + tmp1 + r) >> 11;
    ws[c + 40] = (tmp12 - tmp1 + r) >> 11;
    ws[c + 24] = (tmp13 + tmp0 + r) >> 11;
    ws[c + 32] = (tmp13 - tmp0 + r) >> 11;
  }
  // Pass 2: rows, removing 2^2 and the factor 8 of the 2-D transform.
  for (let row = 0; row < 8; row++) {
    const w = row * 8, o = dst + row * stride;
    let z2 = ws[w + 2], z3 = ws[w + 6];
    let z1 = mul((z2 + z3) | 0, F0_541);
    let tmp2 = (z1 - mul(z3, F1_847)) | 0;
    let tmp3 = (z1 + mul(z2, F0_765)) | 0;
    let tmp0 = ((ws[w] + ws[w + 4]) | 0) << 13;
    let tmp1 = ((ws[w] - ws[w + 4]) | 0) << 13;
    const tmp10 = (tmp0 + tmp3) | 0, tmp13 = (tmp0 - tmp3) | 0;
    const tmp11 = (tmp1 + tmp2) | 0, tmp12 = (tmp1 - tmp2) | 0;
    tmp0 = ws[w + 7];
    tmp1 = ws[w + 5];
    tmp2 = ws[w + 3];
    tmp3 = ws[w + 1];
    z1 = (tmp0 + tmp3) | 0;
    z2 = (tmp1 + tmp2) | 0;
    z3 = (tmp0 + tmp2) | 0;
    let z4 = (tmp1 + tmp3) | 0;
    const z5 = mul((z3 + z4) | 0, F1_175);
    tmp0 = mul(tmp0, F0_298);
    tmp1 = mul(tmp1, F2_053);
    tmp2 = mul(tmp2, F3_072);
    tmp3 = mul(tmp3, F1_501);
    z1 = mul(z1, -F0_899);
    z2 = mul(z2, -F2_562);
    z3 = (mul(z3, -F1_961) + z5) | 0;
    z4 = (mul(z4, -F0_390) + z5) | 0;
    tmp0 = (tmp0 + z1 + z3) | 0;
    tmp1 = (tmp1 + z2 + z4) | 0;
    tmp2 = (tmp2 + z2 + z3) | 0;
    tmp3 = (tmp3 + z1 + z4) | 0;
    const r = 1 << 17;
    out[o] = limit((tmp10 + tmp3 + r) >> 18);
    out[o + 7] = limit((tmp10 - tmp3 + r) >> 18);
    out[o + 1] = limit((tmp11 + tmp2 + r) >> 18);
    out[o + 6] = limit((tmp11 - tmp2 + r) >> 18);
    out[o + 2] = limit((tmp12 + tmp1 + r) >> 18);
    out[o + 5] = limit((tmp12 - tmp1 + r) >> 18);
    out[o + 3] = limit((tmp13 + tmp0 + r) >> 18);
    out[o + 4] = limit((tmp13 - tmp0 + r) >> 18);
  }
}
