/**
 * JPEG marker segments (ITU T.81 Annex B): the frame header (SOF), tables
 * (DQT, DHT), the restart interval (DRI), scan headers (SOS), and the
 * application markers that change how pixels read — JFIF (APP0), Exif
 * orientation (APP1, TIFF IFD0 tag 0x0112) and Adobe (APP14, its colour
 * transform). Every check that fails is a one-line `DECODE_FAILED`.
 *
 * What is read and refused: baseline, extended (8-bit) and progressive
 * Huffman frames are read; 12-bit precision, lossless, hierarchical and
 * arithmetic-coded frames are refused with a message that says so; so is
 * a frame whose height is defined later (DNL).
 *
 * @module
 */

import { FilterError } from "../../core/errors.ts";
import { buildDecodeTable, checkSpec, type DecodeTable } from "./huffman.ts";
import { ZIGZAG } from "./tables.ts";
import { exifOrientation } from "../metadata.ts";

/** Throws the one-line decoding error every malformed file ends as. */
export function fail(message: string): never {
  throw new FilterError("DECODE_FAILED", `JPEG: ${message}`);
}

/** One component of the frame, with the geometry derived from the sampling factors. */
export interface Component {
  /** Component identifier (C_i). */
  id: number;
  /** Horizontal and vertical sampling factors (1–4). */
  h: number;
  v: number;
  /** Quantization table selector (0–3). */
  tq: number;
  /** Its sample grid: `ceil(width · h / hmax)` × `ceil(height · v / vmax)`. */
  width: number;
  height: number;
  /** Blocks a non-interleaved scan codes: `ceil(width / 8)` × `ceil(height / 8)`. */
  blocksW: number;
  blocksH: number;
  /** Blocks per row and rows of blocks in the MCU grid: `mcusX · h` × `mcusY · v`. */
  paddedW: number;
  paddedH: number;
}

/** The frame header (SOF). */
export interface Frame {
  progressive: boolean;
  width: number;
  height: number;
  components: Component[];
  hmax: number;
  vmax: number;
  /** MCUs per row and MCU rows of an interleaved scan. */
  mcusX: number;
  mcusY: number;
}

/** A scan header (SOS). */
export interface Scan {
  /** Indices into the frame's components, in scan order. */
  comps: number[];
  dcTables: number[];
  acTables: number[];
  ss: number;
  se: number;
  ah: number;
  al: number;
  /** Offset of the first entropy-coded byte. */
  dataAt: number;
}

/** Colour spaces of the coded components (libjpeg's `jpeg_color_space` guess). */
export type CodedColor = "gray" | "ycbcr" | "rgb" | "cmyk" | "ycck";

/** Everything read from the markers so far, kept up to date while the scans are decoded. */
export class JpegState {
  readonly bytes: Uint8Array;
  /** Offset of the next marker to read. */
  pos = 2;
  frame?: Frame;
  readonly quant: (Uint16Array | undefined)[] = [undefined, undefined, undefined, undefined];
  readonly dc: (DecodeTable | undefined)[] = [undefined, undefined, undefined, undefined];
  readonly ac: (DecodeTable | undefined)[] = [undefined, undefined, undefined, undefined];
  restartInterval = 0;
  jfif = false;
  /** The Adobe APP14 transform flag, −1 without that marker. */
  adobe = -1;
  /** EXIF orientation 1–8 (1 when absent or unreadable). */
  orientation = 1;
  private exif = false;

