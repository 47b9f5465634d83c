/**
 * The one error type imfilter throws, with a small fixed set of codes.
 *
 * @module
 */

/** Every code a {@linkcode FilterError} can carry. */
export const ERROR_CODES = [
  "INVALID_PARAM",
  "UNKNOWN_FILTER",
  "DUPLICATE_FILTER",
  "UNSUPPORTED_DTYPE",
  "SIZE_MISMATCH",
  "IMAGE_TOO_LARGE",
  "DECODE_FAILED",
  "IO",
] as const;

/** A machine-readable error category; see {@linkcode ERROR_CODES}. */
export type ErrorCode = typeof ERROR_CODES[number];

/**
 * The error every imfilter function throws for bad input. The message is one
 * line naming the parameter, the value and what is allowed.
 *
 * @example Catching an invalid parameter
 * ```ts
 * import { FilterError } from "@imfilter/imfilter";
 * try {
 *   throw new FilterError("INVALID_PARAM", "sigma must be > 0, got -1");
 * } catch (e) {
 *   if (e instanceof FilterError) console.log(e.code); // "INVALID_PARAM"
 * }
 * ```
 */
export class FilterError extends Error {
  /** The error category. */
  readonly code: ErrorCode;

  /** Makes an error with a code and a one-line message. */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FilterError";
    this.code = code;
  }
}

/**
 * Tells whether a value is a {@linkcode FilterError}, structurally (by name and
 * code), so errors from another copy of the library are recognised too.
 *
 * @example
 * ```ts
 * import { FilterError, isFilterError } from "@imfilter/imfilter";
 * console.log(isFilterError(new FilterError("IO", "x"))); // true
 * ```
 */
export function isFilterError(e: unknown): e is FilterError {
  return e instanceof Error && e.name === "FilterError" &&
    (ERROR_CODES as readonly string[]).includes((e as FilterError).code);
}

/** Formats a value for an error message: short, unambiguous. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) {
    return String(value);
  }
  if (Array.isArray(value)) {
    const s = JSON.stringify(value);
    return s.length > 60 ? s.slice(0, 57) + "..." : s;
  }
  const ctor = (value as object).constructor?.name;
  return ctor && ctor !== "Object" ? `a ${ctor}` : "an object";
}
