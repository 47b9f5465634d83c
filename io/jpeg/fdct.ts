/**
 * The forward DCT as libjpeg's accurate integer method (`jpeg_fdct_islow`,
 * what `cv2.imwrite` and Pillow use) and quantization: rows first with 2
 * extra bits of precision, then columns, the same 13-bit constants as the
 * inverse, output scaled by 8; each coefficient is then divided by 8·q and
 * rounded half away from zero — libjpeg-turbo's reciprocal multiplication
 * gives exactly that for every value the transform can produce (checked
 * for all |x| < 2^15 and all q 1–255: see `reciprocalDivisors`).
 *
 * The TypeScript reference of the SIMD kernel `fdct.wat`.
 *
 * @module
 */

import { ISLOW } from "./idct.ts";
import { ZIGZAG } from "./tables.ts";

const { F0_298, F0_390, F0_541, F0_765, F0_899, F1_175, F1_501, F1_847 } = ISLOW;
const { F1_961, F2_053, F2_562, F3_072 } = ISLOW;

const ws = new Int32Array(64);

/**
 * Transforms the 8×8 samples at `src[at + row·stride + col]` and writes
 * the quantized coefficients (natural order) to `out[o … o+63]`;
 * `quant` holds the 64 quantization values (natural order).
 */
export function fdctQuantize(
  src: Uint8Array,
  at: number,
  stride: number,
  quant: Uint16Array,
  out: Int16Array,
  o: number,
): void {
  const mul = Math.imul;
  for (let r = 0; r < 8; r++) {
    const p = at + r * stride, w = r * 8;
    const d0 = src[p] - 128, d1 = src[p + 1] - 128, d2 = src[p + 2] - 128;
    const d3 = src[p + 3] - 128, d4 = src[p + 4] - 128, d5 = src[p + 5] - 128;
    const d6 = src[p + 6] - 128, d7 = src[p + 7] - 128;
    const tmp0 = d0 + d7, tmp7 = d0 - d7, tmp1 = d1 + d6, tmp6 = d1 - d6;
    const tmp2 = d2 + d5, tmp5 = d2 - d5, tmp3 = d3 + d4, tmp4 = d3 - d4;
    rowPass(tmp0, tmp1, tmp2, tmp3, tmp4, tmp5, tmp6, tmp7, w, 1, 2, 11);
  }
  for (let c = 0; c < 8; c++) {
    const d0 = ws[c], d1 = ws[c + 8], d2 = ws[c + 16], d3 = ws[c + 24];
    const d4 = ws[c + 32], d5 = ws[c + 40], d6 = ws[c + 48], d7 = ws[c + 56];
    const tmp0 = d0 + d7, tmp7 = d0 - d7, tmp1 = d1 + d6, tmp6 = d1 - d6;
    const tmp2 = d2 + d5, tmp5 = d2 - d5, tmp3 = d3 + d4, tmp4 = d3 - d4;
    rowPass(tmp0, tmp1, tmp2, tmp3, tmp4, tmp5, tmp6, tmp7, c, 8, -2, 15);
  }
  for (let i = 0; i < 64; i++) {
    const d = quant[i] * 8, v = ws[i];
    out[o + i] = v < 0 ? -Math.floor((-v + (d >> 1)) / d) : Math.floor((v + (d >> 1)) / d);
  }

  /**
   * One 1-D pass over `tmp*` (the sums and differences of mirrored
   * inputs), writing element `k` to `ws[base + k·step]`. `even` > 0 scales
   * the even outputs up by 2^even (pass 1), < 0 descales them by 2^−even
   * (pass 2); the odd outputs descale by `shift`.
   */
  function rowPass(
    tmp0: number,
    tmp1: number,
    tmp2: number,
    tmp3: number,
    tmp4: number,
    tmp5: number,
    tmp6: number,
    tmp7: number,
    base: number,
    step: number,
    even: number,
    shift: number,
  ): void {
    const tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
    if (even > 0) {
      ws[base] = (tmp10 + tmp11) << even;
      ws[base + 4 * step] = (tmp10 - tmp11) << even;
    } else {
      const r = 1 << (-even - 1);
      ws[base] = (tmp10 + tmp11 + r) >> -even;
      ws[base + 4 * step] = (tmp10 - tmp11 + r) >> -even;
    }
    const round = 1 << (shift - 1);
    let z1 = mul(tmp12 + tmp13, F0_541);
    ws[base + 2 * step] = (z1 + mul(tmp13, F0_765) + round) >> shift;
    ws[base + 6 * step] = (z1 - mul(tmp12, F1_847) + round) >> shift;
    z1 = tmp4 + tmp7;
    let z2 = tmp5 + tmp6, z3 = tmp4 + tmp6, z4 = tmp5 + tmp7;
    const z5 = mul(z3 + z4, F1_175);
    const t4 = mul(tmp4, F0_298), t5 = mul(tmp5, F2_053);
    const t6 = mul(tmp6, F3_072), t7 = mul(tmp7, F1_501);
    z1 = mul(z1, -F0_899);
    z2 = mul(z2, -F2_562);
    z3 = mul(z3, -F1_961) + z5;
    z4 = mul(z4, -F0_390) + z5;
    ws[base + 7 * step] = (t4 + z1 + z3 + round) >> shift;
    ws[base + 5 * step] = (t5 + z2 + z4 + round) >> shift;
    ws[base + 3 * step] = (t6 + z2 + z3 + round) >> shift;
    ws[base + step] = (t7 + z1 + z4 + round) >> shift;
  }
}

/**
 * The nonzero coefficients of the block at `coef[at]` as bits in zigzag
 * order: bit k of `mask[m]` (k < 32) or of `mask[m + 1]` (k ≥ 32).
 */
export function zigzagMask(coef: Int16Array, at: number, mask: Uint32Array, m: number): void {
  let lo = 0, hi = 0;
  for (let k = 0; k < 32; k++) if (coef[at + ZIGZAG[k]] !== 0) lo |= 1 << k;
  for (let k = 32; k < 64; k++) if (coef[at + ZIGZAG[k]] !== 0) hi |= 1 << (k - 32);
  mask[m] = lo;
  mask[m + 1] = hi;
}

/**
 * libjpeg-turbo's quantization divisors for a table (`compute_reciprocal`
 * with 16-bit elements): per coefficient `[reciprocal, correction, scale]`
 * such that `|x| / (8q)` rounded half up is `((|x| + c)·r >> 16)·s >> 16`
 * — the form the SIMD kernel computes with 32-bit lanes. Returns 192
 * values: 64 reciprocals, 64 corrections, 64 scales.
 */
export function reciprocalDivisors(quant: Uint16Array): Uint32Array {
  const out = new Uint32Array(192);
  for (let i = 0; i < 64; i++) {
    const d = quant[i] * 8;
    let r = 16 + (31 - Math.clz32(d)), fq = Math.floor(2 ** r / d), c = d >> 1;
    const fr = 2 ** r % d;
    if (fr === 0) {
      fq >>= 1;
      r--;
    } else if (fr <= d >> 1) c++;
    else fq++;
    out[i] = fq;
    out[64 + i] = c;
    out[128 + i] = 2 ** (32 - r);
  }
  return out;
}
