/**
 * TIFF structure, read lazily and bounded: the header (classic, magic 42, or
 * BigTIFF, magic 43), the chain of image file directories (IFDs), and the
 * entries of one IFD.
 *
 * Nothing here materialises a tag's values: an IFD becomes a map from tag to
 * (type, count, where the values are), and the decoder reads only the tags it
 * uses, one value at a time or as a short list whose length it checked first.
 * So a file whose entries claim 2^24 values each costs one map entry per tag.
 * An IFD that repeats a tag, or a chain of IFDs that loops (found with
 * Floyd's tortoise and hare, so walking a long chain needs no memory), is
 * `DECODE_FAILED`.
 *
 * @module
 */

import { FilterError } from "../../core/errors.ts";

/** A `DECODE_FAILED` error about a TIFF file. */
export function fail(message: string): never {
  throw new FilterError("DECODE_FAILED", `TIFF: ${message}`);
}

/** The file: its bytes, byte order and flavour. */
export interface TiffFile {
  /** The whole file. */
  bytes: Uint8Array;
  /** A view of `bytes`. */
  view: DataView;
  /** Little-endian ("II") or big-endian ("MM"). */
  le: boolean;
  /** BigTIFF (8-byte offsets and counts) rather than classic TIFF. */
  big: boolean;
  /** Offset of the first IFD. */
  first: number;
}

/** One IFD entry: where its values are, not the values. */
export interface Entry {
  /** The tag number. */
  tag: number;
  /** The field type (3 SHORT, 4 LONG, 16 LONG8, ...). */
  type: number;
  /** How many values the entry claims. */
  count: number;
  /** Byte offset of the first value (inside the entry when they fit). */
  at: number;
}

/** Bytes per value of each field type; 0 for types imfilter does not know. */
const TYPE_SIZES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8];
/** Unsigned integer field types: BYTE, SHORT, LONG, UNDEFINED, IFD, LONG8, IFD8. */
const UNSIGNED = new Set([1, 3, 4, 7, 13, 16, 18]);

/** Names of the tags the decoder reads, for messages. */
export const TAG_NAMES: Record<number, string> = {
  256: "ImageWidth",
  257: "ImageLength",
  258: "BitsPerSample",
  259: "Compression",
  262: "PhotometricInterpretation",
  266: "FillOrder",
  273: "StripOffsets",
  277: "SamplesPerPixel",
  278: "RowsPerStrip",
  279: "StripByteCounts",
  284: "PlanarConfiguration",
  317: "Predictor",
  320: "ColorMap",
  322: "TileWidth",
  323: "TileLength",
  324: "TileOffsets",
  325: "TileByteCounts",
  338: "ExtraSamples",
  339: "SampleFormat",
};

function tagName(tag: number): string {
  return TAG_NAMES[tag] ? `${TAG_NAMES[tag]} (${tag})` : `tag ${tag}`;
}

/** Whether the bytes start with a classic or BigTIFF header. */
export function isTiff(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  if (b[0] === 0x49 && b[1] === 0x49) return (b[2] === 42 || b[2] === 43) && b[3] === 0;
  if (b[0] === 0x4d && b[1] === 0x4d) return b[2] === 0 && (b[3] === 42 || b[3] === 43);
  return false;
}

/** An unsigned 64-bit value as a number; past 2^53 it is `Infinity` (never a valid offset). */
function u64(view: DataView, at: number, le: boolean): number {
  const lo = view.getUint32(at + (le ? 0 : 4), le), hi = view.getUint32(at + (le ? 4 : 0), le);
  return hi >= 0x200000 ? Infinity : hi * 0x100000000 + lo;
}

