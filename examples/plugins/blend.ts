/**
 * An example plugin with an image-valued parameter: blend the input with
 * another image of the same size. On the command line the image is a path:
 *
 * ```sh
 * deno task imfilter blend a.png out.png --plugin examples/plugins/blend.ts --with b.png --weight 0.3
 * ```
 *
 * @module
 */

import type { FilterPlugin, Image } from "../../mod.ts";

/** Parameters of {@linkcode blend}. */
export interface BlendParams {
  /** The other image (same width, height and channels). */
  with: Image;
  /** Weight of the other image: out = (1 − weight)·input + weight·with. */
  weight: number;
}

/** Weighted average of the input and another image. */
export const blend: FilterPlugin<BlendParams> = {
  [Symbol.for("imfilter.plugin")]: true,
  apiVersion: 1,
  name: "blend",
  summary: "weighted average of the input and another image (example plugin)",
  params: {
    with: {
      type: "image",
      required: true,
      description: "the image to blend in",
      example: "other.png",
    },
    weight: {
      type: "number",
      default: 0.5,
      min: 0,
      max: 1,
      description: "weight of the other image",
    },
  },
  example: "a.png out.png --plugin examples/plugins/blend.ts --with b.png --weight 0.3",
  apply(image, { with: other, weight }, ctx): Image {
    if (
      other.width !== image.width || other.height !== image.height ||
      other.channels !== image.channels
    ) {
      throw new ctx.FilterError(
        "SIZE_MISMATCH",
        `blend: --with is ${other.width}x${other.height}x${other.channels}, the input ${image.width}x${image.height}x${image.channels}; they must match`,
      );
    }
    const out = new Float32Array(image.data.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = (1 - weight) * image.data[i] + weight * other.data[i];
    }
    return new ctx.Image(image.width, image.height, image.channels, out).toDtype(image.dtype);
  },
};
