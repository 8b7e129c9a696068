// Node worker_threads entry: started by `nodeWorkerFactory` in the Node entry point.
import { parentPort } from "node:worker_threads";
import { handleScan } from "./scan-worker-pool.ts";
import { serveRequest } from "./worker-rpc.ts";

const port = parentPort!;
port.on(
  "message",
  (message) => void serveRequest(message, handleScan, (reply, transfer) => port.postMessage(reply, transfer)),
);
