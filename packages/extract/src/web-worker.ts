import { type DecodeWorker, messageDecoder } from "./decoder-pool.ts";
import { ExtractError, type ExtractErrorCode } from "./errors.ts";

interface WebWorkerLike {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  terminate(): void;
}

export function hasWebWorkers(): boolean {
  return typeof (globalThis as { Worker?: unknown }).Worker === "function";
}

/** A decode worker as a module Web Worker (browsers, Deno, Bun). */
export function webDecoderFactory(): DecodeWorker {
  const WorkerClass = (globalThis as unknown as { Worker: new (url: URL, options: object) => WebWorkerLike }).Worker;
  const worker = new WorkerClass(new URL("./decode-worker-web.js", import.meta.url), { type: "module" });
  return messageDecoder(
    {
      post: (message, transfer) => worker.postMessage(message, transfer),
      onReply: (handler) => {
        worker.onmessage = (event) => handler(event.data as never);
      },
      onFailure: (handler) => {
        worker.onerror = (event) => handler(event);
      },
      terminate: () => worker.terminate(),
    },
    rebuildError,
  );
}

/** Errors cross the worker boundary as text and a code: rebuild the typed error. */
export function rebuildError(reply: { error: string; code?: string }): Error {
  return reply.code ? new ExtractError(reply.code as ExtractErrorCode, reply.error) : new Error(reply.error);
}
