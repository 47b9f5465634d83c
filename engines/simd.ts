/**
 * Loading the WebAssembly SIMD kernels (the `*.wat` files of `engines/` and `filters/<family>/`, assembled by
 * `deno task wasm` into `*_wasm.ts`). Each kernel module gets its own linear
 * memory, grown on demand; callers copy planes in, run, and copy results out.
 *
 * SIMD is used when the engine validates 128-bit SIMD and `IMFILTER_SIMD` is
 * not `0`. The TypeScript engines stay the fallback and the reference the
 * SIMD kernels are tested against; {@linkcode withSimd} lets tests run either.
 *
 * @module
 */

/** A tiny module using one v128 instruction: validates iff SIMD is supported. */
// (module (func (result v128) i32.const 0 i32x4.splat))
const PROBE = new Uint8Array([
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0,
  1,
  5,
  1,
  96,
  0,
  1,
  123,
  3,
  2,
  1,
  0,
  10,
  8,
  1,
  6,
  0,
  65,
  0,
  253,
  17,
  11,
]);

let supported: boolean | undefined;
let enabled: boolean | undefined;

/** `IMFILTER_SIMD=0` disables SIMD; read where the runtime has an environment. */
function envAllows(): boolean {
  const g = globalThis as {
    Deno?: { env?: { get(name: string): string | undefined } };
    process?: { env?: Record<string, string | undefined> };
  };
  try {
    return (g.Deno?.env?.get("IMFILTER_SIMD") ?? g.process?.env?.IMFILTER_SIMD) !== "0";
  } catch {
    return true; // no --allow-env: the default
  }
}

/** Whether this WebAssembly engine supports 128-bit SIMD. */
export function simdSupported(): boolean {
  if (supported === undefined) {
    try {
      supported = WebAssembly.validate(PROBE);
    } catch {
      supported = false;
    }
  }
  return supported;
}

/** Whether the SIMD kernels are used (supported by the engine and not disabled). */
export function simdEnabled(): boolean {
  if (enabled === undefined) enabled = simdSupported() && envAllows();
  return enabled;
}

/**
 * Runs `fn` with SIMD forced on or off, restoring the previous state after
 * (also when `fn` throws or its promise rejects). For tests comparing paths.
 */
export function withSimd<T>(on: boolean, fn: () => T): T {
  const before = simdEnabled();
  enabled = on && simdSupported();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    enabled = before;
    throw e;
  }
  if (result instanceof Promise) {
    return result.finally(() => {
      enabled = before;
    }) as T;
  }
  enabled = before;
  return result;
}

/** Compiles a kernel module from its base64 text (a generated `WASM_BASE64`). */
export function compileKernel(base64: string): WebAssembly.Module {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new WebAssembly.Module(bytes);
}

/**
 * Instantiates kernel modules on one memory: the first exports `memory`, each
 * other imports it as `env.memory` (a kernel too large for one hand-written
 * file, or with a generated part, is several modules). Returns their exports
 * merged, `memory` included.
 */
export function instantiateKernels(modules: readonly WebAssembly.Module[]): WebAssembly.Exports {
  const first = new WebAssembly.Instance(modules[0], {}).exports;
  const memory = first.memory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error("SIMD kernel module must export its memory as 'memory'");
  }
  const merged: WebAssembly.Exports = Object.assign({}, first);
  for (const m of modules.slice(1)) {
    Object.assign(merged, new WebAssembly.Instance(m, { env: { memory } }).exports);
  }
  return merged;
}

/** One instantiated kernel (one module, or several on one memory) and its memory. */
export class SimdKernel {
  readonly exports: WebAssembly.Exports;
  readonly memory: WebAssembly.Memory;

  /**
   * Compiles and instantiates `base64` (the generated `WASM_BASE64`, or
   * several of them sharing the first one's memory).
   */
  constructor(base64: string | readonly string[]) {
    const parts = typeof base64 === "string" ? [base64] : base64;
    this.exports = instantiateKernels(parts.map(compileKernel));
    this.memory = this.exports.memory as WebAssembly.Memory;
  }

  /** Grows the memory to at least `bytes` bytes; returns its buffer. */
  reserve(bytes: number): ArrayBuffer {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
    return this.memory.buffer as ArrayBuffer;
  }
}

/**
 * A lazily created kernel: `get()` instantiates on first use and returns
 * `undefined` when SIMD is disabled or unsupported.
 */
export function lazyKernel(
  base64: () => string | readonly string[],
): { get(): SimdKernel | undefined } {
  let kernel: SimdKernel | undefined;
  return {
    get() {
      if (!simdEnabled()) return undefined;
      kernel ??= new SimdKernel(base64());
      return kernel;
    },
  };
}

/**
 * Stages the source rows of padded rows `first … end − 1` for a kernel's
 * stripe: padded row `p` reads source row `ys[p]` (−1, or `p ≥ ph`, means a
 * row of cval). The source rows are copied into consecutive slots of
 * `stage` (each `rowLen` elements, from element `stageFrom`), runs of
 * consecutive source rows in one copy, and `table[p − y0]` gets the slot's
 * byte address (`slotAt + slot · slotBytes`) or −1.
 */
export function stageRows(
  src: Uint8Array | Uint16Array | Float32Array,
  rowLen: number,
  ys: Int32Array,
  ph: number,
  first: number,
  end: number,
  y0: number,
  table: Int32Array,
  stage: Uint8Array | Uint16Array | Float32Array,
  stageFrom: number,
  slotAt: number,
  slotBytes: number,
): void {
  let slot = 0, runFrom = -1, runLen = 0;
  const flush = () => {
    if (runLen > 0) {
      stage.set(
        src.subarray(runFrom * rowLen, (runFrom + runLen) * rowLen),
        stageFrom + (slot - runLen) * rowLen,
      );
    }
    runLen = 0;
  };
  for (let p = first; p < end; p++) {
    const sy = p < ph ? ys[p] : -1;
    if (sy < 0) {
      table[p - y0] = -1;
      continue;
    }
    if (runLen === 0 || sy !== runFrom + runLen) {
      flush();
      runFrom = sy;
    }
    table[p - y0] = slotAt + slot * slotBytes;
    slot++;
    runLen++;
  }
  flush();
}
