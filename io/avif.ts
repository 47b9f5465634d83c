/**
 * AVIF, read and write, through libavif 1.0.1 with libaom 3.7.0 compiled to
 * WebAssembly (the single-threaded decoder and encoder of @jsquash/avif
 * 2.1.1; vendored into `io/vendor/` by `deno task codecs` and loaded on first
 * use — see `emscripten.ts`).
 *
 * Reading: the primary image (a grid's tiles joined), with its alpha
 * auxiliary image. Channels from the header (`avif_header.ts`): 1 for
 * monochrome, 3 otherwise, plus alpha. 8-bit files read as `u8`; 10- and
 * 12-bit files as `u16` on the full 16-bit range — libavif converts to RGB at
 * 16 bits (as `avifdec --depth 16` writes a PNG), so 1023 or 4095 becomes
 * 65535, like a 16-bit PNG or TIFF. Orientation and crop properties
 * (`irot`, `imir`, `clap`) are not applied (libavif leaves them to the
 * application, as `avifdec` does). Image sequences (`avis` without a still
 * item) are refused.
 *
 * Writing: `u8` as 8-bit; `u16` as 10-bit when every sample is a 10-bit
 * value widened to 16 bits (so a 10-bit AVIF read and written back keeps its
 * samples), else as 12-bit, the deepest AVIF holds (each sample rounded to
 * v·4095/65535, which the decoder widens back exactly; 12-bit is the AV1
 * Professional profile — convert to u8 for the widest support). So
 * `lossless` keeps u16 samples exactly when they lie on the 10- or 12-bit
 * grid (as every AVIF and most 10/12-bit sources read); other u16 samples
 * are rounded to 12 bits first (an error of at most 8 in 65535).
 * Lossy: `quality` 1–100 (libavif's scale, 100 ≈ lossless), 4:2:0, alpha
 * lossless. `lossless`: 4:4:4 with the identity matrix (RGB exact), or
 * monochrome at quantizer 0 for gray. Gray is written as monochrome (4:0:0)
 * and reads back as 1 channel. Encoder speed 6 (libavif's default). The
 * encoder takes no metadata: `avif_metadata.ts` adds the ICC profile and
 * EXIF block to its output (and reads them).
 *
 * @module
 */

import type { Codec } from "./codecs.ts";
import { FilterError } from "../core/errors.ts";
import { checkImageBudget, checkImageBytes, DEFAULT_MAX_BYTES, Image } from "../core/image.ts";
import { avifHeader, isAvif } from "./avif_header.ts";
import { codecFailure, EmscriptenCodec, vendored } from "./emscripten.ts";
import { fromRgba, toRgba } from "./rgba.ts";
import { addAvifMetadata, readAvifMetadata } from "./avif_metadata.ts";

interface DecoderModule {
  decode(
    data: Uint8Array,
    bitDepth: number,
  ): { data: Uint8ClampedArray | Uint16Array; width: number; height: number } | null;
  HEAPU8?: Uint8Array;
}

interface EncoderModule {
  encode(data: Uint8Array, width: number, height: number, options: object): Uint8Array | null;
  HEAPU8?: Uint8Array;
}

/** The AVIF decoder (libavif + libaom's AV1 decoder). */
export const avifDecoder: EmscriptenCodec<DecoderModule> = new EmscriptenCodec(
  "AVIF decoder",
  () => vendored(import("./vendor/avif_dec.js"), import("./vendor/avif_dec_wasm.ts")),
);

/** The AVIF encoder (libavif + libaom's AV1 encoder, single-threaded). */
export const avifEncoder: EmscriptenCodec<EncoderModule> = new EmscriptenCodec(
  "AVIF encoder",
  () => vendored(import("./vendor/avif_enc.js"), import("./vendor/avif_enc_wasm.ts")),
);

function bad(message: string): FilterError {
  return new FilterError("DECODE_FAILED", `AVIF: ${message}`);
}

/**
 * Decodes AVIF after checking its header (and every AV1 stream's frame size)
 * against `maxPixels` and `maxBytes` (2 bytes a sample above 8 bits).
 */