/** Parses the 8-byte (classic) or 16-byte (BigTIFF) header. */
export function parseHeader(bytes: Uint8Array): TiffFile {
  if (!isTiff(bytes)) fail("bad magic (not a TIFF file)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[0] === 0x49;
  const big = view.getUint16(2, le) === 43;
  if (bytes.length < (big ? 16 : 8)) fail("file is truncated in its header");
  if (big && (view.getUint16(4, le) !== 8 || view.getUint16(6, le) !== 0)) {
    fail("BigTIFF header has an offset size other than 8");
  }
  const first = big ? u64(view, 8, le) : view.getUint32(4, le);
  return { bytes, view, le, big, first };
}

/** Offset of the IFD after the one at `at`, after checking the IFD fits in the file. */
function nextIfd(f: TiffFile, at: number): number {
  const { view, le, big, bytes } = f;
  const head = big ? 8 : 2, size = big ? 20 : 12, tail = big ? 8 : 4;
  if (at < (big ? 16 : 8) || at + head > bytes.length) {
    fail(`IFD offset ${at} is outside the file (${bytes.length} bytes)`);
  }
  const n = big ? u64(view, at, le) : view.getUint16(at, le);
  const end = at + head + n * size;
  if (end + tail > bytes.length) fail(`IFD at byte ${at} with ${n} entries runs past the end`);
  return big ? u64(view, end, le) : view.getUint32(end, le);
}

/**
 * Offset of IFD number `page` (0-based) and the number of IFDs in the chain.
 * The whole chain is walked (so a loop anywhere is found) with O(1) memory.
 */
export function findIfd(f: TiffFile, page: number): { at: number; pages: number } {
  if (f.first === 0) fail("the file holds no image (first IFD offset is 0)");
  let slow = f.first, fast = f.first, pages = 1, at = page === 0 ? f.first : -1;
  for (let cur = f.first;;) {
    const next = nextIfd(f, cur);
    if (next === 0) break;
    if (pages === page) at = next;
    pages++;
    cur = next;
    // The hare is IFD number pages - 1; the tortoise follows at half its index.
    fast = next;
    if (pages % 2 === 1) slow = nextIfd(f, slow);
    if (slow === fast) fail(`the chain of IFDs loops (IFD at byte ${fast} is reached twice)`);
  }
  if (at < 0) fail(`page ${page} does not exist (the file has ${pages})`);
  return { at, pages };
}

/** The entries of the IFD at `at`, by tag. A repeated tag is `DECODE_FAILED`. */
export function readIfd(f: TiffFile, at: number): Map<number, Entry> {
  const { view, le, big } = f;
  const n = big ? u64(view, at, le) : view.getUint16(at, le);
  if (n === 0) fail(`IFD at byte ${at} is empty`);
  const entries = new Map<number, Entry>();
  const first = at + (big ? 8 : 2), size = big ? 20 : 12, inline = big ? 8 : 4;
  for (let i = 0; i < n; i++) {
    const e = first + i * size;
    const tag = view.getUint16(e, le), type = view.getUint16(e + 2, le);
    if (entries.has(tag)) fail(`${tagName(tag)} appears twice in the IFD at byte ${at}`);
    const count = big ? u64(view, e + 4, le) : view.getUint32(e + 4, le);
    const bytes = count * (TYPE_SIZES[type] ?? 0);
    const value = e + (big ? 12 : 8);
    const where = bytes <= inline ? value : big ? u64(view, value, le) : view.getUint32(value, le);
    entries.set(tag, { tag, type, count, at: where });
  }
  return entries;
}

/**
 * Reads unsigned integer tags of one IFD, checking each tag's type, count
 * and extent before reading a value.
 */
export class Tags {
  #f: TiffFile;
  #entries: Map<number, Entry>;

  /** Wraps the entries of one IFD. */
  constructor(f: TiffFile, entries: Map<number, Entry>) {
    this.#f = f;
    this.#entries = entries;
  }

  /** Whether the tag is present. */
  has(tag: number): boolean {
    return this.#entries.has(tag);
  }

  /** The entry, checked: unsigned integers, `count` allowed, values inside the file. */
  #checked(tag: number, allowed: (count: number) => boolean, want: string): Entry {
    const e = this.#entries.get(tag);
    if (e === undefined) fail(`required ${tagName(tag)} is missing`);
    if (!UNSIGNED.has(e.type)) {
      fail(`${tagName(tag)} has field type ${e.type}, not unsigned integers`);
    }
    if (!allowed(e.count)) fail(`${tagName(tag)} has ${e.count} values, expected ${want}`);
    if (e.at + e.count * TYPE_SIZES[e.type] > this.#f.bytes.length) {
      fail(`${tagName(tag)}'s values run past the end of the file`);
    }
    return e;
  }

  #value(e: Entry, i: number): number {
    const { view, le } = this.#f;
    const size = TYPE_SIZES[e.type], p = e.at + i * size;
    return size === 1
      ? view.getUint8(p)
      : size === 2
      ? view.getUint16(p, le)
      : size === 4
      ? view.getUint32(p, le)
      : u64(view, p, le);
  }

  /** A single-valued tag, or `fallback` when absent (absent and no fallback: `DECODE_FAILED`). */
  one(tag: number, fallback?: number): number {
    if (!this.#entries.has(tag)) {
      if (fallback === undefined) fail(`required ${tagName(tag)} is missing`);
      return fallback;
    }
    return this.#value(this.#checked(tag, (n) => n === 1, "1"), 0);
  }

  /**
   * A per-sample tag (BitsPerSample, SampleFormat): `n` values, or one value
   * that stands for all; `fallback` for every sample when absent.
   */
  perSample(tag: number, n: number, fallback: number): number[] {
    if (!this.#entries.has(tag)) return new Array(n).fill(fallback);
    const e = this.#checked(tag, (c) => c === 1 || c === n, n === 1 ? "1" : `1 or ${n}`);
    return Array.from({ length: n }, (_, i) => this.#value(e, e.count === 1 ? 0 : i));
  }

  /** A short list of exactly `n` values (`n` is small: the caller bounds it). */
  list(tag: number, n: number): number[] {
    const e = this.#checked(tag, (c) => c === n, String(n));
    return Array.from({ length: n }, (_, i) => this.#value(e, i));
  }

  /**
   * Reads values `0..n-1` of a possibly long list (strip or tile offsets and
   * byte counts) one at a time, without materialising it. More values than
   * `n` are allowed and never read.
   */
  reader(tag: number, n: number): (i: number) => number {
    const e = this.#checked(tag, (c) => c >= n, `at least ${n}`);
    return (i) => this.#value(e, i);
  }
}
