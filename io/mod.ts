/**
 * Image I/O: PNG (own codec, 8/16-bit, read and write), JPEG (read and write;
 * gray through imfilter's own encoder), TIFF (own baseline decoder), GIF (own
 * decoder, first frame) and NumPy `.npy` (read and write). The channel count
 * comes from each file's header, never from pixel values; dimensions are
 * checked against a cap before anything is allocated; every malformed file
 * ends as a one-line `DECODE_FAILED`. Writes are atomic (temporary file in
 * the same directory, then rename).
 *
 * Where things are: `formats.ts` (names, extensions, magic numbers, options),
 * `codec.ts` (bytes ↔ `Image`, every runtime), `files.ts` (read and write
 * files in Deno, Node and Bun through `fs.ts`), one module per format
 * (`png.ts`, `gif.ts`, `tiff.ts`, `npy.ts`, `jpeg.ts`), `zlib.ts` (the web
 * compression streams), `path.ts` (string paths, no `node:path`).
 *
 * Permissions (Deno): PNG, TIFF, GIF and `.npy` need only `--allow-read` /
 * `--allow-write` of the files themselves. JPEG loads imagescript on first
 * use, which needs `--allow-ffi` (its native codec module is loaded at
 * import) and `--allow-env` (`IMAGESCRIPT_WASM_SIMD`) besides `--allow-read`
 * of Deno's npm cache.
 *
 * @module
 */

export { decodeNpy, encodeNpy } from "./npy.ts";
export {
  type DecodeOptions,
  type EncodeOptions,
  formatFromPath,
  type FormatInfo,
  type ImageFormat,
  imageFormats,
  sniffFormat,
} from "./formats.ts";
export { decodeImage, encodeImage } from "./codec.ts";
export { readImage, readKernel, writeFileAtomic, writeImage } from "./files.ts";
