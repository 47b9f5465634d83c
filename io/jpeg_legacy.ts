/**
 * JPEG through imagescript (a native module in Deno): the header parser
 * sizes the image before decoding, gray (and gray+alpha) is written by
 * imfilter's own 1-component encoder (`jpeg.ts`), RGB(A) by imagescript.
 *
 * @module
 */

import { FilterError } from "../core/errors.ts";
import { checkImageSize, Image } from "../core/image.ts";
import type { Codec } from "./codecs.ts";
import { encodeGrayJpeg } from "./jpeg.ts";

function bad(format: string, message: string): FilterError {
  return new FilterError("DECODE_FAILED", `${format}: ${message}`);
}

/** What a header tells before decoding. */
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

/** Whether the bytes start with a JPEG SOI marker. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** JPEG (through imagescript for RGB). */
export const jpegCodec: Codec = {
  format: "jpeg",
  label: "JPEG",
  extensions: [".jpg", ".jpeg"],
  sniff: isJpeg,
  async decode(bytes, { maxPixels }) {
    const header = jpegHeader(bytes);
    checkImageSize(header.width, header.height, header.channels, maxPixels);
    return await decodeWithImagescript(bytes, header);
  },
  encode: (image, { quality }) => encodeJpeg(image, quality),
};
