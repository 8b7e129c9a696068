import { hasWebWorkers, webWorkerPort } from "@granule/opus-index/internal";
import { type DecodeWorker, decodeWorkerOver } from "./decoder-pool.ts";

export { hasWebWorkers };

/** A decode worker as a module Web Worker (browsers, Deno, Bun). */
export function webDecoderFactory(): DecodeWorker {
  return decodeWorkerOver(webWorkerPort(new URL("./decode-worker-web.js", import.meta.url)));
}
