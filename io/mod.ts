/**
 * Image I/O: PNG (own codec, 8/16-bit, read and write), JPEG (read and write
 * through imagescript), TIFF (own baseline decoder), GIF (first frame,
 * through imagescript) and NumPy `.npy` (read and write). The channel count
 * comes from each file's header, never from pixel values; dimensions are
 * checked against a cap before anything is allocated; every malformed file
 * ends as a one-line `DECODE_FAILED`. Writes are atomic (temporary file in
 * the same directory, then rename).
 *
 * Permissions: PNG, TIFF and `.npy` need only `--allow-read`/`--allow-write`.
 * JPEG and GIF load imagescript on first use, which needs `--allow-ffi` (its
 * native codec module is loaded at import) and `--allow-env`
 * (`IMAGESCRIPT_WASM_SIMD`) besides `--allow-read` of Deno's npm cache.
 *
 * @module
 */

import { basename, dirname, extname, join } from "node:path";
import { FilterError, show } from "../core/errors.ts";
import { checkImageSize, DEFAULT_MAX_PIXELS, Image } from "../core/image.ts";
import { Kernel } from "../core/kernel.ts";
import { coerceParam, type ParamSpec } from "../core/params.ts";
import { decodeNpy, decodeNpyKernel, encodeNpy, isNpy } from "./npy.ts";
import { decodePng, encodePng, isPng } from "./png.ts";
import { decodeTiff, isTiff } from "./tiff.ts";
import { encodeGrayJpeg } from "./jpeg.ts";

export { decodeNpy, encodeNpy } from "./npy.ts";

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

function option<T>(owner: string, name: keyof typeof SPECS, value: unknown, fallback: T): T {
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
  if (
    bytes.length >= 6 && bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46 &&
    bytes[3] === 0x38 && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61
  ) return "gif";
  if (isTiff(bytes)) return "tiff";
  return undefined;
}

function bad(format: string, message: string): FilterError {
  return new FilterError("DECODE_FAILED", `${format}: ${message}`);
}

interface Header {
  width: number;
  height: number;
  channels: number;
}

/**
 * Width, height and channel count from a JPEG's SOF marker (1 component →
 * 1 channel; 3 or 4 (CMYK, converted by the decoder) → 3), and a check that
 * the file is complete (an end-of-image marker after the scan data).
 */
function jpegHeader(bytes: Uint8Array): Header {
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

/** Logical screen size and channels of a GIF (4 when its first frame has a transparent colour). */
function gifHeader(bytes: Uint8Array): Header {
  if (bytes.length < 13) throw bad("GIF", "file is truncated in its header");
  const width = bytes[6] | (bytes[7] << 8), height = bytes[8] | (bytes[9] << 8);
  if (width === 0 || height === 0) throw bad("GIF", `size ${width}x${height} is empty`);
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
  if (pos + 10 > bytes.length) throw bad("GIF", "file is truncated in the image descriptor");
  return { width, height, channels: transparent ? 4 : 3 };
}

// deno-lint-ignore no-explicit-any
type Imagescript = any;
let imagescript: Promise<Imagescript> | undefined;

/** Loads imagescript on first use, so PNG/TIFF/.npy users need no --allow-ffi. */
function loadImagescript(): Promise<Imagescript> {
  imagescript ??= import("imagescript").catch((e) => {
    imagescript = undefined;
    throw new FilterError(
      "IO",
      `cannot load the JPEG/GIF codecs (${
        String((e as Error)?.message ?? e).split("\n")[0]
      }); run with --allow-read --allow-ffi --allow-env, or use PNG, TIFF or .npy`,
    );
  });
  return imagescript;
}

/** Decodes JPEG or GIF through imagescript and keeps the channels the header announced. */
async function decodeWithImagescript(
  bytes: Uint8Array,
  format: "jpeg" | "gif",
  header: Header,
): Promise<Image> {
  const name = format.toUpperCase();
  const lib = await loadImagescript();
  let frame: { width: number; height: number; bitmap: ArrayBufferView } | undefined;
  try {
    const decoded = format === "gif"
      ? await lib.GIF.decode(bytes, true)
      : await lib.Image.decode(bytes);
    frame = format === "gif" ? decoded[0] : decoded;
  } catch (e) {
    const why = String((e as Error)?.message ?? e).split("\n")[0];
    if ((e as Error)?.name === "NotCapable" || /^Requires \w+ access/.test(why)) {
      // Not the file's fault: the codec's WebAssembly lives in Deno's npm cache.
      throw new FilterError(
        "IO",
        `cannot load the ${name} decoder (${why}); run with --allow-read --allow-ffi --allow-env`,
        { cause: e },
      );
    }
    throw bad(name, `cannot decode (${why}); the file is corrupt or truncated`);
  }
  const bitmap = frame?.bitmap;
  if (!(bitmap instanceof Uint8Array || bitmap instanceof Uint8ClampedArray)) {
    throw bad(name, "the decoder returned no image");
  }
  const { width, height } = frame!;
  if (width !== header.width || height !== header.height) {
    throw bad(
      name,
      `decoded ${width}x${height} but the header says ${header.width}x${header.height}`,
    );
  }
  if (bitmap.length !== width * height * 4) {
    throw bad(name, "decoded bitmap has the wrong size");
  }
  const ch = header.channels, n = width * height, rgba = bitmap;
  const out = new Uint8Array(n * ch);
  const pick = ch === 1 ? [0] : ch === 2 ? [0, 3] : ch === 3 ? [0, 1, 2] : [0, 1, 2, 3];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < ch; c++) out[i * ch + c] = rgba[i * 4 + pick[c]];
  }
  return new Image(width, height, ch, out);
}

