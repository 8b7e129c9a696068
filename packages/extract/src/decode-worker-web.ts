// Web Worker entry (browsers, Deno, Bun): started by `webDecoderFactory`.
import { handleDecodeRequest, type WorkerReply, type WorkerRequest } from "./decoder-pool.ts";

const scope = globalThis as unknown as {
  onmessage: ((event: { data: WorkerRequest }) => void) | null;
  postMessage(message: WorkerReply, transfer: ArrayBuffer[]): void;
};
scope.onmessage = (event) =>
  void handleDecodeRequest(event.data, (message, transfer) => scope.postMessage(message, transfer));
