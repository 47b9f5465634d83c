/**
 * Image metadata that travels with the pixels — an ICC colour profile, an
 * EXIF block and the pixel density — as format-neutral values, plus the
 * EXIF helpers every format's metadata code shares (an EXIF block is a
 * small TIFF structure: "II*\0…" or "MM\0*…"). Each format reads and writes
 * these in its own module (`jpeg/metadata.ts`, `png_metadata.ts`,
 * `webp_metadata.ts`, `avif_metadata.ts`, `tiff/metadata.ts`); `codec.ts` has
 * the entry point.
 * Nothing here decodes pixels or touches files.
 *
 * @module
 */

import { FilterError, show } from "../core/errors.ts";

/** Pixel density: pixels per inch or per centimetre, horizontally (`x`) and vertically (`y`). */
export interface Density {
  /** Pixels per `unit` along a row. */
  x: number;
  /** Pixels per `unit` along a column. */
  y: number;
  /** `"inch"` (dots per inch) or `"cm"` (dots per centimetre). */
  unit: "inch" | "cm";
}

/**
 * The metadata of an image file that imfilter carries from input to output:
 * each piece is absent when the file has none (or only a broken one).
 */
export interface ImageMetadata {
  /** The embedded ICC colour profile, as its bytes. */
  icc?: Uint8Array;
  /**
   * The EXIF block: the TIFF-structured payload starting "II*\0" or "MM\0*"
   * (without JPEG's "Exif\0\0" prefix).
   */
  exif?: Uint8Array;
  /** The pixel density (resolution), when the file states one in inches or centimetres. */
  density?: Density;
}

/** The EXIF Orientation tag (IFD0). */
const ORIENTATION = 0x0112;

/** Whether `b` starts with a TIFF header, as an EXIF payload must. */
export function isExif(b: Uint8Array): boolean {
  if (b.length < 8) return false;
  return (b[0] === 0x49 && b[1] === 0x49 && b[2] === 42 && b[3] === 0) ||
    (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 42);
}

/** Whether `b` looks like an ICC profile: a 128-byte header with the "acsp" signature. */
export function isIcc(b: Uint8Array): boolean {
  return b.length >= 128 && b[36] === 0x61 && b[37] === 0x63 && b[38] === 0x73 && b[39] === 0x70;
}

/** Byte offset of IFD0's Orientation entry (one SHORT or LONG) in an EXIF payload, or -1 (absent or malformed). */
function orientationEntry(b: Uint8Array): number {
  if (!isExif(b)) return -1;
  const le = b[0] === 0x49;
  const u16 = (p: number) => le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
  const ifd = le
    ? (b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24)) >>> 0
    : ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0;
  if (ifd < 8 || ifd + 2 > b.length) return -1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > b.length) return -1;
    if (u16(e) !== ORIENTATION) continue;
    // One SHORT (as the standard says) or one LONG (as some writers put it).
    const count = le ? u16(e + 4) | (u16(e + 6) << 16) : (u16(e + 4) << 16) | u16(e + 6);
    const type = u16(e + 2);
    return (type === 3 || type === 4) && count === 1 ? e : -1;
  }
  return -1;
}

/** The EXIF orientation (1–8) stored in IFD0 of an EXIF payload; 1 when absent or malformed. */
export function exifOrientation(exif: Uint8Array): number {
  const e = orientationEntry(exif);
  if (e < 0) return 1;
  const view = new DataView(exif.buffer, exif.byteOffset, exif.byteLength);
  const le = exif[0] === 0x49;
  const v = view.getUint16(e + 2, le) === 3 ? view.getUint16(e + 8, le) : view.getUint32(e + 8, le);
  return v >= 1 && v <= 8 ? v : 1;
}

/**
 * The EXIF payload with its Orientation tag set to `value` (in a copy, in
 * the payload's byte order); the payload itself when it has no such tag or
 * already says `value`.
 */
