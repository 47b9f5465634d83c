/**
 * An example third-party plugin: unsharp masking. It imports imfilter's
 * types only, so it loads into any copy of imfilter (JSR or a checkout):
 *
 * ```sh
 * deno task imfilter unsharp-mask in.png out.png --plugin examples/plugins/unsharp_mask.ts --amount 1.5
 * ```
 *
 * @module
 */

import type { FilterPlugin, Image } from "../../mod.ts";

/** Parameters of {@linkcode unsharpMask}. */
export interface UnsharpParams {
  /** Gaussian sigma of the blur that defines "detail". */
  sigma: number;
  /** How much detail to add back: out = I + amount·(I − blur(I)). */
  amount: number;
  /** Only sharpen where |I − blur(I)| exceeds this (in pixel units), to spare noise. */
  threshold: number;
}

function gaussianRow(sigma: number): number[] {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const w = Array.from(
    { length: 2 * r + 1 },
    (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)),
  );
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/** Unsharp masking: adds back `amount` times the detail removed by a Gaussian blur. */
export const unsharpMask: FilterPlugin<UnsharpParams> = {
  [Symbol.for("imfilter.plugin")]: true,
  apiVersion: 1,
  name: "unsharp-mask",
  summary: "sharpen by adding back the detail a Gaussian blur removes (example plugin)",
  params: {
    sigma: {
      type: "number",
      default: 2,
      min: 0,
      exclusiveMin: true,
      max: 100,
      description: "blur sigma in pixels",
    },
    amount: {
      type: "number",
      default: 1,
      min: 0,
      max: 20,
      description: "strength of the sharpening",
    },
    threshold: { type: "number", default: 0, min: 0, description: "minimum |detail| to sharpen" },
  },
  example: "in.png out.png --plugin examples/plugins/unsharp_mask.ts --sigma 1.5 --amount 2",
  async apply(image, { sigma, amount, threshold }, ctx): Promise<Image> {
    const row = gaussianRow(sigma);
    const f32 = { boundary: "reflect", dtype: "f32" };
    const h = await ctx.run("correlate", image, { ...f32, kernel: [row] });
    const blur = await ctx.run("correlate", h, { ...f32, kernel: row.map((v) => [v]) });
    const out = new Float32Array(image.data.length);
    for (let i = 0; i < out.length; i++) {
      const detail = image.data[i] - blur.data[i];
      out[i] = Math.abs(detail) > threshold ? image.data[i] + amount * detail : image.data[i];
    }
    return new ctx.Image(image.width, image.height, image.channels, out).toDtype(image.dtype);
  },
};
