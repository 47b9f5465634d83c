/**
 * imfilter's own zlib (RFC 1950) / deflate (RFC 1951) compressor, for PNG
 * and TIFF: fast, deterministic (the same bytes in every runtime) and
 * bounded in memory, whatever the input size.
 *
 * Matching is zlib's `Z_RLE` strategy, what OpenCV writes PNG with: a byte
 * equal to the one before it starts a run, coded as a match at distance 1
 * when it is 3 to 258 bytes long; everything else is a literal. On filtered
 * image rows that finds nearly all the redundancy a level-1 hash matcher
 * would, at a fraction of the cost. Each block (at most
 * {@linkcode BLOCK_SYMBOLS} symbols or {@linkcode BLOCK_INPUT} input bytes)
 * gets its own length-limited Huffman code and is written as whichever of
 * dynamic, fixed or stored is smallest, so incompressible data grows by 5
 * bytes per block.
 *
 * The loops over bytes (Adler-32, run finding, Huffman coding, stored
 * copies) are scalar WebAssembly (`deflate.wat`), the per-block decisions
 * TypeScript (here). The input passes through a fixed 2 MiB window, so the
 * extra memory is about 7 MiB (the kernel's) plus the output.
 *
 * @module
 */

import { compileKernel } from "../engines/simd.ts";
import { WASM_BASE64 } from "./deflate_wasm.ts";

/**
 * Most symbols in one block. zlib's default is 16 Ki; on the 12 MP photo of
 * bench/png_encode.ts 16 Ki, 32 Ki and 64 Ki give 19.34, 19.31 and 19.29 MB
 * (fewer headers, and half the per-block work each time). 65535, not 65536,
 * so an incompressible block is one stored block.
 */
export const BLOCK_SYMBOLS = 65535;
/** Most input bytes one block starts matches in (so a stored block's bytes stay in the window). */
export const BLOCK_INPUT = 1 << 20;

// Memory layout (bytes), shared with deflate.wat.
const FREQ = 4096;
const SYM = 8192;
const OUT = SYM + 2 * BLOCK_SYMBOLS;
const OUT_CAP = 4 << 20;
/** Output taken out of the kernel when less than a block's worst case is left. */
const OUT_FLUSH = OUT + OUT_CAP - BLOCK_INPUT - (64 << 10);
const IN = OUT + OUT_CAP + 64;
const IN_END = IN + 2 * BLOCK_INPUT;
const MEMORY = IN_END + 64;
const MAX_MATCH = 258;

interface Exports {
  memory: WebAssembly.Memory;
  adler32(adler: number, p: number, n: number): number;
  block_reset(): void;
  nsym(): number;
  scan(p: number, end: number, avail: number, first: number, maxsym: number): number;
  encode(): void;
  put_bits(v: number, n: number): void;
  align(): void;
  put_stored(src: number, len: number): void;
  out(): number;
  set_out(p: number): void;
  reset(out: number): void;
}

let module: WebAssembly.Module | undefined;
/** Idle kernel instances (one is enough unless deflates nest). */
const idle: Exports[] = [];

function takeKernel(): Exports {
  const have = idle.pop();
  if (have) return have;
  module ??= compileKernel(WASM_BASE64);
  const e = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
  const bytes = e.memory.buffer.byteLength;
  if (MEMORY > bytes) e.memory.grow(Math.ceil((MEMORY - bytes) / 65536));
  return e;
}

// ---- the static tables of RFC 1951 ----

const LENGTH_BASE = [
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
];
const LENGTH_EXTRA = [
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
];
/** The length code (0–28) of each match length − 3. */
const LENGTH_CODE = new Uint8Array(256);
for (let c = 0; c < 29; c++) {
  const end = c === 28 ? 256 : LENGTH_BASE[c + 1] - 3;
  for (let k = LENGTH_BASE[c] - 3; k < end; k++) LENGTH_CODE[k] = c;
}
LENGTH_CODE[255] = 28; // 258 has its own code, not 227 + 31
/** Order of the code length code lengths in a dynamic header. */
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const FIXED_LIT = new Uint8Array(288);
FIXED_LIT.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
const FIXED_DIST = new Uint8Array(30).fill(5);

// ---- Huffman codes ----

/**
 * Code lengths (at most `maxBits`) of a Huffman code for `freq`: an optimal
 * code built from the symbols sorted by (count, symbol), then, if too deep,
 * lengths moved until the Kraft sum is exact (miniz's method), and lengths
 * handed out again shortest to most frequent. At least two symbols get a
 * code (zlib does the same), so every code is complete.
 */
