// sharp's side of `deno task bench:photos` (bench/photos.ts): one pipeline over
// the given files, timed in-process, printed as one JSON line.
//
//   node bench/photos_sharp.mjs <decode|gaussian|median> <jpg|png> <out-dir> <file>…
//
// sharp is resolved from SHARP_DIR (a folder with node_modules/sharp).
import { createRequire } from "node:module";
import { basename, join } from "node:path";

const require = createRequire(join(process.env.SHARP_DIR ?? process.cwd(), "package.json"));
const sharp = require("sharp");
sharp.cache(false); // every file is new; no result cache between images

const [pipeline, format, outDir, ...files] = process.argv.slice(2);
const perImage = [];
for (const file of files) {
  const t0 = performance.now();
  let s = sharp(file);
  if (pipeline === "decode") {
    await s.raw().toBuffer();
  } else {
    // libvips' blur takes sigma (its own integer approximation); median takes the window size.
    s = pipeline === "gaussian" ? s.blur(2) : s.median(5);
    s = format === "jpg" ? s.jpeg({ quality: 90 }) : s.png(); // 4:2:0; zlib level 6
    await s.toFile(join(outDir, basename(file)));
  }
  perImage.push(performance.now() - t0);
}
console.log(JSON.stringify({
  tool: "sharp",
  version: sharp.versions.sharp,
  vips: sharp.versions.vips,
  threads: sharp.concurrency(),
  per_image_ms: perImage,
}));
