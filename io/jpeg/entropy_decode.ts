/**
 * The glue of the WebAssembly Huffman decoder for sequential scans
 * (`entropy_decode.wat`): the same `decodeRow` / `finish` as the
 * TypeScript {@linkcode EntropyDecoder} (which stays the reference, the
 * fallback without SIMD, and the decoder of progressive and multi-scan
 * files), with the same coefficients and the same errors. The kernel's bit
 * buffer is 64 bits wide, so where it stands in the bytes differs from
 * the TypeScript reader's; when the kernel finds the data corrupt, the
 * TypeScript decoder decodes the scan again up to the same fault and
 * throws its own message (byte offset included) — a cost only corrupt
 * files pay.
 *
 * It works in an area of the decoder's kernel memory (see
 * {@linkcode entropyAreaBytes}): a context, the scan's tables, and a
 * window of at most 64 KiB of the entropy-coded bytes that is refilled as
 * the kernel asks — the file is never copied whole. Coefficients go
 * straight into the staged MCU row the IDCT reads.
 *
 * @module
 */

import type { DecodeTable } from "./huffman.ts";
import { EntropyDecoder, failTruncated, nextMarker, type ScanPlan } from "./entropy.ts";
import { fail } from "./markers.ts";
import { ZIGZAG } from "./tables.ts";

/** The kernel: decodes MCUs of a row from the context at `ctx`; returns a status. */
export type HuffmanKernel = (ctx: number, count: number) => number;

const CTX_BYTES = 1024;
const TABLE_BYTES = 5632;
/** The window's size; tests make it small to run refills on small files. */
let windowSetting = 1 << 16;

/**
 * Sets the window size (at least what one MCU may need is used: 512 bytes
 * per block, and more) and returns the previous one. For tests.
 */
export function setEntropyWindow(bytes: number): number {
  const before = windowSetting;
  windowSetting = bytes;
  return before;
}

/** The window for MCUs of `nb` blocks, `data` bytes of scan data. */
function windowBytes(nb: number, data: number): number {
  return Math.min(Math.max(windowSetting, nb * 512 + 64), data);
}

/** Bytes of kernel memory the decoder of `plan`'s scan needs (`data` bytes from its start). */
export function entropyAreaBytes(plan: ScanPlan, data: number): number {
  return CTX_BYTES + 2 * plan.across.length * TABLE_BYTES +
    windowBytes(plan.blockSlot.length, data) + 64;
}

/** What the kernel's error statuses mean (for the message should the TypeScript replay not fail). */
const STATUS_WHAT: Record<number, string> = {
  2: "a missing or misnumbered restart marker",
  3: "a code no Huffman table holds",
  4: "a run of zeros past coefficient 63",
  5: "the entropy-coded data ends before the last MCU",
};

/** Decodes a sequential scan's MCU rows with the WebAssembly kernel. */
export class WasmEntropyDecoder {
  private readonly data: Uint8Array;
  private readonly kernel: HuffmanKernel;
  private readonly u8: Uint8Array;
  private readonly i32: Int32Array;
  private readonly ctx: number;
  private readonly win: number;
  private readonly winBytes: number;
  /** Offset in `data` of the window's first byte. */
  private winStart = 0;
  private readonly interval: number;
  /** Where the scan starts, its plan and rows: for the TypeScript replay of a fault. */
  private readonly start: number;
  private readonly plan: ScanPlan;
  private readonly bases: Int32Array;

  /**
   * A decoder of `plan`'s scan of `data` from `pos`, on kernel memory
   * `u8`/`i32` with its area at byte `area` (of {@linkcode entropyAreaBytes}).
   * Every row goes to the same place: `bases` (int16 offsets per scan
   * component, as for `EntropyDecoder.decodeRow`), component `i`'s row of
   * blocks holding `lengths[i]` int16 (checked: the kernel writes nowhere else).
   */
  constructor(
    kernel: HuffmanKernel,
    mem: { u8: Uint8Array; i32: Int32Array },
    area: number,
    data: Uint8Array,
    pos: number,
    restartInterval: number,
    plan: ScanPlan,
    bases: Int32Array,
    lengths: Int32Array,
  ) {
    if (!plan.sequential || (area & 63) !== 0) fail("internal: bad WebAssembly entropy plan");
    this.kernel = kernel;
    this.data = data;
    this.u8 = mem.u8;
    this.i32 = mem.i32;
    this.ctx = area;
    this.interval = restartInterval;
    this.start = pos;
    this.plan = plan;
    this.bases = bases;
    const n = plan.across.length, nb = plan.blockSlot.length;
    const tables = area + CTX_BYTES;
    this.win = tables + 2 * n * TABLE_BYTES;
    this.winBytes = windowBytes(nb, data.length - pos);
    this.u8.fill(0, area, area + CTX_BYTES);
    for (let i = 0; i < n; i++) {
      this.putTable(tables + 2 * i * TABLE_BYTES, plan.dc[i]!);
      this.putTable(tables + (2 * i + 1) * TABLE_BYTES, plan.ac[i]!);
    }
    const c = area >> 2;
    this.i32[c + 7] = restartInterval; // MCUs until the first restart marker
    this.i32[c + 9] = restartInterval;
    this.i32[c + 10] = nb;
    for (let b = 0; b < nb; b++) {
      const i = plan.blockSlot[b];
      const at = bases[i] + plan.blockDy[b] * plan.rowStride[i] + plan.blockDx[b] * 64;
      const step = plan.across[i] * 64;
      const last = at + (plan.mcusPerRow - 1) * step;
      if (at < bases[i] || last + 64 > bases[i] + lengths[i]) {
        fail("internal: a block outside the coefficient row");
      }
      const d = c + 16 + 8 * b;
      this.i32[d] = at * 2;
      this.i32[d + 1] = step * 2;
      this.i32[d + 2] = tables + 2 * i * TABLE_BYTES;
      this.i32[d + 3] = tables + (2 * i + 1) * TABLE_BYTES;
      this.i32[d + 4] = area + 48 + 4 * i;
    }
    for (let k = 0; k < 64; k++) this.i32[c + 96 + k] = ZIGZAG[k] * 2;
    this.load(pos);
  }

