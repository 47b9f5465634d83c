/**
 * Numeric engines shared by two or more filter families: the FFT (any size,
 * radix 2/3/4/5/8 stages) and FFT valid correlation with its WebAssembly SIMD
 * kernel, the small dense linear algebra of kernel estimation, and the SIMD
 * kernel loader (`engines/simd.ts`, imported by every family's glue). They
 * know no filter: a filter imports them; they never import a filter.
 *
 * @module
 */

export { factorize, fft, fft2d, nextFastSize } from "./fft.ts";
export { correlateValid, correlateValidFFT, type RealPlane } from "./fft_correlate.ts";
export * from "./linalg.ts";
