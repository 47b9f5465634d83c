/**
 * Encoded bytes to and from an `Image`: {@linkcode decodeImage} picks the
 * decoder by magic number (or the given format) after the header has been
 * checked against the size cap, {@linkcode encodeImage} the encoder by
 * format name. Runs in every runtime: no file access here (see `files.ts`).
 *
 * @module
 */

import { FilterError, show } from "../core/errors.ts";
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, type Image } from "../core/image.ts";
import { type Codec, codecOf, CODECS } from "./codecs.ts";
import {
  bad,
  type DecodeOptions,
  type EncodeOptions,
  type ImageFormat,
  option,
  sniffFormat,
} from "./formats.ts";
import {
  checkMetadata,
  exifOrientation,
  exifWithOrientation,
  type ImageMetadata,
  isEmptyMetadata,
} from "./metadata.ts";
import { orient } from "./orientation.ts";

/**
 * Decodes image bytes; the format comes from `options.format` or the magic
 * number. The channel count comes from the header: gray 1, gray+alpha 2,
 * RGB 3, RGBA 4 (PNG palette 3, or 4 with transparency; GIF 3, or 4 with a
 * transparent colour; WebP 3, or 4 with alpha; AVIF 1 or 3, plus alpha).
 * 16-bit PNG/TIFF and 10/12-bit AVIF read as `u16`, float TIFF and `<f4`
 * `.npy` as `f32`, the rest as `u8`. Malformed or truncated input is
 * `DECODE_FAILED`; a header larger than `maxPixels` samples, or whose image
 * needs more than `maxBytes` bytes (default {@linkcode DEFAULT_MAX_BYTES},
 * 512 MiB), is `IMAGE_TOO_LARGE`, before anything is allocated.
 *
 * @example
 * ```ts
 * import { decodeImage, encodeImage, Image } from "@imfilter/imfilter";
 * const png = await encodeImage(Image.zeros(3, 2, 1, "u8"), "png");
 * console.log((await decodeImage(png)).channels); // 1
 * ```
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeOptions & { format?: ImageFormat } = {},
): Promise<Image> {
  if (!(bytes instanceof Uint8Array)) {
    throw new FilterError(
      "INVALID_PARAM",
      `decodeImage: bytes must be a Uint8Array, got ${show(bytes)}`,
    );
  }
  const maxPixels = option("decodeImage", "maxPixels", options.maxPixels, DEFAULT_MAX_PIXELS);
  const maxBytes = option("decodeImage", "maxBytes", options.maxBytes, DEFAULT_MAX_BYTES);
  const format =
    option<ImageFormat | undefined>("decodeImage", "format", options.format, undefined) ??
      sniffFormat(bytes);
  const codec = codecFor(bytes, format);
  if (!codec.decode) {
    throw new FilterError("INVALID_PARAM", `reading ${codec.label} is not supported`);
  }
  const page = option("decodeImage", "page", options.page, 0);
  const keepOrientation = option(
    "decodeImage",
    "keepOrientation",
    options.keepOrientation,
    false,
  );
  const frame = option("decodeImage", "frame", options.frame, 0);
  if (frame > 0 && !codec.frames) {
    throw new FilterError(
      "INVALID_PARAM",
      `decodeImage: frame ${frame} given, but ${codec.label} holds one image`,
    );
  }
  if (page > 0 && !codec.pages) {
    throw new FilterError(
      "INVALID_PARAM",
      `decodeImage: page ${page} given, but ${codec.label} holds one image`,
    );
  }
  try {
    if (!codec.sniff(bytes)) {
      throw bad(codec.label, "bad magic number; the data is not this format");
    }
    const image = await codec.decode(bytes, { maxPixels, maxBytes, page, keepOrientation, frame });
    if (codec.orientation !== "exif" || keepOrientation) return image;
    const { exif } = await codec.readMetadata!(bytes, { page });
    return exif ? orient(image, exifOrientation(exif)) : image;
  } catch (e) {
    if (e instanceof FilterError) {
      // checkDims inside a decoder means the header is nonsense, not the caller's parameter.
      if (e.code === "INVALID_PARAM") throw bad(codec.format.toUpperCase(), e.message);
      if (/[\r\n]/.test(e.message)) {
        throw new FilterError(e.code, e.message.replace(/[\r\n]+/g, " "), { cause: e });
      }
      throw e;
    }
    const why = String((e as Error)?.message ?? e).split("\n")[0];
    throw bad(codec.format.toUpperCase(), `cannot decode (${why})`);
  }
}

/** The codec of `format`, or of the bytes' magic number; unrecognised data is `DECODE_FAILED`. */
function codecFor(bytes: Uint8Array, format: ImageFormat | undefined): Codec {
  if (format === undefined) {
    throw new FilterError(
      "DECODE_FAILED",
      `unrecognised image data (${bytes.length} bytes): not ${
        CODECS.map((c) => c.label).join(", ")
      }`,
    );
  }
  return codecOf(format);
}

