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
  const worker = newWorker(script);
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
 * A thread of `script` with the parent's Node flags. By default a worker inherits them, and
 * V8's and the process's own (`--max-old-space-size=4096`, `--stack-size=...`), which apply to
 * the whole process already, are passed over. But `node --input-type=module -e ...` would make
 * every inheriting worker fail with ERR_INPUT_TYPE_NOT_ALLOWED, so then the flags are given
 * without it; a list given explicitly must not hold V8's or the process's flags either
 * (ERR_WORKER_INVALID_EXEC_ARGV), and Node names those it refuses: they are left out too.
 */
function newWorker(script: URL): Worker {
  const execArgv = process.execArgv;
  const withoutInputType = execArgv.filter(
    (arg, i) => !(arg === "--input-type" || arg.startsWith("--input-type=") || execArgv[i - 1] === "--input-type"),
  );
  if (withoutInputType.length === execArgv.length) return new Worker(script);
  try {
    return new Worker(script, { execArgv: withoutInputType });
  } catch (error) {
    const refused = refusedFlags(error);
    if (refused === undefined) throw error;
    return new Worker(script, { execArgv: withoutInputType.filter((arg) => !refused.has(arg.split("=")[0]!)) });
  }
}

/** The flags an ERR_WORKER_INVALID_EXEC_ARGV names ("... invalid execArgv flags: --a=1, --b"), by name. */
function refusedFlags(error: unknown): Set<string> | undefined {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const at = typeof message === "string" ? message.indexOf("flags:") : -1;
  if (code !== "ERR_WORKER_INVALID_EXEC_ARGV" || at < 0) return undefined;
  const listed = (message as string).slice(at + "flags:".length);
  return new Set(listed.split(",").map((flag) => flag.trim().split("=")[0]!));
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
