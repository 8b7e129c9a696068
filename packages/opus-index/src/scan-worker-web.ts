// Web Worker entry (browsers, Deno, Bun): started by `webWorkerFactory`.
import type { WorkerReply, WorkerRequest } from "./scan-worker-pool.ts";
import { handleScanRequest } from "./worker-handler.ts";

const scope = globalThis as unknown as {
  onmessage: ((event: { data: WorkerRequest }) => void) | null;
  postMessage(message: WorkerReply, transfer: ArrayBuffer[]): void;
};
scope.onmessage = (event) => handleScanRequest(event.data, (message, transfer) => scope.postMessage(message, transfer));
