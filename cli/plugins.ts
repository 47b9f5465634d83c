/**
 * Loading third-party plugin modules named with `--plugin`.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { toFileUrl } from "./paths.ts";
import { checkPlugin, FilterError, isBranded, type Registry } from "../mod.ts";

/** A module specifier as given: a path (relative to `cwd`), or a `jsr:`, `npm:`, `file:` or `http(s):` URL. */
export function pluginSpecifier(spec: string, cwd: string): string {
  if (/^(jsr|npm|https?|file):/.test(spec)) return spec;
  return toFileUrl(isAbsolute(spec) ? spec : resolve(cwd, spec));
}

/**
 * Imports a module and registers every plugin it exports (recognised by the
 * brand, whatever copy of imfilter it was written against). Returns the
 * names registered.
 */
export async function loadPlugins(
  registry: Registry,
  spec: string,
  cwd: string,
): Promise<string[]> {
  const url = pluginSpecifier(spec, cwd);
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0];
    throw new FilterError("IO", `cannot load plugin module ${spec}: ${msg}`, { cause: e });
  }
  const names: string[] = [];
  for (const [exportName, value] of Object.entries(mod)) {
    if (!isBranded(value)) continue;
    const plugin = checkPlugin(value, `plugin ${exportName} of ${spec}`);
    registry.register(plugin);
    names.push(plugin.name);
  }
  if (names.length === 0) {
    throw new FilterError(
      "INVALID_PARAM",
      `plugin module ${spec} exports no imfilter plugin; export objects with [Symbol.for("imfilter.plugin")]: true`,
    );
  }
  return names;
}