async function decodeAs(bytes: Uint8Array, format: ImageFormat, maxPixels: number): Promise<Image> {
  switch (format) {
    case "png":
      return decodePng(bytes, maxPixels);
    case "npy":
      return decodeNpy(bytes, { maxPixels });
    case "tiff":
      return decodeTiff(bytes, maxPixels);
    case "jpeg":
    case "gif": {
      if (sniffFormat(bytes) !== format) {
        throw bad(format.toUpperCase(), "bad magic number; the data is not this format");
      }
      const header = format === "jpeg" ? jpegHeader(bytes) : gifHeader(bytes);
      checkImageSize(header.width, header.height, header.channels, maxPixels);
      return await decodeWithImagescript(bytes, format, header);
    }
  }
}

/**
 * Decodes image bytes; the format comes from `options.format` or the magic
 * number. The channel count comes from the header: gray 1, gray+alpha 2,
 * RGB 3, RGBA 4 (PNG palette 3, or 4 with transparency; GIF 3, or 4 with a
 * transparent colour). 16-bit PNG/TIFF read as `u16`, float TIFF and `<f4`
 * `.npy` as `f32`, the rest as `u8`. Malformed or truncated input is
 * `DECODE_FAILED`; a header larger than `maxPixels` is `IMAGE_TOO_LARGE`,
 * before anything is allocated.
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
  const format =
    option<ImageFormat | undefined>("decodeImage", "format", options.format, undefined) ??
      sniffFormat(bytes);
  if (format === undefined) {
    throw new FilterError(
      "DECODE_FAILED",
      `unrecognised image data (${bytes.length} bytes): not PNG, JPEG, TIFF, GIF or .npy`,
    );
  }
  try {
    return await decodeAs(bytes, format, maxPixels);
  } catch (e) {
    if (e instanceof FilterError) {
      // checkDims inside a decoder means the header is nonsense, not the caller's parameter.
      if (e.code === "INVALID_PARAM") throw bad(format.toUpperCase(), e.message);
      if (/[\r\n]/.test(e.message)) {
        throw new FilterError(e.code, e.message.replace(/[\r\n]+/g, " "), { cause: e });
      }
      throw e;
    }
    const why = String((e as Error)?.message ?? e).split("\n")[0];
    throw bad(format.toUpperCase(), `cannot decode (${why})`);
  }
}

/** JPEG: gray (and gray+alpha) through imfilter's own 1-component encoder, RGB(A) through imagescript. */
async function encodeJpeg(image: Image, quality: number): Promise<Uint8Array> {
  if (image.dtype !== "u8") {
    throw new FilterError(
      "UNSUPPORTED_DTYPE",
      `JPEG holds 8-bit samples, this image is ${image.dtype}; pass dtype u8 or write .png (u16) or .npy`,
    );
  }
  if (image.width > 65535 || image.height > 65535) {
    throw new FilterError(
      "INVALID_PARAM",
      `JPEG cannot hold ${image.width}x${image.height} (at most 65535 per side); write .png or .npy`,
    );
  }
  if (image.channels <= 2) {
    return encodeGrayJpeg(image.data, image.width, image.height, image.channels, quality);
  }
  const lib = await loadImagescript();
  const n = image.width * image.height, ch = image.channels, src = image.data;
  const img = new lib.Image(image.width, image.height);
  const rgba: Uint8Array = img.bitmap;
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = src[i * ch];
    rgba[i * 4 + 1] = src[i * ch + 1];
    rgba[i * 4 + 2] = src[i * ch + 2];
    rgba[i * 4 + 3] = 255;
  }
  try {
    return new Uint8Array(await img.encodeJPEG(quality));
  } catch (e) {
    throw new FilterError("IO", `JPEG encoder failed: ${String((e as Error)?.message ?? e)}`);
  }
}

