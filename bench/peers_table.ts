// Turns the peer harness's results into the README's performance section:
// per operation, imfilter's time and its ratio to each peer of the same run.
//
//   deno task bench:table [results.tsv] [more.tsv …] [--readme README.md] [--all-sizes]
//
// The first file is the full run (every peer, imfilter single-threaded);
// further files add only their `ours` rows — e.g. a run with
// IMFILTER_THREADS=2, which appears as the column ours@2. The machine and
// date come from the raw.jsonl beside the first file. Without --all-sizes
// the table keeps 2048² (and, for an op the harness runs at other sizes
// only, those sizes: NL-means is 512² only). With --readme the section
// between the `<!-- perf:start -->` and `<!-- perf:end -->` markers of that
// file is replaced (and formatted with deno fmt); otherwise it is printed.

import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { readme: { type: "string" }, "all-sizes": { type: "boolean" } },
});
const files = positionals.length
  ? positionals
  : [new URL("../../shared/peers-out/results.tsv", import.meta.url).pathname];

/** A cell: milliseconds, or the harness's status word (n/a, timeout-est, …). */
type Cell = number | string;
const cells = new Map<string, Map<string, Cell>>(); // "op\tsize\tch" -> "peer@threads" -> cell
files.forEach((path, i) => {
  const rows = Deno.readTextFileSync(path).trim().split("\n").slice(1).map((l) => l.split("\t"));
  for (const [op, size, ch, peer, threads, ms] of rows) {
    if (i > 0 && peer !== "ours") continue;
    const key = `${op}\t${size}\t${ch}`;
    if (!cells.has(key)) cells.set(key, new Map());
    const num = Number(ms);
    cells.get(key)!.set(`${peer}@${threads}`, Number.isFinite(num) ? num : ms);
  }
});

const keys = [...cells.keys()].filter((key) => {
  if (values["all-sizes"]) return true;
  const [op, size] = key.split("\t");
  return size === "2048" || ![...cells.keys()].some((k) => k.startsWith(`${op}\t2048\t`));
});

const JS_PEERS = ["opencv-js@1", "sharp@1", "sharp@2", "image-js@1", "jimp@1"];
const ORDER = ["ours@1", "ours@2", "cv2@1", "cv2@2", ...JS_PEERS, "scipy@1", "skimage@1"];
const present = ORDER.filter((p) => keys.some((k) => cells.get(k)!.has(p)));

const ms = (c: Cell | undefined): string =>
  c === undefined ? "—" : typeof c === "number" ? (c < 10 ? c.toFixed(2) : c.toFixed(0)) : c;
const ratio = (a: Cell | undefined, b: Cell | undefined): string =>
  typeof a === "number" && typeof b === "number" ? `${(a / b).toFixed(2)}×` : "—";
/** The fastest numeric cell among `peers`, with its name. */
function fastest(m: Map<string, Cell>, peers: string[]): [string, number] | undefined {
  let best: [string, number] | undefined;
  for (const p of peers) {
    const c = m.get(p);
    if (typeof c === "number" && (best === undefined || c < best[1])) best = [p, c];
  }
  return best;
}

const lines: string[] = [];
let machine = "";
try {
  const raw = Deno.readTextFileSync(join(dirname(files[0]), "raw.jsonl")).split("\n")[0];
  const start = JSON.parse(raw) as {
    machine: { date: string; cpu: string; host_cpus: number; platform: string };
    loadavg: number[];
  };
  const m = start.machine;
  machine = `${m.date}, ${m.cpu} (${m.host_cpus} CPUs, ${m.platform}), load average at start ` +
    start.loadavg.map((v) => v.toFixed(2)).join(" / ");
} catch {
  machine = "machine not recorded (no raw.jsonl beside the results)";
}
lines.push(
  `Measured ${machine}; every peer interleaved cell by cell in one run of ` +
    "`deno task bench:peers` (`../shared/bench`, uint8 images, median ms per call" +
    (files.length > 1 ? "; ours@2 from a second run with `IMFILTER_THREADS=2`" : "") +
    "). Ratios below 1 mean imfilter is faster.",
  "",
  `| op | size | ch | ${present.join(" | ")} | ours@1 ÷ cv2@1 | ours@1 ÷ opencv-js | ` +
    "ours (best) ÷ fastest JS peer |",
  `|---|---|---|${present.map(() => "---:").join("|")}|---:|---:|---:|`,
);
for (const key of keys) {
  const m = cells.get(key)!;
  const [op, size, ch] = key.split("\t");
  const ours = fastest(m, ["ours@1", "ours@2"]);
  const js = fastest(m, JS_PEERS);
  const vsJs = ours && js ? `${(ours[1] / js[1]).toFixed(2)}× (${js[0]})` : "no JS peer";
  lines.push(
    `| ${op} | ${size} | ${ch === "1" ? "gray" : "RGB"} | ${
      present.map((p) => ms(m.get(p))).join(" | ")
    } | ${ratio(m.get("ours@1"), m.get("cv2@1"))} | ${
      ratio(m.get("ours@1"), m.get("opencv-js@1"))
    } | ${vsJs} |`,
  );
}
const section = lines.join("\n");

if (values.readme) {
  const text = Deno.readTextFileSync(values.readme);
  const start = "<!-- perf:start -->", end = "<!-- perf:end -->";
  const a = text.indexOf(start), b = text.indexOf(end);
  if (a < 0 || b < a) {
    console.error(`${values.readme} has no ${start} … ${end} block: add the markers first`);
    Deno.exit(2);
  }
  const out = text.slice(0, a + start.length) + "\n\n" + section + "\n\n" + text.slice(b);
  Deno.writeTextFileSync(values.readme, out);
  // The table's columns are aligned by deno fmt, so `deno fmt --check` stays clean.
  const fmt = new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", values.readme] });
  if (!(await fmt.output()).success) console.error(`deno fmt ${values.readme} failed`);
  console.log(`wrote the performance section of ${values.readme} (${keys.length} rows)`);
} else {
  console.log(section);
}
