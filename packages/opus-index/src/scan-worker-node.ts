// Node worker_threads entry: started by `nodeWorkerFactory` in the Node entry point.
import { parentPort } from "node:worker_threads";
import { handleScanRequest } from "./worker-handler.ts";

const port = parentPort!;
port.on("message", (request) => handleScanRequest(request, (message, transfer) => port.postMessage(message, transfer)));
