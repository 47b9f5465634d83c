/**
 * The JPEG decoder: markers, scans, reconstruction.
 *
 * A sequential file whose first scan holds every component (the usual
 * baseline JPEG) is decoded streaming: each MCU row is Huffman-decoded
 * into a staging row, inverse-transformed and converted right away, so
 * decoding needs the image plus a few rows. Progressive files, and
 * sequential files with one scan per component, need every coefficient
 * before any pixel: they are decoded into whole-image coefficient planes
 * (int16, 64 per block: 2 bytes per sample of the MCU-padded component
 * planes, e.g. 3 bytes per pixel for 4:2:0 colour) and reconstructed after
 * the last scan.
 *
 * Before allocating anything the size of the image is checked twice:
 * against `maxPixels` (`IMAGE_TOO_LARGE`), and against the data. Every
 * block of a sequential scan costs at least 2 bits (a DC code and an AC
 * code, each at least one bit long), and every block of a progressive
 * image at least 1 bit (the DC code of its first DC scan), so the bytes
 * after the first scan header must hold `blocks / 4` (sequential) or
 * `blocks / 8` (progressive) bytes, where `blocks` counts the blocks of
 * each component as a one-component scan codes them. A header claiming
 * more is `DECODE_FAILED` — a few kB cannot make us allocate gigabytes.
 *
 * @module
 */

import { FilterError } from "../../core/errors.ts";
import { checkImageBytes, checkImageSize, Image } from "../../core/image.ts";
import { EntropyDecoder, planScan } from "./entropy.ts";
import { entropyAreaBytes, WasmEntropyDecoder } from "./entropy_decode.ts";
import { type Component, fail, type Frame, JpegState, type Scan } from "./markers.ts";
import { type KernelFactory, Reconstructor } from "./pixels.ts";

/** What the headers of a JPEG say. */
export interface JpegInfo {
  /** Width as stored (orientations 5–8 swap width and height in the decoded image). */
  width: number;
  /** Height as stored. */
  height: number;
  /** 1 for a one-component (gray) file, 3 for colour (YCbCr, RGB, CMYK and YCCK decode to RGB). */
  channels: 1 | 3;
  /** EXIF orientation 1–8 (1 when absent). */
  orientation: number;
  /** Whether the frame is progressive (SOF2). */
  progressive: boolean;
}

/** Reads the headers up to the first scan. */
function readHeaders(bytes: Uint8Array): { state: JpegState; frame: Frame; scan: Scan } {
  if (!(bytes instanceof Uint8Array)) fail("the data must be a Uint8Array");
  const state = new JpegState(bytes);
  const scan = state.nextScan();
  const frame = state.frame;
  if (!frame) fail("no frame header (SOF) before the end of the image");
  if (!scan) fail("no scan (SOS): the file has no image data");
  return { state, frame, scan };
}

/** The header facts of a JPEG (reads up to its first scan header). */
export function readJpegInfo(bytes: Uint8Array): JpegInfo {
  const { state, frame } = readHeaders(bytes);
  return {
    width: frame.width,
    height: frame.height,
    channels: frame.components.length === 1 ? 1 : 3,
    orientation: state.orientation,
    progressive: frame.progressive,
  };
}

function quantFor(state: JpegState, c: Component): Uint16Array {
  const q = state.quant[c.tq];
  if (!q) fail(`component ${c.id} uses quantization table ${c.tq}, which is not defined`);
  return q.slice();
}