/**
 * Encodes an image: PNG (u8 → 8-bit, u16 → 16-bit; the colour type follows
 * the channel count, so gray stays gray), JPEG (u8; gray stays 1-component,
 * alpha is dropped), or `.npy` (any dtype, exact). TIFF and GIF are read-only.
 * f32 to PNG/JPEG is `UNSUPPORTED_DTYPE`: convert with `toDtype` or write `.npy`.
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
  switch (fmt) {
    case "png":
      return encodePng(image);
    case "npy":
      return encodeNpy(image);
    case "jpeg":
      return await encodeJpeg(image, quality);
  }
  throw new FilterError(
    "INVALID_PARAM",
    `writing ${fmt.toUpperCase()} is not supported; write .png, .jpg or .npy`,
  );
}

function ioError(path: string, action: string, e: unknown): FilterError {
  const err = e as Error;
  const why = err instanceof Deno.errors.NotFound
    ? "no such file or directory"
    : err instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : err?.name === "NotCapable"
    ? `permission denied (grant --allow-${action === "read" ? "read" : "write"})`
    : err instanceof Deno.errors.IsADirectory
    ? "it is a directory"
    : err instanceof Deno.errors.AlreadyExists
    ? "it already exists"
    : String(err?.message ?? e).split("\n")[0];
  return new FilterError("IO", `cannot ${action} ${path}: ${why}`, { cause: e });
}

/**
 * Reads an image file. The format comes from the content (so a misnamed
 * file still reads), else from the extension. File errors are `IO` naming
 * the path; decoding errors are `DECODE_FAILED` prefixed with the path.
 *
 * @example
 * ```ts
 * import { Image, readImage, writeImage } from "@imfilter/imfilter";
 * const path = await Deno.makeTempFile({ suffix: ".png" });
 * await writeImage(path, Image.zeros(4, 3, 2, "u8"));
 * const img = await readImage(path, { maxPixels: 50_000_000 });
 * console.log(img.width, img.height, img.channels); // 4 3 2
 * ```
 */
