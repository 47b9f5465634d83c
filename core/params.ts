/**
 * Parameter specs: one declaration per parameter drives validation and
 * coercion in the library, flags and help in the CLI, and the docs.
 *
 * @module
 */

import { FilterError, show, showList } from "./errors.ts";
import { BOUNDARY_ALIASES, BOUNDARY_MODES, parseBoundary } from "./boundary.ts";
import { checkDtype } from "./dtype.ts";
import { asImage } from "./image.ts";
import { asKernel, Kernel } from "./kernel.ts";
import { parseKernel } from "./kernels.ts";

/** The kinds of parameter a filter can declare. */
export type ParamType =
  | "number"
  | "integer"
  | "boolean"
  | "string"
  | "enum"
  | "kernel"
  | "image"
  | "size"
  | "point"
  | "boundary"
  | "dtype";

/** Every {@linkcode ParamType}, for validation. */
export const PARAM_TYPES: readonly ParamType[] = [
  "number",
  "integer",
  "boolean",
  "string",
  "enum",
  "kernel",
  "image",
  "size",
  "point",
  "boundary",
  "dtype",
];

/**
 * One parameter's declaration.
 *
 * - `number`, `integer`: `min`/`max` bounds (`exclusiveMin` makes `min` strict),
 *   `odd` for integers that must be odd.
 * - `size`: an integer or `[width, height]` (CLI: `5` or `5x3`), with the same bounds.
 * - `enum`: `values` and optional `aliases`.
 * - `kernel`: a `Kernel`, rows of numbers, or a kernel string (name or rows);
 *   `max` bounds each side.
 * - `image`: an `Image` (the CLI reads it from a path).
 * - `point`: `{x, y}` or `[x, y]` (CLI: `x,y`).
 * - `boundary`, `dtype`: the shared boundary-mode and dtype vocabularies.
 */
export interface ParamSpec {
  /** The parameter's kind. */
  type: ParamType;
  /** One line for help and docs. */
  description: string;
  /** The value used when the parameter is absent (already in its coerced form). */
  default?: unknown;
  /** Whether the parameter must be given. */
  required?: boolean;
  /** Lower bound for numbers, integers and sizes. */
  min?: number;
  /** Whether `min` itself is excluded. */
  exclusiveMin?: boolean;
  /** Upper bound for numbers, integers and sizes. */
  max?: number;
  /** Integers and sizes must be odd. */
  odd?: boolean;
  /** Allowed values of an enum. */
  values?: readonly string[];
  /** Alternative names of enum values. */
  aliases?: Readonly<Record<string, string>>;
  /** An example value for help, as typed on the command line. */
  example?: string;
}

/** The specs of every parameter of a filter's params type `P`. */
export type ParamSpecs<P> = { readonly [K in keyof P]-?: ParamSpec };

/** A width/height pair, as `size` parameters resolve. */
export type Size = [width: number, height: number];

function fail(owner: string, name: string, message: string): never {
  throw new FilterError("INVALID_PARAM", `${owner}: ${name} ${message}`);
}

function bounds(spec: ParamSpec): string {
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`${spec.exclusiveMin ? ">" : ">="} ${spec.min}`);
  if (spec.max !== undefined) parts.push(`<= ${spec.max}`);
  return parts.join(" and ");
}

function checkNumber(
  owner: string,
  name: string,
  spec: ParamSpec,
  v: number,
  integer: boolean,
): number {
  const kind = integer ? (spec.odd ? "an odd integer" : "an integer") : "a finite number";
  const range = bounds(spec);
  const want = range ? `${kind} ${range}` : kind;
  if (
    !Number.isFinite(v) || (integer && !Number.isInteger(v)) ||
    (spec.odd && Math.abs(v % 2) !== 1) ||
    (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) ||
    (spec.max !== undefined && v > spec.max)
  ) {
    fail(owner, name, `must be ${want}, got ${show(v)}`);
  }
  return v;
}

function parseNumberText(owner: string, name: string, text: string, want: string): number {
  const t = text.trim();
  const v = t === "" ? NaN : Number(t);
  if (Number.isNaN(v)) fail(owner, name, `must be ${want}, got ${show(text)}`);
  return v;
}

