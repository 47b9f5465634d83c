/**
 * The WebAssembly SIMD engine of the float64 valid correlation
 * ({@linkcode correlateValidFFT} and template matching): the same algorithm
 * as `correlateValidFFT` in `engines/fft.ts` — the output rows split in two
 * halves travelling as the real and imaginary parts of one complex
 * transform, kernel spectra from Hermitian symmetry, the channel sum in the
 * frequency domain, column blocks fused with the product and the inverse —
 * with the butterflies in `engines/fft.wat` and the gathers and products in
 * `engines/fft_correlate.wat` (f64x2).
 * For `ccoeff_normed` template matching (1 or 3 channels) it can score the
 * windows as the inverse transform produces their rows, so the correlation
 * plane is never stored: the window sums `Σ I`, `Σ I²` are float64 column
 * sums updated row by row, with the operations, order and guards of
 * `filters/match_template/scores.ts` (exact for integer samples, so a flat
 * window scores exactly 0), and the first maximum is found on the way.
 *
 * Precision: every f64x2 lane performs the scalar float64 operations of a
 * `engines/fft.ts` stage of the same radix (same twiddles, same expression
 * order, no fused multiply-add); only the factorisation differs (radix 4
 * where `engines/fft.ts` uses 8), so results agree with the TypeScript engine
 * to rounding (about 1e-16 of the largest value times log n). The engine is
 * used when WebAssembly SIMD is enabled (`IMFILTER_SIMD`, `withSimd`, see
 * `engines/simd.ts`).
 *
 * Layout: rows are transformed two at a time, interleaved ("pair layout":
 * element `x` of plane row `2g + e` at pair row `g`, index `2x + e`), so each
 * vector holds the same element of two rows; column blocks are gathered from
 * that layout. Sources are read in place from a copy of their samples (u8,
 * u16, f32 or f64, any channel stride), so interleaved channels need no
 * de-interleaving. Everything lives in the module's linear memory; the
 * instance is held through a weak reference, so the collector can reclaim
 * the (large) work planes, and repeated calls at one size reuse them.
 *
 * Internal: not re-exported by `mod.ts`.
 *
 * @module
 */

import { checkAbort } from "../core/abort.ts";
import { factorize } from "./fft.ts";
import { WASM_BASE64 as CORRELATE_WASM } from "./fft_correlate_wasm.ts";
import { WASM_BASE64 as STAGES_WASM } from "./fft_wasm.ts";
import { compileKernel, instantiateKernels, simdEnabled } from "./simd.ts";

/** A source plane of {@linkcode simdCorrelateValid}: samples read in place. */
export interface CorrelationSource {
  /** The samples (typed arrays are copied as they are; other arrays as float64). */
  data: ArrayLike<number>;
  /** Index of the plane's first sample. */
  offset: number;
  /** Samples between horizontal neighbours (the channel count of interleaved data). */
  tap: number;
}

/** A kernel plane (row-major, `w × h`). */
export interface CorrelationKernel {
  /** Row-major weights. */
  data: ArrayLike<number>;
}

interface FftExports {
  memory: WebAssembly.Memory;
  stage(
    r: number,
    xr: number,
    xi: number,
    yr: number,
    yi: number,
    tw: number,
    m: number,
    s: number,
  ): void;
  scale(
    r: number,
    xr: number,
    xi: number,
    yr: number,
    yi: number,
    tw: number,
    m: number,
    s: number,
    h: number,
  ): void;
  load_row(
    dst: number,
    step: number,
    src: number,
    tap: number,
    w: number,
    n: number,
    kind: number,
  ): void;
  gather(
    br: number,
    bi: number,
    pr: number,
    pi: number,
    ps: number,
    g: number,
    c0: number,
    cstep: number,
    qa: number,
    qb: number,
    bb: number,
  ): void;
  scatter(
    pr: number,
    pi: number,
    br: number,
    bi: number,
    ps: number,
    g: number,
    c0: number,
    cstep: number,
    qa: number,
    qb: number,
    bb: number,
  ): void;
  acc_direct(
    dr: number,
    di: number,
    zr: number,
    zi: number,
    kr: number,
    ki: number,
    n: number,
    first: number,
  ): void;
  acc_mirror(
    mr: number,
    mi: number,
    zr: number,
    zi: number,
    kr: number,
    ki: number,
    M: number,
    bb: number,
    first: number,
  ): void;
  unpack2(da: number, db: number, src: number, n: number, neg: number): void;
  unpack(dst: number, src: number, n: number, neg: number): void;
  win_add(col2: number, col1: number, b: number, bytes: number): void;
  win_slide(
    d2: number,
    d1: number,
    s2: number,
    s1: number,
    a: number,
    b: number,
    bytes: number,
  ): void;
  ccoeff_rows(
    oa: number,
    ob: number,
    va: number,
    vb: number,
    vstep: number,
    neg: number,
    c2a: number,
    c2b: number,
    c1a: number,
    c1b: number,
    cstride: number,
    C: number,
    w: number,
    ow: number,
    n: number,
    tn: number,
    half: number,
    eps: number,
    two: number,
    best: number,
    ibase: number,
  ): void;
}

