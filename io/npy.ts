/**
 * NumPy `.npy` encoding and decoding (format versions 1–3): float32, uint8
 * and uint16 arrays, shape H×W or H×W×C, little-endian C order — so numbers
 * travel exactly between imfilter and NumPy. Pure, no permissions needed.
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
import { checkImageSize, DEFAULT_MAX_PIXELS, Image } from "../core/image.ts";
import { Kernel } from "../core/kernel.ts";

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

type Kind = "u8" | "u16" | "f32" | "f64";

const KINDS: Record<string, Kind> = {
  "|u1": "u8",
  "<u1": "u8",
  ">u1": "u8",
  "<u2": "u16",
  "<f4": "f32",
  "<f8": "f64",
};
const SIZES: Record<Kind, number> = { u8: 1, u16: 2, f32: 4, f64: 8 };

function dtypeKind(header: NpyHeader, allowF64: boolean): Kind {
  const { descr } = header;
  if (header.fortran) {
    bad("array is in Fortran order; save it with np.save(path, np.ascontiguousarray(arr))");
  }
  const kind = KINDS[descr];
  const allowed = `float32 (<f4), uint8 (|u1) or uint16 (<u2)${
    allowF64 ? " or float64 (<f8)" : ""
  }`;
  if (kind === undefined || (kind === "f64" && !allowF64)) {
    if (descr.includes("O")) {
      bad(`object arrays (${show(descr)}) cannot be read; save a numeric array`);
    }
    if (descr.startsWith(">")) {
      bad(`dtype ${show(descr)} is big-endian; save with arr.astype(arr.dtype.newbyteorder('<'))`);
    }
    bad(`dtype ${show(descr)} is not supported; use ${allowed}, e.g. arr.astype(np.float32)`);
  }
  return kind;
}

function readValues(
  bytes: Uint8Array,
  header: NpyHeader,
  kind: Kind,
  count: number,
): Uint8Array | Uint16Array | Float32Array | Float64Array {
  const size = SIZES[kind];
  const need = count * size;
  const have = bytes.length - header.dataOffset;
  if (have !== need) {
    bad(
      `shape (${header.shape.join(", ")}) of ${
        show(header.descr)
      } needs ${need} data bytes, the file has ${have}`,
    );
  }
  const data = bytes.slice(header.dataOffset, header.dataOffset + need);
  if (kind === "u8") return data;
  if (LITTLE_ENDIAN) {
    return kind === "u16"
      ? new Uint16Array(data.buffer, 0, count)
      : kind === "f32"
      ? new Float32Array(data.buffer, 0, count)
      : new Float64Array(data.buffer, 0, count);
  }
  const view = new DataView(data.buffer);
  const out = kind === "u16"
    ? new Uint16Array(count)
    : kind === "f32"
    ? new Float32Array(count)
    : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = kind === "u16"
      ? view.getUint16(2 * i, true)
      : kind === "f32"
      ? view.getFloat32(4 * i, true)
      : view.getFloat64(8 * i, true);
  }
  return out;
}

/**
 * Decodes a `.npy` image: float32, uint8 or uint16, shape (H, W) or (H, W, C)
 * with C from 1 to 4, little-endian, C order. Anything else is
 * `DECODE_FAILED` with the reason; more than `maxPixels` samples is
 * `IMAGE_TOO_LARGE`, checked from the header before the data is read.
 *
 * @example
 * ```ts
 * import { decodeNpy, encodeNpy, Image } from "@imfilter/imfilter";
 * const img = new Image(2, 1, 1, new Float32Array([0.5, -1]));
 * console.log(decodeNpy(encodeNpy(img)).data); // Float32Array [0.5, -1]
 * ```
 */
export function decodeNpy(bytes: Uint8Array, options: { maxPixels?: number } = {}): Image {
  const header = parseHeader(bytes);
  const kind = dtypeKind(header, false);
  const { shape } = header;
  if (shape.length !== 2 && shape.length !== 3) {
    bad(`shape (${shape.join(", ")}) is not an image; use (H, W) or (H, W, C)`);
  }
  const [h, w, c = 1] = shape;
  if (c < 1 || c > 4 || h < 1 || w < 1) {
    bad(`shape (${shape.join(", ")}) is not an image with 1 to 4 channels`);
  }
  checkImageSize(w, h, c, options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const values = readValues(bytes, header, kind, w * h * c);
  return new Image(w, h, c, values as Uint8Array | Uint16Array | Float32Array);
}

/**
 * Decodes a 1-D or 2-D `.npy` array (float32, float64, uint8 or uint16) as a
 * kernel; a 1-D array is one row.
 */
export function decodeNpyKernel(bytes: Uint8Array): Kernel {
  const header = parseHeader(bytes);
  const kind = dtypeKind(header, true);
  const s = header.shape;
  const count = s.reduce((a, b) => a * b, 1);
  if (s.length < 1 || s.length > 2 || count < 1 || count > MAX_KERNEL) {
    bad(`shape (${s.join(", ")}) is not a kernel; use a non-empty 1-D or 2-D array`);
  }
  const [h, w] = s.length === 1 ? [1, s[0]] : s;
  const values = readValues(bytes, header, kind, count);
  try {
    return new Kernel(w, h, Float32Array.from(values));
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
  decode: (bytes, { maxPixels }) => decodeNpy(bytes, { maxPixels }),
  encode: (image) => encodeNpy(image),
};
