/**
 * NumPy `.npy` encoding and decoding (format versions 1–3). Reading takes
 * every numeric dtype — bool, int8–int64, uint8–uint64, float16–float64 —
 * in either byte order and in C or Fortran order, and converts it to the
 * nearest imfilter dtype (the rule is in {@linkcode decodeNpy}); writing is
 * float32, uint8 and uint16, little-endian C order, so those travel exactly
 * between imfilter and NumPy. Pure, no permissions needed.
 *
 * The header dict is parsed by a strict little parser (never `eval`): exactly
 * the keys `descr`, `fortran_order` and `shape`, a string, a boolean and a
 * tuple of sizes. The data must have exactly the byte count the header
 * implies. Everything else is `DECODE_FAILED` with the reason and the fix.
 *
 * @module
 */

import type { Codec } from "./codecs.ts";
import { FilterError, show } from "../core/errors.ts";
import { checkImageBudget, Image } from "../core/image.ts";
import { Kernel } from "../core/kernel.ts";
import { halfToFloat, int64ToFloat } from "./numeric.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAX_HEADER = 1 << 20;
const MAX_KERNEL = 1 << 24;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Whether bytes start with the `.npy` magic. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b);
}

function bad(message: string): never {
  // One line whatever the file contains.
  throw new FilterError("DECODE_FAILED", `.npy: ${message.replace(/[\r\n]+/g, " ")}`);
}

interface NpyHeader {
  descr: string;
  fortran: boolean;
  shape: number[];
  dataOffset: number;
}

type DictValue = string | boolean | number[];

/** Parses the header's Python dict literal: strings, True/False, tuples of ints. */
function parseDict(text: string): Map<string, DictValue> {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (ch: string) => {
    ws();
    if (text[i] !== ch) bad(`header dict is malformed: expected '${ch}' at character ${i}`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') {
      bad(`header dict is malformed: expected a string at character ${i}`);
    }
    const end = text.indexOf(q, i + 1);
    if (end < 0) bad("header dict is malformed: unterminated string");
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const value = (): DictValue => {
    ws();
    const ch = text[i];
    if (ch === "'" || ch === '"') return str();
    if (text.startsWith("True", i)) {
      i += 4;
      return true;
    }
    if (text.startsWith("False", i)) {
      i += 5;
      return false;
    }
    if (ch === "(") {
      i++;
      const items: number[] = [];
      for (;;) {
        ws();
        if (text[i] === ")") {
          i++;
          return items;
        }
        const m = /^\d{1,16}L?/.exec(text.slice(i, i + 20));
        if (!m) bad(`header dict is malformed: expected a size at character ${i}`);
        items.push(Number(m[0].replace("L", "")));
        i += m[0].length;
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== ")") bad(`header dict is malformed: expected ',' or ')' at ${i}`);
      }
    }
    bad(
      `header dict has an unsupported value at character ${i} (structured dtypes are not supported)`,
    );
  };
  const out = new Map<string, DictValue>();
  expect("{");
  for (;;) {
    ws();
    if (text[i] === "}") {
      i++;
      break;
    }
    const key = str();
    expect(":");
    if (out.has(key)) bad(`header dict repeats key ${show(key)}`);
    out.set(key, value());
    ws();
    if (text[i] === ",") i++;
    else if (text[i] !== "}") {
      bad(`header dict is malformed: expected ',' or '}' at character ${i}`);
    }
  }
  ws();
  if (i !== text.length) bad(`header dict is followed by junk at character ${i}`);
  return out;
}

/** Parses magic, version and the header dict. */
function parseHeader(bytes: Uint8Array): NpyHeader {
  if (!isNpy(bytes)) bad("bad magic; not a NumPy .npy file");
  if (bytes.length < 10) bad("file is truncated in its header");
  const major = bytes[6];
  let headerLen: number, start: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) bad("file is truncated in its header");
    headerLen = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0;
    start = 12;
  } else bad(`format version ${major}.${bytes[7]} is not supported (1, 2 or 3)`);
  if (headerLen > MAX_HEADER) bad(`header length ${headerLen} is absurd`);
  if (start + headerLen > bytes.length) bad("header runs past the end of the file (truncated?)");
  const raw = bytes.subarray(start, start + headerLen);
  let text = "";
  if (major === 3) text = new TextDecoder().decode(raw);
  else for (let i = 0; i < raw.length; i++) text += String.fromCharCode(raw[i]);
  const dict = parseDict(text);
  for (const key of dict.keys()) {
    if (key !== "descr" && key !== "fortran_order" && key !== "shape") {
      bad(`header dict has an unknown key ${show(key)}`);
    }
  }
  const descr = dict.get("descr"), fortran = dict.get("fortran_order"), shape = dict.get("shape");
  if (typeof descr !== "string") bad("header dict lacks a string 'descr'");
  if (typeof fortran !== "boolean") bad("header dict lacks a boolean 'fortran_order'");
  if (!Array.isArray(shape)) bad("header dict lacks a tuple 'shape'");
  if (shape.some((n) => !Number.isSafeInteger(n))) bad(`shape (${shape.join(", ")}) is absurd`);
  return { descr, fortran, shape, dataOffset: start + headerLen };
}