/** Decodes with the given kernels; see `decodeJpeg` in mod.ts for the contract. */
export function decodeWith(
  bytes: Uint8Array,
  maxPixels: number,
  keepOrientation: boolean,
  kernels: KernelFactory,
  maxBytes?: number,
): Image {
  const { state, frame, scan } = readHeaders(bytes);
  const channels = frame.components.length === 1 ? 1 : 3;
  const orientation = keepOrientation ? 1 : state.orientation;
  const swap = orientation >= 5;
  const width = swap ? frame.height : frame.width, height = swap ? frame.width : frame.height;
  checkImageSize(width, height, channels, maxPixels);
  let blocks = 0;
  for (const c of frame.components) blocks += c.blocksW * c.blocksH;
  const bitsPerBlock = frame.progressive ? 1 : 2;
  const available = bytes.length - scan.dataAt;
  if (blocks * bitsPerBlock > available * 8) {
    fail(
      `the frame header declares ${frame.width}x${frame.height} (${blocks} blocks), more than the ${available} bytes of scan data can hold (at least ${bitsPerBlock} bit${
        bitsPerBlock > 1 ? "s" : ""
      } per block): the file is truncated or corrupt`,
    );
  }
  // The memory budget, after the checks that the file can hold the image (those are DECODE_FAILED).
  checkImageBytes(width, height, channels, 1, maxBytes);
  const out = new Uint8Array(width * height * channels);
  const color = state.codedColor();
  const streaming = !frame.progressive && scan.comps.length === frame.components.length;
  if (streaming) {
    const quant = frame.components.map((c) => quantFor(state, c));
    // With the WebAssembly kernels, Huffman decoding is WebAssembly too, in `extra` bytes of their memory.
    const plan = planScan(frame, scan, state.dc, state.ac);
    const extra = entropyAreaBytes(plan, bytes.length - scan.dataAt);
    const recon = new Reconstructor(frame, color, quant, out, orientation, kernels, extra);
    const { coef, bases, length } = recon.coefficientRows();
    const scanBases = new Int32Array(scan.comps.map((ci) => bases[ci]));
    const area = recon.extraArea(), k = area.kernels;
    const dec = k.huffman
      ? new WasmEntropyDecoder(
        k.huffman,
        k,
        area.at,
        bytes,
        scan.dataAt,
        state.restartInterval,
        plan,
        scanBases,
        new Int32Array(scan.comps.map((ci) => length[ci])),
      )
      : new EntropyDecoder(bytes, scan.dataAt, state.restartInterval);
    for (let m = 0; m < plan.rows; m++) {
      recon.clearCoefficients();
      dec.decodeRow(plan, coef, scanBases);
      recon.pushRow();
    }
    dec.finish();
    recon.finish();
  } else {
    decodeBuffered(state, frame, scan, color, out, orientation, kernels);
  }
  return new Image(width, height, channels, out);
}

/** Progressive or multi-scan sequential: every scan into coefficient planes, then pixels. */
function decodeBuffered(
  state: JpegState,
  frame: Frame,
  first: Scan,
  color: ReturnType<JpegState["codedColor"]>,
  out: Uint8Array,
  orientation: number,
  kernels: KernelFactory,
): void {
  const comps = frame.components;
  const rowLen = comps.map((c) => c.v * c.paddedW * 64); // int16 per MCU row
  const planeAt: number[] = [];
  let total = 0;
  for (let i = 0; i < comps.length; i++) {
    planeAt.push(total);
    total += rowLen[i] * frame.mcusY;
  }
  const coef = new Int16Array(total);
  const quant: (Uint16Array | undefined)[] = comps.map(() => undefined);
  // Per component and coefficient: the Al of the last scan that coded it, −1 before any.
  const status = comps.map(() => new Int8Array(64).fill(-1));
  let scan: Scan | undefined = first;
  while (scan) {
    const { ss, se, ah, al } = scan;
    for (const ci of scan.comps) {
      quant[ci] ??= quantFor(state, comps[ci]);
      const st = status[ci];
      for (let k = ss; k <= se; k++) {
        if (st[k] !== (ah === 0 ? -1 : ah)) {
          fail(
            `scan of component ${
              comps[ci].id
            } (coefficients ${ss}-${se}, bits ${ah}/${al}) does not follow the scans before it`,
          );
        }
        st[k] = al;
      }
    }
    const plan = planScan(frame, scan, state.dc, state.ac);
    const dec = new EntropyDecoder(state.bytes, scan.dataAt, state.restartInterval);
    const bases = new Int32Array(scan.comps.length);
    for (let r = 0; r < plan.rows; r++) {
      for (let i = 0; i < scan.comps.length; i++) {
        const ci = scan.comps[i], c = comps[ci];
        const blockRows = scan.comps.length === 1 ? r : r * c.v;
        bases[i] = planeAt[ci] + blockRows * c.paddedW * 64;
      }
      dec.decodeRow(plan, coef, bases);
    }
    state.pos = dec.finish();
    if (state.pos >= state.bytes.length) break; // no EOI: whatever is complete still decodes
    scan = state.nextScan();
  }
  for (let i = 0; i < comps.length; i++) {
    if (status[i].some((s) => s !== 0)) {
      fail(
        `the scans end before every coefficient of component ${
          comps[i].id
        } is complete (truncated file)`,
      );
    }
  }
  const recon = new Reconstructor(frame, color, quant as Uint16Array[], out, orientation, kernels);
  const planes = comps.map((_, i) =>
    coef.subarray(planeAt[i], planeAt[i] + rowLen[i] * frame.mcusY)
  );
  for (let m = 0; m < frame.mcusY; m++) {
    recon.stageFrom(planes, m);
    recon.pushRow();
  }
  recon.finish();
}

/** Runs `fn`, turning anything but a FilterError into a one-line `DECODE_FAILED`. */
export function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FilterError) throw e;
    const why = String((e as Error)?.message ?? e).split("\n")[0];
    throw new FilterError("DECODE_FAILED", `JPEG: cannot decode (${why})`, { cause: e });
  }
}
