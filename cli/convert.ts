/**
 * `convert <in> <out>`: format conversion, no filtering — the output's
 * format from its extension or `--format`, samples converted with
 * `--dtype` (the library's rounding and saturation), a page or GIF frame
 * picked with `--page` / `--frame`.
 *
 * @module
 */

import { coerceParam, type DType } from "../mod.ts";
import { GLOBAL_OPTIONS, type GlobalFlags, globalsFrom, parseHead, UsageError } from "./args.ts";
import type { CliStep } from "./run.ts";
import type { CliStreams } from "./progress.ts";

/** The flags `convert` takes: the global ones and `--dtype`. */
const CONVERT_OPTIONS = { ...GLOBAL_OPTIONS, dtype: { type: "string" } } as const;

/** Runs one input/output pair through steps (here none): `main`'s `runOne`, passed in to keep imports acyclic. */
export type RunOne = (
  input: string,
  output: string,
  steps: readonly CliStep[],
  globals: GlobalFlags,
  io: CliStreams,
  options: { label?: string; dtype?: DType },
) => Promise<number>;

/** The `convert` command; returns the exit status. */
export async function runConvert(
  args: readonly string[],
  io: CliStreams,
  runOne: RunOne,
): Promise<number> {
  const { values, positionals } = parseHead("convert", args, CONVERT_OPTIONS);
  const [, input, output, ...extra] = positionals;
  if (input === undefined || output === undefined || extra.length) {
    throw new UsageError(
      'convert needs: convert <input> <output> [--dtype u8|u16|f32] [--format name] [--quality n] ... (see "help convert")',
    );
  }
  const dtype = values.dtype === undefined
    ? undefined
    : coerceParam("convert", "dtype", { type: "dtype", description: "" }, values.dtype) as DType;
  return await runOne(input, output, [], globalsFrom(values), io, { label: "convert", dtype });
}
