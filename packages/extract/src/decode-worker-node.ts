// Node worker_threads entry: started by `nodeDecoderFactory` in the Node entry point.
import { parentPort } from "node:worker_threads";
import { serveRequest } from "@granule/opus-index/internal";
import { handleDecode } from "./decoder-pool.ts";

const port = parentPort!;
port.on(
  "message",
  (message) => void serveRequest(message, handleDecode, (reply, transfer) => port.postMessage(reply, transfer)),
);
