// Photo batches: `deno task bench:photos`. On generated 12 MP photographs
// (4000×3000 RGB, written by imfilter as JPEG q90 and PNG into the gitignored
// bench/.cache/photos/), one interleaved run times three pipelines — decode
// only; decode + Gaussian σ2 + encode; decode + median 5 + encode — per
// format, for imfilter in-process (one thread), `imfilter batch --jobs 1` and
// `--jobs 2` (the CLI task's command, process start included), sharp (Node,
// bench/photos_sharp.mjs) and OpenCV (Python, bench/photos_cv2.py). Each tool
// runs right after an OpenCV run of the same pipeline, so load drifts hit both
// sides of each ratio alike. The result table goes into README.md between
// `<!-- photos:start -->` and `<!-- photos:end -->`.
//
//   deno task bench:photos [--images 12] [--no-readme]
//
// 12 photographs by default, as in the issue that set the targets: a batch
// run includes its process start, which fewer images weigh more.
//
// sharp comes from SHARP_DIR (default /root/.cache/imfilter-ci, installed
// there with `npm install sharp@0.35.5` if missing); OpenCV from
// PYTHON (default /usr/bin/python3, cv2 importable).

import { parseArgs } from "node:util";
import {
  decodeImage,
  encodeImage,
  gaussian,
  type Image,
  median,
  readImage,
  writeImage,
} from "../mod.ts";
import { makePhoto } from "./_images.ts";

type Pipeline = "decode" | "gaussian" | "median";
type Fmt = "jpg" | "png";
type Tool = "opencv" | "sharp" | "lib" | "batch1" | "batch2";

const PIPELINES: Pipeline[] = ["decode", "gaussian", "median"];
const FORMATS: Fmt[] = ["jpg", "png"];
const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const cacheDir = `${repo}/bench/.cache/photos`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    images: { type: "string", default: "12" },
    child: { type: "string" },
    "no-readme": { type: "boolean", default: false },
  },
  allowPositionals: true,
});
const nImages = Number(values.images);

/** ms since t0. */
const since = (t0: number) => performance.now() - t0;
const med = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// ---- the in-process library run (a child process, like every other tool) ----
if (values.child !== undefined) {
  const [pipeline, fmt, outDir, ...files] = JSON.parse(values.child) as [
    Pipeline,
    Fmt,
    string,
    ...string[],
  ];
  const rows: { read: number; decode: number; filter: number; encode: number; write: number }[] =
    [];
  for (const file of files) {
    let t = performance.now();
    const bytes = await Deno.readFile(file);
    const read = since(t);
    t = performance.now();
    const img = await decodeImage(bytes);
    const decode = since(t);
    let filter = 0, encode = 0, write = 0;
    if (pipeline !== "decode") {
      t = performance.now();
      const out = pipeline === "gaussian" ? gaussian(img, { sigma: 2 }) : median(img, { size: 5 });
      filter = since(t);
      t = performance.now();
      const enc = await encodeImage(out, fmt === "jpg" ? "jpeg" : "png", { quality: 90 });
      encode = since(t);
      t = performance.now();
      await Deno.writeFile(`${outDir}/${file.slice(file.lastIndexOf("/") + 1)}`, enc);
      write = since(t);
    }
    rows.push({ read, decode, filter, encode, write });
  }
  console.log(JSON.stringify({
    tool: "lib",
    threads: 1,
    per_image_ms: rows.map((r) => r.read + r.decode + r.filter + r.encode + r.write),
    parts: rows,
  }));
  Deno.exit(0);
}

// ---- the photographs ----

