/**
 * The playground's state and its URL query. Pure: no DOM, no library call,
 * so the encoding is tested in Deno (`tests/playground_test.ts`).
 *
 * The query, in order:
 *
 * ```
 * ?image=<sample>&plugin=<url>&plugin=<url>&view=split&filter=<name>&<param>=<value>&…&filter=<name>&…
 * ```
 *
 * - Keys before the first `filter` are global: `image` (a sample's file stem such as
 *   `camera`, or an image URL), `plugin` (a plugin module URL, repeatable, loaded in
 *   order), `view` (`side`, the default, or `split`).
 * - Each `filter=<name>` starts a pipeline step; every other key after it, up to the
 *   next `filter`, is a parameter of that step by its spec name (camelCase, as in the
 *   library: `sigmaColor`), and its value is written as on the command line (`5x3`,
 *   `1,0,1;0,1,0;1,0,1`, `sobel-x`, `2,1`, `true`). Image-valued parameters take a
 *   sample stem or `crop:x,y,w,h`, a rectangle of the input image.
 * - No query at all is the default state ({@linkcode DEFAULT_QUERY}); a query without
 *   `filter` shows the image unfiltered.
 *
 * @module
 */

/** One pipeline step: a filter and the parameters set on it, as typed on the CLI. */
export interface Step {
  /** The registered filter's name. */
  filter: string;
  /** Parameter values by spec name, as strings (absent: the spec's default). */
  params: Record<string, string>;
}

/** How the input and the result are compared. */
export type ViewMode = "side" | "split";

/** Everything a link reproduces. */
export interface State {
  /** A sample's stem (`camera`), an image URL, or `file:<name>` for a local file. */
  image: string;
  /** Plugin module URLs, in load order. */
  plugins: string[];
  /** The pipeline, in order (empty: the image unfiltered). */
  steps: Step[];
  /** Side by side, or one image with a split slider. */
  view: ViewMode;
  /** Keys the query had that mean nothing here (reported, not fatal). */
  ignored: string[];
}

/** The state of an empty query: the cameraman through a Gaussian of sigma 2. */
export const DEFAULT_QUERY = "image=camera&filter=gaussian&sigma=2";

/** The global keys (before the first `filter`). */
export const GLOBAL_KEYS: readonly string[] = ["image", "plugin", "view"];

/** Parses a query string (with or without the leading `?`). */
export function parseQuery(search: string): State {
  let q = search.startsWith("?") ? search.slice(1) : search;
  if (q.trim() === "") q = DEFAULT_QUERY;
  const state: State = { image: "camera", plugins: [], steps: [], view: "side", ignored: [] };
  let step: Step | undefined;
  for (const [key, value] of new URLSearchParams(q)) {
    if (key === "filter") {
      step = { filter: value.trim(), params: {} };
      state.steps.push(step);
    } else if (step) step.params[key] = value;
    else if (key === "image") state.image = value.trim();
    else if (key === "plugin") {
      if (value.trim() !== "" && !state.plugins.includes(value.trim())) {
        state.plugins.push(value.trim());
      }
    } else if (key === "view" && (value === "side" || value === "split")) state.view = value;
    else state.ignored.push(key);
  }
  return state;
}

/** `encodeURIComponent`, keeping the characters kernels, sizes and URLs are written with. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/%(2C|3B|3A|2F)/g, (m) => decodeURIComponent(m));
}

/** The query of a state (without `?`), globals first, then each step in order. */
export function formatQuery(state: Omit<State, "ignored">): string {
  const parts = [`image=${encode(state.image)}`];
  for (const p of state.plugins) parts.push(`plugin=${encode(p)}`);
  if (state.view !== "side") parts.push(`view=${state.view}`);
  for (const s of state.steps) {
    parts.push(`filter=${encode(s.filter)}`);
    for (const [k, v] of Object.entries(s.params)) parts.push(`${encode(k)}=${encode(v)}`);
  }
  return parts.join("&");
}

/** A rectangle of the input image, the value of an image parameter `crop:x,y,w,h`. */
export interface Crop {
  /** Left column. */
  x: number;
  /** Top row. */
  y: number;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/** The crop an image-parameter value names, or `undefined` when it names no crop. */
export function parseCrop(value: string): Crop | undefined {
  const m = /^crop:(\d+),(\d+),(\d+),(\d+)$/.exec(value.trim());
  if (!m) return undefined;
  const [x, y, width, height] = m.slice(1).map(Number);
  return { x, y, width, height };
}

/** The value of an image parameter for a crop. */
export function formatCrop(c: Crop): string {
  return `crop:${c.x},${c.y},${c.width},${c.height}`;
}

/** A deep copy (states are edited by copy, so the previous one stays intact). */
export function cloneState(state: State): State {
  return {
    image: state.image,
    plugins: [...state.plugins],
    steps: state.steps.map((s) => ({ filter: s.filter, params: { ...s.params } })),
    view: state.view,
    ignored: [...state.ignored],
  };
}
