/**
 * TIFF, read and write, with imfilter's own code: `ifd.ts` (header, IFD
 * chain, lazy bounded tag reading), `decode.ts` (pages, strips and tiles,
 * chunky and planar, sample formats), `encode.ts` (the writer),
 * `ifd_tree.ts` (IFDs as trees: the writer's layout, EXIF sub-IFDs),
 * `metadata.ts` (ICC, density, EXIF),
 * `compression.ts` (LZW, PackBits, predictors; Deflate is `../zlib.ts`).
 *
 * @module
 */

import type { Codec } from "../codecs.ts";
import { decodeTiff } from "./decode.ts";
import { encodeTiff } from "./encode.ts";
import { isTiff } from "./ifd.ts";
import { readTiffMetadata } from "./metadata.ts";

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
  readMetadata: readTiffMetadata,
  encode: (image, { compression, metadata }) => encodeTiff(image, { compression, metadata }),
};
