// Node worker_threads entry: started by `nodeDecoderFactory` in the Node entry point.
import { parentPort } from "node:worker_threads";
import { serveRequest } from "@granule/opus-index/internal";
import { handleDecode, warmUpDecoder } from "./decoder-pool.ts";

const port = parentPort!;
port.on(
  "message",
  (message) => void serveRequest(message, handleDecode, (reply, transfer) => port.postMessage(reply, transfer)),
);
// Started ahead of its first window (see prestartDecodeWorkers): get the decoder ready meanwhile.
warmUpDecoder();
