// Node-only entry point: worker_threads decoding and file output.
import { writeFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import type { Recording } from "@granule/opus-index";
import { type DecodeWorker, messageDecoder } from "./decoder-pool.ts";
import {
  type extractEach as ExtractEach,
  type ExtractOptions,
  extractEach as extractEachAnywhere,
  extractMany as extractManyAnywhere,
  type Segment,
} from "./extract.ts";
import type { SegmentRange } from "./plan-windows.ts";
import { encodeWav, type WavOptions } from "./wav.ts";
import { rebuildError } from "./web-worker.ts";

interface PooledWorker {
  worker: Worker;
  decoder: DecodeWorker;
  failed: { value: boolean };
}
/** Idle threads kept for the next call: each compiles the WASM decoder once (~25 ms). */
const idle: PooledWorker[] = [];

function start(): PooledWorker {
  const worker = new Worker(new URL("./decode-worker-node.js", import.meta.url), { execArgv: workerExecArgv() });
  const failed = { value: false };
  const decoder = messageDecoder(
    {
      post: (message, transfer) => worker.postMessage(message, transfer),
      onReply: (handler) => worker.on("message", handler),
      onFailure: (handler) =>
        worker.on("error", (error) => {
          failed.value = true;
          handler(error);
        }),
      terminate: () => void worker.terminate(),
    },
    rebuildError,
  );
  return { worker, decoder, failed };
}

/** A decode worker on a worker_threads thread; threads are reused, and never keep the process alive when idle. */
export function nodeDecoderFactory(): DecodeWorker {
  const pooled = idle.pop() ?? start();
  const { worker, decoder, failed } = pooled;
  let busy = 0;
  return {
    async decode(job, transfer) {
      if (busy++ === 0) worker.ref();
      try {
        return await decoder.decode(job, transfer);
      } finally {
        if (--busy === 0) worker.unref();
      }
    },
    terminate() {
      if (!failed.value && busy === 0 && idle.length < 8) {
        worker.unref();
        idle.push(pooled);
      } else {
        decoder.terminate();
      }
    },
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

/**
 * The parent's Node flags minus those a worker refuses: `node --input-type=module -e ...`
 * would otherwise make every worker fail with ERR_INPUT_TYPE_NOT_ALLOWED.
 */
function workerExecArgv(): string[] {
  const argv: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (arg === "--input-type") i++;
    else if (!arg.startsWith("--input-type=")) argv.push(arg);
  }
  return argv;
}