export function exifWithOrientation(exif: Uint8Array, value: number): Uint8Array {
  const e = orientationEntry(exif);
  if (e < 0 || exifOrientation(exif) === value) return exif;
  const out = exif.slice();
  const view = new DataView(out.buffer);
  const le = out[0] === 0x49;
  if (view.getUint16(e + 2, le) === 3) view.setUint16(e + 8, value, le);
  else view.setUint32(e + 8, value, le);
  return out;
}

/**
 * The metadata an encoder is given, checked: each piece of the right type,
 * EXIF starting with a TIFF header, density positive and finite. A wrong
 * piece is `INVALID_PARAM` naming it.
 */
export function checkMetadata(owner: string, metadata: unknown): ImageMetadata {
  if (metadata === undefined) return {};
  const m = metadata as ImageMetadata;
  if (typeof metadata !== "object" || metadata === null) {
    throw new FilterError(
      "INVALID_PARAM",
      `${owner}: metadata must be an object { icc?, exif?, density? }, got ${show(metadata)}`,
    );
  }
  const out: ImageMetadata = {};
  if (m.icc !== undefined) {
    if (!(m.icc instanceof Uint8Array)) {
      throw new FilterError(
        "INVALID_PARAM",
        `${owner}: metadata.icc must be a Uint8Array, got ${show(m.icc)}`,
      );
    }
    out.icc = m.icc;
  }
  if (m.exif !== undefined) {
    if (!(m.exif instanceof Uint8Array) || !isExif(m.exif)) {
      throw new FilterError(
        "INVALID_PARAM",
        `${owner}: metadata.exif must be a Uint8Array holding a TIFF structure ("II*\\0..." or "MM\\0*..."), got ${
          show(m.exif)
        }`,
      );
    }
    out.exif = m.exif;
  }
  if (m.density !== undefined) {
    const d = m.density;
    const ok = typeof d === "object" && d !== null && (d.unit === "inch" || d.unit === "cm") &&
      [d.x, d.y].every((v) => typeof v === "number" && Number.isFinite(v) && v > 0);
    if (!ok) {
      throw new FilterError(
        "INVALID_PARAM",
        `${owner}: metadata.density must be { x, y, unit } with x, y > 0 and unit "inch" or "cm", got ${
          show(d)
        }`,
      );
    }
    out.density = { x: d.x, y: d.y, unit: d.unit };
  }
  return out;
}

/** Whether the metadata has no piece at all. */
export function isEmptyMetadata(m: ImageMetadata): boolean {
  return m.icc === undefined && m.exif === undefined && m.density === undefined;
}

/** The largest ICC profile a reader takes (16 MiB, about what JPEG's 255 segments hold); larger is left out. */
export const MAX_ICC_BYTES: number = 1 << 24;

const METRES_PER_INCH = 0.0254;

/**
 * A density stated in pixels per metre (PNG, BMP): in inches when a whole
 * number of dots per inch gives back the same pixels per metre (72 dpi is
 * 2835), else per centimetre.
 */
export function densityFromPerMetre(ppmX: number, ppmY: number): Density {
  const dpiX = Math.round(ppmX * METRES_PER_INCH), dpiY = Math.round(ppmY * METRES_PER_INCH);
  if (
    dpiX > 0 && dpiY > 0 && Math.round(dpiX / METRES_PER_INCH) === ppmX &&
    Math.round(dpiY / METRES_PER_INCH) === ppmY
  ) {
    return { x: dpiX, y: dpiY, unit: "inch" };
  }
  return { x: ppmX / 100, y: ppmY / 100, unit: "cm" };
}

/** Whole pixels per metre of a density value, or `undefined` outside 1 to 2^31 − 1. */
export function perMetre(v: number, unit: Density["unit"]): number | undefined {
  const ppm = Math.round(unit === "inch" ? v / METRES_PER_INCH : v * 100);
  return ppm >= 1 && ppm < 0x80000000 ? ppm : undefined;
}
