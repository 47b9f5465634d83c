/**
 * From coefficients to pixels, one MCU row at a time: dequantize and
 * inverse-DCT each component's row of blocks into a ring of three MCU
 * rows of samples, then, one MCU row behind (the fancy upsamplers need the
 * row below), upsample and colour-convert each output row into a band and
 * copy the band into the image, rotated or flipped for its EXIF
 * orientation. Memory: the ring holds 3 × 8·v rows per component at the
 * padded width, the band 8·vmax output rows — a few rows of the image,
 * whatever its height.
 *
 * All working memory is one arena (an `ArrayBuffer`, or the SIMD kernel's
 * memory), so the TypeScript and WebAssembly kernels run on the same
 * layout and the choice between them is one object.
 *
 * @module
 */

import {
  cmykToRgb,
  planesToRgb,
  upH1V2,
  upH2V1,
  upH2V2,
  upReplicate,
  ycckToRgb,
  yccToRgb,
} from "./color.ts";
import { idctBlocks } from "./idct.ts";
import type { HuffmanKernel } from "./entropy_decode.ts";
import type { CodedColor, Frame } from "./markers.ts";

/** The per-row kernels, with arena byte offsets for pointers. */
export interface PixelKernels {
  /** The arena the offsets point into. */
  readonly u8: Uint8Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  /** Inverse DCT of `n` blocks at `coef` (int16) dequantized by `quant` (int32) into rows of `stride`. */
  idct(coef: number, quant: number, n: number, dst: number, stride: number): void;
  h2v1(src: number, dst: number, w: number): void;
  h2v2(cur: number, nbr: number, dst: number, w: number): void;
  h1v2(cur: number, nbr: number, dst: number, w: number, bias: number): void;
  ycc(y: number, cb: number, cr: number, dst: number, n: number): void;
  /** The WebAssembly Huffman decoder of sequential scans (`entropy_decode.ts`), when there is one. */
  huffman?: HuffmanKernel;
}

/** Makes the kernels on an arena of at least `bytes` bytes. */
export type KernelFactory = (bytes: number) => PixelKernels;

type Method = "full" | "h2v1" | "h1v2" | "h2v2" | "box";

/** One component's place in the arena and how it is upsampled. */
interface Plane {
  method: Method;
  hr: number;
  vr: number;
  /** Its sample rows: real rows, and bytes per ring row (padded width). */
  rows: number;
  width: number;
  stride: number;
  /** Rows per MCU row (8·v) and the ring's offset. */
  mcuRows: number;
  ring: number;
  /** The staged int16 coefficients of one MCU row, and the int32 quantization table. */
  coef: number;
  quant: number;
  blocksPerRow: number;
  blockRows: number;
  /** An upsampled row. */
  temp: number;
}

function align(n: number): number {
  return (n + 63) & ~63;
}

/** Rebuilds the image from MCU rows of coefficients. */
export class Reconstructor {
  private readonly k: PixelKernels;
  private readonly planes: Plane[] = [];
  private readonly frame: Frame;
  private readonly color: CodedColor;
  private readonly out: Uint8Array;
  private readonly orientation: number;
  private readonly channels: number;
  private readonly band: number;
  /** The `extra` bytes asked for at construction. */
  private readonly extra: number;
  private pushed = 0;
  /** Each component's row for the output row being converted. */
  private readonly rows = new Int32Array(4);

