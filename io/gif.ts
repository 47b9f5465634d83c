/**
 * A GIF decoder (GIF87a and GIF89a): the logical screen, the global and
 * local colour tables, interlaced rows, the graphic control extension's
 * transparent index, and variable-width LZW. A frame is drawn onto the
 * logical screen as browsers and Pillow draw the first frame: pixels
 * outside it, and transparent pixels, are transparent black. The result
 * has 3 channels (RGB), or 4 when the frame has a transparent colour.
 *
 * Untrusted input is bounded: the screen size is checked against the caller's
 * cap before anything is allocated, and a file whose LZW data is shorter than
 * any encoding of its declared pixels could be (a code of at least one bit
 * per 4,096 pixels) is refused before decoding.
 *
 * @module
 */

import type { Codec } from "./codecs.ts";
import { FilterError } from "../core/errors.ts";
import { checkImageBytes, checkImageSize, DEFAULT_MAX_BYTES, Image } from "../core/image.ts";

function fail(message: string): never {
  throw new FilterError("DECODE_FAILED", `GIF: ${message}`);
}

/** Whether the bytes start with a GIF signature. */
export function isGif(b: Uint8Array): boolean {
  return b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 &&
    (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61;
}

/** One frame's image descriptor and where its LZW data starts. */
interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
  interlaced: boolean;
  palette: Uint8Array;
  transparent: number;
  /** Byte offset of the LZW minimum code size. */
  data: number;
}

/** Skips a sequence of data sub-blocks starting at `pos`; returns the position after the terminator. */
function skipBlocks(b: Uint8Array, pos: number): number {
  while (pos < b.length && b[pos] !== 0) pos += b[pos] + 1;
  if (pos >= b.length) fail("file is truncated inside a data block");
  return pos + 1;
}

/** The screen size, and the frames up to and including number `index`. */
function parse(b: Uint8Array, index: number): { width: number; height: number; frames: Frame[] } {
  if (!isGif(b)) fail("bad signature (not a GIF file)");
  if (b.length < 13) fail("file is truncated in its header");
  const width = b[6] | (b[7] << 8), height = b[8] | (b[9] << 8);
  if (width === 0 || height === 0) fail(`size ${width}x${height} is empty`);
  let pos = 13;
  let global: Uint8Array = new Uint8Array(0);
  if (b[10] & 0x80) {
    const n = 3 * (1 << ((b[10] & 7) + 1));
    if (pos + n > b.length) fail("file is truncated in its colour table");
    global = b.subarray(pos, pos + n);
    pos += n;
  }
  const frames: Frame[] = [];
  let transparent = -1;
  while (frames.length <= index) {
    if (pos >= b.length) break;
    const block = b[pos];
    if (block === 0x3b) break; // trailer
    if (block === 0x21) {
      if (pos + 2 > b.length) fail("file is truncated in an extension");
      if (b[pos + 1] === 0xf9 && pos + 6 < b.length && b[pos + 2] >= 4) {
        transparent = b[pos + 3] & 1 ? b[pos + 6] : -1;
      }
      pos = skipBlocks(b, pos + 2);
      continue;
    }
    if (block !== 0x2c) fail(`unknown block 0x${block.toString(16)} at byte ${pos}`);
    if (pos + 10 > b.length) fail("file is truncated in the image descriptor");
    const flags = b[pos + 9];
    let palette = global;
    pos += 10;
    if (flags & 0x80) {
      const n = 3 * (1 << ((flags & 7) + 1));
      if (pos + n > b.length) fail("file is truncated in a local colour table");
      palette = b.subarray(pos, pos + n);
      pos += n;
    }
    if (palette.length === 0) fail("a frame has no colour table");
    if (pos >= b.length) fail("file is truncated before the image data");
    const d = pos - 10 - (flags & 0x80 ? 3 * (1 << ((flags & 7) + 1)) : 0);
    frames.push({
      left: b[d + 1] | (b[d + 2] << 8),
      top: b[d + 3] | (b[d + 4] << 8),
      width: b[d + 5] | (b[d + 6] << 8),
      height: b[d + 7] | (b[d + 8] << 8),
      interlaced: (flags & 0x40) !== 0,
      palette,
      transparent,
      data: pos,
    });
    transparent = -1;
    pos = skipBlocks(b, pos + 1);
  }
  if (frames.length === 0) fail("file is truncated or corrupt: no image descriptor");
  return { width, height, frames };
}

/** The frame's LZW data, its sub-blocks joined. */
function lzwBytes(b: Uint8Array, at: number): Uint8Array {
  let n = 0;
  for (let p = at; b[p] !== 0; p += b[p] + 1) n += b[p];
  const out = new Uint8Array(n);
  let o = 0;
  for (let p = at; b[p] !== 0; p += b[p] + 1) {
    out.set(b.subarray(p + 1, p + 1 + b[p]), o);
    o += b[p];
  }
  return out;
}

