/**
 * Image I/O: PNG (own codec, 8/16-bit), JPEG (read and write), TIFF and GIF
 * (read, first frame) through imagescript, and NumPy `.npy`. The channel
 * count comes from each file's header; dimensions are checked against a cap
 * before anything is allocated; every malformed file ends as a one-line
 * `DECODE_FAILED`. Writes are atomic (temporary file + rename).
 *
 * PNG and `.npy` need no permissions beyond file access; JPEG, TIFF and GIF
 * load imagescript's native codecs on first use, which needs `--allow-ffi`
 * and `--allow-env`.
 *
 * @module
 */

import { basename, dirname, extname, join } from "node:path";
import { FilterError, show } from "./errors.ts";
import { checkImageSize, DEFAULT_MAX_PIXELS, Image } from "./image.ts";
import { Kernel } from "./kernel.ts";
import { decodeNpy, decodeNpyKernel, encodeNpy, isNpy } from "./io_npy.ts";
import { decodePng, encodePng, isPng } from "./io_png.ts";

export { decodeNpy, encodeNpy } from "./io_npy.ts";

/** File formats imfilter reads (all) and writes (png, jpeg, npy). */
export type ImageFormat = "png" | "jpeg" | "tiff" | "gif" | "npy";

/** Options of decoding. */
export interface DecodeOptions {
  /** Cap on `width × height × channels` (default {@linkcode DEFAULT_MAX_PIXELS}). */
  maxPixels?: number;
}

/** Options of encoding. */
export interface EncodeOptions {
  /** JPEG quality 1–100 (default 90). */
  quality?: number;
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
 * The format a path names by its extension.
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
 * The format of encoded bytes, by their magic number.
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
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(String.fromCharCode(...bytes.subarray(0, 6)))) {
    return "gif";
  }
  if (
    bytes.length >= 4 &&
    ((bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 42 && bytes[3] === 0) ||
      (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 42))
  ) return "tiff";
  return undefined;
}

function bad(format: string, message: string): FilterError {
  return new FilterError("DECODE_FAILED", `${format}: ${message}`);
}

/** Width, height and channel count from a JPEG's SOF marker. */
function jpegHeader(bytes: Uint8Array): { width: number; height: number; channels: number } {
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) throw bad("JPEG", `bad marker at byte ${pos}`);
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    const len = (bytes[pos + 2] << 8) | bytes[pos + 3];
    if (len < 2) throw bad("JPEG", `bad segment length at byte ${pos}`);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 &&
      marker !== 0xcc;
    if (isSof) {
      if (pos + 10 > bytes.length) break;
      const height = (bytes[pos + 5] << 8) | bytes[pos + 6],
        width = (bytes[pos + 7] << 8) | bytes[pos + 8];
      const comps = bytes[pos + 9];
      if (comps !== 1 && comps !== 3) {
        throw bad("JPEG", `${comps} colour components are not supported (1 or 3)`);
      }
      if (width === 0 || height === 0) {
        throw bad("JPEG", `size ${width}x${height} is empty or undefined`);
      }
      return { width, height, channels: comps };
    }
    if (marker === 0xd9 || marker === 0xda) break;
    pos += 2 + len;
  }
  throw bad("JPEG", "file is truncated or corrupt: no frame header (SOF) found");
}

/** Width, height and channel count from a TIFF's first IFD. */
function tiffHeader(bytes: Uint8Array): { width: number; height: number; channels: number } {
  if (bytes.length < 8) throw bad("TIFF", "file is truncated in its header");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[0] === 0x49;
  const ifd = dv.getUint32(4, le);
  if (ifd + 2 > bytes.length) throw bad("TIFF", "first IFD is past the end of the file");
  const count = dv.getUint16(ifd, le);
  if (ifd + 2 + count * 12 > bytes.length) throw bad("TIFF", "first IFD is truncated");
  let width = 0, height = 0, samples = 1, extra = 0, photometric = -1;
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    const tag = dv.getUint16(e, le), type = dv.getUint16(e + 2, le);
    const value = type === 3 ? dv.getUint16(e + 8, le) : dv.getUint32(e + 8, le);
    if (tag === 256) width = value;
    else if (tag === 257) height = value;
    else if (tag === 277) samples = value;
    else if (tag === 262) photometric = value;
    else if (tag === 338) extra = dv.getUint32(e + 4, le);
  }
  if (width === 0 || height === 0) throw bad("TIFF", "no image size in the first IFD");
  const channels = photometric === 3 ? (extra > 0 ? 4 : 3) : samples;
  if (channels < 1 || channels > 4) {
    throw bad("TIFF", `${channels} samples per pixel are not supported (1 to 4)`);
  }
  return { width, height, channels };
}

