/**
 * Imports every built-in filter module, which registers its plugins in the
 * default registry, and re-exports their library functions.
 *
 * @module
 */

export * from "./convolve.ts";
