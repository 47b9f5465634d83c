/**
 * Help texts of the CLI, generated from the registry and the param specs —
 * never written by hand per filter.
 *
 * @module
 */

import {
  type AnyPlugin,
  BOUNDARY_ALIASES,
  describeType,
  formatDefault,
  listKernels,
  type ParamSpec,
  type Registry,
} from "../mod.ts";
import { paramFlag } from "./args.ts";

/** How the CLI is invoked, for usage lines. */
export const INVOCATION = "imfilter";

/** The general usage text. */
export function usage(): string {
  return [
    `usage: ${INVOCATION} list                         every registered filter`,
    `       ${INVOCATION} help <filter>                its parameters, defaults and an example`,
    `       ${INVOCATION} kernels                      the named kernels`,
    `       ${INVOCATION} kernel <name|rows|file> [--png k.png]       print (and render) a kernel`,
    `       ${INVOCATION} impulse <filter> [--<param> <value> ...] [--extent N]  a linear filter's impulse response`,
    `       ${INVOCATION} <filter> <input> <output> [--<param> <value> ...]`,
    `       ${INVOCATION} convert <input> <output> [--dtype u8|u16|f32] [--page n] [--frame n]   format conversion, no filtering`,
    `       ${INVOCATION} pipe <input> <output> -- <filter> [options] [-- <filter> [options]]...`,
    `       ${INVOCATION} batch <input>... --out-dir <dir> [--jobs n] [--shard i/n|auto] [--skip-existing] [--manifest m.jsonl] ... -- <filter> [options] [-- ...]`,
    `       ${INVOCATION} batch-report <manifest.jsonl>...   totals and failures of batch manifests`,
    `       (help convert, help batch, help batch-report: their options)`,
    `       ${INVOCATION} --version`,
    "       (from a checkout without installing: deno task imfilter ...; install: deno task install)",
    "",
    "global options:",
    "  --plugin <module>   load filters from a module (path, jsr: or https: URL); repeatable",
    "  --json              print the filter's result data (matches, kernel, ...) as JSON on stdout",
    "  --overwrite         replace an existing output file (or write over the input)",
    "  --max-pixels <n>    refuse inputs with more than n samples (width*height*channels)",
    "  --max-bytes <size>  memory budget of a decoded input and of its f32 working copy: 512M",
    "                      (default), 2G, 1.5GiB, 3000000000; K/M/G/T = 1024^n, KB/MB/GB/TB = 1000^n",
    "  --stretch           map a float output's min..max to 0..255 when writing PNG/JPEG/WebP/AVIF",
    "  --threads <n>       worker threads for one filter (default: all cores; 1: this thread only)",
    "  --quiet, -q         no progress or summary on stderr",
    "  --debug             print stack traces",
    "",
    "image options (every command that reads or writes images):",
    ...IO_FLAG_LINES,
    "",
    "formats: .png .jpg/.jpeg .tif/.tiff .webp .avif .bmp .pbm/.pgm/.ppm/.pnm/.pam .npy, and .gif (read only)",
    "exit status: 0 success, 2 usage or parameter error, 1 anything else",
  ].join("\n");
}

/** The image I/O flags, for `usage()` and `help convert`. */
const IO_FLAG_LINES: readonly string[] = [
  "  --format <name>         output format whatever the extension: png jpeg tiff webp avif bmp netpbm npy",
  "                          (required when the output is -)",
  "  --quality <1-100>       JPEG, WebP and AVIF quality (default 90)",
  "  --subsampling <s>       JPEG chroma subsampling of colour images: 4:2:0 (default) or 4:4:4",
  "  --progressive           write a progressive JPEG (default: baseline)",
  "  --lossless              WebP and AVIF: lossless compression instead of --quality",
  "  --compression <c>       TIFF compression: deflate (default), lzw or none",
  "  --page <n>              page of a multi-page TIFF to read, from 0 (default 0)",
  "  --frame <n>             frame of an animated GIF to read, from 0 (default 0)",
  "  --keep-orientation      keep a JPEG/PNG/WebP's stored orientation (default: EXIF applied)",
  "  --strip-metadata        write no metadata (default: the input's ICC profile, EXIF and density",
  "                          go to the output where its format holds them; EXIF orientation 1",
  "                          when it was applied)",
  "  -  as input             read standard input (format told from the bytes)",
  "  -  as output            write standard output (needs --format; then only the image goes to",
  "                          stdout: --json is refused, the summary line goes to stderr)",
];

