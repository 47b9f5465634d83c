/**
 * Loading third-party plugin modules named with `--plugin`: each runs in a
 * sandbox with the permissions the user grants and no others (see
 * `sandbox.ts`).
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import type { GlobalFlags } from "./args.ts";
import { toFileUrl, userPath } from "./paths.ts";
import { FilterError, type Registry } from "../mod.ts";
import { loadSandboxed, type SandboxOptions } from "./sandbox.ts";

/** A module specifier as given: a path (relative to `cwd`), or a `jsr:`, `npm:`, `file:` or `http(s):` URL. */
export function pluginSpecifier(spec: string, cwd: string): string {
  if (/^(jsr|npm|https?|file):/.test(spec)) return spec;
  return toFileUrl(isAbsolute(spec) ? spec : resolve(cwd, spec));
}

/** What `--plugin` modules are granted, paths resolved against the user's directory. */
export function pluginOptions(
  globals: Pick<GlobalFlags, "grants" | "replace">,
  cwd: string,
): SandboxOptions {
  const grants = { ...globals.grants };
  for (const k of ["read", "write"] as const) {
    const v = grants[k];
    if (Array.isArray(v)) grants[k] = v.map((p) => userPath(p, cwd));
  }
  return { grants, replace: globals.replace };
}

/**
 * Imports a module in a sandbox and registers a stand-in for every plugin
 * it exports (recognised by the brand, whatever copy of imfilter it was
 * written against). Returns the names registered.
 */
export async function loadPlugins(
  registry: Registry,
  spec: string,
  cwd: string,
  options: SandboxOptions = {},
): Promise<string[]> {
  const names = await loadSandboxed(registry, pluginSpecifier(spec, cwd), spec, options);
  if (names.length === 0) {
    throw new FilterError(
      "INVALID_PARAM",
      `plugin module ${spec} exports no imfilter plugin; export objects with [Symbol.for("imfilter.plugin")]: true`,
    );
  }
  return names;
}
