/**
 * A runtime-neutral check of `applyParallel` for the cross-runtime tests:
 * the same calls (integer outputs, so every runtime must give the same
 * bytes) on a deterministic image of more than one megapixel, with two
 * threads and the default size threshold, in whatever runtime imports it.
 * It takes the library as an argument (only its types are imported), so
 * it runs against the source in Deno or Bun and against a bundle in Node
 * or a browser. No Deno, Node or DOM API: Web Crypto for the digests.
 *
 * @module
 */

import type * as Imfilter from "../../mod.ts";

/** The library, as `import * as lib from "…/mod.ts"` (or its bundle) gives it. */
export type Library = typeof Imfilter;

/** One call: a built-in filter on an image of the given channels and dtype. */
export interface ParallelCase {
  filter: string;
  params: Record<string, unknown>;
  channels: number;
  dtype: "u8" | "u16";
}

/** The calls: SIMD and TypeScript engines, float32 sums rounded to u8 (correlate), u16. */
export const PARALLEL_CASES: readonly ParallelCase[] = [
  { filter: "gaussian", params: { sigma: 2 }, channels: 3, dtype: "u8" },
  { filter: "gaussian", params: { sigma: 1.5, method: "float" }, channels: 1, dtype: "u16" },
  { filter: "median", params: { size: 5 }, channels: 1, dtype: "u8" },
  {
    filter: "correlate",
    params: { kernel: "0.05,0.2,0;0.15,0.3,0.1;-0.05,0.1,0.15", boundary: "replicate" },
    channels: 3,
    dtype: "u8",
  },
  {
    filter: "bilateral",
    params: { diameter: 5, sigmaColor: 30, sigmaSpace: 2 },
    channels: 1,
    dtype: "u8",
  },
  { filter: "nl-means", params: { h: 10, patchSize: 3, searchSize: 7 }, channels: 1, dtype: "u8" },
];

/** What one call gave. */
export interface ParallelCaseResult {
  label: string;
  /** Whether workers ran it (the result's pixels are then in a `SharedArrayBuffer`). */
  threaded: boolean;
  /** SHA-256 of the threaded result's bytes. */
  digest: string;
  /** Whether those bytes equal a one-thread `registry.run` in the same runtime. */
  sameAsOneThread: boolean;
}

/** The width and height of the check image: 1.2 megapixels, over the default threshold. */
export const CHECK_SIZE: readonly [number, number] = [1280, 960];

/** A deterministic image: an XOR pattern with seeded noise, over the dtype's range. */
export function checkImage(lib: Library, channels: number, dtype: "u8" | "u16"): Imfilter.Image {
  const [w, h] = CHECK_SIZE;
  const img = lib.Image.zeros(w, h, channels, dtype);
  const scale = dtype === "u8" ? 1 : 257;
  let s = 2463534242;
  for (let i = 0; i < img.data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const p = Math.floor(i / channels), x = p % w, y = Math.floor(p / w);
    img.data[i] = ((((x ^ y) & 127) + ((s >>> 0) % 97)) & 255) * scale;
  }
  return img;
}

/** Hex SHA-256 of an array's bytes. */
export async function digest(data: ArrayBufferView): Promise<string> {
  const copy = new Uint8Array(data.byteLength); // digest() refuses shared memory
  copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", copy));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs every case with `threads` threads; closes the workers after. */
export async function parallelCheck(lib: Library, threads = 2): Promise<ParallelCaseResult[]> {
  const out: ParallelCaseResult[] = [];
  try {
    for (const c of PARALLEL_CASES) {
      const img = checkImage(lib, c.channels, c.dtype);
      const got = (await lib.applyParallel(c.filter, img, c.params, { threads })).image!;
      const want = (await lib.registry.run(c.filter, img, c.params)).image!;
      const a = await digest(got.data), b = await digest(want.data);
      out.push({
        label: `${c.filter} ${JSON.stringify(c.params)} ${c.channels}ch ${c.dtype}`,
        threaded: typeof SharedArrayBuffer === "function" &&
          got.data.buffer instanceof SharedArrayBuffer,
        digest: a,
        sameAsOneThread: a === b,
      });
    }
  } finally {
    lib.closeParallel();
  }
  return out;
}