  private putTable(at: number, t: DecodeTable): void {
    const i32 = this.i32;
    i32.set(t.fast, at >> 2);
    new Uint16Array(i32.buffer, at + 4096, 512).set(t.lookup);
    i32.set(t.maxcode, (at + 5120) >> 2);
    i32.set(t.offset, (at + 5248) >> 2);
    this.u8.fill(0, at + 5376, at + 5632);
    this.u8.set(t.symbols, at + 5376);
  }

  /** Fills the window from `data[from]` on. */
  private load(from: number): void {
    const n = Math.min(this.winBytes, this.data.length - from);
    this.u8.set(this.data.subarray(from, from + n), this.win);
    this.winStart = from;
    const c = this.ctx >> 2;
    this.i32[c] = this.win;
    this.i32[c + 1] = this.win + n;
    this.i32[c + 2] = from + n >= this.data.length ? 1 : 0;
  }

  /** The offset in `data` of the bit reader's next byte. */
  private get pos(): number {
    return this.winStart + this.i32[this.ctx >> 2] - this.win;
  }

  private get truncatedNow(): boolean {
    const c = this.ctx >> 2;
    return this.i32[c + 6] > this.i32[c + 3];
  }

  /**
   * Decodes the `plan.mcusPerRow` MCUs of the next MCU row into the
   * coefficient rows given at construction (`coef` and `bases`, there for
   * `EntropyDecoder`'s signature, are not read).
   */
  decodeRow(plan: ScanPlan, _coef?: Int16Array, _bases?: Int32Array): void {
    const c = this.ctx >> 2, i32 = this.i32;
    i32[c + 11] = 0;
    for (let stalled = -1;;) {
      const status = this.kernel(this.ctx, plan.mcusPerRow);
      if (status === 0) return;
      if (status === 1) {
        // A refill always makes room for an MCU; asking twice at one place would loop forever.
        if (this.pos === stalled) fail("internal: the entropy window does not advance");
        stalled = this.pos;
        this.load(this.pos);
      } else if (status === 2) this.restart();
      else this.replay(status);
    }
  }

  /** A restart marker the kernel did not find in its window, or found wrong. */
  private restart(): void {
    const c = this.ctx >> 2, i32 = this.i32, d = this.data;
    const p = nextMarker(d, this.pos);
    if (this.truncatedNow || p + 1 >= d.length || d[p + 1] !== 0xd0 + i32[c + 8]) this.replay(2);
    i32[c + 8] = (i32[c + 8] + 1) & 7;
    i32[c + 3] =
      i32[c + 4] =
      i32[c + 5] =
      i32[c + 6] =
        0; // bits, acc, zeros
    i32.fill(0, c + 12, c + 16);
    i32[c + 7] = this.interval;
    this.load(p + 2);
  }

  /**
   * The kernel found the data corrupt (`status`): the TypeScript decoder
   * decodes the scan again into the coefficient rows (their contents no
   * longer matter) and throws at the same fault, with its message.
   */
  private replay(status: number): never {
    const ts = new EntropyDecoder(this.data, this.start, this.interval);
    const coef = new Int16Array(this.u8.buffer);
    for (let r = 0; r < this.plan.rows; r++) ts.decodeRow(this.plan, coef, this.bases);
    ts.finish();
    fail(`${STATUS_WHAT[status] ?? `status ${status}`} at byte ${this.pos} (WebAssembly decoder)`);
  }

  /** After the scan's last MCU: the offset of the next marker (see `EntropyDecoder.finish`). */
  finish(): number {
    if (this.truncatedNow) failTruncated();
    return nextMarker(this.data, this.pos);
  }
}
