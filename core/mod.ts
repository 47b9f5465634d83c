/**
 * The core of imfilter: images, kernels, boundary modes, errors, param specs
 * and the plugin registry. It knows no filter.
 *
 * @module
 */

// The public API. Helpers the filters share (dtype storage, plane plumbing,
// the direct engine, sync runners) are imported from their files directly.
export {
  ERROR_CODES,
  type ErrorCode,
  FilterError,
  isFilterError,
  MAX_MESSAGE_LENGTH,
  oneLine,
  showList,
} from "./errors.ts";
export { type DType, DTYPES, type PixelArray, type PixelInput, roundHalfEven } from "./dtype.ts";
export {
  checkFinite,
  checkImageBytes,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_PIXELS,
  Image,
  type ImageDataLike,
} from "./image.ts";
export { Kernel, type Point, SEPARABLE_TOLERANCE } from "./kernel.ts";
export * from "./kernels.ts";
export * from "./boundary.ts";
export * from "./params.ts";
export {
  type AnyPlugin,
  API_VERSION,
  applyFilter,
  checkPlugin,
  createRegistry,
  type FilterContext,
  type FilterOutput,
  type FilterPlugin,
  type FilterResult,
  isBranded,
  isBuiltin,
  type OutputRows,
  PLUGIN_BRAND,
  registerFilter,
  type RegisterOptions,
  Registry,
  registry,
  type RunOptions,
} from "./registry.ts";
export { type AlphaMode, mapPlanes, type MapPlanesOptions } from "./planes.ts";
export * from "./pipeline.ts";
export { checkAbort, isAbortError, type StopWhen, timeoutError } from "./abort.ts";
