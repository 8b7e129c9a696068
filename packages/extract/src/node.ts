// Node-only entry point: worker_threads decoding and file output.
import { writeFile } from "node:fs/promises";
import type { Recording } from "@granule/opus-index";
import { nodeWorkerPort, whileBusy } from "@granule/opus-index/node";
import { type DecodeWorker, decodeWorkerOver } from "./decoder-pool.ts";
import {
  type extractEach as ExtractEach,
  type ExtractOptions,
  extractEach as extractEachAnywhere,
  extractMany as extractManyAnywhere,
  type Segment,
} from "./extract.ts";
import type { SegmentRange } from "./plan-windows.ts";
import { encodeWav, type WavOptions } from "./wav.ts";

/** A decode worker on a (pooled) worker_threads thread: each compiles the WASM decoder once. */
export function nodeDecoderFactory(): DecodeWorker {
  const port = nodeWorkerPort(new URL("./decode-worker-node.js", import.meta.url));
  const worker = decodeWorkerOver(port);
  return {
    decode: (job, transfer) => whileBusy(port, () => worker.decode(job, transfer)),
    terminate: () => worker.terminate(),
  };
}

const withNodeWorkers = (options: ExtractOptions): ExtractOptions => ({
  workerFactory: nodeDecoderFactory,
  ...options,
});

/** `extractMany` with worker_threads available (pass `workers`). */
export function extractMany(
  recording: Recording,
  ranges: readonly SegmentRange[],
  options: ExtractOptions = {},
): Promise<Segment[]> {
  return extractManyAnywhere(recording, ranges, withNodeWorkers(options));
}

/** `extractEach` with worker_threads available (pass `workers`). */
export function extractEach(
  recording: Recording,
  ranges: readonly SegmentRange[],
  onSegment: Parameters<typeof ExtractEach>[2],
  options: ExtractOptions = {},
): Promise<void> {
  return extractEachAnywhere(recording, ranges, onSegment, withNodeWorkers(options));
}

/** Writes a segment as a WAV file (pass the OpusHead mapping family for channel order and mask). */
export async function writeWav(path: string, segment: Segment, options: WavOptions = {}): Promise<void> {
  await writeFile(path, encodeWav(segment.channels, segment.sampleRate, options));
}

export * from "./index.ts";
