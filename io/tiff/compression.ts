/**
 * The TIFF codecs imfilter implements itself, shared by the reader and the
 * writer: LZW (TIFF 6.0 section 13: codes MSB-first, 9 to 12 bits, "early
 * change" — the width grows one code before the table needs it, as libtiff
 * writes), PackBits (read), the horizontal differencing predictor (2) and the
 * floating-point predictor (3, byte planes then byte differencing, as
 * libtiff's `fpAcc`/`fpDiff`), and FillOrder 2 bit reversal.
 *
 * Decoders are bounded by their output buffer: they stop when it is full, so
 * no input makes them write or allocate more than the caller asked for.
 *
 * @module
 */

import { fail } from "./ifd.ts";

const CLEAR = 256, EOI = 257, FIRST = 258, MAX_CODES = 4096;

/**
 * Decodes TIFF LZW `src` into `out`; returns the bytes written (at most
 * `out.length`: output past it is dropped, as libtiff does).
 */
export function lzwDecode(src: Uint8Array, out: Uint8Array): number {
  const prefix = new Int16Array(MAX_CODES), suffix = new Uint8Array(MAX_CODES);
  const length = new Uint16Array(MAX_CODES), head = new Uint8Array(MAX_CODES);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = head[i] = i;
    length[i] = 1;
  }
  let next = FIRST, width = 9, old = -1, o = 0;
  let buf = 0, bits = 0, p = 0;
  const n = src.length, cap = out.length;
  while (o < cap) {
    while (bits < width && p < n) {
      buf = ((buf << 8) | src[p++]) & 0xfffff;
      bits += 8;
    }
    if (bits < width) break; // out of data without EOI: the caller sees a short strip
    bits -= width;
    const code = (buf >>> bits) & ((1 << width) - 1);
    if (code === CLEAR) {
      next = FIRST;
      width = 9;
      old = -1;
      continue;
    }
    if (code === EOI) break;
    if (old < 0) {
      if (code > 255) fail("LZW data is corrupt (the first code is not a literal)");
      out[o++] = code;
      old = code;
      continue;
    }
    if (code > next || code === next && next === MAX_CODES) {
      fail("LZW data is corrupt (a code is out of range)");
    }
    const known = code < next;
    if (next < MAX_CODES) {
      prefix[next] = old;
      suffix[next] = known ? head[code] : head[old];
      head[next] = head[old];
      length[next] = length[old] + 1;
      next++;
      if (next >= (1 << width) - 1 && width < 12) width++;
    }
    // Write the string of `code` backwards from its last byte.
    const len = length[code];
    let at = o + len - 1;
    for (let c = code; c >= 0; c = prefix[c], at--) if (at < cap) out[at] = suffix[c];
    o = Math.min(o + len, cap);
    old = code;
  }
  return o;
}

/** Encodes bytes as TIFF LZW (Clear first, EOI last, Clear whenever the table fills). */
export function lzwEncode(src: Uint8Array): Uint8Array {
  // At most 12 bits per input byte, plus a Clear per 3,836 codes and the ends.
  const out = new Uint8Array(Math.ceil(src.length * 1.5) + (src.length >> 10) + 16);
  const SIZE = 1 << 14, MASK = SIZE - 1;
  const keys = new Int32Array(SIZE).fill(-1), codes = new Uint16Array(SIZE);
  let o = 0, buf = 0, bits = 0, width = 9, next = FIRST;
  const put = (code: number): void => {
    buf = (buf << width) | code;
    bits += width;
    while (bits >= 8) {
      bits -= 8;
      out[o++] = (buf >>> bits) & 255;
    }
    buf &= (1 << bits) - 1;
  };
  /** After a code is written the table grows; Clear when it is full, widen when it must. */
  const grow = (): void => {
    next++;
    if (next === MAX_CODES - 2) {
      put(CLEAR);
      keys.fill(-1);
      next = FIRST;
      width = 9;
    } else if (next >= 1 << width) width++;
  };
  put(CLEAR);
  if (src.length > 0) {
    let w = src[0];
    for (let i = 1; i < src.length; i++) {
      const c = src[i], key = (w << 8) | c;
      let h = (Math.imul(key, 0x9e3779b1) >>> 18) & MASK;
      while (keys[h] !== -1 && keys[h] !== key) h = (h + 1) & MASK;
      if (keys[h] === key) {
        w = codes[h];
        continue;
      }
      put(w);
      keys[h] = key;
      codes[h] = next;
      grow();
      w = c;
    }
    put(w);
    grow();
  }
  put(EOI);
  if (bits > 0) out[o++] = (buf << (8 - bits)) & 255;
  return out.subarray(0, o);
}

