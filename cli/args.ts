/**
 * Command-line parsing for the imfilter CLI, with `node:util` `parseArgs`.
 * Global flags are fixed; filter flags come from the filter's param specs.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { FilterError, flagName, type ParamSpec, showList } from "../mod.ts";
import { GRANTABLE, type Grants } from "./sandbox.ts";
import { IO_OPTIONS, type IoFlags, ioFlagsFrom } from "./io_flags.ts";

/** Flags every command accepts. */
export interface GlobalFlags {
  /** Plugin modules to load (repeatable). */
  plugin: string[];
  /** Print result data as JSON on stdout. */
  json: boolean;
  /** Print stack traces. */
  debug: boolean;
  /** Replace an existing output (or write over the input). */
  overwrite: boolean;
  /** Cap on width × height × channels of decoded inputs. */
  maxPixels?: number;
  /** Memory budget of decoded inputs in bytes (`--max-bytes`, with units; default 512 MiB). */
  maxBytes?: number;
  /** No progress or summary on stderr. */
  quiet: boolean;
  /** Show help. */
  help: boolean;
  /** Print the version. */
  version: boolean;
  /** Map the output's min..max to the full 8-bit range (for viewing float results). */
  stretch: boolean;
  /** Worker threads for one filter run (default: all cores). */
  threads?: number;
  /** Stop filtering after this many seconds (batch: per file). */
  timeout?: number;
  /** Let `--plugin` modules take the names of registered filters (built-ins included). */
  replace: boolean;
  /** Permissions granted to `--plugin` modules (`--plugin-allow-<name>[=list]`); none by default. */
  grants: Grants;
  /** The image I/O flags (`--quality`, `--format`, `--page`, ...). */
  io: IoFlags;
}

/** The `node:util` parseArgs specs of the global flags. */
export const GLOBAL_OPTIONS = {
  plugin: { type: "string", multiple: true },
  json: { type: "boolean" },
  debug: { type: "boolean" },
  overwrite: { type: "boolean" },
  "max-pixels": { type: "string" },
  "max-bytes": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  stretch: { type: "boolean" },
  threads: { type: "string" },
  timeout: { type: "string" },
  replace: { type: "boolean" },
  "plugin-allow-read": { type: "string" },
  "plugin-allow-write": { type: "string" },
  "plugin-allow-net": { type: "string" },
  "plugin-allow-env": { type: "string" },
  "plugin-allow-run": { type: "string" },
  "plugin-allow-ffi": { type: "string" },
  "plugin-allow-sys": { type: "string" },
  "plugin-allow-import": { type: "string" },
  ...IO_OPTIONS,
} as const satisfies ParseArgsConfig["options"];

/** Names of the global flags, which filters may not use as parameter names. */
export const GLOBAL_FLAG_NAMES: readonly string[] = Object.keys(GLOBAL_OPTIONS);

/**
 * The CLI flag of a filter parameter, without the dashes: its kebab-case
 * name (`sigmaColor` → `sigma-color`), or `param-<name>` when that name is
 * a global flag (a plugin's `threads` or `plugin` parameter is
 * `--param-threads`, `--param-plugin`: the plain flag keeps its global
 * meaning, so neither is taken silently for the other).
 */
export function paramFlag(name: string): string {
  const flag = flagName(name);
  return Object.hasOwn(GLOBAL_OPTIONS, flag) || Object.hasOwn(GLOBAL_OPTIONS, name)
    ? `param-${flag}`
    : flag;
}

function usageError(message: string): FilterError {
  return new FilterError("INVALID_PARAM", message);
}

/** A usage error raised by the CLI itself (exit status 2). */
export class UsageError extends Error {}

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 2 ** 10,
  kib: 2 ** 10,
  m: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gib: 2 ** 30,
  t: 2 ** 40,
  tib: 2 ** 40,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
};

/**
 * A byte count as `--max-bytes` takes it: a number with an optional unit,
 * case-insensitive. `K`, `M`, `G`, `T` and `KiB`, `MiB`, `GiB`, `TiB` are
 * powers of 1024; `KB`, `MB`, `GB`, `TB` powers of 1000; `B` or none, bytes
 * (`512M` = `512MiB` = 536870912, `1.5GiB` = 1610612736, `2GB` = 2000000000).
 * Fractions round down to whole bytes. Anything else, or under 1 byte, or
 * over 2^53, is `INVALID_PARAM` (a usage error, exit 2).
 */
export function parseByteSize(text: string, flag = "--max-bytes"): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? BYTE_UNITS[m[2].toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!(n >= 1 && Number.isSafeInteger(n))) {
    throw usageError(
      `${flag} must be a byte count such as 536870912, 512M, 2G or 1.5GiB (K/M/G/T and KiB/MiB/GiB/TiB are powers of 1024, KB/MB/GB/TB of 1000), got ${
        JSON.stringify(text)
      }`,
    );
  }
  return n;
}

