/**
 * Huffman tables of JPEG (ITU T.81 Annex C, F.2.2.3 and K.2): the decoder's
 * lookup tables, the encoder's code tables, and the optimal table for a
 * histogram of symbols (Annex K.2, with libjpeg's tie-breaking so tables
 * equal `jpeg_gen_optimal_table`'s).
 *
 * @module
 */

import { FilterError } from "../../core/errors.ts";
import type { HuffmanSpec } from "./tables.ts";

/** Codes up to this many bits are found with one table look-up. */
export const LOOKAHEAD = 9;
/** AC codes whose code and value bits fit this many bits decode with one look-up. */
export const FAST_BITS = 10;

/** What the decoder needs to turn bits into symbols. */
export interface DecodeTable {
  /**
   * Indexed by the next {@linkcode LOOKAHEAD} bits: `(length << 8) | symbol`
   * for codes of at most that length, 0 for longer ones.
   */
  lookup: Uint16Array;
  /** `maxcode[l]`: the largest code of length `l` (1–16), −1 when none; `maxcode[17]` sentinel. */
  maxcode: Int32Array;
  /** The symbol of code `c` of length `l` is `symbols[c + offset[l]]`. */
  offset: Int32Array;
  /** The symbols in code order. */
  symbols: Uint8Array;
  /**
   * For AC tables, indexed by the next {@linkcode FAST_BITS} bits when
   * they hold a whole code and its value bits: `(value << 16) | (run << 8)
   * | bits used`, the value already sign-extended; 0 otherwise (and for EOB
   * and ZRL).
   */
  fast: Int32Array;
}

function fail(message: string): never {
  throw new FilterError("DECODE_FAILED", `JPEG: ${message}`);
}

/**
 * Builds the canonical codes of a table (Annex C): `codes[i]` and
 * `lengths[i]` for the i-th symbol. Throws when the counts describe more
 * codes than the lengths can hold.
 */
function canonicalCodes(spec: HuffmanSpec): { codes: Uint32Array; lengths: Uint8Array } {
  const n = spec.symbols.length;
  const codes = new Uint32Array(n), lengths = new Uint8Array(n);
  let code = 0, k = 0;
  for (let l = 1; l <= 16; l++) {
    for (let i = 0; i < spec.counts[l - 1]; i++) {
      if (code >= 1 << l) fail("bad Huffman table (more codes than their lengths allow)");
      codes[k] = code++;
      lengths[k++] = l;
    }
    code <<= 1;
  }
  return { codes, lengths };
}

/** Checks a DHT table's shape: at most 256 symbols, and as many as the counts say. */
export function checkSpec(spec: HuffmanSpec, dc: boolean): void {
  let total = 0;
  for (let l = 0; l < 16; l++) total += spec.counts[l];
  if (total > 256 || total !== spec.symbols.length) {
    fail(`bad Huffman table (${total} codes)`);
  }
  if (dc) {
    for (const s of spec.symbols) {
      if (s > 15) fail(`bad DC Huffman table (symbol ${s} > 15)`);
    }
  }
  canonicalCodes(spec);
}

/** The decoder's tables for a DHT table (validated: see {@linkcode checkSpec}). */
export function buildDecodeTable(spec: HuffmanSpec): DecodeTable {
  const { codes, lengths } = canonicalCodes(spec);
  const lookup = new Uint16Array(1 << LOOKAHEAD);
  const maxcode = new Int32Array(18).fill(-1);
  const offset = new Int32Array(18);
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const count = spec.counts[l - 1];
    if (count > 0) {
      offset[l] = k - codes[k];
      maxcode[l] = codes[k + count - 1];
    }
    k += count;
  }
  maxcode[17] = 0x7fffffff; // ends the slow search: a code longer than 16 bits is invalid
  for (let i = 0; i < codes.length; i++) {
    const l = lengths[i];
    if (l > LOOKAHEAD) continue;
    const shift = LOOKAHEAD - l, first = codes[i] << shift;
    for (let j = 0; j < 1 << shift; j++) lookup[first + j] = (l << 8) | spec.symbols[i];
  }
  const fast = new Int32Array(1 << FAST_BITS);
  for (let i = 0; i < codes.length; i++) {
    const l = lengths[i], sym = spec.symbols[i], s = sym & 15;
    if (s === 0 || l + s > FAST_BITS) continue;
    const free = FAST_BITS - l, first = codes[i] << free;
    for (let j = 0; j < 1 << free; j++) {
      const raw = j >> (free - s);
      const v = raw < 1 << (s - 1) ? raw - (1 << s) + 1 : raw;
      fast[first + j] = (v << 16) | ((sym >> 4) << 8) | (l + s);
    }
  }
  return { lookup, maxcode, offset, symbols: spec.symbols, fast };
}