  /**
   * `quant[i]` is component i's table (natural order); `out` receives the
   * image (`width × height`, or transposed for orientations 5–8); `extra`
   * more bytes of the arena are reserved for the caller ({@linkcode extraArea}).
   */
  constructor(
    frame: Frame,
    color: CodedColor,
    quant: Uint16Array[],
    out: Uint8Array,
    orientation: number,
    kernels: KernelFactory,
    extra = 0,
  ) {
    this.frame = frame;
    this.color = color;
    this.out = out;
    this.orientation = orientation;
    this.channels = color === "gray" ? 1 : 3;
    const { hmax, vmax, mcusX } = frame;
    let at = 64;
    const quantAt = at;
    at += 4 * 64 * frame.components.length;
    const upWidth = align(mcusX * 8 * hmax + 64);
    for (const c of frame.components) {
      const hr = hmax / c.h, vr = vmax / c.v;
      const method: Method = hr === 1 && vr === 1
        ? "full"
        : hr === 2 && vr === 1 && c.width > 2
        ? "h2v1"
        : hr === 1 && vr === 2
        ? "h1v2"
        : hr === 2 && vr === 2 && c.width > 2
        ? "h2v2"
        : "box";
      const stride = c.paddedW * 8;
      const plane: Plane = {
        method,
        hr,
        vr,
        rows: c.height,
        width: c.width,
        stride,
        mcuRows: 8 * c.v,
        ring: 0,
        coef: 0,
        quant: quantAt + 256 * this.planes.length,
        blocksPerRow: c.paddedW,
        blockRows: c.v,
        temp: 0,
      };
      plane.coef = at;
      at = align(at + c.paddedW * c.v * 128);
      plane.ring = at;
      at = align(at + 3 * plane.mcuRows * stride + 64);
      plane.temp = at;
      at = align(at + upWidth);
      this.planes.push(plane);
    }
    this.band = at;
    at = align(at + 8 * vmax * frame.width * this.channels + 64);
    this.extra = at;
    this.k = kernels(align(at + extra));
    for (let i = 0; i < this.planes.length; i++) {
      this.k.i32.set(quant[i], this.planes[i].quant >> 2);
    }
  }

  /** The int16 arena and the element offset of each component's staged coefficient row. */
  coefficientRows(): { coef: Int16Array; bases: Int32Array; length: number[] } {
    return {
      coef: this.k.i16,
      bases: new Int32Array(this.planes.map((p) => p.coef >> 1)),
      length: this.planes.map((p) => p.blocksPerRow * p.blockRows * 64),
    };
  }

  /** The kernels and the byte offset of the `extra` bytes reserved at construction. */
  extraArea(): { kernels: PixelKernels; at: number } {
    return { kernels: this.k, at: this.extra };
  }

  /** Zeroes the staged coefficients (before an MCU row is decoded into them). */
  clearCoefficients(): void {
    for (const p of this.planes) {
      this.k.i16.fill(0, p.coef >> 1, (p.coef >> 1) + p.blocksPerRow * p.blockRows * 64);
    }
  }

  /** Copies MCU row `m` of whole-image coefficient planes into the staging area. */
  stageFrom(planes: Int16Array[], m: number): void {
    for (let i = 0; i < this.planes.length; i++) {
      const p = this.planes[i], n = p.blocksPerRow * p.blockRows * 64;
      this.k.i16.set(planes[i].subarray(m * n, (m + 1) * n), p.coef >> 1);
    }
  }

  /** Inverse-transforms the staged MCU row (the next one) and emits the band before it. */
  pushRow(): void {
    const m = this.pushed++;
    for (const p of this.planes) {
      const slot = (m % 3) * p.mcuRows;
      for (let by = 0; by < p.blockRows; by++) {
        this.k.idct(
          p.coef + by * p.blocksPerRow * 128,
          p.quant,
          p.blocksPerRow,
          p.ring + (slot + 8 * by) * p.stride,
          p.stride,
        );
      }
    }
    if (m > 0) this.emitBand(m - 1);
  }

  /** Emits the last band, once every MCU row was pushed. */
  finish(): void {
    if (this.pushed > 0) this.emitBand(this.pushed - 1);
  }

  private rowAt(p: Plane, r: number): number {
    if (r < 0) r = 0;
    else if (r >= p.rows) r = p.rows - 1;
    const mr = p.mcuRows;
    return p.ring + ((Math.floor(r / mr) % 3) * mr + (r % mr)) * p.stride;
  }