export function huffmanLengths(freq: ArrayLike<number>, maxBits: number): Uint8Array {
  const n = freq.length;
  const lengths = new Uint8Array(n);
  let m = 0;
  for (let s = 0; s < n; s++) if (freq[s] > 0) m++;
  const keys = new Float64Array(Math.max(m, 2));
  for (let s = 0, j = 0; s < n; s++) if (freq[s] > 0) keys[j++] = freq[s] * 1024 + s;
  for (let s = 0; m < 2 && s < n; s++) if (!(freq[s] > 0)) keys[m++] = s; // count 0
  keys.sort();
  const weight = new Float64Array(2 * m - 1);
  const parent = new Int32Array(2 * m - 1);
  for (let i = 0; i < m; i++) weight[i] = Math.floor(keys[i] / 1024);
  // Two queues: sorted leaves, and internal nodes (made in non-decreasing order).
  let leaf = 0, node = m;
  for (let k = m; k < 2 * m - 1; k++) {
    for (let pick = 0; pick < 2; pick++) {
      const useLeaf = leaf < m && (node >= k || weight[leaf] <= weight[node]);
      const child = useLeaf ? leaf++ : node++;
      weight[k] += weight[child];
      parent[child] = k;
    }
  }
  const depth = new Uint8Array(2 * m - 1);
  const count = new Int32Array(Math.max(maxBits, 2 * m) + 1);
  for (let k = 2 * m - 3; k >= 0; k--) depth[k] = depth[parent[k]] + 1;
  for (let i = 0; i < m; i++) count[depth[i]]++;
  let total = 0;
  for (let len = maxBits + 1; len < count.length; len++) {
    count[maxBits] += count[len];
    count[len] = 0;
  }
  for (let len = 1; len <= maxBits; len++) total += count[len] * 2 ** (maxBits - len);
  while (total > 2 ** maxBits) {
    count[maxBits]--;
    for (let len = maxBits - 1; len > 0; len--) {
      if (count[len]) {
        count[len]--;
        count[len + 1] += 2;
        break;
      }
    }
    total--;
  }
  // Least frequent first get the longest codes.
  let i = 0;
  for (let len = maxBits; len > 0; len--) {
    for (let c = count[len]; c > 0; c--) lengths[keys[i++] % 1024] = len;
  }
  return lengths;
}

/** Each byte with its bits in reverse order. */
const REVERSED = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  for (let b = 0; b < 8; b++) REVERSED[i] |= ((i >> b) & 1) << (7 - b);
}

/** Canonical codes (RFC 1951 3.2.2) of `lengths`, bit-reversed for LSB-first output. */
function canonicalCodes(lengths: Uint8Array): Uint16Array {
  const count = new Uint16Array(16);
  for (const l of lengths) count[l]++;
  count[0] = 0;
  const next = new Uint16Array(16);
  for (let len = 1, code = 0; len < 16; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  const codes = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s];
    if (len === 0) continue;
    const c = next[len]++;
    codes[s] = ((REVERSED[c & 255] << 8) | REVERSED[c >> 8]) >> (16 - len);
  }
  return codes;
}

// ---- blocks ----

/** The code lengths sequence of a dynamic header, as (symbol, extra) pairs. */
function lengthRuns(seq: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < seq.length;) {
    const v = seq[i];
    let run = 1;
    while (i + run < seq.length && seq[i + run] === v) run++;
    i += run;
    if (v === 0) {
      while (run >= 11) {
        const r = Math.min(run, 138);
        out.push(18, r - 11);
        run -= r;
      }
      if (run >= 3) {
        out.push(17, run - 3);
        run = 0;
      }
    } else {
      out.push(v, 0);
      run--;
      while (run >= 3) {
        const r = Math.min(run, 6);
        out.push(16, r - 3);
        run -= r;
      }
    }
    for (; run > 0; run--) out.push(v, 0);
  }
  return out;
}

const CL_EXTRA = [2, 3, 7];

/** Streams bytes through one kernel instance into zlib data. */
class ZlibWriter {
  readonly #k: Exports;
  readonly #u8: Uint8Array;
  readonly #u32: Uint32Array;
  readonly #parts: Uint8Array[] = [];
  #fill = IN;
  #pos = IN;
  #blockStart = IN;
  #first = IN;
  #adler = 1;

