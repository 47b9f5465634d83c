/**
 * The codec table: one entry per format, each from its own module
 * (`png.ts`, `jpeg_*.ts`, `tiff.ts`, `gif.ts`, `npy.ts`, …). The entry points
 * (`decodeImage`, `encodeImage`, `sniffFormat`, `formatFromPath`) read it,
 * so a new format is its module plus one line here.
 *
 * @module
 */

import type { Image } from "../core/image.ts";
import { avifCodec } from "./avif.ts";
import type { ImageFormat } from "./formats.ts";
import { gifCodec } from "./gif.ts";
import { jpegCodec } from "./jpeg_legacy.ts";
import { npyCodec } from "./npy.ts";
import { pngCodec } from "./png.ts";
import { tiffCodec } from "./tiff.ts";
import { webpCodec } from "./webp.ts";

/** Decoding options after validation, as every decoder receives them. */
export interface CodecDecodeOptions {
  /** Cap on width × height × channels, checked from the header before allocating. */
  maxPixels: number;
}

/** Encoding options after validation, as every encoder receives them. */
export interface CodecEncodeOptions {
  /** Quality 1–100 of the lossy formats. */
  quality: number;
  /** Lossless compression where the format has both (WebP, AVIF). */
  lossless: boolean;
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
  /** Decodes (absent: the format is write-only). */
  decode?(bytes: Uint8Array, options: CodecDecodeOptions): Promise<Image> | Image;
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
  webpCodec,
  avifCodec,
];

/** The codec of a format. */
export function codecOf(format: ImageFormat): Codec {
  return CODECS.find((c) => c.format === format)!;
}
