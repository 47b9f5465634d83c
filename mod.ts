/**
 * imfilter: image filtering for Deno and TypeScript — convolution and
 * correlation with every boundary mode, and a plugin registry that resolves
 * filters by name. Importing this module registers the built-in filters.
 *
 * @example Filter an image with a kernel
 * ```ts
 * import { correlate, Image } from "@imfilter/imfilter";
 * const img = Image.zeros(8, 8, 1, "f32");
 * img.data[4 * 8 + 4] = 1;
 * const out = correlate(img, "sobel-x", { boundary: "constant" });
 * console.log(out.get(3, 4)); // 2
 * ```
 *
 * @module
 */

export * from "./core/mod.ts";
export * from "./engines/mod.ts";
export * from "./io/mod.ts";
export * from "./filters/mod.ts";
export * from "./parallel/mod.ts";
