/**
 * WebP, read and write, through libwebp compiled to WebAssembly (the decoder
 * and the SIMD encoder of @jsquash/webp 1.5.0: libwebp 1.1.0, as its
 * `WebPGetDecoderVersion` says (the package README says 1.0.2); vendored into
 * `io/vendor/` by `deno task codecs` and loaded on first use — see
 * `emscripten.ts`).
 *
 * Reading: lossy (VP8), lossless (VP8L) and extended (VP8X) files, with
 * alpha; 3 channels, or 4 when the file has alpha by libwebp's own rule
 * (`WebPGetFeatures`: the VP8L header's alpha bit for lossless, the VP8X
 * alpha flag or an ALPH chunk for lossy). An animation reads as its first
 * frame on the canvas, as libwebp's animation decoder (and Pillow) return it:
 * a transparent-black canvas with the frame decoded at its offset; 4 channels
 * when the VP8X alpha flag is set. Pixels are libwebp's `WebPDecodeRGBA`,
 * the decode of `dwebp` (fancy upsampling).
 *
 * Before anything reaches the decoder the RIFF structure is checked (every
 * chunk inside the file), the canvas against `maxPixels`, and a lossy frame
 * against the least size its dimensions allow: VP8 key frames code each
 * macroblock's prediction modes with fixed probabilities, at least 3.42 bits
 * per 16×16 macroblock (2.57 for the cheapest luma mode, 0.85 for chroma;
 * cwebp measured 3.43), and the first partition must hold at least
 * {@linkcode MIN_MODE_BITS} of them — so a 30-byte file claiming 16383×16383
 * fails at once. Lossless streams have no such bound (a one-colour 4096²
 * image is 706 bytes: single-symbol codes cost nothing), so only `maxPixels`
 * limits them.
 *
 * Writing (u8, 1–4 channels): lossy at `quality` 1–100 with exact alpha
 * (lossless alpha plane, as cwebp's default), or `lossless` (RGB under fully
 * transparent pixels kept too, libwebp's `exact`; effort as cwebp's default).
 * WebP has no gray mode: gray is written as RGB and reads back as 3 channels.
 *
 * @module
 */

import type { Codec } from "./codecs.ts";
import { FilterError } from "../core/errors.ts";
import { checkImageBytes, checkImageSize, DEFAULT_MAX_BYTES, Image } from "../core/image.ts";
import { codecFailure, EmscriptenCodec, vendored } from "./emscripten.ts";
import { fromRgba, toRgba } from "./rgba.ts";
import {
  addWebpMetadata,
  readWebpMetadata,
  riff,
  type RiffChunk,
  riffChunks,
} from "./webp_metadata.ts";

/** Least bits per macroblock required of a lossy first partition (the true minimum is 3.42). */
export const MIN_MODE_BITS: number = 2;
/** The largest side WebP can hold. */
const MAX_SIDE = 16383;

interface DecoderModule {
  decode(data: Uint8Array): { data: Uint8ClampedArray; width: number; height: number } | null;
  HEAPU8?: Uint8Array;
}

interface EncoderModule {
  encode(data: Uint8Array, width: number, height: number, options: object): Uint8Array | null;
  HEAPU8?: Uint8Array;
}

/** The WebP decoder (libwebp `WebPDecodeRGBA`). */
export const webpDecoder: EmscriptenCodec<DecoderModule> = new EmscriptenCodec(
  "WebP decoder",
  () => vendored(import("./vendor/webp_dec.js"), import("./vendor/webp_dec_wasm.ts")),
);

/** The WebP encoder (libwebp, SIMD build). */
export const webpEncoder: EmscriptenCodec<EncoderModule> = new EmscriptenCodec(
  "WebP encoder",
  () => vendored(import("./vendor/webp_enc_simd.js"), import("./vendor/webp_enc_simd_wasm.ts")),
);

function bad(message: string): FilterError {
  return new FilterError("DECODE_FAILED", `WebP: ${message}`);
}

const u24 = (b: Uint8Array, p: number) => b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
const u32 = (b: Uint8Array, p: number) => (u24(b, p) | (b[p + 3] << 24)) >>> 0;
const fourcc = (b: Uint8Array, p: number) =>
  String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3]);

