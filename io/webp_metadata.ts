/**
 * WebP metadata: the ICC profile (`ICCP` chunk) and the EXIF block (`EXIF`
 * chunk) of the extended format (VP8X). WebP has no density. Reading walks
 * the RIFF chunks and keeps each well-formed piece; writing turns libwebp's
 * output (a simple `VP8 `/`VP8L` file, or VP8X with `ALPH`) into an extended
 * file: a VP8X header with the ICC, EXIF and alpha flags and the canvas
 * size, then `ICCP`, the image chunks as the encoder wrote them, then `EXIF`.
 *
 * @module
 */

import { type ImageMetadata, isExif, isIcc, MAX_ICC_BYTES } from "./metadata.ts";

const FLAG_ICC = 0x20, FLAG_ALPHA = 0x10, FLAG_EXIF = 0x08;

function u32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

function fourcc(b: Uint8Array, p: number): string {
  return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3]);
}

/** A RIFF chunk: its id, its payload and the whole chunk (header and padding). */
export interface RiffChunk {
  id: string;
  data: Uint8Array;
  raw: Uint8Array;
}

/**
 * The RIFF chunks of `b[start, end)`, up to the first that runs past `end`;
 * `overrun` is that chunk's offset (the decoder calls it a truncated file,
 * the metadata reader keeps what came before).
 */
export function riffChunks(
  b: Uint8Array,
  start: number,
  end: number,
): { chunks: RiffChunk[]; overrun?: number } {
  const chunks: RiffChunk[] = [];
  let p = start;
  while (p + 8 <= end) {
    const size = u32(b, p + 4);
    if (size > end - p - 8) return { chunks, overrun: p };
    const next = Math.min(end, p + 8 + size + (size & 1));
    chunks.push({
      id: fourcc(b, p),
      data: b.subarray(p + 8, p + 8 + size),
      raw: b.subarray(p, next),
    });
    p = next;
  }
  return { chunks };
}

/** The top-level chunks of a RIFF WebP, up to the first that runs past the end. */
function chunks(b: Uint8Array): RiffChunk[] {
  return riffChunks(b, 12, Math.min(b.length, 8 + u32(b, 4))).chunks;
}

/** The metadata of a WebP file from its ICCP and EXIF chunks (extended format only, as libwebp). */
export function readWebpMetadata(b: Uint8Array): ImageMetadata {
  const meta: ImageMetadata = {};
  const list = chunks(b);
  if (list[0]?.id !== "VP8X") return meta;
  for (const c of list) {
    if (c.id === "ICCP" && meta.icc === undefined && c.data.length <= MAX_ICC_BYTES) {
      if (isIcc(c.data)) meta.icc = c.data.slice();
    } else if (c.id === "EXIF" && meta.exif === undefined) {
      // Some writers keep JPEG's "Exif\0\0" prefix in the chunk.
      const prefixed = c.data.length > 6 && fourcc(c.data, 0) === "Exif" && c.data[4] === 0;
      const exif = prefixed ? c.data.subarray(6) : c.data;
      if (isExif(exif)) meta.exif = exif.slice();
    }
  }
  return meta;
}

/** A chunk: id, little-endian size, data, a padding byte when the size is odd. */
function chunk(id: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length + (data.length & 1));
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}

/**
 * The encoder's WebP (of a `width` × `height` image) with the ICC profile
 * and EXIF block added in the extended format; the input itself when there
 * is neither.
 */
export function addWebpMetadata(
  webp: Uint8Array,
  meta: ImageMetadata,
  width: number,
  height: number,
): Uint8Array {
  const icc = meta.icc && meta.icc.length > 0 ? meta.icc : undefined;
  if (!icc && !meta.exif) return webp;
  const list = chunks(webp);
  let flags = 0;
  const body: Uint8Array[] = [];
  for (const c of list) {
    if (c.id === "VP8X") flags = c.data[0] ?? 0;
    else if (c.id !== "ICCP" && c.id !== "EXIF") body.push(c.raw);
    // VP8L header: signature 0x2f, then 14+14 bits of size and the alpha bit.
    if (c.id === "VP8L" && c.data.length >= 5 && (c.data[4] & 0x10)) flags |= FLAG_ALPHA;
  }
  flags = (flags & ~(FLAG_ICC | FLAG_EXIF)) | (icc ? FLAG_ICC : 0) | (meta.exif ? FLAG_EXIF : 0);
  const vp8x = new Uint8Array(10);
  vp8x[0] = flags;
  const w = width - 1, h = height - 1;
  vp8x.set([w & 255, (w >> 8) & 255, (w >> 16) & 255, h & 255, (h >> 8) & 255, (h >> 16) & 255], 4);
  const parts = [
    chunk("VP8X", vp8x),
    ...(icc ? [chunk("ICCP", icc)] : []),
    ...body,
    ...(meta.exif ? [chunk("EXIF", meta.exif)] : []),
  ];
  return riff(parts);
}

/** A RIFF WebP file of `parts` (whole chunks). */
export function riff(parts: readonly Uint8Array[]): Uint8Array {
  const size = 4 + parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(8 + size);
  out.set([0x52, 0x49, 0x46, 0x46]);
  new DataView(out.buffer).setUint32(4, size, true);
  out.set([0x57, 0x45, 0x42, 0x50], 8);
  let o = 12;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
