/**
 * `batch-report`: totals and failures of one or more batch manifests.
 *
 * ```sh
 * deno task imfilter batch-report runs/*.jsonl
 * ```
 *
 * Each input counts once, by its latest record (see `manifest.ts`). Exit
 * status 1 while any input's latest record is a failure, 0 otherwise.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { GLOBAL_OPTIONS, UsageError } from "./args.ts";
import { latestByInput, type ManifestRecord, readManifests } from "./manifest.ts";
import { userCwd, userPath } from "./paths.ts";
import type { CliStreams } from "./progress.ts";

/** What a set of manifests says. */
export interface BatchReport {
  /** Manifest files read. */
  manifests: number;
  /** Lines that were not records. */
  unreadable: number;
  /** Distinct inputs. */
  inputs: number;
  /** Inputs whose latest record is done / skipped / failed. */
  done: number;
  skipped: number;
  failed: number;
  /** Shards that wrote records, sorted. */
  shards: string[];
  /** Shards of the (single) shard count that wrote no record. */
  silentShards: string[];
  /** Inputs recorded as done more than once. */
  doneMoreThanOnce: number;
  /** Sum of the records' `ms`, in seconds. */
  workSeconds: number;
  /** The latest record of each input that failed. */
  failures: ManifestRecord[];
}

/** Summarises records (see the module doc). */
export function summarise(
  records: readonly ManifestRecord[],
  manifests = 1,
  unreadable = 0,
): BatchReport {
  const latest = [...latestByInput(records).values()];
  const count = (s: string) => latest.filter((r) => r.status === s).length;
  const shards = [...new Set(records.map((r) => r.shard).filter((s) => typeof s === "string"))];
  const key = (s: string) => s.split("/").map(Number);
  shards.sort((a, b) => key(a)[1] - key(b)[1] || key(a)[0] - key(b)[0]);
  const counts = new Set(shards.map((s) => key(s)[1]));
  const silentShards: string[] = [];
  if (counts.size === 1) {
    const [n] = counts;
    for (let i = 0; i < n && n <= 100_000; i++) {
      if (!shards.includes(`${i}/${n}`)) silentShards.push(`${i}/${n}`);
    }
  }
  const doneCount = new Map<string, number>();
  for (const r of records) {
    if (r.status === "done") doneCount.set(r.input, (doneCount.get(r.input) ?? 0) + 1);
  }
  return {
    manifests,
    unreadable,
    inputs: latest.length,
    done: count("done"),
    skipped: count("skipped"),
    failed: count("failed"),
    shards,
    silentShards,
    doneMoreThanOnce: [...doneCount.values()].filter((n) => n > 1).length,
    workSeconds: records.reduce((s, r) => s + (Number.isFinite(r.ms) ? r.ms : 0), 0) / 1000,
    failures: latest.filter((r) => r.status === "failed").sort((a, b) =>
      a.input < b.input ? -1 : 1
    ),
  };
}

/** The report as text lines. */
export function reportText(r: BatchReport): string[] {
  const lines = [
    `${r.inputs} inputs in ${r.manifests} manifest${
      r.manifests === 1 ? "" : "s"
    }: ${r.done} done, ` +
    `${r.skipped} skipped (output already complete), ${r.failed} failed; ` +
    `${r.workSeconds.toFixed(1)} s of work`,
  ];
  if (r.shards.length) lines.push(`shards: ${r.shards.join(" ")}`);
  if (r.silentShards.length) {
    lines.push(
      `no record from shard ${
        r.silentShards.join(" ")
      } (a task that has not run, or had no inputs)`,
    );
  }
  if (r.doneMoreThanOnce) {
    lines.push(
      `${r.doneMoreThanOnce} input${
        r.doneMoreThanOnce === 1 ? " was" : "s were"
      } done more than once ` +
        "(reruns with --overwrite, or tasks whose shards overlap)",
    );
  }
  if (r.unreadable) {
    lines.push(
      `${r.unreadable} line${r.unreadable === 1 ? " was not a record" : "s were not records"} ` +
        "(a task killed while writing?) and left out",
    );
  }
  for (const f of r.failures) {
    lines.push(
      `FAILED ${f.input}: error[${f.code ?? "UNKNOWN"}]: ${
        f.message ?? ""
      } (shard ${f.shard}, ${f.time})`,
    );
  }
  return lines;
}

const REPORT_OPTIONS = { ...GLOBAL_OPTIONS } as const;

/** The `batch-report` command; returns the exit status. */
export function runBatchReport(args: readonly string[], io: CliStreams): number {
  let values: Record<string, unknown>, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options: REPORT_OPTIONS,
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    throw new UsageError(`batch-report: ${(e as Error).message.split("\n")[0]}`);
  }
  const files = positionals.slice(1);
  if (files.length === 0) {
    throw new UsageError("batch-report needs: batch-report <manifest.jsonl>... [--json]");
  }
  const cwd = userCwd();
  const { records, unreadable } = readManifests(files.map((f) => userPath(f, cwd)));
  const report = summarise(records, files.length, unreadable);
  if (values.json === true) io.out(JSON.stringify(report));
  else io.out(reportText(report).join("\n"));
  return report.failed ? 1 : 0;
}
