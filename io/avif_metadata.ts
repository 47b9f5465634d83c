/**
 * AVIF metadata: the ICC profile (a `colr` property of type `prof`) and the
 * EXIF block (an `Exif` item) of the primary image, in the HEIF boxes
 * (ISO/IEC 23008-12, ISO/IEC 14496-12). AVIF has no density.
 *
 * Reading: the profile comes from `avif_header.ts`; the EXIF block is the
 * data of the first item of type `Exif` in `iinf` that an `iref` `cdsc`
 * reference links to the primary item, located by `iloc`. That data starts
 * with a 4-byte big-endian offset to the TIFF header (23008-12 Annex A); a
 * "Exif\0\0" prefix some writers leave there is skipped too. Every piece is
 * read on its own and a malformed one is left out; the work is bounded by
 * the boxes' sizes.
 *
 * Writing: the @jsquash/avif encoder takes no metadata, so its output is
 * rewritten. The profile becomes a `colr` `prof` property appended to
 * `ipco` and associated (not essential) with the primary item in `ipma`,
 * before any transformative property; the encoder's `colr` `nclx` stays, as
 * libavif itself writes both (HEIF allows one `colr` per colour type, and
 * the decoder takes the YUV-to-RGB matrix from `nclx`, so pixels do not
 * change). The EXIF block becomes a new item: an `infe` (version 2, type
 * `Exif`) in `iinf`, an `iref` `cdsc` from it to the primary item, and its
 * data (offset 0, then the TIFF payload) appended to the end of the last
 * `mdat`, with an `iloc` entry. The `meta` box grows, so every `iloc`
 * offset into the file past it is shifted (mdat moves); `iloc` offsets are
 * 4 bytes unless one needs 8, `iinf` and `iref` and `ipma` take the wider
 * fields or flags when an item id or property index needs them.
 *
 * Orientation: imfilter decodes an AVIF as stored (neither `irot`/`imir`,
 * which HEIF makes authoritative, nor the EXIF Orientation is applied), and
 * writes no `irot`/`imir`; so the EXIF block is read and written as it is,
 * its Orientation tag included, which in AVIF is informative only.
 *
 * @module
 */

import { FilterError } from "../core/errors.ts";
import { type Box, boxes, fourcc, itemExtents, u16, u32, uint } from "./avif_header.ts";
import { type ImageMetadata, isExif, isIcc, MAX_ICC_BYTES } from "./metadata.ts";

/** The largest EXIF item read (16 MiB); a larger one is left out. */
const MAX_EXIF_BYTES = 1 << 24;

/** The ICC profile and EXIF block of an AVIF file; each is left out when absent or malformed. */
export function readAvifMetadata(b: Uint8Array): ImageMetadata {
  const meta: ImageMetadata = {};
  try {
    const icc = readIcc(b);
    if (icc && icc.length <= MAX_ICC_BYTES && isIcc(icc)) meta.icc = icc.slice();
  } catch {
    // No readable profile.
  }
  try {
    const exif = readExif(b);
    if (exif) meta.exif = exif;
  } catch {
    // No readable EXIF item.
  }
  return meta;
}

/** The parsed boxes of the top-level `meta` box (throws on a malformed file). */
function metaBoxes(b: Uint8Array): { meta: Box; children: Box[] } {
  const meta = boxes(b, 0, b.length).find((x) => x.type === "meta");
  if (!meta) throw new Error("no meta box");
  return { meta, children: boxes(b, meta.start + 4, meta.end) };
}

function primaryItem(b: Uint8Array, pitm: Box | undefined): number {
  if (!pitm || pitm.end - pitm.start < 6) throw new Error("no primary item");
  return b[pitm.start] === 0 ? u16(b, pitm.start + 4) : u32(b, pitm.start + 4);
}

