/**
 * Files: {@linkcode readImage}, {@linkcode writeImage}, the atomic write
 * under both ({@linkcode writeFileAtomic}) and {@linkcode readKernel}, in
 * Deno, Node and Bun through `fs.ts`; in a browser they say in one line that
 * there is no file system.
 *
 * @module
 */

import { FilterError, show } from "../core/errors.ts";
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, type Image } from "../core/image.ts";
import { Kernel } from "../core/kernel.ts";
import { decodeImage, encodeImage, readMetadata } from "./codec.ts";
import {
  type DecodeOptions,
  type EncodeOptions,
  formatFromPath,
  option,
  sniffFormat,
} from "./formats.ts";
import type { ImageMetadata } from "./metadata.ts";
import { type Files, files } from "./fs.ts";
import { decodeNpyKernel } from "./npy.ts";
import { basename, dirname, extname, join } from "./path.ts";

function ioError(path: string, action: string, e: unknown, fs?: Files): FilterError {
  const why = {
    "not-found": "no such file or directory",
    "permission": "permission denied",
    "not-capable": `permission denied (grant --allow-${action === "read" ? "read" : "write"})`,
    "is-directory": "it is a directory",
    "exists": "it already exists",
    "other": String((e as Error)?.message ?? e).split("\n")[0],
  }[fs?.kind(e) ?? "other"];
  return new FilterError("IO", `cannot ${action} ${path}: ${why}`, { cause: e });
}

/** The bytes of `path`, refused with `tooLarge(size)` (a FilterError) before reading when it says so. */
async function readBytes(
  path: string,
  what: string,
  tooLarge: (size: number) => FilterError | undefined,
): Promise<Uint8Array> {
  const fs = files(what);
  try {
    const info = await fs.stat(path);
    if (info.isDirectory) throw new FilterError("IO", `cannot read ${path}: it is a directory`);
    const refuse = tooLarge(info.size);
    if (refuse) throw refuse;
    return await fs.readFile(path);
  } catch (e) {
    if (e instanceof FilterError) throw e;
    throw ioError(path, "read", e, fs);
  }
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
  return (await readFileAndDecode(path, options, false)).image;
}

/**
 * Reads an image file and its metadata (ICC profile, EXIF block, density;
 * see {@linkcode readMetadata}) from the same bytes: the file is read once,
 * and only the metadata pieces are copied. Errors as {@linkcode readImage};
 * broken metadata is left out, never an error. With the default
 * `keepOrientation: false` a JPEG's EXIF comes back with Orientation 1,
 * since the pixels were turned upright.
 *
 * @example
 * ```ts
 * import { Image, readImageWithMetadata, writeImage } from "@imfilter/imfilter";
 * const path = (await Deno.makeTempDir()) + "/dpi.png";
 * const density = { x: 300, y: 300, unit: "inch" } as const;
 * await writeImage(path, Image.zeros(4, 3, 1, "u8"), { metadata: { density } });
 * const { image, metadata } = await readImageWithMetadata(path);
 * console.log(image.width, metadata.density); // 4 { x: 300, y: 300, unit: "inch" }
 * ```
 */
export async function readImageWithMetadata(
  path: string,
  options: DecodeOptions = {},
): Promise<{ image: Image; metadata: ImageMetadata }> {
  const { image, metadata } = await readFileAndDecode(path, options, true);
  return { image, metadata: metadata! };
}

/** `readImage`, and the metadata of the same bytes when `withMetadata`. */
async function readFileAndDecode(
  path: string,
  options: DecodeOptions,
  withMetadata: boolean,
): Promise<{ image: Image; metadata?: ImageMetadata }> {
  const maxPixels = option("readImage", "maxPixels", options.maxPixels, DEFAULT_MAX_PIXELS);
  const maxBytes = option("readImage", "maxBytes", options.maxBytes, DEFAULT_MAX_BYTES);
  // No valid file is larger than 8 bytes per sample plus slack, nor than twice
  // its decoded image (float64 .npy/TIFF read as f32) plus slack: refuse before reading.
  const bytes = await readBytes(
    path,
    "readImage",
    (size) =>
      size > maxPixels * 8 + (1 << 26)
        ? new FilterError(
          "IMAGE_TOO_LARGE",
          `${path} is ${size} bytes, more than any image under the ${maxPixels}-sample limit; raise the limit (--max-pixels) if it is genuine`,
        )
        : size > maxBytes * 2 + (1 << 26)
        ? new FilterError(
          "IMAGE_TOO_LARGE",
          `${path} is ${size} bytes, more than any image under the ${maxBytes}-byte memory budget; raise it (--max-bytes) if it is genuine`,
        )
        : undefined,
  );
  const format = sniffFormat(bytes) ?? formatFromPath(path);
  try {
    const image = await decodeImage(bytes, { ...options, maxPixels, maxBytes, format });
    if (!withMetadata) return { image };
    const metadata = await readMetadata(bytes, {
      format,
      keepOrientation: options.keepOrientation,
      page: options.page,
    });
    return { image, metadata };
  } catch (e) {
    if (e instanceof FilterError && (e.code === "DECODE_FAILED" || e.code === "IMAGE_TOO_LARGE")) {
      throw new FilterError(e.code, `${path}: ${e.message}`, { cause: e });
    }
    throw e;
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
  const fs = files("writeFileAtomic");
  const exists = async () => {
    try {
      return await fs.exists(path);
    } catch (e) {
      throw ioError(path, "check", e, fs);
    }
  };
  if (!overwrite && await exists()) throw refuse();
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${crypto.randomUUID().slice(0, 8)}`);
  let created = false;
  try {
    await fs.writeNew(tmp, bytes);
    created = true;
    if (overwrite) {
      await fs.rename(tmp, path);
    } else {
      try {
        await fs.link(tmp, path);
      } catch (e) {
        if (fs.kind(e) === "exists") throw refuse();
        // No hard links on this file system: check again, then rename.
        if (await exists()) throw refuse();
        await fs.rename(tmp, path);
        created = false;
      }
    }
  } catch (e) {
    if (e instanceof FilterError) throw e;
    throw ioError(path, "write", e, fs);
  } finally {
    if (created) await fs.remove(tmp).catch(() => {});
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
  const { overwrite: _, ...encode } = options;
  const bytes = await encodeImage(image, formatFromPath(path), encode);
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
  const bytes = await readBytes(
    path,
    "readKernel",
    (size) =>
      size > 1 << 28
        ? new FilterError(
          "IO",
          `cannot read ${path}: file is ${size} bytes, too large for a kernel`,
        )
        : undefined,
  );
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
