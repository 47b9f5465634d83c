/**
 * Generates `median7_u8.wat` (`median7_row`), the 7×7 u8 median as min/max
 * networks on u8x16 (16 outputs per instruction), and checks the networks
 * exhaustively with the 0–1 principle before writing them:
 *
 * - every padded column of seven is sorted (Batcher's odd–even merge sort on
 *   eight wires, the eighth +∞, so its comparators drop out);
 * - every pair of neighbouring sorted columns is merged into a sorted 14
 *   (odd–even merge), shared by the three windows that contain the pair;
 * - a window is pair(x) ∪ pair(x + 2) ∪ pair(x + 4) ∪ column(x + 6): the
 *   three pairs are merged (odd–even merges, pruned to ranks 17..24 of their
 *   42 samples), then rank 24 of the 49 is min over j of
 *   max(R[24 − j], C[j − 1]) with the sorted column C.
 *
 * Comparators with a +∞ input are resolved at generation time, and every
 * min or max whose value no output needs is dropped.
 *
 *   deno run --allow-read --allow-write filters/median/gen_median7.ts   # then `deno task wasm`
 *
 * @module
 */

/** A straight-line min/max program: values 0 … inputs − 1 are inputs, then one per op. */
class Program {
  readonly ops: { max: boolean; a: number; b: number }[] = [];
  constructor(readonly inputs: number) {}
  op(max: boolean, a: number, b: number): number {
    this.ops.push({ max, a, b });
    return this.inputs + this.ops.length - 1;
  }
  /** The ops some output needs, in order (others dropped), renumbered. */
  pruned(outputs: number[]): { program: Program; outputs: number[] } {
    const need = new Uint8Array(this.inputs + this.ops.length);
    for (const o of outputs) need[o] = 1;
    for (let i = this.ops.length - 1; i >= 0; i--) {
      if (!need[this.inputs + i]) continue;
      need[this.ops[i].a] = 1;
      need[this.ops[i].b] = 1;
    }
    const map = new Int32Array(need.length).fill(-1);
    for (let i = 0; i < this.inputs; i++) map[i] = i;
    const program = new Program(this.inputs);
    this.ops.forEach((o, i) => {
      if (need[this.inputs + i]) map[this.inputs + i] = program.op(o.max, map[o.a], map[o.b]);
    });
    return { program, outputs: outputs.map((o) => map[o]) };
  }
  /** Runs the program on bit-parallel 0/1 inputs (32 cases per word). */
  run(input: Uint32Array): Uint32Array {
    const v = new Uint32Array(this.inputs + this.ops.length);
    v.set(input);
    this.ops.forEach((o, i) => {
      v[this.inputs + i] = o.max ? v[o.a] | v[o.b] : v[o.a] & v[o.b];
    });
    return v;
  }
}

const INF = -1;

/** Compare-exchange of wires i < j (min to i); +∞ wires resolved here. */
function ce(p: Program, w: number[], i: number, j: number): void {
  if (w[j] === INF) return;
  if (w[i] === INF) {
    w[i] = w[j];
    w[j] = INF;
    return;
  }
  const a = w[i], b = w[j];
  w[i] = p.op(false, a, b);
  w[j] = p.op(true, a, b);
}

/** Batcher's odd–even merge of the sorted halves of `n` (a power of two) wires from `lo`. */
function merge(p: Program, w: number[], lo: number, n: number, r: number): void {
  const m = r * 2;
  if (m < n) {
    merge(p, w, lo, n, m);
    merge(p, w, lo + r, n, m);
    for (let i = lo + r; i + r < lo + n; i += m) ce(p, w, i, i + r);
  } else ce(p, w, lo, lo + r);
}

/** Batcher's odd–even merge sort of `n` (a power of two) wires from `lo`. */
function sort(p: Program, w: number[], lo: number, n: number): void {
  if (n <= 1) return;
  sort(p, w, lo, n / 2);
  sort(p, w, lo + n / 2, n / 2);
  merge(p, w, lo, n, 1);
}

