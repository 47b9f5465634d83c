/**
 * IFDs as trees of entries. An EXIF block is itself a TIFF structure, but
 * in a TIFF file its tags live in the image's own IFD (Make, Model,
 * Orientation, …) and in sub-IFDs that IFD points to (Exif 34665, GPS
 * 34853; the Exif IFD may point to an Interoperability IFD 40965). This
 * module parses either into a small tree of entries with little-endian
 * values — byte order, offsets and layout thrown away — and writes such a
 * tree back at any position: the TIFF writer lays out its IFD (image tags,
 * the EXIF tags and sub-IFDs) with it, and the TIFF reader hands EXIF back
 * as a standalone payload.
 *
 * Parsing is bounded: at most 4 levels, 1000 entries per IFD and 10,000 in
 * all, each IFD visited once (a loop ends the branch), values inside the
 * data and 16 MiB of them in all (entries that all point at the same bytes
 * cannot multiply them). A broken entry or sub-IFD is left out.
 *
 * @module
 */

/** One entry: its tag, field type, value count and values (little-endian). */
export interface ExifEntry {
  tag: number;
  type: number;
  count: number;
  value: Uint8Array;
}

/** An IFD: its entries (pointers excluded) and the sub-IFDs its pointer tags lead to. */
export interface ExifIfd {
  entries: ExifEntry[];
  children: Map<number, ExifIfd>;
}

/** Bytes per value of each field type (0: unknown, the entry is left out). */
const TYPE_SIZES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8];
/** Bytes per swapped unit: RATIONALs are pairs of 4-byte values. */
const UNIT_SIZES = [0, 1, 1, 2, 4, 4, 1, 1, 2, 4, 4, 4, 8, 4, 0, 0, 8, 8, 8];
/** Tags that point to a sub-IFD: Exif, GPS, Interoperability. */
export const POINTER_TAGS: ReadonlySet<number> = new Set([34665, 34853, 40965]);
/**
 * The tags of an image's IFD that are EXIF information rather than its
 * layout: Make, Model, Orientation, Software, DateTime, Artist,
 * HostComputer, Copyright. Only these cross between an EXIF block and a
 * TIFF's IFD (the density has its own field; strips, compression and colour
 * tags describe the file they are in; ImageDescription stays too, as
 * tifffile and ImageJ keep the array's shape and axes in it).
 */
export const IMAGE_EXIF_TAGS: ReadonlySet<number> = new Set([
  271,
  272,
  274,
  305,
  306,
  315,
  316,
  33432,
]);
const MAX_ENTRIES = 1000, MAX_DEPTH = 4, MAX_TOTAL_ENTRIES = 10_000;
/** The value bytes one parse copies at most. */
export const MAX_TREE_BYTES: number = 1 << 24;

/**
 * Parses the IFD at `at` of TIFF-structured `b` (offsets relative to `b`),
 * keeping the entries `keep` accepts and following pointer tags.
 */
export function parseIfdTree(
  b: Uint8Array,
  at: number,
  keep: (tag: number, depth: number) => boolean = () => true,
): ExifIfd | undefined {
  const le = b[0] === 0x49;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const seen = new Set<number>();
  let bytesLeft = MAX_TREE_BYTES, entriesLeft = MAX_TOTAL_ENTRIES;
  const walk = (at: number, depth: number): ExifIfd | undefined => {
    if (depth > MAX_DEPTH || seen.has(at) || at < 8 || at + 2 > b.length) return undefined;
    seen.add(at);
    const n = view.getUint16(at, le);
    if (n > MAX_ENTRIES || at + 2 + 12 * n > b.length) return undefined;
    const ifd: ExifIfd = { entries: [], children: new Map() };
    for (let i = 0; i < n && entriesLeft > 0; i++, entriesLeft--) {
      const e = at + 2 + 12 * i;
      const tag = view.getUint16(e, le), type = view.getUint16(e + 2, le);
      const count = view.getUint32(e + 4, le);
      if (POINTER_TAGS.has(tag)) {
        if ((type === 4 || type === 13) && count === 1 && keep(tag, depth)) {
          const child = walk(view.getUint32(e + 8, le), depth + 1);
          if (child) ifd.children.set(tag, child);
        }
        continue;
      }
      const size = TYPE_SIZES[type] ?? 0;
      if (size === 0 || !keep(tag, depth) || ifd.entries.some((x) => x.tag === tag)) continue;
      const bytes = size * count;
      const where = bytes <= 4 ? e + 8 : view.getUint32(e + 8, le);
      if (bytes > bytesLeft || where + bytes > b.length) continue;
      bytesLeft -= bytes;
      const value = b.slice(where, where + bytes);
      const unit = UNIT_SIZES[type];
      if (!le && unit > 1) {
        for (let p = 0; p < bytes; p += unit) value.subarray(p, p + unit).reverse();
      }
      ifd.entries.push({ tag, type, count, value });
    }
    return ifd;
  };
  return walk(at, 0);
}

