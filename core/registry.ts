/**
 * The plugin interface and the registry that resolves filters by name.
 *
 * Plugins are recognised structurally — by the `Symbol.for("imfilter.plugin")`
 * brand and an `apiVersion` — never by `instanceof`, so a plugin written
 * against another copy of imfilter (JSR, a checkout) loads into this one.
 *
 * @module
 */

import { FilterError, isFilterError, show, showList } from "./errors.ts";
import {
  abortCheck,
  isAbortError,
  raceAbort,
  stopSignal,
  type StopWhen,
  withAbortCheck,
} from "./abort.ts";
import { asImage, Image, isImageLike } from "./image.ts";
import { Kernel } from "./kernel.ts";
import type { PixelArray } from "./dtype.ts";
import { checkParamSpecs, type ParamSpecs, resolveParams } from "./params.ts";

/** The brand every plugin object carries: `[Symbol.for("imfilter.plugin")]: true`. */
export const PLUGIN_BRAND: unique symbol = Symbol.for("imfilter.plugin") as never;

/** The plugin API version this copy of imfilter implements. */
export const API_VERSION = 1;

/** What a filter returns besides (or instead of) an image: JSON-able data. */
export interface FilterResult {
  /** The output image, when the filter makes one. */
  image?: Image;
  /** Extra results (match locations, an estimated kernel…), printed by the CLI with `--json`. */
  data?: Record<string, unknown>;
}

/** What `apply` may return: an image, or a {@linkcode FilterResult}. */
export type FilterOutput = Image | FilterResult;

/**
 * The part of a filter's output a caller wants: rows `[from, to)` only,
 * optionally written straight into caller memory. Parallel runners
 * (`applyParallel`) ask for it so each thread computes only the rows it
 * keeps of its stripe and stores them into the shared result, with no
 * copy and no fresh buffer of its own.
 *
 * Honouring it is optional: a plugin that does returns an image of
 * `to − from` rows (those rows of the full output, bit for bit), on `into`
 * when that fits; one that ignores it returns the whole output as usual.
 */
export interface OutputRows {
  /** First output row wanted. */
  readonly from: number;
  /** One past the last output row wanted. */
  readonly to: number;
  /**
   * Where to put them, if the output's dtype matches: `(to − from) · width ·
   * channels` samples, row-major. A plugin that writes elsewhere is copied
   * from.
   */
  readonly into?: PixelArray;
}

/** What a plugin's `apply` gets besides the image and params. */
export interface FilterContext {
  /** The name of the filter being applied. */
  readonly filter: string;
  /** The `Image` class of the running copy of imfilter (plugins import types only). */
  readonly Image: typeof Image;
  /** The `Kernel` class of the running copy of imfilter. */
  readonly Kernel: typeof Kernel;
  /** The `FilterError` class, for clear errors with a code. */
  readonly FilterError: typeof FilterError;
  /** Runs another registered filter by name and returns its image. */
  run(name: string, image: Image, params?: Record<string, unknown>): Promise<Image>;
  /** Reports progress from 0 to 1 (the CLI shows a bar for long runs). */
  progress(fraction: number): void;
  /**
   * Aborted when the run is cancelled or its time limit passes. An
   * asynchronous plugin should pass it on (or check it after each await); a
   * synchronous loop sees a time limit only through `checkAbort()`.
   */
  readonly signal?: AbortSignal;
  /** Only these output rows are wanted (see {@linkcode OutputRows}; honouring it is optional). */
  readonly rows?: OutputRows;
}

/**
 * A filter plugin. A module exports one or more of these; built-ins register
 * themselves when imported, third-party modules are registered by whoever
 * loads them (the CLI's `--plugin`, or {@linkcode registerFilter}).
 *
 * @example A plugin written with type-only imports
 * ```ts
 * import type { FilterPlugin } from "@imfilter/imfilter";
 * interface InvertParams { max: number }
 * export const invert: FilterPlugin<InvertParams> = {
 *   [Symbol.for("imfilter.plugin")]: true,
 *   apiVersion: 1,
 *   name: "invert",
 *   summary: "max - value, per sample",
 *   params: { max: { type: "number", default: 255, description: "the value that maps to 0" } },
 *   apply(image, { max }, ctx) {
 *     const out = ctx.Image.zeros(image.width, image.height, image.channels, image.dtype);
 *     for (let i = 0; i < out.data.length; i++) out.data[i] = max - image.data[i];
 *     return out;
 *   },
 * };
 * ```
 */