/** Decodes PackBits `src` into `out`; returns the bytes written (at most `out.length`). */
export function packBitsDecode(src: Uint8Array, out: Uint8Array): number {
  let i = 0, o = 0;
  while (i < src.length && o < out.length) {
    const n = (src[i++] << 24) >> 24;
    if (n >= 0) {
      const end = Math.min(i + n + 1, src.length);
      while (i < end && o < out.length) out[o++] = src[i++];
    } else if (n !== -128) {
      if (i >= src.length) break;
      const v = src[i++];
      for (let k = 0; k < 1 - n && o < out.length; k++) out[o++] = v;
    }
  }
  return o;
}

/** Integer sample arrays the horizontal predictor runs on (sums wrap as the file's do). */
export type IntSamples =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array;

/**
 * Predictor 2 in place, per row of `rowLength` samples: undoing adds to each
 * sample the one `stride` before it; applying (`apply`) subtracts it,
 * right to left. Typed-array stores wrap the sums as the file's do.
 */
export function horizontalPredictor(
  a: IntSamples,
  rows: number,
  rowLength: number,
  stride: number,
  apply: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const start = r * rowLength, end = start + rowLength;
    if (apply) { for (let i = end - 1; i >= start + stride; i--) a[i] -= a[i - stride]; }
    else for (let i = start + stride; i < end; i++) a[i] += a[i - stride];
  }
}

/** Whether this machine stores numbers little-endian (every runtime imfilter is tested on does). */
export const HOST_LE: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `size`-byte group of `bytes` in place (byte order conversion). */
export function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/**
 * Moves one row between host-order samples and byte planes (most
 * significant byte first, the layout predictor 3 differences): to planes
 * when `toPlanes`, back otherwise. `tmp` is scratch of the row's length.
 */
function shuffle(
  row: Uint8Array,
  tmp: Uint8Array,
  count: number,
  size: number,
  toPlanes: boolean,
): void {
  tmp.set(row);
  for (let j = 0; j < count; j++) {
    for (let k = 0; k < size; k++) {
      const sample = j * size + (HOST_LE ? size - 1 - k : k), plane = k * count + j;
      if (toPlanes) row[plane] = tmp[sample];
      else row[sample] = tmp[plane];
    }
  }
}

/**
 * Predictor 3 in place on `rows` rows of `count` samples of `size` bytes,
 * `stride` samples per pixel. Undoing (`apply` false, libtiff's `fpAcc`)
 * sums the byte differences back, then puts the byte planes back together
 * as host-order samples, ready to be viewed as a float array; applying
 * (libtiff's `fpDiff`) does the inverse to host-order float samples.
 */
export function floatPredictor(
  bytes: Uint8Array,
  rows: number,
  count: number,
  size: number,
  stride: number,
  apply: boolean,
): void {
  const rowBytes = count * size, tmp = new Uint8Array(rowBytes);
  for (let r = 0; r < rows; r++) {
    const row = bytes.subarray(r * rowBytes, (r + 1) * rowBytes);
    if (apply) {
      shuffle(row, tmp, count, size, true);
      for (let i = rowBytes - 1; i >= stride; i--) row[i] = (row[i] - row[i - stride]) & 255;
    } else {
      for (let i = stride; i < rowBytes; i++) row[i] = (row[i] + row[i - stride]) & 255;
      shuffle(row, tmp, count, size, false);
    }
  }
}

const REVERSED = Uint8Array.from({ length: 256 }, (_, b) => {
  let r = 0;
  for (let k = 0; k < 8; k++) r |= ((b >> k) & 1) << (7 - k);
  return r;
});

/** A copy of `src` with the bits of each byte reversed (FillOrder 2). */
export function reverseBits(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = REVERSED[src[i]];
  return out;
}