/** Two sorted lists merged: each padded with +∞ to `half` wires. */
function mergeLists(p: Program, a: number[], b: number[], half: number): number[] {
  const w = [...a, ...Array(half - a.length).fill(INF), ...b, ...Array(half - b.length).fill(INF)];
  merge(p, w, 0, 2 * half, 1);
  return w.slice(0, a.length + b.length);
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

// The three stages.
const colSort = new Program(7);
const colWires = [...range(7), INF];
sort(colSort, colWires, 0, 8);
const colOut = colWires.slice(0, 7);

const pairNet = new Program(14);
const pairOut = mergeLists(pairNet, range(7), range(7, 7), 8);

const win = new Program(49); // pairs at x, x + 2, x + 4 (14 each), then the column at x + 6
const q = mergeLists(win, range(14), range(14, 14), 16);
const r42 = mergeLists(win, q, range(14, 28), 32);
const K = 24;
let best = -1;
for (let j = 0; j <= 7; j++) {
  const term = j === 0 ? r42[K] : win.op(true, r42[K - j], 42 + j - 1);
  best = best < 0 ? term : win.op(false, best, term);
}
const { program: winNet, outputs: [median] } = win.pruned([best]);

// Exhaustive check (0–1 principle): all 0/1 columns of seven through the column sort; all
// sorted 0/1 column pairs through the merge; all 8⁷ choices of sorted 0/1 columns through
// pairs and window, against the count of ones (rank 24 of 49 is 1 iff ones ≥ 25).
{
  for (let c = 0; c < 128; c++) {
    const v = colSort.run(Uint32Array.from(range(7), (i) => c >> i & 1));
    const ones = range(7).filter((i) => c >> i & 1).length;
    colOut.forEach((o, i) => {
      if (v[o] !== (i >= 7 - ones ? 1 : 0)) throw new Error(`column sort fails on ${c}`);
    });
  }
  const sorted = (ones: number, n: number) => range(n).map((i) => (i >= n - ones ? 1 : 0));
  for (let a = 0; a <= 7; a++) {
    for (let b = 0; b <= 7; b++) {
      const v = pairNet.run(Uint32Array.from([...sorted(a, 7), ...sorted(b, 7)]));
      pairOut.forEach((o, i) => {
        if (v[o] !== (i >= 14 - a - b ? 1 : 0)) throw new Error(`pair merge fails on ${a}, ${b}`);
      });
    }
  }
  const pairOf = (a: number, b: number) => {
    const v = pairNet.run(Uint32Array.from([...sorted(a, 7), ...sorted(b, 7)]));
    return pairOut.map((o) => v[o]);
  };
  let checked = 0;
  const cols = new Int32Array(7);
  for (let c = 0; c < 8 ** 7; c++) {
    let t = c, ones = 0;
    for (let i = 0; i < 7; i++) {
      cols[i] = t % 8;
      t = Math.floor(t / 8);
      ones += cols[i];
    }
    const input = Uint32Array.from([
      ...pairOf(cols[0], cols[1]),
      ...pairOf(cols[2], cols[3]),
      ...pairOf(cols[4], cols[5]),
      ...sorted(cols[6], 7),
    ]);
    if (winNet.run(input)[median] !== (ones >= 25 ? 1 : 0)) {
      throw new Error(`window network fails on columns ${[...cols]}`);
    }
    checked++;
  }
  console.error(
    `checked ${checked} window cases; ops: column ${colSort.ops.length}, pair ${pairNet.ops.length}, window ${winNet.ops.length}`,
  );
}

// WAT text.
const RS = 1088;
const lines: string[] = [];
const emit = (s: string) => lines.push(s);
/** Straight-line code of `p`, inputs from `load(i)`, values in locals `${prefix}N`. */
function body(p: Program, prefix: string, load: (i: number) => string, indent: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < p.inputs; i++) out.push(`${indent}(local.set $${prefix}${i} ${load(i)})`);
  p.ops.forEach((o, i) => {
    const op = o.max ? "i8x16.max_u" : "i8x16.min_u";
    out.push(
      `${indent}(local.set $${prefix}${
        p.inputs + i
      } (${op} (local.get $${prefix}${o.a}) (local.get $${prefix}${o.b})))`,
    );
  });
  return out;
}
const locals = (prefix: string, n: number) => {
  const out: string[] = [];
  for (let i = 0; i < n; i += 8) {
    out.push(
      "    " + range(Math.min(8, n - i), i).map((k) => `(local $${prefix}${k} v128)`).join(" "),
    );
  }
  return out;
};
const SC = 0, PR = 7; // work rows: 7 sorted-column rows, then 14 pair rows
emit(
  `  ;; median7_row(rows, dst, n, tap, work) — generated by filters/median/gen_median7.ts, do not edit
  ;;   rows: address of 7 i32 addresses of the padded rows (n + 6·tap bytes, plus 64 spare)
  ;;   dst:  the output row (n bytes, plus 16 spare)
  ;;   n:    bytes in the output row (width · channels), ≥ 1
  ;;   tap:  bytes between horizontal neighbours (channels, at most 4)
  ;;   work: 21 · RS bytes of scratch: 7 sorted-column rows, then 14 pair rows
  ;; Per 16 outputs: ${colSort.ops.length} + ${pairNet.ops.length} + ${winNet.ops.length} min/max (column sort, pair merge, window).
  (func (export "median7_row")
    (param $rows i32) (param $dst i32) (param $n i32) (param $tap i32) (param $work i32)
    ${range(7).map((i) => `(local $r${i} i32)`).join(" ")}
    (local $c0 i32) (local $cnt i32) (local $ob i32) (local $pb i32) (local $sb i32) (local $i i32)
    (local $ip i32) (local $sp i32) (local $sq i32) (local $sr i32) (local $ss i32) (local $dp i32)`,
);
lines.push(...locals("s", colSort.inputs + colSort.ops.length));
lines.push(...locals("t", pairNet.inputs + pairNet.ops.length));
lines.push(...locals("u", winNet.inputs + winNet.ops.length));
for (let i = 0; i < 7; i++) {
  emit(`    (local.set $r${i} (i32.load offset=${4 * i} (local.get $rows)))`);
}
emit(`    (local.set $c0 (i32.const 0))
    (block $done
      (loop $chunk
        (br_if $done (i32.ge_s (local.get $c0) (local.get $n)))
        (local.set $cnt (i32.sub (local.get $n) (local.get $c0)))
        (if (i32.gt_s (local.get $cnt) (i32.const 1024)) (then (local.set $cnt (i32.const 1024))))
        ;; blocks: outputs; pairs (read by the outputs up to 4·tap further); sorted columns
        ;; (read by the pairs up to tap further, by the outputs up to 6·tap)
        (local.set $ob (i32.shr_u (i32.add (local.get $cnt) (i32.const 15)) (i32.const 4)))
        (local.set $pb (i32.shr_u
          (i32.add (i32.add (i32.shl (local.get $ob) (i32.const 4)) (i32.shl (local.get $tap) (i32.const 2)))
            (i32.const 15))
          (i32.const 4)))
        (local.set $sb (i32.shr_u
          (i32.add (i32.add (i32.shl (local.get $pb) (i32.const 4)) (local.get $tap)) (i32.const 15))
          (i32.const 4)))
        (local.set $i (i32.shr_u
          (i32.add (i32.add (i32.shl (local.get $ob) (i32.const 4)) (i32.mul (local.get $tap) (i32.const 6)))
            (i32.const 15))
          (i32.const 4)))
        (if (i32.gt_u (local.get $i) (local.get $sb)) (then (local.set $sb (local.get $i))))
        ;; sort the padded columns of seven
        (local.set $ip (local.get $c0))
        (local.set $sp (local.get $work))
        (local.set $i (local.get $sb))
        (loop $sort`);
