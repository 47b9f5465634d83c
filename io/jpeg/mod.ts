/**
 * imfilter's own JPEG codec: TypeScript, with WebAssembly SIMD kernels for
 * the hot loops (`IMFILTER_SIMD=0` or `withSimd(false, …)` runs the
 * TypeScript reference instead; both give the same bytes). No native
 * module and no file access: it runs wherever WebAssembly does, or without
 * it.
 *
 * Decoding gives libjpeg-turbo's pixels (what PIL and OpenCV return by
 * default): the accurate integer IDCT, fancy upsampling, libjpeg's
 * fixed-point YCbCr → RGB, CMYK/YCCK converted as Pillow's
 * `convert("RGB")` does, and the EXIF orientation applied as
 * `PIL.ImageOps.exif_transpose` does. Encoding writes what libjpeg writes
 * at the same quality (`cv2.imwrite`, Pillow's `save`): IJG-scaled Annex K
 * tables, the accurate integer forward DCT, libjpeg's colour conversion and
 * downsampling, standard Huffman tables (baseline) or optimal ones
 * (progressive, libjpeg's scan script).
 *
 * @module
 */

import { FilterError } from "../../core/errors.ts";
import type { Codec } from "../codecs.ts";
import type { Image } from "../../core/image.ts";
import { decodeWith, guarded, type JpegInfo, readJpegInfo } from "./decode.ts";
import { type EncodeKernels, encodeWith, typescriptEncodeKernels } from "./encode.ts";
import { type PixelKernels, typescriptKernels } from "./pixels.ts";
import { simdEncodeKernels, simdPixelKernels } from "./jpeg_simd.ts";
import { jpegHeaderExtras, readJpegMetadata } from "./metadata.ts";
import type { ImageMetadata } from "../metadata.ts";

/** SIMD kernels when enabled and available, else the TypeScript ones. */
function pixelKernels(bytes: number): PixelKernels {
  return simdPixelKernels(bytes) ?? typescriptKernels(bytes);
}

/** SIMD encoder kernels when enabled and available, else the TypeScript ones. */
function encodeKernels(bytes: number): EncodeKernels {
  return simdEncodeKernels(bytes) ?? typescriptEncodeKernels(bytes);
}

export type { JpegInfo } from "./decode.ts";

/**
 * Reads a JPEG's headers up to its first scan: size as stored, channels,
 * EXIF orientation and whether it is progressive. Malformed headers are
 * `DECODE_FAILED`.
 *
 * @example
 * ```ts
 * import { encodeJpeg, jpegInfo } from "./mod.ts";
 * import { Image } from "../../core/image.ts";
 * const bytes = await encodeJpeg(Image.zeros(32, 16, 3, "u8"), { quality: 90 });
 * console.log(jpegInfo(bytes)); // { width: 32, height: 16, channels: 3, orientation: 1, progressive: false }
 * ```
 */
export function jpegInfo(bytes: Uint8Array): JpegInfo {
  return guarded(() => readJpegInfo(bytes));
}

/** Options of {@linkcode decodeJpeg}. */
export interface DecodeJpegOptions {
  /** Cap on `width × height × channels`, checked before anything is allocated. */
  maxPixels: number;
  /** Cap on the decoded image's bytes (default `DEFAULT_MAX_BYTES`, 512 MiB), checked before anything is allocated. */
  maxBytes?: number;
  /** Keep the stored orientation instead of applying the EXIF one (default false). */
  keepOrientation?: boolean;
}