/**
 * Coerces and validates one parameter value. Strings (as typed on the command
 * line) are parsed for every type; library values are checked as they are.
 *
 * @example
 * ```ts
 * import { coerceParam } from "@imfilter/imfilter";
 * console.log(coerceParam("demo", "size", { type: "size", description: "", odd: true }, "5x3"));
 * // [5, 3]
 * ```
 */
export function coerceParam(owner: string, name: string, spec: ParamSpec, value: unknown): unknown {
  switch (spec.type) {
    case "number":
    case "integer": {
      const integer = spec.type === "integer";
      const v = typeof value === "string"
        ? parseNumberText(owner, name, value, integer ? "an integer" : "a number")
        : value;
      if (typeof v !== "number") {
        fail(owner, name, `must be ${integer ? "an integer" : "a number"}, got ${show(value)}`);
      }
      return checkNumber(owner, name, spec, v, integer);
    }
    case "boolean": {
      if (typeof value === "boolean") return value;
      if (typeof value === "string") {
        const t = value.trim().toLowerCase();
        if (["true", "1", "yes", "on", ""].includes(t)) return true;
        if (["false", "0", "no", "off"].includes(t)) return false;
      }
      return fail(owner, name, `must be true or false, got ${show(value)}`);
    }
    case "string":
      if (typeof value !== "string") fail(owner, name, `must be a string, got ${show(value)}`);
      return value;
    case "enum": {
      const values = spec.values ?? [];
      if (typeof value === "string") {
        const t = value.trim();
        if (values.includes(t)) return t;
        const lower = t.toLowerCase();
        const hit = values.find((v) => v.toLowerCase() === lower) ??
          (spec.aliases && Object.hasOwn(spec.aliases, lower) ? spec.aliases[lower] : undefined);
        if (hit !== undefined) return hit;
      }
      const aliases = spec.aliases ? ` (aliases: ${showList(Object.keys(spec.aliases))})` : "";
      return fail(owner, name, `must be one of ${showList(values)}${aliases}, got ${show(value)}`);
    }
    case "boundary":
      try {
        return parseBoundary(value);
      } catch {
        return fail(
          owner,
          name,
          `must be one of ${BOUNDARY_MODES.join(", ")} (aliases: ${
            Object.keys(BOUNDARY_ALIASES).join(", ")
          }), got ${show(value)}`,
        );
      }
    case "dtype":
      try {
        return checkDtype(typeof value === "string" ? value.trim().toLowerCase() : value);
      } catch {
        return fail(owner, name, `must be one of u8, u16, f32, got ${show(value)}`);
      }
    case "kernel": {
      let k: Kernel;
      try {
        k = typeof value === "string" ? parseKernel(value) : asKernel(value);
      } catch (e) {
        if (e instanceof FilterError) fail(owner, name, `is invalid: ${e.message}`);
        throw e;
      }
      if (spec.max !== undefined && (k.width > spec.max || k.height > spec.max)) {
        fail(owner, name, `is ${k.width}x${k.height}; each side must be <= ${spec.max}`);
      }
      return k;
    }
    case "image":
      try {
        return asImage(value, name);
      } catch {
        return fail(owner, name, `must be an image, got ${show(value)}`);
      }
    case "size": {
      let pair: unknown[];
      if (typeof value === "string") {
        const parts = value.trim().split(/\s*[x,×]\s*/i);
        if (parts.length > 2) fail(owner, name, `must be N or WxH, got ${show(value)}`);
        pair = parts.map((p) => parseNumberText(owner, name, p, "an integer or WxH"));
      } else if (typeof value === "number") pair = [value];
      else if (Array.isArray(value) && value.length === 2) pair = value;
      else return fail(owner, name, `must be an integer or [width, height], got ${show(value)}`);
      const w = pair[0], h = pair.length === 2 ? pair[1] : pair[0];
      if (typeof w !== "number" || typeof h !== "number") {
        fail(owner, name, `must be an integer or [width, height], got ${show(value)}`);
      }
      return [
        checkNumber(owner, name, spec, w, true),
        checkNumber(owner, name, spec, h, true),
      ] as Size;
    }
    case "point": {
      let pair: unknown[] | undefined;
      if (typeof value === "string") {
        pair = value.trim().split(/\s*,\s*/).map((p) => parseNumberText(owner, name, p, "x,y"));
      } else if (Array.isArray(value)) pair = value;
      else if (typeof value === "object" && value !== null) {
        pair = [(value as { x?: unknown }).x, (value as { y?: unknown }).y];
      }
      if (
        !pair || pair.length !== 2 || !Number.isInteger(pair[0]) || !Number.isInteger(pair[1])
      ) {
        return fail(
          owner,
          name,
          `must be a point {x, y} of integers (CLI: x,y), got ${show(value)}`,
        );
      }
      return { x: pair[0] as number, y: pair[1] as number };
    }
  }
  return fail(owner, name, `has an unknown parameter type ${show(spec.type)}`);
}

