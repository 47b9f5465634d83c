/**
 * Stopping a filter run: an `AbortSignal`, a time limit, or both.
 *
 * Filters are synchronous loops: a signal's `abort()` called from a timer
 * or an event cannot run while they do, so a run checks two things at row
 * or iteration granularity — whether its signal is aborted (a signal
 * aborted from elsewhere, or before the call), and whether its time limit
 * has passed (read from the clock, so it works inside any loop). The
 * registry installs the check of the run it starts ({@linkcode withAbortCheck})
 * and engines call {@linkcode checkAbort} between rows, planes, bands or
 * iterations: a module variable read when nothing can stop the run, a
 * clock read when something can.
 *
 * A stopped run throws what the platform throws for a cancelled operation
 * (as `fetch` and streams do): the signal's `reason` — by default a
 * `DOMException` named `"AbortError"` — or, for a time limit, a
 * `DOMException` named `"TimeoutError"` (what `AbortSignal.timeout` gives).
 * It is not a `FilterError`: nothing was wrong with the input.
 *
 * @module
 */

import { FilterError, show } from "./errors.ts";

/** A run's check: throws when the run must stop. */
export type AbortCheck = () => void;

let current: AbortCheck | undefined;

/**
 * Throws if the running filter must stop (its signal aborted, its time
 * limit passed). Engines call it between rows, planes or iterations.
 *
 * @example
 * ```ts
 * import { checkAbort } from "@imfilter/imfilter";
 * checkAbort(); // outside a run: nothing can stop it, returns at once
 * ```
 */
export function checkAbort(): void {
  if (current !== undefined) current();
}

/**
 * The error of a run stopped by its time limit: a `DOMException` named
 * `"TimeoutError"`, as `AbortSignal.timeout` aborts with.
 *
 * @example
 * ```ts
 * import { timeoutError } from "@imfilter/imfilter";
 * console.log(timeoutError(1500).name); // "TimeoutError"
 * ```
 */
export function timeoutError(ms: number): DOMException {
  return new DOMException(
    `the run did not finish within its time limit of ${Number((ms / 1000).toPrecision(3))} s`,
    "TimeoutError",
  );
}

/**
 * Whether an error is a stopped run's (an aborted signal's `AbortError`, a
 * time limit's `TimeoutError`), rather than a failure.
 *
 * @example
 * ```ts
 * import { isAbortError, timeoutError } from "@imfilter/imfilter";
 * console.log(isAbortError(timeoutError(10)), isAbortError(new Error("x"))); // true false
 * ```
 */
export function isAbortError(e: unknown): e is DOMException {
  return e instanceof Error && (e.name === "AbortError" || e.name === "TimeoutError");
}

/** When a run must stop: a signal, a time limit, or both. */
export interface StopWhen {
  /** Stop when this signal is aborted. */
  signal?: AbortSignal;
  /** Stop after this many milliseconds (from the call). */
  timeout?: number;
}

/**
 * The check of a run started now with these options, or `undefined` when
 * nothing can stop it. Throws at once if the signal is already aborted.
 */
export function abortCheck(options: StopWhen): AbortCheck | undefined {
  const { signal, timeout } = options;
  if (timeout !== undefined && !(typeof timeout === "number" && timeout >= 0)) {
    throw new FilterError(
      "INVALID_PARAM",
      `timeout must be a number of milliseconds >= 0, got ${show(timeout)}`,
    );
  }
  signal?.throwIfAborted();
  if (timeout === undefined) return signal && (() => signal.throwIfAborted());
  const deadline = performance.now() + timeout;
  return () => {
    signal?.throwIfAborted();
    if (performance.now() > deadline) throw timeoutError(timeout);
  };
}

/**
 * Runs `fn` (its synchronous part) with `check` as the running filter's
 * check, then restores the previous one; with no check the enclosing run's
 * stays in force, so a filter run from inside another stops with it.
 */
export function withAbortCheck<T>(check: AbortCheck | undefined, fn: () => T): T {
  const previous = current;
  current = check ?? previous;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/**
 * A signal that aborts when `options.signal` does or when the time limit
 * passes — for code that awaits (a plugin's asynchronous `apply`), where
 * timers do fire — and `dispose`, which clears the timer once the run is
 * over. `signal` is `undefined` when nothing can stop the run.
 */
export function stopSignal(
  options: StopWhen,
): { signal: AbortSignal | undefined; dispose: () => void } {
  const { signal, timeout } = options;
  if (timeout === undefined) return { signal, dispose: () => {} };
  const timer = new AbortController();
  const id = setTimeout(() => timer.abort(timeoutError(timeout)), timeout);
  return {
    signal: signal ? AbortSignal.any([signal, timer.signal]) : timer.signal,
    dispose: () => clearTimeout(id),
  };
}

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as
 * it aborts (the work behind the promise is not stopped: it is no longer
 * waited for).
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
