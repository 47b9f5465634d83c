// The CLI run in this process with captured streams, for the tests that do
// not need a separate process.

import { main } from "../cli/main.ts";

/** How an in-process CLI run ended: its status and its output, joined and as lines. */
export interface CliRun {
  status: number;
  out: string;
  err: string;
  /** The stderr lines. */
  errLines: string[];
}

/** Runs `main(args)` with captured stdout and stderr. */
export async function runMain(...args: string[]): Promise<CliRun> {
  const out: string[] = [], err: string[] = [];
  const status = await main(args, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    errIsTerminal: false,
  });
  return { status, out: out.join("\n"), err: err.join("\n"), errLines: err };
}