/** Item id → item type, from `iinf` (`infe` versions 2 and 3). */
function itemTypes(b: Uint8Array, iinf: Box): Map<number, string> {
  const types = new Map<number, string>();
  for (const infe of boxes(b, iinf.start + 4 + (b[iinf.start] === 0 ? 2 : 4), iinf.end)) {
    const wide = b[infe.start] === 3;
    if (infe.type !== "infe" || b[infe.start] < 2 || infe.end - infe.start < (wide ? 14 : 12)) {
      continue;
    }
    types.set(
      wide ? u32(b, infe.start + 4) : u16(b, infe.start + 4),
      fourcc(b, infe.start + (wide ? 10 : 8)),
    );
  }
  return types;
}

interface Reference {
  type: string;
  from: number;
  to: number[];
}

/** The references of an `iref` box (version 0: 16-bit ids, 1: 32-bit). */
function references(b: Uint8Array, iref: Box): { version: number; refs: Reference[] } {
  const version = b[iref.start];
  const wide = version !== 0, n = wide ? 4 : 2;
  const id = (p: number) => wide ? u32(b, p) : u16(b, p);
  const refs: Reference[] = [];
  for (const r of boxes(b, iref.start + 4, iref.end)) {
    if (r.end - r.start < n + 2) throw new Error("iref entry is truncated");
    const count = u16(b, r.start + n);
    if (r.start + n + 2 + count * n > r.end) throw new Error("iref entry is truncated");
    const to: number[] = [];
    for (let i = 0; i < count; i++) to.push(id(r.start + n + 2 + i * n));
    refs.push({ type: r.type, from: id(r.start), to });
  }
  return { version, refs };
}

/** The primary item's `colr` property of type `prof`: the profile, a view into the file. */
function readIcc(b: Uint8Array): Uint8Array | undefined {
  const { children } = metaBoxes(b);
  const primary = primaryItem(b, children.find((x) => x.type === "pitm"));
  const iprp = children.find((x) => x.type === "iprp");
  if (!iprp) return undefined;
  const inside = boxes(b, iprp.start, iprp.end);
  const ipco = inside.find((x) => x.type === "ipco");
  if (!ipco) return undefined;
  const props = boxes(b, ipco.start, ipco.end);
  for (const ipma of inside.filter((x) => x.type === "ipma")) {
    for (const { index } of parseIpma(b, ipma).items.get(primary) ?? []) {
      const p = props[index - 1];
      if (p?.type === "colr" && p.end - p.start > 4 && fourcc(b, p.start) === "prof") {
        return b.subarray(p.start + 4, p.end);
      }
    }
  }
  return undefined;
}

/** The TIFF-structured payload of the primary item's `Exif` item, or `undefined`. */
function readExif(b: Uint8Array): Uint8Array | undefined {
  const { meta, children } = metaBoxes(b);
  const find = (t: string) => children.find((x) => x.type === t);
  const iinf = find("iinf"), iref = find("iref");
  if (!iinf || !iref) return undefined;
  const primary = primaryItem(b, find("pitm"));
  const types = itemTypes(b, iinf);
  const item = references(b, iref).refs.find((r) =>
    r.type === "cdsc" && r.to.includes(primary) && types.get(r.from) === "Exif"
  )?.from;
  if (item === undefined) return undefined;
  const extents = itemExtents(b, meta, find("iloc")).get(item);
  if (!extents || extents.length === 0) return undefined;
  const size = extents.reduce((s, [, length]) => s + length, 0);
  if (size < 4 || size > MAX_EXIF_BYTES) return undefined;
  const data = new Uint8Array(size);
  let o = 0;
  for (const [offset, length] of extents) {
    data.set(b.subarray(offset, offset + length), o);
    o += length;
  }
  let start = 4 + u32(data, 0);
  // Some writers keep JPEG's "Exif\0\0" before the TIFF header.
  if (
    start + 6 < size && fourcc(data, start) === "Exif" && data[start + 4] === 0 &&
    data[start + 5] === 0
  ) {
    start += 6;
  }
  if (start >= size) return undefined;
  const exif = data.subarray(start);
  return isExif(exif) ? exif.slice() : undefined;
}

// ---------------------------------------------------------------------------
// Writing