  /** The offset of component `p`'s row for output row `y`, upsampled. */
  private upsampled(p: Plane, y: number): number {
    const k = this.k;
    switch (p.method) {
      case "full":
        return this.rowAt(p, y);
      case "h2v1":
        k.h2v1(this.rowAt(p, y), p.temp, p.width);
        return p.temp;
      case "h1v2":
      case "h2v2": {
        const r = y >> 1, lower = y & 1;
        const cur = this.rowAt(p, r), nbr = this.rowAt(p, lower ? r + 1 : r - 1);
        if (p.method === "h1v2") k.h1v2(cur, nbr, p.temp, p.width, lower ? 2 : 1);
        else k.h2v2(cur, nbr, p.temp, p.width);
        return p.temp;
      }
      case "box": {
        const src = this.rowAt(p, Math.floor(y / p.vr));
        if (p.hr === 1) return src;
        upReplicate(k.u8, src, p.temp, p.width, p.hr);
        return p.temp;
      }
    }
  }

  private emitBand(m: number): void {
    const { width, height, vmax } = this.frame;
    const y0 = m * 8 * vmax, y1 = Math.min(height, y0 + 8 * vmax);
    const rowBytes = width * this.channels, u8 = this.k.u8, p = this.planes, rows = this.rows;
    for (let y = y0; y < y1; y++) {
      const dst = this.band + (y - y0) * rowBytes;
      for (let i = 0; i < p.length; i++) rows[i] = this.upsampled(p[i], y);
      const [a, b, c, d] = rows;
      switch (this.color) {
        case "gray":
          u8.copyWithin(dst, a, a + width);
          break;
        case "ycbcr":
          this.k.ycc(a, b, c, dst, width);
          break;
        case "rgb":
          planesToRgb(u8, a, b, c, dst, width);
          break;
        case "cmyk":
          cmykToRgb(u8, a, b, c, d, dst, width);
          break;
        case "ycck":
          ycckToRgb(u8, a, b, c, d, dst, width);
      }
    }
    this.place(y0, y1 - y0);
  }

  /** Copies `rows` band rows (stored rows `y0 …`) into the image, oriented. */
  private place(y0: number, rows: number): void {
    const { width: w, height: h } = this.frame;
    const ch = this.channels, src = this.k.u8, out = this.out, b = this.band;
    const o = this.orientation;
    if (o === 1) {
      out.set(src.subarray(b, b + rows * w * ch), y0 * w * ch);
      return;
    }
    // The stored pixel (x, y) lands at column fx, row fy of an image fw wide; its
    // offset is affine in x and y, so three evaluations give start and steps.
    const fw = o >= 5 ? h : w;
    const dest = (x: number, y: number): number => {
      const fx = o === 2 || o === 3 ? w - 1 - x : o === 4 ? x : o === 5 || o === 8 ? y : h - 1 - y;
      const fy = o === 2 ? y : o === 3 || o === 4 ? h - 1 - y : o === 5 || o === 6 ? x : w - 1 - x;
      return (fy * fw + fx) * ch;
    };
    const d0 = dest(0, y0), sx = dest(1, y0) - d0, sy = dest(0, y0 + 1) - d0;
    for (let r = 0; r < rows; r++) {
      let s = b + r * w * ch, d = d0 + r * sy;
      for (let x = 0; x < w; x++, s += ch, d += sx) {
        for (let c = 0; c < ch; c++) out[d + c] = src[s + c];
      }
    }
  }
}

/** The TypeScript kernels on a plain `ArrayBuffer` arena: the reference path. */
export function typescriptKernels(bytes: number): PixelKernels {
  const buffer = new ArrayBuffer(bytes);
  const u8 = new Uint8Array(buffer), i16 = new Int16Array(buffer), i32 = new Int32Array(buffer);
  return {
    u8,
    i16,
    i32,
    idct: (coef, quant, n, dst, stride) =>
      idctBlocks(i16, coef >> 1, i32, quant >> 2, n, u8, dst, stride),
    h2v1: (src, dst, w) => upH2V1(u8, src, dst, w),
    h2v2: (cur, nbr, dst, w) => upH2V2(u8, cur, nbr, dst, w),
    h1v2: (cur, nbr, dst, w, bias) => upH1V2(u8, cur, nbr, dst, w, bias),
    ycc: (y, cb, cr, dst, n) => yccToRgb(u8, y, cb, cr, dst, n),
  };
}
