// Helpers shared by tests: the bundled photograph and image quality.

import { type Image, readImage } from "../mod.ts";

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