/**
 * Reads an image file's metadata — ICC profile, EXIF block, density —
 * without decoding its pixels: JPEG (APP2 ICC_PROFILE segments, the first
 * APP1 Exif, JFIF density), PNG (iCCP, eXIf, pHYs), TIFF (ICC tag, EXIF
 * sub-IFD, resolution), WebP (ICCP and EXIF chunks), BMP (V5 embedded
 * profile, pixels per metre) and AVIF (the `colr` ICC profile); of a
 * TIFF, page `page` (default 0). Other formats have none (`{}`). The format comes from
 * `options.format` or the magic number (unrecognised bytes are
 * `DECODE_FAILED`). A broken piece (truncated, a bad length, a loop) is left
 * out, never thrown; pieces are copies, a few bytes to a few MiB, never the
 * whole file.
 *
 * The EXIF block comes as the decoder would leave it: when `decodeImage`
 * applies the EXIF orientation (JPEG, PNG, WebP, unless `keepOrientation`), its
 * Orientation tag reads 1 in the copy returned here, so that a file written
 * with it is not rotated twice by viewers; with `keepOrientation` it is the
 * stored block, byte for byte.
 *
 * @example
 * ```ts
 * import { encodeImage, Image, readMetadata } from "@imfilter/imfilter";
 * const density = { x: 300, y: 300, unit: "inch" } as const;
 * const png = await encodeImage(Image.zeros(4, 4, 3, "u8"), "png", { metadata: { density } });
 * console.log((await readMetadata(png)).density); // { x: 300, y: 300, unit: "inch" }
 * ```
 */
export async function readMetadata(
  bytes: Uint8Array,
  options: { format?: ImageFormat; keepOrientation?: boolean; page?: number } = {},
): Promise<ImageMetadata> {
  if (!(bytes instanceof Uint8Array)) {
    throw new FilterError(
      "INVALID_PARAM",
      `readMetadata: bytes must be a Uint8Array, got ${show(bytes)}`,
    );
  }
  const format =
    option<ImageFormat | undefined>("readMetadata", "format", options.format, undefined) ??
      sniffFormat(bytes);
  const keepOrientation = option(
    "readMetadata",
    "keepOrientation",
    options.keepOrientation,
    false,
  );
  const page = option("readMetadata", "page", options.page, 0);
  const codec = codecFor(bytes, format);
  if (!codec.readMetadata || !codec.sniff(bytes)) return {};
  let meta: ImageMetadata;
  try {
    meta = await codec.readMetadata(bytes, { page: codec.pages ? page : 0 });
  } catch {
    return {};
  }
  if (meta.exif && codec.orientation && !keepOrientation) {
    meta = { ...meta, exif: exifWithOrientation(meta.exif, 1) };
  }
  return meta;
}

/**
 * The metadata without an ICC profile whose colour space (header bytes
 * 16–19) does not describe the file: an RGB image keeps an "RGB " profile,
 * a gray one a "GRAY" profile (an "RGB " one in WebP, which writes gray as RGB). A CMYK JPEG's profile, say, does not go with
 * the RGB pixels it was decoded to.
 */
function fitIcc(metadata: ImageMetadata, image: Image, format: ImageFormat): ImageMetadata {
  const icc = metadata.icc;
  if (!icc) return metadata;
  const space = icc.length >= 20 ? String.fromCharCode(...icc.subarray(16, 20)) : "";
  // WebP has no gray: a gray image is written as RGB.
  const rgb = image.channels >= 3 || format === "webp";
  if (space === (rgb ? "RGB " : "GRAY")) return metadata;
  const { icc: _, ...rest } = metadata;
  return rest;
}

/**
 * Encodes an image: PNG (u8 → 8-bit, u16 → 16-bit; the colour type follows
 * the channel count, so gray stays gray), JPEG (u8; gray stays 1-component,
 * alpha is dropped), WebP (u8; `quality` or `lossless`, alpha kept), AVIF
 * (u8 8-bit, u16 10/12-bit; `quality` or `lossless`) or `.npy` (any dtype,
 * exact). GIF is read-only. f32 to PNG/JPEG/WebP/AVIF is
 * `UNSUPPORTED_DTYPE`: convert with `toDtype` or write `.npy`.
 * `metadata` (an ICC profile, EXIF block, density, as {@linkcode readMetadata}
 * gives them) is embedded where the format holds it (see `EncodeOptions`).
 *
 * @example
 * ```ts
 * import { encodeImage, Image } from "@imfilter/imfilter";
 * const bytes = await encodeImage(Image.zeros(4, 4, 3, "u16"), "png");
 * console.log(bytes[24]); // 16 (bit depth)
 * ```
 */
export async function encodeImage(
  image: Image,
  format: ImageFormat,
  options: EncodeOptions = {},
): Promise<Uint8Array> {
  const fmt = option<ImageFormat>("encodeImage", "format", format, "png");
  const quality = option("encodeImage", "quality", options.quality, 90);
  const compression = option("encodeImage", "compression", options.compression, "deflate");
  const subsampling = option("encodeImage", "subsampling", options.subsampling, "4:2:0");
  const progressive = option("encodeImage", "progressive", options.progressive, false);
  const lossless = option("encodeImage", "lossless", options.lossless, false);
  const metadata = fitIcc(checkMetadata("encodeImage", options.metadata), image, fmt);
  const codec = codecOf(fmt);
  if (!codec.encode) {
    const writable = CODECS.filter((c) => c.encode).map((c) => c.extensions[0]).join(", ");
    throw new FilterError(
      "INVALID_PARAM",
      `writing ${codec.label} is not supported; write ${writable}`,
    );
  }
  return await codec.encode(image, {
    quality,
    compression,
    subsampling,
    progressive,
    lossless,
    metadata: isEmptyMetadata(metadata) ? {} : metadata,
  });
}
