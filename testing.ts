/**
 * The plugin author's kit: synthetic test images, a tolerance comparison,
 * and a conformance check that runs any plugin through the generic checks
 * every built-in passes (param specs valid, shape and dtype preserved or
 * declared, linear plugins really linear, bad params rejected).
 *
 * @example Checking a plugin in a test
 * ```ts
 * import { checkConformance } from "@imfilter/imfilter/testing";
 * import { correlatePlugin } from "@imfilter/imfilter";
 * await checkConformance(correlatePlugin, { params: { kernel: "1,2;3,4" } });
 * ```
 *
 * @module
 */

import {
  type AnyPlugin,
  checkPlugin,
  createRegistry,
  type DType,
  Image,
  isFilterError,
  type ParamSpec,
  type Registry,
  registry as defaultRegistry,
} from "./mod.ts";

/**
 * A small deterministic pseudo-random generator (mulberry32) returning [0, 1).
 *
 * @example
 * ```ts
 * import { seededRandom } from "@imfilter/imfilter/testing";
 * const rnd = seededRandom(42);
 * console.log(rnd() === seededRandom(42)()); // true
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A reproducible test image: smooth gradients plus seeded noise, spanning
 * the dtype's range (0–255 for u8, 0–65535 for u16, 0–1 for f32).
 *
 * @example
 * ```ts
 * import { syntheticImage } from "@imfilter/imfilter/testing";
 * const img = syntheticImage(16, 12, 3, "u8", 1);
 * console.log(img.width, img.channels); // 16 3
 * ```
 */
export function syntheticImage(
  width: number,
  height: number,
  channels = 1,
  dtype: DType = "u8",
  seed = 1,
): Image {
  const rnd = seededRandom(seed);
  const max = dtype === "u8" ? 255 : dtype === "u16" ? 65535 : 1;
  const img = Image.zeros(width, height, channels, dtype);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const smooth = 0.5 + 0.25 * Math.sin((x + 3 * c) / 3) * Math.cos(y / 4);
        const v = Math.min(1, Math.max(0, smooth + 0.25 * (rnd() - 0.5))) * max;
        img.data[(y * width + x) * channels + c] = dtype === "f32" ? v : Math.round(v);
      }
    }
  }
  return img;
}

/**
 * A float32 image that is 0 everywhere but 1 at `(x, y)` (default: the centre).
 *
 * @example
 * ```ts
 * import { impulseImage } from "@imfilter/imfilter/testing";
 * console.log(impulseImage(5, 5).get(2, 2)); // 1
 * ```
 */
export function impulseImage(
  width: number,
  height: number,
  x = width >> 1,
  y = height >> 1,
): Image {
  const img = Image.zeros(width, height, 1, "f32");
  img.data[y * width + x] = 1;
  return img;
}

/** Tolerances of {@linkcode assertClose}: `|a − b| <= atol + rtol·|b|`. */
export interface Tolerance {
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
}

/**
 * Throws when two images (or arrays) differ beyond a tolerance, naming the
 * worst element.
 *
 * @example
 * ```ts
 * import { assertClose } from "@imfilter/imfilter/testing";
 * assertClose([1, 2, 3], [1, 2, 3.000001]);
 * ```
 */
export function assertClose(
  actual: Image | ArrayLike<number>,
  expected: Image | ArrayLike<number>,
  tolerance: Tolerance = {},
): void {
  const a = actual instanceof Image ? actual.data : actual;
  const b = expected instanceof Image ? expected.data : expected;
  if (actual instanceof Image && expected instanceof Image) {
    const sa = `${actual.width}x${actual.height}x${actual.channels}`;
    const sb = `${expected.width}x${expected.height}x${expected.channels}`;
    if (sa !== sb) throw new Error(`shapes differ: ${sa} vs ${sb}`);
  }
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  const atol = tolerance.atol ?? 1e-5, rtol = tolerance.rtol ?? 1e-5;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= atol + rtol * Math.abs(b[i])) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
      throw new Error(
        `element ${i}: ${a[i]} vs ${b[i]} (|diff| ${d} > ${atol} + ${rtol}·|expected|)`,
      );
    }
  }
}

/** Options of {@linkcode checkConformance}. */
export interface ConformanceOptions {
  /**
   * Values for required params (and any others) used in every run, or a
   * function making them for each test image (for image-valued params that
   * must match the input).
   */
  params?: Record<string, unknown> | ((image: Image) => Record<string, unknown>);
  /** Registry to run in (default: an isolated one holding the plugin and the built-ins). */
  registry?: Registry;
  /** Tolerance of the linearity check (default atol 1e-4, rtol 1e-4). */
  tolerance?: Tolerance;
}

/** What {@linkcode checkConformance} verified. */
export interface ConformanceReport {
  /** The plugin's name. */
  name: string;
  /** The checks that ran. */
  checks: string[];
}

