/**
 * Image formats: the names, the decode/encode option specs shared by every
 * entry point, and telling a format from a file name or from the bytes —
 * both read from the codec table (`codecs.ts`).
 *
 * @module
 */

import { FilterError, show } from "../core/errors.ts";
import { coerceParam, type ParamSpec } from "../core/params.ts";
import { CODECS } from "./codecs.ts";
import type { ImageMetadata } from "./metadata.ts";
import { extname } from "./path.ts";

/**
 * File formats imfilter reads (all) and writes (all but gif). `netpbm` is
 * PBM, PGM, PPM and PAM (.pbm .pgm .ppm .pnm .pam).
 */
export type ImageFormat =
  | "png"
  | "jpeg"
  | "tiff"
  | "gif"
  | "npy"
  | "bmp"
  | "netpbm"
  | "webp"
  | "avif";

/** Options of decoding. */
export interface DecodeOptions {
  /**
   * Cap on `width × height × channels`, checked from the header before
   * anything is allocated (default {@linkcode DEFAULT_MAX_PIXELS}).
   */
  maxPixels?: number;
  /**
   * The memory budget of decoding: cap on the decoded image's bytes,
   * `width × height × channels × bytes per sample` of the output dtype (1 u8,
   * 2 u16, 4 f32), checked from the header before anything is allocated
   * (default {@linkcode DEFAULT_MAX_BYTES}, 512 MiB). Over it is
   * `IMAGE_TOO_LARGE`.
   */
  maxBytes?: number;
  /**
   * Which page of a multi-page file (TIFF) to read, 0-based (default 0, the
   * first). A page past the last is `DECODE_FAILED` naming the page count; a
   * non-zero page of a single-image format is `INVALID_PARAM`.
   */
  page?: number;
  /**
   * Keep a JPEG's, PNG's or WebP's stored pixels instead of turning them by
   * their EXIF orientation (default false: the image comes out upright, as
   * `PIL.ImageOps.exif_transpose` gives it, and `readMetadata` gives its EXIF
   * with Orientation 1).
   */
  keepOrientation?: boolean;
  /**
   * Which frame of an animated GIF to read, 0-based (default 0, the first),
   * drawn alone onto the logical screen (earlier frames are not composited
   * under it). A frame past the last is
   * `DECODE_FAILED` naming the frame count; a non-zero frame of another
   * format is `INVALID_PARAM`.
   */
  frame?: number;
}

/** Options of encoding. */
export interface EncodeOptions {
  /** JPEG, WebP and AVIF quality 1–100 (default 90). */
  quality?: number;
  /** TIFF compression: `"deflate"` (default), `"lzw"` or `"none"`. */
  compression?: "deflate" | "lzw" | "none";
  /** JPEG chroma subsampling of colour images: `"4:2:0"` (default, as OpenCV and sharp) or `"4:4:4"`. */
  subsampling?: "4:2:0" | "4:4:4";
  /** Write a progressive JPEG (default false: baseline). */
  progressive?: boolean;
  /** WebP and AVIF: lossless compression instead of `quality` (default false). */
  lossless?: boolean;
  /**
   * Metadata to embed (default none): the ICC profile, EXIF block and
   * density, each written where the format holds it — JPEG (APP2
   * ICC_PROFILE, APP1 Exif, JFIF density), PNG (iCCP, eXIf, pHYs), TIFF
   * (ICC tag, EXIF sub-IFD, resolution tags), WebP (ICCP and EXIF chunks;
   * no density) and BMP (V5 embedded profile, pixels per metre; no EXIF).
   * AVIF, netpbm and `.npy` write none. A piece the format
   * cannot hold (an EXIF block over 64 KiB in JPEG) is left out, and so is
   * an ICC profile whose colour space is not the image's (RGB for 3 or 4
   * channels, GRAY for 1 or 2; RGB in WebP, which writes gray as RGB). See
   * `readMetadata`.
   */
  metadata?: ImageMetadata;
}

const FORMATS: readonly ImageFormat[] = CODECS.map((c) => c.format);

