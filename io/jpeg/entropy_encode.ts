/**
 * Huffman encoding of quantized blocks (ITU T.81 F.1.2 for sequential
 * scans, G.1.2 for progressive ones) into a growing byte buffer with
 * `FF 00` stuffing; scans end padded with one-bits, as libjpeg pads.
 *
 * The progressive encoder follows libjpeg's `jcphuff.c` choices where the
 * standard leaves them open — end-of-band runs flushed at 32767 blocks or
 * when more than 937 correction bits are pending, ZRLs folded into a
 * following end-of-band — and can run in a counting mode that only
 * gathers symbol frequencies, for the optimal tables of each scan.
 *
 * @module
 */

import type { EncodeTable } from "./huffman.ts";
import { ZIGZAG } from "./tables.ts";

const ZZ = new Int32Array(ZIGZAG);

/** Bits and bytes of an encoded file. */
export class BitWriter {
  buf: Uint8Array<ArrayBuffer>;
  pos = 0;
  /** Pending bits: the low `nbits` bits of `acc` (fewer than 16 between calls). */
  acc = 0;
  nbits = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(1024, capacity));
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Appends bytes (marker segments; only between scans). */
  bytes(data: ArrayLike<number>): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** Appends the low `size` bits (≤ 16) of `value`; the caller ensured the room. */
  put(value: number, size: number): void {
    this.acc = (this.acc << size) | (value & ((1 << size) - 1));
    this.nbits += size;
    while (this.nbits >= 8) {
      this.nbits -= 8;
      const byte = (this.acc >>> this.nbits) & 255;
      this.buf[this.pos++] = byte;
      if (byte === 255) this.buf[this.pos++] = 0;
    }
  }

  /** Pads the last byte with one-bits. */
  flush(): void {
    this.ensure(4);
    if (this.nbits > 0) this.put(0x7f, 8 - this.nbits);
    this.acc = 0;
  }

  /** The bytes written. */
  result(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.pos);
  }
}

/** Bits needed for |v| (v ≠ 0 gives 1–15). */
function bitLength(v: number): number {
  return 32 - Math.clz32(v < 0 ? -v : v);
}

/** Room one block can take: 64 codes of ≤ 16 bits with ≤ 11 value bits, every byte stuffed. */
const BLOCK_BYTES = 512;

/** Where the blocks of an MCU row are: int16 offsets, u32 offsets of their masks, components. */
export interface BlockOrder {
  at: Int32Array;
  mask: Int32Array;
  comp: Uint8Array;
}

/**
 * Encodes blocks of a sequential scan: block `j` (natural order at
 * `coef[order.at[j]]`, nonzero coefficients flagged in zigzag order by the
 * two words at `masks[order.mask[j]]`) with the tables of component
 * `order.comp[j]`, whose DC prediction `preds[…]` it updates. Only nonzero
 * coefficients are visited; the bit writer's state lives in locals. (The
 * reference of the WebAssembly coder `entropy_encode.wat`.)
 */
export function encodeBlocks(
  w: BitWriter,
  coef: Int16Array,
  masks: Uint32Array,
  order: BlockOrder,
  tables: readonly { dc: EncodeTable; ac: EncodeTable }[],
  preds: Int32Array,
): void {
  const n = order.at.length;
  w.ensure(n * BLOCK_BYTES);
  const buf = w.buf;
  let acc = w.acc, nbits = w.nbits, pos = w.pos;
  /** Appends `size` (≤ 16) bits and writes out the whole bytes (fewer than 8 bits stay). */
  const put = (value: number, size: number) => {
    acc = (acc << size) | value;
    nbits += size;
    while (nbits >= 8) {
      nbits -= 8;
      const byte = (acc >>> nbits) & 255;
      buf[pos++] = byte;
      if (byte === 255) buf[pos++] = 0;
    }
  };
  for (let j = 0; j < n; j++) {
    const a = order.at[j], c = order.comp[j], t = tables[c];
    const dcCode = t.dc.code, dcSize = t.dc.size, acCode = t.ac.code, acSize = t.ac.size;
    // DC difference: its size category's code, then its bits (F.1.2.1).
    const d = coef[a], diff = d - preds[c];
    preds[c] = d;
    let nb = diff === 0 ? 0 : 32 - Math.clz32(diff < 0 ? -diff : diff);
    put(dcCode[nb], dcSize[nb]);
    put((diff < 0 ? diff - 1 : diff) & ((1 << nb) - 1), nb);
    // AC (F.1.2.2): each nonzero coefficient after its run of zeros, by the mask's set bits.
    let last = 0;
    for (let half = 0; half < 2; half++) {
      let m = masks[order.mask[j] + half] | 0;
      if (half === 0) m &= ~1;
      while (m !== 0) {
        const low = m & -m;
        m ^= low;
        const k = (half << 5) + 31 - Math.clz32(low);
        let run = k - last - 1;
        last = k;
        for (; run > 15; run -= 16) put(acCode[0xf0], acSize[0xf0]);
        const v = coef[a + ZZ[k]];
        nb = 32 - Math.clz32(v < 0 ? -v : v);
        const s = (run << 4) + nb;
        put(acCode[s], acSize[s]);
        put((v < 0 ? v - 1 : v) & ((1 << nb) - 1), nb);
      }
    }
    if (last !== 63) put(acCode[0], acSize[0]);
  }
  w.acc = acc;
  w.nbits = nbits;
  w.pos = pos;
}