type Chunk = RiffChunk;

/** The chunks of `bytes[start, end)`; one overrunning `end` means a truncated file. */
function chunksOf(bytes: Uint8Array, start: number, end: number): Chunk[] {
  const { chunks, overrun } = riffChunks(bytes, start, end);
  if (overrun !== undefined) {
    throw bad(
      `chunk ${JSON.stringify(fourcc(bytes, overrun))} at byte ${overrun} runs past the end`,
    );
  }
  return chunks;
}

/** What a header says before decoding. */
export interface WebpHeader {
  /** The canvas. */
  width: number;
  height: number;
  /** 3, or 4 with alpha (libwebp's `has_alpha`). */
  channels: 3 | 4;
  /** What the decoder gets: the file, or a still image made of an animation's first frame. */
  still: Uint8Array;
  /** Where the decoded image goes on the canvas (an animation's first frame). */
  frame?: { x: number; y: number; width: number; height: number };
  /** A lossy frame's first-partition size and macroblock count (the size bound). */
  lossy?: { partition: number; macroblocks: number };
  /** Whether the file is an animation. */
  animated: boolean;
}

/** A lossy (VP8) key frame's dimensions and first-partition size. */
function vp8Info(data: Uint8Array): { width: number; height: number; partition: number } {
  if (data.length < 10) throw bad("lossy (VP8) frame header is truncated");
  const tag = u24(data, 0);
  if (tag & 1) throw bad("lossy frame is not a key frame");
  if (data[3] !== 0x9d || data[4] !== 0x01 || data[5] !== 0x2a) throw bad("bad VP8 start code");
  const width = (data[6] | (data[7] << 8)) & 0x3fff, height = (data[8] | (data[9] << 8)) & 0x3fff;
  const partition = tag >>> 5;
  if (10 + partition > data.length) {
    throw bad(
      `truncated: the first partition needs ${partition} bytes, the frame holds ${
        data.length - 10
      }`,
    );
  }
  return { width, height, partition };
}

/** A lossless (VP8L) header's dimensions and alpha hint. */
function vp8lInfo(data: Uint8Array): { width: number; height: number; alpha: boolean } {
  if (data.length < 5 || data[0] !== 0x2f) throw bad("bad lossless (VP8L) signature");
  const b = u32(data, 1);
  if (b >>> 29 !== 0) throw bad(`lossless (VP8L) version ${b >>> 29} is not 0`);
  return {
    width: (b & 0x3fff) + 1,
    height: ((b >>> 14) & 0x3fff) + 1,
    alpha: ((b >>> 28) & 1) === 1,
  };
}

/** The image chunks of a frame: an optional ALPH, then VP8 or VP8L. */
function imageOf(list: Chunk[]): { alph?: Chunk; image: Chunk } {
  const i = list.findIndex((c) => c.id === "VP8 " || c.id === "VP8L");
  if (i < 0) throw bad("no image data (VP8 or VP8L chunk)");
  const alph = list.slice(0, i).find((c) => c.id === "ALPH");
  return { alph, image: list[i] };
}