/** The option specs of the I/O entry points (one validation rule each). */
const SPECS = {
  maxPixels: {
    type: "integer",
    min: 1,
    description: "cap on width * height * channels of a decoded image",
  },
  maxBytes: {
    type: "integer",
    min: 1,
    description:
      "cap on the bytes of a decoded image (width * height * channels * bytes per sample)",
  },
  quality: {
    type: "integer",
    min: 1,
    max: 100,
    default: 90,
    description: "JPEG, WebP and AVIF quality",
  },
  lossless: {
    type: "boolean",
    default: false,
    description: "WebP and AVIF: lossless compression",
  },
  page: { type: "integer", min: 0, default: 0, description: "page of a multi-page file" },
  frame: { type: "integer", min: 0, default: 0, description: "frame of an animated GIF" },
  compression: {
    type: "enum",
    values: ["deflate", "lzw", "none"],
    default: "deflate",
    description: "TIFF compression",
  },
  keepOrientation: {
    type: "boolean",
    default: false,
    description: "keep a JPEG's, PNG's or WebP's stored orientation (do not apply EXIF)",
  },
  subsampling: {
    type: "enum",
    values: ["4:2:0", "4:4:4"],
    default: "4:2:0",
    description: "JPEG chroma subsampling",
  },
  progressive: { type: "boolean", default: false, description: "progressive JPEG" },
  format: { type: "enum", values: FORMATS, description: "image format" },
  overwrite: { type: "boolean", default: true, description: "replace an existing file" },
} as const satisfies Record<string, ParamSpec>;

/** The name of a decode or encode option that has a spec (see {@linkcode ioOptionSpecs}). */
export type IoOptionName =
  | "maxPixels"
  | "quality"
  | "lossless"
  | "page"
  | "frame"
  | "compression"
  | "keepOrientation"
  | "subsampling"
  | "progressive"
  | "format"
  | "overwrite";

/**
 * The specs of the decode and encode options — the ones `decodeImage`,
 * `encodeImage`, `readImage` and `writeImage` validate with — for front ends
 * (the CLI) that check their flags with the same rule and message before any
 * work, with `coerceParam`.
 *
 * @example
 * ```ts
 * import { coerceParam, ioOptionSpecs } from "@imfilter/imfilter";
 * const spec = ioOptionSpecs().quality;
 * console.log(spec.min, spec.max, coerceParam("cli", "quality", spec, "75")); // 1 100 75
 * ```
 */
export function ioOptionSpecs(): Readonly<Record<IoOptionName, ParamSpec>> {
  return SPECS;
}

/** An I/O option, validated by its spec, or `fallback` when absent. */
export function option<T>(owner: string, name: keyof typeof SPECS, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  return coerceParam(owner, name, SPECS[name], value) as T;
}

const EXTENSIONS: Record<string, ImageFormat> = Object.fromEntries(
  CODECS.flatMap((c) => c.extensions.map((e) => [e, c.format])),
);

/** What imfilter does with one image format (from the codec table). */
export interface FormatInfo {
  /** The format's name, as `encodeImage` and `decodeImage` take it. */
  format: ImageFormat;
  /** Its name in messages ("PNG"). */
  label: string;
  /** File name extensions, lower case with the dot; the first is the usual one. */
  extensions: readonly string[];
  /** Whether `decodeImage` reads it. */
  read: boolean;
  /** Whether `encodeImage` writes it. */
  write: boolean;
}

/**
 * Every image format imfilter knows, in the order their magic numbers are
 * tried, with what it can do with each — for user interfaces that offer
 * "open" and "save as" lists without hard-coding them.
 *
 * @example
 * ```ts
 * import { imageFormats } from "@imfilter/imfilter";
 * console.log(imageFormats().filter((f) => f.write).some((f) => f.format === "png")); // true
 * ```
 */
export function imageFormats(): FormatInfo[] {
  return CODECS.map((c) => ({
    format: c.format,
    label: c.label,
    extensions: [...c.extensions],
    read: c.decode !== undefined,
    write: c.encode !== undefined,
  }));
}

/**
 * The format a path names by its extension (case-insensitive). An unknown
 * extension is `INVALID_PARAM` naming the supported list.
 *
 * @example
 * ```ts
 * import { formatFromPath } from "@imfilter/imfilter";
 * console.log(formatFromPath("photo.JPG")); // "jpeg"
 * ```
 */
export function formatFromPath(path: string): ImageFormat {
  const f = EXTENSIONS[extname(path).toLowerCase()];
  if (!f) {
    throw new FilterError(
      "INVALID_PARAM",
      `cannot tell the format of ${show(path)} from its extension; use one of ${
        Object.keys(EXTENSIONS).join(" ")
      }`,
    );
  }
  return f;
}

/**
 * The format of encoded bytes, by their magic number, or `undefined`.
 *
 * @example
 * ```ts
 * import { sniffFormat } from "@imfilter/imfilter";
 * console.log(sniffFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))); // "jpeg"
 * ```
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  return CODECS.find((c) => c.sniff(bytes))?.format;
}

/** A `DECODE_FAILED` error prefixed with the format's name. */
export function bad(format: string, message: string): FilterError {
  return new FilterError("DECODE_FAILED", `${format}: ${message}`);
}
