/**
 * The TIFF writer: one little-endian classic TIFF page of a u8, u16 or f32
 * image — gray, gray+alpha, RGB or RGBA (alpha as an unassociated extra
 * sample) — in strips of about 64 KiB, compressed with Deflate (default),
 * LZW or not at all. Compressed integer samples use the horizontal
 * differencing predictor (2) and float samples the floating-point predictor
 * (3): the layout scientific users exchange float images in, read by
 * tifffile, libtiff, Pillow (u8/u16/f32 gray) and GDAL.
 *
 * Metadata (`metadata.ts`): the ICC profile (tag 34675), the density
 * (X/YResolution, ResolutionUnit) and an EXIF block — its image tags (Make,
 * Model, Orientation, …) in the IFD, its Exif and GPS IFDs as sub-IFDs
 * (34665, 34853) with their offsets rewritten for this file.
 *
 * Memory: the image, plus each strip's compressed bytes until the file is
 * assembled.
 *
 * @module
 */

import { FilterError } from "../../core/errors.ts";
import type { Image } from "../../core/image.ts";
import { deflate } from "../zlib.ts";
import type { ImageMetadata } from "../metadata.ts";
import { type ExifEntry, type ExifIfd, writeIfdTree } from "./ifd_tree.ts";
import { metadataIfd } from "./metadata.ts";
import {
  floatPredictor,
  horizontalPredictor,
  HOST_LE,
  lzwEncode,
  swapBytes,
} from "./compression.ts";

/** TIFF compressions imfilter writes. */
export type TiffCompression = "deflate" | "lzw" | "none";

const COMPRESSION_TAGS: Record<TiffCompression, number> = { none: 1, lzw: 5, deflate: 8 };
const STRIP_BYTES = 1 << 16;

/** One IFD entry to write: SHORT (3) or LONG (4) values. */
type Field = [tag: number, type: 3 | 4, values: number[]];

/** A SHORT or LONG field as an entry with little-endian value bytes. */
function entry([tag, type, values]: Field): ExifEntry {
  const size = type === 3 ? 2 : 4;
  const value = new Uint8Array(values.length * size);
  const view = new DataView(value.buffer);
  values.forEach((v, i) =>
    type === 3 ? view.setUint16(i * 2, v, true) : view.setUint32(i * 4, v, true)
  );
  return { tag, type, count: values.length, value };
}

/** The strip's bytes, predictor applied, little-endian, compressed. */
async function encodeStrip(
  image: Image,
  y0: number,
  rows: number,
  compression: TiffCompression,
): Promise<Uint8Array> {
  const { width, channels, data } = image;
  const size = data.BYTES_PER_ELEMENT, perRow = width * channels;
  const raw = new Uint8Array(
    data.buffer,
    data.byteOffset + y0 * perRow * size,
    rows * perRow * size,
  )
    .slice();
  if (compression !== "none") {
    if (image.dtype === "f32") floatPredictor(raw, rows, perRow, 4, channels, true);
    else {
      const ints = size === 1 ? raw : new Uint16Array(raw.buffer, 0, rows * perRow);
      horizontalPredictor(ints, rows, perRow, channels, true);
    }
  }
  if (!HOST_LE && size > 1 && !(compression !== "none" && image.dtype === "f32")) {
    swapBytes(raw, size);
  }
  return compression === "deflate"
    ? await deflate(raw)
    : compression === "lzw"
    ? lzwEncode(raw)
    : raw;
}

/**
 * Encodes an image as a TIFF file (see the module doc). `compression`
 * defaults to `"deflate"`; `metadata` is embedded as the module doc says.
 */
export async function encodeTiff(
  image: Image,
  options: { compression?: TiffCompression; metadata?: ImageMetadata } = {},
): Promise<Uint8Array> {
  const { width, height, channels, dtype } = image;
  const compression = options.compression ?? "deflate";
  const size = image.data.BYTES_PER_ELEMENT;
  const rowBytes = width * channels * size;
  const rowsPerStrip = Math.max(1, Math.min(height, Math.floor(STRIP_BYTES / rowBytes)));
  const strips: Uint8Array[] = [];
  for (let y = 0; y < height; y += rowsPerStrip) {
    strips.push(await encodeStrip(image, y, Math.min(rowsPerStrip, height - y), compression));
  }
  const predictor = compression === "none" ? 1 : dtype === "f32" ? 3 : 2;
  const fields: Field[] = [
    [256, 4, [width]],
    [257, 4, [height]],
    [258, 3, new Array(channels).fill(size * 8)],
    [259, 3, [COMPRESSION_TAGS[compression]]],
    [262, 3, [channels >= 3 ? 2 : 1]],
    [273, 4, new Array(strips.length).fill(0)],
    [277, 3, [channels]],
    [278, 4, [rowsPerStrip]],
    [279, 4, strips.map((s) => s.length)],
    [284, 3, [1]],
    ...(predictor === 1 ? [] : [[317, 3, [predictor]] as Field]),
    ...(channels === 2 || channels === 4 ? [[338, 3, [2]] as Field] : []),
    [339, 3, new Array(channels).fill(dtype === "f32" ? 3 : 1)],
  ];
  // Layout: header, the IFD with its values and sub-IFDs, then the strips.
  const meta = metadataIfd(options.metadata ?? {});
  const ifd = (): ExifIfd => ({
    entries: [...fields.map(entry), ...meta.entries],
    children: meta.children,
  });
  const ifdBytes = writeIfdTree(ifd(), 8).length;
  let total = 8 + ifdBytes;
  const stripAt: number[] = [];
  for (const s of strips) {
    stripAt.push(total);
    total += s.length;
  }
  if (total > 0xffffffff) {
    throw new FilterError(
      "IMAGE_TOO_LARGE",
      `TIFF: the file would be ${total} bytes, past classic TIFF's 4 GiB; write .npy`,
    );
  }
  fields[5][2] = stripAt;
  const out = new Uint8Array(total);
  out.set([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  out.set(writeIfdTree(ifd(), 8), 8);
  strips.forEach((s, i) => out.set(s, stripAt[i]));
  return out;
}