/** The EXIF payload's IFD0 as a tree, or `undefined` when it is not a readable TIFF structure. */
export function parseExif(exif: Uint8Array): ExifIfd | undefined {
  if (exif.length < 8) return undefined;
  const le = exif[0] === 0x49;
  const view = new DataView(exif.buffer, exif.byteOffset, exif.byteLength);
  return parseIfdTree(exif, view.getUint32(4, le));
}

/** Whether a tree holds no entry at all. */
export function isEmptyTree(ifd: ExifIfd): boolean {
  return ifd.entries.length === 0 && [...ifd.children.values()].every(isEmptyTree);
}

/** A field to write into an IFD: its tag, type, count and little-endian value bytes. */
export type RawField = ExifEntry;

/** Bytes an IFD of `n` entries takes with its out-of-line values (each padded to even). */
function ifdSize(entries: readonly ExifEntry[], pointers: number): number {
  let size = 2 + 12 * (entries.length + pointers) + 4;
  for (const e of entries) if (e.value.length > 4) size += e.value.length + (e.value.length & 1);
  return size;
}

/**
 * Writes `ifd` (little-endian) as it will sit at absolute offset `at`: the
 * IFD, its out-of-line values, then its sub-IFDs, each after the other. The
 * next-IFD link is 0.
 */
export function writeIfdTree(ifd: ExifIfd, at: number): Uint8Array {
  const children = [...ifd.children.entries()].filter(([, c]) => !isEmptyTree(c));
  const own = ifdSize(ifd.entries, children.length);
  const childBytes: [number, Uint8Array][] = [];
  let next = at + own;
  for (const [tag, child] of children) {
    const bytes = writeIfdTree(child, next);
    childBytes.push([tag, bytes]);
    next += bytes.length;
  }
  const out = new Uint8Array(next - at);
  const view = new DataView(out.buffer);
  const fields: { tag: number; write: (e: number) => void }[] = [];
  let values = 2 + 12 * (ifd.entries.length + children.length) + 4;
  for (const entry of ifd.entries) {
    fields.push({
      tag: entry.tag,
      write: (e) => {
        view.setUint16(e + 2, entry.type, true);
        view.setUint32(e + 4, entry.count, true);
        if (entry.value.length <= 4) out.set(entry.value, e + 8);
        else {
          view.setUint32(e + 8, at + values, true);
          out.set(entry.value, values);
          values += entry.value.length + (entry.value.length & 1);
        }
      },
    });
  }
  let childAt = at + own;
  for (const [tag, bytes] of childBytes) {
    const offset = childAt;
    fields.push({
      tag,
      write: (e) => {
        view.setUint16(e + 2, 4, true);
        view.setUint32(e + 4, 1, true);
        view.setUint32(e + 8, offset, true);
      },
    });
    out.set(bytes, offset - at);
    childAt += bytes.length;
  }
  fields.sort((a, b) => a.tag - b.tag);
  view.setUint16(0, fields.length, true);
  fields.forEach((f, i) => {
    view.setUint16(2 + 12 * i, f.tag, true);
    f.write(2 + 12 * i);
  });
  return out;
}

/** A standalone little-endian EXIF payload ("II*\0…") holding the tree as its IFD0. */
export function exifPayload(ifd: ExifIfd): Uint8Array {
  const body = writeIfdTree(ifd, 8);
  const out = new Uint8Array(8 + body.length);
  out.set([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  out.set(body, 8);
  return out;
}
