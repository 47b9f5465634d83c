// Peak memory per filter: each filter runs once, in a fresh process, on a
// 4096² RGB f32 image (201 MB), and the process's peak resident set
// (VmHWM, Linux) is reported next to the input's size — the extra memory a
// filter holds beyond input + output shows as (peak − baseline − output).
//
//   deno task bench:memory [filter[@params-json]…] [--size N]
//
// The baseline is a process that builds the image and runs nothing.

import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { size: { type: "string", default: "4096" }, child: { type: "string" } },
  allowPositionals: true,
});
const size = Number(values.size);

function peakMiB(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** Params a filter cannot run without (as in catalogue_bench.ts). */
const REQUIRED: Record<string, Record<string, unknown>> = {
  correlate: { kernel: "box-5x5" },
  convolve: { kernel: "box-5x5" },
  "big-correlate": { kernel: "gaussian-7x7" },
};

if (values.child !== undefined) {
  const { Image, registry } = await import("../mod.ts");
  const img = Image.zeros(size, size, 3, "f32");
  for (let i = 0; i < img.data.length; i++) img.data[i] = ((i * 2654435761) >>> 24) / 255;
  let outBytes = 0;
  if (values.child !== "(baseline)") {
    const [name, json] = values.child.split("@");
    const params = { ...(REQUIRED[name] ?? {}), ...(json ? JSON.parse(json) : {}) };
    const t0 = performance.now();
    const { image } = await registry.run(name, img, params);
    outBytes = image?.data.byteLength ?? 0;
    console.error(`${name}: ${(performance.now() - t0).toFixed(0)} ms`);
  }
  console.log(JSON.stringify({ peak: peakMiB(), out: outBytes / 2 ** 20 }));
  Deno.exit(0);
}

const filters = positionals.length ? positionals : [
  'gaussian@{"sigma":2}',
  'gaussian@{"sigma":10,"method":"fast"}',
  'box@{"size":31}',
  'correlate@{"kernel":"box-5x5"}',
  "sobel",
  'median@{"size":5}',
  'bilateral@{"diameter":9,"sigmaColor":0.3,"sigmaSpace":75}',
  'bilateral@{"diameter":31,"sigmaColor":0.3,"sigmaSpace":8,"method":"fast"}',
  'median@{"size":21}',
  'correlate@{"kernel":"gaussian-15x15"}',
  "laplacian",
  'nl-means@{"h":0.04,"patchSize":7,"searchSize":21,"color":"per-channel"}',
];

async function run(child: string): Promise<{ peak: number; out: number }> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      // The child reads /proc/self/status, which Deno grants only with --allow-all.
      "--allow-all",
      import.meta.url.replace("file://", ""),
      "--size",
      String(size),
      "--child",
      child,
    ],
    stdout: "piped",
    stderr: "inherit",
  });
  const { code, stdout } = await cmd.output();
  if (code !== 0) throw new Error(`${child}: exit ${code}`);
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

const input = (size * size * 3 * 4) / 2 ** 20;
const base = await run("(baseline)");
console.log(
  `${size}² RGB f32: input ${input.toFixed(0)} MiB; baseline process peak ${
    base.peak.toFixed(0)
  } MiB`,
);
console.log("filter | peak MiB | output MiB | extra beyond input+output MiB");
for (const f of filters) {
  const r = await run(f);
  const extra = r.peak - base.peak - r.out;
  console.log(`${f} | ${r.peak.toFixed(0)} | ${r.out.toFixed(0)} | ${extra.toFixed(0)}`);
}