/** The global flags from parsed values. */
export function globalsFrom(values: Record<string, unknown>): GlobalFlags {
  let maxPixels: number | undefined;
  if (values["max-pixels"] !== undefined) {
    maxPixels = Number(values["max-pixels"]);
    if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) {
      throw usageError(
        `--max-pixels must be a positive integer, got ${JSON.stringify(values["max-pixels"])}`,
      );
    }
  }
  const maxBytes = values["max-bytes"] === undefined
    ? undefined
    : parseByteSize(String(values["max-bytes"]));
  let threads: number | undefined;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw usageError(
        `--threads must be an integer from 1 to 256, got ${JSON.stringify(values.threads)}`,
      );
    }
  }
  let timeout: number | undefined;
  if (values.timeout !== undefined) {
    timeout = Number(values.timeout);
    if (!(timeout > 0 && timeout <= 1e6)) {
      throw usageError(
        `--timeout must be a number of seconds > 0 (e.g. 30 or 0.5), got ${
          JSON.stringify(values.timeout)
        }`,
      );
    }
  }
  const grants: Grants = {};
  for (const k of GRANTABLE) {
    const v = values[`plugin-allow-${k}`];
    if (typeof v !== "string") continue;
    // Bare: all (as Deno's --allow-<name>); with =a,b: those.
    grants[k] = v === "" ? true : v.split(",").map((s) => s.trim()).filter((s) => s !== "");
  }
  return {
    threads,
    timeout,
    replace: values.replace === true,
    grants,
    plugin: (values.plugin as string[] | undefined) ?? [],
    json: values.json === true,
    debug: values.debug === true,
    overwrite: values.overwrite === true,
    quiet: values.quiet === true,
    help: values.help === true,
    version: values.version === true,
    stretch: values.stretch === true,
    maxPixels,
    io: ioFlagsFrom(values),
    maxBytes,
  };
}

/**
 * `--cval -3.25` would read as two options: join a negative number to the
 * value-taking option before it (`--cval=-3.25`). And a bare
 * `--plugin-allow-<name>` (all, as Deno's `--allow-<name>`) takes no value:
 * it becomes `--plugin-allow-<name>=` so the next argument stays its own.
 */
export function joinNegativeValues(
  args: readonly string[],
  options: NonNullable<ParseArgsConfig["options"]>,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i], next = args[i + 1];
    if (/^--plugin-allow-[a-z]+$/.test(a)) {
      out.push(`${a}=`);
      continue;
    }
    const name = a.startsWith("--") ? a.slice(2) : undefined;
    if (
      name !== undefined && Object.hasOwn(options, name) && options[name].type === "string" &&
      next !== undefined &&
      /^-(\d|\.\d)/.test(next)
    ) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/**
 * First pass: the global flags and the positionals, tolerating filter flags
 * not known yet (plugins must be loaded before those can be checked).
 */
export function parseGlobals(
  args: readonly string[],
): { globals: GlobalFlags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(args, GLOBAL_OPTIONS),
      options: GLOBAL_OPTIONS,
      strict: false,
      allowPositionals: true,
    });
    // Unknown flags followed by a value leave that value among the positionals;
    // only the leading positionals (command, input, output) are used from here.
    const lead: string[] = [];
    for (const a of args) {
      if (a.startsWith("-")) break;
      lead.push(a);
    }
    return { globals: globalsFrom(values), positionals: lead.length ? lead : positionals };
  } catch (e) {
    throw usageError((e as Error).message);
  }
}

/**
 * The flags and positionals before a command's first `--` (`pipe`,
 * `batch`): only `options` are allowed there, each with its value; a
 * filter's own options belong after its name, past a `--`.
 */
export function parseHead(
  command: string,
  head: readonly string[],
  options: NonNullable<ParseArgsConfig["options"]>,
): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(head, options),
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values, positionals };
  } catch (e) {
    const m = /Unknown option '([^']+)'/.exec((e as Error).message);
    throw new UsageError(
      m
        ? `${command}: ${
          m[1]
        } is not one of its options; a filter's options follow its name after --`
        : `${command}: ${(e as Error).message.split("\n")[0]}`,
    );
  }
}

/**
 * Second pass for a filter run: every flag must be a global flag or a
 * parameter of the filter (kebab-case, camelCase also accepted).
 */
export function parseFilterArgs(
  args: readonly string[],
  filter: string,
  specs: Readonly<Record<string, ParamSpec>>,
): {
  globals: GlobalFlags;
  positionals: string[];
  params: Record<string, string | boolean>;
  notes: string[];
} {
  const options: NonNullable<ParseArgsConfig["options"]> = { ...GLOBAL_OPTIONS };
  const flagToParam = new Map<string, { name: string; negate: boolean }>();
  const shadowed: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const escaped = paramFlag(name);
    if (escaped !== flagName(name)) shadowed.push(flagName(name));
    const flags = escaped === flagName(name) ? [escaped, name] : [escaped];
    for (const flag of new Set(flags)) {
      if (Object.hasOwn(GLOBAL_OPTIONS, flag)) continue;
      options[flag] = { type: spec.type === "boolean" ? "boolean" : "string" };
      flagToParam.set(flag, { name, negate: false });
      if (spec.type === "boolean") {
        options[`no-${flag}`] = { type: "boolean" };
        flagToParam.set(`no-${flag}`, { name, negate: true });
      }
    }
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(args, options),
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    const m = /Unknown option '([^']+)'/.exec((e as Error).message);
    if (m) {
      const known = showList(Object.keys(specs).map((n) => `--${paramFlag(n)}`));
      throw usageError(
        `${filter}: unknown option ${m[1]}; its options are ${
          known || "none"
        } (see "help ${filter}")`,
      );
    }
    const v = /Option '([^']+)' argument missing/.exec((e as Error).message);
    if (v) throw usageError(`${filter}: option ${v[1].split(",").pop()!.trim()} needs a value`);
    throw usageError(`${filter}: ${(e as Error).message.split("\n")[0]}`);
  }
  const params: Record<string, string | boolean> = {};
  for (const [flag, value] of Object.entries(parsed.values)) {
    const target = flagToParam.get(flag);
    if (target === undefined) continue;
    params[target.name] = target.negate ? !value : value as string | boolean;
  }
  const notes = shadowed.filter((f) => Object.hasOwn(parsed.values, f)).map((f) =>
    `note: --${f} is the global flag; ${filter}'s own ${f} parameter is --param-${f}`
  );
  return { globals: globalsFrom(parsed.values), positionals: parsed.positionals, params, notes };
}
