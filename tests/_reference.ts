// Loader and comparator for the reference cases in tests/fixtures/reference/
// (copied from ../shared/reference; format in its README.md).

import { type BoundaryMode, convolve, correlate, Image, type LinearOptions } from "../mod.ts";

const ROOT = new URL("./fixtures/reference/", import.meta.url);

/** One array file of a case. */
export interface RefArray {
  name: string;
  file: string;
  dtype: "float32" | "uint8";
  shape: number[];
  channels: number;
}

/** A case's tolerance. */
export interface RefTolerance {
  compare: "exact" | "allclose" | "allclose_fraction" | "error";
  atol?: number;
  rtol?: number;
  max_abs_all?: number;
  min_fraction_within?: number;
  why?: string;
}

/** One reference case (case.json). */
export interface RefCase {
  id: string;
  op: string;
  params: Record<string, unknown>;
  inputs: RefArray[];
  expected: RefArray[];
  tolerance: RefTolerance;
  expected_values?: Record<string, unknown>;
  expected_error?: { type: string; message: string };
  derived?: Record<string, unknown>;
  notes?: string;
  tags?: string[];
}

/** Every case, optionally filtered by op. */
export function loadCases(op?: string | ((c: RefCase) => boolean)): RefCase[] {
  const index = JSON.parse(Deno.readTextFileSync(new URL("index.json", ROOT))) as {
    cases: { id: string }[];
  };
  const all = index.cases.map((c) =>
    JSON.parse(Deno.readTextFileSync(new URL(`${c.id}/case.json`, ROOT))) as RefCase
  );
  if (op === undefined) return all;
  return all.filter(typeof op === "string" ? (c) => c.op === op : op);
}

function findArray(c: RefCase, name: string): RefArray {
  const a = [...c.inputs, ...c.expected].find((x) => x.name === name);
  if (!a) throw new Error(`case ${c.id} has no array ${name}`);
  return a;
}

/** The raw values of a case array. */
export function loadValues(c: RefCase, name: string): Float32Array | Uint8Array {
  const a = findArray(c, name);
  const bytes = Deno.readFileSync(new URL(`${c.id}/${a.file}`, ROOT));
  if (a.dtype === "uint8") return bytes;
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** A case array as an Image (shape [H, W] or [H, W, C]). */
export function loadImage(c: RefCase, name: string): Image {
  const a = findArray(c, name);
  const [h, w, ch = 1] = a.shape;
  const v = loadValues(c, name);
  return new Image(w, h, ch, a.dtype === "uint8" ? new Uint8Array(v) : new Float32Array(v));
}

/** A case array as rows of numbers (for kernels). */
export function loadRows(c: RefCase, name: string): number[][] {
  const a = findArray(c, name);
  const [h, w] = a.shape;
  const v = loadValues(c, name);
  const rows: number[][] = [];
  for (let y = 0; y < h; y++) rows.push(Array.from(v.subarray(y * w, y * w + w)));
  return rows;
}

/**
 * Compares values with a case's tolerance; returns a failure message or
 * undefined when they match.
 */
export function compareTolerance(
  got: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: RefTolerance,
): string | undefined {
  if (got.length !== expected.length) {
    return `length ${got.length} != expected ${expected.length}`;
  }
  const atol = tol.compare === "exact" ? 0 : tol.atol ?? 0;
  const rtol = tol.compare === "exact" ? 0 : tol.rtol ?? 0;
  let within = 0, worst = 0, worstAt = -1;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - expected[i]);
    const ok = d <= atol + rtol * Math.abs(expected[i]) ||
      (Number.isNaN(got[i]) && Number.isNaN(expected[i]));
    if (ok) within++;
    if (!(d <= worst)) {
      worst = d;
      worstAt = i;
    }
  }
  const fraction = within / got.length;
  const detail = `worst |diff| ${worst} at ${worstAt} (got ${got[worstAt]}, expected ${
    expected[worstAt]
  }), ${within}/${got.length} within atol ${atol} rtol ${rtol}`;
  if (tol.compare === "allclose_fraction") {
    if (fraction < (tol.min_fraction_within ?? 1)) {
      return `fraction ${fraction} < ${tol.min_fraction_within}: ${detail}`;
    }
  } else if (within !== got.length) return detail;
  if (tol.max_abs_all !== undefined && worst > tol.max_abs_all) {
    return `max |diff| ${worst} > max_abs_all ${tol.max_abs_all}: ${detail}`;
  }
  return undefined;
}

