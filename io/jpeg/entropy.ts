/**
 * Huffman decoding of one scan's entropy-coded data into quantized DCT
 * coefficients (ITU T.81 F.2.2 for sequential scans, G.1.2 for the four
 * kinds of progressive scan), with byte stuffing, restart markers and a
 * strict end: every bit a block needs must be in the file.
 *
 * The bit reader keeps up to 32 bits. At a marker (or the end of the
 * bytes) it stops reading and appends zero bits, counting them; a block
 * that consumed any of them means the entropy-coded data ended early — a
 * truncated file, also when `FFD9` was appended to the cut — and is a
 * `DECODE_FAILED`, as are codes no table holds, runs past coefficient 63
 * and a missing or misnumbered restart marker.
 *
 * Coefficients land in natural order as int16 (as libjpeg's `JCOEF`).
 *
 * `sequentialMcu` is the reference of the WebAssembly decoder of sequential
 * scans (`entropy_decode.wat`, which decode.ts uses with the WebAssembly
 * kernels), and any change to it must be made there too; the tests in
 * tests/io_jpeg_entropy_test.ts hold the two to the same results.
 *
 * @module
 */

import type { DecodeTable } from "./huffman.ts";
import { FAST_BITS, LOOKAHEAD } from "./huffman.ts";
import { fail, type Frame, type Scan } from "./markers.ts";
import { ZIGZAG } from "./tables.ts";

/** How the MCUs of one scan map onto blocks of coefficients. */
export interface ScanPlan {
  scan: Scan;
  /** A sequential (baseline or extended) scan: every coefficient in one pass. */
  sequential: boolean;
  /** MCUs per MCU row and MCU rows (an MCU is one block in a one-component scan). */
  mcusPerRow: number;
  rows: number;
  /** Per block of an MCU: its scan component and its column and row within the MCU. */
  blockSlot: Int32Array;
  blockDx: Int32Array;
  blockDy: Int32Array;
  /** Per scan component: blocks per MCU across, and int16 elements per row of blocks. */
  across: Int32Array;
  rowStride: Int32Array;
  dc: (DecodeTable | undefined)[];
  ac: (DecodeTable | undefined)[];
}

/**
 * The plan of `scan` in `frame`. `rowStride[i]` is `paddedW · 64` of the
 * component, the layout of the coefficient rows the caller provides.
 */
export function planScan(
  frame: Frame,
  scan: Scan,
  dc: (DecodeTable | undefined)[],
  ac: (DecodeTable | undefined)[],
): ScanPlan {
  const n = scan.comps.length;
  const slots: number[] = [], dxs: number[] = [], dys: number[] = [];
  const across = new Int32Array(n), rowStride = new Int32Array(n);
  let mcusPerRow: number, rows: number;
  if (n === 1) {
    const c = frame.components[scan.comps[0]];
    mcusPerRow = c.blocksW;
    rows = c.blocksH;
    slots.push(0), dxs.push(0), dys.push(0);
    across[0] = 1;
    rowStride[0] = c.paddedW * 64;
  } else {
    mcusPerRow = frame.mcusX;
    rows = frame.mcusY;
    for (let i = 0; i < n; i++) {
      const c = frame.components[scan.comps[i]];
      across[i] = c.h;
      rowStride[i] = c.paddedW * 64;
      for (let y = 0; y < c.v; y++) {
        for (let x = 0; x < c.h; x++) slots.push(i), dxs.push(x), dys.push(y);
      }
    }
  }
  return {
    scan,
    sequential: !frame.progressive,
    mcusPerRow,
    rows,
    blockSlot: new Int32Array(slots),
    blockDx: new Int32Array(dxs),
    blockDy: new Int32Array(dys),
    across,
    rowStride,
    dc: scan.dcTables.map((t) => dc[t]),
    ac: scan.acTables.map((t) => ac[t]),
  };
}

const ZZ = new Int32Array(ZIGZAG);

/**
 * The code of table `t` that starts the `bits` (≥ 17) valid low bits of
 * `acc`: `(length << 8) | symbol`, or −1 when no code matches (F.2.2.3).
 */
