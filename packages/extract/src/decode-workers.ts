/**
 * How many decode workers an extraction uses, decided here for every entry point (the main
 * entry, `/node`, and so the CLI). See docs/extract.md, "Workers", for the measurements.
 */

/**
 * Fewer windows than this decode faster on the calling thread: a worker costs a thread start
 * and a WASM compile the first time (tens of ms), and a copy of every window both ways.
 */
export const MIN_WINDOWS_FOR_WORKERS = 16;

/** Never more workers than this: each holds a 29 MB WASM memory per channel layout, and decoding is CPU-bound. */
export const MAX_DECODE_WORKERS = 8;

/** Used for the default when the runtime does not say how many threads it runs at once. */
const UNKNOWN_PARALLELISM_DEFAULT = 2;

/**
 * The default number of decode workers for `windowCount` windows on a machine that runs
 * `parallelism` threads at once (undefined: not known; `runtimeParallelism()` or Node's
 * `os.availableParallelism()` tell): none below `MIN_WINDOWS_FOR_WORKERS` windows, else one
 * per core, at most `MAX_DECODE_WORKERS` and never more than windows.
 */
export function defaultDecodeWorkers(windowCount: number, parallelism: number | undefined): number {
  if (windowCount < MIN_WINDOWS_FOR_WORKERS) return 0;
  return capDecodeWorkers(parallelism ?? UNKNOWN_PARALLELISM_DEFAULT, windowCount, parallelism);
}

/**
 * `requested` workers capped at what can help: no more than windows, than cores (when the
 * runtime says how many) and than `MAX_DECODE_WORKERS`.
 */
export function capDecodeWorkers(requested: number, windowCount: number, parallelism: number | undefined): number {
  return Math.max(0, Math.min(requested, windowCount, parallelism ?? Number.POSITIVE_INFINITY, MAX_DECODE_WORKERS));
}

/** Threads this runtime runs at once, from `navigator.hardwareConcurrency` (browsers, Deno, Bun, Node 21+). */
export function runtimeParallelism(): number | undefined {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: unknown } }).navigator?.hardwareConcurrency;
  return typeof cores === "number" && cores >= 1 ? Math.floor(cores) : undefined;
}