/** Bytes under construction, big-endian. */
class Writer {
  #parts: number[] = [];
  u8(v: number): this {
    this.#parts.push(v & 255);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(Math.floor(v / 65536)).u16(v % 65536);
  }
  /** An unsigned integer of `n` bytes (0, 2, 4 or 8). */
  uint(v: number, n: number): this {
    if (n === 8) return this.u32(Math.floor(v / 2 ** 32)).u32(v % 2 ** 32);
    if (n === 4) return this.u32(v);
    if (n === 2) return this.u16(v);
    if (n !== 0 || v !== 0) throw new Error(`field of ${n} bytes cannot hold ${v}`);
    return this;
  }
  text(s: string): this {
    for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i));
    return this;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

/** A box: 32-bit size, type, payload (one or more pieces). */
function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const size = 8 + payload.reduce((s, p) => s + p.length, 0);
  if (size >= 2 ** 32) throw new Error(`box ${type} is too large`);
  const out = new Uint8Array(size);
  out.set(new Writer().u32(size).text(type).bytes());
  let o = 8;
  for (const p of payload) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A full box: box with version and 24-bit flags before the payload. */
function fullBox(type: string, version: number, flags: number, ...payload: Uint8Array[]) {
  return box(
    type,
    new Writer().u8(version).u8(flags >> 16).u16(flags & 0xffff).bytes(),
    ...payload,
  );
}

/** One `iloc` entry. */
interface Location {
  id: number;
  method: number;
  dataRef: number;
  base: number;
  extents: { index: number; offset: number; length: number }[];
}

interface Iloc {
  version: number;
  offsetSize: number;
  lengthSize: number;
  baseSize: number;
  indexSize: number;
  items: Location[];
}

function parseIloc(b: Uint8Array, iloc: Box): Iloc {
  const version = b[iloc.start];
  if (version > 2) throw new Error(`iloc version ${version}`);
  let p = iloc.start + 4;
  const offsetSize = b[p] >> 4, lengthSize = b[p] & 15, baseSize = b[p + 1] >> 4;
  const indexSize = version >= 1 ? b[p + 1] & 15 : 0;
  p += 2;
  const count = version < 2 ? u16(b, p) : u32(b, p);
  p += version < 2 ? 2 : 4;
  const need = (n: number) => {
    if (p + n > iloc.end) throw new Error("iloc is truncated");
  };
  const items: Location[] = [];
  for (let i = 0; i < count; i++) {
    need((version < 2 ? 2 : 4) + (version >= 1 ? 2 : 0) + 2 + baseSize + 2);
    const id = version < 2 ? u16(b, p) : u32(b, p);
    p += version < 2 ? 2 : 4;
    const method = version >= 1 ? u16(b, p) & 15 : 0;
    if (version >= 1) p += 2;
    const dataRef = u16(b, p);
    const base = uint(b, p + 2, baseSize);
    p += 2 + baseSize;
    const n = u16(b, p);
    p += 2;
    const extents: Location["extents"] = [];
    for (let k = 0; k < n; k++) {
      need(indexSize + offsetSize + lengthSize);
      const index = uint(b, p, indexSize);
      const offset = uint(b, p + indexSize, offsetSize);
      const length = uint(b, p + indexSize + offsetSize, lengthSize);
      p += indexSize + offsetSize + lengthSize;
      extents.push({ index, offset, length });
    }
    items.push({ id, method, dataRef, base, extents });
  }
  return { version, offsetSize, lengthSize, baseSize, indexSize, items };
}

function writeIloc(l: Iloc): Uint8Array {
  const w = new Writer()
    .u8((l.offsetSize << 4) | l.lengthSize)
    .u8((l.baseSize << 4) | l.indexSize);
  if (l.version < 2) w.u16(l.items.length);
  else w.u32(l.items.length);
  for (const item of l.items) {
    if (l.version < 2) w.u16(item.id);
    else w.u32(item.id);
    if (l.version >= 1) w.u16(item.method);
    w.u16(item.dataRef).uint(item.base, l.baseSize).u16(item.extents.length);
    for (const e of item.extents) {
      w.uint(e.index, l.indexSize).uint(e.offset, l.offsetSize).uint(e.length, l.lengthSize);
    }
  }
  return fullBox("iloc", l.version, 0, w.bytes());
}

