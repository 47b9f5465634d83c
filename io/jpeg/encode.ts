/**
 * The JPEG encoder, as libjpeg with its defaults (`cv2.imwrite`, Pillow's
 * `save`): JFIF APP0, the Annex K tables scaled for the quality, YCbCr with
 * 2×2 chroma subsampling (or none: 4:4:4; gray stays one component), the
 * accurate integer forward DCT, standard Huffman tables for baseline, and
 * for progressive `jpeg_simple_progression`'s scan script with optimal
 * Huffman tables per scan (libjpeg always optimizes progressive tables;
 * that needs a counting pass per scan).
 *
 * libjpeg's edge rules are kept, so the bytes equal Pillow's for the same
 * image and settings: rows are extended to the MCU width by repeating
 * their last pixel before downsampling; below the image the last row of
 * each (downsampled) component repeats; blocks an MCU needs beyond the
 * component's own blocks are "dummy" blocks — zero AC, the DC of the
 * block to their left, or, below the image, of the MCU's rightmost block
 * of the row above.
 *
 * Baseline is streamed an MCU row at a time: the input, the output and a
 * few rows of working memory. Progressive keeps every quantized
 * coefficient (2 bytes per sample of the padded planes) for its scans.
 *
 * @module
 */

import {
  BitWriter,
  type BitWriter as Writer,
  encodeBlocks,
  ProgressiveEncoder,
} from "./entropy_encode.ts";
import { buildEncodeTable, type EncodeTable, optimalTable } from "./huffman.ts";
import {
  type HuffmanSpec,
  scaledQuantTable,
  STD_AC_CHROMA,
  STD_AC_LUMA,
  STD_DC_CHROMA,
  STD_DC_LUMA,
  ZIGZAG,
} from "./tables.ts";
import { downsample2x2, grayRow, rgbToYcc } from "./downsample.ts";
import { fdctQuantize, reciprocalDivisors, zigzagMask } from "./fdct.ts";

/** The encoder's per-row kernels on one arena (byte offsets for pointers). */
export interface EncodeKernels {
  readonly u8: Uint8Array;
  readonly i16: Int16Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  /** `n` pixels of `ch`-sample RGB(A) at `src` to Y, Cb, Cr rows, each extended to `padded`. */
  ycc(src: number, ch: number, n: number, y: number, cb: number, cr: number, padded: number): void;
  /** 2×2 downsampling of two rows into `w` samples. */
  down(top: number, bottom: number, dst: number, w: number): void;
  /**
   * Forward DCT + quantization of `n` side-by-side blocks at `src` (row
   * `stride`) into `coef`, with two u32 per block at `mask`: bit k set when
   * the coefficient at zigzag position k is not zero.
   */
  fdct(src: number, stride: number, n: number, table: number, coef: number, mask: number): void;
  /** The gray channel of `n` pixels, extended to `padded`. */
  gray(src: number, ch: number, n: number, y: number, padded: number): void;
  /**
   * A faster Huffman coder of sequential blocks, when there is one
   * (`entropy_encode.wat`): the same bytes as {@linkcode encodeBlocks}.
   */
  huffman?: {
    reset(): void;
    blocks(list: number, n: number, tables: number, preds: number, zz: number, out: number): number;
    flush(out: number): number;
  };
}

/** Makes the kernels on an arena of at least `bytes` bytes. */
export type EncodeKernelFactory = (bytes: number) => EncodeKernels;

/** Bytes of one quantization table in the arena: 64 u16 values, then 192 u32 divisors. */
export const TABLE_BYTES = 1024;

interface Comp {
  id: number;
  h: number;
  v: number;
  tq: number;
  blocksW: number;
  blocksH: number;
  paddedW: number;
  /** Where its samples come from (a full-resolution or downsampled band) and their stride. */
  plane: number;
  stride: number;
  coef: number;
  mask: number;
}

function align(n: number): number {
  return (n + 63) & ~63;
}

