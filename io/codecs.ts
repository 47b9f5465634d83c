/**
 * The codec table: one entry per format, each from its own module
 * (`png.ts`, `jpeg/`, `tiff/`, `gif.ts`, `npy.ts`, `bmp.ts`, `netpbm.ts`, …). The entry points
 * (`decodeImage`, `encodeImage`, `sniffFormat`, `formatFromPath`) read it,
 * so a new format is its module plus one line here.
 *
 * @module
 */

import type { Image } from "../core/image.ts";
import { avifCodec } from "./avif.ts";
import { bmpCodec } from "./bmp.ts";
import type { ImageFormat } from "./formats.ts";
import { gifCodec } from "./gif.ts";
import { jpegCodec } from "./jpeg/mod.ts";
import type { ImageMetadata } from "./metadata.ts";
import { netpbmCodec } from "./netpbm.ts";
import { npyCodec } from "./npy.ts";
import { pngCodec } from "./png.ts";
import { tiffCodec } from "./tiff/mod.ts";
import type { TiffCompression } from "./tiff/encode.ts";
import { webpCodec } from "./webp.ts";

/** Decoding options after validation, as every decoder receives them. */
export interface CodecDecodeOptions {
  /** Cap on width × height × channels, checked from the header before allocating. */
  maxPixels: number;
  /** Cap on the decoded image's bytes (width × height × channels × bytes per sample of the output dtype), checked from the header before allocating. */
  maxBytes: number;
  /** Which page (IFD) of a multi-page file, 0-based; only codecs with `pages` see a non-zero one. */
  page: number;
  /** Keep a stored orientation (EXIF) instead of applying it. */
  keepOrientation: boolean;
  /** Which frame of an animation, 0-based; only codecs with `frames` see a non-zero one. */
  frame: number;
}

/** Encoding options after validation, as every encoder receives them. */
export interface CodecEncodeOptions {
  /** Quality 1–100 of the lossy formats. */
  quality: number;
  /** TIFF compression. */
  compression: TiffCompression;
  /** JPEG chroma subsampling. */
  subsampling: "4:2:0" | "4:4:4";
  /** Progressive JPEG. */
  progressive: boolean;
  /** Lossless compression where the format has both (WebP, AVIF). */
  lossless: boolean;
  /** Metadata to embed where the format holds it (checked; `{}` for none); formats without a place for a piece leave it out. */
  metadata: ImageMetadata;
}

/** One image format: how to recognise it, and its decoder and encoder where it has them. */
export interface Codec {
  /** The format's name in `ImageFormat`. */
  format: ImageFormat;
  /** Its name in messages ("PNG"). */
  label: string;
  /** File name extensions, lower case with the dot. */
  extensions: readonly string[];
  /** Whether the bytes start with this format's magic number. */
  sniff(bytes: Uint8Array): boolean;
  /** Whether the format holds several pages and the decoder honours `page`. */
  pages?: boolean;
  /** Whether the format holds several frames and the decoder honours `frame`. */
  frames?: boolean;
  /** Decodes (absent: the format is write-only). */
  decode?(bytes: Uint8Array, options: CodecDecodeOptions): Promise<Image> | Image;
  /**
   * Reads the file's metadata without decoding pixels (absent: the format
   * holds none imfilter reads), of `page` where the format has pages. A
   * broken piece is left out, never thrown.
   */
  readMetadata?(
    bytes: Uint8Array,
    options: { page: number },
  ): ImageMetadata | Promise<ImageMetadata>;
  /**
   * How decoding honours the EXIF orientation (unless `keepOrientation`):
   * `"decoder"`, the decoder writes the pixels upright itself (JPEG);
   * `"exif"`, `decodeImage` turns the decoded pixels by the orientation in
   * the EXIF block `readMetadata` finds, as Pillow's `exif_transpose` does
   * (PNG, WebP). Absent: the stored pixels are the image.
   */
  orientation?: "decoder" | "exif";
  /** Encodes (absent: the format is read-only). */
  encode?(image: Image, options: CodecEncodeOptions): Promise<Uint8Array> | Uint8Array;
}

/** Every codec, in the order their magic numbers are tried. */
export const CODECS: readonly Codec[] = [
  pngCodec,
  npyCodec,
  jpegCodec,
  gifCodec,
  tiffCodec,
  bmpCodec,
  netpbmCodec,
  webpCodec,
  avifCodec,
];

/** The codec of a format. */
export function codecOf(format: ImageFormat): Codec {
  return CODECS.find((c) => c.format === format)!;
}