/** Width, height and channel count of a GIF's first frame (4 when it has a transparent colour). */
function gifHeader(bytes: Uint8Array): { width: number; height: number; channels: number } {
  if (bytes.length < 13) throw bad("GIF", "file is truncated in its header");
  const width = bytes[6] | (bytes[7] << 8), height = bytes[8] | (bytes[9] << 8);
  let pos = 13;
  if (bytes[10] & 0x80) pos += 3 * (1 << ((bytes[10] & 7) + 1));
  let transparent = false;
  while (pos < bytes.length && bytes[pos] === 0x21) {
    if (bytes[pos + 1] === 0xf9 && pos + 4 < bytes.length) transparent = (bytes[pos + 3] & 1) === 1;
    pos += 2;
    while (pos < bytes.length && bytes[pos] !== 0) pos += bytes[pos] + 1;
    pos++;
  }
  if (pos >= bytes.length || bytes[pos] !== 0x2c) {
    throw bad("GIF", "file is truncated or corrupt: no image descriptor");
  }
  if (width === 0 || height === 0) throw bad("GIF", `size ${width}x${height} is empty`);
  return { width, height, channels: transparent ? 4 : 3 };
}

// deno-lint-ignore no-explicit-any
let imagescript: Promise<any> | undefined;
// deno-lint-ignore no-explicit-any
function loadImagescript(): Promise<any> {
  imagescript ??= import("imagescript").catch((e) => {
    imagescript = undefined;
    throw new FilterError(
      "IO",
      `cannot load the JPEG/TIFF/GIF codecs (${
        (e as Error).message.split("\n")[0]
      }); run with --allow-ffi --allow-env, or use PNG or .npy`,
    );
  });
  return imagescript;
}

/** Decodes through imagescript and keeps the channels the header announced. */
async function decodeWithImagescript(
  bytes: Uint8Array,
  format: "jpeg" | "tiff" | "gif",
  header: { width: number; height: number; channels: number },
): Promise<Image> {
  const lib = await loadImagescript();
  // deno-lint-ignore no-explicit-any
  let decoded: any;
  try {
    decoded = await lib.decode(bytes, true);
  } catch (e) {
    throw bad(
      format.toUpperCase(),
      `cannot decode (${(e as Error)?.message ?? e}); the file is corrupt or truncated`,
    );
  }
  const frame = Array.isArray(decoded) ? decoded[0] : decoded;
  if (
    !frame || !(frame.bitmap instanceof Uint8Array || frame.bitmap instanceof Uint8ClampedArray)
  ) {
    throw bad(format.toUpperCase(), "the decoder returned no image");
  }
  const { width, height } = frame as { width: number; height: number };
  if (frame.bitmap.length !== width * height * 4) {
    throw bad(format.toUpperCase(), "decoded bitmap has the wrong size");
  }
  const ch = header.channels, n = width * height, rgba = frame.bitmap as Uint8Array;
  const out = new Uint8Array(n * ch);
  const pick = ch === 1 ? [0] : ch === 2 ? [0, 3] : ch === 3 ? [0, 1, 2] : [0, 1, 2, 3];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < ch; c++) out[i * ch + c] = rgba[i * 4 + pick[c]];
  }
  return new Image(width, height, ch, out);
}

/**
 * Decodes image bytes (format from `options.format` or the magic number).
 * Malformed input is `DECODE_FAILED`; a header larger than `maxPixels` is
 * `IMAGE_TOO_LARGE`, before anything is allocated.
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
  const format = options.format ?? sniffFormat(bytes);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  switch (format) {
    case "png":
      return decodePng(bytes, maxPixels);
    case "npy":
      return decodeNpy(bytes, { maxPixels });
    case "jpeg":
    case "tiff":
    case "gif": {
      if (sniffFormat(bytes) !== format) {
        throw bad(format.toUpperCase(), "bad magic number; the file is not this format");
      }
      const header = format === "jpeg"
        ? jpegHeader(bytes)
        : format === "tiff"
        ? tiffHeader(bytes)
        : gifHeader(bytes);
      checkImageSize(header.width, header.height, header.channels, maxPixels);
      return await decodeWithImagescript(bytes, format, header);
    }
  }
  throw new FilterError(
    "DECODE_FAILED",
    "unrecognised image data: not PNG, JPEG, TIFF, GIF or .npy (checked the magic number)",
  );
}

/**
 * Encodes an image: PNG (u8 → 8-bit, u16 → 16-bit; gray stays gray), JPEG
 * (u8, 1 or 3 channels; alpha is dropped), or `.npy` (any dtype). TIFF and GIF
 * are read-only.
 */
