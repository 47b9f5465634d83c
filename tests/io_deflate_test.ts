// imfilter's zlib compressor (io/deflate.ts): the exact zlib framing
// (header, Adler-32), round trips through the runtime's own inflater
// (DecompressionStream) on empty, tiny, run-heavy, incompressible and
// multi-block inputs, the same bytes for any split of the input, and
// length-limited Huffman codes.

import assert from "node:assert/strict";
import { adler32, BLOCK_INPUT, BLOCK_SYMBOLS, huffmanLengths, zlibDeflate } from "../io/deflate.ts";
import { deflate } from "../io/zlib.ts";

/** Inflates zlib data with the runtime's DecompressionStream (an independent inflater). */
async function inflate(z: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([z as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** xorshift32 bytes. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s >>> 24;
  }
  return out;
}

async function roundTrip(data: Uint8Array, what: string): Promise<Uint8Array> {
  const z = zlibDeflate(data);
  const back = await inflate(z);
  assert.equal(back.length, data.length, `${what}: length`);
  assert.ok(back.every((v, i) => v === data[i]), `${what}: bytes`);
  return z;
}

function adlerTrailer(z: Uint8Array): number {
  return new DataView(z.buffer, z.byteOffset + z.length - 4, 4).getUint32(0);
}

Deno.test("deflate: the zlib header is 78 01 (deflate, 32 KiB window, level 1) and checks", async () => {
  for (
    const data of [new Uint8Array(0), new TextEncoder().encode("imfilter"), randomBytes(999, 3)]
  ) {
    const z = zlibDeflate(data);
    assert.deepEqual([z[0], z[1]], [0x78, 0x01]);
    assert.equal(((z[0] << 8) | z[1]) % 31, 0, "FCHECK");
    assert.equal(adlerTrailer(z), adler32(data), "Adler-32 trailer");
    await roundTrip(data, "header");
  }
});

Deno.test("deflate: empty input is the shortest zlib stream (one fixed block with only end-of-block)", async () => {
  const z = zlibDeflate(new Uint8Array(0));
  assert.deepEqual([...z], [0x78, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
  assert.equal((await inflate(z)).length, 0);
  assert.deepEqual(
    [...(await deflate(new Uint8Array(0)))],
    [...z],
    "zlib.ts deflate() is this one",
  );
});

Deno.test("deflate: Adler-32 matches RFC 1950 values, across the 5552-byte reduction", () => {
  const text = (s: string) => new TextEncoder().encode(s);
  assert.equal(adler32(new Uint8Array(0)), 1);
  assert.equal(adler32(text("Wikipedia")), 0x11e60398);
  assert.equal(adler32(text("abc")), 0x024d0127);
  // Reference: the definition, one byte at a time.
  for (const n of [15, 16, 17, 5551, 5552, 5553, 100_000, BLOCK_INPUT + 77]) {
    const data = randomBytes(n, n);
    data.fill(255, 0, Math.min(n, 6000)); // large bytes stress the deferred reduction
    let a = 1, b = 0;
    for (const v of data) {
      a = (a + v) % 65521;
      b = (b + a) % 65521;
    }
    assert.equal(adler32(data), ((b << 16) | a) >>> 0, `n = ${n}`);
  }
});

Deno.test("deflate: tiny inputs and every single byte value round-trip", async () => {
  for (let v = 0; v < 256; v += 15) await roundTrip(new Uint8Array([v]), `byte ${v}`);
  await roundTrip(new Uint8Array([1, 1]), "pair");
  await roundTrip(new Uint8Array([1, 1, 1]), "three");
  await roundTrip(new Uint8Array([0, 0, 0, 0]), "four zeros");
  const all = new Uint8Array(512);
  for (let i = 0; i < 512; i++) all[i] = i & 255;
  await roundTrip(all, "all bytes");
});

Deno.test("deflate: runs longer than 258 become chains of distance-1 matches", async () => {
  const zeros = new Uint8Array(1 << 20);
  const z = await roundTrip(zeros, "1 MiB of zeros");
  assert.ok(z.length < 1200, `1 MiB of zeros -> ${z.length} bytes`);
  // Runs of every length from 1 to 600, each of a new value, some at block edges.
  const parts: number[] = [];
  for (let len = 1, v = 0; len <= 600; len++, v = (v + 37) & 255) {
    for (let i = 0; i < len; i++) parts.push(v);
  }
  const runs = new Uint8Array(parts);
  const zr = await roundTrip(runs, "runs 1..600");
  assert.ok(zr.length < runs.length / 20, `${runs.length} bytes of runs -> ${zr.length}`);
});

Deno.test("deflate: incompressible data goes into stored blocks (5 bytes per block), multi-block", async () => {
  for (const n of [100, 65535, 65536, 200_000, 3 * BLOCK_INPUT + 12345]) {
    const data = randomBytes(n, 7 + n);
    const z = await roundTrip(data, `random ${n}`);
    // One stored block per block of symbols (a byte each here), at most 65535 bytes long.
    const blocks = Math.max(1, Math.ceil(n / Math.min(BLOCK_SYMBOLS, 65535)));
    assert.ok(z.length <= n + 5 * blocks + 6, `random ${n}: ${z.length} bytes`);
    if (n < 65535) continue;
    // All stored: walk the byte-aligned block headers; only the last is final.
    let p = 2, seen = 0, final = 0;
    while (p < z.length - 4) {
      final = z[p] & 1;
      if (z[p] & 6) {
        // A last byte or two after a full stored block are cheaper as a fixed block.
        assert.ok(final && z.length - 4 - p <= 4, `block ${seen} is stored, or a short last one`);
        p = z.length - 4;
        seen++;
        break;
      }
      const len = z[p + 1] | (z[p + 2] << 8);
      assert.equal(len ^ (z[p + 3] | (z[p + 4] << 8)), 0xffff, "NLEN");
      p += 5 + len;
      seen++;
      if (final) break;
    }
    assert.equal(p, z.length - 4, "the blocks end at the Adler-32");
    assert.equal(final, 1);
    assert.ok(seen >= blocks, `${seen} blocks`);
  }
});

Deno.test("deflate: mixed multi-block input (text, runs, noise, a ramp) round-trips and compresses", async () => {
  const n = 5 * BLOCK_INPUT;
  const data = new Uint8Array(n);
  const text = new TextEncoder().encode("the quick brown fox jumps over the lazy dog. ");
  for (let i = 0; i < n; i++) {
    const zone = Math.floor(i / 700_000) % 4;
    data[i] = zone === 0
      ? text[i % text.length]
      : zone === 1
      ? (i >> 9) & 255
      : zone === 2
      ? (i * 2654435761) >>> 27
      : (i & 1023) >> 2;
  }
  const z = await roundTrip(data, "mixed");
  // Run-length matching only: the text and the 5-bit noise are Huffman-coded literals.
  assert.ok(z.length < n / 2, `${n} -> ${z.length}`);
  assert.equal(adlerTrailer(z), adler32(data));
});

Deno.test("deflate: the same bytes for any split of the input, and on every call", async () => {
  const data = new Uint8Array(3 * BLOCK_INPUT);
  const noise = randomBytes(data.length, 11);
  for (let i = 0; i < data.length; i++) data[i] = (i >> 12) % 3 === 0 ? 0 : noise[i] & 7;
  const whole = zlibDeflate(data);
  assert.deepEqual(zlibDeflate(data), whole, "deterministic");
  for (const sizes of [[1, 257, 258, 259, 4096], [BLOCK_INPUT - 1, 3], [65536]]) {
    const split = zlibDeflate((push) => {
      for (let at = 0, k = 0; at < data.length; k++) {
        const n = Math.min(sizes[k % sizes.length], data.length - at);
        push(data.subarray(at, at + n));
        at += n;
      }
    });
    assert.ok(split.length === whole.length && split.every((v, i) => v === whole[i]), `${sizes}`);
  }
  // Nested use (a push callback that deflates) gets its own kernel.
  const outer = zlibDeflate((push) => {
    push(zlibDeflate(data.subarray(0, 1000)));
    push(data.subarray(0, 1000));
  });
  await inflate(outer);
});

Deno.test("deflate: Huffman code lengths are limited and complete (Kraft sum 1)", () => {
  // Fibonacci counts make an unlimited Huffman code as deep as the alphabet.
  const fib = [1, 1];
  while (fib.length < 40) fib.push(fib[fib.length - 1] + fib[fib.length - 2]);
  for (
    const [freq, max] of [[fib, 15], [fib.slice(0, 19), 7], [[5, 0], 15], [[0, 0, 3], 15]] as const
  ) {
    const lengths = huffmanLengths(freq, max);
    let kraft = 0;
    freq.forEach((f, s) => {
      if (f > 0) assert.ok(lengths[s] >= 1 && lengths[s] <= max, `symbol ${s}: ${lengths[s]}`);
      if (lengths[s]) kraft += 2 ** -lengths[s];
    });
    assert.equal(kraft, 1, `${freq.length} symbols, max ${max}`);
  }
});

Deno.test("deflate: 512 MiB streamed in parts takes bounded extra memory and inflates back", async () => {
  const part = new Uint8Array(1 << 20);
  const noise = randomBytes(4096, 99);
  const parts = 512;
  const before = Deno.memoryUsage().rss;
  let peak = before;
  const z = zlibDeflate((push) => {
    for (let k = 0; k < parts; k++) {
      part.fill(k & 255); // a 1 MiB run per part...
      part.set(noise, (k * 4099) % (part.length - noise.length)); // ...with 4 KiB of noise in it
      push(part);
      if ((k & 63) === 0) peak = Math.max(peak, Deno.memoryUsage().rss);
    }
  });
  const grown = (peak - before) / 2 ** 20;
  assert.ok(grown < 64, `RSS grew ${grown.toFixed(0)} MiB while deflating 512 MiB`);
  assert.ok(z.length < parts * 6000, `${z.length} bytes`);
  // Inflate as a stream, counting: the inflater checks the Adler-32 of what it produced
  // against the trailer, which is the input's (whose Adler-32 is checked above), so a
  // wrong byte fails the stream.
  const reader = new Blob([z as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("deflate")).getReader();
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    at += value.length;
  }
  assert.equal(at, parts * part.length);
});
