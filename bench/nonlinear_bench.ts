// Benchmarks of the non-linear filters: median (u8 and f32, sizes 3…101),
// bilateral (exact and fast, diameters 5…31) and NL-means (patch 5/7/9,
// search 11/21/31). Default size 512²; IMFILTER_BENCH_BIG=1 adds 2048².
//   deno bench --allow-read --allow-env bench/nonlinear_bench.ts

import { bilateral, Image, median, nlMeans } from "../mod.ts";

function photoLike(n: number, channels: number): Image {
  // a smooth scene with edges and seeded noise (deterministic)
  let s = 12345;
  const data = new Uint8Array(n * n * channels);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      for (let c = 0; c < channels; c++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        const base = 128 + 60 * Math.sin((x + 17 * c) / 40) * Math.cos(y / 30) +
          (((x >> 6) + (y >> 6)) % 2 ? 30 : -30);
        data[(y * n + x) * channels + c] = Math.max(
          0,
          Math.min(255, base + (s / 2 ** 32 - 0.5) * 40),
        );
      }
    }
  }
  return new Image(n, n, channels, data);
}

const big = (() => {
  try {
    return Deno.env.get("IMFILTER_BENCH_BIG") === "1";
  } catch {
    return false;
  }
})();
const sizes = big ? [512, 2048] : [512];

for (const n of sizes) {
  const gray = photoLike(n, 1), rgb = photoLike(n, 3), f32 = gray.toFloat32();
  for (const k of [3, 5, 7, 11, 21, 31, 51, 101]) {
    Deno.bench(`median u8 ${k}x${k} ${n}² gray`, { group: `median-u8-${n}` }, () => {
      median(gray, { size: k });
    });
  }
  for (const k of [3, 5, 21]) {
    Deno.bench(`median u8 ${k}x${k} ${n}² rgb`, { group: `median-rgb-${n}` }, () => {
      median(rgb, { size: k });
    });
  }
  for (const k of [3, 5, 7, 11, 21, ...(n <= 512 ? [51, 101] : [])]) {
    Deno.bench(`median f32 ${k}x${k} ${n}² gray`, { group: `median-f32-${n}` }, () => {
      median(f32, { size: k });
    });
  }
  for (const d of [5, 9, 15, 21, 31]) {
    Deno.bench(`bilateral exact d${d} ${n}² gray`, { group: `bilateral-${n}` }, () => {
      bilateral(gray, { diameter: d, sigmaColor: 75, sigmaSpace: 75 });
    });
    Deno.bench(`bilateral fast d${d} ${n}² gray`, { group: `bilateral-${n}` }, () => {
      bilateral(gray, { diameter: d, sigmaColor: 75, sigmaSpace: 75, method: "fast" });
    });
  }
  Deno.bench(`bilateral exact d9 ${n}² rgb`, { group: `bilateral-rgb-${n}` }, () => {
    bilateral(rgb, { diameter: 9, sigmaColor: 75, sigmaSpace: 75 });
  });
  Deno.bench(`bilateral fast d9 ${n}² rgb`, { group: `bilateral-rgb-${n}` }, () => {
    bilateral(rgb, { diameter: 9, sigmaColor: 75, sigmaSpace: 75, method: "fast" });
  });
  if (n <= 512) {
    for (const patchSize of [5, 7, 9]) {
      for (const searchSize of [11, 21, 31]) {
        Deno.bench(
          `nl-means p${patchSize} s${searchSize} ${n}² gray`,
          { group: `nlmeans-${n}` },
          () => {
            nlMeans(gray, { h: 10, patchSize, searchSize });
          },
        );
      }
    }
    Deno.bench(`nl-means p7 s21 ${n}² rgb (lab)`, { group: `nlmeans-rgb-${n}` }, () => {
      nlMeans(rgb, { h: 10, hColor: 10 });
    });
  }
}
