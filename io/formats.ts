/**
 * Image formats: the names, the extension table, the magic numbers, the
 * decode/encode option specs shared by every entry point, and the JPEG
 * header parser that sizes an image before any decoder allocates.
 *
 * @module
 */

import { FilterError, show } from "../core/errors.ts";
import { coerceParam, type ParamSpec } from "../core/params.ts";
import { isGif } from "./gif.ts";
import { isNpy } from "./npy.ts";
import { extname } from "./path.ts";
import { isPng } from "./png.ts";
import { isTiff } from "./tiff.ts";

/** File formats imfilter reads (all) and writes (png, jpeg, npy). */
export type ImageFormat = "png" | "jpeg" | "tiff" | "gif" | "npy";

/** Options of decoding. */
export interface DecodeOptions {
  /**
   * Cap on `width × height × channels`, checked from the header before
   * anything is allocated (default {@linkcode DEFAULT_MAX_PIXELS}).
   */
  maxPixels?: number;
}

/** Options of encoding. */
export interface EncodeOptions {
  /** JPEG quality 1–100 (default 90). */
  quality?: number;
}

const FORMATS: readonly ImageFormat[] = ["png", "jpeg", "tiff", "gif", "npy"];

/** The option specs of the I/O entry points (one validation rule each). */
const SPECS = {
  maxPixels: {
    type: "integer",
    min: 1,
    description: "cap on width * height * channels of a decoded image",
  },
  quality: { type: "integer", min: 1, max: 100, default: 90, description: "JPEG quality" },
  format: { type: "enum", values: FORMATS, description: "image format" },
  overwrite: { type: "boolean", default: true, description: "replace an existing file" },
} as const satisfies Record<string, ParamSpec>;

/** An I/O option, validated by its spec, or `fallback` when absent. */
export function option<T>(owner: string, name: keyof typeof SPECS, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  return coerceParam(owner, name, SPECS[name], value) as T;
}

const EXTENSIONS: Record<string, ImageFormat> = {
  ".png": "png",
  ".jpg": "jpeg",
  ".jpeg": "jpeg",
  ".tif": "tiff",
  ".tiff": "tiff",
  ".gif": "gif",
  ".npy": "npy",
};

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
  if (isPng(bytes)) return "png";
  if (isNpy(bytes)) return "npy";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return "jpeg";
  }
  if (isGif(bytes)) return "gif";
  if (isTiff(bytes)) return "tiff";
  return undefined;
}

/** A `DECODE_FAILED` error prefixed with the format's name. */
export function bad(format: string, message: string): FilterError {
  return new FilterError("DECODE_FAILED", `${format}: ${message}`);
}

/** What a header tells before decoding. */
export interface Header {
  width: number;
  height: number;
  channels: number;
}

/**
 * Width, height and channel count from a JPEG's SOF marker (1 component →
 * 1 channel; 3 or 4 (CMYK, converted by the decoder) → 3), and a check that
 * the file is complete (an end-of-image marker after the scan data).
 */
export function jpegHeader(bytes: Uint8Array): Header {
  let pos = 2;
  let header: Header | undefined;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) throw bad("JPEG", `bad marker at byte ${pos} (corrupt file)`);
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break;
    const len = (bytes[pos + 2] << 8) | bytes[pos + 3];
    if (len < 2 || pos + 2 + len > bytes.length) {
      throw bad("JPEG", `segment at byte ${pos} is truncated or has a bad length`);
    }
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 &&
      marker !== 0xcc;
    if (isSof) {
      if (len < 8) throw bad("JPEG", "frame header (SOF) is too short");
      const height = (bytes[pos + 5] << 8) | bytes[pos + 6];
      const width = (bytes[pos + 7] << 8) | bytes[pos + 8];
      const comps = bytes[pos + 9];
      if (comps !== 1 && comps !== 3 && comps !== 4) {
        throw bad("JPEG", `${comps} colour components are not supported (1, 3 or 4)`);
      }
      if (width === 0 || height === 0) {
        throw bad("JPEG", `size ${width}x${height} is empty or undefined (DNL is not supported)`);
      }
      header = { width, height, channels: comps === 1 ? 1 : 3 };
    }
    pos += 2 + len;
  }
  if (!header) throw bad("JPEG", "file is truncated or corrupt: no frame header (SOF) found");
  if (bytes[pos + 1] !== 0xda) throw bad("JPEG", "file is truncated: no scan data (SOS)");
  // An end-of-image marker after the scan: FF D9 cannot occur inside entropy-coded data.
  let end = false;
  for (let i = bytes.length - 2; i > pos; i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) {
      end = true;
      break;
    }
  }
  if (!end) throw bad("JPEG", "file is truncated: no end-of-image marker");
  return header;
}
