/**
 * Progress on stderr, only on a terminal and never with `--quiet`: a bar
 * with an estimate of the time left for filters that report progress, and
 * the batch bar. Both redraw one line with `\r` and erase it when done, so
 * the final summary line is all that stays on the screen.
 *
 * @module
 */

/** Where the CLI writes; replaceable for tests. */
export interface CliStreams {
  /** Normal output (lists, help, JSON). */
  out(text: string): void;
  /** Diagnostics (errors, progress, summaries). */
  err(text: string): void;
  /** Whether stderr is a terminal (progress bars). */
  errIsTerminal: boolean;
  /**
   * Writes to stderr as is, without a newline (progress bars redraw their
   * line with `\r`). Default: straight to the process's stderr.
   */
  write?(text: string): void;
}

/** Where progress is drawn. */
export type ProgressSink = Pick<CliStreams, "err" | "errIsTerminal" | "write">;

/** A progress callback and a function that clears the bar when done. */
export interface ProgressReporter {
  /** Called by filters with a fraction from 0 to 1. */
  update: (fraction: number) => void;
  /** Clears the bar. */
  done: () => void;
}

/** Timing of a {@linkcode progressReporter} (tests shorten it). */
export interface ProgressTiming {
  /** Nothing is drawn before this many ms, so fast runs print nothing (default 500). */
  delayMs?: number;
  /** Redraw at most this often (default 100 ms). */
  intervalMs?: number;
  /** The clock (default `performance.now`). */
  now?: () => number;
}

const encoder = new TextEncoder();

/** Raw stderr writes of a sink. */
export function rawWriter(sink: ProgressSink): (text: string) => void {
  return sink.write?.bind(sink) ?? ((t: string) => void Deno.stderr.writeSync(encoder.encode(t)));
}

/** `0:07`, `12:03`, `1:02:03`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return `${h ? `${h}:` : ""}${mm}:${String(sec).padStart(2, "0")}`;
}

/** `[#####-----]` of `width` cells. */
export function bar(fraction: number, width = 30): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/**
 * The time left at `fraction` done, from the rate since the first report:
 * `undefined` until there is a rate to go by.
 */
export function estimateLeft(
  first: { at: number; fraction: number },
  now: number,
  fraction: number,
): number | undefined {
  const rate = (fraction - first.fraction) / (now - first.at); // per ms
  if (!(rate > 0) || fraction >= 1) return undefined;
  return (1 - fraction) / rate / 1000;
}

/**
 * Draws `name [#####-----] 42% 0:12 left` on a terminal stderr, at most
 * every 100 ms, starting only after half a second so fast runs print
 * nothing. The estimate goes by the rate since the first report.
 */
export function progressReporter(
  name: string,
  sink: ProgressSink,
  quiet: boolean,
  timing: ProgressTiming = {},
): ProgressReporter {
  if (quiet || !sink.errIsTerminal) return { update: () => {}, done: () => {} };
  const now = timing.now ?? (() => performance.now());
  const delay = timing.delayMs ?? 500, interval = timing.intervalMs ?? 100;
  const write = rawWriter(sink);
  const start = now();
  let last = -Infinity, drawn = false;
  let first: { at: number; fraction: number } | undefined;
  return {
    update(fraction) {
      const t = now();
      first ??= { at: t, fraction };
      if (t - start < delay || t - last < interval) return;
      last = t;
      const left = estimateLeft(first, t, fraction);
      write(
        `\r\x1b[2K${name} ${bar(fraction)} ${Math.round(fraction * 100)}%` +
          (left === undefined ? "" : ` ${formatDuration(left)} left`),
      );
      drawn = true;
    },
    done() {
      if (drawn) write("\r\x1b[2K");
    },
  };
}

/** The batch bar: `[#####-----] 12/40 (1 failed) 0:45 left`, or nothing off a terminal. */
export function batchBar(
  sink: ProgressSink,
  quiet: boolean,
  now: () => number = () => performance.now(),
): { show(finished: number, total: number, failed: number): void; clear(): void } | undefined {
  if (quiet || !sink.errIsTerminal) return undefined;
  const write = rawWriter(sink), start = now();
  let drawn = false;
  return {
    show(finished, total, failed) {
      const f = finished / Math.max(1, total);
      const left = estimateLeft({ at: start, fraction: 0 }, now(), f);
      write(
        `\r\x1b[2K${bar(f)} ${finished}/${total}` + (failed ? ` (${failed} failed)` : "") +
          (left === undefined || finished === 0 ? "" : ` ${formatDuration(left)} left`),
      );
      drawn = true;
    },
    clear() {
      if (drawn) write("\r\x1b[2K");
      drawn = false;
    },
  };
}