/** Options of {@linkcode simdCorrelateValid}. */
export interface SimdCorrelateOptions {
  /**
   * Output row strips, one transform each (default: one, or more when the
   * work planes would exceed {@linkcode PLANE_BUDGET}).
   */
  strips?: number;
  /**
   * Score `ccoeff_normed` instead of returning the correlation (the kernels
   * must be mean-free; `tNorm = √Σ T'²`, `fltEpsilon` the guard's epsilon):
   * the scores are computed from the inverse transform's rows and the
   * window sums as `filters/match_template/scores.ts` computes them for 1
   * and 3 channels, so the correlation is never stored. Ignored (the
   * correlation is returned) for other channel counts or sources not laid
   * out alike.
   */
  ccoeffNormed?: { tNorm: number; fltEpsilon: number };
}

/** The result of {@linkcode simdCorrelateValid}: the correlation or the scores. */
export interface SimdCorrelation {
  /**
   * The correlation, `(W − w + 1) × (H − h + 1)` values (when not scoring):
   * a view of the engine's memory, valid until the engine's next call.
   */
  num?: Float64Array;
  /** The `ccoeff_normed` scores (when requested and possible), a fresh array. */
  scores?: Float32Array;
  /**
   * With the scores: the index of their first maximum in row-major order
   * (`undefined` when the first score is NaN, the case where "first
   * maximum" depends on how the scan starts).
   */
  best?: number;
}

/** Most bytes of work planes per transform; more output row strips beyond. */
export const PLANE_BUDGET = 512 * 2 ** 20;

/** Most bytes of engine memory (addresses stay below 2^31); beyond, `undefined`. */
const MEMORY_LIMIT = 2 ** 31 - 2 ** 26;

let compiled: [WebAssembly.Module, WebAssembly.Module] | undefined;
let instance: WeakRef<FftExports> | undefined;

/**
 * The engine's exports, or `undefined` when SIMD is off or unsupported: the
 * stages of `fft.wat` and the correlation steps of `fft_correlate.wat`, two
 * instances on one memory (the second imports the first's).
 */
function engine(): FftExports | undefined {
  if (!simdEnabled()) return undefined;
  let ex = instance?.deref();
  if (ex) return ex;
  compiled ??= [compileKernel(STAGES_WASM), compileKernel(CORRELATE_WASM)];
  ex = instantiateKernels(compiled) as unknown as FftExports;
  instance = new WeakRef(ex);
  return ex;
}

/** Whether the SIMD correlation engine can run now. */
export function simdCorrelationAvailable(): boolean {
  return engine() !== undefined;
}

/** A transform plan: the radices in order, their sub-lengths and twiddles. */
interface Plan {
  n: number;
  radices: number[];
  ms: number[];
  /** Byte offset of each stage's twiddles in {@linkcode Plan.tw}. */
  offsets: number[];
  /** Twiddles, `(re, im)` per `(stage, p, u)`: `tw[2·(p·(r − 1) + u − 1)]` after the offset. */
  tw: Float64Array;
}

const plans = new Map<number, Plan | null>();

/**
 * The radices of `n` for the wasm plans: `engines/fft.ts`'s factorisation
 * without radix 8 (slower than two radix-4 stages in f64x2, see `fft.wat`),
 * or `undefined` when `n` has a prime factor above 5.
 */
function wasmRadices(n: number): number[] | undefined {
  const f = factorize(n, false);
  return f.every((r) => r <= 5) ? f : undefined;
}