/**
 * Refuses a value that a filter derives from its parameters (a window from
 * a sigma, a kernel size from two images' sizes, a count of unknowns) when
 * it exceeds the maximum that keeps one call bounded — derived values obey
 * the same limits as given ones. Throws `INVALID_PARAM`:
 * `<owner>: <what> is <value>, over the maximum <max>; <fix>`.
 *
 * @example
 * ```ts
 * import { checkDerived } from "@imfilter/imfilter";
 * checkDerived("demo", "the window (from sigma 3)", 19, 1001, "lower sigma"); // fine
 * ```
 */
export function checkDerived(
  owner: string,
  what: string,
  value: number,
  max: number,
  fix: string,
): void {
  if (value > max) {
    throw new FilterError(
      "INVALID_PARAM",
      `${owner}: ${what} is ${value}, over the maximum ${max}; ${fix}`,
    );
  }
}

/**
 * Validates a whole parameter object against specs: unknown names, missing
 * required parameters and bad values are `INVALID_PARAM` errors; absent
 * parameters take their defaults.
 *
 * @example
 * ```ts
 * import { resolveParams } from "@imfilter/imfilter";
 * const specs = { sigma: { type: "number", description: "", default: 1, min: 0, exclusiveMin: true } } as const;
 * console.log(resolveParams("demo", specs, {})); // { sigma: 1 }
 * ```
 */
export function resolveParams<P>(
  owner: string,
  specs: ParamSpecs<P>,
  input: Readonly<Record<string, unknown>> = {},
): P {
  const table = specs as Readonly<Record<string, ParamSpec>>;
  // Only own properties count, on both sides: a parameter named
  // `constructor` or `toString` must not read Object.prototype's.
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(table, key) && input[key] !== undefined) {
      const known = Object.keys(table);
      const near = known.find((k) => k.toLowerCase() === key.toLowerCase().replaceAll("-", ""));
      throw new FilterError(
        "INVALID_PARAM",
        `${owner}: unknown parameter ${show(key)}; ${
          near ? `did you mean ${show(near)}? ` : ""
        }known: ${showList(known) || "none"}`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const v = Object.hasOwn(input, name) ? input[name] : undefined;
    if (v === undefined) {
      if (spec.required) {
        throw new FilterError(
          "INVALID_PARAM",
          `${owner}: ${name} is required (${spec.description}); pass it${
            spec.example ? `, e.g. ${spec.example}` : ""
          }`,
        );
      }
      if (spec.default !== undefined) out[name] = spec.default;
      continue;
    }
    out[name] = coerceParam(owner, name, spec, v);
  }
  return out as P;
}

/**
 * Checks that a spec table is well formed (known types, sensible bounds,
 * defaults that pass their own validation); throws `INVALID_PARAM` naming the
 * filter and the parameter.
 *
 * @example
 * ```ts
 * import { checkParamSpecs } from "@imfilter/imfilter";
 * checkParamSpecs("demo", { sigma: { type: "number", default: 1, min: 0, description: "blur" } }); // fine
 * ```
 */
