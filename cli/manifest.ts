/**
 * The batch manifest: one JSON line per finished file, appended as each
 * file finishes.
 *
 * ```json
 * {"input":"/data/in/a.png","output":"/data/out/a.png","status":"done","code":null,"message":null,"ms":812.4,"shard":"2/8","time":"2026-12-01T10:22:31.123Z"}
 * ```
 *
 * `status` is `done`, `failed` (with the error's `code` and `message`) or
 * `skipped` (`--skip-existing` found the output complete). Each line goes
 * out in one `write` on a file opened for appending, after the output file
 * itself was written (atomically), so a task that is killed loses no line it
 * had written and never records an output that is not there. Lines are not
 * fsynced one by one: a crashed process loses nothing (the kernel holds
 * what was written), a crashed machine may lose its last lines, which a
 * `--skip-existing` rerun records again as `skipped`. One manifest per task
 * (`--manifest 'runs/{shard}.jsonl'`) keeps writers apart on shared file
 * systems whose appends are not atomic across machines (NFS); the manifests
 * of several tasks concatenate into one.
 *
 * When an input has several records (a rerun, a retry), the one with the
 * latest `time` is its state; equal times go to the one read last.
 *
 * @module
 */

import { dirname } from "node:path";
import { UsageError } from "./args.ts";

/** What happened to one file. */
export type ManifestStatus = "done" | "failed" | "skipped";

/** One line of a manifest. */
export interface ManifestRecord {
  /** The input file (absolute path). */
  input: string;
  /** The output file it was (or would have been) written to. */
  output: string;
  /** What happened. */
  status: ManifestStatus;
  /** The error code when failed (`DECODE_FAILED`, `IO`, ...), else null. */
  code: string | null;
  /** The error message when failed, else null. */
  message: string | null;
  /** Milliseconds spent on the file (reading, filtering, writing). */
  ms: number;
  /** The task's shard, `i/n` (0-based; `0/1` without `--shard`). */
  shard: string;
  /** When the file finished, ISO 8601 UTC. */
  time: string;
}

const STATUSES: readonly string[] = ["done", "failed", "skipped"];

/** The manifest path for a shard: `{shard}` becomes the shard's 0-based index. */
export function manifestPath(template: string, shardIndex: number): string {
  return template.replaceAll("{shard}", String(shardIndex));
}

/** Appends records to a manifest, one write per line. */
export class ManifestWriter {
  #file: Deno.FsFile;
  #encoder = new TextEncoder();

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Opens (creating it and its folder if needed) a manifest for appending. */
  static open(path: string): ManifestWriter {
    try {
      Deno.mkdirSync(dirname(path), { recursive: true });
      return new ManifestWriter(Deno.openSync(path, { append: true, create: true }));
    } catch (e) {
      throw new UsageError(
        `cannot open the manifest ${path} for appending: ${(e as Error).message}`,
      );
    }
  }

  /** Appends one record as one line. */
  append(record: ManifestRecord): void {
    const line = this.#encoder.encode(JSON.stringify(record) + "\n");
    // One write for the whole line (regular files take it whole); the loop only
    // guards against a short write, which would otherwise lose the line's end.
    let off = this.#file.writeSync(line);
    while (off < line.length) off += this.#file.writeSync(line.subarray(off));
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}

/** Records read from manifests, and how many lines could not be read. */
export interface ManifestContents {
  /** The records, in the order read. */
  records: ManifestRecord[];
  /** Lines that were not a record (e.g. the torn last line of a killed writer). */
  unreadable: number;
}

function isRecord(v: unknown): v is ManifestRecord {
  const r = v as Record<string, unknown>;
  return typeof r === "object" && r !== null && typeof r.input === "string" &&
    typeof r.status === "string" && STATUSES.includes(r.status) && typeof r.time === "string";
}

/** Reads manifests in order; a missing or unreadable file is a usage error. */
export function readManifests(paths: readonly string[]): ManifestContents {
  const records: ManifestRecord[] = [];
  let unreadable = 0;
  for (const path of paths) {
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch (e) {
      throw new UsageError(`cannot read the manifest ${path}: ${(e as Error).message}`);
    }
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        const v = JSON.parse(line);
        if (isRecord(v)) records.push(v);
        else unreadable++;
      } catch {
        unreadable++;
      }
    }
  }
  return { records, unreadable };
}

/** The latest record of each input (latest `time`; on a tie, the one read last). */
export function latestByInput(records: readonly ManifestRecord[]): Map<string, ManifestRecord> {
  const latest = new Map<string, ManifestRecord>();
  for (const r of records) {
    const seen = latest.get(r.input);
    if (seen === undefined || r.time >= seen.time) latest.set(r.input, r);
  }
  return latest;
}