/** Decodes LZW `data` into `out` (palette indices); returns how many were written. */
function lzw(data: Uint8Array, minSize: number, out: Uint8Array): number {
  const clear = 1 << minSize, end = clear + 1;
  const prefix = new Int16Array(4096), suffix = new Uint8Array(4096), stack = new Uint8Array(4097);
  for (let i = 0; i < clear; i++) suffix[i] = i;
  let size = minSize + 1, mask = (1 << size) - 1, next = end + 1;
  let prev = -1, first = 0, bits = 0, acc = 0, o = 0;
  for (let p = 0; p < data.length && o < out.length;) {
    acc |= data[p++] << bits;
    bits += 8;
    while (bits >= size && o < out.length) {
      const code = acc & mask;
      acc >>>= size;
      bits -= size;
      if (code === clear) {
        size = minSize + 1;
        mask = (1 << size) - 1;
        next = end + 1;
        prev = -1;
        continue;
      }
      if (code === end) return o;
      if (prev < 0) {
        if (code >= clear) fail("the LZW data starts with an undefined code");
        out[o++] = first = code;
        prev = code;
        continue;
      }
      let c = code, top = 0;
      if (code >= next) {
        if (code > next) fail(`LZW code ${code} is not yet defined (corrupt data)`);
        stack[top++] = first;
        c = prev;
      }
      while (c >= clear) {
        stack[top++] = suffix[c];
        c = prefix[c];
      }
      first = c;
      stack[top++] = c;
      while (top > 0 && o < out.length) out[o++] = stack[--top];
      if (next < 4096) {
        prefix[next] = prev;
        suffix[next] = first;
        next++;
        if (next > mask && size < 12) {
          size++;
          mask = (1 << size) - 1;
        }
      }
      prev = code;
    }
  }
  return o;
}

/** The rows of an interlaced frame in storage order (passes 0/8, 4/8, 2/4, 1/2). */
function rowOrder(height: number, interlaced: boolean): Int32Array {
  const rows = new Int32Array(height);
  if (!interlaced) {
    for (let y = 0; y < height; y++) rows[y] = y;
    return rows;
  }
  let i = 0;
  for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]]) {
    for (let y = start; y < height; y += step) rows[i++] = y;
  }
  return rows;
}

/** Width, height and channel count of frame `index` on the screen, from the headers alone. */
export function gifInfo(
  bytes: Uint8Array,
  index = 0,
): { width: number; height: number; channels: 3 | 4; frames: number } {
  const { width, height, frames } = parse(bytes, index);
  if (index >= frames.length) fail(`frame ${index} does not exist (the file has ${frames.length})`);
  return { width, height, channels: frames[index].transparent >= 0 ? 4 : 3, frames: frames.length };
}

/**
 * Decodes frame `frame` (default the first) of a GIF onto its logical
 * screen. Throws `DECODE_FAILED` for anything malformed and
 * `IMAGE_TOO_LARGE` when the screen exceeds `maxPixels` samples or `maxBytes` bytes.
 */
export function decodeGif(
  bytes: Uint8Array,
  maxPixels: number,
  frame = 0,
  maxBytes: number = DEFAULT_MAX_BYTES,
): Image {
  const { width, height, frames } = parse(bytes, frame);
  if (frame >= frames.length) fail(`frame ${frame} does not exist (the file has ${frames.length})`);
  const f = frames[frame];
  const channels = f.transparent >= 0 ? 4 : 3;
  checkImageSize(width, height, channels, maxPixels);
  const minSize = bytes[f.data];
  if (minSize < 2 || minSize > 11) {
    fail(`LZW minimum code size ${minSize} is out of range (2 to 11)`);
  }
  const data = lzwBytes(bytes, f.data + 1);
  const pixels = f.width * f.height;
  // Each LZW code stands for at most 4,096 pixels and takes at least minSize + 1 bits.
  if (pixels > 0 && data.length * 8 < Math.ceil(pixels / 4096) * (minSize + 1)) {
    fail(`${data.length} bytes of image data cannot hold ${f.width}x${f.height} pixels`);
  }
  // The memory budget, after the checks that the file can hold the image (those are DECODE_FAILED).
  checkImageBytes(width, height, channels, 1, maxBytes);
  const indices = new Uint8Array(pixels);
  const got = lzw(data, minSize, indices);
  if (got < pixels) fail(`image data is truncated: ${got} of ${pixels} pixels`);
  const out = new Uint8Array(width * height * channels);
  const rows = rowOrder(f.height, f.interlaced);
  const colours = f.palette.length / 3;
  for (let r = 0; r < f.height; r++) {
    const y = f.top + rows[r];
    if (y >= height) continue;
    for (let x = 0; x < f.width; x++) {
      const sx = f.left + x;
      if (sx >= width) break;
      const index = indices[r * f.width + x];
      const o = (y * width + sx) * channels;
      if (index === f.transparent) continue; // stays transparent black
      if (channels === 4) out[o + 3] = 255;
      if (index >= colours) continue; // outside the table: black, as browsers draw it
      out[o] = f.palette[3 * index];
      out[o + 1] = f.palette[3 * index + 1];
      out[o + 2] = f.palette[3 * index + 2];
    }
  }
  return new Image(width, height, channels, out);
}

/** GIF (read: one frame, the first by default, on its logical screen). */
export const gifCodec: Codec = {
  format: "gif",
  label: "GIF",
  extensions: [".gif"],
  sniff: isGif,
  frames: true,
  decode: (bytes, { maxPixels, maxBytes, frame }) => decodeGif(bytes, maxPixels, frame, maxBytes),
};