function segment(marker: number, body: ArrayLike<number>): number[] {
  const len = body.length + 2;
  return [0xff, marker, len >> 8, len & 255, ...Array.from(body)];
}

function dht(cls: number, id: number, spec: HuffmanSpec): number[] {
  return segment(0xc4, [(cls << 4) | id, ...spec.counts, ...spec.symbols]);
}

/** What the header holds besides the tables: the JFIF density and metadata segments (`metadata.ts`). */
export interface JpegHeaderExtras {
  /** JFIF density units: 0 none (aspect ratio), 1 per inch, 2 per centimetre. */
  units: number;
  xDensity: number;
  yDensity: number;
  /** Whole marker segments written after the JFIF one (APP1 Exif, APP2 ICC_PROFILE). */
  segments: readonly Uint8Array[];
}

/**
 * Encodes `data` (`width × height × ch` u8, ch 1–4; 1–2 gray, 3–4 colour,
 * alpha ignored) with the given kernels. Options are validated by the caller.
 */
export function encodeWith(
  data: Uint8Array,
  width: number,
  height: number,
  ch: number,
  quality: number,
  subsample: boolean,
  progressive: boolean,
  kernels: EncodeKernelFactory,
  extras: JpegHeaderExtras = { units: 0, xDensity: 1, yDensity: 1, segments: [] },
): Uint8Array<ArrayBuffer> {
  const gray = ch <= 2;
  const f = gray || !subsample ? 1 : 2; // hmax = vmax
  const mcusX = Math.ceil(width / (8 * f)), mcusY = Math.ceil(height / (8 * f));
  const fullW = mcusX * 8 * f, bandRows = 8 * f;
  const specs = gray ? [[1, f, 0]] : [[1, f, 0], [2, 1, 1], [3, 1, 1]];
  // Arena: tables | staged input rows | full-resolution band planes | downsampled planes | coefficients.
  let at = 64;
  const tablesAt = at;
  at += 2 * TABLE_BYTES;
  const srcAt = at;
  at = align(at + bandRows * width * ch + 64);
  const comps: Comp[] = [];
  const fullAt: number[] = [];
  for (let i = 0; i < specs.length; i++) {
    fullAt.push(at);
    at = align(at + bandRows * fullW + 64);
  }
  for (const [id, s, tq] of specs) {
    const cw = Math.ceil((width * s) / f), chh = Math.ceil((height * s) / f);
    const c: Comp = {
      id,
      h: s,
      v: s,
      tq,
      blocksW: Math.ceil(cw / 8),
      blocksH: Math.ceil(chh / 8),
      paddedW: mcusX * s,
      plane: fullAt[comps.length],
      stride: fullW,
      coef: 0,
      mask: 0,
    };
    if (s < f) {
      c.plane = at;
      c.stride = fullW / 2;
      at = align(at + 8 * c.stride + 64);
    }
    comps.push(c);
  }
  for (const c of comps) {
    c.coef = at;
    at = align(at + c.paddedW * c.v * 128);
    c.mask = at;
    at = align(at + c.paddedW * c.v * 8);
  }
  // For a WebAssembly Huffman coder: tables, zigzag offsets, predictions, the
  // blocks of an MCU row, and room for its bytes (512 per block at worst).
  const blocksPerRow = mcusX * comps.reduce((n, c) => n + c.h * c.v, 0);
  const huffAt = at, zzAt = huffAt + 2048 * comps.length, predsAt = zzAt + 256;
  const listAt = predsAt + 64, outAt = align(listAt + 12 * blocksPerRow);
  at = align(outAt + 512 * blocksPerRow + 64);
  const k = kernels(at);
  const quant = [scaledQuantTable(false, quality), scaledQuantTable(true, quality)];
  for (let t = 0; t < 2; t++) {
    k.u16.set(quant[t], (tablesAt + t * TABLE_BYTES) >> 1);
    k.u32.set(reciprocalDivisors(quant[t]), (tablesAt + t * TABLE_BYTES + 128) >> 2);
  }

  const w = new BitWriter(Math.max(4096, (width * height * ch) >> 2));
  w.bytes([0xff, 0xd8]);
  const { units, xDensity: x, yDensity: y } = extras;
  w.bytes(
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, units, x >> 8, x & 255, y >> 8, y & 255, 0, 0]),
  );
  for (const s of extras.segments) w.bytes(s);
  for (let t = 0; t < (gray ? 1 : 2); t++) {
    w.bytes(segment(0xdb, [t, ...Array.from(ZIGZAG, (z) => quant[t][z])]));
  }
  const sof = [8, height >> 8, height & 255, width >> 8, width & 255, comps.length];
  for (const c of comps) sof.push(c.id, (c.h << 4) | c.v, c.tq);
  w.bytes(segment(progressive ? 0xc2 : 0xc0, sof));

  const coefAll = progressive
    ? new Int16Array(comps.reduce((n, c) => n + c.paddedW * mcusY * c.v * 64, 0))
    : undefined;
  const planeAt: number[] = [];
  for (let i = 0, n = 0; i < comps.length; i++) {
    planeAt.push(n);
    n += comps[i].paddedW * mcusY * comps[i].v * 64;
  }
  let tables: { dc: EncodeTable; ac: EncodeTable }[] = [];
  const preds = new Int32Array(3);
  if (!progressive) {
    const std = [[STD_DC_LUMA, STD_AC_LUMA], [STD_DC_CHROMA, STD_AC_CHROMA]];
    for (let t = 0; t < (gray ? 1 : 2); t++) {
      w.bytes(dht(0, t, std[t][0]));
      w.bytes(dht(1, t, std[t][1]));
    }
    tables = std.map(([dc, ac]) => ({ dc: buildEncodeTable(dc), ac: buildEncodeTable(ac) }));
    const sos = [comps.length];
    for (const c of comps) sos.push(c.id, (c.tq << 4) | c.tq);
    w.bytes(segment(0xda, [...sos, 0, 63, 0]));
  }

  // The blocks of an MCU row in coding order: int16 offsets and components.
  const order = { at: [] as number[], mask: [] as number[], comp: [] as number[] };
  for (let mx = 0; mx < mcusX; mx++) {
    for (let i = 0; i < comps.length; i++) {
      const c = comps[i];
      for (let by = 0; by < c.v; by++) {
        for (let bx = 0; bx < c.h; bx++) {
          order.at.push((c.coef >> 1) + (by * c.paddedW + mx * c.h + bx) * 64);
          order.mask.push((c.mask >> 2) + (by * c.paddedW + mx * c.h + bx) * 2);
          order.comp.push(i);
        }
      }
    }
  }
  const blocks = {
    at: new Int32Array(order.at),
    mask: new Int32Array(order.mask),
    comp: new Uint8Array(order.comp),
  };
  const compTables = comps.map((c) => tables[c.tq]);
  const huffman = progressive ? undefined : k.huffman;
  if (huffman) {
    for (let i = 0; i < comps.length; i++) {
      for (const [t, base] of [[compTables[i].dc, 0], [compTables[i].ac, 256]] as const) {
        for (let sym = 0; sym < 256; sym++) {
          k.u32[(huffAt >> 2) + 512 * i + base + sym] = (t.code[sym] << 8) | t.size[sym];
        }
      }
    }
    for (let z = 0; z < 64; z++) k.u32[(zzAt >> 2) + z] = 2 * ZIGZAG[z];
    k.u32.fill(0, predsAt >> 2, (predsAt >> 2) + 16);
    for (let j = 0; j < blocks.at.length; j++) {
      k.u32.set([2 * blocks.at[j], 4 * blocks.mask[j], blocks.comp[j]], (listAt >> 2) + 3 * j);
    }
    huffman.reset();
  }
  const halfRows = Math.ceil(height / 2);
  for (let m = 0; m < mcusY; m++) {
    // Input rows of this MCU row, the last image row repeated below the image.
    for (let r = 0; r < bandRows; r++) {
      const sy = Math.min(m * bandRows + r, height - 1);
      k.u8.set(data.subarray(sy * width * ch, (sy + 1) * width * ch), srcAt + r * width * ch);
      const s = srcAt + r * width * ch, o = r * fullW;
      if (gray) k.gray(s, ch, width, fullAt[0] + o, fullW);
      else k.ycc(s, ch, width, fullAt[0] + o, fullAt[1] + o, fullAt[2] + o, fullW);
    }
    if (f === 2 && !gray) {
      for (let r = 0; r < 8; r++) {
        // Below the image, the last downsampled row repeats (libjpeg's expand_bottom_edge).
        const local = 2 * Math.min(m * 8 + r, halfRows - 1) - m * 16;
        for (let i = 1; i < 3; i++) {
          const c = comps[i];
          k.down(
            fullAt[i] + local * fullW,
            fullAt[i] + (local + 1) * fullW,
            c.plane + r * c.stride,
            c.stride,
          );
        }
      }
    }
    for (const c of comps) {
      const table = tablesAt + c.tq * TABLE_BYTES;
      for (let by = 0; by < c.v; by++) {
        const row = c.coef + by * c.paddedW * 128, mask = c.mask + by * c.paddedW * 8;
        // Dummy blocks have no AC coefficients: their masks are 0.
        k.u32.fill(0, mask >> 2, (mask >> 2) + 2 * c.paddedW);
        if (m * c.v + by < c.blocksH) {
          k.fdct(c.plane + by * 8 * c.stride, c.stride, c.blocksW, table, row, mask);
          for (let bx = c.blocksW; bx < c.paddedW; bx++) {
            dummy(k.i16, (row >> 1) + bx * 64, (row >> 1) + (c.blocksW - 1) * 64);
          }
        } else {
          for (let bx = 0; bx < c.paddedW; bx++) {
            const above = (row >> 1) - c.paddedW * 64 + (bx - (bx % c.h) + c.h - 1) * 64;
            dummy(k.i16, (row >> 1) + bx * 64, above);
          }
        }
      }
    }
    if (coefAll) {
      for (let i = 0; i < comps.length; i++) {
        const c = comps[i], n = c.paddedW * c.v * 64;
        coefAll.set(k.i16.subarray(c.coef >> 1, (c.coef >> 1) + n), planeAt[i] + m * n);
      }
      continue;
    }
    if (huffman) {
      const n = huffman.blocks(listAt, blocks.at.length, huffAt, predsAt, zzAt, outAt);
      w.bytes(k.u8.subarray(outAt, outAt + n));
    } else encodeBlocks(w, k.i16, k.u32, blocks, compTables, preds);
  }
  if (coefAll) progressiveScans(w, comps, coefAll, planeAt, mcusX, mcusY);
  else if (huffman) w.bytes(k.u8.subarray(outAt, outAt + huffman.flush(outAt)));
  else w.flush();
  w.bytes([0xff, 0xd9]);
  return w.result();
}

