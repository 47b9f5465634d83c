// Loader and comparator for the reference cases in tests/fixtures/reference/
// (copied from ../shared/reference; format in its README.md).

import { Image } from "../mod.ts";

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
