// JPEG decoding, this checkout against another (an older commit), in one
// interleaved run: each round decodes the file once with each, alternating
// which goes first, so load drifts hit both alike; cells are the median (min)
// of the rounds. Both decode with their default kernels (SIMD when available).
//
//   git worktree add /tmp/imfilter-old <commit>   # or: git archive <commit> | tar -x -C /tmp/imfilter-old
//   deno run -A --v8-flags=--no-liftoff bench/jpeg_decode_ab.ts /tmp/imfilter-old [photo.jpg] [rounds=30]
//
// The default photograph is bench/photos.ts's photograph 0 (4000×3000 q90
// 4:2:0), made by `deno task bench:photos` into bench/.cache/photos/jpg/.

import { median } from "./_images.ts";

const [oldDir, file, roundsArg] = Deno.args;
if (!oldDir) {
  console.error("usage: bench/jpeg_decode_ab.ts <old checkout> [file.jpg] [rounds]");
  Deno.exit(2);
}
const repo = new URL("..", import.meta.url);
const photo = file ?? new URL("bench/.cache/photos/jpg/photo00.jpg", repo).pathname;
const rounds = Math.max(3, Number(roundsArg ?? 30));
type Decode = (b: Uint8Array, o: { maxPixels: number }) => Promise<{ data: ArrayLike<number> }>;
const load = async (dir: string | URL): Promise<Decode> =>
  (await import(new URL("io/jpeg/mod.ts", new URL(`${dir}`.replace(/\/?$/, "/"), repo)).href))
    .decodeJpeg;
const before = await load(oldDir.startsWith("/") ? `file://${oldDir}` : oldDir);
const after = await load(repo);
const bytes = Deno.readFileSync(photo);
const opt = { maxPixels: 1e9 };

const a = await before(bytes, opt), b = await after(bytes, opt);
let same = a.data.length === b.data.length;
for (let i = 0; same && i < a.data.length; i++) same = a.data[i] === b.data[i];
console.log(`${photo}: ${same ? "identical pixels" : "PIXELS DIFFER"}`);
for (let i = 0; i < 3; i++) await before(bytes, opt), await after(bytes, opt); // warm

const times: [number[], number[]] = [[], []];
for (let r = 0; r < rounds; r++) {
  for (const which of r % 2 ? [1, 0] : [0, 1]) {
    const t = performance.now();
    await (which ? after : before)(bytes, opt);
    times[which].push(performance.now() - t);
  }
}
const cell = (t: number[]) => `${median(t).toFixed(1)} ms (min ${Math.min(...t).toFixed(1)})`;
console.log(
  `${rounds} rounds: old ${cell(times[0])}, new ${cell(times[1])}, ` +
    `new/old ${(median(times[1]) / median(times[0])).toFixed(3)}`,
);
