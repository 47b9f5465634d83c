/**
 * Number conversions the decoders share, each giving exactly what NumPy's
 * `astype(np.float32)` gives: half floats (exact) and 64-bit integers
 * rounded once to float32 (never through a double first).
 *
 * @module
 */

/** The value of an IEEE 754 half-precision float given by its 16 bits (exact in float32). */
export function halfToFloat(h: number): number {
  const e = (h >> 10) & 31, m = h & 1023, s = h & 0x8000 ? -1 : 1;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1024 + m) * 2 ** (e - 25);
}

/**
 * A 64-bit integer rounded to the nearest float32, ties to even, as NumPy
 * casts it. Rounding to a double first could round twice and land one
 * float32 step off, so values wider than 53 bits keep their top 30 bits and
 * a sticky bit standing for everything below.
 */
export function int64ToFloat(v: bigint): number {
  const neg = v < 0n, a = neg ? -v : v;
  const n = a.toString(2).length;
  let x: number;
  if (n <= 53) x = Number(a);
  else {
    const k = BigInt(n - 30), low = a & ((1n << k) - 1n);
    x = Number((a >> k) | (low ? 1n : 0n)) * 2 ** Number(k);
  }
  return Math.fround(neg ? -x : x);
}
