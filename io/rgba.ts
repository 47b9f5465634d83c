/**
 * Interleaved RGBA, the pixel layout of the WebAssembly codecs (WebP, AVIF),
 * to and from an image's own channels: gray is spread to R, G and B, a
 * missing alpha is opaque, and the way back keeps the channels the file's
 * header announced. The common cases (RGB and RGBA without rescaling) have
 * their own loops: about 30 ms each way for 12 MP, against 100–140 ms for
 * the general one.
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
  if (!map && ch === 4) {
    out.set(src);
    return out;
  }
  if (!map && ch === 3) {
    for (let i = 0, s = 0, o = 0; i < n; i++, s += 3, o += 4) {
      out[o] = src[s];
      out[o + 1] = src[s + 1];
      out[o + 2] = src[s + 2];
      out[o + 3] = opaque;
    }
    return out;
  }
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
 * 2 takes R and A, 3 RGB, 4 all (a `Uint8Array` view of the same memory, or
 * the `Uint16Array` itself: the codecs return fresh buffers).
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
  if (channels === 3) {
    for (let i = 0, s = 0, o = 0; i < pixels; i++, s += 4, o += 3) {
      out[o] = rgba[s];
      out[o + 1] = rgba[s + 1];
      out[o + 2] = rgba[s + 2];
    }
    return out;
  }
  for (let i = 0, s = 0; i < pixels; i++, s += 4) {
    if (channels === 1) out[i] = rgba[s];
    else {
      out[2 * i] = rgba[s];
      out[2 * i + 1] = rgba[s + 3];
    }
  }
  return out;
}