/** One item's property associations in `ipma`: 1-based index and the essential bit. */
type Associations = { index: number; essential: boolean }[];

function parseIpma(
  b: Uint8Array,
  ipma: Box,
): { version: number; flags: number; items: Map<number, Associations> } {
  const version = b[ipma.start], flags = b[ipma.start + 3];
  const wideIndex = flags & 1;
  let p = ipma.start + 4;
  if (p + 4 > ipma.end) throw new Error("ipma is truncated");
  const count = u32(b, p);
  p += 4;
  const items = new Map<number, Associations>();
  for (let i = 0; i < count; i++) {
    if (p + (version < 1 ? 3 : 5) > ipma.end) throw new Error("ipma is truncated");
    const id = version < 1 ? u16(b, p) : u32(b, p);
    p += version < 1 ? 2 : 4;
    const n = b[p++];
    if (p + n * (wideIndex ? 2 : 1) > ipma.end) throw new Error("ipma is truncated");
    const list: Associations = [];
    for (let k = 0; k < n; k++) {
      const v = wideIndex ? u16(b, p) : b[p];
      p += wideIndex ? 2 : 1;
      list.push({
        essential: wideIndex ? v >= 0x8000 : v >= 0x80,
        index: v & (wideIndex ? 0x7fff : 0x7f),
      });
    }
    items.set(id, list);
  }
  return { version, flags, items };
}

function writeIpma(version: number, flags: number, items: Map<number, Associations>): Uint8Array {
  const wide = [...items.values()].some((list) => list.some((a) => a.index > 127));
  const f = wide ? flags | 1 : flags;
  const w = new Writer().u32(items.size);
  for (const [id, list] of items) {
    if (version < 1) w.u16(id);
    else w.u32(id);
    if (list.length > 255) throw new Error("more than 255 properties on an item");
    w.u8(list.length);
    for (const a of list) {
      if (f & 1) w.u16((a.essential ? 0x8000 : 0) | a.index);
      else w.u8((a.essential ? 0x80 : 0) | a.index);
    }
  }
  return fullBox("ipma", version, f, w.bytes());
}

/** Properties that transform the image; HEIF puts descriptive ones before them. */
const TRANSFORMATIVE = new Set(["clap", "irot", "imir"]);

/**
 * The encoder's AVIF with the ICC profile (`colr` `prof`) and the EXIF block
 * (an `Exif` item) of `meta` added to its primary item; the input itself
 * when there is neither. Pixels are untouched. Throws `IO` when the file's
 * layout is one this rewriter does not handle (never for libavif's output).
 */
export function addAvifMetadata(avif: Uint8Array, meta: ImageMetadata): Uint8Array {
  const icc = meta.icc && meta.icc.length > 0 ? meta.icc : undefined;
  const exif = meta.exif;
  if (!icc && !exif) return avif;
  try {
    return rewrite(avif, icc, exif);
  } catch (e) {
    throw new FilterError(
      "IO",
      `AVIF: cannot add the metadata to the encoder's output (${(e as Error).message})`,
      { cause: e },
    );
  }
}

