/**
 * The colour conversion of `color: "lab"`: OpenCV's 8-bit linear-RGB ⇄ CIE
 * Lab (`rgbToLab8`, `lab8ToRgb`), as `fastNlMeansDenoisingColored` uses it
 * around its denoising — L with `h`, a and b jointly with `hColor`.
 *
 * Siblings: nl_means.ts (the plugin) converts with it around the OpenCV
 * engine of opencv.ts; it depends on no other file of the family.
 *
 * @module
 */

const RGB2XYZ = [
  0.412453,
  0.35758,
  0.180423,
  0.212671,
  0.71516,
  0.072169,
  0.019334,
  0.119193,
  0.950227,
];
const WHITE = [0.950456, 1, 1.088754];

function labF(t: number): number {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

/** RGB planes (0..255) → 8-bit Lab planes (L·255/100, a+128, b+128), rounded. */
export function rgbToLab8(
  r: ArrayLike<number>,
  g: ArrayLike<number>,
  b: ArrayLike<number>,
): Float64Array[] {
  const n = r.length;
  const L = new Float64Array(n), A = new Float64Array(n), Bb = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const R = r[i] / 255, G = g[i] / 255, B = b[i] / 255;
    const X = (RGB2XYZ[0] * R + RGB2XYZ[1] * G + RGB2XYZ[2] * B) / WHITE[0];
    const Y = RGB2XYZ[3] * R + RGB2XYZ[4] * G + RGB2XYZ[5] * B;
    const Z = (RGB2XYZ[6] * R + RGB2XYZ[7] * G + RGB2XYZ[8] * B) / WHITE[2];
    const fx = labF(X), fy = labF(Y), fz = labF(Z);
    const l = Y > 0.008856 ? 116 * fy - 16 : 903.3 * Y;
    L[i] = clamp8(Math.round(l * 255 / 100));
    A[i] = clamp8(Math.round(500 * (fx - fy) + 128));
    Bb[i] = clamp8(Math.round(200 * (fy - fz) + 128));
  }
  return [L, A, Bb];
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** 8-bit Lab planes → RGB planes (0..255, not yet rounded). */
export function lab8ToRgb(L8: Float64Array, A8: Float64Array, B8: Float64Array): Float64Array[] {
  const n = L8.length;
  const R = new Float64Array(n), G = new Float64Array(n), B = new Float64Array(n);
  // inverse of RGB2XYZ
  const m = RGB2XYZ;
  const det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6]);
  const inv = [
    (m[4] * m[8] - m[5] * m[7]) / det,
    (m[2] * m[7] - m[1] * m[8]) / det,
    (m[1] * m[5] - m[2] * m[4]) / det,
    (m[5] * m[6] - m[3] * m[8]) / det,
    (m[0] * m[8] - m[2] * m[6]) / det,
    (m[2] * m[3] - m[0] * m[5]) / det,
    (m[3] * m[7] - m[4] * m[6]) / det,
    (m[1] * m[6] - m[0] * m[7]) / det,
    (m[0] * m[4] - m[1] * m[3]) / det,
  ];
  for (let i = 0; i < n; i++) {
    const l = L8[i] * 100 / 255, a = A8[i] - 128, b = B8[i] - 128;
    let Y: number, fy: number;
    if (l <= 8) {
      Y = l / 903.3;
      fy = 7.787 * Y + 16 / 116;
    } else {
      fy = (l + 16) / 116;
      Y = fy * fy * fy;
    }
    const fx = fy + a / 500, fz = fy - b / 200;
    const X = (fx > 0.206893 ? fx * fx * fx : (fx - 16 / 116) / 7.787) * WHITE[0];
    const Z = (fz > 0.206893 ? fz * fz * fz : (fz - 16 / 116) / 7.787) * WHITE[2];
    R[i] = 255 * (inv[0] * X + inv[1] * Y + inv[2] * Z);
    G[i] = 255 * (inv[3] * X + inv[4] * Y + inv[5] * Z);
    B[i] = 255 * (inv[6] * X + inv[7] * Y + inv[8] * Z);
  }
  return [R, G, B];
}