/** An array's element type, from its `descr`. */
interface Dtype {
  /** b bool, i signed, u unsigned, f float. */
  kind: "b" | "i" | "u" | "f";
  /** Bytes per element. */
  size: number;
  /** Little-endian (or single bytes). */
  le: boolean;
}

const NOT_REPRESENTABLE: Record<string, string> = {
  c: "complex numbers",
  O: "Python objects",
  V: "structured records",
  U: "strings",
  S: "byte strings",
  a: "byte strings",
  M: "dates",
  m: "time deltas",
};

/** Parses `descr`; what no image can hold is `DECODE_FAILED` naming the dtype. */
function parseDtype(descr: string): Dtype {
  const m = /^([<>|=])([biuf])(\d{1,2})$/.exec(descr);
  const size = m ? Number(m[3]) : 0;
  const ok = m !== null &&
    (m[2] === "b"
      ? size === 1
      : m[2] === "f"
      ? size === 2 || size === 4 || size === 8
      : size === 1 || size === 2 || size === 4 || size === 8);
  if (!ok) {
    const what = /^[<>|=]?([A-Za-z])/.exec(descr)?.[1] ?? "V";
    const why = NOT_REPRESENTABLE[what] ??
      (what === "f" ? `${8 * size}-bit floats` : "an unknown type");
    bad(
      `dtype ${show(descr)} (${why}) cannot be represented in an image; ` +
        "save a numeric array, e.g. arr.astype(np.float32)",
    );
  }
  return { kind: m![2] as Dtype["kind"], size, le: m![1] !== ">" || size === 1 };
}

/** The imfilter dtype a NumPy dtype reads as (the rule in {@linkcode decodeNpy}). */
const BYTES = { u8: 1, u16: 2, f32: 4 } as const;

function targetOf(d: Dtype): "u8" | "u16" | "f32" {
  if (d.kind === "b" || (d.kind === "u" && d.size === 1)) return "u8";
  return d.kind === "u" && d.size === 2 ? "u16" : "f32";
}

/**
 * The array's values in C order as `target`: `shape` is the array's, the
 * data is checked to have exactly the bytes the header implies.
 */
function readValues(
  bytes: Uint8Array,
  header: NpyHeader,
  target: "u8" | "u16" | "f32",
  count: number,
): Uint8Array | Uint16Array | Float32Array {
  const d = parseDtype(header.descr);
  const need = count * d.size;
  const have = bytes.length - header.dataOffset;
  if (have !== need) {
    bad(
      `shape (${header.shape.join(", ")}) of ${
        show(header.descr)
      } needs ${need} data bytes, the file has ${have}`,
    );
  }
  const { kind, size, le } = d;
  const { shape } = header;
  const contiguous = !header.fortran || shape.length < 2;
  const same = (kind === "u" && size === 1 && target === "u8") ||
    (le === LITTLE_ENDIAN &&
      ((kind === "u" && size === 2 && target === "u16") ||
        (kind === "f" && size === 4 && target === "f32")));
  if (contiguous && same) {
    // The bytes are already the image's: one copy, no per-element work.
    const data = bytes.slice(header.dataOffset, header.dataOffset + need);
    return target === "u8"
      ? data
      : target === "u16"
      ? new Uint16Array(data.buffer, 0, count)
      : new Float32Array(data.buffer, 0, count);
  }
  const out = target === "u8"
    ? new Uint8Array(count)
    : target === "u16"
    ? new Uint16Array(count)
    : new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataOffset, need);
  const read: (i: number) => number = kind === "b"
    ? (i) => (view.getUint8(i) ? 1 : 0)
    : kind === "f"
    ? (size === 2
      ? (i) => halfToFloat(view.getUint16(2 * i, le))
      : size === 4
      ? (i) => view.getFloat32(4 * i, le)
      : (i) => view.getFloat64(8 * i, le))
    : size === 1
    ? (kind === "i" ? (i) => view.getInt8(i) : (i) => view.getUint8(i))
    : size === 2
    ? (kind === "i" ? (i) => view.getInt16(2 * i, le) : (i) => view.getUint16(2 * i, le))
    : size === 4
    ? (kind === "i" ? (i) => view.getInt32(4 * i, le) : (i) => view.getUint32(4 * i, le))
    : kind === "i"
    ? (i) => int64ToFloat(view.getBigInt64(8 * i, le))
    : (i) => int64ToFloat(view.getBigUint64(8 * i, le));
  if (contiguous) {
    for (let i = 0; i < count; i++) out[i] = read(i);
    return out;
  }
  // Fortran order: the first index varies fastest.
  const [h, w, c = 1] = shape;
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) out[i++] = read(y + h * (x + w * k));
    }
  }
  return out;
}

