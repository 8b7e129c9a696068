import type { WindowJob, WindowOutput } from "./decode-window.ts";
import type { DecodeWorker } from "./decoder-pool.ts";

export interface ScheduleOptions {
  /** Reads window `w`'s bytes. */
  prepare(w: number): Promise<WindowJob>;
  /** Hand jobs' bytes to the workers instead of copying them. */
  transfer: boolean;
  /** Called with each job just before it goes to its worker (read ahead, it may have waited). */
  beforeDecode?(job: WindowJob): void;
  /** Windows in flight per lane (default 2): short windows can afford more for the same memory. */
  windowsPerLane?: number;
  signal?: AbortSignal | undefined;
}

/**
 * Decodes windows 0 to `windowCount - 1` on `workers` and yields their outputs in window
 * order. Each lane reads its next window while it decodes one; a worker thread has two lanes,
 * so its next window is already queued when it finishes one, and one on the calling thread
 * has one lane, which lets the event loop run (replies, reads) before each window it decodes.
 * Memory is bounded by the windows in flight, not by their number: a window is started only
 * while fewer than `windowsPerLane * lanes` are started and not yet taken (the one the
 * consumer holds, between two `next()` calls, counts), so a slow consumer holds decoders back.
 */
export async function* decodeInOrder(
  windowCount: number,
  workers: readonly DecodeWorker[],
  options: ScheduleOptions,
): AsyncGenerator<[number, WindowOutput]> {
  const mixed = workers.some((w) => w.onCallingThread === true) && workers.some((w) => w.onCallingThread !== true);
  const laneWorkers = workers.flatMap((w) => (w.onCallingThread === true ? [w] : [w, w]));
  const limit = (options.windowsPerLane ?? 2) * laneWorkers.length;
  const outputs = new Map<number, WindowOutput>();
  let next = 0; // the next window to start
  let taken = 0; // windows the consumer has finished with
  let failure: { error: unknown } | undefined;
  let stopped = false;
  // Whoever waits (lanes for room, the consumer for an output) is woken on any change.
  let wake: () => void = () => {};
  let changed = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const notify = () => {
    const resolve = wake;
    changed = new Promise<void>((r) => {
      wake = r;
    });
    resolve();
  };
  // Worker threads come first: the calling thread takes a window only while no thread waits
  // for one, since it also hands outputs over (a long range's writing) and must not keep the
  // threads idle by taking every window that frees up.
  let threadsWaiting = 0;
  const tryClaim = (worker: DecodeWorker): number =>
    !stopped && next < windowCount && next - taken < limit && !(worker.onCallingThread === true && threadsWaiting > 0)
      ? next++
      : -1;
  const claim = async (worker: DecodeWorker): Promise<number> => {
    const thread = worker.onCallingThread !== true;
    for (;;) {
      if (stopped || next >= windowCount) return -1;
      const w = tryClaim(worker);
      if (w >= 0) return w;
      if (thread) threadsWaiting++;
      await changed;
      if (thread && --threadsWaiting === 0) notify(); // the calling thread may take what is left
    }
  };
  const prepare = (w: number): Promise<WindowJob> => {
    const job = options.prepare(w);
    job.catch(() => {}); // awaited later, or dropped when stopping
    return job;
  };
  const lane = async (worker: DecodeWorker) => {
    const helper = mixed && worker.onCallingThread === true;
    if (helper) await yieldToEventLoop();
    let w = await claim(worker);
    let pending = w >= 0 ? prepare(w) : undefined;
    while (pending !== undefined) {
      const job = await pending;
      options.signal?.throwIfAborted();
      // Read the next window while this one decodes, if there is room for it now (beside
      // worker threads, the calling thread reads none ahead: a window it holds while it
      // decodes is one a thread could have had).
      let following = helper ? -1 : tryClaim(worker);
      pending = following >= 0 ? prepare(following) : undefined;
      options.beforeDecode?.(job);
      const output = await worker.decode(job, options.transfer);
      if (stopped) return;
      outputs.set(w, output);
      notify();
      // Let the threads' replies and claims in before this thread claims and blocks again.
      if (helper) await yieldToEventLoop();
      if (pending === undefined) {
        following = await claim(worker);
        pending = following >= 0 ? prepare(following) : undefined;
      }
      w = following;
    }
  };
  const lanes = laneWorkers.map((worker) =>
    lane(worker).catch((error: unknown) => {
      failure ??= { error };
      notify();
    }),
  );
  try {
    for (let w = 0; w < windowCount; w++) {
      while (!outputs.has(w)) {
        if (failure !== undefined) throw failure.error;
        await changed;
      }
      const output = outputs.get(w)!;
      outputs.delete(w);
      yield [w, output];
      taken++;
      notify();
    }
    await Promise.all(lanes);
    if (failure !== undefined) throw failure.error;
  } finally {
    stopped = true;
    notify();
  }
}

/** Resolves after the event loop has run what is pending (I/O callbacks, messages). */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (run: () => void) => void }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}
