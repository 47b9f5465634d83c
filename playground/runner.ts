/// <reference no-default-lib="true" />
/// <reference lib="esnext" />
/// <reference lib="dom" />
/**
 * The page's side of a filtering worker: one job at a time; a new job
 * cancels the running one by ending its worker (the filters are synchronous
 * loops, so ending the thread is the only way to stop them at once) and
 * starting a fresh one.
 *
 * @module
 */

import type { Job, Request, Response } from "./protocol.ts";

/** A job's answer: a result or impulse message. */
export type Answer = Exclude<Response, { type: "progress" } | { type: "error" }>;

/** Raised for a job that a newer one replaced. */
export class Cancelled extends Error {
  constructor() {
    super("cancelled by a newer run");
    this.name = "Cancelled";
  }
}

/** A job's failure: the library's error code and one-line message. */
export class JobError extends Error {
  /** The `FilterError` code (or `INTERNAL`). */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "JobError";
    this.code = code;
  }
}

type Pending = {
  id: number;
  resolve: (a: Answer) => void;
  reject: (e: Error) => void;
  progress?: (f: number) => void;
};

/** One worker and its current job. */
export class Runner {
  #url: URL;
  #worker: Worker;
  #pending?: Pending;
  #next = 1;

  constructor(url: URL) {
    this.#url = url;
    this.#worker = this.#start();
  }

  #start(): Worker {
    const w = new Worker(this.#url, { type: "module" });
    w.onmessage = (e: MessageEvent<Response>) => this.#receive(e.data);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      const p = this.#pending;
      this.#pending = undefined;
      p?.reject(new JobError("INTERNAL", `the filtering worker failed: ${e.message}`));
    };
    return w;
  }

  #receive(msg: Response): void {
    const p = this.#pending;
    if (!p || msg.id !== p.id) return;
    if (msg.type === "progress") {
      p.progress?.(msg.fraction);
      return;
    }
    this.#pending = undefined;
    if (msg.type === "error") p.reject(new JobError(msg.code, msg.message));
    else p.resolve(msg);
  }

  /** Whether a job is running. */
  get busy(): boolean {
    return this.#pending !== undefined;
  }

  /** Cancels the running job, if any (its promise rejects with {@linkcode Cancelled}). */
  cancel(): void {
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    this.#worker.terminate();
    this.#worker = this.#start();
    p.reject(new Cancelled());
  }

  /** Runs a job, cancelling the one under way. */
  run(
    req: Job,
    progress?: (fraction: number) => void,
    transfer: Transferable[] = [],
  ): Promise<Answer> {
    this.cancel();
    const id = this.#next++;
    return new Promise<Answer>((resolve, reject) => {
      this.#pending = { id, resolve, reject, progress };
      this.#worker.postMessage({ ...req, id } as Request, transfer);
    });
  }
}
