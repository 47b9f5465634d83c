/**
 * NumPy `.npy` encoding and decoding (format versions 1–3): float32, uint8
 * and uint16 arrays, shape H×W or H×W×C, little-endian C order — so numbers
 * travel exactly between imfilter and NumPy. Pure, no permissions needed.
 *
 * @module
 */

import { FilterError } from "./errors.ts";
import { checkImageSize, DEFAULT_MAX_PIXELS, Image } from "./image.ts";
import { Kernel } from "./kernel.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Whether bytes start with the `.npy` magic. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b);
}

function bad(message: string): FilterError {
  return new FilterError("DECODE_FAILED", `.npy: ${message}`);
}

interface NpyHeader {
  descr: string;
  fortran: boolean;
  shape: number[];
  dataOffset: number;
}

/** Parses the header dict without eval: `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`. */
function parseHeader(bytes: Uint8Array): NpyHeader {
  if (!isNpy(bytes)) throw bad("bad magic; not a NumPy .npy file");
  if (bytes.length < 10) throw bad("file is truncated in its header");
  const major = bytes[6];
  let headerLen: number, start: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad("file is truncated in its header");
    headerLen = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
    start = 12;
  } else throw bad(`format version ${major} is not supported (1, 2 or 3)`);
  if (start + headerLen > bytes.length || headerLen > 65536) throw bad("header length runs past the end of the file");
  const text = new TextDecoder("latin1").decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw bad("header dict lacks descr, fortran_order or shape");
  }
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) throw bad(`shape (${shapeText}) is not a tuple of sizes`);
  return { descr, fortran: fortran === "True", shape, dataOffset: start + headerLen };
}

const DTYPES: Record<string, { size: number; kind: "f32" | "u8" | "u16" | "f64" }> = {
  "<f4": { size: 4, kind: "f32" },
  "|u1": { size: 1, kind: "u8" },
  "<u1": { size: 1, kind: "u8" },
  "|b1": { size: 1, kind: "u8" },
  "<u2": { size: 2, kind: "u16" },
  "<f8": { size: 8, kind: "f64" },
};

function readArray(bytes: Uint8Array, allowF64: boolean): { header: NpyHeader; values: Float32Array | Uint8Array | Uint16Array | Float64Array } {
  const header = parseHeader(bytes);
  const dt = DTYPES[header.descr];
  if (!dt || (dt.kind === "f64" && !allowF64)) {
    const big = header.descr.startsWith(">") ? " (big-endian: save with arr.astype(arr.dtype.newbyteorder('<')))" : "";
    throw bad(`dtype ${header.descr} is not supported; use float32 (<f4), uint8 (|u1) or uint16 (<u2)${big}`);
  }
  if (header.fortran) throw bad("Fortran-order arrays are not supported; save with np.ascontiguousarray(arr)");
  const count = header.shape.reduce((a, b) => a * b, 1);
  const need = count * dt.size;
  const have = bytes.length - header.dataOffset;
  if (have !== need) throw bad(`shape (${header.shape.join(", ")}) needs ${need} data bytes, the file has ${have}`);
  const data = bytes.slice(header.dataOffset, header.dataOffset + need);
  const view = dt.kind === "f32"
    ? new Float32Array(data.buffer, 0, count)
    : dt.kind === "u16"
    ? new Uint16Array(data.buffer, 0, count)
    : dt.kind === "f64"
    ? new Float64Array(data.buffer, 0, count)
    : data;
  return { header, values: view };
}

/**
 * Decodes a `.npy` image: float32, uint8 or uint16, shape (H, W) or (H, W, C)
 * with C from 1 to 4. Anything else is `DECODE_FAILED` with the reason.
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
  const { shape } = header;
  if (shape.length !== 2 && shape.length !== 3) {
    throw bad(`shape (${shape.join(", ")}) is not an image; use (H, W) or (H, W, C)`);
  }
  const [h, w, c = 1] = shape;
  if (c < 1 || c > 4 || h < 1 || w < 1) throw bad(`shape (${shape.join(", ")}) is not an image with 1 to 4 channels`);
  checkImageSize(w, h, c, options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const { values } = readArray(bytes, false);
  return new Image(w, h, c, values as Float32Array | Uint8Array | Uint16Array);
}

/** Decodes a 2-D `.npy` array (float32, float64, uint8 or uint16) as a kernel. */
export function decodeNpyKernel(bytes: Uint8Array): Kernel {
  const { header, values } = readArray(bytes, true);
  const s = header.shape;
  if (s.length < 1 || s.length > 2 || s.some((n) => n < 1) || s.reduce((a, b) => a * b, 1) > 1 << 24) {
    throw bad(`shape (${s.join(", ")}) is not a kernel; use a non-empty 1-D or 2-D array`);
  }
  const [h, w] = s.length === 1 ? [1, s[0]] : s;
  const data = Float32Array.from(values);
  try {
    return new Kernel(w, h, data);
  } catch (e) {
    throw bad((e as Error).message);
  }
}

/**
 * Encodes an image as `.npy` (version 1.0): f32 → `<f4`, u8 → `|u1`, u16 →
 * `<u2`; 1 channel → shape (H, W), otherwise (H, W, C).
 */
export function encodeNpy(image: Image): Uint8Array {
  const descr = image.dtype === "f32" ? "<f4" : image.dtype === "u16" ? "<u2" : "|u1";
  const shape = image.channels === 1
    ? `(${image.height}, ${image.width})`
    : `(${image.height}, ${image.width}, ${image.channels})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + dict.length + 1;
  dict += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const head = new TextEncoder().encode(dict);
  const body = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const out = new Uint8Array(10 + head.length + body.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = head.length & 0xff;
  out[9] = head.length >> 8;
  out.set(head, 10);
  out.set(body, 10 + head.length);
  return out;
}
