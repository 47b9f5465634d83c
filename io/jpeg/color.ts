/**
 * Upsampling and colour conversion of decoded rows, as libjpeg-turbo does
 * them by default (and so PIL and OpenCV): the TypeScript reference the
 * SIMD kernels (`color.wat`) are tested against.
 *
 * Upsampling ("fancy", IJG's triangle filter, for 2:1 ratios): each output
 * sample is ¾ of the nearer input sample plus ¼ of the next one, in fixed
 * point with libjpeg's alternating rounding biases. Horizontally
 * (`h2v1`): `(3a + b + 1) >> 2` left of the centre, `(3a + b + 2) >> 2`
 * right; vertically (`h1v2`) the same with the row above / below; both
 * (`h2v2`): column sums `3·cur + neighbour` combined horizontally as
 * `(3c + d + 8) >> 4` and `(3c + d + 7) >> 4`. The first and last columns
 * and rows repeat the edge sample. Other integral ratios, and rows of at
 * most 2 samples for h2v1 / h2v2, replicate samples (libjpeg's choice).
 *
 * YCbCr → RGB: libjpeg's 16-bit fixed point, `R = Y + ⌊1.402·(Cr−128)⌉`,
 * `G = Y + ⌊−0.34414·(Cb−128) − 0.71414·(Cr−128)⌉`, `B = Y +
 * ⌊1.772·(Cb−128)⌉`, each rounding exactly as its tables do, then clamped.
 * CMYK as Pillow converts it (`Image.convert("RGB")`): Adobe files store
 * inverted ink, so with stored `c, k` the red is `k − c·k/255` in Pillow's
 * rounding; YCCK is YCbCr → RGB for the first three, then the same.
 *
 * @module
 */

const FIX = (x: number) => Math.floor(x * 65536 + 0.5);

/** libjpeg's conversion tables (jdcolor.c's, built from the same formulas). */
export const CR_R: Int32Array = new Int32Array(256);
export const CB_B: Int32Array = new Int32Array(256);
export const CR_G: Int32Array = new Int32Array(256);
export const CB_G: Int32Array = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (FIX(1.402) * x + 32768) >> 16;
  CB_B[i] = (FIX(1.772) * x + 32768) >> 16;
  CR_G[i] = -FIX(0.71414) * x;
  CB_G[i] = -FIX(0.34414) * x + 32768;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** `n` pixels of YCbCr rows to interleaved RGB at `out[o]`. */
export function yccToRgb(
  m: Uint8Array,
  y: number,
  cb: number,
  cr: number,
  o: number,
  n: number,
): void {
  for (let x = 0; x < n; x++, o += 3) {
    const Y = m[y + x], b = m[cb + x], r = m[cr + x];
    m[o] = clamp(Y + CR_R[r]);
    m[o + 1] = clamp(Y + ((CB_G[b] + CR_G[r]) >> 16));
    m[o + 2] = clamp(Y + CB_B[b]);
  }
}

/** `n` pixels of three rows (R, G, B coded as is) interleaved at `out[o]`. */
export function planesToRgb(
  m: Uint8Array,
  r: number,
  g: number,
  b: number,
  o: number,
  n: number,
): void {
  for (let x = 0; x < n; x++, o += 3) {
    m[o] = m[r + x];
    m[o + 1] = m[g + x];
    m[o + 2] = m[b + x];
  }
}

/** Pillow's `k' − k'·c'/255` with `c'`, `k'` the stored (inverted) inks. */
function ink(c: number, k: number): number {
  const t = (255 - c) * k + 128;
  return k - (((t >> 8) + t) >> 8);
}

/** `n` pixels of stored Adobe CMYK rows to RGB as Pillow converts them. */
export function cmykToRgb(
  m: Uint8Array,
  c: number,
  mg: number,
  ye: number,
  k: number,
  o: number,
  n: number,
): void {
  for (let x = 0; x < n; x++, o += 3) {
    const K = m[k + x];
    m[o] = ink(m[c + x], K);
    m[o + 1] = ink(m[mg + x], K);
    m[o + 2] = ink(m[ye + x], K);
  }
}

/** `n` pixels of YCCK rows to RGB: libjpeg's YCCK → CMYK, then as {@linkcode cmykToRgb}. */
export function ycckToRgb(
  m: Uint8Array,
  y: number,
  cb: number,
  cr: number,
  k: number,
  o: number,
  n: number,
): void {
  for (let x = 0; x < n; x++, o += 3) {
    const Y = m[y + x], b = m[cb + x], r = m[cr + x], K = m[k + x];
    m[o] = ink(255 - clamp(Y + CR_R[r]), K);
    m[o + 1] = ink(255 - clamp(Y + ((CB_G[b] + CR_G[r]) >> 16)), K);
    m[o + 2] = ink(255 - clamp(Y + CB_B[b]), K);
  }
}

/** Fancy 2:1 horizontal upsampling of `w` samples (w > 2) at `src` into `2w` at `dst`. */
export function upH2V1(m: Uint8Array, src: number, dst: number, w: number): void {
  let a = m[src];
  m[dst] = a;
  m[dst + 1] = (3 * a + m[src + 1] + 2) >> 2;
  for (let x = 1; x < w - 1; x++) {
    a = m[src + x];
    m[dst + 2 * x] = (3 * a + m[src + x - 1] + 1) >> 2;
    m[dst + 2 * x + 1] = (3 * a + m[src + x + 1] + 2) >> 2;
  }
  a = m[src + w - 1];
  m[dst + 2 * w - 2] = (3 * a + m[src + w - 2] + 1) >> 2;
  m[dst + 2 * w - 1] = a;
}

/**
 * Fancy 2:1 vertical upsampling: the output row nearer `cur` than its
 * neighbour `nbr`; `bias` is 1 for the upper output row, 2 for the lower.
 */
export function upH1V2(
  m: Uint8Array,
  cur: number,
  nbr: number,
  dst: number,
  w: number,
  bias: number,
): void {
  for (let x = 0; x < w; x++) m[dst + x] = (3 * m[cur + x] + m[nbr + x] + bias) >> 2;
}

/** Fancy 2:1 upsampling both ways (w > 2): the output row nearer `cur` than `nbr`. */
export function upH2V2(m: Uint8Array, cur: number, nbr: number, dst: number, w: number): void {
  let c = 3 * m[cur] + m[nbr];
  let next = 3 * m[cur + 1] + m[nbr + 1];
  m[dst] = (4 * c + 8) >> 4;
  m[dst + 1] = (3 * c + next + 7) >> 4;
  let last = c;
  c = next;
  for (let x = 1; x < w - 1; x++) {
    next = 3 * m[cur + x + 1] + m[nbr + x + 1];
    m[dst + 2 * x] = (3 * c + last + 8) >> 4;
    m[dst + 2 * x + 1] = (3 * c + next + 7) >> 4;
    last = c;
    c = next;
  }
  m[dst + 2 * w - 2] = (3 * c + last + 8) >> 4;
  m[dst + 2 * w - 1] = (4 * c + 7) >> 4;
}

/** Replicates each of `w` samples `f` times (integral-ratio upsampling, horizontal part). */
export function upReplicate(m: Uint8Array, src: number, dst: number, w: number, f: number): void {
  for (let x = w - 1; x >= 0; x--) {
    const v = m[src + x];
    for (let j = 0; j < f; j++) m[dst + x * f + j] = v;
  }
}
