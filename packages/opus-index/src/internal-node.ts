// Not the public surface: worker_threads plumbing granule's own packages share (see internal.ts).
export * from "./internal.ts";
export { nodeWorkerPort, prestartWorkers, whileBusy } from "./node-worker-port.ts";
