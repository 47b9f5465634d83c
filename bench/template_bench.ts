// Benchmarks of template matching and kernel estimation:
//
// - matchTemplate ccoeff_normed, 2048² gray and RGB u8 with a 64×64 template
//   cut at (960, 400) — the peer benchmark's `template_match_64` (OpenCV
//   single-threaded ≈ 135 ms gray / 376 ms RGB, OpenCV.js ≈ 131 / 405 ms on
//   the reference machine, ../shared/bench/BASELINE.md). Side by side with
//   the peers in one run:
//   OPS=template_match_64 SIZES=2048 PEERS=cv2-1t,opencv-js bash bench/peers.sh
//   The calls after the first reuse the FFT's work planes (same size), as a
//   caller matching many templates in one scene would;
// - matchTemplate on 512² gray with a 16×16 template (direct-sum path) and a
//   64×64 one (FFT path);
// - estimateKernel lsq of a 15×15 kernel from a 512² pair (target < 1 s),
//   and the fourier method on the same pair;
// - deconvolve (Richardson–Lucy, 30 iterations; Wiener) on 512² gray.
//
//   deno bench --allow-read bench/template_bench.ts --filter "2048"

import { convolve, deconvolve, estimateKernel, Image, matchTemplate } from "../mod.ts";
import { benchImage } from "./_images.ts";

function cut(img: Image, x0: number, y0: number, w: number, h: number): Image {
  const ch = img.channels, out = Image.zeros(w, h, ch, img.dtype);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < ch; c++) out.data[(y * w + x) * ch + c] = img.get(x0 + x, y0 + y, c);
    }
  }
  return out;
}

for (const channels of [1, 3]) {
  const img = benchImage(2048, channels), tpl = cut(img, 960, 400, 64, 64);
  Deno.bench({
    name: `matchTemplate ccoeff_normed 2048 ${channels === 1 ? "gray" : "rgb"} 64x64`,
    group: "match 2048",
    n: 3,
    fn: () => {
      matchTemplate(img, tpl, { method: "ccoeff_normed" });
    },
  });
}

{
  const img = benchImage(512, 1);
  for (const t of [16, 64]) {
    const tpl = cut(img, 100, 200, t, t);
    Deno.bench({
      name: `matchTemplate ccoeff_normed 512 gray ${t}x${t}`,
      group: "match 512",
      fn: () => {
        matchTemplate(img, tpl);
      },
    });
  }
}

{
  const sharp = benchImage(512, 1).toDtype("f32");
  let s = 7;
  const k = Array.from(
    { length: 15 },
    () => Array.from({ length: 15 }, () => (s = (s * 69069 + 1) >>> 0) / 2 ** 32),
  );
  const blurred = convolve(sharp, k, { boundary: "reflect" });
  Deno.bench({
    name: "estimateKernel lsq 15x15 from 512 pair (same/reflect)",
    group: "estimate 512",
    n: 3,
    fn: () => {
      estimateKernel(sharp, blurred, { size: 15 });
    },
  });
  Deno.bench({
    name: "estimateKernel fourier 15x15 from 512 pair",
    group: "estimate 512",
    n: 3,
    fn: () => {
      estimateKernel(sharp, blurred, { size: 15, method: "fourier" });
    },
  });
  const k7 = k.slice(0, 7).map((r) => r.slice(0, 7));
  const b7 = convolve(sharp, k7);
  Deno.bench({
    name: "deconvolve richardson-lucy 30 iterations 512 gray 7x7",
    group: "deconvolve 512",
    n: 3,
    fn: () => {
      deconvolve(b7, k7, { iterations: 30 });
    },
  });
  Deno.bench({
    name: "deconvolve wiener 512 gray 7x7",
    group: "deconvolve 512",
    n: 3,
    fn: () => {
      deconvolve(b7, k7, { method: "wiener" });
    },
  });
}
