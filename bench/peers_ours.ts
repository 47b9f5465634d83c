// The "ours" command of the peer benchmark (../shared/bench/README.md, "The
// 'ours' hook"): runs one imfilter operation on the harness's raw image and
// prints {"times_ms": [...], "threads": 1} as the last line of stdout.
//
//   deno run --allow-read --allow-env bench/peers_ours.ts <op> <params-json> <image-path>
//
// Every op goes through the registry by name, so an op whose filter is not
// registered answers {"status": "n/a"}.

import { applyParallel, closeParallel, Image, registry } from "../mod.ts";

// IMFILTER_THREADS=2 times the multi-threaded run (applyParallel) instead.
const threads = Number(Deno.env.get("IMFILTER_THREADS") ?? "1");

interface BenchParams {
  width: number;
  height: number;
  channels: number;
  raw: string;
  kernel?: number[][];
  sigma?: number;
  radius?: number;
  size?: number;
  d?: number;
  sigmaColor?: number;
  sigmaSpace?: number;
  h?: number;
  patch?: number;
  search?: number;
  tx?: number;
  ty?: number;
  tw?: number;
  th?: number;
  rep_budget_s: number;
  min_reps: number;
  max_reps: number;
  slow_s: number;
  single_s: number;
  cap_s: number;
}

/** The window size of an op named `<filter>_<size>`. */
function windowSize(op: string): number {
  return Number(op.slice(op.lastIndexOf("_") + 1));
}

/** The filter name and params for an op of ops.json. */
function plan(
  op: string,
  p: BenchParams,
  img: Image,
): [string, Record<string, unknown>] | undefined {
  switch (op) {
    case "correlate_3x3":
    case "correlate_15x15":
      return ["correlate", { kernel: p.kernel }];
    case "gaussian_s2":
    case "gaussian_s10":
      return ["gaussian", { sigma: p.sigma, size: 2 * p.radius! + 1 }];
    // The harness overwrites the op's `size` with the image size: the window
    // size is the op's name suffix.
    case "box_31":
      return ["box", { size: windowSize(op) }];
    case "median_5":
    case "median_21":
      return ["median", { size: windowSize(op) }];
    case "bilateral_9":
      return ["bilateral", { diameter: p.d, sigmaColor: p.sigmaColor, sigmaSpace: p.sigmaSpace }];
    case "nlmeans":
      return ["nl-means", {
        h: p.h,
        ...(img.channels > 1 ? { hColor: p.h } : {}),
        patchSize: p.patch,
        searchSize: p.search,
      }];
    case "template_match_64":
      return ["match-template", {
        template: img.crop(p.tx!, p.ty!, p.tw!, p.th!),
        method: "ccoeff_normed",
      }];
  }
  return undefined;
}

const [op, paramsJson] = Deno.args;
const p = JSON.parse(paramsJson) as BenchParams;
const bytes = await Deno.readFile(p.raw);
const img = new Image(p.width, p.height, p.channels, bytes);
const planned = plan(op, p, img);
if (!planned || !registry.has(planned[0])) {
  console.log(JSON.stringify({ status: "n/a" }));
  Deno.exit(0);
}
const [name, params] = planned;
const time = async () => {
  const t0 = performance.now();
  if (threads > 1) await applyParallel(name, img, params, { threads });
  else await registry.run(name, img, params);
  return performance.now() - t0;
};
const warm = await time();
if (warm > p.cap_s * 1e3) {
  console.log(JSON.stringify({ status: "timeout" }));
  Deno.exit(0);
}
const n = warm > p.single_s * 1e3
  ? 0
  : warm > p.slow_s * 1e3
  ? 1
  : Math.max(p.min_reps, Math.min(p.max_reps, Math.floor((p.rep_budget_s * 1e3) / warm)));
const times: number[] = [];
for (let i = 0; i < n; i++) times.push(await time());
closeParallel();
console.log(JSON.stringify({ times_ms: n ? times : [warm], threads, note: `imfilter ${name}` }));