/** The most correction bits buffered before libjpeg forces the end-of-band run out. */
const MAX_CORR_BITS = 1000;

/**
 * One progressive scan's encoder. With `freq` set it only counts symbols
 * (`freq[table][symbol]`); otherwise it writes with `tables`.
 */
export class ProgressiveEncoder {
  private readonly w: BitWriter;
  private readonly freq?: Float64Array[];
  private readonly tables: (EncodeTable | undefined)[];
  private eobrun = 0;
  private readonly corr = new Uint8Array(MAX_CORR_BITS);
  private be = 0;
  private readonly preds = new Int32Array(4);
  private readonly abs = new Int32Array(64);

  constructor(w: BitWriter, tables: (EncodeTable | undefined)[], freq?: Float64Array[]) {
    this.w = w;
    this.tables = tables;
    this.freq = freq;
  }

  private symbol(t: number, s: number): void {
    if (this.freq) this.freq[t][s]++;
    else {
      const tbl = this.tables[t]!;
      this.w.ensure(8);
      this.w.put(tbl.code[s], tbl.size[s]);
    }
  }

  private bits(v: number, n: number): void {
    if (!this.freq && n) {
      this.w.ensure(8);
      this.w.put(v, n);
    }
  }

  private emitEobrun(t: number): void {
    if (this.eobrun > 0) {
      const nbits = 31 - Math.clz32(this.eobrun);
      this.symbol(t, nbits << 4);
      this.bits(this.eobrun, nbits);
      this.eobrun = 0;
      this.buffered(0, this.be);
      this.be = 0;
    }
  }

  private buffered(from: number, n: number): void {
    if (this.freq) return;
    for (let i = 0; i < n; i++) this.bits(this.corr[from + i], 1);
  }

  /** First DC scan: the difference of `coef[at] >> al` from the component's last one. */
  dcFirst(coef: Int16Array, at: number, slot: number, t: number, al: number): void {
    const v = coef[at] >> al, diff = v - this.preds[slot];
    this.preds[slot] = v;
    const n = diff === 0 ? 0 : bitLength(diff);
    this.symbol(t, n);
    this.bits(diff < 0 ? diff - 1 : diff, n);
  }

  /** DC refinement: bit `al` of the coefficient. */
  dcRefine(coef: Int16Array, at: number, al: number): void {
    this.bits((coef[at] >> al) & 1, 1);
  }

  /** First AC scan of band `ss…se` with point transform `al`. */
  acFirst(coef: Int16Array, at: number, t: number, ss: number, se: number, al: number): void {
    let run = 0;
    for (let k = ss; k <= se; k++) {
      let v = coef[at + ZZ[k]];
      if (v === 0) {
        run++;
        continue;
      }
      let bitsOut: number;
      if (v < 0) {
        v = -v >> al;
        bitsOut = ~v;
      } else {
        v >>= al;
        bitsOut = v;
      }
      if (v === 0) {
        run++;
        continue;
      }
      this.emitEobrun(t);
      while (run > 15) {
        this.symbol(t, 0xf0);
        run -= 16;
      }
      const n = bitLength(v);
      this.symbol(t, (run << 4) + n);
      this.bits(bitsOut, n);
      run = 0;
    }
    if (run > 0) {
      this.eobrun++;
      if (this.eobrun === 0x7fff) this.emitEobrun(t);
    }
  }

  /** AC refinement of band `ss…se`: bit `al` of every coefficient. */
  acRefine(coef: Int16Array, at: number, t: number, ss: number, se: number, al: number): void {
    const abs = this.abs;
    let eob = 0;
    for (let k = ss; k <= se; k++) {
      const v = coef[at + ZZ[k]];
      const a = (v < 0 ? -v : v) >> al;
      abs[k] = a;
      if (a === 1) eob = k; // the last newly nonzero coefficient
    }
    let run = 0, br = 0;
    let brFrom = this.be; // this block's correction bits follow the pending ones
    for (let k = ss; k <= se; k++) {
      const a = abs[k];
      if (a === 0) {
        run++;
        continue;
      }
      while (run > 15 && k <= eob) {
        this.emitEobrun(t);
        this.symbol(t, 0xf0);
        run -= 16;
        this.buffered(brFrom, br);
        brFrom = 0;
        br = 0;
      }
      if (a > 1) {
        this.corr[brFrom + br++] = a & 1; // previously nonzero: one correction bit
        continue;
      }
      this.emitEobrun(t);
      this.symbol(t, (run << 4) + 1);
      this.bits(coef[at + ZZ[k]] < 0 ? 0 : 1, 1);
      this.buffered(brFrom, br);
      brFrom = 0;
      br = 0;
      run = 0;
    }
    if (run > 0 || br > 0) {
      this.eobrun++;
      if (brFrom !== this.be) this.corr.copyWithin(this.be, brFrom, brFrom + br);
      this.be += br;
      if (this.eobrun === 0x7fff || this.be > MAX_CORR_BITS - 64 + 1) this.emitEobrun(t);
    }
  }

  /** Ends the scan: any pending end-of-band run, then one-bit padding. */
  finish(t: number): void {
    this.emitEobrun(t);
    if (!this.freq) this.w.flush();
  }
}
