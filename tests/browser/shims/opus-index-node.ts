// "@granule/opus-index/node" for opus-index's workers.test in the browser: the same functions
// with the browser's Web Workers in place of worker_threads (buildIndex of the main entry uses
// Web Workers where they exist; webWorkerFactory is the Web Worker twin of nodeWorkerFactory).
export { buildIndex, webWorkerFactory as nodeWorkerFactory } from "@granule/opus-index";