function rewrite(b: Uint8Array, icc: Uint8Array | undefined, exif: Uint8Array | undefined) {
  const top = boxes(b, 0, b.length);
  if (top.some((x) => x.type === "moov")) throw new Error("image sequences are not handled");
  const { meta, children } = metaBoxes(b);
  const find = (t: string) => children.find((x) => x.type === t);
  const primary = primaryItem(b, find("pitm"));
  const ilocBox = find("iloc"), iinf = find("iinf");
  if (!ilocBox || !iinf) throw new Error("no iloc or iinf box");
  const iloc = parseIloc(b, ilocBox);
  const exifId = Math.max(0, ...itemTypes(b, iinf).keys(), ...iloc.items.map((i) => i.id)) + 1;
  if (exifId >= 2 ** 32) throw new Error("no item id left");
  // The Exif item's data: offset 0 to the TIFF header, then the payload.
  let payload: Uint8Array | undefined;
  if (exif) {
    payload = new Uint8Array(4 + exif.length);
    payload.set(exif, 4);
  }

  // The boxes of the new meta, but iloc, whose offsets depend on the new meta's size.
  const parts: (Uint8Array | "iloc")[] = [];
  for (const c of children) {
    if (c.type === "iloc") parts.push("iloc");
    else if (c.type === "iinf" && payload) parts.push(newIinf(b, c, exifId));
    else if (c.type === "iref" && payload) parts.push(newIref(b, c, exifId, primary));
    else if (c.type === "iprp" && icc) parts.push(newIprp(b, c, primary, icc));
    else parts.push(b.subarray(c.at, c.end));
    if (c.type === "iinf" && payload && !find("iref")) {
      parts.push(newIref(b, undefined, exifId, primary));
    }
  }

  // Where the payload goes: at the end of the last box when it is an mdat
  // (which grows), else in a new mdat box at the end of the file.
  const last = top[top.length - 1];
  const growMdat = payload !== undefined && last.type === "mdat" &&
    (last.start - last.at === 16 || last.end - last.at + payload.length < 2 ** 32);
  if (!growMdat && u32(b, last.at) === 0) {
    throw new Error(`the last box (${last.type}) has no size`);
  }
  // Its size field: 32-bit, 64-bit (largesize) or none (0: to the end of the file).
  const sizeField = !growMdat ? 0 : last.start - last.at === 16 ? 8 : u32(b, last.at) !== 0 ? 4 : 0;

  // The new iloc: each method-0 extent's offset absolute (its base folded
  // in), shifted by the growth of meta when it lies past it.
  const items: Location[] = iloc.items.map((item) => ({
    ...item,
    extents: item.extents.map((e) => ({ ...e })),
  }));
  const exifItem: Location | undefined = payload && {
    id: exifId,
    method: 0,
    dataRef: 0,
    base: 0,
    extents: [{ index: 0, offset: 0, length: payload.length }],
  };
  const table: Iloc = {
    ...iloc,
    version: exifId > 0xffff ? 2 : iloc.version,
    lengthSize: Math.max(iloc.lengthSize, payload ? (payload.length >= 2 ** 32 ? 8 : 4) : 0),
    items: exifItem ? [...items, exifItem] : items,
  };
  const place = (offsetSize: number): number => {
    table.offsetSize = offsetSize;
    // A box's size does not depend on the values of its offsets.
    const metaSize = 12 + writeIloc(table).length +
      parts.reduce((s, p) => s + (p === "iloc" ? 0 : p.length), 0);
    const delta = metaSize - (meta.end - meta.at);
    items.forEach((item, i) => {
      const old = iloc.items[i];
      if (item.method !== 0) return;
      if (item.dataRef !== 0) throw new Error(`item ${item.id} lies in another file`);
      item.base = 0;
      item.extents.forEach((e, k) => {
        // (A length of 0, "to the end of the file", would take in the payload appended.)
        if (old.extents[k].length === 0) throw new Error(`item ${item.id} has no length`);
        const at = old.base + old.extents[k].offset;
        if (at >= meta.end) e.offset = at + delta;
        else if (at + old.extents[k].length > meta.at) {
          throw new Error(`item ${item.id} lies in the meta box`);
        } else e.offset = at;
      });
    });
    if (exifItem) exifItem.extents[0].offset = b.length + delta + (growMdat ? 0 : 8);
    return delta;
  };
  const fits = () =>
    table.items.every((i) => i.extents.every((e) => e.offset < 2 ** (8 * table.offsetSize)));
  let delta = place(Math.max(4, iloc.offsetSize));
  if (!fits()) delta = place(8);

  const version = b[meta.start], flags = (b[meta.start + 1] << 16) | u16(b, meta.start + 2);
  const metaBox = fullBox(
    "meta",
    version,
    flags,
    ...parts.map((p) => p === "iloc" ? writeIloc(table) : p),
  );
  const tail = payload ? (growMdat ? payload : box("mdat", payload)) : new Uint8Array(0);
  const out = new Uint8Array(b.length + delta + tail.length);
  out.set(b.subarray(0, meta.at));
  out.set(metaBox, meta.at);
  out.set(b.subarray(meta.end), meta.at + metaBox.length);
  out.set(tail, b.length + delta);
  const size = last.end - last.at + tail.length, view = new DataView(out.buffer);
  if (sizeField === 4) view.setUint32(last.at + delta, size);
  if (sizeField === 8) view.setBigUint64(last.at + delta + 8, BigInt(size));
  return out;
}