/** `help convert`: the convert command and its options. */
export function convertHelp(): string {
  return [
    `usage: ${INVOCATION} convert <input> <output> [options]`,
    "",
    "Converts an image from one format to another with no filtering: the output's format comes",
    "from its extension, or from --format. The pixels are written as read, unless --dtype",
    "converts the samples (integers rounded half to even and saturated, as the library does).",
    "",
    "options:",
    "  --dtype <u8|u16|f32>    convert the samples before writing (default: keep the input's)",
    ...IO_FLAG_LINES,
    "  --stretch               map a float image's min..max to 0..255 for PNG/JPEG/WebP/AVIF",
    "  --overwrite, --quiet, --max-pixels, --debug: as for one filter",
    "",
    "examples:",
    `  ${INVOCATION} convert in.png out.jpg --quality 80 --subsampling 4:4:4`,
    `  ${INVOCATION} convert scan.tif page2.png --page 1`,
    `  cat in.png | ${INVOCATION} convert - - --format webp --lossless > out.webp`,
  ].join("\n");
}

/** `list`: one line per filter, sorted. */
export function listText(registry: Registry): string {
  const plugins = registry.list();
  const width = Math.max(0, ...plugins.map((p) => p.name.length));
  return plugins.map((p) => `${p.name.padEnd(width)}  ${p.summary}`).join("\n");
}

function range(spec: ParamSpec): string {
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`${spec.exclusiveMin ? ">" : ">="} ${spec.min}`);
  if (spec.max !== undefined) {
    parts.push(spec.type === "kernel" ? `each side <= ${spec.max}` : `<= ${spec.max}`);
  }
  if (spec.type === "boundary") parts.push(`aliases: ${Object.keys(BOUNDARY_ALIASES).join(", ")}`);
  return parts.join(", ");
}

/** `help <filter>`: the parameters from the specs, with types, defaults, ranges and an example. */
export function helpText(plugin: AnyPlugin): string {
  const specs = plugin.params as Readonly<Record<string, ParamSpec>>;
  const rows = Object.entries(specs).map(([name, spec]) => {
    const def = spec.required
      ? "(required)"
      : spec.default === undefined
      ? ""
      : `default ${formatDefault(spec.default)}`;
    const r = range(spec);
    return {
      flag: `--${paramFlag(name)} <${describeType(spec)}>`,
      text: [spec.description, def, r].filter((s) => s !== "").join("; "),
    };
  });
  const width = Math.max(0, ...rows.map((r) => r.flag.length));
  const lines = [
    `${plugin.name}: ${plugin.summary}`,
    "",
    `usage: ${INVOCATION} ${plugin.name} <input> <output>${rows.length ? " [options]" : ""}`,
  ];
  if (plugin.linear) lines.push("", "linear shift-invariant: its impulse response is its kernel.");
  if (plugin.cost) lines.push("", `cost: ${plugin.cost}`);
  if (rows.length) {
    lines.push("", "options:");
    for (const r of rows) lines.push(`  ${r.flag.padEnd(width)}  ${r.text}`);
  }
  lines.push(
    "",
    "example:",
    `  ${INVOCATION} ${plugin.name} ${plugin.example ?? exampleFor(plugin)}`,
  );
  return lines.join("\n");
}

function exampleFor(plugin: AnyPlugin): string {
  const specs = plugin.params as Readonly<Record<string, ParamSpec>>;
  const args = ["in.png", "out.png"];
  for (const [name, spec] of Object.entries(specs)) {
    if (!spec.required) continue;
    args.push(`--${paramFlag(name)}`, spec.example ?? (spec.type === "image" ? "other.png" : "1"));
  }
  return args.join(" ");
}

/** `kernels`: the catalogue of named kernels. */
export function kernelsText(): string {
  const all = listKernels();
  const names = all.map((k) => (k.sized ? `${k.name}-N, ${k.name}-WxH` : k.name));
  const width = Math.max(...names.map((n) => n.length));
  return all.map((k, i) => `${names[i].padEnd(width)}  ${k.description}`).join("\n");
}

