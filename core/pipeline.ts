/**
 * Pipelines: several filters applied in turn, by name, without intermediate
 * files and without losing precision between steps.
 *
 * @module
 */

import { FilterError, show } from "./errors.ts";
import type { DType } from "./dtype.ts";
import type { Image } from "./image.ts";
import type { ParamSpec } from "./params.ts";
import {
  type FilterResult,
  type Registry,
  registry as defaultRegistry,
  type RunOptions,
} from "./registry.ts";

/** One step: a filter name and its params. */
export interface PipelineStep {
  /** The registered filter's name. */
  filter: string;
  /** Its params (library values or CLI strings). */
  params?: Record<string, unknown>;
}

/** Options of {@linkcode runPipeline}. */
export interface PipelineOptions extends Omit<RunOptions, "rows"> {
  /** The registry to resolve names in (default: the default registry). */
  registry?: Registry;
  /** The final dtype (default: the input's, unless the last step sets `dtype`). */
  dtype?: DType;
}

/** What a pipeline returns: the final image and every step's data, in order. */
export interface PipelineResult {
  /** The final image. */
  image: Image;
  /** Each step's result data (`undefined` for steps that make none). */
  data: (Record<string, unknown> | undefined)[];
}

/**
 * Runs filters in turn. Intermediate steps whose filter has a `dtype`
 * parameter produce float32 (unless the step sets `dtype` itself), so no
 * rounding happens between steps; the result is converted once, at the end,
 * to the input's dtype (or `options.dtype`, or the last step's own `dtype`).
 *
 * @example
 * ```ts
 * import { Image, runPipeline } from "@imfilter/imfilter";
 * const img = Image.fromRows([[0, 0, 2, 0, 0]], "u8");
 * const box = { kernel: "1/3,1/3,1/3", boundary: "constant" };
 * const { image } = await runPipeline(img, [
 *   { filter: "correlate", params: box },
 *   { filter: "correlate", params: box },
 * ]);
 * console.log(Array.from(image.data)); // [0, 0, 1, 0, 0] (rounding twice would give [0, 1, 1, 1, 0])
 * ```
 */
export async function runPipeline(
  image: Image,
  steps: readonly PipelineStep[],
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  const reg = options.registry ?? defaultRegistry;
  if (steps.length === 0) {
    throw new FilterError("INVALID_PARAM", "a pipeline needs at least one step");
  }
  const plugins = steps.map((s) => reg.get(s.filter));
  // One time limit for the whole pipeline: each step gets what is left of it.
  const deadline = options.timeout === undefined ? undefined : performance.now() + options.timeout;
  let current = image;
  const data: (Record<string, unknown> | undefined)[] = [];
  for (let i = 0; i < steps.length; i++) {
    const specs = plugins[i].params as Readonly<Record<string, ParamSpec>>;
    const params = { ...steps[i].params };
    const last = i === steps.length - 1;
    if (!last && Object.hasOwn(specs, "dtype") && params.dtype === undefined) params.dtype = "f32";
    let result: FilterResult;
    try {
      result = await reg.run(steps[i].filter, current, params, {
        progress: options.progress,
        signal: options.signal,
        timeout: deadline === undefined ? undefined : Math.max(0, deadline - performance.now()),
      });
    } catch (e) {
      if (e instanceof FilterError) {
        throw new FilterError(e.code, `pipeline step ${i + 1} (${steps[i].filter}): ${e.message}`, {
          cause: e,
        });
      }
      throw e;
    }
    data.push(result.data);
    if (!result.image) {
      if (last) {
        throw new FilterError(
          "INVALID_PARAM",
          `pipeline step ${i + 1} (${steps[i].filter}) makes no image`,
        );
      }
      throw new FilterError(
        "INVALID_PARAM",
        `pipeline step ${i + 1} (${
          show(steps[i].filter)
        }) makes data, not an image; only the last step may`,
      );
    }
    current = result.image;
  }
  const lastSetsDtype = steps[steps.length - 1].params?.dtype !== undefined;
  const target = options.dtype ?? (lastSetsDtype ? current.dtype : image.dtype);
  return { image: current.toDtype(target), data };
}
