// The cross-runtime scenario: the same calls, made in Deno (source), Node
// (the esbuild bundle), Bun (source) and headless Chromium (the bundle),
// whose results tests/runtimes/check.mjs compares. It imports nothing: the
// caller passes the library (the source module or the bundle), so one file
// serves every runtime.

/** What the scenario uses of the library (mod.ts or its bundle). */
// deno-lint-ignore no-explicit-any
export type Lib = any;

/** One call's result: its shape and dtype, and its samples (or data) as JSON-safe values. */
export interface CaseResult {
  shape: string;
  /** SHA-256 of the raw samples (integer outputs are compared by it). */
  sha256: string;
  /** Float outputs and data results, compared within a tolerance. */
  values?: number[];
  data?: unknown;
}

/** Deterministic test images without any dependency (a smooth pattern plus a hash for texture). */
function pattern(lib: Lib, w: number, h: number, channels: number, seed: number) {
  const data = new Uint8Array(w * h * channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        let v = Math.imul(
          (x + 1) * 73856093 ^ (y + 1) * 19349663 ^ (c + seed) * 83492791,
          2654435761,
        );
        v = (v ^ (v >>> 15)) & 63;
        data[(y * w + x) * channels + c] = (((x * 5 + y * 3 + c * 40 + seed * 17) % 192) + v) & 255;
      }
    }
  }
  return new lib.Image(w, h, channels, data);
}

async function digest(bytes: Uint8Array): Promise<string> {
  const copy = new Uint8Array(bytes); // a plain ArrayBuffer copy (shared memory cannot be hashed)
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", copy));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function result(image: Lib, data?: unknown): Promise<CaseResult> {
  const d = image.data;
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const out: CaseResult = {
    shape: `${image.width}x${image.height}x${image.channels} ${image.dtype}`,
    sha256: await digest(bytes),
  };
  if (image.dtype === "f32") out.values = Array.from(d as Float32Array);
  if (data !== undefined) out.data = JSON.parse(JSON.stringify(data));
  return out;
}

/** The params of every built-in filter for the scenario's 48×40 RGB image. */
function paramsFor(lib: Lib, name: string, image: Lib): Record<string, unknown> | undefined {
  const blurred = lib.correlate(
    image,
    [[1, 2, 1], [2, 4, 2], [1, 2, 1]].map((r) => r.map((v) => v / 16)),
  );
  const table: Record<string, Record<string, unknown>> = {
    bilateral: { diameter: 5, sigmaColor: 30, sigmaSpace: 3 },
    box: { size: 5 },
    convolve: { kernel: "1,2,1;0,0,0;-1,-2,-1", boundary: "replicate" },
    correlate: { kernel: [[0.0625, 0.125, 0.0625], [0.125, 0.25, 0.125], [0.0625, 0.125, 0.0625]] },
    deconvolve: { kernel: "gaussian-5", iterations: 5 },
    derivative: {},
    emboss: {},
    "estimate-kernel": { blurred, size: 3 },
    gaussian: { sigma: 1.5 },
    laplacian: {},
    "match-template": { template: lib.Image.zeros(8, 6, 3, "u8") },
    median: { size: 5 },
    "nl-means": { h: 10, patchSize: 3, searchSize: 7 },
    scharr: {},
    sharpen: {},
    sobel: {},
  };
  if (name === "match-template") {
    const t = new Uint8Array(8 * 6 * 3);
    for (let y = 0; y < 6; y++) {
      t.set(
        image.data.subarray(((y + 11) * image.width + 17) * 3, ((y + 11) * image.width + 25) * 3),
        y * 24,
      );
    }
    return { template: new lib.Image(8, 6, 3, t) };
  }
  return table[name];
}

/**
 * Runs the scenario: every registered built-in filter by name on a u8 RGB
 * image (plus two float cases), decoding the given files' bytes, and
 * `applyParallel` with two threads. Keys name the cases.
 */
export async function runScenario(
  lib: Lib,
  files: Record<string, Uint8Array>,
): Promise<Record<string, CaseResult>> {
  const out: Record<string, CaseResult> = {};
  const image = pattern(lib, 48, 40, 3, 1);
  const names: string[] = lib.registry.names();
  for (const name of names) {
    const params = paramsFor(lib, name, image);
    if (params === undefined) throw new Error(`the scenario has no params for filter ${name}`);
    const r = await lib.registry.run(name, image, params);
    out[`filter ${name}`] = await result(r.image ?? lib.Image.zeros(1, 1, 1, "u8"), r.data);
  }
  out["correlate f32"] = await result(
    lib.correlate(image, "sobel-x", { dtype: "f32", boundary: "reflect" }),
  );
  out["gaussian f32 fast"] = await result(
    lib.gaussian(image.toFloat32(), { sigma: 2.5, method: "fast" }),
  );
  for (const [name, bytes] of Object.entries(files)) {
    out[`decode ${name}`] = await result(await lib.decodeImage(bytes));
  }
  // The WebAssembly encoders (PNG and TIFF through imfilter's own deflate): the same bytes
  // everywhere, decoded back.
  const encoders = [
    ["webp", { quality: 70 }],
    ["avif", { quality: 60 }],
    ["png", {}],
    ["tiff", {}],
  ] as const;
  for (const [format, options] of encoders) {
    const bytes: Uint8Array = await lib.encodeImage(image, format, options);
    out[`encode ${format}`] = await result(await lib.decodeImage(bytes), {
      sha256: await digest(bytes),
    });
  }
  const big = pattern(lib, 1024, 1040, 1, 2); // over PARALLEL_MIN_PIXELS: two real threads
  for (const [name, params] of [["gaussian", { sigma: 2 }], ["median", { size: 5 }]] as const) {
    const r = await lib.applyParallel(name, big, params, { threads: 2 });
    out[`parallel ${name}`] = await result(r.image);
  }
  lib.closeParallel();
  return out;
}

/** The encoded files every runtime decodes (in tests/fixtures/io/). */
export const SCENARIO_FILES: readonly string[] = [
  "rgba_interlaced.png",
  "gray16_pil.png",
  "rgb.jpg",
  "progressive.jpg",
  "gray.jpg",
  "jpeg/restart_blocks.jpg", // restart markers, in the WebAssembly Huffman decoder
  "transparent.gif",
  "webp/lossy.webp",
  "webp/alpha_lossless.webp",
  "webp/animated_offset.webp",
  "avif/rgb8.avif",
  "avif/rgba10_lossless.avif",
  "avif/gray8.avif",
];