  constructor(bytes: Uint8Array) {
    if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
      fail("no start-of-image marker (FFD8); the data is not a JPEG");
    }
    this.bytes = bytes;
  }

  /**
   * Reads marker segments up to the next SOS (returned, with `pos` at its
   * entropy-coded data) or EOI (`undefined`).
   */
  nextScan(): Scan | undefined {
    const b = this.bytes;
    for (;;) {
      const at = this.pos;
      if (at + 2 > b.length) fail(`file is truncated at byte ${at} (no end-of-image marker)`);
      if (b[at] !== 0xff) {
        fail(`no marker at byte ${at} (found ${hex(b[at])}); the file is corrupt`);
      }
      let p = at + 1;
      while (p < b.length && b[p] === 0xff) p++; // fill bytes
      if (p >= b.length) fail("file is truncated in a marker");
      const m = b[p];
      if (m === 0xd9) {
        this.pos = p + 1;
        return undefined;
      }
      if (m === 0x00 || m === 0xd8) fail(`unexpected marker FF${hex(m)} at byte ${p - 1}`);
      if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { // TEM, stray RSTn: no length (libjpeg skips them)
        this.pos = p + 1;
        continue;
      }
      if (p + 3 > b.length) fail(`file is truncated in the FF${hex(m)} segment`);
      const len = (b[p + 1] << 8) | b[p + 2];
      const start = p + 3, end = p + 1 + len;
      if (len < 2 || end > b.length) {
        fail(`the FF${hex(m)} segment at byte ${p - 1} is truncated or has a bad length ${len}`);
      }
      this.pos = end;
      if (m === 0xc0 || m === 0xc1 || m === 0xc2) this.readFrame(start, end, m === 0xc2);
      else if (m === 0xc4) this.readHuffman(start, end);
      else if (m === 0xdb) this.readQuant(start, end);
      else if (m === 0xdd) {
        if (len !== 4) fail(`DRI segment has length ${len}, expected 4`);
        this.restartInterval = (b[start] << 8) | b[start + 1];
      } else if (m === 0xda) return this.readScan(start, end);
      else if (m === 0xe0) {
        if (len >= 16 && isText(b, start, "JFIF\0")) this.jfif = true;
      } else if (m === 0xe1) {
        if (len >= 8 && isText(b, start, "Exif\0\0") && !this.exif) {
          this.exif = true; // Pillow reads the first Exif segment
          this.orientation = exifOrientation(b.subarray(start + 6, end));
        }
      } else if (m === 0xee) {
        if (len >= 14 && isText(b, start, "Adobe")) this.adobe = b[start + 11];
      } else if (m === 0xdc) fail("a DNL marker (height defined after the scan) is not supported");
      else if (m >= 0xc3 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        fail(
          `${
            FRAME_KINDS[m] ?? `frame type FF${hex(m)}`
          } is not supported (baseline and progressive Huffman only)`,
        );
      }
      // Everything else (APPn, COM, DAC, JPG) carries nothing the pixels depend on.
    }
  }

  /** The coded colour space, as libjpeg guesses it (JFIF, Adobe transform, component ids). */
  codedColor(): CodedColor {
    const f = this.frame!;
    if (f.components.length === 1) return "gray";
    if (f.components.length === 4) return this.adobe > 0 ? "ycck" : "cmyk";
    if (this.jfif) return "ycbcr";
    if (this.adobe >= 0) return this.adobe === 0 ? "rgb" : "ycbcr";
    const [a, b, c] = f.components.map((x) => x.id);
    return a === 82 && b === 71 && c === 66 ? "rgb" : "ycbcr";
  }

  private readFrame(start: number, end: number, progressive: boolean): void {
    const b = this.bytes;
    if (this.frame) fail("more than one frame header (SOF)");
    if (end - start < 6) fail("frame header (SOF) is too short");
    const precision = b[start];
    if (precision === 12 || precision === 16) {
      fail(`${precision}-bit samples are not supported (8-bit JPEG only)`);
    }
    if (precision !== 8) fail(`sample precision ${precision} is invalid`);
    const height = (b[start + 1] << 8) | b[start + 2];
    const width = (b[start + 3] << 8) | b[start + 4];
    const n = b[start + 5];
    if (height === 0) fail("height 0 (defined by a DNL marker) is not supported");
    if (width === 0) fail("width 0 is invalid");
    if (n !== 1 && n !== 3 && n !== 4) fail(`${n} components are not supported (1, 3 or 4)`);
    if (end - start !== 6 + 3 * n) {
      fail(`frame header (SOF) has length ${end - start + 2} for ${n} components`);
    }
    const comps: Component[] = [];
    for (let i = 0; i < n; i++) {
      const p = start + 6 + 3 * i;
      const id = b[p], h = b[p + 1] >> 4, v = b[p + 1] & 15, tq = b[p + 2];
      if (h < 1 || h > 4 || v < 1 || v > 4) {
        fail(`component ${id} has sampling factors ${h}x${v} (1 to 4 allowed)`);
      }
      if (tq > 3) fail(`component ${id} uses quantization table ${tq} (0 to 3 allowed)`);
      if (comps.some((c) => c.id === id)) {
        fail(`component id ${id} appears twice in the frame header`);
      }
      comps.push({
        id,
        h,
        v,
        tq,
        width: 0,
        height: 0,
        blocksW: 0,
        blocksH: 0,
        paddedW: 0,
        paddedH: 0,
      });
    }
    // One component: one block per MCU whatever the factors say (T.81 A.2.2), as in libjpeg.
    if (n === 1) comps[0].h = comps[0].v = 1;
    const hmax = Math.max(...comps.map((c) => c.h)), vmax = Math.max(...comps.map((c) => c.v));
    for (const c of comps) {
      if (hmax % c.h !== 0 || vmax % c.v !== 0) {
        fail(
          `sampling factors ${
            comps.map((x) => `${x.h}x${x.v}`).join(",")
          } need a non-integral upsampling ratio (not supported)`,
        );
      }
    }
    const mcusX = Math.ceil(width / (8 * hmax)), mcusY = Math.ceil(height / (8 * vmax));
    for (const c of comps) {
      c.width = Math.ceil((width * c.h) / hmax);
      c.height = Math.ceil((height * c.v) / vmax);
      c.blocksW = Math.ceil(c.width / 8);
      c.blocksH = Math.ceil(c.height / 8);
      c.paddedW = mcusX * c.h;
      c.paddedH = mcusY * c.v;
    }
    this.frame = { progressive, width, height, components: comps, hmax, vmax, mcusX, mcusY };
  }

  private readHuffman(start: number, end: number): void {
    const b = this.bytes;
    let p = start;
    while (p < end) {
      if (p + 17 > end) fail("DHT segment is truncated");
      const tc = b[p] >> 4, th = b[p] & 15;
      if (tc > 1 || th > 3) fail(`DHT defines table class ${tc} id ${th} (class 0-1, id 0-3)`);
      const counts = b.slice(p + 1, p + 17);
      let total = 0;
      for (let i = 0; i < 16; i++) total += counts[i];
      if (p + 17 + total > end) fail("DHT segment is shorter than its code counts");
      const spec = { counts, symbols: b.slice(p + 17, p + 17 + total) };
      checkSpec(spec, tc === 0);
      (tc === 0 ? this.dc : this.ac)[th] = buildDecodeTable(spec);
      p += 17 + total;
    }
  }

  private readQuant(start: number, end: number): void {
    const b = this.bytes;
    let p = start;
    while (p < end) {
      const pq = b[p] >> 4, tq = b[p] & 15;
      if (pq > 1 || tq > 3) {
        fail(`DQT defines table ${tq} with precision ${pq} (id 0-3, precision 0-1)`);
      }
      const size = pq ? 128 : 64;
      if (p + 1 + size > end) fail("DQT segment is truncated");
      const t = new Uint16Array(64);
      for (let k = 0; k < 64; k++) {
        t[ZIGZAG[k]] = pq ? (b[p + 1 + 2 * k] << 8) | b[p + 2 + 2 * k] : b[p + 1 + k];
      }
      this.quant[tq] = t;
      p += 1 + size;
    }
  }

  private readScan(start: number, end: number): Scan {
    const b = this.bytes, f = this.frame;
    if (!f) fail("scan (SOS) before the frame header (SOF)");
    const n = b[start];
    if (n < 1 || n > 4 || end - start !== 4 + 2 * n) {
      fail(`scan header (SOS) is malformed (${n} components)`);
    }
    const scan: Scan = {
      comps: [],
      dcTables: [],
      acTables: [],
      ss: 0,
      se: 0,
      ah: 0,
      al: 0,
      dataAt: end,
    };
    for (let i = 0; i < n; i++) {
      const id = b[start + 1 + 2 * i], t = b[start + 2 + 2 * i];
      const ci = f.components.findIndex((c) => c.id === id);
      if (ci < 0) fail(`scan names component ${id}, which the frame does not have`);
      if (scan.comps.includes(ci)) fail(`scan names component ${id} twice`);
      if (t >> 4 > 3 || (t & 15) > 3) {
        fail(`scan uses Huffman table ${t >> 4}/${t & 15} (0-3 allowed)`);
      }
      scan.comps.push(ci);
      scan.dcTables.push(t >> 4);
      scan.acTables.push(t & 15);
    }
    const q = start + 1 + 2 * n;
    scan.ss = b[q];
    scan.se = b[q + 1];
    scan.ah = b[q + 2] >> 4;
    scan.al = b[q + 2] & 15;
    if (!f.progressive) {
      scan.ss = 0; // libjpeg reads any sequential scan as a full one
      scan.se = 63;
      scan.ah = scan.al = 0;
    } else {
      const { ss, se, ah, al } = scan;
      const bad = ss === 0 ? se !== 0 : se < ss || se > 63 || n !== 1;
      if (bad || (ah !== 0 && al !== ah - 1) || al > 13) {
        fail(`progressive scan with spectral range ${ss}-${se} and bits ${ah}/${al} is invalid`);
      }
    }
    let blocks = 0;
    for (const ci of scan.comps) blocks += f.components[ci].h * f.components[ci].v;
    if (n > 1 && blocks > 10) fail(`an MCU of ${blocks} blocks is more than 10`);
    for (let i = 0; i < n; i++) {
      if (scan.ss === 0 && scan.ah === 0 && !this.dc[scan.dcTables[i]]) {
        fail(`scan uses DC Huffman table ${scan.dcTables[i]}, which is not defined`);
      }
      if (scan.se > 0 && !this.ac[scan.acTables[i]]) {
        fail(`scan uses AC Huffman table ${scan.acTables[i]}, which is not defined`);
      }
    }
    return scan;
  }
}

const FRAME_KINDS: Record<number, string> = {
  0xc3: "lossless JPEG (SOF3)",
  0xc5: "hierarchical JPEG (SOF5)",
  0xc6: "hierarchical JPEG (SOF6)",
  0xc7: "hierarchical lossless JPEG (SOF7)",
  0xc9: "arithmetic coding (SOF9)",
  0xca: "arithmetic coding (SOF10)",
  0xcb: "arithmetic lossless JPEG (SOF11)",
  0xcd: "arithmetic coding (SOF13)",
  0xce: "arithmetic coding (SOF14)",
  0xcf: "arithmetic coding (SOF15)",
};

function hex(v: number): string {
  return v.toString(16).toUpperCase().padStart(2, "0");
}

function isText(b: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
}