function codeAt(t: DecodeTable, acc: number, bits: number): number {
  const e = t.lookup[(acc >>> (bits - LOOKAHEAD)) & ((1 << LOOKAHEAD) - 1)];
  if (e !== 0) return e;
  let l = LOOKAHEAD + 1;
  let code = (acc >>> (bits - l)) & ((1 << l) - 1);
  while (code > t.maxcode[l]) {
    l++;
    code = (acc >>> (bits - l)) & ((1 << l) - 1);
  }
  return l > 16 ? -1 : (l << 8) | t.symbols[code + t.offset[l]];
}

/** A block used zero bits appended at a marker or the end: the data ends early. */
export function failTruncated(): never {
  fail("the entropy-coded data ends before the last MCU (truncated or corrupt file)");
}

/** Corrupt entropy-coded data: `what` was found with the bit reader at byte `pos`. */
function failCorrupt(what: string, pos: number): never {
  fail(`${what} at byte ${pos} of the entropy-coded data (corrupt file)`);
}

/** The offset of the next marker (FF not followed by 00 or FF) in `d` from `pos`, or `d.length`. */
export function nextMarker(d: Uint8Array, pos: number): number {
  let p = pos;
  for (; p + 1 < d.length; p++) {
    if (d[p] === 0xff && d[p + 1] !== 0 && d[p + 1] !== 0xff) return p;
  }
  return d.length;
}

/** The offset of the next marker from `pos`, which must be restart marker RST`n`. */
function expectRestart(d: Uint8Array, pos: number, n: number): number {
  const p = nextMarker(d, pos);
  if (p + 1 >= d.length || d[p + 1] !== 0xd0 + n) {
    const found = p + 1 < d.length ? `FF${d[p + 1].toString(16).toUpperCase()}` : "the end";
    fail(`expected restart marker RST${n} at byte ${p}, found ${found}`);
  }
  return p;
}

/** Decodes the entropy-coded segments of one scan, an MCU row at a time. */
export class EntropyDecoder {
  private readonly data: Uint8Array;
  /** Offset of the next byte to read. */
  private pos: number;
  private acc = 0;
  private bits = 0;
  /** Zero bits appended after a marker or the end of the data. */
  private zeros = 0;
  private eobrun = 0;
  private readonly preds = new Int32Array(4);
  private readonly interval: number;
  /** MCUs left before the next restart marker. */
  private untilRestart: number;
  private nextRst = 0;

  constructor(data: Uint8Array, pos: number, restartInterval: number) {
    this.data = data;
    this.pos = pos;
    this.interval = restartInterval;
    this.untilRestart = restartInterval;
  }

  /**
   * Decodes the `plan.mcusPerRow` MCUs of one MCU row; block `(bx, by)`
   * of scan component `i` goes to `coef[bases[i] + by·rowStride[i] + bx·64]`.
   */
  decodeRow(plan: ScanPlan, coef: Int16Array, bases: Int32Array): void {
    const { ss, ah } = plan.scan;
    const kind = ss === 0 ? (ah === 0 ? 0 : 1) : ah === 0 ? 2 : 3;
    const nb = plan.blockSlot.length;
    for (let m = 0; m < plan.mcusPerRow; m++) {
      if (this.interval) {
        if (this.untilRestart === 0) this.restart();
        this.untilRestart--;
      }
      if (plan.sequential) {
        this.sequentialMcu(plan, coef, bases, m);
      } else {
        for (let b = 0; b < nb; b++) {
          const i = plan.blockSlot[b];
          const at = bases[i] + plan.blockDy[b] * plan.rowStride[i] +
            (m * plan.across[i] + plan.blockDx[b]) * 64;
          if (kind === 0) this.dcFirst(plan, i, coef, at);
          else if (kind === 1) this.dcRefine(coef, at, plan.scan.al);
          else if (kind === 2) this.acFirst(plan, coef, at);
          else this.acRefine(plan, coef, at);
        }
      }
      if (this.zeros > this.bits) this.truncated();
    }
  }

  /**
   * After the scan's last MCU: skips to the next marker (libjpeg tolerates
   * bytes left before it) and returns its offset.
   */
  finish(): number {
    if (this.zeros > this.bits) this.truncated();
    return this.seekMarker();
  }

