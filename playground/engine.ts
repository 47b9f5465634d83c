/**
 * What the playground computes, as library calls: running a pipeline the way
 * the CLI does, the picture a result is drawn as, the bytes a download gets,
 * and the impulse response of a filter. No DOM: the worker runs it, and the
 * Deno tests run it to check that "copy as CLI command" and "copy as code"
 * produce the same bytes as the app.
 *
 * @module
 */

import {
  encodeImage,
  FilterError,
  Image,
  type ImageFormat,
  isFilterError,
  type PipelineStep,
  registry,
  type RunOptions,
  runPipeline,
} from "../mod.ts";

/** A result: the final image (if the last filter makes one) and each step's data. */
export interface RunOutput {
  /** The final image. */
  image?: Image;
  /** Each step's result data, in order (`undefined` where a step makes none). */
  data: (Record<string, unknown> | undefined)[];
}

/**
 * Runs the steps as `imfilter` does: one step through `registry.run` (the CLI's
 * `applyParallel` gives the same result on any number of threads), several
 * through `runPipeline` (the CLI's `pipe`: float32 between steps, one rounding
 * at the end).
 */
export async function runSteps(
  image: Image,
  steps: readonly PipelineStep[],
  options: Omit<RunOptions, "rows"> = {},
): Promise<RunOutput> {
  if (steps.length === 0) return { image, data: [] };
  if (steps.length === 1) {
    const r = await registry.run(steps[0].filter, image, steps[0].params ?? {}, options);
    return { image: r.image, data: [r.data] };
  }
  const r = await runPipeline(image, steps, options);
  return { image: r.image, data: r.data };
}

/**
 * The 8-bit picture of an image, as the playground draws it: u8 as it is,
 * u16 as `round(v / 257)`, f32 stretched from its min..max to 0..255
 * (`Image.stretchToU8`, the CLI's `--stretch`).
 */
export function viewImage(image: Image): Image {
  if (image.dtype === "u8") return image;
  if (image.dtype === "f32") return image.stretchToU8();
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(image.data[i] / 257);
  return new Image(image.width, image.height, image.channels, out);
}

/**
 * RGBA for a canvas from a u8 image: gray `g` → `(g, g, g, 255)`, gray+alpha
 * `(g, a)` → `(g, g, g, a)`, RGB → `(r, g, b, 255)`, RGBA as it is.
 */
export function toRGBA(image: Image): Uint8ClampedArray<ArrayBuffer> {
  const { width, height, channels } = image;
  const src = image.data, n = width * height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const s = i * channels, d = i * 4;
    if (channels <= 2) {
      out[d] = out[d + 1] = out[d + 2] = src[s];
      out[d + 3] = channels === 2 ? src[s + 1] : 255;
    } else {
      out[d] = src[s];
      out[d + 1] = src[s + 1];
      out[d + 2] = src[s + 2];
      out[d + 3] = channels === 4 ? src[s + 3] : 255;
    }
  }
  return out;
}

/** Encoded bytes of a download, and whether the CLI needs `--stretch` to write the same. */
export interface Download {
  /** The file's bytes. */
  bytes: Uint8Array;
  /** A float result went through `stretchToU8` because the format holds no floats. */
  stretched: boolean;
}

/**
 * Encodes a result for download as the CLI writes it: as it is when the
 * format holds its dtype, else, for float results, stretched to u8 (what the
 * CLI's `--stretch` writes). Other refusals are the library's errors.
 */
export async function encodeDownload(image: Image, format: ImageFormat): Promise<Download> {
  try {
    return { bytes: await encodeImage(image, format), stretched: false };
  } catch (e) {
    if (isFilterError(e) && e.code === "UNSUPPORTED_DTYPE" && image.dtype === "f32") {
      return { bytes: await encodeImage(image.stretchToU8(), format), stretched: true };
    }
    throw e;
  }
}

/** The response of a filter to a unit impulse. */
export interface Impulse {
  /** Side of the square response (odd). */
  size: number;
  /** The response, row-major, float32. */
  values: Float32Array;
  /** Whether the filter declares itself linear (only then is the response its kernel). */
  linear: boolean;
}

/**
 * Filters a `size`×`size` float delta image (1 at the centre) as
 * `imfilter impulse` does: float32 output, `boundary: "constant"` unless the
 * step sets one. For a linear filter the result is its kernel, flipped for
 * correlation-type filters.
 */
export async function impulseResponse(step: PipelineStep, size = 15): Promise<Impulse> {
  const plugin = registry.get(step.filter);
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
    throw new FilterError("INVALID_PARAM", `impulse extent ${size} must be an odd integer`);
  }
  const delta = Image.zeros(size, size, 1, "f32");
  delta.data[(size >> 1) * size + (size >> 1)] = 1;
  const params: Record<string, unknown> = { ...step.params };
  if ("dtype" in plugin.params && params.dtype === undefined) params.dtype = "f32";
  if ("boundary" in plugin.params && params.boundary === undefined) params.boundary = "constant";
  const { image } = await runPipeline(delta, [{ filter: plugin.name, params }], { dtype: "f32" });
  if (image.width !== size || image.height !== size || image.channels !== 1) {
    throw new FilterError(
      "SIZE_MISMATCH",
      `${plugin.name} returned ${image.width}x${image.height}x${image.channels} for a ${size}x${size} impulse; ` +
        `its response is not an image of the impulse's size (use mode same)`,
    );
  }
  return { size, values: Float32Array.from(image.data), linear: plugin.linear === true };
}