/** The encoder's tables: `code[s]` and `size[s]` of symbol `s` (size 0: no code). */
export interface EncodeTable {
  code: Uint32Array;
  size: Uint8Array;
}

/** The encoder's tables for a DHT table. */
export function buildEncodeTable(spec: HuffmanSpec): EncodeTable {
  const { codes, lengths } = canonicalCodes(spec);
  const code = new Uint32Array(256), size = new Uint8Array(256);
  for (let i = 0; i < codes.length; i++) {
    code[spec.symbols[i]] = codes[i];
    size[spec.symbols[i]] = lengths[i];
  }
  return { code, size };
}

/**
 * The optimal table for the symbol frequencies `freq` (256 entries; not
 * modified), limited to 16-bit codes, never using the all-ones code — the
 * procedure of T.81 Annex K.2 (figures K.1–K.4). Ties pick the larger
 * symbol, as libjpeg does, so the table equals libjpeg's for the same counts.
 */
export function optimalTable(freq: ArrayLike<number>): HuffmanSpec {
  const f = new Float64Array(257);
  for (let i = 0; i < 256; i++) f[i] = freq[i];
  f[256] = 1; // reserves one code point: no real symbol gets the all-ones code
  const codesize = new Int32Array(257), others = new Int32Array(257).fill(-1);
  for (;;) {
    let c1 = -1, c2 = -1, v = Infinity;
    for (let i = 0; i <= 256; i++) if (f[i] && f[i] <= v) v = f[c1 = i];
    v = Infinity;
    for (let i = 0; i <= 256; i++) if (f[i] && f[i] <= v && i !== c1) v = f[c2 = i];
    if (c2 < 0) break;
    f[c1] += f[c2];
    f[c2] = 0;
    codesize[c1]++;
    while (others[c1] >= 0) codesize[c1 = others[c1]]++;
    others[c1] = c2;
    codesize[c2]++;
    while (others[c2] >= 0) codesize[c2 = others[c2]]++;
  }
  const bits = new Int32Array(33);
  for (let i = 0; i <= 256; i++) {
    if (codesize[i]) {
      if (codesize[i] > 32) throw new Error("JPEG: Huffman code length over 32");
      bits[codesize[i]]++;
    }
  }
  // Limit to 16 bits: move pairs of the longest codes up (Annex K.3, figure K.3).
  for (let i = 32; i > 16; i--) {
    while (bits[i] > 0) {
      let j = i - 2;
      while (bits[j] === 0) j--;
      bits[i] -= 2;
      bits[i - 1]++;
      bits[j + 1] += 2;
      bits[j]--;
    }
  }
  let last = 16;
  while (bits[last] === 0) last--;
  bits[last]--; // drop the reserved code point
  const counts = new Uint8Array(16);
  for (let l = 1; l <= 16; l++) counts[l - 1] = bits[l];
  const symbols: number[] = [];
  for (let l = 1; l <= 32; l++) {
    for (let s = 0; s < 256; s++) if (codesize[s] === l) symbols.push(s);
  }
  return { counts, symbols: new Uint8Array(symbols) };
}