/** Parses the RIFF structure and the image header; throws `DECODE_FAILED` for malformed files. */
export function webpHeader(bytes: Uint8Array): WebpHeader {
  if (bytes.length < 20) throw bad(`file is truncated (${bytes.length} bytes)`);
  const end = 8 + u32(bytes, 4);
  if (end > bytes.length) {
    throw bad(`file is truncated: RIFF says ${end} bytes, got ${bytes.length}`);
  }
  const list = chunksOf(bytes, 12, end);
  const first = list[0];
  if (!first) throw bad("no chunk after the RIFF header");
  const still = bytes.subarray(0, end);
  const lossyOf = (d: Uint8Array, w: number, h: number) => ({
    partition: vp8Info(d).partition,
    macroblocks: Math.ceil(w / 16) * Math.ceil(h / 16),
  });
  if (first.id === "VP8 ") {
    const { width, height } = vp8Info(first.data);
    return {
      width,
      height,
      channels: 3,
      still,
      lossy: lossyOf(first.data, width, height),
      animated: false,
    };
  }
  if (first.id === "VP8L") {
    const { width, height, alpha } = vp8lInfo(first.data);
    return { width, height, channels: alpha ? 4 : 3, still, animated: false };
  }
  if (first.id !== "VP8X") throw bad(`unknown first chunk ${JSON.stringify(first.id)}`);
  if (first.data.length < 10) throw bad("extended header (VP8X) is truncated");
  const flags = first.data[0];
  const width = u24(first.data, 4) + 1, height = u24(first.data, 7) + 1;
  if (flags & 0x02) {
    const anmf = list.find((c) => c.id === "ANMF");
    if (!anmf || anmf.data.length < 16) throw bad("animation has no frame (ANMF chunk)");
    const d = anmf.data;
    const frame = {
      x: 2 * u24(d, 0),
      y: 2 * u24(d, 3),
      width: u24(d, 6) + 1,
      height: u24(d, 9) + 1,
    };
    if (frame.x + frame.width > width || frame.y + frame.height > height) {
      throw bad(
        `first frame ${frame.width}x${frame.height} at (${frame.x}, ${frame.y}) exceeds the ${width}x${height} canvas`,
      );
    }
    const { alph, image } = imageOf(chunksOf(d, 16, d.length));
    const dims = image.id === "VP8L" ? vp8lInfo(image.data) : vp8Info(image.data);
    if (dims.width !== frame.width || dims.height !== frame.height) {
      throw bad(
        `first frame says ${frame.width}x${frame.height}, its image ${dims.width}x${dims.height}`,
      );
    }
    let parts = [image.raw];
    if (alph && image.id === "VP8 ") {
      const x = new Uint8Array(18);
      x.set([0x56, 0x50, 0x38, 0x58, 10, 0, 0, 0, 0x10]); // "VP8X", 10 bytes, alpha flag
      x.set([(frame.width - 1) & 255, ((frame.width - 1) >> 8) & 255, (frame.width - 1) >> 16], 12);
      x.set(
        [(frame.height - 1) & 255, ((frame.height - 1) >> 8) & 255, (frame.height - 1) >> 16],
        15,
      );
      parts = [x, alph.raw, image.raw];
    }
    return {
      width,
      height,
      channels: flags & 0x10 ? 4 : 3,
      still: riff(parts),
      frame,
      lossy: image.id === "VP8 " ? lossyOf(image.data, frame.width, frame.height) : undefined,
      animated: true,
    };
  }
  const { alph, image } = imageOf(list.slice(1));
  const info = image.id === "VP8L" ? vp8lInfo(image.data) : vp8Info(image.data);
  if (info.width !== width || info.height !== height) {
    throw bad(`canvas is ${width}x${height} but the image is ${info.width}x${info.height}`);
  }
  const alpha = image.id === "VP8L"
    ? (info as { alpha: boolean }).alpha
    : !!(flags & 0x10) || !!alph;
  return {
    width,
    height,
    channels: alpha ? 4 : 3,
    still,
    lossy: image.id === "VP8 " ? lossyOf(image.data, width, height) : undefined,
    animated: false,
  };
}

/** Whether the bytes start a WebP file (RIFF … WEBP). */
export function isWebp(b: Uint8Array): boolean {
  return b.length >= 12 && fourcc(b, 0) === "RIFF" && fourcc(b, 8) === "WEBP";
}