export interface FilterPlugin<P = Record<string, unknown>> {
  /** The brand: `[Symbol.for("imfilter.plugin")]: true`. */
  readonly [PLUGIN_BRAND]?: true;
  /** The plugin API version the plugin was written for. */
  readonly apiVersion: number;
  /** Unique kebab-case name: `"gaussian"`, `"match-template"`. */
  readonly name: string;
  /** One line, shown by `list`. */
  readonly summary: string;
  /**
   * The family it belongs to, kebab-case, for user interfaces that group
   * filters (the playground's list). Built-ins name their folder under
   * `filters/`: `"linear"`, `"median"`, `"nl-means"`… Absent: ungrouped.
   */
  readonly family?: string;
  /** The parameter specs: validation, CLI flags and help come from them. */
  readonly params: ParamSpecs<P>;
  /** Claims linear shift-invariance; the conformance checks verify it. */
  readonly linear?: boolean;
  /**
   * `"same"` (default): the output has the input's width, height and channels.
   * `"any"`: it may differ (valid/full modes, score maps, data-only results).
   */
  readonly shape?: "same" | "any";
  /** A CLI example, e.g. `"in.png out.png --sigma 2"`, shown by `help`. */
  readonly example?: string;
  /**
   * The cost model, one line, shown by `help`: how time and memory grow with
   * the image and the params, e.g. `"O(W·H·d²) time, O(W·d) memory"`.
   */
  readonly cost?: string;
  /**
   * Rows of context an output row needs above and below (e.g. a kernel's
   * radius), for filters whose output row depends only on input rows within
   * that distance; lets parallel runners (`applyParallel`) split an image
   * into stripes with identical results. `undefined` (or absent): not
   * stripeable for these params.
   */
  halo?(params: P, image: Image): number | undefined;
  /** Filters an image. Params arrive validated, with defaults filled in. */
  apply(image: Image, params: P, ctx: FilterContext): FilterOutput | Promise<FilterOutput>;
}

/** Any plugin, whatever its params type. */
// deno-lint-ignore no-explicit-any
export type AnyPlugin = FilterPlugin<any>;

/** Options of {@linkcode Registry.register}. */
export interface RegisterOptions {
  /** Replace a different plugin registered under the same name. */
  replace?: boolean;
}

/** Options of a filter run. */
export interface RunOptions extends StopWhen {
  /** Progress callback, 0 to 1. */
  progress?: (fraction: number) => void;
  /**
   * Stops the run when aborted: the built-in filters check it between rows
   * or iterations, and the run rejects with the signal's `reason` (see
   * `core/abort.ts`).
   */
  signal?: AbortSignal;
  /**
   * Stops the run after this many milliseconds, rejecting with a
   * `DOMException` named `"TimeoutError"`. Unlike `AbortSignal.timeout`,
   * whose timer cannot fire while a synchronous filter runs, this is read
   * from the clock between rows.
   */
  timeout?: number;
  /**
   * Only these rows of the output are wanted: the result is either the
   * whole output or just those rows (its height says which).
   */
  rows?: OutputRows;
}

/** Plugin names and families: kebab-case. */
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * The built-in plugins (see {@linkcode registerBuiltin}): trusted not to
 * change their input, so the registry hands them the caller's image as is.
 */
const BUILTINS = new WeakSet<AnyPlugin>();

/**
 * Registers one of imfilter's own filters in the default registry and
 * marks it as built-in: it gets the caller's images without a copy (each
 * is tested never to change them). Any other plugin gets copies
 * ({@linkcode Registry.run}). For the filter modules of this package only.
 */
export function registerBuiltin(plugin: AnyPlugin): void {
  BUILTINS.add(plugin);
  registry.register(plugin);
}

/** Whether a plugin is one of imfilter's own (registered with {@linkcode registerBuiltin}). */
export function isBuiltin(plugin: AnyPlugin): boolean {
  return BUILTINS.has(plugin);
}

/**
 * What a third-party plugin gets instead of the caller's values: a copy of
 * every image (the input and image-valued params) and kernel, so nothing it
 * does can change the caller's pixels.
 */
function copyForPlugin<T>(value: T): T {
  if (value instanceof Image) return value.clone() as T;
  if (value instanceof Kernel) {
    return new Kernel(value.width, value.height, value.data.slice(), value.anchor) as T;
  }
  return value;
}

/**
 * Checks that a value is a usable plugin (brand, API version, name, summary,
 * param specs, `apply`); throws a `FilterError` naming the plugin otherwise.
 *
 * @example
 * ```ts
 * import { checkPlugin, correlatePlugin } from "@imfilter/imfilter";
 * console.log(checkPlugin(correlatePlugin).name); // "correlate"
 * ```
 */
