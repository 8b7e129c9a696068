// Node worker_threads entry: started by `encodeFiles` in the Node entry point.
import { parentPort } from "node:worker_threads";
import { serveRequest } from "@granule/opus-index/internal";
import { runEncodeJob } from "./node.ts";

const port = parentPort!;
port.on(
  "message",
  (message) =>
    void serveRequest(
      message as Parameters<typeof serveRequest<Parameters<typeof runEncodeJob>[0], unknown>>[0],
      async (payload) => ({ result: await runEncodeJob(payload), transfer: [] }),
      (reply, transfer) => port.postMessage(reply, transfer),
    ),
);
