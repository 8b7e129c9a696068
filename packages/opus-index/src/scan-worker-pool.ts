import type { BatchScan } from "./scan-batch.ts";
import { scanBatch, scanBuffers } from "./scan-batch.ts";
import { type RpcClient, rpcClient, type WorkerPort } from "./worker-rpc.ts";

/** A worker that runs `scanBatch`: in a thread, a Web Worker, or in-process. */
export interface ScanWorker {
  /** Scans a batch; `transfer` hands `bytes`' buffer to the worker (the caller must not use it after). */
  scan(bytes: Uint8Array, byteOffset: number, scanEnd: number, transfer: boolean): Promise<BatchScan>;
  terminate(): void;
}

export type ScanWorkerFactory = () => ScanWorker;

/** What a scan worker receives. */
export interface ScanRequest {
  bytes: Uint8Array;
  byteOffset: number;
  scanEnd: number;
}

/** Runs scans on the calling thread: `workers: 0`. */
export function inProcessWorker(): ScanWorker {
  return {
    scan: async (bytes, byteOffset, scanEnd) => scanBatch(bytes, byteOffset, scanEnd),
    terminate: () => {},
  };
}

/** A scan worker behind a message port (see `worker-rpc.ts`). */
export function scanWorkerOver(port: WorkerPort): ScanWorker {
  const client: RpcClient<ScanRequest, BatchScan> = rpcClient(port);
  return {
    scan(bytes, byteOffset, scanEnd, transfer) {
      // Without transfer, copy: the caller's buffer must stay usable (a view of a user's file in memory).
      const payload = transfer ? bytes : bytes.slice();
      return client.call({ bytes: payload, byteOffset, scanEnd }, [payload.buffer as ArrayBuffer]);
    },
    terminate: () => client.terminate(),
  };
}

/** The worker side: scan and reply with transferable columns. */
export function handleScan(request: ScanRequest): { result: BatchScan; transfer: ArrayBuffer[] } {
  const scan = scanBatch(request.bytes, request.byteOffset, request.scanEnd);
  return { result: scan, transfer: scanBuffers(scan) };
}
