// Shared by tests/io_{tiff,bmp,netpbm,npy}_test.ts: the fixtures of
// tests/fixtures/formats/ (made by make_formats.py and write_imfilter.ts)
// and exact comparisons against their references.

import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeImage, decodeNpy, encodeImage, FilterError, type Image } from "../mod.ts";
import { ownCases } from "./fixtures/formats/write_imfilter.ts";

export const FORMATS = new URL("./fixtures/formats/", import.meta.url).pathname;

/** One fixture's manifest entry. */
export interface Entry {
  width: number;
  height: number;
  channels: number;
  dtype: string;
  reference: string;
  via: string;
  page?: number;
  file?: string;
}

function manifest(dir: string): Record<string, Entry> {
  return JSON.parse(Deno.readTextFileSync(join(dir, "manifest.json")));
}

/** Asserts a FilterError with `code` and a one-line message; returns it. */
export async function rejects(
  p: Promise<unknown> | (() => unknown),
  code: string,
): Promise<FilterError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    assert.ok(e instanceof FilterError, `expected FilterError ${code}, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.ok(!/[\r\n]/.test(e.message), `message is one line: ${e.message}`);
    return e;
  }
  assert.fail(`expected FilterError ${code}, nothing was thrown`);
}

/** Asserts two images are equal sample for sample (floats bit for bit, NaN equal to NaN). */
export function assertSameImage(got: Image, want: Image, what: string): void {
  assert.deepEqual(
    [got.width, got.height, got.channels, got.dtype],
    [want.width, want.height, want.channels, want.dtype],
    what,
  );
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i], b = want.data[i];
    if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b))) {
      assert.fail(`${what}: sample ${i} is ${a}, the reference has ${b}`);
    }
  }
}

/**
 * Decodes every fixture whose name matches and compares it with its
 * reference; returns the names checked.
 */
export async function checkFixtures(match: RegExp): Promise<string[]> {
  const checked: string[] = [];
  for (const [name, e] of Object.entries(manifest(FORMATS))) {
    if (!match.test(e.file ?? name)) continue;
    const bytes = await Deno.readFile(join(FORMATS, e.file ?? name));
    const img = await decodeImage(bytes, { page: e.page });
    assertSameImage(img, decodeNpy(await Deno.readFile(join(FORMATS, e.reference))), name);
    checked.push(name);
  }
  return checked;
}

/** Every malformed fixture whose name matches: `DECODE_FAILED`, one line. Returns the names. */
export async function checkBad(match: RegExp): Promise<string[]> {
  const expected: Record<string, { code: string }> = JSON.parse(
    await Deno.readTextFile(join(FORMATS, "bad", "expected.json")),
  );
  const names = Object.keys(expected).filter((n) => match.test(n));
  for (const name of names) {
    await rejects(
      decodeImage(await Deno.readFile(join(FORMATS, "bad", name))),
      expected[name].code,
    );
  }
  return names;
}

/**
 * The files imfilter wrote (write_imfilter.ts) whose names match: today's
 * encoder still writes the same pixels, and the other reader (tifffile or
 * Pillow) read exactly the image imfilter was given. `sameBytes` names the
 * files whose bytes must be identical too (those not through the runtime's
 * Deflate). Returns the names checked.
 */
export async function checkOwn(match: RegExp, sameBytes: RegExp): Promise<string[]> {
  const dir = join(FORMATS, "imfilter");
  const refs = manifest(dir);
  const checked: string[] = [];
  for (const [name, c] of Object.entries(ownCases())) {
    if (!match.test(name)) continue;
    const committed = await Deno.readFile(join(dir, name));
    const now = await encodeImage(c.image, c.format, c.options);
    if (sameBytes.test(name)) assert.deepEqual(now, committed, `${name}: encoder output changed`);
    assertSameImage(await decodeImage(committed), c.image, `${name} read back by imfilter`);
    const e = refs[name];
    if (e) {
      const ref = decodeNpy(await Deno.readFile(join(dir, e.reference)));
      assertSameImage(ref, c.image, `${name} as ${e.via} read it`);
    }
    checked.push(name);
  }
  return checked;
}

/** A version-1.0 .npy file as NumPy lays it out (header padded to 64 bytes). */
export function npyBytes(
  descr: string,
  shape: string,
  data: Uint8Array,
  fortran = false,
): Uint8Array {
  let text = `{'descr': '${descr}', 'fortran_order': ${
    fortran ? "True" : "False"
  }, 'shape': ${shape}, }`;
  text += " ".repeat((64 - ((10 + text.length + 1) % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length & 255, text.length >> 8]);
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  out.set(data, 10 + text.length);
  return out;
}

/** The sample cap the fuzz tests decode with. */
export const FUZZ_MAX_PIXELS = 1 << 22;

/**
 * Decodes (with `decode`, default `decodeImage`) and checks the outcome: a
 * well-formed image or a one-line `DECODE_FAILED` / `IMAGE_TOO_LARGE`, in
 * under 2 s. Returns "image" or the error code.
 */
export async function decodeSafely(
  bytes: Uint8Array,
  decode: (b: Uint8Array) => Image | Promise<Image> = (b) =>
    decodeImage(b, { maxPixels: FUZZ_MAX_PIXELS }),
): Promise<string> {
  const t = performance.now();
  try {
    const img = await decode(bytes);
    assert.ok(img.width >= 1 && img.height >= 1 && img.channels >= 1 && img.channels <= 4);
    assert.equal(img.data.length, img.width * img.height * img.channels);
    return "image";
  } catch (e) {
    if (!(e instanceof FilterError)) throw new Error(`non-FilterError escaped: ${e}`, { cause: e });
    assert.ok(
      e.code === "DECODE_FAILED" || e.code === "IMAGE_TOO_LARGE",
      `unexpected code ${e.code}: ${e.message}`,
    );
    assert.ok(!/[\r\n]/.test(e.message), e.message);
    return e.code;
  } finally {
    assert.ok(performance.now() - t < 2000, `decoding took ${performance.now() - t} ms`);
  }
}

/** Runs `f`, returning its result with the time taken and the growth of memory (bytes). */
export async function measured<T>(
  f: () => Promise<T>,
): Promise<{ result: T | Error; ms: number; bytes: number }> {
  const before = Deno.memoryUsage();
  const t = performance.now();
  let result: T | Error;
  try {
    result = await f();
  } catch (e) {
    result = e as Error;
  }
  const ms = performance.now() - t;
  const after = Deno.memoryUsage();
  const bytes = Math.max(
    after.rss - before.rss,
    after.external - before.external,
    after.heapUsed - before.heapUsed,
  );
  return { result, ms, bytes };
}