/** A dummy block: zero, with the DC of the block at `from` (int16 offsets). */
function dummy(i16: Int16Array, at: number, from: number): void {
  const dc = i16[from];
  i16.fill(0, at, at + 64);
  i16[at] = dc;
}

/** libjpeg's `jpeg_simple_progression`: [component indices, Ss, Se, Ah, Al]. */
function scanScript(n: number): [number[], number, number, number, number][] {
  const all = n === 1 ? [0] : [0, 1, 2];
  if (n === 1) {
    return [[all, 0, 0, 0, 1], [all, 1, 5, 0, 2], [all, 6, 63, 0, 2], [all, 1, 63, 2, 1], [
      all,
      0,
      0,
      1,
      0,
    ], [all, 1, 63, 1, 0]];
  }
  return [
    [all, 0, 0, 0, 1],
    [[0], 1, 5, 0, 2],
    [[2], 1, 63, 0, 1],
    [[1], 1, 63, 0, 1],
    [[0], 6, 63, 0, 2],
    [[0], 1, 63, 2, 1],
    [all, 0, 0, 1, 0],
    [[2], 1, 63, 1, 0],
    [[1], 1, 63, 1, 0],
    [[0], 1, 63, 1, 0],
  ];
}

/** Writes the progressive scans: per scan, count symbols, emit optimal tables, encode. */
function progressiveScans(
  w: Writer,
  comps: Comp[],
  coef: Int16Array,
  planeAt: number[],
  mcusX: number,
  mcusY: number,
): void {
  for (const [idx, ss, se, ah, al] of scanScript(comps.length)) {
    const run = (enc: ProgressiveEncoder) => {
      if (idx.length > 1) {
        for (let my = 0; my < mcusY; my++) {
          for (let mx = 0; mx < mcusX; mx++) {
            for (let s = 0; s < idx.length; s++) {
              const c = comps[idx[s]];
              for (let by = 0; by < c.v; by++) {
                for (let bx = 0; bx < c.h; bx++) {
                  const b = planeAt[idx[s]] + ((my * c.v + by) * c.paddedW + mx * c.h + bx) * 64;
                  if (ah === 0) enc.dcFirst(coef, b, s, c.tq, al);
                  else enc.dcRefine(coef, b, al);
                }
              }
            }
          }
        }
      } else {
        const c = comps[idx[0]];
        for (let by = 0; by < c.blocksH; by++) {
          for (let bx = 0; bx < c.blocksW; bx++) {
            const b = planeAt[idx[0]] + (by * c.paddedW + bx) * 64;
            if (ss === 0) {
              if (ah === 0) enc.dcFirst(coef, b, 0, c.tq, al);
              else enc.dcRefine(coef, b, al);
            } else if (ah === 0) enc.acFirst(coef, b, c.tq, ss, se, al);
            else enc.acRefine(coef, b, c.tq, ss, se, al);
          }
        }
      }
      enc.finish(comps[idx[0]].tq);
    };
    const needsTables = !(ss === 0 && ah !== 0);
    const tables: (EncodeTable | undefined)[] = [undefined, undefined];
    if (needsTables) {
      const freq = [new Float64Array(256), new Float64Array(256)];
      run(new ProgressiveEncoder(w, tables, freq));
      for (const i of idx) {
        const t = comps[i].tq;
        if (tables[t]) continue;
        const spec = optimalTable(freq[t]);
        tables[t] = buildEncodeTable(spec);
        w.bytes(dht(ss === 0 ? 0 : 1, t, spec));
      }
    }
    const sos = [idx.length];
    for (const i of idx) {
      const t = comps[i].tq;
      sos.push(comps[i].id, ss === 0 ? (ah === 0 ? t << 4 : 0) : t);
    }
    w.bytes(segment(0xda, [...sos, ss, se, (ah << 4) | al]));
    run(new ProgressiveEncoder(w, tables));
  }
}

/** The TypeScript encoder kernels on a plain `ArrayBuffer` arena: the reference path. */
export function typescriptEncodeKernels(bytes: number): EncodeKernels {
  const buffer = new ArrayBuffer(bytes);
  const u8 = new Uint8Array(buffer), i16 = new Int16Array(buffer);
  const u16 = new Uint16Array(buffer), u32 = new Uint32Array(buffer);
  return {
    u8,
    i16,
    u16,
    u32,
    ycc: (src, ch, n, y, cb, cr, padded) => rgbToYcc(u8, src, ch, n, u8, y, cb, cr, padded),
    gray: (src, ch, n, y, padded) => grayRow(u8, src, ch, n, u8, y, padded),
    down: (top, bottom, dst, w) => downsample2x2(u8, top, bottom, dst, w),
    fdct: (src, stride, n, table, coef, mask) => {
      const q = u16.subarray(table >> 1, (table >> 1) + 64);
      for (let j = 0; j < n; j++) {
        fdctQuantize(u8, src + 8 * j, stride, q, i16, (coef >> 1) + 64 * j);
        zigzagMask(i16, (coef >> 1) + 64 * j, u32, (mask >> 2) + 2 * j);
      }
    },
  };
}
