/**
 * PNG metadata: the ICC profile (`iCCP`: a name, then the profile
 * zlib-compressed), the EXIF block (`eXIf`) and the density (`pHYs`, pixels
 * per metre). Reading walks the chunk headers (the image data is skipped,
 * not inflated) and keeps each well-formed piece; writing makes the chunks
 * the encoder puts between IHDR and the image data.
 *
 * @module
 */

import {
  densityFromPerMetre,
  type ImageMetadata,
  isExif,
  isIcc,
  MAX_ICC_BYTES,
  perMetre,
} from "./metadata.ts";
import { concatBytes, deflate, inflateStream } from "./zlib.ts";

function u32(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

/** The profile of an `iCCP` chunk's data, or `undefined` when it is malformed or too large. */
async function iccOf(data: Uint8Array): Promise<Uint8Array | undefined> {
  const nul = data.subarray(0, 80).indexOf(0);
  if (nul < 1 || data[nul + 1] !== 0) return undefined; // name of 1-79 bytes, method 0 (zlib)
  const parts: Uint8Array[] = [];
  try {
    await inflateStream([data.subarray(nul + 2)], MAX_ICC_BYTES, (c) => parts.push(c.slice()));
  } catch {
    return undefined;
  }
  const icc = concatBytes(parts);
  return isIcc(icc) ? icc : undefined;
}

/**
 * The metadata of a PNG file from its `iCCP`, `eXIf` and `pHYs` chunks (the
 * first of each). The walk stops at IEND or at a chunk that runs past the
 * end; CRCs are the decoder's business.
 */
export async function readPngMetadata(b: Uint8Array): Promise<ImageMetadata> {
  const meta: ImageMetadata = {};
  let iccData: Uint8Array | undefined;
  for (let p = 8; p + 12 <= b.length;) {
    const length = u32(b, p);
    const type = String.fromCharCode(b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
    const data = p + 8;
    if (length > b.length - data - 4 || type === "IEND") break;
    if (type === "iCCP" && iccData === undefined) iccData = b.subarray(data, data + length);
    else if (type === "eXIf" && meta.exif === undefined) {
      const exif = b.subarray(data, data + length);
      if (isExif(exif)) meta.exif = exif.slice();
    } else if (type === "pHYs" && meta.density === undefined && length === 9 && b[data + 8] === 1) {
      const x = u32(b, data), y = u32(b, data + 4);
      if (x > 0 && y > 0 && x < 0x80000000 && y < 0x80000000) {
        meta.density = densityFromPerMetre(x, y);
      }
    }
    p = data + length + 4;
  }
  if (iccData) {
    const icc = await iccOf(iccData);
    if (icc) meta.icc = icc;
  }
  return meta;
}

/** The metadata chunks (type and data) to write between IHDR and the image data. */
export async function pngMetadataChunks(
  meta: ImageMetadata,
): Promise<[type: string, data: Uint8Array][]> {
  const chunks: [string, Uint8Array][] = [];
  if (meta.icc && meta.icc.length > 0) {
    const name = "ICC profile";
    const z = await deflate(meta.icc);
    const data = new Uint8Array(name.length + 2 + z.length);
    for (let i = 0; i < name.length; i++) data[i] = name.charCodeAt(i);
    data.set(z, name.length + 2); // NUL terminator and compression method 0 stay 0
    chunks.push(["iCCP", data]);
  }
  if (meta.density) {
    const x = perMetre(meta.density.x, meta.density.unit);
    const y = perMetre(meta.density.y, meta.density.unit);
    if (x !== undefined && y !== undefined) {
      const data = new Uint8Array(9);
      const view = new DataView(data.buffer);
      view.setUint32(0, x);
      view.setUint32(4, y);
      data[8] = 1; // metre
      chunks.push(["pHYs", data]);
    }
  }
  if (meta.exif) chunks.push(["eXIf", meta.exif]);
  return chunks;
}
