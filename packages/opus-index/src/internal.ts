// Not the public surface: the plumbing granule's own packages share (worker RPC, the batch
// scanner). It may change in any release; docs/ describe the public entries only.
export { checkIndexJson, checkIndexRows, type IndexJson, InvalidIndexData } from "./index-validation.ts";
export { type BatchScan, OPEN_END, scanBatch } from "./scan-batch.ts";
export { inProcessWorker } from "./scan-worker-pool.ts";
export {
  hasWebWorkers,
  type RpcClient,
  type RpcReply,
  type RpcRequest,
  rpcClient,
  serveRequest,
  type WorkerPort,
  webWorkerPort,
  webWorkerScope,
} from "./worker-rpc.ts";
