/**
 * What an AVIF file says about its image before it is decoded, read from
 * its ISO-BMFF boxes (ISO/IEC 14496-12, HEIF 23008-12, the AVIF
 * specification) and the AV1 sequence header (AV1 specification 5.5): the
 * primary item's size (`ispe`), bit depth and monochrome flag (`av1C`),
 * whether an alpha auxiliary item belongs to it, and the largest frame each
 * AV1 stream may code — the size the AV1 decoder allocates, so it is checked
 * against `maxPixels` too (a file whose `ispe` is small but whose stream
 * claims a huge frame fails before the decoder runs). Every item extent must
 * lie inside the file. Grids (`grid` items) are read from their tiles. The
 * ICC profile and EXIF block are read in `avif_metadata.ts`, with these boxes.
 *
 * There is no lower bound of bytes per pixel to check: AV1's adaptive
 * arithmetic coder brings a flat block's symbols close to zero bits, so an
 * honest 16384×16384 one-colour image is a few hundred bytes. `maxPixels`
 * (and libavif's own 16384×16384 limit) bound what a lying file can cost.
 *
 * @module
 */

import { FilterError } from "../core/errors.ts";

function bad(message: string): FilterError {
  return new FilterError("DECODE_FAILED", `AVIF: ${message}`);
}

/** The image an AVIF file holds, as its header tells. */
export interface AvifHeader {
  width: number;
  height: number;
  /** Bits per sample of the coded image: 8, 10 or 12. */
  depth: 8 | 10 | 12;
  monochrome: boolean;
  alpha: boolean;
  /** The largest frame any AV1 stream of the image may code (its sequence headers). */
  coded: { width: number; height: number }[];
}

/** A box of an ISO-BMFF file: its type and where its payload lies. */
export interface Box {
  type: string;
  /** Where the box begins (its size field). */
  at: number;
  /** The payload (after the header). */
  start: number;
  end: number;
}

/** The four-character code at `p`. */
export const fourcc = (b: Uint8Array, p: number): string =>
  String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3]);
/** A big-endian 16-bit unsigned integer at `p`. */
export const u16 = (b: Uint8Array, p: number): number => (b[p] << 8) | b[p + 1];
/** A big-endian 32-bit unsigned integer at `p`. */
export const u32 = (b: Uint8Array, p: number): number =>
  ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;

/** Reads an unsigned big-endian integer of `n` bytes (0, 4 or 8; 8 must fit a double). */
export function uint(b: Uint8Array, p: number, n: number): number {
  if (n === 0) return 0;
  if (n === 4) return u32(b, p);
  if (n === 8) return u32(b, p) * 2 ** 32 + u32(b, p + 4);
  throw bad(`field size ${n} is not 0, 4 or 8`);
}

/** The boxes of `b[start, end)`; one running past `end` means a truncated or corrupt file. */
export function boxes(b: Uint8Array, start: number, end: number): Box[] {
  const out: Box[] = [];
  let p = start;
  while (p + 8 <= end) {
    let size = u32(b, p), head = 8;
    const type = fourcc(b, p + 4);
    if (size === 1) {
      if (p + 16 > end) throw bad(`box ${type} is truncated`);
      size = uint(b, p + 8, 8);
      head = 16;
    } else if (size === 0) size = end - p;
    if (size < head || p + size > end) {
      throw bad(`box ${JSON.stringify(type)} at byte ${p} runs past the end`);
    }
    out.push({ type, at: p, start: p + head, end: p + size });
    p += size;
  }
  return out;
}

/** The first child box of `parent` of this type (its payload's first `skip` bytes are not boxes). */
export function child(b: Uint8Array, parent: Box, type: string, skip = 0): Box | undefined {
  return boxes(b, parent.start + skip, parent.end).find((x) => x.type === type);
}

/** Whether the bytes start with an `ftyp` box naming the AVIF brands. */
export function isAvif(b: Uint8Array): boolean {
  if (b.length < 16 || fourcc(b, 4) !== "ftyp") return false;
  const end = Math.min(b.length, u32(b, 0));
  for (let p = 8; p + 4 <= end; p += 4) {
    if (p === 12) continue; // minor_version
    const brand = fourcc(b, p);
    if (brand === "avif" || brand === "avis") return true;
  }
  return false;
}

/** The AV1 sequence header's largest frame, from a run of OBUs (`undefined` when it has none). */
function sequenceHeader(b: Uint8Array): { width: number; height: number } | undefined {
  let p = 0;
  while (p < b.length) {
    const h = b[p];
    const type = (h >> 3) & 15, ext = (h >> 2) & 1, hasSize = (h >> 1) & 1;
    p += 1 + ext;
    let size = b.length - p;
    if (hasSize) {
      size = 0;
      for (let i = 0; i < 8; i++) {
        if (p >= b.length) return undefined;
        const byte = b[p++];
        size += (byte & 127) * 2 ** (7 * i);
        if (!(byte & 128)) break;
      }
    }
    if (type === 1) return readSequenceHeader(b.subarray(p, Math.min(b.length, p + size)));
    p += size;
  }
  return undefined;
}

