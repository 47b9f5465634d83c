/**
 * Third-party plugins by URL, in the page and in the worker alike: the module
 * is imported and every export carrying the plugin brand is checked and
 * registered in the default registry, as the CLI's `--plugin` does.
 *
 * A browser imports JavaScript only: a plugin written in TypeScript (like
 * `examples/plugins/brighten.ts`) is served compiled, e.g.
 * `esbuild brighten.ts --format=esm --outfile=brighten.js` (its imfilter
 * imports are type-only, so nothing else is needed). The playground's build
 * compiles the example plugins to `plugins/<name>.js`. A module on another
 * origin must be sent with CORS (`Access-Control-Allow-Origin`), since the
 * page is cross-origin isolated.
 *
 * @module
 */

import { checkPlugin, FilterError, isBranded, registry } from "../mod.ts";

/** What a plugin module gave: its exports' names and the filters they registered. */
export interface LoadedPlugin {
  /** The module URL, absolute. */
  url: string;
  /** Export names of the plugins in it. */
  exports: string[];
  /** The filter names they registered. */
  filters: string[];
}

const loaded = new Map<string, Promise<LoadedPlugin>>();

/** Imports a plugin module once and registers its plugins; errors are one-line `FilterError`s. */
export function loadPlugin(url: string): Promise<LoadedPlugin> {
  let p = loaded.get(url);
  if (!p) {
    p = importPlugin(url);
    loaded.set(url, p);
    p.catch(() => loaded.delete(url));
  }
  return p;
}

async function importPlugin(url: string): Promise<LoadedPlugin> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (e) {
    const why = String((e as Error)?.message ?? e).split("\n")[0];
    throw new FilterError(
      "IO",
      `cannot load plugin module ${url}: ${why} (a browser needs JavaScript, served with CORS from another origin)`,
    );
  }
  const exports: string[] = [], filters: string[] = [];
  for (const [name, value] of Object.entries(mod)) {
    if (!isBranded(value)) continue;
    const plugin = checkPlugin(value, `plugin ${name} of ${url}`);
    registry.register(plugin);
    exports.push(name);
    filters.push(plugin.name);
  }
  if (filters.length === 0) {
    throw new FilterError(
      "INVALID_PARAM",
      `plugin module ${url} exports no imfilter plugin; export objects with [Symbol.for("imfilter.plugin")]: true`,
    );
  }
  return { url, exports, filters };
}