  private truncated(): never {
    failTruncated();
  }

  /** Fails on a bad code, or on running out of data, whichever caused it. */
  private corrupt(what: string): never {
    if (this.zeros > this.bits) this.truncated();
    failCorrupt(what, this.pos);
  }

  /** The offset of the next marker (FF not followed by 00 or FF) from `pos`. */
  private seekMarker(): number {
    return nextMarker(this.data, this.pos);
  }

  private restart(): void {
    if (this.zeros > this.bits) this.truncated();
    const p = expectRestart(this.data, this.pos, this.nextRst);
    this.pos = p + 2;
    this.nextRst = (this.nextRst + 1) & 7;
    this.acc =
      this.bits =
      this.zeros =
      this.eobrun =
        0;
    this.preds.fill(0);
    this.untilRestart = this.interval;
  }

  /** Tops the bit buffer up to at least 25 bits. */
  private fill(): void {
    const d = this.data;
    let { acc, bits, pos } = this;
    while (bits <= 24) {
      let byte = 0;
      if (pos < d.length) {
        byte = d[pos];
        if (byte !== 0xff) pos++;
        else if (d[pos + 1] === 0) pos += 2;
        else {
          byte = 0;
          this.zeros += 8;
        }
      } else this.zeros += 8;
      acc = (acc << 8) | byte;
      bits += 8;
    }
    this.acc = acc;
    this.bits = bits;
    this.pos = pos;
  }

  private decode(t: DecodeTable | undefined): number {
    if (!t) this.corrupt("a Huffman table is missing");
    if (this.bits < 17) this.fill();
    const e = codeAt(t, this.acc, this.bits);
    if (e < 0) this.corrupt("a code no Huffman table holds");
    this.bits -= e >> 8;
    return e & 255;
  }

  private receive(s: number): number {
    if (this.bits < s) this.fill();
    this.bits -= s;
    return (this.acc >>> this.bits) & ((1 << s) - 1);
  }

  private receiveExtend(s: number): number {
    const v = this.receive(s);
    return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
  }

  /** One MCU of a sequential scan: the hot loop, with the bit reader in locals. */
  private sequentialMcu(plan: ScanPlan, coef: Int16Array, bases: Int32Array, m: number): void {
    const preds = this.preds;
    let acc = this.acc, bits = this.bits;
    const nb = plan.blockSlot.length;
    const fastMask = (1 << FAST_BITS) - 1;
    /** The bit buffer is in locals here; refilling goes through the fields. */
    const fill = () => {
      this.acc = acc;
      this.bits = bits;
      this.fill();
      acc = this.acc;
      bits = this.bits;
    };
    /** The next symbol of table `t` (bits ≥ 17 on entry), −1 for none. */
    const symbol = (t: DecodeTable): number => {
      const e = codeAt(t, acc, bits);
      if (e < 0) return -1;
      bits -= e >> 8;
      return e & 255;
    };
    const fail = (what: string): never => {
      this.acc = acc;
      this.bits = bits;
      this.corrupt(what);
    };
    for (let b = 0; b < nb; b++) {
      const i = plan.blockSlot[b];
      const at = bases[i] + plan.blockDy[b] * plan.rowStride[i] +
        (m * plan.across[i] + plan.blockDx[b]) * 64;
      const ac = plan.ac[i]!, fast = ac.fast;
      // DC: the symbol is the size of the difference (F.2.2.1).
      if (bits < 17) fill();
      let s = symbol(plan.dc[i]!);
      if (s < 0) fail("a code no Huffman table holds");
      let v = 0;
      if (s !== 0) {
        if (bits < s) fill();
        bits -= s;
        v = (acc >>> bits) & ((1 << s) - 1);
        if (v < 1 << (s - 1)) v += 1 - (1 << s);
      }
      const pred = (preds[i] + v) | 0;
      preds[i] = pred;
      coef[at] = pred;
      // AC: run/size symbols (F.2.2.2).
      for (let k = 1; k < 64;) {
        if (bits < 17) fill();
        // A short code with its value bits: one look-up.
        const f = fast[(acc >>> (bits - FAST_BITS)) & fastMask];
        if (f !== 0) {
          bits -= f & 255;
          k += (f >> 8) & 255;
          if (k > 63) fail("a run of zeros past coefficient 63");
          coef[at + ZZ[k]] = f >> 16;
          k++;
          continue;
        }
        const sym = symbol(ac);
        if (sym < 0) fail("a code no Huffman table holds");
        s = sym & 15;
        const r = sym >> 4;
        if (s === 0) {
          if (r !== 15) break; // EOB
          k += 16; // ZRL
          if (k > 64) fail("a run of zeros past coefficient 63");
          continue;
        }
        k += r;
        if (k > 63) fail("a run of zeros past coefficient 63");
        if (bits < s) fill();
        bits -= s;
        v = (acc >>> bits) & ((1 << s) - 1);
        if (v < 1 << (s - 1)) v += 1 - (1 << s);
        coef[at + ZZ[k]] = v;
        k++;
      }
    }
    this.acc = acc;
    this.bits = bits;
  }

