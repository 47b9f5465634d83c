/**
 * JPEG metadata: the ICC profile (APP2 "ICC_PROFILE" segments, each with
 * its sequence number and the count, the ICC.1 Annex B layout), the EXIF
 * block (the first APP1 "Exif\0\0" segment, as Pillow reads it) and the
 * density (JFIF APP0 units and X/Y density). Reading walks the marker
 * segments up to the first scan and copies only those pieces; a broken
 * piece is left out. Writing hands the encoder the segments it puts after
 * its JFIF one (no copy of the encoded file).
 *
 * @module
 */

import { type Density, type ImageMetadata, isExif, isIcc } from "../metadata.ts";
import type { JpegHeaderExtras } from "./encode.ts";

const ICC_TAG = "ICC_PROFILE\0";
const EXIF_TAG = "Exif\0\0";
/** Profile bytes per APP2 segment: 65535 − 2 (length) − 14 (tag, sequence, count), as libjpeg. */
const ICC_CHUNK = 65519;
/** EXIF bytes one APP1 segment holds: 65535 − 2 (length) − 6 ("Exif\0\0"). */
const MAX_EXIF = 65527;

function isText(b: Uint8Array, at: number, end: number, text: string): boolean {
  if (at + text.length > end) return false;
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** The ICC profile from its APP2 pieces, or `undefined` when they do not make up one (missing, repeated or inconsistent). */
function joinIcc(
  pieces: { seq: number; count: number; data: Uint8Array }[],
): Uint8Array | undefined {
  if (pieces.length === 0) return undefined;
  const count = pieces[0].count;
  if (count === 0 || pieces.length !== count || pieces.some((p) => p.count !== count)) {
    return undefined;
  }
  const bySeq: (Uint8Array | undefined)[] = new Array(count);
  for (const p of pieces) {
    if (p.seq < 1 || p.seq > count || bySeq[p.seq - 1]) return undefined;
    bySeq[p.seq - 1] = p.data;
  }
  const total = pieces.reduce((s, p) => s + p.data.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const d of bySeq) {
    out.set(d!, at);
    at += d!.length;
  }
  return isIcc(out) ? out : undefined;
}

/**
 * The metadata of a JPEG file, read from its marker segments before the
 * first scan (the pixels are not decoded). Malformed segments end the walk;
 * what was read before them is kept.
 */
export function readJpegMetadata(b: Uint8Array): ImageMetadata {
  const meta: ImageMetadata = {};
  const icc: { seq: number; count: number; data: Uint8Array }[] = [];
  let p = 2, exifSeen = false;
  while (p + 4 <= b.length && b[p] === 0xff) {
    let m = p + 1;
    while (m < b.length && b[m] === 0xff) m++;
    if (m + 3 > b.length) break;
    const marker = b[m];
    if (marker === 0xda || marker === 0xd9) break; // first scan, or end of image
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { // no length
      p = m + 1;
      continue;
    }
    const len = (b[m + 1] << 8) | b[m + 2];
    const start = m + 3, end = m + 1 + len;
    if (len < 2 || end > b.length) break;
    if (marker === 0xe0 && isText(b, start, end, "JFIF\0") && end - start >= 12) {
      const units = b[start + 7];
      const x = (b[start + 8] << 8) | b[start + 9], y = (b[start + 10] << 8) | b[start + 11];
      if ((units === 1 || units === 2) && x > 0 && y > 0) {
        meta.density = { x, y, unit: units === 1 ? "inch" : "cm" };
      }
    } else if (marker === 0xe1 && !exifSeen && isText(b, start, end, EXIF_TAG)) {
      exifSeen = true; // the first Exif segment only, as Pillow and the decoder read it
      const exif = b.subarray(start + 6, end);
      if (isExif(exif)) meta.exif = exif.slice();
    } else if (marker === 0xe2 && isText(b, start, end, ICC_TAG) && end - start > 14) {
      icc.push({ seq: b[start + 12], count: b[start + 13], data: b.subarray(start + 14, end) });
    }
    p = end;
  }
  const profile = joinIcc(icc);
  if (profile) meta.icc = profile;
  return meta;
}

/** A marker segment: FF, the marker, the length, the body. */
function segment(marker: number, tag: string, head: number[], body: Uint8Array): Uint8Array {
  const len = 2 + tag.length + head.length + body.length;
  const out = new Uint8Array(2 + len);
  out.set([0xff, marker, len >> 8, len & 255]);
  for (let i = 0; i < tag.length; i++) out[4 + i] = tag.charCodeAt(i);
  out.set(head, 4 + tag.length);
  out.set(body, 4 + tag.length + head.length);
  return out;
}

/** JFIF's integer density, or `undefined` when the values do not fit its 16 bits. */
function jfifDensity(d: Density): [number, number] | undefined {
  const x = Math.round(d.x), y = Math.round(d.y);
  return x >= 1 && x <= 65535 && y >= 1 && y <= 65535 ? [x, y] : undefined;
}

/**
 * What the encoder writes for the metadata: the density in its JFIF
 * segment (1:1 without units when none fits), then an APP1 Exif segment
 * (left out when the block is over one segment's 65527 bytes) and the ICC
 * profile in as many APP2 segments as it takes (up to 255, about 16 MiB; a
 * larger profile is left out).
 */
export function jpegHeaderExtras(meta: ImageMetadata): JpegHeaderExtras {
  const segments: Uint8Array[] = [];
  if (meta.exif && meta.exif.length <= MAX_EXIF) {
    segments.push(segment(0xe1, EXIF_TAG, [], meta.exif));
  }
  if (meta.icc && meta.icc.length > 0 && meta.icc.length <= ICC_CHUNK * 255) {
    const n = Math.ceil(meta.icc.length / ICC_CHUNK);
    for (let i = 0; i < n; i++) {
      const piece = meta.icc.subarray(i * ICC_CHUNK, (i + 1) * ICC_CHUNK);
      segments.push(segment(0xe2, ICC_TAG, [i + 1, n], piece));
    }
  }
  const density = meta.density && jfifDensity(meta.density);
  return density
    ? {
      units: meta.density!.unit === "inch" ? 1 : 2,
      xDensity: density[0],
      yDensity: density[1],
      segments,
    }
    : { units: 0, xDensity: 1, yDensity: 1, segments };
}
