import type { BatchScan } from "./scan-batch.ts";
import { scanBatch, scanBuffers } from "./scan-batch.ts";
import { type RpcClient, rpcClient, type WorkerPort } from "./worker-rpc.ts";

/** A scan, and the batch's buffer handed back for the next read (its whole `ArrayBuffer`). */
export interface ScanReply {
  scan: BatchScan;
  buffer: ArrayBuffer;
}

/** A worker that runs `scanBatch`: in a thread, a Web Worker, or in-process. */
export interface ScanWorker {
  /**
   * Scans a batch; `transfer` hands `bytes`' buffer to the worker (the caller must not use it
   * until the reply hands it back).
   */
  scan(bytes: Uint8Array, byteOffset: number, scanEnd: number, transfer: boolean): Promise<ScanReply>;
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
    scan: async (bytes, byteOffset, scanEnd) => ({
      scan: scanBatch(bytes, byteOffset, scanEnd),
      buffer: bytes.buffer as ArrayBuffer,
    }),
    terminate: () => {},
  };
}

/** A scan worker behind a message port (see `worker-rpc.ts`). */
export function scanWorkerOver(port: WorkerPort): ScanWorker {
  const client: RpcClient<ScanRequest, ScanReply> = rpcClient(port);
  return {
    async scan(bytes, byteOffset, scanEnd, transfer) {
      // Without transfer, copy: the caller's buffer must stay usable (a view of a user's file in memory).
      const payload = transfer ? bytes : bytes.slice();
      const reply = await client.call({ bytes: payload, byteOffset, scanEnd }, [payload.buffer as ArrayBuffer]);
      return transfer ? reply : { scan: reply.scan, buffer: bytes.buffer as ArrayBuffer };
    },
    terminate: () => client.terminate(),
  };
}

/** The worker side: scan and reply with transferable columns, handing the batch's buffer back. */
export function handleScan(request: ScanRequest): { result: ScanReply; transfer: ArrayBuffer[] } {
  const scan = scanBatch(request.bytes, request.byteOffset, request.scanEnd);
  const buffer = request.bytes.buffer as ArrayBuffer;
  return { result: { scan, buffer }, transfer: [...scanBuffers(scan), buffer] };
}