export async function readImage(path: string, options: DecodeOptions = {}): Promise<Image> {
  const maxPixels = option("readImage", "maxPixels", options.maxPixels, DEFAULT_MAX_PIXELS);
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new Deno.errors.IsADirectory(path);
    // No valid file is larger than 8 bytes per sample plus slack: refuse before reading.
    if (info.size > maxPixels * 8 + (1 << 26)) {
      throw new FilterError(
        "IMAGE_TOO_LARGE",
        `${path} is ${info.size} bytes, more than any image under the ${maxPixels}-sample limit; raise the limit (--max-pixels) if it is genuine`,
      );
    }
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof FilterError) throw e;
    throw ioError(path, "read", e);
  }
  try {
    return await decodeImage(bytes, {
      maxPixels,
      format: sniffFormat(bytes) ?? formatFromPath(path),
    });
  } catch (e) {
    if (e instanceof FilterError && (e.code === "DECODE_FAILED" || e.code === "IMAGE_TOO_LARGE")) {
      throw new FilterError(e.code, `${path}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw ioError(path, "check", e);
  }
}

/**
 * Writes bytes atomically: to a temporary file in the same directory, then
 * renamed (or, when `overwrite` is false, hard-linked, which fails if the
 * target exists) into place, so readers never see a partial file and a
 * failure leaves nothing behind. Refuses an existing target unless
 * `overwrite` (default true).
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "@imfilter/imfilter";
 * const path = (await Deno.makeTempDir()) + "/out.json";
 * await writeFileAtomic(path, new TextEncoder().encode("{}"), false);
 * console.log(await Deno.readTextFile(path)); // "{}"
 * ```
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  overwrite = true,
): Promise<void> {
  const refuse = () =>
    new FilterError("IO", `${path} exists; pass overwrite (CLI: --overwrite) to replace it`);
  if (!overwrite && await exists(path)) throw refuse();
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${crypto.randomUUID().slice(0, 8)}`);
  let created = false;
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true });
    created = true;
    try {
      let off = 0;
      while (off < bytes.length) off += await file.write(bytes.subarray(off));
      await file.syncData();
    } finally {
      file.close();
    }
    if (overwrite) {
      await Deno.rename(tmp, path);
    } else {
      try {
        await Deno.link(tmp, path);
      } catch (e) {
        if (e instanceof Deno.errors.AlreadyExists) throw refuse();
        // No hard links on this file system: check again, then rename.
        if (await exists(path)) throw refuse();
        await Deno.rename(tmp, path);
        created = false;
      }
    }
  } catch (e) {
    if (e instanceof FilterError) throw e;
    throw ioError(path, "write", e);
  } finally {
    if (created) await Deno.remove(tmp).catch(() => {});
  }
}

/**
 * Writes an image, format by extension, atomically (see
 * {@linkcode writeFileAtomic}). Encoding happens first, so an image the
 * format cannot hold (e.g. f32 to PNG) leaves the disk untouched.
 * `overwrite` defaults to true.
 *
 * @example
 * ```ts
 * import { Image, writeImage } from "@imfilter/imfilter";
 * const path = (await Deno.makeTempDir()) + "/out.png";
 * await writeImage(path, Image.zeros(4, 4), { overwrite: false });
 * await writeImage(path, Image.zeros(4, 4), { overwrite: false }).catch((e) => console.log(e.code)); // "IO"
 * ```
 */
export async function writeImage(
  path: string,
  image: Image,
  options: EncodeOptions & { overwrite?: boolean } = {},
): Promise<void> {
  const overwrite = option("writeImage", "overwrite", options.overwrite, true);
  const bytes = await encodeImage(image, formatFromPath(path), { quality: options.quality });
  await writeFileAtomic(path, bytes, overwrite);
}

/**
 * Reads a kernel file: `.json` rows (or `{"kernel": rows, "anchor": [x, y]}`),
 * or a 1-D/2-D `.npy` array (float32, float64, uint8, uint16).
 *
 * @example
 * ```ts
 * import { readKernel } from "@imfilter/imfilter";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, '{"kernel": [[1, 2, 1], [2, 4, 2], [1, 2, 1]], "anchor": [1, 1]}');
 * const k = await readKernel(path);
 * console.log(k.width, k.sum()); // 3 16
 * ```
 */
export async function readKernel(path: string): Promise<Kernel> {
  const ext = extname(path).toLowerCase();
  if (ext !== ".json" && ext !== ".npy") {
    throw new FilterError(
      "INVALID_PARAM",
      `kernel file ${show(path)} must end in .json (rows) or .npy (a 2-D array)`,
    );
  }
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(path);
    if (info.size > 1 << 28) throw new Error(`file is ${info.size} bytes, too large for a kernel`);
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw ioError(path, "read", e);
  }
  if (ext === ".npy") {
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
  if (!Array.isArray(rows)) {
    throw new FilterError(
      "INVALID_PARAM",
      `${path}: expected rows [[...], ...] or {"kernel": rows, "anchor": [x, y]}`,
    );
  }
  let anchor: { x: number; y: number } | undefined;
  if (!Array.isArray(value) && obj.anchor !== undefined) {
    const a = obj.anchor;
    if (!Array.isArray(a) || a.length !== 2 || !a.every((v) => Number.isInteger(v))) {
      throw new FilterError(
        "INVALID_PARAM",
        `${path}: anchor ${show(a)} must be [x, y] with integer column x and row y`,
      );
    }
    anchor = { x: a[0], y: a[1] };
  }
  try {
    return Kernel.from(rows as number[][], anchor);
  } catch (e) {
    throw new FilterError("INVALID_PARAM", `${path}: ${(e as Error).message}`, { cause: e });
  }
}