export function checkPlugin(value: unknown, source = "plugin"): AnyPlugin {
  if (typeof value !== "object" || value === null) {
    throw new FilterError(
      "INVALID_PARAM",
      `${source} is ${show(value)}, not a filter plugin object`,
    );
  }
  const p = value as Record<PropertyKey, unknown>;
  const name = typeof p.name === "string" ? p.name : "(unnamed)";
  const label = `${source} ${show(name)}`;
  if (p[PLUGIN_BRAND] !== true) {
    throw new FilterError(
      "INVALID_PARAM",
      `${label} lacks the brand [Symbol.for("imfilter.plugin")]: true; add it to the plugin object`,
    );
  }
  if (p.apiVersion !== API_VERSION) {
    throw new FilterError(
      "INVALID_PARAM",
      `${label} was written for plugin API version ${
        show(p.apiVersion)
      }, but this imfilter implements version ${API_VERSION}; update the plugin or imfilter`,
    );
  }
  if (!KEBAB.test(name)) {
    throw new FilterError("INVALID_PARAM", `${label}: name must be kebab-case, like "my-filter"`);
  }
  if (typeof p.summary !== "string" || p.summary.trim() === "" || p.summary.includes("\n")) {
    throw new FilterError("INVALID_PARAM", `${label}: summary must be one non-empty line`);
  }
  if (p.family !== undefined && !(typeof p.family === "string" && KEBAB.test(p.family))) {
    throw new FilterError(
      "INVALID_PARAM",
      `${label}: family must be kebab-case, like "linear", got ${show(p.family)}`,
    );
  }
  if (typeof p.apply !== "function") {
    throw new FilterError("INVALID_PARAM", `${label}: apply must be a function`);
  }
  if (p.cost !== undefined && (typeof p.cost !== "string" || p.cost.includes("\n"))) {
    throw new FilterError("INVALID_PARAM", `${label}: cost must be one line of text`);
  }
  if (p.shape !== undefined && p.shape !== "same" && p.shape !== "any") {
    throw new FilterError(
      "INVALID_PARAM",
      `${label}: shape must be "same" or "any", got ${show(p.shape)}`,
    );
  }
  checkParamSpecs(name, p.params);
  return value as AnyPlugin;
}

/**
 * Tells whether a value carries the plugin brand (any API version).
 *
 * @example
 * ```ts
 * import { isBranded } from "@imfilter/imfilter";
 * console.log(isBranded({ [Symbol.for("imfilter.plugin")]: true }), isBranded({})); // true false
 * ```
 */
export function isBranded(value: unknown): boolean {
  return typeof value === "object" && value !== null &&
    (value as Record<PropertyKey, unknown>)[PLUGIN_BRAND] === true;
}

/**
 * A set of filters by name. `createRegistry()` makes an isolated one; the
 * default {@linkcode registry} holds the built-ins.
 *
 * @example
 * ```ts
 * import { createRegistry, correlatePlugin } from "@imfilter/imfilter";
 * const reg = createRegistry([correlatePlugin]);
 * console.log(reg.names()); // ["correlate"]
 * ```
 */
export class Registry {
  #plugins = new Map<string, AnyPlugin>();

  /**
   * Adds a plugin. The same object twice is a no-op; another plugin under a
   * taken name is a `DUPLICATE_FILTER` error unless `{ replace: true }`.
   */
  register(plugin: AnyPlugin, options: RegisterOptions = {}): void {
    const p = checkPlugin(plugin);
    const taken = this.#plugins.get(p.name);
    if (taken === p) return;
    if (taken && !options.replace) {
      throw new FilterError(
        "DUPLICATE_FILTER",
        `a different filter named ${
          show(p.name)
        } is already registered; rename yours or register it with { replace: true }`,
      );
    }
    this.#plugins.set(p.name, p);
  }

  /** Removes a filter; returns whether it was there. */
  unregister(name: string): boolean {
    return this.#plugins.delete(name);
  }

  /** Whether a filter of that name is registered. */
  has(name: string): boolean {
    return this.#plugins.has(name);
  }

  /** The plugin of a name; `UNKNOWN_FILTER` (with near names) when there is none. */
  get(name: string): AnyPlugin {
    const p = this.#plugins.get(name);
    if (p) return p;
    const names = this.names();
    const near = names.filter((n) =>
      n.includes(name) || name.includes(n) || editDistance(n, name) <= 2
    );
    throw new FilterError(
      "UNKNOWN_FILTER",
      `no filter named ${show(name)}; ${
        near.length ? `did you mean ${showList(near, 5, " or ")}? ` : ""
      }run "list" to see all ${names.length}`,
    );
  }

