/**
 * A progress bar on stderr for long filter runs (only on a terminal).
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
}

/** Where progress is drawn. */
export type ProgressSink = Pick<CliStreams, "err" | "errIsTerminal">;

/** A progress callback and a function that clears the bar when done. */
export interface ProgressReporter {
  /** Called by filters with a fraction from 0 to 1. */
  update: (fraction: number) => void;
  /** Clears the bar. */
  done: () => void;
}

const encoder = new TextEncoder();

/**
 * Draws `name [#####-----] 42%` on a terminal stderr, at most every 100 ms,
 * starting only after half a second so fast runs print nothing.
 */
export function progressReporter(
  name: string,
  sink: ProgressSink,
  quiet: boolean,
): ProgressReporter {
  if (quiet || !sink.errIsTerminal) return { update: () => {}, done: () => {} };
  const start = performance.now();
  let last = 0, drawn = false;
  return {
    update(fraction) {
      const now = performance.now();
      if (now - start < 500 || now - last < 100) return;
      last = now;
      const width = 30, filled = Math.round(fraction * width);
      const bar = "#".repeat(filled) + "-".repeat(width - filled);
      Deno.stderr.writeSync(encoder.encode(`\r${name} [${bar}] ${Math.round(fraction * 100)}%`));
      drawn = true;
    },
    done() {
      if (drawn) Deno.stderr.writeSync(encoder.encode("\r\x1b[2K"));
    },
  };
}