  /** First DC scan of a progressive image (G.1.2.1): the difference, shifted by Al. */
  private dcFirst(plan: ScanPlan, i: number, coef: Int16Array, at: number): void {
    const s = this.decode(plan.dc[i]);
    if (s > 15) this.corrupt("a DC difference of more than 15 bits");
    const v = s ? this.receiveExtend(s) : 0;
    const pred = (this.preds[i] + v) | 0;
    this.preds[i] = pred;
    coef[at] = pred << plan.scan.al;
  }

  /** DC refinement (G.1.2.1): one more bit of each DC coefficient. */
  private dcRefine(coef: Int16Array, at: number, al: number): void {
    if (this.receive(1)) coef[at] |= 1 << al;
  }

  /** First AC scan of a band (G.1.2.2), with end-of-band runs. */
  private acFirst(plan: ScanPlan, coef: Int16Array, at: number): void {
    if (this.eobrun > 0) {
      this.eobrun--;
      return;
    }
    const { se, al } = plan.scan, t = plan.ac[0];
    for (let k = plan.scan.ss; k <= se; k++) {
      const rs = this.decode(t), r = rs >> 4, s = rs & 15;
      if (s) {
        k += r;
        if (k > se) this.corrupt("a run of zeros past the end of the band");
        coef[at + ZZ[k]] = this.receiveExtend(s) * (1 << al);
      } else if (r < 15) {
        this.eobrun = (1 << r) - 1 + (r ? this.receive(r) : 0);
        return;
      } else k += 15;
    }
  }

  /** AC refinement (G.1.2.3): new coefficients of magnitude 1 and correction bits. */
  private acRefine(plan: ScanPlan, coef: Int16Array, at: number): void {
    const { se, al } = plan.scan, t = plan.ac[0];
    const p1 = 1 << al, m1 = -1 << al;
    let k = plan.scan.ss;
    if (this.eobrun === 0) {
      for (; k <= se; k++) {
        const rs = this.decode(t);
        let r = rs >> 4;
        const s = rs & 15;
        let value = 0;
        if (s) {
          if (s !== 1) this.corrupt("a refinement coefficient of more than one bit");
          value = this.receive(1) ? p1 : m1;
        } else if (r !== 15) {
          this.eobrun = (1 << r) + (r ? this.receive(r) : 0);
          break;
        }
        // Skip r zero coefficients (correcting the nonzero ones passed), then place the new one.
        for (; k <= se; k++) {
          const z = at + ZZ[k];
          if (coef[z] !== 0) {
            if (this.receive(1) && (coef[z] & p1) === 0) coef[z] += coef[z] >= 0 ? p1 : m1;
          } else {
            if (r === 0) break;
            r--;
          }
        }
        if (s) {
          if (k > se) this.corrupt("a refinement coefficient past the end of the band");
          coef[at + ZZ[k]] = value;
        }
      }
    }
    if (this.eobrun > 0) {
      // The rest of the band only gets correction bits.
      for (; k <= se; k++) {
        const z = at + ZZ[k];
        if (coef[z] !== 0 && this.receive(1) && (coef[z] & p1) === 0) {
          coef[z] += coef[z] >= 0 ? p1 : m1;
        }
      }
      this.eobrun--;
    }
  }
}
