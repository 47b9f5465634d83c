/// <reference no-default-lib="true" />
/// <reference lib="esnext" />
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Kernels on screen: the editable grid of a kernel parameter (with the
 * library's named kernels as presets), and read-only grids (flipped kernel,
 * estimated kernel, impulse response) whose cells may be clickable.
 *
 * @module
 */

import { type Kernel, listKernels, parseKernel } from "../mod.ts";
import { h, shortFloat32 } from "./dom.ts";

/** Sizes offered for the sized named kernels (`box-N`, `gaussian-N`). */
const PRESET_SIZES = [3, 5, 7, 9, 15];

/** The preset names: every catalogue kernel, sized ones at a few sizes. */
export function kernelPresets(): { name: string; description: string }[] {
  return listKernels().flatMap((k) =>
    k.sized
      ? PRESET_SIZES.map((n) => ({ name: `${k.name}-${n}`, description: k.description }))
      : [{ name: k.name, description: k.description }]
  );
}

/** A kernel's rows as a CLI kernel string, each value as short as float32 allows. */
export function kernelText(rows: readonly (readonly number[])[]): string {
  return rows.map((r) => r.map(shortFloat32).join(",")).join(";");
}

/** Parses a kernel value, or `undefined` when the library refuses it. */
export function tryKernel(text: string): Kernel | undefined {
  try {
    return parseKernel(text);
  } catch {
    return undefined;
  }
}

/** A cell's number: 3 significant digits, small ones as `9.7e-7`, zero as `0`. */
export function cellText(v: number): string {
  if (v === 0 || Math.abs(v) < 1e-12) return "0";
  if (Math.abs(v) < 1e-3) return v.toExponential(1).replace("e-", "e−");
  return shortFloat32(Number(v.toPrecision(3)));
}

/** Options of {@linkcode kernelGrid}. */
export interface GridOptions {
  /** The highlighted cell (the anchor). */
  anchor?: { x: number; y: number };
  /** Called with a cell clicked (makes cells buttons). */
  onCell?: (x: number, y: number) => void;
  /** Colour cells by value (blue negative, red positive). */
  heat?: boolean;
  /** A caption above the grid. */
  caption?: string;
}

/** A read-only grid of numbers (values row-major). */
export function kernelGrid(
  width: number,
  height: number,
  values: ArrayLike<number>,
  options: GridOptions = {},
): HTMLElement {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  const table = h("table", { class: width > 9 ? "kgrid dense" : "kgrid" });
  if (options.caption) table.append(h("caption", { text: options.caption }));
  for (let y = 0; y < height; y++) {
    const tr = h("tr");
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x];
      const text = cellText(v);
      const isAnchor = options.anchor?.x === x && options.anchor?.y === y;
      const cell = options.onCell
        ? h("button", {
          type: "button",
          text,
          title: `(${x}, ${y}) = ${v}: click to make it the anchor`,
          onclick: () => options.onCell!(x, y),
        })
        : h("span", { text, title: `(${x}, ${y}) = ${v}` });
      const td = h("td", { class: isAnchor ? "anchor" : undefined }, cell);
      if (options.heat && max > 0) {
        const a = Math.min(1, Math.abs(v) / max) * 0.6;
        td.style.background = v >= 0 ? `rgba(220,60,40,${a})` : `rgba(40,90,220,${a})`;
      }
      tr.append(td);
    }
    table.append(tr);
  }
  return table;
}

/** The editable kernel field: text (CLI syntax), presets, and a grid of cells. */
export function kernelEditor(
  value: string | undefined,
  onChange: (value: string | undefined) => void,
): HTMLElement {
  const box = h("div", { class: "kernel-editor" });
  const text = h("input", {
    type: "text",
    class: "kernel-text",
    value: value ?? "",
    placeholder: "rows 1,0,1;0,1,0 or a name",
    spellcheck: "false",
    "aria-label": "kernel",
  });
  const presets = h("select", { class: "kernel-presets", "aria-label": "kernel presets" });
  presets.append(h("option", { value: "", text: "presets…" }));
  for (const p of kernelPresets()) {
    presets.append(h("option", { value: p.name, text: p.name, title: p.description }));
  }
  const grid = h("div", { class: "kernel-cells" });
  const emit = (v: string | undefined) => {
    onChange(v);
    draw(v);
  };
  const draw = (v: string | undefined) => {
    grid.replaceChildren();
    const k = v === undefined || v.trim() === "" ? undefined : tryKernel(v);
    if (!k) return;
    const rows = k.toRows();
    if (k.width * k.height > 225) {
      grid.append(
        h("p", { class: "hint", text: `${k.width}×${k.height}: too large to edit here` }),
      );
      return;
    }
    const cells = rows.map((r) => r.map(shortFloat32));
    const table = h("table", { class: "kgrid editable" });
    rows.forEach((r, y) => {
      const tr = h("tr");
      r.forEach((_, x) => {
        const input = h("input", {
          type: "text",
          value: cells[y][x],
          "aria-label": `kernel cell ${x},${y}`,
          onchange: (e: Event) => {
            cells[y][x] = (e.target as HTMLInputElement).value.trim() || "0";
            const next = cells.map((row) => row.join(",")).join(";");
            text.value = next;
            onChange(next);
          },
        });
        tr.append(h("td", {}, input));
      });
      table.append(tr);
    });
    const resize = (dw: number, dh: number) => {
      const w = Math.max(1, k.width + dw), hh = Math.max(1, k.height + dh);
      const next = Array.from(
        { length: hh },
        (_, y) => Array.from({ length: w }, (_, x) => cells[y]?.[x] ?? "0").join(","),
      ).join(";");
      text.value = next;
      emit(next);
    };
    grid.append(
      table,
      h(
        "div",
        { class: "kernel-size" },
        `${k.width}×${k.height} `,
        h("button", { type: "button", text: "+col", onclick: () => resize(1, 0) }),
        h("button", { type: "button", text: "−col", onclick: () => resize(-1, 0) }),
        h("button", { type: "button", text: "+row", onclick: () => resize(0, 1) }),
        h("button", { type: "button", text: "−row", onclick: () => resize(0, -1) }),
        h("button", {
          type: "button",
          text: "as numbers",
          title: "replace the name by its values, to edit them",
          onclick: () => {
            const next = kernelText(rows);
            text.value = next;
            emit(next);
          },
        }),
      ),
    );
  };
  text.addEventListener("change", () => emit(text.value.trim() === "" ? undefined : text.value));
  presets.addEventListener("change", () => {
    if (!presets.value) return;
    text.value = presets.value;
    emit(presets.value);
    presets.value = "";
  });
  box.append(h("div", { class: "row" }, text, presets), grid);
  draw(value);
  return box;
}