  constructor(k: Exports) {
    this.#k = k;
    this.#u8 = new Uint8Array(k.memory.buffer);
    this.#u32 = new Uint32Array(k.memory.buffer);
    k.reset(OUT);
    k.block_reset();
    // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (fastest, as zlib level 1 writes).
    k.put_bits(0x0178, 16);
  }

  push(data: Uint8Array): void {
    for (let off = 0; off < data.length;) {
      if (this.#fill === IN_END) this.#compact();
      const take = Math.min(IN_END - this.#fill, data.length - off);
      this.#u8.set(data.subarray(off, off + take), this.#fill);
      this.#adler = this.#k.adler32(this.#adler, this.#fill, take);
      this.#fill += take;
      off += take;
      this.#run(false);
    }
  }

  finish(): Uint8Array {
    this.#run(true);
    this.#block(true);
    const k = this.#k;
    k.align();
    const a = this.#adler >>> 0;
    for (let shift = 24; shift >= 0; shift -= 8) k.put_bits((a >>> shift) & 255, 8);
    this.#take();
    const parts = this.#parts;
    if (parts.length === 1) return parts[0];
    let total = 0;
    for (const p of parts) total += p.length;
    const out = new Uint8Array(total);
    for (let i = 0, at = 0; i < parts.length; at += parts[i++].length) out.set(parts[i], at);
    return out;
  }

  /** Finds symbols as far as the input allows, writing each full block. */
  #run(final: boolean): void {
    const k = this.#k;
    for (;;) {
      const limit = final ? this.#fill : this.#fill - MAX_MATCH;
      const stop = Math.min(limit, this.#blockStart + BLOCK_INPUT);
      if (this.#pos < stop) {
        this.#pos = k.scan(this.#pos, stop, this.#fill, this.#first, BLOCK_SYMBOLS);
      }
      if (k.nsym() < BLOCK_SYMBOLS && this.#pos < this.#blockStart + BLOCK_INPUT) return;
      if (final && this.#pos === this.#fill) return; // finish() writes it, as the last block
      this.#block(false);
    }
  }

  /** Moves the unfinished input (and the byte before it) to the window's start. */
  #compact(): void {
    const from = this.#blockStart - 1, shift = from - (IN - 1);
    this.#u8.copyWithin(IN - 1, from, this.#fill);
    this.#fill -= shift;
    this.#pos -= shift;
    this.#blockStart -= shift;
    this.#first = this.#first - shift >= IN ? this.#first - shift : 0;
  }

  /** Copies the finished output bytes out of the kernel. */
  #take(): void {
    const k = this.#k, end = k.out();
    if (end > OUT) this.#parts.push(this.#u8.slice(OUT, end));
    // The pending bits' byte is rewritten from the bit buffer at the new place.
    k.set_out(OUT);
  }

  /** Writes the current block as dynamic, fixed or stored, whichever is smallest. */
  #block(last: boolean): void {
    const k = this.#k, u32 = this.#u32, f0 = FREQ >> 2;
    const inputBytes = this.#pos - this.#blockStart;
    const lit = new Float64Array(286), dist = new Float64Array(30);
    for (let s = 0; s < 256; s++) lit[s] = u32[f0 + s];
    lit[256] = 1;
    let extraBits = 0;
    for (let m = 0; m < 256; m++) {
      const c = u32[f0 + 256 + m];
      if (c === 0) continue;
      const code = LENGTH_CODE[m];
      lit[257 + code] += c;
      dist[0] += c;
      extraBits += c * LENGTH_EXTRA[code];
    }
    const litLen = huffmanLengths(lit, 15), distLen = huffmanLengths(dist, 15);
    let hlit = 286, hdist = 30;
    while (hlit > 257 && litLen[hlit - 1] === 0) hlit--;
    while (hdist > 1 && distLen[hdist - 1] === 0) hdist--;
    const seq = new Uint8Array(hlit + hdist);
    seq.set(litLen.subarray(0, hlit));
    seq.set(distLen.subarray(0, hdist), hlit);
    const runs = lengthRuns(seq);
    const clFreq = new Float64Array(19);
    for (let i = 0; i < runs.length; i += 2) clFreq[runs[i]]++;
    const clLen = huffmanLengths(clFreq, 7);
    let hclen = 19;
    while (hclen > 4 && clLen[CL_ORDER[hclen - 1]] === 0) hclen--;
    let dynamicBits = 3 + 14 + 3 * hclen + extraBits, fixedBits = 3 + extraBits;
    for (let i = 0; i < runs.length; i += 2) {
      const s = runs[i];
      dynamicBits += clLen[s] + (s >= 16 ? CL_EXTRA[s - 16] : 0);
    }
    for (let s = 0; s < 286; s++) {
      dynamicBits += lit[s] * litLen[s];
      fixedBits += lit[s] * FIXED_LIT[s];
    }
    dynamicBits += dist[0] * distLen[0];
    fixedBits += dist[0] * 5;
    const storedBits = 8 * (inputBytes + 5 * Math.max(1, Math.ceil(inputBytes / 65535)));
    if (storedBits < dynamicBits && storedBits < fixedBits) {
      for (let at = this.#blockStart, left = inputBytes; left > 0;) {
        const n = Math.min(left, 65535);
        left -= n;
        k.put_bits(last && left === 0 ? 1 : 0, 3);
        k.put_stored(at, n);
        at += n;
      }
    } else if (fixedBits <= dynamicBits) {
      k.put_bits(last ? 3 : 2, 3); // BTYPE 01
      this.#symbols(FIXED_LIT, FIXED_DIST);
    } else {
      k.put_bits(last ? 5 : 4, 3); // BTYPE 10
      k.put_bits(hlit - 257, 5);
      k.put_bits(hdist - 1, 5);
      k.put_bits(hclen - 4, 4);
      for (let i = 0; i < hclen; i++) k.put_bits(clLen[CL_ORDER[i]], 3);
      const clCodes = canonicalCodes(clLen);
      for (let i = 0; i < runs.length; i += 2) {
        const s = runs[i];
        k.put_bits(clCodes[s], clLen[s]);
        if (s >= 16) k.put_bits(runs[i + 1], CL_EXTRA[s - 16]);
      }
      this.#symbols(litLen, distLen);
    }
    this.#blockStart = this.#pos;
    k.block_reset();
    if (k.out() >= OUT_FLUSH) this.#take();
  }

  /** Fills the kernel's code table from the lengths and writes the symbols and end of block. */
  #symbols(litLen: Uint8Array, distLen: Uint8Array): void {
    const u32 = this.#u32, lit = canonicalCodes(litLen), dcode = canonicalCodes(distLen)[0];
    const dl = distLen[0];
    for (let s = 0; s < 256; s++) {
      u32[2 * s] = lit[s];
      u32[2 * s + 1] = litLen[s] << 24;
    }
    for (let m = 0; m < 256; m++) {
      const c = LENGTH_CODE[m], ll = litLen[257 + c], eb = LENGTH_EXTRA[c];
      const bits = lit[257 + c] + (m + 3 - LENGTH_BASE[c]) * 2 ** ll + dcode * 2 ** (ll + eb);
      const hi = Math.floor(bits / 2 ** 32);
      u32[2 * (256 + m)] = bits - hi * 2 ** 32;
      u32[2 * (256 + m) + 1] = hi | ((ll + eb + dl) << 24);
    }
    this.#k.encode();
    this.#k.put_bits(lit[256], litLen[256]);
  }
}

/**
 * Compresses to the zlib format. `input` is the bytes, or a function that
 * hands them over in parts (synchronously: `push` copies each part, so a
 * caller may reuse its buffer), so a producer needs no room for all of them.
 * The output is the same for any split of the same bytes.
 */
export function zlibDeflate(
  input: Uint8Array | ((push: (part: Uint8Array) => void) => void),
): Uint8Array {
  const k = takeKernel();
  try {
    const w = new ZlibWriter(k);
    if (input instanceof Uint8Array) w.push(input);
    else input((part) => w.push(part));
    return w.finish();
  } finally {
    idle.push(k);
  }
}

/** Adler-32 (RFC 1950) of `bytes`. */
export function adler32(bytes: Uint8Array): number {
  const k = takeKernel();
  try {
    const u8 = new Uint8Array(k.memory.buffer);
    let a = 1;
    for (let off = 0; off < bytes.length; off += BLOCK_INPUT) {
      const n = Math.min(BLOCK_INPUT, bytes.length - off);
      u8.set(bytes.subarray(off, off + n), IN);
      a = k.adler32(a, IN, n);
    }
    return a >>> 0;
  } finally {
    idle.push(k);
  }
}
