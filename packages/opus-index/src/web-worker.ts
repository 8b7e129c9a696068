import { messageWorker, type ScanWorker } from "./scan-worker-pool.ts";

interface WebWorkerLike {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  terminate(): void;
}

/** Whether this runtime has Web Workers (browsers, Deno, Bun; not Node 20-22). */
export function hasWebWorkers(): boolean {
  return typeof (globalThis as { Worker?: unknown }).Worker === "function";
}

/** Starts a scan worker as a module Web Worker. */
export function webWorkerFactory(): ScanWorker {
  const WorkerClass = (globalThis as unknown as { Worker: new (url: URL, options: object) => WebWorkerLike }).Worker;
  const worker = new WorkerClass(new URL("./scan-worker-web.js", import.meta.url), { type: "module" });
  return messageWorker({
    post: (message, transfer) => worker.postMessage(message, transfer),
    onReply: (handler) => {
      worker.onmessage = (event) => handler(event.data as never);
    },
    onFailure: (handler) => {
      worker.onerror = (event) => handler(event);
    },
    terminate: () => worker.terminate(),
  });
}