function expectInvalid(name: string, what: string, run: () => Promise<unknown>): Promise<void> {
  return run().then(
    () => {
      throw new Error(
        `${name}: ${what} was accepted; it must be rejected with FilterError INVALID_PARAM`,
      );
    },
    (e) => {
      if (!isFilterError(e) || e.code !== "INVALID_PARAM") {
        throw new Error(`${name}: ${what} threw ${e} instead of FilterError INVALID_PARAM`);
      }
    },
  );
}

/**
 * Runs a plugin through the generic checks: valid plugin object and param
 * specs; output keeps width, height and channels (unless the plugin declares
 * `shape: "any"`) and the dtype (unless a `dtype` param says otherwise) for
 * gray/RGB/RGBA × u8/u16/f32 inputs; linear plugins satisfy
 * `f(aI + bJ) = a·f(I) + b·f(J)`; unknown params and out-of-range or
 * invalid values are rejected with `INVALID_PARAM`. Throws on the first
 * failure; resolves to a report of what ran.
 *
 * @example
 * ```ts
 * import { checkConformance } from "@imfilter/imfilter/testing";
 * import { gaussianPlugin } from "@imfilter/imfilter";
 * const report = await checkConformance(gaussianPlugin, { params: { sigma: 1 } });
 * console.log(report.checks.length > 0); // true
 * ```
 */
export async function checkConformance(
  plugin: AnyPlugin,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const checks: string[] = [];
  const p = checkPlugin(plugin);
  checks.push("plugin object and param specs are valid");
  const reg = options.registry ??
    createRegistry([...defaultRegistry.list().filter((x) => x.name !== p.name), p]);
  const given = options.params ?? {};
  const paramsFor = (img: Image) => (typeof given === "function" ? given(img) : given);
  const base = paramsFor(syntheticImage(13, 11, 1, "u8", 7));
  const specs = p.params as Readonly<Record<string, ParamSpec>>;
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && !(name in base)) {
      throw new Error(`${p.name}: give a value for required param ${name} in options.params`);
    }
  }
  for (
    const [channels, dtype] of [[1, "u8"], [3, "u8"], [4, "u8"], [1, "u16"], [3, "f32"]] as const
  ) {
    const img = syntheticImage(13, 11, channels, dtype, 7);
    const { image } = await reg.run(p.name, img, paramsFor(img));
    if (!image) continue;
    if ((p.shape ?? "same") === "same") {
      const got = `${image.width}x${image.height}x${image.channels}`;
      if (got !== `13x11x${channels}`) {
        throw new Error(`${p.name}: output ${got} for a 13x11x${channels} input`);
      }
    }
    if (
      !("dtype" in base) && !("dtype" in specs && specs.dtype.default !== undefined) &&
      image.dtype !== dtype
    ) {
      if (!(p.shape === "any")) {
        throw new Error(`${p.name}: ${dtype} input gave ${image.dtype} output`);
      }
    }
  }
  checks.push("shape and dtype preserved for gray/RGB/RGBA u8, u16 and f32 inputs");
  if (p.linear) {
    const tol = options.tolerance ?? { atol: 1e-4, rtol: 1e-4 };
    const i1 = syntheticImage(12, 10, 1, "f32", 3), i2 = syntheticImage(12, 10, 1, "f32", 4);
    const mix = new Image(12, 10, 1, i1.data.map((v, k) => 2 * v - 3 * i2.data[k]));
    const params = { ...paramsFor(i1), ...("dtype" in specs ? { dtype: "f32" } : {}) };
    const [f1, f2, fm] = await Promise.all(
      [i1, i2, mix].map((im) => reg.apply(p.name, im, params)),
    );
    const combo = f1.data.map((v, k) => 2 * v - 3 * f2.data[k]);
    try {
      assertClose(fm.data, combo, tol);
    } catch (e) {
      throw new Error(
        `${p.name} declares linear but f(2I - 3J) != 2f(I) - 3f(J): ${(e as Error).message}`,
      );
    }
    checks.push("linear: f(2I − 3J) = 2·f(I) − 3·f(J)");
  }
  const img = syntheticImage(9, 9, 1, "u8", 1);
  await expectInvalid(
    p.name,
    "an unknown parameter",
    () => reg.run(p.name, img, { ...paramsFor(img), notAParam: 1 }),
  );
  for (const [name, spec] of Object.entries(specs)) {
    let bad: unknown;
    if ((spec.type === "number" || spec.type === "integer") && spec.min !== undefined) {
      bad = spec.min - 1;
    } else if ((spec.type === "number" || spec.type === "integer") && spec.max !== undefined) {
      bad = spec.max + 1;
    } else if (spec.type === "number" || spec.type === "integer") bad = "not-a-number";
    else if (spec.type === "enum" || spec.type === "boundary" || spec.type === "dtype") {
      bad = "not-a-value";
    } else if (spec.type === "kernel") bad = "1,2;3";
    else continue;
    await expectInvalid(
      p.name,
      `${name} = ${JSON.stringify(bad)}`,
      () => reg.run(p.name, img, { ...paramsFor(img), [name]: bad }),
    );
  }
  checks.push("unknown and invalid params rejected with INVALID_PARAM");
  return { name: p.name, checks };
}
