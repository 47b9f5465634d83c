/**
 * Image I/O: PNG (own codec, 8/16-bit, read and write), JPEG (own codec,
 * read and write), TIFF (own reader and writer: BigTIFF,
 * tiles, planar, LZW/Deflate/PackBits, predictors, every sample type, pages),
 * GIF (own decoder, first frame), BMP and netpbm (own, read and write) and
 * NumPy `.npy` (every numeric dtype read; f32/u8/u16 written). The channel
 * count comes from each file's header, never from pixel values; dimensions
 * and the data's size are checked before anything is allocated; every
 * malformed file ends as a one-line `DECODE_FAILED`. Writes are atomic
 * (temporary file in the same directory, then rename).
 *
 * Where things are: `formats.ts` (names, options), `codecs.ts` (the codec
 * table: magic numbers, extensions, decoder and encoder per format),
 * `codec.ts` (bytes ↔ `Image`, every runtime), `files.ts` (read and write
 * files in Deno, Node and Bun through `fs.ts`), one module per format
 * (`png.ts`, `gif.ts`, `tiff/`, `bmp.ts`, `netpbm.ts`, `npy.ts`, `jpeg/`),
 * `numeric.ts` (conversions shared by decoders), `zlib.ts` (the web
 * compression streams), `path.ts` (string paths, no `node:path`).
 *
 * Permissions (Deno): every codec is TypeScript or WebAssembly embedded in
 * the library, so decoding and encoding bytes need none; `readImage` /
 * `writeImage` need `--allow-read` / `--allow-write` of the files themselves.
 *
 * @module
 */

export { decodeNpy, encodeNpy } from "./npy.ts";
export {
  type DecodeOptions,
  type EncodeOptions,
  formatFromPath,
  type ImageFormat,
  sniffFormat,
} from "./formats.ts";
export { decodeImage, encodeImage } from "./codec.ts";
export { readImage, readKernel, writeFileAtomic, writeImage } from "./files.ts";
