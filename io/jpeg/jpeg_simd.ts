/**
 * The JPEG codec's WebAssembly kernels and their glue: the decoder's
 * inverse DCT (`idct.wat`) and upsampling + YCbCr → RGB (`color.wat`), the
 * encoder's forward DCT + quantization (`fdct.wat`), RGB → YCbCr +
 * downsampling (`ycc.wat`) and baseline Huffman coding (`entropy_encode.wat`,
 * scalar: measured 86 → 61 ms of a 12 MP encode against the TypeScript
 * coder), and the decoder's Huffman decoding of sequential scans
 * (`entropy_decode.wat`, scalar, glue in `entropy_decode.ts`). Each set runs
 * on one kernel memory that the codec uses as its arena (see `pixels.ts`
 * and `encode.ts`), so rows need no copying between TypeScript and
 * WebAssembly. Huffman decoding of progressive and multi-scan files and
 * progressive Huffman coding stay in TypeScript, reading and writing that
 * memory directly.
 *
 * Byte for byte the TypeScript kernels, which stay the fallback (SIMD off
 * or unsupported) and the reference the tests compare against.
 *
 * @module
 */

import { lazyKernel, type SimdKernel } from "../../engines/simd.ts";
import { grayRow } from "./downsample.ts";
import type { EncodeKernels } from "./encode.ts";
import type { PixelKernels } from "./pixels.ts";
import { WASM_BASE64 as IDCT } from "./idct_wasm.ts";
import { WASM_BASE64 as COLOR } from "./color_wasm.ts";
import { WASM_BASE64 as YCC } from "./ycc_wasm.ts";
import { WASM_BASE64 as FDCT } from "./fdct_wasm.ts";
import { WASM_BASE64 as HUFFMAN } from "./entropy_encode_wasm.ts";
import { WASM_BASE64 as UNHUFFMAN } from "./entropy_decode_wasm.ts";

const decodeKernel = lazyKernel(() => [IDCT, COLOR, UNHUFFMAN]);
const encodeKernel = lazyKernel(() => [YCC, FDCT, HUFFMAN]);

interface DecodeExports {
  idct(coef: number, quant: number, n: number, dst: number, stride: number): void;
  ycc_rgb(y: number, cb: number, cr: number, dst: number, n: number): void;
  h2v1(src: number, dst: number, w: number): void;
  h2v2(cur: number, nbr: number, dst: number, w: number): void;
  h1v2(cur: number, nbr: number, dst: number, w: number, bias: number): void;
  huff_mcus(ctx: number, count: number): number;
}

/** The decoder's kernels on the SIMD memory, or `undefined` when SIMD is off or memory fails. */
export function simdPixelKernels(bytes: number): PixelKernels | undefined {
  const on = memoryOf<DecodeExports>(decodeKernel.get(), bytes);
  if (!on) return undefined;
  const { buffer, e } = on;
  return {
    u8: new Uint8Array(buffer),
    i16: new Int16Array(buffer),
    i32: new Int32Array(buffer),
    idct: e.idct,
    h2v1: e.h2v1,
    h2v2: e.h2v2,
    h1v2: e.h1v2,
    ycc: e.ycc_rgb,
    huffman: e.huff_mcus,
  };
}

interface EncodeExports {
  rgb_ycc(
    src: number,
    ch: number,
    n: number,
    y: number,
    cb: number,
    cr: number,
    padded: number,
  ): void;
  down(top: number, bottom: number, dst: number, w: number): void;
  fdct(src: number, stride: number, n: number, table: number, coef: number, mask: number): void;
  huff_reset(): void;
  huff_blocks(
    list: number,
    n: number,
    tables: number,
    preds: number,
    zz: number,
    out: number,
  ): number;
  huff_flush(out: number): number;
}

/** The encoder's kernels on the SIMD memory, or `undefined` when SIMD is off or memory fails. */
export function simdEncodeKernels(bytes: number): EncodeKernels | undefined {
  const on = memoryOf<EncodeExports>(encodeKernel.get(), bytes);
  if (!on) return undefined;
  const { buffer, e } = on;
  const u8 = new Uint8Array(buffer);
  return {
    u8,
    i16: new Int16Array(buffer),
    u16: new Uint16Array(buffer),
    u32: new Uint32Array(buffer),
    ycc: (src, ch, n, y, cb, cr, padded) => e.rgb_ycc(src, ch, n, y, cb, cr, padded),
    gray: (src, ch, n, y, padded) => grayRow(u8, src, ch, n, u8, y, padded),
    down: e.down,
    fdct: e.fdct,
    huffman: { reset: e.huff_reset, blocks: e.huff_blocks, flush: e.huff_flush },
  };
}

/** The most kernel memory a call may use (beyond it: the TypeScript path). */
const MAX_BYTES = 2 ** 30;

/** A kernel's exports and its memory grown to `bytes`, or `undefined` (no SIMD, too large, out of memory). */
function memoryOf<E>(
  kernel: SimdKernel | undefined,
  bytes: number,
): { buffer: ArrayBuffer; e: E } | undefined {
  if (!kernel || bytes > MAX_BYTES) return undefined;
  try {
    return { buffer: kernel.reserve(bytes), e: kernel.exports as unknown as E };
  } catch {
    return undefined;
  }
}
