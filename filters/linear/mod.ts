/**
 * The linear family: `convolve` and `correlate` with any kernel, the
 * Gaussian, the box blur and the edge and effect kernels (Sobel, Scharr,
 * Laplace, sharpen, emboss, derivatives), with their engines side by side —
 * direct (`direct.ts`, `small_kernel.ts`), separable (`separable.ts`),
 * running sums (`box_sums.ts`), overlap-save FFT (`overlap_save.ts`),
 * OpenCV's fixed-point Gaussian (`gaussian_fixed.ts`), the recursive
 * Gaussian (`gaussian_recursive.ts`) and the WebAssembly SIMD kernels
 * (`*.wat`, called from `*_simd.ts`).
 *
 * @module
 */

export { OUTPUT_MODES, type OutputMode } from "./direct.ts";
export * from "./convolve.ts";
export * from "./gaussian.ts";
export * from "./box.ts";
export * from "./edges.ts";
