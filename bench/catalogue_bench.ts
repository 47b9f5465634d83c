// Every registered built-in filter with its default params (plus the
// required ones below), on gray u8, RGB u8 and gray f32 at 512² — and 2048²
// with IMFILTER_BENCH_BIG=1, 4096² with IMFILTER_BENCH_4096=1 (slow filters
// skip the sizes where one call takes more than ~20 s: see SKIP). The
// per-engine benches (linear_bench, nonlinear_bench, template_bench) go
// deeper into one family each.
//
//   deno task bench bench/catalogue_bench.ts --filter "2048"

import { type Image, registry } from "../mod.ts";
import { syntheticImage } from "../testing.ts";

function env(name: string): boolean {
  try {
    return Deno.env.get(name) === "1";
  } catch {
    return false;
  }
}

const SIZES = [
  512,
  ...(env("IMFILTER_BENCH_BIG") ? [2048] : []),
  ...(env("IMFILTER_BENCH_4096") ? [4096] : []),
];

/** Params a filter cannot run without, for an image `img`. */
function required(name: string, img: Image): Record<string, unknown> {
  switch (name) {
    case "correlate":
    case "convolve":
    case "deconvolve":
      return { kernel: "box-5x5" };
    case "gaussian":
      return { sigma: 2 };
    case "match-template":
      return { template: img.crop(img.width >> 2, img.height >> 2, 32, 32) };
    case "estimate-kernel":
      return { blurred: img, size: 7 };
  }
  return {};
}

/** Filter × size cells left out: minutes per call. */
const SKIP: Record<string, number> = {
  "nl-means": 2048,
  "estimate-kernel": 2048,
  "deconvolve": 4096,
};

const KINDS: [string, number, "u8" | "f32"][] = [["gray u8", 1, "u8"], ["rgb u8", 3, "u8"], [
  "gray f32",
  1,
  "f32",
]];

for (const size of SIZES) {
  for (const [label, channels, dtype] of KINDS) {
    const img = syntheticImage(size, size, channels, dtype, 7);
    for (const name of registry.list().map((p) => p.name)) {
      if (SKIP[name] !== undefined && size >= SKIP[name]) continue;
      const params = { ...required(name, img) };
      Deno.bench({
        name: `${size} ${label} ${name}`,
        group: `${size} ${label}`,
        n: size >= 2048 ? 3 : 10,
        warmup: 1,
        async fn() {
          await registry.run(name, img, params);
        },
      });
    }
  }
}