export async function encodeImage(
  image: Image,
  format: ImageFormat,
  options: EncodeOptions = {},
): Promise<Uint8Array> {
  switch (format) {
    case "png":
      return encodePng(image);
    case "npy":
      return encodeNpy(image);
    case "jpeg": {
      if (image.dtype !== "u8") {
        throw new FilterError(
          "UNSUPPORTED_DTYPE",
          `JPEG holds 8-bit pixels, this image is ${image.dtype}; convert with toDtype("u8") or write .png/.npy`,
        );
      }
      const quality = options.quality ?? 90;
      if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
        throw new FilterError(
          "INVALID_PARAM",
          `JPEG quality ${show(quality)} must be an integer from 1 to 100`,
        );
      }
      const lib = await loadImagescript();
      const n = image.width * image.height, ch = image.channels, src = image.data;
      const rgba = new Uint8Array(n * 4);
      for (let i = 0; i < n; i++) {
        const g = src[i * ch];
        rgba[i * 4] = g;
        rgba[i * 4 + 1] = ch >= 3 ? src[i * ch + 1] : g;
        rgba[i * 4 + 2] = ch >= 3 ? src[i * ch + 2] : g;
        rgba[i * 4 + 3] = 255;
      }
      const img = new lib.Image(image.width, image.height);
      img.bitmap.set(rgba);
      return new Uint8Array(await img.encodeJPEG(quality));
    }
  }
  throw new FilterError(
    "INVALID_PARAM",
    `writing ${format.toUpperCase()} is not supported; write .png, .jpg or .npy`,
  );
}

function ioError(path: string, action: string, e: unknown): FilterError {
  const err = e as Error;
  const why = err instanceof Deno.errors.NotFound
    ? "no such file or directory"
    : err instanceof Deno.errors.PermissionDenied || err?.name === "NotCapable"
    ? "permission denied (grant --allow-read/--allow-write)"
    : err instanceof Deno.errors.IsADirectory
    ? "it is a directory"
    : err?.message?.split("\n")[0] ?? String(e);
  return new FilterError("IO", `cannot ${action} ${path}: ${why}`, { cause: e });
}

/**
 * Reads an image file (format from the content, so a misnamed file still
 * reads). File errors are `IO` naming the path.
 */
export async function readImage(path: string, options: DecodeOptions = {}): Promise<Image> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw ioError(path, "read", e);
  }
  try {
    return await decodeImage(bytes, options);
  } catch (e) {
    if (e instanceof FilterError && e.code === "DECODE_FAILED") {
      throw new FilterError("DECODE_FAILED", `${path}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/**
 * Writes bytes atomically: to a temporary file in the same directory, then
 * renamed over the target, so readers never see a partial file and a failure
 * leaves nothing behind. Refuses an existing target unless `overwrite`.
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  overwrite = true,
): Promise<void> {
  if (!overwrite) {
    let exists = false;
    try {
      await Deno.lstat(path);
      exists = true;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw ioError(path, "check", e);
    }
    if (exists) {
      throw new FilterError(
        "IO",
        `${path} exists; pass overwrite (CLI: --overwrite) to replace it`,
      );
    }
  }
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${crypto.randomUUID().slice(0, 8)}`);
  try {
    await Deno.writeFile(tmp, bytes, { createNew: true });
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw ioError(path, "write", e);
  }
}

/**
 * Writes an image, format by extension, atomically. Encoding happens first,
 * so an image the format cannot hold leaves the disk untouched.
 *
 * @example
 * ```ts ignore
 * import { Image, writeImage } from "@imfilter/imfilter";
 * await writeImage("out.png", Image.zeros(4, 4));
 * ```
 */
export async function writeImage(
  path: string,
  image: Image,
  options: EncodeOptions & { overwrite?: boolean } = {},
): Promise<void> {
  const bytes = await encodeImage(image, formatFromPath(path), options);
  await writeFileAtomic(path, bytes, options.overwrite ?? true);
}

/**
 * Reads a kernel file: `.json` rows (or `{"kernel": rows, "anchor": [x, y]}`),
 * or a 1-D/2-D `.npy` array (float32, float64, uint8, uint16).
 */
export async function readKernel(path: string): Promise<Kernel> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw ioError(path, "read", e);
  }
  if (extname(path).toLowerCase() === ".npy") {
    try {
      return decodeNpyKernel(bytes);
    } catch (e) {
      throw new FilterError("DECODE_FAILED", `${path}: ${(e as Error).message}`, { cause: e });
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new FilterError("DECODE_FAILED", `${path}: not valid JSON (${(e as Error).message})`);
  }
  const obj = value as { kernel?: unknown; anchor?: unknown };
  const rows = Array.isArray(value) ? value : obj?.kernel;
  const anchor = Array.isArray(obj?.anchor)
    ? { x: Number(obj.anchor[0]), y: Number(obj.anchor[1]) }
    : undefined;
  try {
    return Kernel.from(rows as number[][], anchor);
  } catch (e) {
    throw new FilterError("INVALID_PARAM", `${path}: ${(e as Error).message}`, { cause: e });
  }
}