/** `help batch`: the batch command and its options. */
export function batchHelp(): string {
  return [
    `usage: ${INVOCATION} batch <input>... --out-dir <dir> [options] -- <filter> [options] [-- <filter> [options]]...`,
    "",
    "Runs a filter (or a pipeline) on every input: files, folders (their image files, not",
    "recursive) or *-patterns in file names. Outputs keep the input's name in --out-dir and are",
    "written atomically (a temporary file, then a rename): a present output is complete.",
    "",
    "options:",
    "  --out-dir <dir>           where outputs go (created if missing)",
    "  --ext <ext>               output extension (default: the input's)",
    "  --jobs, -j <n>            files filtered at once, in worker threads (default 1)",
    "  --shard i/n               this task's share of an array job: 0 <= i < n",
    "  --shard-base 1            with --shard i/n: i counts from 1 (1 <= i <= n)",
    "  --shard auto              the share from the scheduler's environment: Slurm",
    "                            (SLURM_ARRAY_TASK_ID, _MIN, _STEP, _MAX, _COUNT), Kubernetes Indexed",
    "                            Jobs (JOB_COMPLETION_INDEX), AWS Batch (AWS_BATCH_JOB_ARRAY_INDEX,",
    "                            _SIZE), Cloud Run jobs (CLOUD_RUN_TASK_INDEX, _COUNT), Google Batch",
    "                            (BATCH_TASK_INDEX, _COUNT); any Slurm --array=a-b:s maps onto 0..n-1",
    "  --shard-count <n>         with --shard auto on Kubernetes: the Job's completions",
    "                            (or set IMFILTER_SHARD_COUNT); elsewhere it must agree with the scheduler",
    "  --partition sorted|hash   sorted (default): task i takes files i, i+n, ... of the sorted list;",
    "                            hash: by a SHA-256 hash of the file name, so a folder that changes",
    "                            while the tasks start still splits without overlap",
    "  --skip-existing           leave files whose output exists (complete, as writes are atomic);",
    "                            temporary files of a killed run for this shard's outputs are removed",
    "  --manifest <file.jsonl>   append one JSON line per finished file (input, output, status,",
    "                            code, message, ms, shard, time); {shard} in the name becomes the",
    "                            shard index, e.g. --manifest 'runs/{shard}.jsonl'",
    "  --retry-failed <file>     only the inputs whose latest record in this manifest (repeatable,",
    "                            {shard} allowed) is a failure, and that belong to this shard",
    "  --overwrite, --quiet, --json, --plugin, --max-pixels, --max-bytes, --stretch: as for one filter",
    "  --quality, --subsampling, --progressive, --lossless, --compression, --page, --frame,",
    "  --keep-orientation, --strip-metadata: as for one filter (see imfilter --help); --format and -",
    "  do not apply",
    "",
    "A failed file is reported and the rest still run; exit status 1 if any failed, 2 on a usage",
    "error, 130, 129 or 143 when interrupted (SIGINT, SIGHUP, SIGTERM: files under way finish, none start).",
    "",
    "example:",
    `  ${INVOCATION} batch photos/ --out-dir out --shard auto --skip-existing --manifest 'runs/{shard}.jsonl' -- median --size 5`,
  ].join("\n");
}

/** `help batch-report`. */
export function batchReportHelp(): string {
  return [
    `usage: ${INVOCATION} batch-report <manifest.jsonl>... [--json]`,
    "",
    "Reads batch manifests (several tasks' manifests together, or their concatenation) and",
    "prints how many inputs are done, skipped and failed, each input counted once by its latest",
    "record, then every failure. Also notes shards that wrote no record and inputs done twice.",
    "--json prints the same as one JSON object. Exit status 1 if any failure remains.",
    "",
    "example:",
    `  ${INVOCATION} batch-report runs/*.jsonl`,
  ].join("\n");
}

/** `--version`: the package's name and version, and the runtime's. */
export function versionText(version: string): string {
  const g = globalThis as { Deno?: { version?: { deno?: string } } };
  return `imfilter ${version} (deno ${g.Deno?.version?.deno ?? "?"})`;
}
