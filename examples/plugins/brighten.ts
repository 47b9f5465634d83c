/**
 * The README's "write a filter in 30 lines" example: multiply every sample by
 * a gain. It imports imfilter's types only, so it loads into any copy of
 * imfilter (`--plugin examples/plugins/brighten.ts`).
 *
 * @module
 */

import type { FilterPlugin, Image } from "../../mod.ts";

/** Parameters of {@linkcode brighten}. */
export interface BrightenParams {
  /** The multiplier. */
  gain: number;
}

/** Multiplies every sample by a gain (rounded and saturated for integer images). */
export const brighten: FilterPlugin<BrightenParams> = {
  [Symbol.for("imfilter.plugin")]: true,
  apiVersion: 1,
  name: "brighten",
  summary: "multiply every sample by a gain",
  params: {
    gain: { type: "number", default: 1.2, min: 0, max: 10, description: "the multiplier" },
  },
  linear: true,
  apply(image, { gain }, ctx): Image {
    const out = new Float32Array(image.data.length);
    for (let i = 0; i < out.length; i++) out[i] = image.data[i] * gain;
    return new ctx.Image(image.width, image.height, image.channels, out).toDtype(image.dtype);
  },
};
