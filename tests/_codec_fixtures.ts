// Shared by tests/io_webp_test.ts and tests/io_avif_test.ts: the fixtures made
// by tests/fixtures/io/make_webp_avif.py (cwebp/dwebp, avifenc/avifdec, and
// imfilter's own encoders), read and checked the same way for both formats.

import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { decodeImage, decodeNpy, encodeImage, FilterError, readImage } from "../mod.ts";

/** One manifest entry: a valid file with its reference decode, or a malformed one with its error. */
export interface FixtureEntry {
  width?: number;
  height?: number;
  channels?: number;
  dtype?: string;
  reference?: string;
  made?: string;
  /** Files written by imfilter: the input, the options, the bytes' hash, who decoded them. */
  encodedFrom?: string;
  options?: { quality?: number; lossless?: boolean };
  sha256?: string;
  checkedBy?: string;
  depth?: number;
  constant?: number[];
  error?: string;
  why?: string;
}

/** The folder of a format's fixtures and its manifest. */
export function fixtures(
  format: "webp" | "avif",
): { dir: string; manifest: Record<string, FixtureEntry> } {
  const dir = join(new URL("./fixtures/io/", import.meta.url).pathname, format);
  return { dir, manifest: JSON.parse(Deno.readTextFileSync(join(dir, "manifest.json"))) };
}

// One-line-error and same-samples assertions, shared with the other format tests.
import { assertSameImage as assertSame, rejects } from "./_formats.ts";
export { assertSame, rejects };

async function sha256(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Every valid file made by the reference encoder decodes to the reference
 * decoder's pixels exactly; returns the names checked.
 */
export async function checkReferenceFiles(format: "webp" | "avif"): Promise<string[]> {
  const { dir, manifest } = fixtures(format);
  const names: string[] = [];
  for (const [name, want] of Object.entries(manifest)) {
    if (!want.reference || want.encodedFrom) continue;
    const img = await readImage(join(dir, name));
    const ref = decodeNpy(Deno.readFileSync(join(dir, want.reference)));
    assert.deepEqual([img.width, img.height, img.channels, img.dtype], [
      want.width,
      want.height,
      want.channels,
      want.dtype,
    ], name);
    assertSame(img, ref, name);
    names.push(name);
  }
  return names;
}

/**
 * Every file imfilter wrote at fixture time is what the encoder writes now
 * (same SHA-256, so the reference decoder's verdict holds for these bytes),
 * and it decodes to the reference decoder's pixels; returns the names checked.
 */
export async function checkOwnFiles(format: "webp" | "avif"): Promise<string[]> {
  const { dir, manifest } = fixtures(format);
  const names: string[] = [];
  for (const [name, want] of Object.entries(manifest)) {
    if (!want.encodedFrom) continue;
    const input = decodeNpy(Deno.readFileSync(join(dir, want.encodedFrom)));
    const bytes = await encodeImage(input, format, want.options);
    assert.equal(await sha256(bytes), want.sha256, `${name}: our encoder's output changed`);
    const img = await decodeImage(bytes);
    assertSame(
      img,
      decodeNpy(Deno.readFileSync(join(dir, want.reference!))),
      `${name} (${want.checkedBy})`,
    );
    if (want.options?.lossless) {
      const same = input.channels === img.channels ? input : undefined;
      if (same) assertSame(img, same, `${name}: lossless`);
    }
    names.push(name);
  }
  return names;
}

/** Every malformed file fails with its listed code and a one-line message naming the file. */
export async function checkBadFiles(format: "webp" | "avif"): Promise<string[]> {
  const { dir, manifest } = fixtures(format);
  const names: string[] = [];
  for (const [name, want] of Object.entries(manifest)) {
    if (!want.error) continue;
    const path = join(dir, name);
    const e = await rejects(readImage(path), want.error);
    if (want.error === "DECODE_FAILED") {
      assert.ok(e.message.includes(name), `${name}: ${e.message}`);
    }
    if (want.error === "IMAGE_TOO_LARGE") assert.match(e.message, /--max-(pixels|bytes)/);
    await rejects(decodeImage(Deno.readFileSync(path)), want.error);
    names.push(name);
  }
  return names;
}

const RUNS = Number(Deno.env.get("IMFILTER_FUZZ_RUNS") ?? 400);
const SEED = Number(Deno.env.get("IMFILTER_FUZZ_SEED") ?? 20261207);

/**
 * Fuzz (fast-check, fixed seed): the seed files with up to 8 bytes changed
 * past the first `keep` (the magic number and first header) and sometimes
 * cut, must decode to a well-formed image or fail with a one-line
 * `DECODE_FAILED` / `IMAGE_TOO_LARGE`; both outcomes must occur.
 */
export async function fuzzDecoder(seeds: Uint8Array[], keep: number): Promise<void> {
  const outcomes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: seeds.length - 1 }),
      fc.array(fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }) }), { maxLength: 8 }),
      fc.option(fc.nat(), { nil: undefined }),
      async (s, edits, cut) => {
        let bytes = seeds[s].slice();
        for (const { at, value } of edits) bytes[keep + (at % (bytes.length - keep))] = value;
        if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
        let what = "image";
        try {
          const img = await decodeImage(bytes, { maxPixels: 1 << 22 });
          assert.equal(img.data.length, img.width * img.height * img.channels);
        } catch (e) {
          if (!(e instanceof FilterError)) throw new Error(`non-FilterError escaped: ${e}`);
          assert.ok(["DECODE_FAILED", "IMAGE_TOO_LARGE"].includes(e.code), e.message);
          assert.ok(!/[\r\n]/.test(e.message), e.message);
          what = e.code;
        }
        outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
      },
    ),
    { numRuns: RUNS, seed: SEED },
  );
  assert.ok((outcomes.get("image") ?? 0) > 0, `outcomes ${[...outcomes]}`);
  assert.ok((outcomes.get("DECODE_FAILED") ?? 0) > 0, `outcomes ${[...outcomes]}`);
}
