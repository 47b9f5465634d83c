// `deno task bench [files…] [deno bench options…]`: runs the benchmarks
// (default: every bench/*_bench.ts) with `deno bench --json`, prints one line
// per benchmark with its mean time and megapixels per second, and writes the
// run to bench/results/<timestamp>.json so runs can be compared:
//
//   { date, deno, cpu, benches: [{ file, group, name, n, avg_ms, min_ms,
//     p75_ms, megapixels, mpix_per_s }] }
//
// The megapixels of a benchmark are read from its name: the first number of
// 3–4 digits is the side of the square image (`2048 gray u8 …`, `… 512² …`).

const here = new URL(".", import.meta.url);
const args = [...Deno.args];
const files = args.filter((a) => a.endsWith(".ts"));
const options = args.filter((a) => !a.endsWith(".ts"));
const targets = files.length ? files : [...Deno.readDirSync(here)]
  .filter((e) => e.isFile && e.name.endsWith("_bench.ts"))
  .map((e) => new URL(e.name, here).pathname)
  .sort();

const cmd = new Deno.Command(Deno.execPath(), {
  args: ["bench", "--json", "--allow-read", "--allow-env", ...options, ...targets],
  stdout: "piped",
  stderr: "inherit",
});
const { code, stdout } = await cmd.output();
const text = new TextDecoder().decode(stdout);
const start = text.indexOf("{");
if (start < 0) {
  console.error(`deno bench printed no JSON (exit ${code}): ${text.slice(0, 400)}`);
  Deno.exit(code || 1);
}

interface BenchStats {
  n: number;
  min: number;
  avg: number;
  p75: number;
}
interface BenchEntry {
  origin: string;
  group: string | null;
  name: string;
  results: { ok?: BenchStats; failed?: string }[];
}
const report = JSON.parse(text.slice(start)) as {
  version?: number;
  runtime?: string;
  cpu?: string;
  benches: BenchEntry[];
};

const rows = [];
let failed = 0;
for (const b of report.benches) {
  const r = b.results[0];
  if (!r?.ok) {
    failed++;
    console.log(`FAILED ${b.name}: ${JSON.stringify(r?.failed ?? "no result").slice(0, 300)}`);
    continue;
  }
  const side = Number(/(?<!\d)(\d{3,4})(?!\d)/.exec(b.name)?.[1] ?? NaN);
  const megapixels = Number.isFinite(side) ? (side * side) / 1e6 : null;
  const avgMs = r.ok.avg / 1e6;
  const row = {
    file: b.origin.replace(/^.*\/bench\//, "bench/"),
    group: b.group,
    name: b.name,
    n: r.ok.n,
    avg_ms: +avgMs.toFixed(3),
    min_ms: +(r.ok.min / 1e6).toFixed(3),
    p75_ms: +(r.ok.p75 / 1e6).toFixed(3),
    megapixels,
    mpix_per_s: megapixels === null ? null : +(megapixels / (avgMs / 1e3)).toFixed(2),
  };
  rows.push(row);
  const rate = row.mpix_per_s === null ? "" : `${row.mpix_per_s.toFixed(1).padStart(8)} MP/s`;
  console.log(`${row.avg_ms.toFixed(2).padStart(10)} ms ${rate}  ${b.name}`);
}

const date = new Date().toISOString();
const out = new URL(`results/${date.replace(/[:.]/g, "-")}.json`, here);
Deno.mkdirSync(new URL("results/", here), { recursive: true });
Deno.writeTextFileSync(
  out,
  JSON.stringify({ date, deno: Deno.version.deno, cpu: report.cpu, benches: rows }, null, 1) + "\n",
);
console.log(`${rows.length} benchmarks, ${failed} failed; written to ${out.pathname}`);
Deno.exit(code);
