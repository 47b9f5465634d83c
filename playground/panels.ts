/// <reference no-default-lib="true" />
/// <reference lib="esnext" />
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The side panels: the pipeline's steps, the filter list grouped by family
 * with summaries, the loaded plugins, and the data a filter returns besides
 * its image (template matches, an estimated kernel, anything else as JSON).
 *
 * @module
 */

import { type AnyPlugin, paramForFlag, type ParamSpec, registry } from "../mod.ts";
import { h } from "./dom.ts";
import { kernelGrid } from "./kernel_editor.ts";
import type { Box } from "./view.ts";
import type { Step } from "./state.ts";

/** The families in the list, built-ins first in this order, then any others, then ungrouped. */
const FAMILY_ORDER = [
  "linear",
  "median",
  "bilateral",
  "nl-means",
  "match-template",
  "estimate-kernel",
  "deconvolve",
];

/** Plugins by family, in list order; plugins without a family go under "plugins". */
export function groupByFamily(plugins: readonly AnyPlugin[]): [string, AnyPlugin[]][] {
  const groups = new Map<string, AnyPlugin[]>();
  for (const p of plugins) {
    const f = p.family ?? "plugins";
    groups.set(f, [...(groups.get(f) ?? []), p]);
  }
  const rank = (f: string) => {
    const i = FAMILY_ORDER.indexOf(f);
    return i >= 0 ? i : f === "plugins" ? 1000 : 100;
  };
  return [...groups.entries()].sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1));
}

/** The filter list; `choose` gets the name clicked. */
export function filterList(
  current: string | undefined,
  choose: (name: string) => void,
): HTMLElement {
  const list = h("div", { class: "filter-list" });
  for (const [family, plugins] of groupByFamily(registry.list())) {
    const group = h("div", { class: "family", "data-family": family }, h("h4", { text: family }));
    for (const p of plugins) {
      group.append(h(
        "button",
        {
          type: "button",
          class: p.name === current ? "filter on" : "filter",
          "data-filter": p.name,
          onclick: () => choose(p.name),
        },
        h("b", { text: p.name }),
        h("span", { text: p.summary }),
      ));
    }
    list.append(group);
  }
  return list;
}

/** What the steps list can do. */
export interface StepsHost {
  /** Select a step. */
  select(index: number): void;
  /** Remove a step. */
  remove(index: number): void;
  /** Move a step up by one. */
  up(index: number): void;
  /** Add a step after the selected one. */
  add(): void;
}

/** The pipeline as a list of steps; `errors[i]` marks a step whose params are wrong. */
export function stepsList(
  steps: readonly Step[],
  selected: number,
  errors: readonly (string | undefined)[],
  host: StepsHost,
): HTMLElement {
  const list = h("ol", { class: "steps" });
  steps.forEach((s, i) => {
    list.append(h(
      "li",
      { class: i === selected ? "on" : undefined },
      h("button", {
        type: "button",
        class: errors[i] ? "step bad" : "step",
        title: errors[i] ?? `step ${i + 1}: ${s.filter}`,
        text: `${i + 1}. ${s.filter}${errors[i] ? " !" : ""}`,
        onclick: () => host.select(i),
      }),
      i > 0 &&
        h("button", {
          type: "button",
          class: "mini",
          text: "↑",
          title: "move up",
          onclick: () => host.up(i),
        }),
      h("button", {
        type: "button",
        class: "mini",
        text: "×",
        title: "remove",
        onclick: () => host.remove(i),
      }),
    ));
  });
  list.append(
    h(
      "li",
      {},
      h("button", {
        type: "button",
        class: "add",
        text: "+ add a step",
        onclick: () => host.add(),
      }),
    ),
  );
  return list;
}

/**
 * Starting values for a filter picked in the list: the values of its help
 * example (`plugin.example`, as typed on the CLI) that are not file names.
 */
export function examplePrefill(plugin: AnyPlugin): Record<string, string> {
  const specs = plugin.params as Readonly<Record<string, ParamSpec>>;
  const out: Record<string, string> = {};
  const tokens = [...(plugin.example ?? "").matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)]
    .map((m) => m[1] ?? m[2] ?? m[3]);
  for (let i = 0; i < tokens.length; i++) {
    if (!tokens[i].startsWith("--")) continue;
    const name = paramForFlag(specs, tokens[i].slice(2));
    if (!name) continue;
    const next = tokens[i + 1];
    if (specs[name].type === "boolean" && (next === undefined || next.startsWith("--"))) {
      out[name] = "true";
    } else if (next !== undefined && !/\.(png|jpe?g|npy|json|tiff?|gif|webp|avif)$/i.test(next)) {
      out[name] = next;
      i++;
    }
  }
  return out;
}

/** A filter's result data, drawn: matches as a table (and boxes), a kernel as a grid, else JSON. */
export function dataPanel(
  filter: string,
  data: unknown,
  template?: { width: number; height: number },
): { element?: HTMLElement; boxes: Box[] } {
  if (data === undefined || data === null) return { boxes: [] };
  const d = data as Record<string, unknown>;
  const box = h("div", { class: "data-result" }, h("h4", { text: `${filter} data` }));
  const boxes: Box[] = [];
  const matches = Array.isArray(d.matches)
    ? d.matches as { x: number; y: number; score: number }[]
    : undefined;
  if (matches && template) {
    const table = h(
      "table",
      { class: "matches" },
      h("tr", {}, h("th", { text: "#" }), h("th", { text: "x, y" }), h("th", { text: "score" })),
    );
    matches.slice(0, 50).forEach((m, i) => {
      boxes.push({
        x: m.x,
        y: m.y,
        width: template.width,
        height: template.height,
        label: String(i + 1),
        best: i === 0,
      });
      table.append(
        h(
          "tr",
          {},
          h("td", { text: String(i + 1) }),
          h("td", { text: `${m.x}, ${m.y}` }),
          h("td", { text: m.score.toPrecision(4) }),
        ),
      );
    });
    box.append(table);
  }
  if (Array.isArray(d.kernel) && Array.isArray(d.kernel[0])) {
    const rows = d.kernel as number[][];
    box.append(
      kernelGrid(rows[0].length, rows.length, rows.flat(), {
        heat: true,
        caption: "estimated kernel",
      }),
    );
  }
  const rest = Object.fromEntries(
    Object.entries(d).filter(([k]) => k !== "kernel" && k !== "matches"),
  );
  const json = JSON.stringify(
    rest,
    (_, v) => typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v,
  );
  if (json !== "{}") {
    box.append(
      h("pre", { class: "json", text: json.length > 4000 ? json.slice(0, 4000) + "…" : json }),
    );
  }
  return { element: box, boxes };
}