function planFor(n: number): Plan | undefined {
  const cached = plans.get(n);
  if (cached !== undefined) return cached ?? undefined;
  const radices = wasmRadices(n);
  let plan: Plan | null = null;
  if (radices && radices.length > 0) {
    const ms: number[] = [], offsets: number[] = [];
    let len = n, total = 0;
    for (const r of radices) {
      ms.push(len / r);
      offsets.push(total * 16);
      total += (len / r) * (r - 1);
      len /= r;
    }
    const tw = new Float64Array(2 * total);
    len = n;
    for (let k = 0; k < radices.length; k++) {
      const r = radices[k], m = ms[k], o = offsets[k] / 8;
      for (let p = 0; p < m; p++) {
        for (let u = 1; u < r; u++) {
          // The twiddles of engines/fft.ts, computed the same way.
          const a = (-2 * Math.PI * p * u) / len;
          tw[o + 2 * (p * (r - 1) + u - 1)] = Math.cos(a);
          tw[o + 2 * (p * (r - 1) + u - 1) + 1] = Math.sin(a);
        }
      }
      len = m;
    }
    plan = { n, radices, ms, offsets, tw };
  }
  if (plans.size > 64) plans.clear();
  plans.set(n, plan);
  return plan ?? undefined;
}

/** Sample kinds of `load_row`. */
const KIND_F64 = 0, KIND_U8 = 1, KIND_U16 = 2, KIND_F32 = 3;

function kindOf(data: ArrayLike<number>): [number, number] | undefined {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return [KIND_U8, 1];
  if (data instanceof Uint16Array) return [KIND_U16, 2];
  if (data instanceof Float32Array) return [KIND_F32, 4];
  if (data instanceof Float64Array) return [KIND_F64, 8];
  return undefined;
}

/** Rounds up to a multiple of 64 bytes. */
function align(v: number): number {
  return Math.ceil(v / 64) * 64;
}

/** Columns per block in the column pass (as `correlateValidFFT`). */
const BLOCK = 8;

/**
 * Runs the stages of `plan` on a batch of `s` sequences (`s` even): from
 * `(inR, inI)`, through `(tmpR, tmpI)` and `(inR, inI)` alternately, into
 * `(outR, outI)`, which must differ from both (the input is overwritten).
 * `sparse > 0`: only the first `sparse` elements of each sequence are
 * non-zero (and the rest are not read); the leading stages whose sub-length
 * is at least `sparse` reduce to twiddle scaling.
 */
function run(
  ex: FftExports,
  plan: Plan,
  twAddr: number,
  s: number,
  inR: number,
  inI: number,
  tmpR: number,
  tmpI: number,
  outR: number,
  outI: number,
  sparse = 0,
): void {
  const k = plan.radices.length;
  let srcR = inR, srcI = inI;
  let dense = sparse === 0;
  for (let i = 0; i < k; i++) {
    const r = plan.radices[i], m = plan.ms[i];
    const last = i === k - 1, toTmp = i % 2 === 0;
    const dstR = last ? outR : toTmp ? tmpR : inR, dstI = last ? outI : toTmp ? tmpI : inI;
    const tw = twAddr + plan.offsets[i];
    if (!dense && m >= sparse) {
      ex.scale(r, srcR, srcI, dstR, dstI, tw, m, s, sparse);
    } else {
      if (!dense && i === 0) {
        // A full first stage reads the zeros beyond the first `sparse` elements.
        const from = sparse * s, n = plan.n * s;
        new Float64Array(ex.memory.buffer, srcR + 8 * from, n - from).fill(0);
        new Float64Array(ex.memory.buffer, srcI + 8 * from, n - from).fill(0);
      }
      dense = true;
      ex.stage(r, srcR, srcI, dstR, dstI, tw, m, s);
    }
    srcR = dstR;
    srcI = dstI;
    s *= r;
  }
}

/**
 * Valid-mode correlation summed over channels, `out[y][x] = Σ_c Σ_j Σ_i
 * K_c[j][i] · I_c[y + j][x + i]` (size `(W − w + 1) × (H − h + 1)`), by the
 * SIMD engine, or the `ccoeff_normed` scores from it
 * ({@linkcode SimdCorrelateOptions.ccoeffNormed}); the sizes are checked by
 * the caller. `fastSize(n)` gives the transform length for `n`
 * (`nextFastSize`). Returns `undefined` when SIMD is off, a length has a
 * prime factor above 5, or the memory cannot grow: the caller then runs the
 * TypeScript engine.
 */
