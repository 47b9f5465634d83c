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

  /**
   * Makes an error with a code and a message, which is made one line of
   * bounded length here ({@linkcode oneLine}), whatever it was given: a
   * newline in a path or a plugin's message, or a 100,000-element list,
   * cannot break the one-line contract.
   */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(oneLine(message), options);
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

/** The longest message {@linkcode oneLine} returns, in characters. */
export const MAX_MESSAGE_LENGTH = 600;

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Makes text fit one line of an error report: control characters (a
 * newline in a path, a plugin's multi-line message) are escaped as `\n`,
 * `\t`, `\u001b`…, and text longer than {@linkcode MAX_MESSAGE_LENGTH} keeps
 * its start and its end (where the fix usually is) around a note of how
 * much was cut. Every {@linkcode FilterError} message goes through it, and
 * the CLI prints its own messages through it.
 *
 * @example
 * ```ts
 * import { oneLine } from "@imfilter/imfilter";
 * console.log(oneLine("bad\npath")); // "bad\\npath"
 * console.log(oneLine("x".repeat(10_000)).length <= 600); // true
 * ```
 */
export function oneLine(text: string): string {
  const flat = String(text).replace(
    CONTROL,
    (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  if (flat.length <= MAX_MESSAGE_LENGTH) return flat;
  const tail = 200, note = ` … [${flat.length} characters, cut] … `;
  const head = MAX_MESSAGE_LENGTH - tail - note.length;
  return flat.slice(0, head) + note + flat.slice(flat.length - tail);
}

/**
 * Joins the items of a list for a message, at most `max` of them, then how
 * many more there are — so a message naming a plugin's 500 parameters or
 * a file's 100,000 dimensions stays short.
 *
 * @example
 * ```ts
 * import { showList } from "@imfilter/imfilter";
 * console.log(showList([1, 2, 3, 4, 5], 3)); // "1, 2, 3 and 2 more"
 * ```
 */
export function showList(items: readonly unknown[], max = 12, separator = ", "): string {
  const shown = items.slice(0, max).map(String).join(separator);
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
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
