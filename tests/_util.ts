// Helpers shared by tests: the bundled photograph and image quality.

import assert from "node:assert/strict";
import { type DType, Image, readImage } from "../mod.ts";

/** The bundled 512×512 gray "cameraman" photograph (u8). */
export function cameraPhoto(): Promise<Image> {
  return readImage(new URL("./fixtures/images/camera.png", import.meta.url).pathname);
}

/** Peak signal-to-noise ratio of `a` against the reference `b`, in dB. */
export function psnr(a: Image, b: Image, peak = 255): number {
  let e = 0;
  for (let i = 0; i < a.data.length; i++) e += (a.data[i] - b.data[i]) ** 2;
  return 10 * Math.log10((peak * peak) / (e / a.data.length));
}

/** A seeded random image (xorshift32): integers over the dtype's range, f32 in [-100, 100). */
export function randomImage(w: number, h: number, ch: number, dtype: DType, seed: number): Image {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const img = Image.zeros(w, h, ch, dtype);
  const max = dtype === "u8" ? 255 : dtype === "u16" ? 65535 : 0;
  for (let i = 0; i < img.data.length; i++) {
    img.data[i] = max ? Math.floor(next() * (max + 1)) : Math.fround(next() * 200 - 100);
  }
  return img;
}

/** The first index where `a` and `b` differ, or -1 (asserting equal lengths). */
export function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** A seeded u8 image: uniform noise (`levels` 0), or `levels` levels spread over 0..255 (ties, flat areas, extremes). */
export function seededLevels(
  w: number,
  h: number,
  ch: number,
  seed: number,
  levels: number,
): Image {
  const img = Image.zeros(w, h, ch, "u8");
  let s = seed;
  for (let i = 0; i < img.data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const v = s >>> 24;
    img.data[i] = levels ? Math.round((v % levels) * 255 / Math.max(1, levels - 1)) : v;
  }
  return img;
}