lines.push(
  ...body(
    colSort,
    "s",
    (i) => `(v128.load (i32.add (local.get $r${i}) (local.get $ip)))`,
    "          ",
  ),
);
colOut.forEach((o, i) => {
  emit(`          (v128.store offset=${(SC + i) * RS} (local.get $sp) (local.get $s${o}))`);
});
emit(`          (local.set $ip (i32.add (local.get $ip) (i32.const 16)))
          (local.set $sp (i32.add (local.get $sp) (i32.const 16)))
          (br_if $sort (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
        ;; merge neighbouring sorted columns (sp, sp + tap) into sorted pairs
        (local.set $sp (local.get $work))
        (local.set $i (local.get $pb))
        (loop $pair
          (local.set $sq (i32.add (local.get $sp) (local.get $tap)))`);
lines.push(
  ...body(
    pairNet,
    "t",
    (i) => `(v128.load offset=${(SC + (i % 7)) * RS} (local.get $${i < 7 ? "sp" : "sq"}))`,
    "          ",
  ),
);
pairOut.forEach((o, i) => {
  emit(`          (v128.store offset=${(PR + i) * RS} (local.get $sp) (local.get $t${o}))`);
});
emit(`          (local.set $sp (i32.add (local.get $sp) (i32.const 16)))
          (br_if $pair (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
        ;; the outputs: pairs at sp, sp + 2·tap and sp + 4·tap, the sorted column at sp + 6·tap
        (local.set $sp (local.get $work))
        (local.set $dp (i32.add (local.get $dst) (local.get $c0)))
        (local.set $i (local.get $ob))
        (loop $out
          (local.set $sq (i32.add (local.get $sp) (i32.shl (local.get $tap) (i32.const 1))))
          (local.set $sr (i32.add (local.get $sq) (i32.shl (local.get $tap) (i32.const 1))))
          (local.set $ss (i32.add (local.get $sr) (i32.shl (local.get $tap) (i32.const 1))))`);
const winLoad = (i: number) => {
  if (i >= 42) return `(v128.load offset=${(SC + i - 42) * RS} (local.get $ss))`;
  const base = ["sp", "sq", "sr"][Math.floor(i / 14)];
  return `(v128.load offset=${(PR + (i % 14)) * RS} (local.get $${base}))`;
};
// Inputs the pruned window network does not read are not loaded.
const used = new Uint8Array(49);
for (const o of winNet.ops) {
  if (o.a < 49) used[o.a] = 1;
  if (o.b < 49) used[o.b] = 1;
}
lines.push(
  ...body(winNet, "u", winLoad, "          ").filter((_, i) => i >= 49 || used[i]),
);
emit(`          (v128.store (local.get $dp) (local.get $u${median}))
          (local.set $sp (i32.add (local.get $sp) (i32.const 16)))
          (local.set $dp (i32.add (local.get $dp) (i32.const 16)))
          (br_if $out (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
        (local.set $c0 (i32.add (local.get $c0) (i32.const 1024)))
        (br $chunk))))`);

const HEADER = `;; Generated by filters/median/gen_median7.ts — do not edit; run it again, then
;; \`deno task wasm\`. The 7×7 exact u8 median (median7_row) as min/max networks on
;; u8x16, a module on the memory of median_u8.wat (see the layout described
;; there and in median_simd.ts).

(module
  (import "env" "memory" (memory 1))

`;
const wat = new URL("./median7_u8.wat", import.meta.url);
Deno.writeTextFileSync(wat, HEADER + lines.join("\n") + "\n)\n");
console.error("wrote median7_u8.wat");
