/**
 * Encoded bytes to and from an `Image`: {@linkcode decodeImage} picks the
 * decoder by magic number (or the given format) after the header has been
 * checked against the size cap, {@linkcode encodeImage} the encoder by
 * format name. Runs in every runtime: no file access here (see `files.ts`).
 *
 * @module
 */

import { FilterError, show } from "../core/errors.ts";
import { checkImageSize, DEFAULT_MAX_PIXELS, Image } from "../core/image.ts";
import {
  bad,
  type DecodeOptions,
  type EncodeOptions,
  type Header,
  type ImageFormat,
  jpegHeader,
  option,
  sniffFormat,
} from "./formats.ts";
import { decodeGif } from "./gif.ts";
import { encodeGrayJpeg } from "./jpeg.ts";
import { decodeNpy, encodeNpy } from "./npy.ts";
import { decodePng, encodePng } from "./png.ts";
import { decodeTiff } from "./tiff.ts";

// deno-lint-ignore no-explicit-any
type Imagescript = any;
let imagescript: Promise<Imagescript> | undefined;

/** Loads imagescript on first use, so PNG/TIFF/GIF/.npy users need no --allow-ffi. */
function loadImagescript(): Promise<Imagescript> {
  imagescript ??= import("imagescript").catch((e) => {
    imagescript = undefined;
    throw new FilterError(
      "IO",
      `cannot load the JPEG codec (${
        String((e as Error)?.message ?? e).split("\n")[0]
      }); run with --allow-read --allow-ffi --allow-env, or use PNG, TIFF or .npy`,
    );
  });
  return imagescript;
}

/** Decodes JPEG through imagescript and keeps the channels the header announced. */
async function decodeWithImagescript(bytes: Uint8Array, header: Header): Promise<Image> {
  const name = "JPEG";
  const lib = await loadImagescript();
  let frame: { width: number; height: number; bitmap: ArrayBufferView } | undefined;
  try {
    frame = await lib.Image.decode(bytes);
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
    case "gif":
      return decodeGif(bytes, maxPixels);
    case "jpeg": {
      if (sniffFormat(bytes) !== format) {
        throw bad("JPEG", "bad magic number; the data is not this format");
      }
      const header = jpegHeader(bytes);
      checkImageSize(header.width, header.height, header.channels, maxPixels);
      return await decodeWithImagescript(bytes, header);
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
