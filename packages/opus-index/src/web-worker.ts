import { type ScanWorker, scanWorkerOver } from "./scan-worker-pool.ts";
import { hasWebWorkers, webWorkerPort } from "./worker-rpc.ts";

export { hasWebWorkers };

/** Starts a scan worker as a module Web Worker. */
export function webWorkerFactory(): ScanWorker {
  return scanWorkerOver(webWorkerPort(new URL("./scan-worker-web.js", import.meta.url)));
}