  /** The registered names, sorted. */
  names(): string[] {
    return [...this.#plugins.keys()].sort();
  }

  /** The registered plugins, sorted by name (stable whatever the import order). */
  list(): AnyPlugin[] {
    return this.names().map((n) => this.#plugins.get(n)!);
  }

  /** Runs a filter by name: validates params, applies it, checks its output. */
  async run(
    name: string,
    image: Image,
    params: Readonly<Record<string, unknown>> = {},
    options: RunOptions = {},
  ): Promise<FilterResult> {
    const plugin = this.get(name);
    const builtin = BUILTINS.has(plugin);
    // A plugin of ours reads the caller's image in place; anyone else's gets copies.
    const caller = asImage(image);
    const input = builtin ? caller : copyForPlugin(caller);
    let resolved = resolveParams<Record<string, unknown>>(plugin.name, plugin.params, params);
    if (!builtin) {
      resolved = Object.fromEntries(
        Object.entries(resolved).map(([k, v]) => [k, copyForPlugin(v)]),
      );
    }
    const rows = options.rows;
    if (
      rows &&
      !(Number.isInteger(rows.from) && Number.isInteger(rows.to) && rows.from >= 0 &&
        rows.from < rows.to && rows.to <= input.height)
    ) {
      throw new FilterError(
        "INVALID_PARAM",
        `output rows ${show(rows.from)}..${
          show(rows.to)
        } are not a row range of a ${input.height}-row image; give integers 0 ≤ from < to ≤ height`,
      );
    }
    const check = abortCheck(options);
    const deadline = options.timeout === undefined
      ? undefined
      : performance.now() + options.timeout;
    const stop = stopSignal(options);
    let out: FilterOutput;
    try {
      const ctx = this.#context(plugin, options, stop.signal, deadline);
      out = await raceAbort(
        Promise.resolve(withAbortCheck(check, () => plugin.apply(input, resolved, ctx))),
        stop.signal,
      );
    } catch (e) {
      throw isAbortError(e) ? e : wrapPluginError(plugin, e, builtin);
    } finally {
      stop.dispose();
    }
    return checkOutput(plugin, caller, out, rows);
  }

  /**
   * Runs a filter by name and returns its image (an error if it makes none).
   * `options` as {@linkcode Registry.run} (a signal, a time limit, progress).
   */
  async apply(
    name: string,
    image: Image,
    params: Readonly<Record<string, unknown>> = {},
    options: Omit<RunOptions, "rows"> = {},
  ): Promise<Image> {
    const result = await this.run(name, image, params, options);
    return requireImage(this.get(name), result);
  }

  #context(
    plugin: AnyPlugin,
    options: RunOptions,
    signal?: AbortSignal,
    deadline?: number,
  ): FilterContext {
    return {
      filter: plugin.name,
      Image,
      Kernel,
      FilterError,
      // A filter run from inside this one stops with it.
      run: (name, image, params) =>
        this.apply(name, image, params, {
          signal,
          timeout: deadline === undefined ? undefined : Math.max(0, deadline - performance.now()),
        }),
      progress: (f) => options.progress?.(Math.min(1, Math.max(0, f))),
      signal,
      rows: options.rows,
    };
  }

  /** @internal the context for synchronous runs of built-ins. */
  contextFor(plugin: AnyPlugin): FilterContext {
    return this.#context(plugin, {});
  }
}

/**
 * The error a plugin's failure becomes: a `FilterError` (its code kept) that
 * names the plugin — a third-party plugin's own messages are prefixed with
 * its name unless they start with it.
 */
function wrapPluginError(plugin: AnyPlugin, e: unknown, builtin: boolean): Error {
  if (isFilterError(e)) {
    const named = builtin || e.message.startsWith(plugin.name) ||
      e.message.startsWith(`filter ${show(plugin.name)}`);
    return named && e instanceof FilterError
      ? e
      : new FilterError(e.code, named ? e.message : `filter ${show(plugin.name)}: ${e.message}`, {
        cause: e,
      });
  }
  return new FilterError(
    "INVALID_PARAM",
    `filter ${show(plugin.name)} failed: ${e instanceof Error ? e.message : String(e)}`,
    { cause: e },
  );
}

function checkOutput(
  plugin: AnyPlugin,
  input: Image,
  out: unknown,
  rows?: OutputRows,
): FilterResult {
  let result: FilterResult;
  if (isImageLike(out)) result = { image: asImage(out) };
  else if (typeof out === "object" && out !== null && !Array.isArray(out)) {
    const o = out as FilterResult;
    result = { data: o.data };
    if (o.image !== undefined) {
      if (!isImageLike(o.image)) {
        throw new FilterError(
          "INVALID_PARAM",
          `filter ${show(plugin.name)} returned an invalid image`,
        );
      }
      result.image = asImage(o.image);
    }
    if (result.image === undefined && result.data === undefined) {
      throw new FilterError(
        "INVALID_PARAM",
        `filter ${show(plugin.name)} returned neither an image nor data`,
      );
    }
  } else {
    throw new FilterError(
      "INVALID_PARAM",
      `filter ${show(plugin.name)} returned ${
        show(out)
      }; apply must return an Image or { image, data }`,
    );
  }
  const img = result.image;
  if (img && (plugin.shape ?? "same") === "same") {
    const height = img.height === input.height || !rows ? input.height : rows.to - rows.from;
    if (img.width !== input.width || img.height !== height || img.channels !== input.channels) {
      throw new FilterError(
        "SIZE_MISMATCH",
        `filter ${
          show(plugin.name)
        } returned ${img.width}x${img.height}x${img.channels} for a ${input.width}x${input.height}x${input.channels} input; it must keep the shape (or declare shape: "any")`,
      );
    }
  }
  // The result never shares memory with the caller's image (a filter that
  // had nothing to do may hand back its input): a copy keeps the two apart.
  if (img && img.data.buffer === input.data.buffer) result.image = img.clone();
  return result;
}

function requireImage(plugin: AnyPlugin, result: FilterResult): Image {
  if (!result.image) {
    throw new FilterError(
      "INVALID_PARAM",
      `filter ${show(plugin.name)} produces data, not an image; use registry.run() to get it`,
    );
  }
  return result.image;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/**
 * Makes an isolated registry holding exactly the given plugins.
 *
 * @example
 * ```ts
 * import { createRegistry } from "@imfilter/imfilter";
 * console.log(createRegistry().names()); // []
 * ```
 */
export function createRegistry(plugins: readonly AnyPlugin[] = []): Registry {
  const r = new Registry();
  for (const p of plugins) r.register(p);
  return r;
}

/** The default registry: every built-in filter registers itself here when imported. */
export const registry: Registry = new Registry();

/**
 * Registers a plugin in the default registry (see {@linkcode Registry.register}).
 *
 * @example
 * ```ts
 * import { registerFilter, registry, correlatePlugin } from "@imfilter/imfilter";
 * registerFilter(correlatePlugin); // already there: a no-op
 * console.log(registry.has("correlate")); // true
 * ```
 */
export function registerFilter(plugin: AnyPlugin, options: RegisterOptions = {}): void {
  registry.register(plugin, options);
}

/**
 * Applies a filter of the default registry by name and returns its image.
 * `options.signal` and `options.timeout` stop it (see {@linkcode RunOptions}).
 *
 * @example
 * ```ts
 * import { applyFilter, Image } from "@imfilter/imfilter";
 * const out = await applyFilter("correlate", Image.zeros(4, 4, 1, "f32"), { kernel: "1,1;1,1" });
 * console.log(out.width); // 4
 * ```
 *
 * @example A time limit
 * ```ts
 * import { applyFilter, Image } from "@imfilter/imfilter";
 * const big = Image.zeros(512, 512, 1, "u8");
 * await applyFilter("nl-means", big, { searchSize: 201 }, { timeout: 50 })
 *   .catch((e) => console.log(e.name)); // "TimeoutError"
 * ```
 */
export function applyFilter(
  name: string,
  image: Image,
  params: Readonly<Record<string, unknown>> = {},
  options: Omit<RunOptions, "rows"> = {},
): Promise<Image> {
  return registry.apply(name, image, params, options);
}

/**
 * Runs a built-in plugin synchronously with library options: the typed
 * library functions (`convolve`, `gaussian`…) are thin wrappers over this,
 * so they validate exactly as the CLI does.
 */
export function runSync(
  plugin: AnyPlugin,
  image: Image,
  params: Readonly<Record<string, unknown>>,
): FilterResult {
  const input = asImage(image);
  const resolved = resolveParams(plugin.name, plugin.params, params);
  const out = plugin.apply(input, resolved, registry.contextFor(plugin));
  if (out instanceof Promise) {
    throw new FilterError(
      "INVALID_PARAM",
      `filter ${show(plugin.name)} is asynchronous; use applyFilter()`,
    );
  }
  return checkOutput(plugin, input, out);
}

/** {@linkcode runSync} returning the image. */
export function runSyncImage(
  plugin: AnyPlugin,
  image: Image,
  params: Readonly<Record<string, unknown>>,
): Image {
  return requireImage(plugin, runSync(plugin, image, params));
}