/** OpenCV border names → imfilter boundary modes. */
export const CV_BORDER: Record<string, BoundaryMode> = {
  BORDER_CONSTANT: "constant",
  BORDER_REPLICATE: "replicate",
  BORDER_REFLECT_101: "reflect",
  BORDER_REFLECT: "symmetric",
  BORDER_WRAP: "wrap",
};

/** scipy.ndimage mode names → imfilter boundary modes. */
export const NDIMAGE_MODE: Record<string, BoundaryMode> = {
  constant: "constant",
  nearest: "replicate",
  mirror: "reflect",
  reflect: "symmetric",
  wrap: "wrap",
};

/** The boundary of a median reference case: cv2.medianBlur always replicates; ndimage names its mode. */
export function medianBoundary(c: RefCase): BoundaryMode {
  if (c.op === "cv2.medianBlur") return "replicate";
  const m = String(c.params.mode);
  return NDIMAGE_MODE[m] ?? (m as BoundaryMode);
}

/** scipy.signal boundary names → imfilter boundary modes. */
export const SIGNAL_BOUNDARY: Record<string, BoundaryMode> = {
  fill: "constant",
  symm: "symmetric",
  wrap: "wrap",
};

/** The reference ops that are plain convolution or correlation. */
export const LINEAR_OPS: readonly string[] = [
  "cv2.filter2D",
  "scipy.signal.convolve2d",
  "scipy.signal.correlate2d",
  "scipy.ndimage.convolve",
  "scipy.ndimage.correlate",
];

/**
 * The imfilter call equivalent to a convolve/correlate reference case with a
 * `kw × kh` kernel: the function and the options (boundary, cval, mode, and
 * the anchor each library's centring implies).
 */
export function linearCall(
  c: RefCase,
  kw: number,
  kh: number,
): { fn: typeof convolve; options: LinearOptions } {
  const p = c.params;
  switch (c.op) {
    case "cv2.filter2D": {
      const [ax, ay] = p.anchor_xy as [number, number];
      return {
        fn: correlate,
        options: {
          boundary: CV_BORDER[p.borderType as string],
          anchor: ax < 0 ? undefined : { x: ax, y: ay },
        },
      };
    }
    case "scipy.ndimage.correlate":
    case "scipy.ndimage.convolve": {
      const o = p.origin as number | [number, number];
      const [oy, ox] = typeof o === "number" ? [o, o] : o;
      return {
        fn: c.op.endsWith("convolve") ? convolve : correlate,
        options: {
          boundary: NDIMAGE_MODE[p.mode as string],
          cval: p.cval as number,
          // ndimage centres every kernel at size//2 + origin, for both functions.
          anchor: { x: (kw >> 1) + ox, y: (kh >> 1) + oy },
        },
      };
    }
    case "scipy.signal.convolve2d":
    case "scipy.signal.correlate2d": {
      const isConv = c.op.endsWith("convolve2d");
      const mode = p.mode as "same" | "full" | "valid";
      const options: LinearOptions = {
        boundary: SIGNAL_BOUNDARY[p.boundary as string],
        cval: p.fillvalue as number,
        mode,
      };
      if (mode === "same") {
        // 'same' is a window of 'full' starting at same_offset_in_full: (k-1)//2
        // for convolve2d, k//2 for correlate2d (one off from filter2D for even k).
        const derived = c.derived?.same_offset_in_full as [number, number] | undefined;
        const [sy, sx] = derived ?? (isConv ? [(kh - 1) >> 1, (kw - 1) >> 1] : [kh >> 1, kw >> 1]);
        options.anchor = isConv ? { x: sx, y: sy } : { x: kw - 1 - sx, y: kh - 1 - sy };
      }
      return { fn: isConv ? convolve : correlate, options };
    }
  }
  throw new Error(`no imfilter mapping for ${c.op}`);
}
