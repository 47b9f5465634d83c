/**
 * The kernel catalogue: named kernels (`sobel-x`, `gaussian-7x7`, `box-5x5`…)
 * and the parser for kernel strings (names, inline rows, JSON rows), used
 * wherever a kernel is accepted.
 *
 * @module
 */

import { FilterError, show } from "./errors.ts";
import { Kernel } from "./kernel.ts";

/** Makes a named kernel; `width`/`height` come from a `-WxH` or `-N` suffix when the name has one. */
export type KernelFactory = (width?: number, height?: number) => Kernel;

interface CatalogueEntry {
  factory: KernelFactory;
  description: string;
  sized: boolean;
}

const catalogue = new Map<string, CatalogueEntry>();

/**
 * Adds a named kernel to the catalogue. `sized` kernels accept a size suffix
 * (`name-5`, `name-5x3`: width × height).
 *
 * @example
 * ```ts
 * import { Kernel, parseKernel, registerKernel } from "@imfilter/imfilter";
 * registerKernel("my-cross", () => Kernel.from([[0, 1, 0], [1, 1, 1], [0, 1, 0]]), "a plus sign");
 * console.log(parseKernel("my-cross").sum()); // 5
 * ```
 */
export function registerKernel(
  name: string,
  factory: KernelFactory,
  description: string,
  options: { sized?: boolean } = {},
): void {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    throw new FilterError("INVALID_PARAM", `kernel name ${show(name)} must be kebab-case`);
  }
  catalogue.set(name, { factory, description, sized: options.sized ?? false });
}

/**
 * The catalogue's kernel names with descriptions, sorted.
 *
 * @example
 * ```ts
 * import { listKernels } from "@imfilter/imfilter";
 * console.log(listKernels().some((k) => k.name === "sobel-x")); // true
 * ```
 */
export function listKernels(): { name: string; description: string; sized: boolean }[] {
  return [...catalogue.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([name, e]) => ({ name, description: e.description, sized: e.sized }));
}

/**
 * Parses a kernel string: a catalogue name (`sobel-x`, `gaussian-7x7`,
 * `box-5`), inline rows (`"1,0,1;0,1,0;1,0,1"`, spaces also separate), or
 * JSON rows (`"[[1,0],[0,1]]"`).
 *
 * @example
 * ```ts
 * import { parseKernel } from "@imfilter/imfilter";
 * console.log(parseKernel("1,2;3,4").toRows()); // [[1, 2], [3, 4]]
 * console.log(parseKernel("box-3").sum()); // 1
 * ```
 */
export function parseKernel(text: string): Kernel {
  const s = text.trim();
  if (s.startsWith("[")) {
    let rows: unknown;
    try {
      rows = JSON.parse(s);
    } catch {
      throw new FilterError(
        "INVALID_PARAM",
        `kernel ${show(text)} is not valid JSON rows; write e.g. [[1,0],[0,1]]`,
      );
    }
    return Kernel.from(rows as number[][]);
  }
  const named = /^([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*)(?:-(\d+)(?:x(\d+))?)?$/.exec(
    s.toLowerCase(),
  );
  if (named) {
    const [, base, w, h] = named;
    const full = catalogue.get(s.toLowerCase());
    if (full && !full.sized) return full.factory();
    const entry = catalogue.get(base);
    if (entry) {
      if (w === undefined) return entry.factory();
      if (!entry.sized) {
        throw new FilterError(
          "INVALID_PARAM",
          `kernel ${show(base)} has a fixed size; drop the size suffix`,
        );
      }
      const width = Number(w), height = h === undefined ? width : Number(h);
      return entry.factory(width, height);
    }
    if (!/^[-+\d.]/.test(s)) {
      throw new FilterError(
        "INVALID_PARAM",
        `kernel ${show(text)} is not a known kernel name; use rows like "1,0,1;0,1,0" or one of ${
          listKernels().map((k) => k.sized ? `${k.name}-N` : k.name).join(", ")
        }`,
      );
    }
  }
  const rows = s.split(";").map((r) => r.trim()).filter((r, _i, all) =>
    r !== "" || all.length === 1
  )
    .map((r) => r.split(/[\s,]+/).filter((t) => t !== "").map((t) => parseNumber(t, text)));
  return Kernel.from(rows);
}

function parseNumber(token: string, text: string): number {
  const m = /^([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)(?:\/([-+]?(?:\d+\.?\d*|\.\d+)))?$/i.exec(
    token,
  );
  const v = m ? (m[2] !== undefined ? Number(m[1]) / Number(m[2]) : Number(m[1])) : NaN;
  if (!Number.isFinite(v)) {
    throw new FilterError(
      "INVALID_PARAM",
      `kernel ${show(text)} has ${show(token)}, not a finite number; write rows like "1,0,1;0,1,0"`,
    );
  }
  return v;
}

/**
 * OpenCV's 1-D Gaussian kernel (`getGaussianKernel`): for `sigma <= 0` the
 * sigma is `0.3 * ((size - 1) / 2 - 1) + 0.8`, and sizes 1, 3, 5, 7 and 9 use
 * OpenCV's fixed tables (9: `[4 13 30 51 60 51 30 13 4] / 256`, as OpenCV 4.x);
 * the weights are normalised to sum 1 (in float64).
 *
 * @example
 * ```ts
 * import { gaussianWeights } from "@imfilter/imfilter";
 * console.log(Array.from(gaussianWeights(3))); // [0.25, 0.5, 0.25]
 * ```
 */
export function gaussianWeights(size: number, sigma = 0): Float64Array {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
    throw new FilterError(
      "INVALID_PARAM",
      `Gaussian size ${show(size)} must be an odd integer >= 1`,
    );
  }
  const tables: Record<number, number[]> = {
    1: [1],
    3: [0.25, 0.5, 0.25],
    5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
    7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
    9: [4, 13, 30, 51, 60, 51, 30, 13, 4].map((v) => v / 256),
  };
  if (!(sigma > 0) && tables[size]) return Float64Array.from(tables[size]);
  const s = sigma > 0 ? sigma : 0.3 * ((size - 1) * 0.5 - 1) + 0.8;
  const out = new Float64Array(size);
  const c = (size - 1) / 2, scale = -0.5 / (s * s);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    out[i] = Math.exp(scale * (i - c) * (i - c));
    sum += out[i];
  }
  for (let i = 0; i < size; i++) out[i] /= sum;
  return out;
}

