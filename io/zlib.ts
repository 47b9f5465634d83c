/**
 * zlib (RFC 1950) inflate through the web-standard `DecompressionStream`
 * ("deflate" is the zlib format), which Deno, Node, Bun and browsers all
 * implement natively, and deflate through imfilter's own compressor
 * (deflate.ts) — so the codecs need no `node:zlib` and no compression
 * package.
 *
 * Inflating is bounded: the caller says how many bytes it expects, and the
 * stream is cancelled the moment more arrive, so a small file that claims
 * to hold a huge image (a "zip bomb") costs at most the expected size.
 *
 * @module
 */

import { zlibDeflate } from "./deflate.ts";

/** Why an inflate failed: the data is corrupt, or holds more than expected. */
export class InflateError extends Error {
  /** `"corrupt"` (not zlib data, or a damaged stream) or `"overflow"` (more than expected). */
  readonly kind: "corrupt" | "overflow";
  /** Creates the error. */
  constructor(kind: "corrupt" | "overflow", message: string) {
    super(message);
    this.kind = kind;
  }
}

/**
 * Inflates zlib `data` into `target`; returns the bytes written (fewer than
 * `target.length` when the data is short: the caller decides whether that
 * is truncation). Throws {@linkcode InflateError} `overflow` as soon as the
 * data would produce more than `target.length` bytes, `corrupt` when the
 * stream is damaged.
 */
export async function inflateInto(data: Uint8Array, target: Uint8Array): Promise<number> {
  let got = 0;
  return await inflateStream([data], target.length, (chunk) => {
    target.set(chunk, got);
    got += chunk.length;
  });
}

/**
 * Compressed bytes handed to the inflater at a time by {@linkcode inflateStream}
 * for an output of `limit` bytes: 8 KiB, up to 16 KiB for outputs over 8 MiB,
 * so one slice expands (at most 1032:1) to no more than about 16 MiB. The
 * larger slices halve the stream round trips of a 12 MP PNG (2,500 at 8 KiB);
 * 32 KiB would save a little more time but let the 30000² PNG bomb's peak
 * grow by 190 MB (chunks the collector has not yet freed).
 */
function inflateSlice(limit: number): number {
  return Math.max(8192, Math.min(1 << 14, Math.floor(limit / 1032)));
}

/**
 * Inflates zlib data given in parts (e.g. a PNG's IDAT chunks, not joined
 * first), handing each piece of output to `sink` as it arrives, so only the
 * stream's own window and one piece (at most about 16 MiB) are held at a
 * time; returns the bytes produced. Throws {@linkcode InflateError}
 * `overflow` as soon as the data would produce more than `limit` bytes,
 * `corrupt` when the stream is damaged; an error `sink` throws stops the
 * stream and propagates.
 */
export async function inflateStream(
  parts: readonly Uint8Array[],
  limit: number,
  sink: (chunk: Uint8Array) => void,
): Promise<number> {
  // Fed in small slices: a runtime may inflate each input chunk into one output
  // chunk (Deno does), so a whole 1 MB part of zeros would come back as 1 GB.
  // Deflate expands at most 1032:1, so a slice yields at most ~16 MiB.
  const slice = inflateSlice(limit);
  let next = 0, at = 0;
  const input = new ReadableStream<BufferSource>({
    pull(controller) {
      while (next < parts.length && at >= parts[next].length) {
        next++;
        at = 0;
      }
      if (next === parts.length) return controller.close();
      const part = parts[next];
      controller.enqueue(part.subarray(at, at + slice) as Uint8Array<ArrayBuffer>);
      at += slice;
    },
  });
  const reader = input.pipeThrough(new DecompressionStream("deflate")).getReader();
  let got = 0;
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        throw new InflateError("corrupt", String((e as Error)?.message ?? e).split("\n")[0]);
      }
      if (step.done) return got;
      const chunk = step.value;
      if (got + chunk.length > limit) {
        throw new InflateError("overflow", `more than the ${limit} bytes expected`);
      }
      got += chunk.length;
      sink(chunk);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** The parts joined into one array (the part itself when there is one). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Deflates `data` to the zlib format with imfilter's own compressor
 * ({@linkcode zlibDeflate}: run-length matching as zlib's `Z_RLE`, dynamic
 * Huffman blocks; the same bytes in every runtime).
 */
export function deflate(data: Uint8Array): Promise<Uint8Array> {
  return Promise.resolve(zlibDeflate(data));
}
