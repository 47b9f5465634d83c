/**
 * The image I/O flags every command that reads or writes images takes
 * (`--quality`, `--subsampling`, `--progressive`, `--lossless`,
 * `--compression`, `--format`, `--keep-orientation`, `--page`, `--frame`,
 * `--strip-metadata`), validated with the library's own option specs so the
 * messages are the library's, and `-` for standard input and output.
 *
 * @module
 */

import {
  coerceParam,
  type DecodeOptions,
  DEFAULT_MAX_PIXELS,
  type EncodeOptions,
  FilterError,
  type ImageFormat,
  type IoOptionName,
  ioOptionSpecs,
} from "../mod.ts";

/** The `node:util` parseArgs specs of the I/O flags (part of the global flags). */
export const IO_OPTIONS = {
  quality: { type: "string" },
  subsampling: { type: "string" },
  progressive: { type: "boolean" },
  lossless: { type: "boolean" },
  compression: { type: "string" },
  format: { type: "string" },
  "keep-orientation": { type: "boolean" },
  page: { type: "string" },
  frame: { type: "string" },
  "strip-metadata": { type: "boolean" },
} as const;

/** The I/O flags, validated. */
export interface IoFlags {
  /** Decoding options (`--page`, `--frame`, `--keep-orientation`). */
  decode: Pick<DecodeOptions, "page" | "frame" | "keepOrientation">;
  /** Encoding options (`--quality`, `--subsampling`, `--progressive`, `--lossless`, `--compression`). */
  encode: EncodeOptions;
  /** `--format`: the output's format whatever its extension (required for `-`). */
  format?: ImageFormat;
  /**
   * `--strip-metadata`: write no metadata; without it the input's ICC
   * profile, EXIF and density are carried to the output.
   */
  stripMetadata?: boolean;
}

const FLAG_OF: Record<string, IoOptionName> = {
  quality: "quality",
  subsampling: "subsampling",
  progressive: "progressive",
  lossless: "lossless",
  compression: "compression",
  format: "format",
  "keep-orientation": "keepOrientation",
  page: "page",
  frame: "frame",
};

/** The I/O flags from parsed values, each checked by the library's spec of that option. */
export function ioFlagsFrom(values: Record<string, unknown>): IoFlags {
  const specs = ioOptionSpecs();
  const v: Partial<Record<IoOptionName, unknown>> = {};
  for (const [flag, name] of Object.entries(FLAG_OF)) {
    if (values[flag] === undefined) continue;
    v[name] = coerceParam("imfilter", `--${flag}`, specs[name], values[flag]);
  }
  const decode: IoFlags["decode"] = {};
  if (v.page !== undefined) decode.page = v.page as number;
  if (v.frame !== undefined) decode.frame = v.frame as number;
  if (v.keepOrientation !== undefined) decode.keepOrientation = v.keepOrientation as boolean;
  const encode: EncodeOptions = {};
  if (v.quality !== undefined) encode.quality = v.quality as number;
  if (v.subsampling !== undefined) encode.subsampling = v.subsampling as "4:2:0" | "4:4:4";
  if (v.progressive !== undefined) encode.progressive = v.progressive as boolean;
  if (v.lossless !== undefined) encode.lossless = v.lossless as boolean;
  if (v.compression !== undefined) {
    encode.compression = v.compression as EncodeOptions["compression"];
  }
  const flags: IoFlags = { decode, encode, format: v.format as ImageFormat | undefined };
  if (values["strip-metadata"] !== undefined) {
    flags.stripMetadata = coerceParam("imfilter", "--strip-metadata", {
      type: "boolean",
      description: "write no metadata",
    }, values["strip-metadata"]) as boolean;
  }
  return flags;
}

/** Merges I/O flags given in several places (a pipe's steps): the first value of each wins. */
export function mergeIo(base: IoFlags, more: IoFlags | undefined): IoFlags {
  if (more === undefined) return base;
  return {
    decode: { ...more.decode, ...base.decode },
    encode: { ...more.encode, ...base.encode },
    format: base.format ?? more.format,
    ...(base.stripMetadata ?? more.stripMetadata) === undefined
      ? {}
      : { stripMetadata: base.stripMetadata ?? more.stripMetadata },
  };
}

/** Whether a path argument means standard input or output. */
export function isStdio(path: string): boolean {
  return path === "-";
}

/**
 * Reads all of standard input, refusing more bytes than any image under the
 * sample cap can take (as `readImage` does for a file).
 */
export async function readStdin(maxPixels = DEFAULT_MAX_PIXELS): Promise<Uint8Array> {
  const limit = maxPixels * 8 + (1 << 26);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of Deno.stdin.readable) {
    size += chunk.length;
    if (size > limit) {
      throw new FilterError(
        "IMAGE_TOO_LARGE",
        `standard input is more than ${limit} bytes, more than any image under the ${maxPixels}-sample limit; raise the limit (--max-pixels) if it is genuine`,
      );
    }
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Writes bytes to standard output, all of them. */
export async function writeStdout(bytes: Uint8Array): Promise<void> {
  const writer = Deno.stdout.writable.getWriter();
  try {
    await writer.write(bytes);
  } finally {
    writer.releaseLock();
  }
}
