// Web Worker entry (browsers, Deno, Bun): started by `webDecoderFactory`.
import { type RpcRequest, serveRequest, webWorkerScope } from "@granule/opus-index/internal";
import { handleDecode } from "./decoder-pool.ts";

const scope = webWorkerScope();
scope.onMessage((message) => void serveRequest(message as RpcRequest<never>, handleDecode, scope.post));
