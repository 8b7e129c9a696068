import { scanBatch, scanBuffers } from "./scan-batch.ts";
import type { WorkerReply, WorkerRequest } from "./scan-worker-pool.ts";

/** The body of every scan worker: run the pure core, reply with transferable columns. */
export function handleScanRequest(
  request: WorkerRequest,
  reply: (message: WorkerReply, transfer: ArrayBuffer[]) => void,
): void {
  try {
    const scan = scanBatch(request.bytes, request.byteOffset, request.scanEnd);
    reply({ id: request.id, scan }, scanBuffers(scan));
  } catch (error) {
    reply({ id: request.id, error: error instanceof Error ? error.message : String(error) }, []);
  }
}