/** `iinf` with an `infe` (version 2, or 3 for a 32-bit id) for the Exif item appended. */
function newIinf(b: Uint8Array, iinf: Box, id: number): Uint8Array {
  const version = b[iinf.start];
  const head = version === 0 ? 2 : 4;
  const count = (version === 0 ? u16(b, iinf.start + 4) : u32(b, iinf.start + 4)) + 1;
  const entries = b.subarray(iinf.start + 4 + head, iinf.end);
  const wide = id > 0xffff;
  const infe = fullBox(
    "infe",
    wide ? 3 : 2,
    0,
    new Writer().uint(id, wide ? 4 : 2).u16(0).text("Exif").text("Exif\0").bytes(),
  );
  const v = count > 0xffff ? 1 : version;
  const n = new Writer().uint(count, v === 0 ? 2 : 4).bytes();
  return fullBox("iinf", v, 0, n, entries, infe);
}

/** `iref` (or a new one) with a `cdsc` reference from the Exif item to the primary item. */
function newIref(
  b: Uint8Array,
  iref: Box | undefined,
  exifId: number,
  primary: number,
): Uint8Array {
  const { version, refs } = iref ? references(b, iref) : { version: 0, refs: [] };
  refs.push({ type: "cdsc", from: exifId, to: [primary] });
  const wide = version !== 0 || refs.some((r) => r.from > 0xffff || r.to.some((t) => t > 0xffff));
  const n = wide ? 4 : 2;
  const entries = refs.map((r) => {
    const w = new Writer().uint(r.from, n).u16(r.to.length);
    for (const t of r.to) w.uint(t, n);
    return box(r.type, w.bytes());
  });
  return fullBox("iref", wide ? 1 : 0, 0, ...entries);
}

/** `iprp` with a `colr` `prof` property in `ipco` associated with the primary item in `ipma`. */
function newIprp(b: Uint8Array, iprp: Box, primary: number, icc: Uint8Array): Uint8Array {
  const inside = boxes(b, iprp.start, iprp.end);
  const ipco = inside.find((x) => x.type === "ipco");
  const ipmas = inside.filter((x) => x.type === "ipma");
  if (!ipco || ipmas.length === 0) throw new Error("no ipco or ipma box");
  const props = boxes(b, ipco.start, ipco.end);
  const index = props.length + 1;
  const isProf = (i: number) => {
    const p = props[i - 1];
    return p?.type === "colr" && p.end - p.start >= 4 && fourcc(b, p.start) === "prof";
  };
  const parts: Uint8Array[] = [];
  let done = false;
  for (const x of inside) {
    const raw = b.subarray(x.start - 8, x.end);
    if (x.type === "ipco") {
      parts.push(
        box(
          "ipco",
          b.subarray(ipco.start, ipco.end),
          box("colr", new Writer().text("prof").bytes(), icc),
        ),
      );
    } else if (x.type === "ipma" && !done) {
      const ipma = parseIpma(b, x);
      const list = ipma.items.get(primary);
      if (!list) {
        parts.push(raw);
        continue;
      }
      // A profile the encoder wrote gives way to ours.
      const kept = list.filter((a) => !isProf(a.index));
      const at = kept.findIndex((a) => TRANSFORMATIVE.has(props[a.index - 1]?.type ?? ""));
      kept.splice(at < 0 ? kept.length : at, 0, { index, essential: false });
      ipma.items.set(primary, kept);
      parts.push(writeIpma(ipma.version, ipma.flags, ipma.items));
      done = true;
    } else parts.push(raw);
  }
  if (!done) throw new Error("the primary item has no property associations");
  return box("iprp", ...parts);
}