/** Decodes WebP after checking its header against `maxPixels`, `maxBytes` and the lossy size bound. */
export async function decodeWebp(
  bytes: Uint8Array,
  maxPixels: number,
  maxBytes: number = DEFAULT_MAX_BYTES,
): Promise<Image> {
  const h = webpHeader(bytes);
  checkImageSize(h.width, h.height, h.channels, maxPixels);
  if (h.lossy && h.lossy.partition * 8 < h.lossy.macroblocks * MIN_MODE_BITS) {
    throw bad(
      `file is too small for its size: ${h.lossy.macroblocks} macroblocks need at least ` +
        `${Math.ceil((h.lossy.macroblocks * MIN_MODE_BITS) / 8)} bytes of modes, it has ` +
        `${h.lossy.partition} (truncated or corrupt)`,
    );
  }
  // The memory budget, after the checks that the file can hold the image (those are DECODE_FAILED).
  checkImageBytes(h.width, h.height, h.channels, 1, maxBytes);
  const w = h.frame?.width ?? h.width, hh = h.frame?.height ?? h.height;
  const rgba = await webpDecoder.call((m) => {
    const r = m.decode(h.still);
    if (!r) throw bad("libwebp cannot decode the data (corrupt or truncated)");
    if (r.width !== w || r.height !== hh || r.data.length !== w * hh * 4) {
      throw bad(`decoded ${r.width}x${r.height}, the header says ${w}x${hh}`);
    }
    return r.data;
  }).catch((e) => {
    if (e instanceof FilterError) throw e;
    throw bad(`libwebp failed (${codecFailure(e)})`);
  });
  if (!h.frame) return new Image(h.width, h.height, h.channels, fromRgba(rgba, w * hh, h.channels));
  const canvas = new Uint8Array(h.width * h.height * 4); // transparent black, as libwebp's animation decoder
  for (let y = 0; y < hh; y++) {
    canvas.set(
      rgba.subarray(y * w * 4, (y + 1) * w * 4),
      ((h.frame.y + y) * h.width + h.frame.x) * 4,
    );
  }
  return new Image(h.width, h.height, h.channels, fromRgba(canvas, h.width * h.height, h.channels));
}

/** Encodes u8 images (1–4 channels) as lossy WebP at `quality`, or lossless. */
export async function encodeWebp(
  image: Image,
  quality: number,
  lossless: boolean,
): Promise<Uint8Array> {
  if (image.dtype !== "u8") {
    throw new FilterError(
      "UNSUPPORTED_DTYPE",
      `WebP holds 8-bit samples, this image is ${image.dtype}; pass dtype u8, or write .avif or .png (u16) or .npy`,
    );
  }
  if (image.width > MAX_SIDE || image.height > MAX_SIDE) {
    throw new FilterError(
      "INVALID_PARAM",
      `WebP cannot hold ${image.width}x${image.height} (at most ${MAX_SIDE} per side); write .png or .avif`,
    );
  }
  const rgba = toRgba(image, 255) as Uint8Array;
  // libwebp's WebPConfig, as @jsquash/webp passes it (its defaults), with ours on top.
  const options = {
    quality: lossless ? 75 : quality,
    target_size: 0,
    target_PSNR: 0,
    method: 4,
    sns_strength: 50,
    filter_strength: 60,
    filter_sharpness: 0,
    filter_type: 1,
    partitions: 0,
    segments: 4,
    pass: 1,
    show_compressed: 0,
    preprocessing: 0,
    autofilter: 0,
    partition_limit: 0,
    alpha_compression: 1,
    alpha_filtering: 1,
    alpha_quality: 100,
    lossless: lossless ? 1 : 0,
    exact: lossless ? 1 : 0,
    image_hint: 0,
    emulate_jpeg_size: 0,
    thread_level: 0,
    low_memory: 0,
    near_lossless: 100,
    use_delta_palette: 0,
    use_sharp_yuv: 0,
  };
  try {
    return await webpEncoder.call((m) => {
      const out = m.encode(rgba, image.width, image.height, options);
      if (!out) throw new Error("libwebp returned no data");
      return out;
    });
  } catch (e) {
    if (e instanceof FilterError) throw e;
    throw new FilterError("IO", `WebP encoder failed (${codecFailure(e)})`, { cause: e });
  }
}

/** WebP: lossy, lossless, alpha, animation (first frame); written lossy or lossless. */
export const webpCodec: Codec = {
  format: "webp",
  label: "WebP",
  extensions: [".webp"],
  sniff: isWebp,
  decode: (bytes, { maxPixels, maxBytes }) => decodeWebp(bytes, maxPixels, maxBytes),
  readMetadata: readWebpMetadata,
  orientation: "exif",
  encode: async (image, { quality, lossless, metadata }) =>
    addWebpMetadata(
      await encodeWebp(image, quality, lossless),
      metadata,
      image.width,
      image.height,
    ),
};
