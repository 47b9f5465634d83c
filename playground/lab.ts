/// <reference no-default-lib="true" />
/// <reference lib="esnext" />
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The lecture's interactive demo: the kernel of the selected step with the
 * notes' and the article's kernels as presets, convolution against
 * correlation with the flipped kernel, the anchor as a clickable cell, the
 * notes' worked 7×7 example, every boundary mode as the padded 5×5 image
 * (the notes' 9×9 figures), and the impulse response of the step's filter.
 * Every number here is computed by the library.
 *
 * @module
 */

import {
  BOUNDARY_MODES,
  type BoundaryMode,
  coerceParam,
  convolve,
  correlate,
  Image,
  type Kernel,
  mapIndex,
  type ParamSpec,
  parseBoundary,
  registry,
} from "../mod.ts";
import { h, shortFloat32 } from "./dom.ts";
import type { Impulse } from "./engine.ts";
import { kernelGrid, tryKernel } from "./kernel_editor.ts";
import type { Step } from "./state.ts";

/** The presets of the notes and the article, by what they call them. */
export const LECTURE_KERNELS: readonly [label: string, kernel: string][] = [
  ["averaging 3×3", "box-3"],
  ["the notes' M", "1,0,1;0,1,0;1,0,1"],
  ["y-derivative", "deriv-y"],
  ["y-derivative & averaging", "deriv-y-avg"],
  ["Sobel x", "sobel-x"],
  ["Sobel y", "sobel-y"],
  ["Gaussian 5×5", "gaussian-5"],
  ["integer Gaussian 7×7", "gaussian-int7"],
  ["Laplace", "laplace"],
  ["sharpen", "sharpen"],
  ["emboss", "emboss"],
  ["ripple (article)", "ripple"],
];

/** The notes' 7×7 example image `I` (their `I ∗ M` is 5×5, mode valid). */
const NOTES_IMAGE = [
  [0, 1, 1, 1, 0, 0, 0],
  [0, 0, 1, 1, 1, 0, 0],
  [0, 0, 0, 1, 1, 1, 0],
  [0, 0, 0, 1, 1, 0, 0],
  [0, 0, 1, 1, 0, 0, 0],
  [0, 1, 1, 0, 0, 0, 0],
  [1, 1, 0, 0, 0, 0, 0],
];

/** What the lab needs from the page. */
export interface LabHost {
  /** The selected step, if any. */
  step?: Step;
  /** Replaces the selected step's filter, keeping the params it still has (adds a step if none). */
  setFilter(filter: string, params?: Record<string, string>): void;
  /** Sets (or, with `undefined`, unsets) a param of the selected step. */
  setParam(name: string, value: string | undefined): void;
  /** Computes the impulse response of a step (in a worker). */
  impulse(step: Step): Promise<Impulse>;
}

function specsOf(filter: string): Readonly<Record<string, ParamSpec>> | undefined {
  return registry.has(filter)
    ? registry.get(filter).params as Record<string, ParamSpec>
    : undefined;
}

/** The anchor a filter uses for a kernel: the given one, else its default (DESIGN). */
function anchorOf(filter: string, k: Kernel, given?: string): { x: number; y: number } {
  if (given !== undefined) {
    try {
      const p = coerceParam(filter, "anchor", { type: "point", description: "" }, given) as {
        x: number;
        y: number;
      };
      if (p.x >= 0 && p.y >= 0 && p.x < k.width && p.y < k.height) return p;
    } catch { /* shown beside the field */ }
  }
  if (k.anchor) return k.anchor;
  const conv = filter === "convolve";
  return {
    x: conv ? Math.floor((k.width - 1) / 2) : Math.floor(k.width / 2),
    y: conv ? Math.floor((k.height - 1) / 2) : Math.floor(k.height / 2),
  };
}

function kernelSection(host: LabHost, step: Step | undefined): HTMLElement {
  const section = h("section", { class: "lab-kernel" }, h("h3", { text: "Kernel" }));
  const presets = h("div", { class: "chips" });
  for (const [label, kernel] of LECTURE_KERNELS) {
    presets.append(h("button", {
      type: "button",
      text: label,
      title: kernel,
      class: step?.params.kernel === kernel ? "on" : undefined,
      onclick: () => {
        if (step && specsOf(step.filter)?.kernel?.type === "kernel") {
          host.setParam("kernel", kernel);
        } else host.setFilter("convolve", { kernel });
      },
    }));
  }
  section.append(presets);
  const isLinear = step && (step.filter === "convolve" || step.filter === "correlate");
  if (!step || !isLinear) {
    section.append(h("p", {
      class: "hint",
      text:
        "Pick a preset to convolve with it, or choose convolve / correlate for the selected step.",
    }));
    return section;
  }
  const k = step.params.kernel === undefined ? undefined : tryKernel(step.params.kernel);
  const toggle = h(
    "div",
    { class: "chips" },
    ...["convolve", "correlate"].map((f) =>
      h("button", {
        type: "button",
        text: f,
        class: step.filter === f ? "on" : undefined,
        onclick: () => host.setFilter(f),
      })
    ),
  );
  section.append(toggle);
  if (!k) {
    section.append(h("p", { class: "hint", text: "Set a kernel to see it here." }));
    return section;
  }
  const anchor = anchorOf(step.filter, k, step.params.anchor);
  const flipped = k.flip();
  const flippedAnchor = { x: k.width - 1 - anchor.x, y: k.height - 1 - anchor.y };
  const onCell = (x: number, y: number) => {
    const def = anchorOf(step.filter, k);
    host.setParam("anchor", x === def.x && y === def.y ? undefined : `${x},${y}`);
  };
  const applied = step.filter === "convolve"
    ? "convolve(I, K) = correlate(I, flip(K)): the kernel is flipped before sliding"
    : "correlate(I, K) = convolve(I, flip(K)): the kernel slides as it is";
  section.append(
    h("p", {
      class: "hint",
      text: `${applied}. Click a cell of K to make it the anchor (outlined).`,
    }),
    h(
      "div",
      { class: "grids" },
      kernelGrid(k.width, k.height, k.data, { anchor, onCell, heat: true, caption: "K" }),
      kernelGrid(flipped.width, flipped.height, flipped.data, {
        anchor: flippedAnchor,
        heat: true,
        caption: "flip(K)",
      }),
    ),
  );
  section.append(workedExample(step, k));
  return section;
}

function workedExample(step: Step, k: Kernel): HTMLElement {
  const box = h("div", { class: "worked" });
  const img = Image.fromRows(NOTES_IMAGE, "f32");
  const name = step.filter === "convolve" ? "I ∗ K" : "I ⋆ K";
  try {
    const run = step.filter === "convolve" ? convolve : correlate;
    const out = run(img, k, { mode: "valid", dtype: "f32" });
    box.append(
      h("h4", { text: `The notes' example: ${name}, mode valid` }),
      h(
        "div",
        { class: "grids" },
        kernelGrid(7, 7, img.data, { caption: "I" }),
        kernelGrid(out.width, out.height, out.data, { caption: name, heat: true }),
      ),
    );
  } catch (e) {
    box.append(h("p", { class: "hint", text: `${name}: ${(e as Error).message}` }));
  }
  return box;
}

/** The 9×9 letters of a 5×5 image padded by 2 in a mode (the notes' figures). */
export function paddedLetters(mode: BoundaryMode, cval = "0", pad = 2, n = 5): string[][] {
  const letters = "abcdefghijklmnopqrstuvwxy";
  return Array.from(
    { length: n + 2 * pad },
    (_, r) =>
      Array.from({ length: n + 2 * pad }, (_, c) => {
        const y = mapIndex(r - pad, n, mode), x = mapIndex(c - pad, n, mode);
        return y < 0 || x < 0 ? cval : letters[y * n + x];
      }),
  );
}

function boundarySection(host: LabHost, step: Step | undefined): HTMLElement {
  const specs = step ? specsOf(step.filter) : undefined;
  const has = specs?.boundary?.type === "boundary";
  let current: BoundaryMode | undefined;
  if (has) {
    try {
      current = parseBoundary(step!.params.boundary ?? specs!.boundary.default);
    } catch { /* shown beside the field */ }
  }
  const cval = step?.params.cval ?? "0";
  const section = h(
    "section",
    { class: "lab-boundary" },
    h("h3", { text: "Boundaries" }),
    h("p", {
      class: "hint",
      text: "A 5×5 image a…y padded for a 5×5 mask, as in the notes" +
        (has ? ": click a mode to use it." : "."),
    }),
  );
  const figures = h("div", { class: "figures" });
  for (const mode of BOUNDARY_MODES) {
    const rows = paddedLetters(mode, cval.length <= 3 ? cval : "k");
    const table = h("table", { class: "letters" });
    rows.forEach((row, r) => {
      const tr = h("tr");
      row.forEach((v, c) => {
        const inside = r >= 2 && r < 7 && c >= 2 && c < 7;
        tr.append(h("td", { class: inside ? "inside" : undefined, text: v }));
      });
      table.append(tr);
    });
    const fig = h(
      has ? "button" : "div",
      {
        class: `figure${mode === current ? " on" : ""}`,
        type: has ? "button" : undefined,
        "data-mode": mode,
        onclick: has ? () => host.setParam("boundary", mode) : undefined,
      },
      table,
      h("span", { text: mode }),
    );
    figures.append(fig);
  }
  section.append(figures);
  return section;
}

function impulseSection(host: LabHost, step: Step | undefined): HTMLElement {
  const section = h("section", { class: "lab-impulse" }, h("h3", { text: "Impulse response" }));
  if (!step || !registry.has(step.filter)) {
    section.append(
      h("p", { class: "hint", text: "Select a step to see its response to a delta." }),
    );
    return section;
  }
  const plugin = registry.get(step.filter);
  if (!plugin.linear && plugin.shape === "any") {
    section.append(h("p", {
      class: "hint",
      text:
        `${step.filter} is not linear and does not keep the image's size: it has no impulse response.`,
    }));
    return section;
  }
  const body = h("div", { class: "hint", text: "computing…" });
  section.append(body);
  host.impulse(step).then((r) => {
    const { values, size } = crop(r);
    body.replaceChildren(
      h("p", {
        class: "hint",
        text:
          `${step.filter} applied to a ${r.size}×${r.size} delta (float32, boundary constant unless set). ` +
          (r.linear
            ? "It is linear, so this is its kernel (flipped for correlation-type filters)."
            : "It does not declare itself linear: this response is not a kernel."),
      }),
      h("div", { class: "grids" }, kernelGrid(size, size, values, { heat: true })),
      h("p", {
        class: "hint",
        text: `sum ${shortFloat32(Number(values.reduce((a, b) => a + b, 0).toPrecision(6)))}`,
      }),
    );
  }, (e: Error) => {
    if (e.name !== "Cancelled") body.textContent = `${step.filter}: ${e.message}`;
  });
  return section;
}

/** The centred square holding every value above 1/1000 of the largest (at least 3×3). */
function crop(r: Impulse): { values: Float32Array; size: number } {
  const c = r.size >> 1;
  let radius = 1, max = 0;
  for (const v of r.values) max = Math.max(max, Math.abs(v));
  for (let y = 0; y < r.size; y++) {
    for (let x = 0; x < r.size; x++) {
      if (Math.abs(r.values[y * r.size + x]) > 1e-3 * max) {
        radius = Math.max(radius, Math.abs(x - c), Math.abs(y - c));
      }
    }
  }
  const size = 2 * radius + 1, out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      out[y * size + x] = r.values[(y + c - radius) * r.size + (x + c - radius)];
    }
  }
  return { values: out, size };
}

/** Renders the lab for the selected step. */
export function renderLab(container: HTMLElement, host: LabHost): void {
  container.replaceChildren(
    kernelSection(host, host.step),
    boundarySection(host, host.step),
    impulseSection(host, host.step),
  );
}
