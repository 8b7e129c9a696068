// Node worker_threads entry: started by `nodeDecoderFactory` in the Node entry point.
import { parentPort } from "node:worker_threads";
import { handleDecodeRequest } from "./decoder-pool.ts";

const port = parentPort!;
port.on(
  "message",
  (request) => void handleDecodeRequest(request, (message, transfer) => port.postMessage(message, transfer)),
);