/**
 * The outer product `column × row` as a kernel.
 *
 * @example
 * ```ts
 * import { outerKernel } from "@imfilter/imfilter";
 * console.log(outerKernel([1, 2], [1, 0, -1]).toRows()); // [[1, 0, -1], [2, 0, -2]]
 * ```
 */
export function outerKernel(column: ArrayLike<number>, row: ArrayLike<number>): Kernel {
  const data = new Float32Array(column.length * row.length);
  for (let y = 0; y < column.length; y++) {
    for (let x = 0; x < row.length; x++) data[y * row.length + x] = column[y] * row[x];
  }
  return new Kernel(row.length, column.length, data);
}

function checkSize(name: string, w: number, h: number, odd: boolean): void {
  for (const v of [w, h]) {
    if (!Number.isInteger(v) || v < 1 || v > 4095 || (odd && v % 2 === 0)) {
      throw new FilterError(
        "INVALID_PARAM",
        `kernel ${name}-${w}x${h}: sizes must be ${odd ? "odd " : ""}integers from 1 to 4095`,
      );
    }
  }
}

const SQRT2 = Math.SQRT2;
const fixed: [string, number[][], string][] = [
  ["identity", [[1]], "the 1x1 identity"],
  [
    "sobel-x",
    [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "Sobel x-derivative (correlation sense: positive for rising x)",
  ],
  [
    "sobel-y",
    [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "Sobel y-derivative (correlation sense: positive for rising y)",
  ],
  ["scharr-x", [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]], "Scharr x-derivative (correlation sense)"],
  ["scharr-y", [[-3, -10, -3], [0, 0, 0], [3, 10, 3]], "Scharr y-derivative (correlation sense)"],
  ["prewitt-x", [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], "Prewitt x-derivative (correlation sense)"],
  ["prewitt-y", [[-1, -1, -1], [0, 0, 0], [1, 1, 1]], "Prewitt y-derivative (correlation sense)"],
  ["laplace", [[0, 1, 0], [1, -4, 1], [0, 1, 0]], "4-neighbour Laplacian"],
  ["laplace-8", [[1, 1, 1], [1, -8, 1], [1, 1, 1]], "8-neighbour Laplacian"],
  ["sharpen", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]], "sharpen (identity + negative Laplacian)"],
  ["emboss", [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], "emboss, from the convolution article"],
  [
    "ripple",
    [[0, -1, SQRT2], [1, 0, -1], [-SQRT2, 1, 0]],
    "asymmetric ripple kernel from the article (correlate != convolve)",
  ],
  [
    "deriv-y",
    [[0.5, 0.5, 0.5], [0, 0, 0], [-0.5, -0.5, -0.5]],
    "1/2 [1 1 1; 0 0 0; -1 -1 -1], the lecture notes' y-derivative",
  ],
  [
    "deriv-y-avg",
    [[2 / 18, 3 / 18, 2 / 18], [0, 0, 0], [-2 / 18, -3 / 18, -2 / 18]],
    "1/18 [2 3 2; 0 0 0; -2 -3 -2], the lecture notes' y-derivative with averaging",
  ],
];
for (const [name, rows, description] of fixed) {
  registerKernel(name, () => Kernel.from(rows), description);
}

const INT_GAUSS = [6, 61, 242, 343, 242, 61, 6];
registerKernel(
  "gaussian-int7",
  () => outerKernel(INT_GAUSS.map((v) => v / 961), INT_GAUSS.map((v) => v / 961)),
  "the lecture notes' integer Gaussian [6 61 242 343 242 61 6]/961, as a 7x7 outer product",
);
registerKernel(
  "box",
  (w = 3, h = w) => {
    checkSize("box", w, h, false);
    return new Kernel(w, h, new Float32Array(w * h).fill(1 / (w * h)));
  },
  "normalised box (mean), box-N or box-WxH",
  { sized: true },
);
registerKernel(
  "gaussian",
  (w = 3, h = w) => {
    checkSize("gaussian", w, h, true);
    return outerKernel(gaussianWeights(h), gaussianWeights(w));
  },
  "Gaussian with OpenCV's sigma-for-size rule, gaussian-N or gaussian-WxH (odd)",
  { sized: true },
);