export function checkParamSpecs(owner: string, specs: unknown): void {
  if (typeof specs !== "object" || specs === null || Array.isArray(specs)) {
    throw new FilterError(
      "INVALID_PARAM",
      `filter ${show(owner)}: params must be an object of param specs`,
    );
  }
  for (const [name, spec] of Object.entries(specs as Record<string, ParamSpec>)) {
    const where = `filter ${show(owner)}, parameter ${show(name)}`;
    if (!/^[a-z][a-zA-Z0-9]*$/.test(name)) {
      throw new FilterError("INVALID_PARAM", `${where}: names must be camelCase identifiers`);
    }
    if (typeof spec !== "object" || spec === null || !PARAM_TYPES.includes(spec.type)) {
      throw new FilterError(
        "INVALID_PARAM",
        `${where}: type must be one of ${PARAM_TYPES.join(", ")}, got ${show(spec?.type)}`,
      );
    }
    if (typeof spec.description !== "string" || spec.description === "") {
      throw new FilterError("INVALID_PARAM", `${where}: needs a description`);
    }
    if (spec.type === "enum" && (!Array.isArray(spec.values) || spec.values.length === 0)) {
      throw new FilterError("INVALID_PARAM", `${where}: an enum needs a non-empty values list`);
    }
    if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
      throw new FilterError("INVALID_PARAM", `${where}: min ${spec.min} is above max ${spec.max}`);
    }
    if (spec.default !== undefined) {
      try {
        coerceParam(owner, name, spec, spec.default);
      } catch (e) {
        throw new FilterError(
          "INVALID_PARAM",
          `${where}: default ${show(spec.default)} fails its own spec (${(e as Error).message})`,
        );
      }
    }
  }
}

/**
 * The CLI flag of a parameter: camelCase becomes kebab-case (`sigmaColor` → `--sigma-color`).
 *
 * @example
 * ```ts
 * import { flagName } from "@imfilter/imfilter";
 * console.log(flagName("sigmaColor")); // "sigma-color"
 * ```
 */
export function flagName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/**
 * The parameter a CLI flag names (kebab or camel case), if any.
 *
 * @example
 * ```ts
 * import { paramForFlag } from "@imfilter/imfilter";
 * const specs = { sigmaColor: { type: "number", description: "colour sigma" } } as const;
 * console.log(paramForFlag(specs, "sigma-color")); // "sigmaColor"
 * ```
 */
export function paramForFlag(
  specs: Readonly<Record<string, ParamSpec>>,
  flag: string,
): string | undefined {
  const camel = flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return Object.hasOwn(specs, camel) ? camel : Object.hasOwn(specs, flag) ? flag : undefined;
}

/**
 * A short human description of what a spec accepts, for help.
 *
 * @example
 * ```ts
 * import { describeType } from "@imfilter/imfilter";
 * console.log(describeType({ type: "size", odd: true, description: "window" })); // "odd N or WxH"
 * ```
 */
export function describeType(spec: ParamSpec): string {
  switch (spec.type) {
    case "enum":
      return spec.values!.join("|");
    case "boundary":
      return BOUNDARY_MODES.join("|");
    case "dtype":
      return "u8|u16|f32";
    case "size":
      return `${spec.odd ? "odd " : ""}N or WxH`;
    case "point":
      return "x,y";
    case "kernel":
      return "rows|name|file";
    case "image":
      return "path";
    case "integer":
      return spec.odd ? "odd integer" : "integer";
    default:
      return spec.type;
  }
}

/**
 * A default value as it would be typed on the command line.
 *
 * @example
 * ```ts
 * import { formatDefault } from "@imfilter/imfilter";
 * console.log(formatDefault([5, 3])); // "5x3"
 * ```
 */
export function formatDefault(value: unknown): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) {
    return value.length === 2 && value[0] === value[1] ? String(value[0]) : value.join("x");
  }
  if (value instanceof Kernel) return value.toRows().map((r) => r.join(",")).join(";");
  if (typeof value === "object" && value !== null && "x" in value) {
    const pt = value as unknown as { x: number; y: number };
    return `${pt.x},${pt.y}`;
  }
  return String(value);
}
