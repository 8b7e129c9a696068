import { Worker } from "node:worker_threads";
import type { WorkerPort } from "./worker-rpc.ts";

/**
 * worker_threads ports for `rpcClient`, pooled per script: starting a thread and compiling
 * its code costs tens of milliseconds, so idle threads wait (unref'd, never keeping the
 * process alive) for the next build or extraction. A busy thread is ref'd so the process waits
 * for its reply. A thread that failed is terminated, never reused.
 */
interface Pooled {
  worker: Worker;
  handlers: { message?: (message: unknown) => void; failure?: (error: unknown) => void };
  failed: boolean;
}

const idle = new Map<string, Pooled[]>();
const MAX_IDLE_PER_SCRIPT = 8;

export function nodeWorkerPort(script: URL): WorkerPort & { busy(delta: 1 | -1): void } {
  const key = script.href;
  const pooled = idle.get(key)?.pop() ?? start(script);
  let busy = 0;
  let released = false;
  return {
    post: (message, transfer) => pooled.worker.postMessage(message, transfer),
    onMessage: (handler) => {
      pooled.handlers.message = handler;
    },
    onFailure: (handler) => {
      pooled.handlers.failure = handler;
    },
    busy(delta) {
      busy += delta;
      if (busy === 1 && delta === 1) pooled.worker.ref();
      if (busy === 0) pooled.worker.unref();
    },
    terminate() {
      if (released) return;
      released = true;
      pooled.handlers = {};
      const list = idle.get(key) ?? [];
      if (!pooled.failed && busy === 0 && list.length < MAX_IDLE_PER_SCRIPT) {
        pooled.worker.unref();
        list.push(pooled);
        idle.set(key, list);
      } else {
        void pooled.worker.terminate();
      }
    },
  };
}

/**
 * Starts threads of `script` now, into the idle pool, until `count` wait there (at most
 * `MAX_IDLE_PER_SCRIPT`): their start (a thread, the module, what it compiles on loading)
 * then overlaps whatever the caller does before it needs them, such as indexing a file.
 */
export function prestartWorkers(script: URL, count: number): void {
  const list = idle.get(script.href) ?? [];
  while (list.length < Math.min(count, MAX_IDLE_PER_SCRIPT)) list.push(start(script));
  idle.set(script.href, list);
}

function start(script: URL): Pooled {
  const worker = new Worker(script, { execArgv: workerExecArgv() });
  const pooled: Pooled = { worker, handlers: {}, failed: false };
  worker.on("message", (message) => pooled.handlers.message?.(message));
  worker.on("error", (error) => {
    pooled.failed = true;
    pooled.handlers.failure?.(error);
  });
  // A thread that exits on its own (not terminated by us) leaves calls unanswered: fail them.
  worker.on("exit", (code) => {
    pooled.failed = true;
    pooled.handlers.failure?.(new Error(`worker thread exited with code ${code}`));
  });
  worker.unref();
  return pooled;
}

/**
 * The parent's Node flags minus those a worker refuses: `node --input-type=module -e ...`
 * would otherwise make every worker fail with ERR_INPUT_TYPE_NOT_ALLOWED.
 */
function workerExecArgv(): string[] {
  const argv: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (arg === "--input-type") i++;
    else if (!arg.startsWith("--input-type=")) argv.push(arg);
  }
  return argv;
}

/** Wraps a call so the thread behind `port` is ref'd while it runs. */
export async function whileBusy<T>(port: { busy(delta: 1 | -1): void }, run: () => Promise<T>): Promise<T> {
  port.busy(1);
  try {
    return await run();
  } finally {
    port.busy(-1);
  }
}
