import type { BatchScan } from "./scan-batch.ts";
import { scanBatch } from "./scan-batch.ts";

/** A worker that runs `scanBatch`: in a thread, a Web Worker, or in-process. */
export interface ScanWorker {
  /** Scans a batch; `transfer` hands `bytes`' buffer to the worker (the caller must not use it after). */
  scan(bytes: Uint8Array, byteOffset: number, scanEnd: number, transfer: boolean): Promise<BatchScan>;
  terminate(): void;
}

export type ScanWorkerFactory = () => ScanWorker;

/** Runs scans on the calling thread: `workers: 0`. */
export function inProcessWorker(): ScanWorker {
  return {
    scan: async (bytes, byteOffset, scanEnd) => scanBatch(bytes, byteOffset, scanEnd),
    terminate: () => {},
  };
}

export interface WorkerRequest {
  id: number;
  bytes: Uint8Array;
  byteOffset: number;
  scanEnd: number;
}

export type WorkerReply = { id: number; scan: BatchScan } | { id: number; error: string };

/** The shape both Node's worker_threads Worker and a Web Worker can be adapted to. */
export interface MessageChannelLike {
  post(message: WorkerRequest, transfer: ArrayBuffer[]): void;
  onReply(handler: (reply: WorkerReply) => void): void;
  onFailure(handler: (error: unknown) => void): void;
  terminate(): void;
}

/** Wraps a message-passing worker as a `ScanWorker`, matching replies to requests by id. */
export function messageWorker(channel: MessageChannelLike): ScanWorker {
  let nextId = 0;
  const waiting = new Map<number, { resolve: (scan: BatchScan) => void; reject: (error: unknown) => void }>();
  channel.onReply((reply) => {
    const entry = waiting.get(reply.id);
    if (entry === undefined) return;
    waiting.delete(reply.id);
    if ("error" in reply) entry.reject(new Error(`index worker failed: ${reply.error}`));
    else entry.resolve(reply.scan);
  });
  channel.onFailure((error) => {
    for (const entry of waiting.values()) entry.reject(error);
    waiting.clear();
  });
  return {
    scan(bytes, byteOffset, scanEnd, transfer) {
      const id = nextId++;
      // Without transfer, copy: the caller's buffer must stay usable (a view of a user's file in memory).
      const payload = transfer ? bytes : bytes.slice();
      return new Promise<BatchScan>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        channel.post({ id, bytes: payload, byteOffset, scanEnd }, [payload.buffer as ArrayBuffer]);
      });
    },
    terminate: () => channel.terminate(),
  };
}
