/**
 * TIFF, read and write, with imfilter's own code: `ifd.ts` (header, IFD
 * chain, lazy bounded tag reading), `decode.ts` (pages, strips and tiles,
 * chunky and planar, sample formats), `encode.ts` (the writer),
 * `compression.ts` (LZW, PackBits, predictors; Deflate is `../zlib.ts`).
 *
 * @module
 */

import type { Codec } from "../codecs.ts";
import { decodeTiff } from "./decode.ts";
import { encodeTiff } from "./encode.ts";
import { isTiff } from "./ifd.ts";

export { decodeTiff } from "./decode.ts";
export { encodeTiff, type TiffCompression } from "./encode.ts";
export { isTiff } from "./ifd.ts";

/** TIFF: classic and BigTIFF, any page; written as one Deflate/LZW/uncompressed page. */
export const tiffCodec: Codec = {
  format: "tiff",
  label: "TIFF",
  extensions: [".tif", ".tiff"],
  sniff: isTiff,
  pages: true,
  decode: (bytes, { maxPixels, maxBytes, page }) =>
    decodeTiff(bytes, { maxPixels, maxBytes, page }),
  encode: (image, { compression }) => encodeTiff(image, { compression }),
};
