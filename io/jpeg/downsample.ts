/**
 * The encoder's colour conversion and chroma downsampling, as libjpeg
 * (`jccolor.c`, `jcsample.c`) does them — the TypeScript reference of the
 * SIMD kernel `ycc.wat`:
 *
 * - `Y = (19595 R + 38470 G + 7471 B + 2^15) >> 16`,
 *   `Cb = (−11059 R − 21709 G + 32768 B + 128·2^16 + 2^15 − 1) >> 16`,
 *   `Cr = (32768 R − 27439 G − 5329 B + 128·2^16 + 2^15 − 1) >> 16`
 *   (16-bit fixed point of the JFIF matrix; alpha is ignored).
 * - 2×2 downsampling: the mean of four samples with a bias alternating
 *   1, 2, 1, 2 along the row (`(a + b + c + d + bias) >> 2`), so rounding
 *   errors do not pile up in one direction.
 *
 * Edges follow libjpeg too: rows are extended to the padded width by
 * repeating their last pixel before downsampling (so padding chroma
 * columns come from repeated pixels), while rows below the image repeat
 * the last *downsampled* row (see `encode.ts`).
 *
 * @module
 */

/**
 * Converts `n` pixels of interleaved RGB(A) (`ch` ≥ 3 samples per pixel)
 * at `src[s]` to three rows at `m[y]`, `m[cb]`, `m[cr]`, each then
 * extended to `padded` samples by repeating the last one.
 */
export function rgbToYcc(
  src: Uint8Array,
  s: number,
  ch: number,
  n: number,
  m: Uint8Array,
  y: number,
  cb: number,
  cr: number,
  padded: number,
): void {
  for (let x = 0; x < n; x++, s += ch) {
    const r = src[s], g = src[s + 1], b = src[s + 2];
    m[y + x] = (19595 * r + 38470 * g + 7471 * b + 32768) >> 16;
    m[cb + x] = (-11059 * r - 21709 * g + 32768 * b + 8421375) >> 16;
    m[cr + x] = (32768 * r - 27439 * g - 5329 * b + 8421375) >> 16;
  }
  for (const row of [y, cb, cr]) extend(m, row, n, padded);
}

/** Repeats the last of `n` samples at `m[row]` up to `padded` samples. */
function extend(m: Uint8Array, row: number, n: number, padded: number): void {
  m.fill(m[row + n - 1], row + n, row + padded);
}

/** Copies the first channel of `n` pixels (`ch` samples each) to `m[y]`, extended to `padded`. */
export function grayRow(
  src: Uint8Array,
  s: number,
  ch: number,
  n: number,
  m: Uint8Array,
  y: number,
  padded: number,
): void {
  if (ch === 1) m.set(src.subarray(s, s + n), y);
  else for (let x = 0; x < n; x++, s += ch) m[y + x] = src[s];
  extend(m, y, n, padded);
}

/** 2×2 downsampling of rows `top` and `bottom` into `w` samples at `dst`. */
export function downsample2x2(
  m: Uint8Array,
  top: number,
  bottom: number,
  dst: number,
  w: number,
): void {
  for (let x = 0, bias = 1; x < w; x++, bias ^= 3) {
    const i = 2 * x;
    m[dst + x] = (m[top + i] + m[top + i + 1] + m[bottom + i] + m[bottom + i + 1] + bias) >> 2;
  }
}
