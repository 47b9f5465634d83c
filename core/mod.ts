/**
 * The core of imfilter: images, kernels, boundary modes, errors, param specs
 * and the plugin registry. It knows no filter.
 *
 * @module
 */

export * from "./errors.ts";
export * from "./dtype.ts";
export * from "./image.ts";
export * from "./kernel.ts";
export * from "./kernels.ts";
export * from "./boundary.ts";
export * from "./params.ts";
export * from "./registry.ts";
export * from "./planes.ts";
export * from "./linear.ts";
export * from "./fft.ts";
export * from "./linalg.ts";
export * from "./io.ts";
export * from "./pipeline.ts";