/**
 * Decodes a `.npy` image of shape (H, W) or (H, W, C), C from 1 to 4, any
 * byte order, C or Fortran order. dtypes: bool and uint8 → `u8` (bool as
 * 0/1), uint16 → `u16`, every other numeric dtype → `f32` with the value
 * `arr.astype(np.float32)` has: exact for int8, int16, float16 and float32,
 * and for int32/uint32/int64/uint64/float64 values that float32 holds
 * (integers up to 2^24 in magnitude); others round to the nearest float32,
 * ties to even, and float64 beyond float32's range becomes ±Infinity.
 * Complex, object, structured, string and date arrays cannot be an image:
 * `DECODE_FAILED` naming the dtype. More than `maxPixels` samples, or more
 * than `maxBytes` bytes of the output dtype, is `IMAGE_TOO_LARGE`, checked from the header before the data is read.
 *
 * @example
 * ```ts
 * import { decodeNpy, encodeNpy, Image } from "@imfilter/imfilter";
 * const img = new Image(2, 1, 1, new Float32Array([0.5, -1]));
 * console.log(decodeNpy(encodeNpy(img)).data); // Float32Array [0.5, -1]
 * ```
 */
export function decodeNpy(
  bytes: Uint8Array,
  options: { maxPixels?: number; maxBytes?: number } = {},
): Image {
  const header = parseHeader(bytes);
  const target = targetOf(parseDtype(header.descr));
  const { shape } = header;
  if (shape.length !== 2 && shape.length !== 3) {
    bad(`shape (${shape.join(", ")}) is not an image; use (H, W) or (H, W, C)`);
  }
  const [h, w, c = 1] = shape;
  if (c < 1 || c > 4 || h < 1 || w < 1) {
    bad(`shape (${shape.join(", ")}) is not an image with 1 to 4 channels`);
  }
  checkImageBudget(w, h, c, BYTES[target], options.maxPixels, options.maxBytes);
  return new Image(w, h, c, readValues(bytes, header, target, w * h * c));
}

/**
 * Decodes a 1-D or 2-D `.npy` array of any numeric dtype (converted to
 * float32 as {@linkcode decodeNpy} does) as a kernel; a 1-D array is one row.
 */
export function decodeNpyKernel(bytes: Uint8Array): Kernel {
  const header = parseHeader(bytes);
  parseDtype(header.descr);
  const s = header.shape;
  const count = s.reduce((a, b) => a * b, 1);
  if (s.length < 1 || s.length > 2 || count < 1 || count > MAX_KERNEL) {
    bad(`shape (${s.join(", ")}) is not a kernel; use a non-empty 1-D or 2-D array`);
  }
  const [h, w] = s.length === 1 ? [1, s[0]] : s;
  const values = readValues(bytes, header, "f32", count) as Float32Array;
  try {
    return new Kernel(w, h, values);
  } catch (e) {
    bad((e as Error).message);
  }
}

/**
 * Encodes an image as `.npy` (version 1.0): f32 → `<f4`, u8 → `|u1`, u16 →
 * `<u2`; 1 channel → shape (H, W), otherwise (H, W, C). The header is padded
 * so the data starts on a 64-byte boundary, as NumPy writes it.
 *
 * @example
 * ```ts
 * import { encodeNpy, Image } from "@imfilter/imfilter";
 * console.log(encodeNpy(Image.zeros(4, 3, 1, "u16")).length); // 152 (128-byte header, 24 data bytes)
 * ```
 */
export function encodeNpy(image: Image): Uint8Array {
  const dtype = image.dtype;
  const descr = dtype === "f32" ? "<f4" : dtype === "u16" ? "<u2" : "|u1";
  const shape = image.channels === 1
    ? `(${image.height}, ${image.width})`
    : `(${image.height}, ${image.width}, ${image.channels})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + dict.length + 1;
  dict += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const head = new TextEncoder().encode(dict);
  const src = image.data;
  const out = new Uint8Array(10 + head.length + src.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = head.length & 0xff;
  out[9] = head.length >> 8;
  out.set(head, 10);
  const at = 10 + head.length;
  if (LITTLE_ENDIAN || dtype === "u8") {
    out.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), at);
  } else {
    const view = new DataView(out.buffer, at);
    for (let i = 0; i < src.length; i++) {
      if (dtype === "u16") view.setUint16(2 * i, src[i], true);
      else view.setFloat32(4 * i, src[i], true);
    }
  }
  return out;
}

/** NumPy `.npy` (read and write, exact). */
export const npyCodec: Codec = {
  format: "npy",
  label: ".npy",
  extensions: [".npy"],
  sniff: isNpy,
  decode: (bytes, { maxPixels, maxBytes }) => decodeNpy(bytes, { maxPixels, maxBytes }),
  encode: (image) => encodeNpy(image),
};
