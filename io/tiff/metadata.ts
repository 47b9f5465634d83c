/**
 * TIFF metadata: the ICC profile (tag 34675, InterColorProfile), the density
 * (XResolution 282, YResolution 283, ResolutionUnit 296: 2 inch, 3 cm) and
 * EXIF — the image IFD's EXIF tags ({@linkcode IMAGE_EXIF_TAGS}) and its
 * Exif (34665) and GPS (34853) sub-IFDs, read as a standalone little-endian
 * EXIF payload and written back from one (see `ifd_tree.ts`). Reading looks
 * at one page's IFD (the first by default); a broken piece is left out.
 *
 * @module
 */

import { type Density, type ImageMetadata, isIcc, MAX_ICC_BYTES } from "../metadata.ts";
import { type Entry, findIfd, parseHeader, readIfd } from "./ifd.ts";
import {
  type ExifEntry,
  type ExifIfd,
  exifPayload,
  IMAGE_EXIF_TAGS,
  isEmptyTree,
  parseExif,
  parseIfdTree,
} from "./ifd_tree.ts";

const SUB_IFDS = new Set([34665, 34853]);

/** Whether an image-IFD tag (depth 0) or a sub-IFD tag crosses between EXIF and TIFF. */
function exifTag(tag: number, depth: number): boolean {
  return depth > 0 || IMAGE_EXIF_TAGS.has(tag) || SUB_IFDS.has(tag);
}

/** A RATIONAL value of an entry, or `undefined` (wrong type or count, outside the file). */
function rational(b: Uint8Array, view: DataView, le: boolean, e?: Entry): number | undefined {
  if (!e || e.type !== 5 || e.count !== 1 || e.at + 8 > b.length) return undefined;
  const num = view.getUint32(e.at, le), den = view.getUint32(e.at + 4, le);
  return num > 0 && den > 0 ? num / den : undefined;
}

/** The metadata of a TIFF file's IFD number `page` (0-based). */
export function readTiffMetadata(b: Uint8Array, { page }: { page: number }): ImageMetadata {
  const f = parseHeader(b);
  const at = page === 0 ? f.first : findIfd(f, page).at;
  const entries = readIfd(f, at);
  const meta: ImageMetadata = {};
  const icc = entries.get(34675);
  if (icc && (icc.type === 7 || icc.type === 1) && icc.count <= MAX_ICC_BYTES) {
    if (icc.at + icc.count <= b.length) {
      const profile = b.slice(icc.at, icc.at + icc.count);
      if (isIcc(profile)) meta.icc = profile;
    }
  }
  const x = rational(b, f.view, f.le, entries.get(282));
  const y = rational(b, f.view, f.le, entries.get(283));
  const unitEntry = entries.get(296);
  const unit = unitEntry === undefined
    ? 2
    : unitEntry.type === 3 && unitEntry.count === 1
    ? f.view.getUint16(unitEntry.at, f.le)
    : 0;
  if (x !== undefined && y !== undefined && (unit === 2 || unit === 3)) {
    meta.density = { x, y, unit: unit === 2 ? "inch" : "cm" };
  }
  if (!f.big) {
    const tree = parseIfdTree(b, at, exifTag);
    if (tree && !isEmptyTree(tree)) meta.exif = exifPayload(tree);
  }
  return meta;
}

/** A positive number as a RATIONAL: the smallest power-of-ten denominator that holds it to 1e-6. */
function toRational(v: number): [number, number] | undefined {
  for (let den = 1; den <= 1e6; den *= 10) {
    const num = Math.round(v * den);
    if (num > 0xffffffff) return undefined;
    if (Math.abs(num / den - v) <= 1e-6 * v) return num > 0 ? [num, den] : undefined;
  }
  const num = Math.round(v * 1e6);
  return num > 0 && num <= 0xffffffff ? [num, 1e6] : undefined;
}

function rationalEntry(tag: number, v: [number, number]): ExifEntry {
  const value = new Uint8Array(8);
  const view = new DataView(value.buffer);
  view.setUint32(0, v[0], true);
  view.setUint32(4, v[1], true);
  return { tag, type: 5, count: 1, value };
}

function densityEntries(d: Density): ExifEntry[] {
  const x = toRational(d.x), y = toRational(d.y);
  if (!x || !y) return [];
  return [
    rationalEntry(282, x),
    rationalEntry(283, y),
    { tag: 296, type: 3, count: 1, value: new Uint8Array([d.unit === "inch" ? 2 : 3, 0]) },
  ];
}

/**
 * The entries and sub-IFDs the writer adds to its IFD for `meta`: ICC,
 * density, and the EXIF block's image tags and Exif/GPS sub-IFDs (an EXIF
 * block that does not parse is left out).
 */
export function metadataIfd(meta: ImageMetadata): ExifIfd {
  const out: ExifIfd = { entries: [], children: new Map() };
  if (meta.density) out.entries.push(...densityEntries(meta.density));
  if (meta.icc && meta.icc.length > 0) {
    out.entries.push({ tag: 34675, type: 7, count: meta.icc.length, value: meta.icc });
  }
  const exif = meta.exif && parseExif(meta.exif);
  if (exif) {
    out.entries.push(...exif.entries.filter((e) => IMAGE_EXIF_TAGS.has(e.tag)));
    for (const [tag, child] of exif.children) if (SUB_IFDS.has(tag)) out.children.set(tag, child);
  }
  return out;
}
