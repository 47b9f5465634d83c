/**
 * "Copy as CLI command" and "copy as code": the `imfilter` command and the
 * library snippet that write the same bytes as the playground's download.
 * No DOM (tested in Deno by running what they produce).
 *
 * @module
 */

import { coerceParam, flagName, type ParamSpec } from "../mod.ts";
import { parseCrop, type Step } from "./state.ts";

/** A plugin as a command names it. */
export interface PluginRef {
  /** What `--plugin` gets and the code imports: a checkout path or the module URL. */
  spec: string;
  /** The plugin objects it exports, by export name. */
  exports: string[];
}

/** What the commands need besides the steps. */
export interface CommandContext {
  /** The input path as typed: a sample's path in a checkout, or a file's name. */
  input: string;
  /** The output path; its extension picks the format. */
  output: string;
  /** A float result written to a format without floats (the CLI's `--stretch`). */
  stretch: boolean;
  /** The plugins, in load order. */
  plugins: readonly PluginRef[];
  /** The param specs of a filter (`undefined` for an unknown filter). */
  specs(filter: string): Readonly<Record<string, ParamSpec>> | undefined;
  /** The file an image parameter's value stands for on the command line. */
  imagePath(param: string, value: string): string;
}

/** A word for a POSIX shell: as it is when safe, else single-quoted. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function typed(filter: string, name: string, spec: ParamSpec | undefined, value: string): unknown {
  if (!spec) return value;
  try {
    return coerceParam(filter, name, spec, value);
  } catch {
    return value; // invalid: passed on as typed, so the command reports the same error
  }
}

function flags(step: Step, ctx: CommandContext): string[] {
  const specs = ctx.specs(step.filter) ?? {};
  const out: string[] = [];
  for (const [name, value] of Object.entries(step.params)) {
    const spec = specs[name], flag = `--${flagName(name)}`;
    if (spec?.type === "boolean") {
      const v = typed(step.filter, name, spec, value);
      if (typeof v === "boolean") {
        out.push(v ? flag : `--no-${flagName(name)}`);
        continue;
      }
    }
    const arg = spec?.type === "image" ? ctx.imagePath(name, value) : value;
    out.push(flag, shellWord(arg));
  }
  return out;
}

/**
 * The `imfilter` command: `imfilter <filter> <in> <out> --param v …` for one
 * step, `imfilter pipe <in> <out> -- <filter> … -- <filter> …` for several,
 * with `--plugin` and `--stretch` where needed, and `--strip-metadata` for
 * an output that can hold metadata (the download carries none, the CLI
 * carries the input's by default). `undefined` without steps.
 */
export function cliCommand(steps: readonly Step[], ctx: CommandContext): string | undefined {
  if (steps.length === 0) return undefined;
  const globals = ctx.plugins.flatMap((p) => ["--plugin", shellWord(p.spec)]);
  if (ctx.stretch) globals.push("--stretch");
  if (/\.(png|jpe?g|tiff?|webp)$/i.test(ctx.output)) globals.push("--strip-metadata");
  const io = [shellWord(ctx.input), shellWord(ctx.output)];
  if (steps.length === 1) {
    return ["imfilter", shellWord(steps[0].filter), ...io, ...flags(steps[0], ctx), ...globals]
      .join(" ");
  }
  const segments = steps.map((s) => ["--", shellWord(s.filter), ...flags(s, ctx)].join(" "));
  return ["imfilter pipe", ...io, ...globals, ...segments].join(" ");
}

/** A plugin path as an import specifier: relative paths start with `./`. */
function moduleSpecifier(spec: string): string {
  return /^([a-z][a-z0-9+.-]*:|\.{0,2}\/)/i.test(spec) ? spec : `./${spec}`;
}

const RESERVED = new Set(["input", "image", "data", "registry", "runPipeline"]);

/** The TypeScript snippet (Deno: `--allow-read --allow-write`) that writes the same file. */
export function codeSnippet(steps: readonly Step[], ctx: CommandContext): string | undefined {
  if (steps.length === 0) return undefined;
  const lib = new Set(["readImage", "writeImage"]);
  const lines: string[] = [], setup: string[] = [];
  for (const p of ctx.plugins) {
    lib.add("registerFilter");
    lines.push(
      `import { ${p.exports.join(", ")} } from ${JSON.stringify(moduleSpecifier(p.spec))};`,
    );
    for (const e of p.exports) setup.push(`registerFilter(${e});`);
  }
  setup.push(`const input = await readImage(${JSON.stringify(ctx.input)});`);
  const images = new Map<string, string>();
  const literal = (step: Step, index: number) => {
    const specs = ctx.specs(step.filter) ?? {};
    const fields = Object.entries(step.params).map(([name, value]) => {
      const spec = specs[name];
      let code: string;
      if (spec?.type === "image") {
        const key = `${name}=${value}`;
        let v = images.get(key);
        if (!v) {
          v = RESERVED.has(name) ? `${name}Image` : name;
          if ([...images.values()].includes(v)) v = `${v}${index + 1}`;
          const crop = parseCrop(value);
          setup.push(
            crop
              ? `const ${v} = input.crop(${crop.x}, ${crop.y}, ${crop.width}, ${crop.height});`
              : `const ${v} = await readImage(${JSON.stringify(ctx.imagePath(name, value))});`,
          );
          images.set(key, v);
        }
        code = v;
      } else {
        const t = typed(step.filter, name, spec, value);
        const plainNumber = spec?.type === "size" && /^\d+$/.test(value.trim());
        code = typeof t === "number" || typeof t === "boolean" || plainNumber
          ? String(plainNumber ? Number(value) : t)
          : JSON.stringify(value);
      }
      if (code === name) return name;
      return `${/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name)}: ${code}`;
    });
    return fields.length ? `{ ${fields.join(", ")} }` : "{}";
  };
  let run: string;
  if (steps.length === 1) {
    lib.add("registry");
    run = `const { image, data } = await registry.run(${JSON.stringify(steps[0].filter)}, input, ${
      literal(steps[0], 0)
    });`;
  } else {
    lib.add("runPipeline");
    const list = steps.map((s, i) =>
      `  { filter: ${JSON.stringify(s.filter)}, params: ${literal(s, i)} },`
    );
    run = `const { image, data } = await runPipeline(input, [\n${list.join("\n")}\n]);`;
  }
  const out = ctx.stretch ? "image!.stretchToU8()" : "image!";
  return [
    `import { ${[...lib].sort().join(", ")} } from "@imfilter/imfilter";`,
    ...lines,
    "",
    ...setup,
    run,
    `await writeImage(${JSON.stringify(ctx.output)}, ${out});`,
    steps.length === 1
      ? `if (data) console.log(JSON.stringify(data));`
      : `if (data.at(-1)) console.log(JSON.stringify(data.at(-1)));`,
    "",
  ].join("\n");
}
