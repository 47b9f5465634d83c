/**
 * Interleaved RGBA, the pixel layout of the WebAssembly codecs (WebP, AVIF),
 * to and from an image's own channels: gray is spread to R, G and B, a
 * missing alpha is opaque, and the way back keeps the channels the file's
 * header announced.
 *
 * @module
 */

import type { Image } from "../core/image.ts";

/** Samples of one of the codecs' RGBA buffers. */
export type Rgba = Uint8Array | Uint8ClampedArray | Uint16Array;

/**
 * An image's samples as interleaved RGBA of the same element type (`u8` →
 * `Uint8Array`, `u16` → `Uint16Array`), each sample through `map` when given
 * (to rescale), alpha opaque (`opaque`) where the image has none.
 */
export function toRgba(
  image: Image,
  opaque: number,
  map?: (v: number) => number,
): Uint8Array | Uint16Array {
  const { width, height, channels: ch } = image;
  const src = image.data as Uint8Array | Uint16Array;
  const n = width * height;
  const out = image.dtype === "u16" ? new Uint16Array(n * 4) : new Uint8Array(n * 4);
  const f = map ?? ((v: number) => v);
  for (let i = 0, o = 0, s = 0; i < n; i++, o += 4, s += ch) {
    if (ch <= 2) {
      const g = f(src[s]);
      out[o] = g;
      out[o + 1] = g;
      out[o + 2] = g;
    } else {
      out[o] = f(src[s]);
      out[o + 1] = f(src[s + 1]);
      out[o + 2] = f(src[s + 2]);
    }
    out[o + 3] = ch === 2 || ch === 4 ? f(src[s + ch - 1]) : opaque;
  }
  return out;
}

/**
 * `channels` of an RGBA buffer: 1 takes R (the codec wrote gray as R = G = B),
 * 2 takes R and A, 3 RGB, 4 all (shared with `rgba` when it is a `Uint8Array`
 * view of a fresh buffer, otherwise copied).
 */
export function fromRgba(
  rgba: Rgba,
  pixels: number,
  channels: number,
): Uint8Array | Uint16Array {
  const wide = rgba instanceof Uint16Array;
  if (channels === 4) {
    if (wide) return rgba;
    return new Uint8Array(rgba.buffer, rgba.byteOffset, pixels * 4);
  }
  const out = wide ? new Uint16Array(pixels * channels) : new Uint8Array(pixels * channels);
  const pick = channels === 1 ? [0] : channels === 2 ? [0, 3] : [0, 1, 2];
  for (let i = 0, o = 0, s = 0; i < pixels; i++, s += 4) {
    for (let c = 0; c < channels; c++) out[o++] = rgba[s + pick[c]];
  }
  return out;
}