/** AV1 specification 5.5.1, up to max_frame_width_minus_1 and max_frame_height_minus_1. */
function readSequenceHeader(b: Uint8Array): { width: number; height: number } {
  let bit = 0;
  const f = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++, bit++) {
      if (bit >> 3 >= b.length) throw bad("AV1 sequence header is truncated");
      v = v * 2 + ((b[bit >> 3] >> (7 - (bit & 7))) & 1);
    }
    return v;
  };
  f(3); // seq_profile
  f(1); // still_picture
  if (f(1)) {
    f(5); // reduced_still_picture_header: seq_level_idx[0]
  } else {
    let decoderModel = 0, bufferDelayBits = 0;
    if (f(1)) { // timing_info_present_flag
      f(32), f(32); // num_units_in_display_tick, time_scale
      if (f(1)) { // equal_picture_interval: num_ticks_per_picture_minus_1, uvlc()
        let zeros = 0;
        while (!f(1)) if (++zeros >= 32) break;
        if (zeros < 32) f(zeros);
      }
      decoderModel = f(1);
      if (decoderModel) {
        bufferDelayBits = f(5) + 1;
        f(32), f(5), f(5);
      }
    }
    const displayDelay = f(1);
    const points = f(5) + 1;
    for (let i = 0; i < points; i++) {
      f(12); // operating_point_idc
      if (f(5) > 7) f(1); // seq_level_idx, seq_tier
      if (decoderModel && f(1)) f(bufferDelayBits), f(bufferDelayBits), f(1);
      if (displayDelay && f(1)) f(4);
    }
  }
  const wBits = f(4) + 1, hBits = f(4) + 1;
  return { width: f(wBits) + 1, height: f(hBits) + 1 };
}

/** Parses the header; throws `DECODE_FAILED` naming what is missing or malformed. */
export function avifHeader(b: Uint8Array): AvifHeader {
  const top = boxes(b, 0, b.length);
  const meta = top.find((x) => x.type === "meta");
  if (!meta) {
    throw bad(
      top.some((x) => x.type === "moov")
        ? "image sequences without a still image item are not supported"
        : "no meta box (not an AVIF image, or truncated)",
    );
  }
  const inMeta = (t: string) => child(b, meta, t, 4);
  const pitm = inMeta("pitm");
  if (!pitm) throw bad("no primary item (pitm box)");
  const primary = b[pitm.start] === 0 ? u16(b, pitm.start + 4) : u32(b, pitm.start + 4);

  // Item types (iinf / infe, versions 2 and 3).
  const types = new Map<number, string>();
  const iinf = inMeta("iinf");
  if (!iinf) throw bad("no item information (iinf box)");
  for (const infe of boxes(b, iinf.start + 4 + (b[iinf.start] === 0 ? 2 : 4), iinf.end)) {
    if (infe.type !== "infe" || b[infe.start] < 2) continue;
    const wide = b[infe.start] === 3;
    const id = wide ? u32(b, infe.start + 4) : u16(b, infe.start + 4);
    types.set(id, fourcc(b, infe.start + (wide ? 10 : 8)));
  }
  const type = types.get(primary);
  if (type !== "av01" && type !== "grid") {
    throw bad(
      `primary item is ${type === undefined ? "missing" : JSON.stringify(type)}, not AV1 or a grid`,
    );
  }

  // Properties (ipco) and which items have them (ipma).
  const iprp = inMeta("iprp");
  const ipco = iprp && child(b, iprp, "ipco");
  if (!iprp || !ipco) throw bad("no item properties (iprp/ipco boxes)");
  const props = boxes(b, ipco.start, ipco.end);
  const assoc = new Map<number, Box[]>();
  for (const ipma of boxes(b, iprp.start, iprp.end).filter((x) => x.type === "ipma")) {
    const version = b[ipma.start], wideIndex = b[ipma.start + 3] & 1;
    let p = ipma.start + 4;
    const count = u32(b, p);
    p += 4;
    for (let i = 0; i < count && p < ipma.end; i++) {
      const id = version < 1 ? u16(b, p) : u32(b, p);
      p += version < 1 ? 2 : 4;
      const n = b[p++];
      for (let k = 0; k < n; k++, p += wideIndex ? 2 : 1) {
        const index = wideIndex ? u16(b, p) & 0x7fff : b[p] & 0x7f;
        if (index > 0 && props[index - 1]) {
          assoc.set(id, [...(assoc.get(id) ?? []), props[index - 1]]);
        }
      }
    }
    if (p > ipma.end) throw bad("item property associations (ipma) run past their box");
  }
  const prop = (id: number, t: string) => assoc.get(id)?.find((x) => x.type === t);

  // References (iref): the grid's tiles (dimg), auxiliary items (auxl).
  const refs: { type: string; from: number; to: number[] }[] = [];
  const iref = inMeta("iref");
  if (iref) {
    const wide = b[iref.start] !== 0;
    for (const r of boxes(b, iref.start + 4, iref.end)) {
      let p = r.start;
      const from = wide ? u32(b, p) : u16(b, p);
      p += wide ? 4 : 2;
      const n = u16(b, p);
      p += 2;
      const to: number[] = [];
      for (let i = 0; i < n && p < r.end; i++, p += wide ? 4 : 2) {
        to.push(wide ? u32(b, p) : u16(b, p));
      }
      refs.push({ type: r.type, from, to });
    }
  }

  // Item locations (iloc): every extent inside the file (or the idat box).
  const extents = itemExtents(b, meta, inMeta("iloc"));
  const dataOf = (id: number): Uint8Array => {
    const list = extents.get(id);
    if (!list || list.length === 0) throw bad(`item ${id} has no data location (iloc)`);
    return b.subarray(list[0][0], list[0][0] + list[0][1]);
  };

  const ispe = prop(primary, "ispe");
  if (!ispe) throw bad("primary item has no size (ispe property)");
  const width = u32(b, ispe.start + 4), height = u32(b, ispe.start + 8);
  if (width === 0 || height === 0) throw bad(`size ${width}x${height} is empty`);
  const coded = type === "grid"
    ? (refs.find((r) => r.type === "dimg" && r.from === primary)?.to ?? [])
    : [primary];
  if (coded.length === 0) throw bad("grid has no tiles (dimg references)");
  const av1c = prop(coded[0], "av1C");
  if (!av1c || av1c.end - av1c.start < 4) throw bad("primary item has no AV1 configuration (av1C)");
  const flags = b[av1c.start + 2];
  const depth = flags & 0x40 ? (flags & 0x20 ? 12 : 10) : 8;
  const monochrome = (flags & 0x10) !== 0;

  const sizes: { width: number; height: number }[] = [];
  const alphaItems = refs.filter((r) => r.type === "auxl" && r.to.includes(primary)).map((r) =>
    r.from
  )
    .filter((id) => {
      const auxC = prop(id, "auxC");
      const urn = auxC ? new TextDecoder().decode(b.subarray(auxC.start + 4, auxC.end)) : "";
      return urn.startsWith("urn:mpeg:mpegB:cicp:systems:auxiliary:alpha") ||
        urn.startsWith("urn:mpeg:hevc:2015:auxid:1");
    });
  for (const id of [...coded, ...alphaItems]) {
    const config = prop(id, "av1C");
    const seq = (config && sequenceHeader(b.subarray(config.start + 4, config.end))) ??
      sequenceHeader(dataOf(id));
    if (!seq) throw bad(`item ${id} has no AV1 sequence header`);
    sizes.push(seq);
  }
  return { width, height, depth, monochrome, alpha: alphaItems.length > 0, coded: sizes };
}

