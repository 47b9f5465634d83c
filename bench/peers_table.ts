// Turns the peer harness's results.tsv into the README's performance table:
// per operation, imfilter's time and its ratio to each peer in the same run.
//
//   deno run --allow-read bench/peers_table.ts [results.tsv] [--size 2048]

const args = [...Deno.args];
const sizeAt = args.indexOf("--size");
const size = sizeAt >= 0 ? args.splice(sizeAt, 2)[1] : undefined;
const path = args[0] ?? new URL("../../shared/peers-out/results.tsv", import.meta.url).pathname;
const rows = Deno.readTextFileSync(path).trim().split("\n").slice(1).map((l) => l.split("\t"));

interface Cell {
  ms: number | string;
  threads: string;
}
const cells = new Map<string, Map<string, Cell>>(); // "op size ch" -> peer@threads -> cell
for (const [op, sz, ch, peer, threads, ms] of rows) {
  if (size !== undefined && sz !== size) continue;
  const key = `${op}\t${sz}\t${ch}`;
  if (!cells.has(key)) cells.set(key, new Map());
  const num = Number(ms);
  cells.get(key)!.set(`${peer}@${threads}`, { ms: Number.isFinite(num) ? num : ms, threads });
}

const peerOrder = [
  "ours@1",
  "cv2@1",
  "cv2@2",
  "opencv-js@1",
  "sharp@1",
  "image-js@1",
  "jimp@1",
  "scipy@1",
  "skimage@1",
];
const fmt = (
  c: Cell | undefined,
) => (c === undefined ? "—" : typeof c.ms === "number" ? c.ms.toFixed(1) : c.ms);
const ratio = (a: Cell | undefined, b: Cell | undefined) =>
  a && b && typeof a.ms === "number" && typeof b.ms === "number"
    ? (a.ms / b.ms).toFixed(2) + "×"
    : "—";

const present = peerOrder.filter((p) => [...cells.values()].some((m) => m.has(p)));
console.log(`| op | size | ch | ${present.join(" | ")} | ours ÷ cv2@1 | ours ÷ opencv-js |`);
console.log(`|---|---|---|${present.map(() => "---:").join("|")}|---:|---:|`);
for (const [key, m] of cells) {
  const [op, sz, ch] = key.split("\t");
  const ours = m.get("ours@1");
  console.log(
    `| ${op} | ${sz} | ${ch} | ${present.map((p) => fmt(m.get(p))).join(" | ")} | ${
      ratio(ours, m.get("cv2@1"))
    } | ${ratio(ours, m.get("opencv-js@1"))} |`,
  );
}