export async function decodeAvif(
  bytes: Uint8Array,
  maxPixels: number,
  maxBytes: number = DEFAULT_MAX_BYTES,
): Promise<Image> {
  const h = avifHeader(bytes);
  const channels = (h.monochrome ? 1 : 3) + (h.alpha ? 1 : 0);
  const bps = h.depth > 8 ? 2 : 1;
  checkImageBudget(h.width, h.height, channels, bps, maxPixels, maxBytes);
  for (const c of h.coded) {
    // What the AV1 decoder allocates comes from the stream, not from `ispe`.
    if (c.width * c.height * channels > maxPixels) {
      throw new FilterError(
        "IMAGE_TOO_LARGE",
        `AVIF: the AV1 stream may code ${c.width}x${c.height} frames (the image says ` +
          `${h.width}x${h.height}), more than ${maxPixels} samples; raise the limit (--max-pixels) if it is genuine`,
      );
    }
    checkImageBytes(c.width, c.height, channels, bps, maxBytes, "AVIF: the AV1 stream's frame");
  }
  const wide = h.depth > 8;
  const result = await avifDecoder.call((m) => {
    const r = m.decode(bytes, wide ? 16 : 8);
    if (!r) throw bad("libavif cannot decode the data (corrupt, truncated or unsupported)");
    if (r.width !== h.width || r.height !== h.height || r.data.length !== h.width * h.height * 4) {
      throw bad(`decoded ${r.width}x${r.height}, the header says ${h.width}x${h.height}`);
    }
    return r.data;
  }).catch((e) => {
    if (e instanceof FilterError) throw e;
    throw bad(`libavif failed (${codecFailure(e)})`);
  });
  return new Image(h.width, h.height, channels, fromRgba(result, h.width * h.height, channels));
}

/** A `depth`-bit sample as libavif widens it to 16 bits (float32, as its YUV-to-RGB code). */
function widen(v: number, max: number): number {
  return Math.trunc(Math.fround(0.5 + Math.fround(Math.fround(v / max) * 65535)));
}

/** Whether every sample is a 10-bit value widened (a 10-bit AVIF as it reads): then 10 bits keep it exactly. */
function tenBit(data: Uint16Array): boolean {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (widen(Math.round((v * 1023) / 65535), 1023) !== v) return false;
  }
  return true;
}

/** Encodes u8 (8-bit) or u16 (10- or 12-bit) images, 1–4 channels, lossy at `quality` or lossless. */
export async function encodeAvif(
  image: Image,
  quality: number,
  lossless: boolean,
): Promise<Uint8Array> {
  if (image.dtype === "f32") {
    throw new FilterError(
      "UNSUPPORTED_DTYPE",
      "AVIF holds 8- to 12-bit samples, this image is f32; pass dtype u8 or u16, or write .npy",
    );
  }
  const wide = image.dtype === "u16";
  const depth = wide ? (tenBit(image.data as Uint16Array) ? 10 : 12) : 8;
  const max = (1 << depth) - 1;
  const rgba = wide ? toRgba(image, max, (v) => Math.round((v * max) / 65535)) : toRgba(image, 255);
  const gray = image.channels <= 2;
  const options = {
    quality: lossless ? 100 : quality,
    qualityAlpha: 100,
    tileRowsLog2: 0,
    tileColsLog2: 0,
    speed: 6,
    subsample: gray ? 0 : lossless ? 3 : 1, // 4:0:0, 4:4:4, 4:2:0
    chromaDeltaQ: false,
    sharpness: 0,
    tune: 0,
    denoiseLevel: 0,
    enableSharpYUV: false,
    bitDepth: depth,
  };
  const bytes = new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  try {
    return await avifEncoder.call((m) => {
      const out = m.encode(bytes, image.width, image.height, options);
      if (!out) throw new Error("libavif returned no data");
      return out;
    });
  } catch (e) {
    if (e instanceof FilterError) throw e;
    throw new FilterError("IO", `AVIF encoder failed (${codecFailure(e)})`, { cause: e });
  }
}

/** AVIF: 8–12-bit still images with alpha; written 8-bit (u8) or 10/12-bit (u16). */
export const avifCodec: Codec = {
  format: "avif",
  label: "AVIF",
  extensions: [".avif"],
  sniff: isAvif,
  decode: (bytes, { maxPixels, maxBytes }) => decodeAvif(bytes, maxPixels, maxBytes),
  // The stored pixels are the image (no irot/imir, no EXIF orientation): no `orientation`.
  readMetadata: readAvifMetadata,
  // The @jsquash/avif encoder takes no metadata: its output is rewritten to hold it.
  encode: async (image, { quality, lossless, metadata }) =>
    addAvifMetadata(await encodeAvif(image, quality, lossless), metadata),
};
