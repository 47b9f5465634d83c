/**
 * Turning decoded pixels upright by their EXIF orientation, for the formats
 * whose decoder does not do it while decoding (PNG's eXIf, WebP's EXIF
 * chunk): what Pillow's `ImageOps.exif_transpose` does. The JPEG decoder
 * writes its blocks upright itself and never needs this.
 *
 * @module
 */

import { Image } from "../core/image.ts";

/**
 * The image as EXIF orientation `orientation` (1–8) says to show it: 2 mirror
 * left–right, 3 turn 180°, 4 mirror top–bottom, 5 transpose, 6 turn 90°
 * clockwise, 7 transverse, 8 turn 90° anticlockwise (5–8 swap width and
 * height). Orientation 1, or anything outside 1–8, is the image itself;
 * otherwise a new image of the same dtype.
 */
export function orient(image: Image, orientation: number): Image {
  if (!Number.isInteger(orientation) || orientation < 2 || orientation > 8) return image;
  const { width: w, height: h, channels: c } = image;
  const swap = orientation >= 5;
  const ow = swap ? h : w, oh = swap ? w : h;
  // Source (x, y) of output (x', y') = (x0 + xx·x' + xy·y', y0 + yx·x' + yy·y').
  const [x0, xx, xy, y0, yx, yy] = {
    2: [w - 1, -1, 0, 0, 0, 1],
    3: [w - 1, -1, 0, h - 1, 0, -1],
    4: [0, 1, 0, h - 1, 0, -1],
    5: [0, 0, 1, 0, 1, 0],
    6: [0, 0, 1, h - 1, -1, 0],
    7: [w - 1, 0, -1, h - 1, -1, 0],
    8: [w - 1, 0, -1, 0, 1, 0],
  }[orientation]!;
  const src = image.data;
  const out = new (src.constructor as { new (n: number): typeof src })(src.length);
  // Source index steps: along an output row, and from one output row to the next.
  const stepX = (xx + yx * w) * c, stepY = (xy + yy * w) * c;
  let rowStart = (x0 + y0 * w) * c, o = 0;
  for (let y = 0; y < oh; y++, rowStart += stepY) {
    let s = rowStart;
    if (c === 1) {
      for (let x = 0; x < ow; x++, s += stepX) out[o++] = src[s];
    } else {
      for (let x = 0; x < ow; x++, s += stepX) {
        for (let k = 0; k < c; k++) out[o++] = src[s + k];
      }
    }
  }
  return new Image(ow, oh, c, out);
}