export function simdCorrelateValid(
  sources: readonly CorrelationSource[],
  W: number,
  H: number,
  kernels: readonly CorrelationKernel[],
  w: number,
  h: number,
  fastSize: (n: number) => number,
  options: SimdCorrelateOptions = {},
): SimdCorrelation | undefined {
  const ow = W - w + 1, oh = H - h + 1, C = sources.length;
  if (C === 0 || C !== kernels.length || ow < 1 || oh < 1) return undefined;
  const N = fastSize(W), half = N >> 1, KW = half + 1, PS = 16 * N + 128;
  // Output row strips: as asked, else as few as keep the planes in budget.
  const planesFor = (T: number) => {
    const M = fastSize(Math.ceil(Math.ceil(oh / T) / 2) + h - 1);
    return { M, bytes: 2 * C * Math.ceil(M / 2) * PS };
  };
  let strips = options.strips ?? 1;
  if (options.strips === undefined) {
    while (strips < oh && planesFor(strips).bytes > PLANE_BUDGET) strips *= 2;
  }
  strips = Math.max(1, Math.min(strips, Math.ceil(oh / 2)));
  const stripRows = Math.ceil(oh / strips), M = planesFor(strips).M;
  if (N < 2 || M < 2) return undefined;
  const rowPlan = planFor(N), colPlan = planFor(M);
  if (!rowPlan || !colPlan) return undefined;
  const ex = engine();
  if (!ex) return undefined;
  // Source copies, one per distinct array.
  const copies = new Map<ArrayLike<number>, { kind: number; size: number; addr: number }>();
  const views = new Map<ArrayLike<number>, ArrayBufferView>();
  for (const s of sources) {
    if (copies.has(s.data)) continue;
    let d: ArrayLike<number> = s.data, k = kindOf(d);
    if (!k) {
      d = Float64Array.from(s.data);
      k = [KIND_F64, 8];
    }
    views.set(s.data, d as unknown as ArrayBufferView);
    copies.set(s.data, { kind: k[0], size: k[1], addr: 0 });
  }
  // Scoring needs the channels at one stride in one kind.
  const first = copies.get(sources[0].data)!, tap0 = sources[0].tap;
  const base = (s: CorrelationSource) => copies.get(s.data)!.addr + s.offset * first.size;
  let score = options.ccoeffNormed !== undefined && (C === 1 || C === 3);
  for (const s of sources) {
    if (s.tap !== tap0 || copies.get(s.data)!.kind !== first.kind) score = false;
  }

  // Memory map (bytes). Pair rows are PS apart: 16·N plus 128 bytes, so that
  // a block's column reads do not map onto a few cache sets.
  const Mp = M + (M & 1), G = Mp >> 1;
  const B = Math.min(BLOCK, KW), BB = B + (B & 1), bm = align(BB * Mp * 8), pr = align(16 * N);
  const hk = h + 3 & ~3; // kernel rows, four per pair transform
  let top = 64;
  const take = (bytes: number) => {
    const a = top;
    top += align(bytes);
    return a;
  };
  const twRow = take(rowPlan.tw.byteLength), twCol = take(colPlan.tw.byteLength);
  const [Ar, Ai, Br, Bi, Or, Oi] = Array.from({ length: 6 }, () => take(pr)); // row pairs
  const [Xr, Xi, Yr, Yi, Zr, Zi, KBr, KBi, Kr, Ki, Dr, Di, MRr, MRi] = Array.from(
    { length: 14 },
    () => take(bm),
  );
  const kRow = Array.from({ length: 2 * C }, () => take(hk * KW * 8));
  for (const [data, c] of copies) c.addr = take(views.get(data)!.byteLength);
  const planeBytes = G * PS;
  const planes = Array.from({ length: 2 * C }, () => take(planeBytes));
  // Scoring: two window cursors (ring of source rows, column sums of two
  // rows) and the scores; else the correlation.
  const Wp = W + (W & 1), Wb = 8 * Wp;
  const cursorBytes = (C * (h + 1) + 2 * (C + 1)) * Wb;
  const cursorAt = score ? [take(cursorBytes), take(cursorBytes)] : [];
  const bestAt = take(32); // f32x4 best scores, i32x4 indices
  const outAddr = score ? take(ow * oh * 4) : take(ow * oh * 8);
  if (top > MEMORY_LIMIT) return undefined;
  try {
    const have = ex.memory.buffer.byteLength;
    if (top > have) ex.memory.grow(Math.ceil((top - have) / 65536));
  } catch {
    return undefined; // no memory: the TypeScript engine runs instead
  }
  const buf = ex.memory.buffer;
  new Float64Array(buf, twRow, rowPlan.tw.length).set(rowPlan.tw);
  new Float64Array(buf, twCol, colPlan.tw.length).set(colPlan.tw);
  for (const [data, c] of copies) {
    const d = views.get(data)!;
    new Uint8Array(buf, c.addr, d.byteLength).set(
      new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
    );
  }

  // Row spectra of the kernels' rows, columns 0…N/2, scaled by 1/(N·M);
  // two real rows per complex sequence, two sequences per transform.
  const f = 1 / (N * M);
  for (let c = 0; c < C; c++) {
    const d = kernels[c].data;
    const re = new Float64Array(buf, kRow[2 * c], hk * KW);
    const im = new Float64Array(buf, kRow[2 * c + 1], hk * KW);
    const ar = new Float64Array(buf, Ar, 2 * N), ai = new Float64Array(buf, Ai, 2 * N);
    const sr = new Float64Array(buf, Or, 2 * N), si = new Float64Array(buf, Oi, 2 * N);
    for (let j = 0; j < h; j += 4) {
      ar.fill(0);
      ai.fill(0);
      for (let e = 0; e < 2; e++) {
        const j0 = j + 2 * e, j1 = j0 + 1;
        for (let x = 0; x < w; x++) {
          if (j0 < h) ar[2 * x + e] = d[j0 * w + x];
          if (j1 < h) ai[2 * x + e] = d[j1 * w + x];
        }
      }
      run(ex, rowPlan, twRow, 2, Ar, Ai, Br, Bi, Or, Oi);
      for (let e = 0; e < 2; e++) {
        const j0 = j + 2 * e, two = j0 + 1 < h;
        if (j0 >= h) break;
        for (let u = 0, o = j0 * KW; u < KW; u++) {
          const un = u === 0 ? 0 : N - u;
          const pr = sr[2 * u + e], pi = si[2 * u + e], qr = sr[2 * un + e], qi = -si[2 * un + e];
          re[o + u] = 0.5 * f * (pr + qr);
          im[o + u] = 0.5 * f * (pi + qi);
          if (two) {
            re[o + KW + u] = 0.5 * f * (pi - qi);
            im[o + KW + u] = -0.5 * f * (pr - qr);
          }
        }
      }
    }
  }

  // The window sums of ccoeff_normed: a cursor walks down output rows.
  const rowBytes = W * tap0 * first.size, tapBytes = tap0 * first.size;
  const cursors = cursorAt.map((at) => {
    const ring = at, col2 = [ring + C * (h + 1) * Wb, ring + (C * (h + 1) + 1) * Wb];
    const col1 = [col2[1] + Wb, col2[1] + (1 + C) * Wb];
    const slot = (c: number, r: number) => ring + (c * (h + 1) + r % (h + 1)) * Wb;
    const load = (r: number) => {
      for (let c = 0; c < C; c++) {
        const from = base(sources[c]) + r * rowBytes;
        ex.load_row(slot(c, r), 8, from, tapBytes, r < H ? W : 0, Wp, first.kind);
      }
    };
    let y = 0, par = 0;
    return {
      /** Sums of row y0 (as the TypeScript loop: rows y0 … y0 + h − 1 entering). */
      reset(y0: number) {
        y = y0;
        par = 0;
        new Uint8Array(buf, col2[0], Wb).fill(0);
        new Uint8Array(buf, col1[0], C * Wb).fill(0);
        for (let j = 0; j < h; j++) {
          load(y0 + j);
          for (let c = 0; c < C; c++) ex.win_add(col2[0], col1[0] + c * Wb, slot(c, y0 + j), Wb);
        }
      },
      /** One row down: row y leaves, row y + h enters. */
      step() {
        load(y + h);
        const d = 1 - par;
        for (let c = 0; c < C; c++) {
          const s2 = c === 0 ? col2[par] : col2[d], o = c * Wb;
          ex.win_slide(col2[d], col1[d] + o, s2, col1[par] + o, slot(c, y), slot(c, y + h), Wb);
        }
        y++;
        par = d;
      },
      /** Sums of the current row. */
      get c2() {
        return col2[par];
      },
      get c1() {
        return col1[par];
      },
    };
  });
  new Float32Array(buf, bestAt, 4).fill(-Infinity);
  new Int32Array(buf, bestAt + 16, 4).fill(0x7fffffff);
  const n = w * h, tNorm = options.ccoeffNormed?.tNorm ?? 0;
  const tn = tNorm / Math.sqrt(n), halfN = 0.5 * n;
  const eps = 10 * (options.ccoeffNormed?.fltEpsilon ?? 0) * n;
  /**
   * Scores output rows y, y + 1 (two when both are there) of a cursor now at
   * row y from the inverse transform's pair row `(va, va + 8)`; leaves the
   * cursor at the last row scored.
   */
  const scoreRows = (
    cur: (typeof cursors)[number],
    y: number,
    two: boolean,
    va: number,
    neg: number,
  ) => {
    const c2a = cur.c2, c1a = cur.c1;
    if (two) cur.step();
    const oa = outAddr + y * ow * 4;
    ex.ccoeff_rows(
      oa,
      oa + ow * 4,
      va,
      va + 8,
      16,
      neg,
      c2a,
      cur.c2,
      c1a,
      cur.c1,
      Wb,
      C,
      w,
      ow,
      n,
      tn,
      halfN,
      eps,
      two ? 1 : 0,
      bestAt,
      y * ow,
    );
  };

  const kbr = new Float64Array(buf, KBr, BB * Mp), kbi = new Float64Array(buf, KBi, BB * Mp);
  const mirrorEnd = N - half - 1; // columns 1…mirrorEnd have a distinct mirror N − u
  const rowOut = ow * 8;
  for (let Y0 = 0; Y0 < oh; Y0 += stripRows) {
    checkAbort();
    // Output rows Y0 … Y0 + ohs − 1 from source rows Y0 … Y0 + ohs + h − 2.
    const ohs = Math.min(stripRows, oh - Y0), Hs = ohs + h - 1;
    const o1 = Math.ceil(ohs / 2), rowsA = o1 + h - 1, rowsB = ohs > o1 ? Hs - o1 : 0;
    // 1. Row transforms of each channel's packed rows, into the planes (pair
    // layout). Re: rows 0 … rowsA − 1; im: rows o1 … Hs − 1; zero beyond.
    for (let c = 0; c < C; c++) {
      const s = sources[c], cp = copies.get(s.data)!;
      const rb = W * s.tap * cp.size, tap = s.tap * cp.size;
      const at = cp.addr + (s.offset + Y0 * W * s.tap) * cp.size;
      const pRe = planes[2 * c], pIm = planes[2 * c + 1];
      for (let g = 0; g < G; g++) {
        if (2 * g >= rowsA) {
          new Uint8Array(buf, pRe + g * PS, planeBytes - g * PS).fill(0);
          new Uint8Array(buf, pIm + g * PS, planeBytes - g * PS).fill(0);
          break;
        }
        for (let e = 0; e < 2; e++) {
          const y = 2 * g + e, yb = y + o1;
          ex.load_row(Ar + 8 * e, 16, at + y * rb, tap, y < rowsA ? W : 0, N, cp.kind);
          ex.load_row(Ai + 8 * e, 16, at + yb * rb, tap, y < rowsB ? W : 0, N, cp.kind);
        }
        run(ex, rowPlan, twRow, 2, Ar, Ai, Br, Bi, pRe + g * PS, pIm + g * PS);
      }
    }
    // 2. Column blocks: columns u0…u0+b−1 (≤ N/2) and their mirrors N − u.
    // P = conj(Z·conj(K)) / (N·M), so that the inverse is a forward transform.
    for (let u0 = 0; u0 < KW; u0 += B) {
      const b = Math.min(B, KW - u0), bb = b + (b & 1), nb = bb * M;
      const q0 = u0 >= 1 ? 0 : 1, q1 = Math.min(b, mirrorEnd - u0 + 1);
      const mirror = mirrorEnd >= 1 && q1 > q0;
      for (let c = 0; c < C; c++) {
        // Kernel column spectra of this block (rows ≥ h are zero).
        const kr = new Float64Array(buf, kRow[2 * c], hk * KW);
        const ki = new Float64Array(buf, kRow[2 * c + 1], hk * KW);
        for (let v = 0; v < h; v++) {
          const o = v * KW + u0, p = v * bb;
          for (let q = 0; q < b; q++) {
            kbr[p + q] = kr[o + q];
            kbi[p + q] = ki[o + q];
          }
          if (bb > b) kbr[p + b] = kbi[p + b] = 0;
        }
        run(ex, colPlan, twCol, bb, KBr, KBi, Yr, Yi, Kr, Ki, h);
        // Direct block: P += conj(Z)·K.
        const pRe = planes[2 * c], pIm = planes[2 * c + 1];
        ex.gather(Xr, Xi, pRe, pIm, PS, G, 16 * u0, 16, 0, b, bb);
        run(ex, colPlan, twCol, bb, Xr, Xi, Yr, Yi, Zr, Zi);
        ex.acc_direct(Dr, Di, Zr, Zi, Kr, Ki, nb, c === 0 ? 1 : 0);
        if (!mirror) continue;
        // Mirror block, column N − (u0 + q) at q: P += conj(Z · K[−v][u]).
        ex.gather(Xr, Xi, pRe, pIm, PS, G, 16 * (N - u0), -16, q0, q1, bb);
        run(ex, colPlan, twCol, bb, Xr, Xi, Yr, Yi, Zr, Zi);
        ex.acc_mirror(MRr, MRi, Zr, Zi, Kr, Ki, M, bb, c === 0 ? 1 : 0);
      }
      // Inverse column transforms, written back over channel 0's columns.
      run(ex, colPlan, twCol, bb, Dr, Di, Yr, Yi, Xr, Xi);
      ex.scatter(planes[0], planes[1], Xr, Xi, PS, G, 16 * u0, 16, 0, b, bb);
      if (!mirror) continue;
      run(ex, colPlan, twCol, bb, MRr, MRi, Yr, Yi, Xr, Xi);
      ex.scatter(planes[0], planes[1], Xr, Xi, PS, G, 16 * (N - u0), -16, q0, q1, bb);
    }
    // 3. Inverse row transforms of the rows that hold output: rows y < o1 are
    // the real parts, rows o1 + y the negated imaginary parts. Scoring: a
    // cursor for each half; else the halves are stored.
    if (score) {
      cursors[0].reset(Y0);
      if (ohs > o1) cursors[1].reset(Y0 + o1);
    }
    const out0 = outAddr + Y0 * rowOut;
    for (let g = 0; 2 * g < o1; g++) {
      run(ex, rowPlan, twRow, 2, planes[0] + g * PS, planes[1] + g * PS, Ar, Ai, Or, Oi);
      const y = 2 * g;
      // ohs ≤ 2·o1, so row y + 1 + o1 exists only when y + 1 < o1.
      if (score) {
        if (g > 0) cursors[0].step();
        scoreRows(cursors[0], Y0 + y, y + 1 < o1, Or, 0);
        if (y + o1 < ohs) {
          if (g > 0) cursors[1].step();
          scoreRows(cursors[1], Y0 + o1 + y, y + 1 + o1 < ohs, Oi, 1);
        }
        continue;
      }
      if (y + 1 < o1) ex.unpack2(out0 + y * rowOut, out0 + (y + 1) * rowOut, Or, ow, 0);
      else ex.unpack(out0 + y * rowOut, Or, ow, 0);
      if (y + 1 + o1 < ohs) {
        ex.unpack2(out0 + (y + o1) * rowOut, out0 + (y + 1 + o1) * rowOut, Oi, ow, 1);
      } else if (y + o1 < ohs) ex.unpack(out0 + (y + o1) * rowOut, Oi, ow, 1);
    }
  }
  if (score) {
    const scores = new Float32Array(buf, outAddr, ow * oh).slice();
    const bv = new Float32Array(buf, bestAt, 2), bi = new Int32Array(buf, bestAt + 16, 2);
    const l = bv[1] > bv[0] || (bv[1] === bv[0] && bi[1] < bi[0]) ? 1 : 0;
    // No score beats −∞ only when all are NaN or −∞: leave those to the caller.
    const best = scores[0] === scores[0] && bv[l] > -Infinity ? bi[l] : undefined;
    return { scores, best };
  }
  return { num: new Float64Array(buf, outAddr, ow * oh) };
}