async function ensurePhotos(): Promise<Record<Fmt, string[]>> {
  const files: Record<Fmt, string[]> = { jpg: [], png: [] };
  let src: Image | undefined;
  for (const fmt of FORMATS) Deno.mkdirSync(`${cacheDir}/${fmt}`, { recursive: true });
  for (let k = 0; k < nImages; k++) {
    const name = `photo${String(k).padStart(2, "0")}`;
    const jpg = `${cacheDir}/jpg/${name}.jpg`, png = `${cacheDir}/png/${name}.png`;
    files.jpg.push(jpg);
    files.png.push(png);
    if (exists(jpg) && exists(png)) continue;
    src ??= await readImage(`${repo}/tests/fixtures/images/astronaut.png`);
    const photo = makePhoto(src, k);
    await writeImage(jpg, photo, { quality: 90 });
    await writeImage(png, photo);
    console.error(`photos: wrote ${name}.jpg and ${name}.png`);
  }
  return files;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

// ---- the tools ----

const sharpDir = Deno.env.get("SHARP_DIR") ?? "/root/.cache/imfilter-ci";
const python = Deno.env.get("PYTHON") ?? "/usr/bin/python3";
const timeBin = exists("/usr/bin/time") ? "/usr/bin/time" : undefined;

function ensureSharp(): void {
  if (exists(`${sharpDir}/node_modules/sharp/package.json`)) return;
  console.error(`photos: installing sharp@0.35.5 into ${sharpDir}`);
  Deno.mkdirSync(sharpDir, { recursive: true });
  const r = new Deno.Command("npm", {
    args: ["install", "--no-audit", "--no-fund", "--prefix", sharpDir, "sharp@0.35.5"],
    stdout: "inherit",
    stderr: "inherit",
  }).outputSync();
  if (!r.success) throw new Error("npm install sharp@0.35.5 failed");
}

/** The CLI task's command (deno.json "imfilter"), with this Deno. */
function cliCommand(): string[] {
  const cfg = JSON.parse(Deno.readTextFileSync(`${repo}/deno.json`));
  const words = (cfg.tasks.imfilter.command as string).split(/\s+/);
  return [Deno.execPath(), ...words.slice(1).map((w) => w === "cli/main.ts" ? `${repo}/${w}` : w)];
}
const CLI = cliCommand();
const LIB_FLAGS = ["run", "--allow-read", "--allow-write", "--v8-flags=--no-liftoff"];

interface Run {
  ms: number; // total for the batch of images (in-process, or wall for the CLI)
  perImage?: number[];
  parts?: { read: number; decode: number; filter: number; encode: number; write: number }[];
  peakMiB?: number;
  threads?: number;
}

async function spawn(cmd: string[], env: Record<string, string> = {}) {
  const t0 = performance.now();
  const r = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: repo,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wall = since(t0);
  const out = new TextDecoder().decode(r.stdout), err = new TextDecoder().decode(r.stderr);
  if (!r.success) throw new Error(`${cmd.join(" ")} failed:\n${err.slice(-2000)}`);
  return { out, err, wall };
}

async function runTool(tool: Tool, pipeline: Pipeline, fmt: Fmt, files: string[]): Promise<Run> {
  const outDir = await Deno.makeTempDir({ prefix: "imfilter-photos-" });
  try {
    const args = [pipeline, fmt, outDir, ...files];
    if (tool === "opencv" || tool === "sharp" || tool === "lib") {
      const cmd = tool === "opencv"
        ? [python, `${repo}/bench/photos_cv2.py`, ...args]
        : tool === "sharp"
        ? ["node", `${repo}/bench/photos_sharp.mjs`, ...args]
        : [
          Deno.execPath(),
          ...LIB_FLAGS,
          `${repo}/bench/photos.ts`,
          "--child",
          JSON.stringify(args),
        ];
      const { out } = await spawn(cmd, { SHARP_DIR: sharpDir });
      const j = JSON.parse(out.trim().split("\n").at(-1)!);
      return {
        ms: sum(j.per_image_ms),
        perImage: j.per_image_ms,
        parts: j.parts,
        threads: j.threads,
      };
    }
    const step = pipeline === "gaussian" ? ["gaussian", "--sigma", "2"] : ["median", "--size", "5"];
    const batch = [
      ...CLI,
      "batch",
      ...files, // these files, not the folder: it may hold more from a run with more --images
      "--out-dir",
      outDir,
      "--quality",
      "90",
      "--jobs",
      tool === "batch1" ? "1" : "2",
      "--quiet",
      "--",
      ...step,
    ];
    const { err, wall } = await spawn(timeBin ? [timeBin, "-v", ...batch] : batch);
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
    return { ms: wall, peakMiB: rss ? Number(rss[1]) / 1024 : undefined };
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
}

// ---- the run ----

const loadavg = () => Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
// Deno asks for every permission to read /proc/cpuinfo; grep reads it instead.
const cpu = /model name\s*:\s*(.*)/.exec(
  new TextDecoder().decode(
    new Deno.Command("grep", { args: ["-m1", "model name", "/proc/cpuinfo"] }).outputSync().stdout,
  ),
)?.[1] ?? "?";
const cores = navigator.hardwareConcurrency;

ensureSharp();
const photos = await ensurePhotos();
const load0 = loadavg();
const started = new Date();
const t00 = performance.now();

interface Cell {
  tool: Tool;
  run: Run;
  cv: Run; // the OpenCV run just before it
}
const results = new Map<string, Cell[]>();
for (const pipeline of PIPELINES) {
  for (const fmt of FORMATS) {
    const key = `${pipeline}/${fmt}`, cells: Cell[] = [];
    const tools: Tool[] = pipeline === "decode"
      ? ["lib", "sharp"] // batch always filters and writes: no decode-only batch
      : ["lib", "batch1", "batch2", "sharp"];
    for (const tool of tools) {
      const cv = await runTool("opencv", pipeline, fmt, photos[fmt]);
      const run = await runTool(tool, pipeline, fmt, photos[fmt]);
      cells.push({ tool, run, cv });
      console.error(
        `${key.padEnd(13)} ${tool.padEnd(6)} ${(nImages / run.ms * 1000).toFixed(2)} img/s` +
          ` (OpenCV just before: ${(nImages / cv.ms * 1000).toFixed(2)})` +
          (run.peakMiB ? `, peak ${run.peakMiB.toFixed(0)} MiB` : ""),
      );
    }
    results.set(key, cells);
  }
}
const minutes = since(t00) / 60000;
const load1 = loadavg();

// ---- the table ----

const ips = (r: Run) => nImages / r.ms * 1000;
const f2 = (x: number) => x >= 10 ? x.toFixed(1) : x.toFixed(2);
const LABEL: Record<string, string> = {
  "decode/jpg": "JPEG decode only",
  "decode/png": "PNG decode only",
  "gaussian/jpg": "JPEG → Gaussian σ2 → JPEG q90",
  "gaussian/png": "PNG → Gaussian σ2 → PNG",
  "median/jpg": "JPEG → median 5 → JPEG q90",
  "median/png": "PNG → median 5 → PNG",
};
const order = [
  "decode/jpg",
  "gaussian/jpg",
  "median/jpg",
  "decode/png",
  "gaussian/png",
  "median/png",
];
/** A ratio ≥ 1 as "1.3×", or "1.03×" when it is under 1.1 (where one decimal would read 1.0×). */
const times = (r: number) => `${r < 1.1 ? r.toFixed(2) : r.toFixed(1)}×`;
const cellText = (c: Cell | undefined) => {
  if (!c) return "n/a";
  const ratio = ips(c.cv) / ips(c.run); // > 1: slower than OpenCV
  return `${f2(ips(c.run))} (${
    ratio >= 1 ? `${times(ratio)} slower` : `${times(1 / ratio)} faster`
  })`;
};
const lines: string[] = [];
lines.push(
  `Run ${started.toISOString().slice(0, 16).replace("T", " ")} UTC on ${cpu} (${cores} cores), ` +
    `load average ${load0} before and ${load1} after, ${minutes.toFixed(1)} min; ` +
    `${nImages} photographs of 4000×3000 RGB. Images per second; in brackets, against the OpenCV run ` +
    `just before it.`,
  "",
  "| images/s, 12 MP | OpenCV (Python, median of its runs) | sharp | imfilter library, 1 thread | imfilter `batch --jobs 1` | imfilter `batch --jobs 2` |",
  "| --- | --- | --- | --- | --- | --- |",
);
for (const key of order) {
  const cells = results.get(key)!;
  const get = (t: Tool) => cells.find((c) => c.tool === t);
  lines.push(
    `| ${LABEL[key]} | ${f2(med(cells.map((c) => ips(c.cv))))} | ${cellText(get("sharp"))} | ${
      cellText(get("lib"))
    } | ${cellText(get("batch1"))} | ${cellText(get("batch2"))} |`,
  );
}
lines.push(
  "",
  "imfilter library, where the time goes (median ms per image; read and write are the file I/O):",
  "",
  "| pipeline | read | decode | filter | encode | write | total | codec share (decode + encode) |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
);
for (const key of order) {
  const p = results.get(key)!.find((c) => c.tool === "lib")!.run.parts!;
  const m = (k: keyof (typeof p)[0]) => med(p.map((r) => r[k]));
  const total = med(p.map((r) => r.read + r.decode + r.filter + r.encode + r.write));
  const parts = [m("read"), m("decode"), m("filter"), m("encode"), m("write")];
  const share = (m("decode") + m("encode")) / total;
  lines.push(
    `| ${LABEL[key]} | ${parts.map((x) => x.toFixed(0)).join(" | ")} | ${total.toFixed(0)} | ${
      (share * 100).toFixed(0)
    }% (decode ${(m("decode") / total * 100).toFixed(0)}%, encode ${
      (m("encode") / total * 100).toFixed(0)
    }%) |`,
  );
}
const libParts = (key: string) => results.get(key)!.find((c) => c.tool === "lib")!.run.parts!;
const jpegDecode = med(libParts("decode/jpg").map((r) => r.decode));
const pngEncode = med(
  [...libParts("gaussian/png"), ...libParts("median/png")].map((r) => r.encode),
);
const jpegEncode = med(
  [...libParts("gaussian/jpg"), ...libParts("median/jpg")].map((r) => r.encode),
);
const pngDecode = med(libParts("decode/png").map((r) => r.decode));
const peaks = order.filter((k) => !k.startsWith("decode")).map((k) => {
  const c = results.get(k)!.find((c) => c.tool === "batch2")!;
  return `${LABEL[k]} ${c.run.peakMiB?.toFixed(0) ?? "?"} MiB`;
});
lines.push(
  "",
  `One thread, 12 MP: JPEG decode ${jpegDecode.toFixed(0)} ms, JPEG q90 encode ${
    jpegEncode.toFixed(0)
  } ms, PNG decode ${pngDecode.toFixed(0)} ms, PNG encode ${pngEncode.toFixed(0)} ms ` +
    `(medians over the images). Peak resident memory of \`batch --jobs 2\` (${
      timeBin ? "`/usr/bin/time -v`" : "not measured"
    }): ${peaks.join(", ")}.`,
);
const table = lines.join("\n");
console.log(table);
await Deno.writeTextFile(
  `${cacheDir}/last.json`,
  JSON.stringify({ started, load0, load1, results: Object.fromEntries(results) }, null, 1),
);

if (!values["no-readme"]) {
  const readme = Deno.readTextFileSync(`${repo}/README.md`);
  const re = /(<!-- photos:start -->)[\s\S]*?(<!-- photos:end -->)/;
  if (!re.test(readme)) {
    throw new Error("README.md has no <!-- photos:start --> … <!-- photos:end -->");
  }
  Deno.writeTextFileSync(
    `${repo}/README.md`,
    readme.replace(re, (_, a, b) => `${a}\n\n${table}\n\n${b}`),
  );
  // The tables as deno fmt aligns them, so `deno task check` stays green.
  await spawn([Deno.execPath(), "fmt", "--quiet", `${repo}/README.md`]);
  console.error("photos: README.md table updated");
}
