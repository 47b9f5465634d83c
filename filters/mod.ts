/**
 * Imports every built-in filter module, which registers its plugins in the
 * default registry, and re-exports their library functions.
 *
 * @module
 */

export * from "./linear/mod.ts";
export * from "./median/median.ts";
export * from "./match_template/match_template.ts";
export * from "./estimate_kernel.ts";
export * from "./deconvolve.ts";
export * from "./bilateral/bilateral.ts";
export * from "./nl_means/nl_means.ts";