/** Each item's extents as [offset, length] in the file, checked to lie inside it. */
export function itemExtents(
  b: Uint8Array,
  meta: Box,
  iloc: Box | undefined,
): Map<number, [number, number][]> {
  if (!iloc) throw bad("no item locations (iloc box)");
  const idat = child(b, meta, "idat", 4);
  const version = b[iloc.start];
  let p = iloc.start + 4;
  const offsetSize = b[p] >> 4, lengthSize = b[p] & 15, baseSize = b[p + 1] >> 4;
  const indexSize = version === 1 || version === 2 ? b[p + 1] & 15 : 0;
  p += 2;
  const count = version < 2 ? u16(b, p) : u32(b, p);
  p += version < 2 ? 2 : 4;
  const out = new Map<number, [number, number][]>();
  const entry = (version < 2 ? 2 : 4) + (version === 1 || version === 2 ? 2 : 0) + 2 + baseSize + 2;
  for (let i = 0; i < count; i++) {
    if (p + entry > iloc.end) throw bad("item locations (iloc) run past their box");
    const id = version < 2 ? u16(b, p) : u32(b, p);
    p += version < 2 ? 2 : 4;
    const method = version === 1 || version === 2 ? u16(b, p) & 15 : 0;
    if (version === 1 || version === 2) p += 2;
    p += 2; // data_reference_index
    const base = uint(b, p, baseSize);
    p += baseSize;
    const n = u16(b, p);
    p += 2;
    const list: [number, number][] = [];
    for (let k = 0; k < n; k++) {
      if (p + indexSize + offsetSize + lengthSize > iloc.end) {
        throw bad("item locations (iloc) are truncated");
      }
      p += indexSize;
      const offset = base + uint(b, p, offsetSize);
      p += offsetSize;
      let length = uint(b, p, lengthSize);
      p += lengthSize;
      const [lo, hi] = method === 1 ? [idat?.start ?? 0, idat?.end ?? 0] : [0, b.length];
      if (method === 1 && !idat) throw bad(`item ${id} is in an idat box the file lacks`);
      if (method > 1) throw bad(`item ${id} has construction method ${method} (not supported)`);
      if (length === 0) length = hi - lo - offset;
      if (lo + offset + length > hi || length < 0) {
        throw bad(
          `item ${id}'s data (${length} bytes at ${offset}) lies past the end of the file: truncated`,
        );
      }
      list.push([lo + offset, length]);
    }
    out.set(id, list);
  }
  return out;
}
