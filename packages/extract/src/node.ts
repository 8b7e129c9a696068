// Node-only entry point: worker_threads decoding and file output. The functions named as in
// the main entry do the same, with the same defaults; this entry only adds worker_threads.
import { open, unlink, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import type { Writable } from "node:stream";
import type { Recording } from "@granule/opus-index";
import { nodeWorkerPort, prestartWorkers, whileBusy } from "@granule/opus-index/internal/node";
import { MAX_DECODE_WORKERS } from "./decode-workers.ts";
import { type DecodeWorker, type DecodeWorkerFactory, decodeWorkerOver } from "./decoder-pool.ts";
import {
  type extractEach as ExtractEach,
  type ExtractOptions,
  extractEach as extractEachAnywhere,
  extractMany as extractManyAnywhere,
  type Segment,
} from "./extract.ts";
import { extractStream as extractStreamAnywhere, type SegmentStream } from "./extract-stream.ts";
import type { SegmentRange } from "./plan-windows.ts";
import { encodeWav, type WavFormat, type WavOptions } from "./wav.ts";
import { type WavSource, wavStream } from "./wav-stream.ts";

const DECODE_WORKER_SCRIPT = new URL("./decode-worker-node.js", import.meta.url);

/** A decode worker on a (pooled) worker_threads thread: each compiles the WASM decoder once. */
export const nodeDecoderFactory: DecodeWorkerFactory = Object.assign(
  (): DecodeWorker => {
    const port = nodeWorkerPort(DECODE_WORKER_SCRIPT);
    const worker = decodeWorkerOver(port);
    return {
      decode: (job, transfer) => whileBusy(port, () => worker.decode(job, transfer)),
      terminate: () => worker.terminate(),
    };
  },
  { parallelism: availableParallelism(), callerDecodes: true },
);

/**
 * Starts `count` decode worker threads now (default: as many as an extraction of many windows
 * takes, one per core but the calling thread's, which decodes too). They wait, not keeping the
 * process alive, for the next extraction: call it before work that comes first, such as
 * indexing the file, so that their start and WASM compile overlap it. Unneeded threads cost
 * memory, not time.
 */
export function prestartDecodeWorkers(count = Math.min(availableParallelism(), MAX_DECODE_WORKERS) - 1): void {
  prestartWorkers(DECODE_WORKER_SCRIPT, count);
}

const withNodeWorkers = (options: ExtractOptions): ExtractOptions => ({
  workerFactory: nodeDecoderFactory,
  ...options,
});

/** `extractMany` with worker_threads available. */
export function extractMany(
  recording: Recording,
  ranges: readonly SegmentRange[],
  options: ExtractOptions = {},
): Promise<Segment[]> {
  return extractManyAnywhere(recording, ranges, withNodeWorkers(options));
}

/** `extractEach` with worker_threads available. */
export function extractEach(
  recording: Recording,
  ranges: readonly SegmentRange[],
  onSegment: Parameters<typeof ExtractEach>[2],
  options: ExtractOptions = {},
): Promise<void> {
  return extractEachAnywhere(recording, ranges, onSegment, withNodeWorkers(options));
}

/** `extractStream` with worker_threads available. */
export function extractStream(recording: Recording, range: SegmentRange, options: ExtractOptions = {}): SegmentStream {
  return extractStreamAnywhere(recording, range, withNodeWorkers(options));
}

/** Writes a segment as a WAV file (pass the OpusHead mapping family for channel order and mask). */
export async function writeWav(path: string, segment: Segment, options: WavOptions = {}): Promise<void> {
  await writeFile(path, encodeWav(segment.channels, segment.sampleRate, options));
}

/**
 * Writes byte chunks (`wavStream`, `rawStream`) to a file, created or truncated, or to a
 * Writable (left open: stdout, a socket), one chunk at a time, waiting for a Writable to
 * drain: nothing is held but the chunk in hand. If the chunks fail, a file is removed (a
 * WAV header would promise samples that are not there) and the error is thrown.
 */
export async function writeChunks(target: string | Writable, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  if (typeof target !== "string") return writeToStream(target, chunks);
  const file = await open(target, "w");
  try {
    for await (const bytes of chunks) {
      let done = 0;
      while (done < bytes.length) done += (await file.write(bytes, done, bytes.length - done)).bytesWritten;
    }
    await file.close();
  } catch (error) {
    await file.close().catch(() => {});
    await unlink(target).catch(() => {});
    throw error;
  }
}

/** `writeChunks(target, wavStream(segment, options))`: a WAV file of a streamed segment. */
export function writeWavStream(
  target: string | Writable,
  segment: WavSource,
  options: { format?: WavFormat } = {},
): Promise<void> {
  return writeChunks(target, wavStream(segment, options));
}

async function writeToStream(target: Writable, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const onError = (error: Error) => {
    failure ??= error;
    wake?.();
  };
  const onClose = () => {
    failure ??= new Error("the stream was closed before all bytes were written");
    wake?.();
  };
  const onDrain = () => wake?.();
  if (target.destroyed || target.writableEnded)
    throw new Error("the stream is destroyed or ended: nothing can be written");
  target.on("error", onError);
  target.on("close", onClose);
  target.on("drain", onDrain);
  try {
    for await (const bytes of chunks) {
      if (failure !== undefined) throw failure;
      if (target.destroyed) throw target.errored ?? new Error("the stream was destroyed while writing");
      if (!target.write(bytes)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (failure !== undefined || !target.writableNeedDrain) resolve();
        });
        wake = undefined;
      }
      if (failure !== undefined) throw failure;
    }
  } finally {
    target.off("error", onError);
    target.off("close", onClose);
    target.off("drain", onDrain);
  }
}

export * from "./index.ts";
