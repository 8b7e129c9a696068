// Web Worker entry (browsers, Deno, Bun): started by `webWorkerFactory`.
import { handleScan } from "./scan-worker-pool.ts";
import { type RpcRequest, serveRequest, webWorkerScope } from "./worker-rpc.ts";

const scope = webWorkerScope();
scope.onMessage((message) => void serveRequest(message as RpcRequest<never>, handleScan, scope.post));