/**
 * Decodes a JPEG (baseline, extended or progressive Huffman; 8-bit; 1, 3 or
 * 4 components; any integral sampling factors; restart markers) to a u8
 * image: 1 channel for gray, 3 (RGB) otherwise. Pixels equal
 * libjpeg-turbo's default decoding (PIL, OpenCV). Malformed or truncated
 * data is a one-line `DECODE_FAILED`; a size over `maxPixels` or `maxBytes` is
 * `IMAGE_TOO_LARGE`.
 *
 * @example
 * ```ts
 * import { decodeJpeg, encodeJpeg } from "./mod.ts";
 * import { Image } from "../../core/image.ts";
 * const bytes = await encodeJpeg(Image.zeros(8, 8, 1, "u8"), { quality: 75 });
 * const img = await decodeJpeg(bytes, { maxPixels: 1e6 });
 * console.log(img.width, img.channels, img.data[0]); // 8 1 0
 * ```
 */
export function decodeJpeg(bytes: Uint8Array, options: DecodeJpegOptions): Promise<Image> {
  try {
    const img = guarded(() =>
      decodeWith(
        bytes,
        options.maxPixels,
        options.keepOrientation ?? false,
        pixelKernels,
        options.maxBytes,
      )
    );
    return Promise.resolve(img);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Options of {@linkcode encodeJpeg}. */
export interface EncodeJpegOptions {
  /** 1–100, as libjpeg's `jpeg_set_quality`. */
  quality: number;
  /** Chroma subsampling of colour images (default "4:2:0"). */
  subsampling?: "4:2:0" | "4:4:4";
  /** Write a progressive JPEG (libjpeg's scan script, optimal Huffman tables). */
  progressive?: boolean;
  /** ICC profile, EXIF block and density to write (`metadata.ts`; default none). */
  metadata?: ImageMetadata;
}

/**
 * Encodes a u8 image as JPEG: gray (and gray+alpha) as one component,
 * RGB(A) as YCbCr; alpha is dropped.
 *
 * @example
 * ```ts
 * import { encodeJpeg } from "./mod.ts";
 * import { Image } from "../../core/image.ts";
 * const bytes = await encodeJpeg(Image.zeros(16, 16, 3, "u8"), { quality: 90 });
 * console.log(bytes[0], bytes[1]); // 255 216
 * ```
 */
export function encodeJpeg(
  image: Image,
  options: EncodeJpegOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const { quality, subsampling = "4:2:0", progressive = false } = options;
    if (image.dtype !== "u8") {
      throw new FilterError(
        "UNSUPPORTED_DTYPE",
        `JPEG holds 8-bit samples, this image is ${image.dtype}; pass dtype u8 or write .png (u16) or .npy`,
      );
    }
    if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
      throw new FilterError(
        "INVALID_PARAM",
        `JPEG quality must be an integer 1-100, got ${quality}`,
      );
    }
    if (subsampling !== "4:2:0" && subsampling !== "4:4:4") {
      throw new FilterError(
        "INVALID_PARAM",
        `JPEG subsampling must be "4:2:0" or "4:4:4", got ${JSON.stringify(subsampling)}`,
      );
    }
    if (image.width > 65535 || image.height > 65535) {
      throw new FilterError(
        "INVALID_PARAM",
        `JPEG cannot hold ${image.width}x${image.height} (at most 65535 per side); write .png or .npy`,
      );
    }
    const bytes = encodeWith(
      image.data as Uint8Array,
      image.width,
      image.height,
      image.channels,
      quality,
      subsampling === "4:2:0",
      progressive,
      encodeKernels,
      jpegHeaderExtras(options.metadata ?? {}),
    );
    return Promise.resolve(bytes);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Whether the bytes start with a JPEG SOI marker. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** JPEG (read and write), imfilter's own codec; metadata in `metadata.ts`. */
export const jpegCodec: Codec = {
  format: "jpeg",
  label: "JPEG",
  extensions: [".jpg", ".jpeg"],
  sniff: isJpeg,
  orientation: "decoder",
  decode: (bytes, { maxPixels, maxBytes, keepOrientation }) =>
    decodeJpeg(bytes, { maxPixels, maxBytes, keepOrientation }),
  readMetadata: readJpegMetadata,
  encode: (image, { quality, subsampling, progressive, metadata }) =>
    encodeJpeg(image, { quality, subsampling, progressive, metadata }),
};
