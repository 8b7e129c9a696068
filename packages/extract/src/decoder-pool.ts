import type { OpusHead } from "@granule/opus-index";
import { rpcClient, type WorkerPort } from "@granule/opus-index/internal";
import { decodeWindow, type WindowJob, type WindowOutput } from "./decode-window.ts";
import { ExtractError, type ExtractErrorCode } from "./errors.ts";
import { WindowDecoder } from "./window-decoder.ts";

/** Decodes windows: in a worker thread, a Web Worker, or in-process. */
export interface DecodeWorker {
  /** `transfer` hands `job.bytes`' buffer to the worker (the caller must not use it after). */
  decode(job: WindowJob, transfer: boolean): Promise<WindowOutput>;
  terminate(): void;
  /**
   * Decodes on the calling thread, blocking it while it decodes. A worker thread gets its
   * next window queued behind the one it decodes, so that it never waits for a calling thread
   * that is busy decoding one of its own.
   */
  readonly onCallingThread?: boolean;
}

/**
 * Starts a decode worker. It may say how many threads the machine runs at once
 * (`parallelism`), which caps the worker count; else `navigator.hardwareConcurrency` does.
 */
export type DecodeWorkerFactory = (() => DecodeWorker) & {
  readonly parallelism?: number;
  /**
   * The calling thread decodes too, as one of the workers: n workers are n - 1 threads and the
   * caller. Where the caller has nothing else to do while windows decode (a Node process, whose
   * main thread only reads windows and writes outputs) that saves a thread's start and memory
   * at the same speed; a browser page keeps its thread for the page.
   */
  readonly callerDecodes?: boolean;
};

/**
 * Decoders kept per channel layout, so a thread compiles and creates each once. A decoder's
 * state belongs to one window at a time: `run` queues callers, so concurrent extractions in
 * one thread never restart or decode on each other's state. A decoder that broke (a WASM trap,
 * a stack overflow) is replaced by a new one, a new WASM instance, before the next caller.
 */
export class DecoderCache {
  private readonly decoders = new Map<string, { decoder: Promise<WindowDecoder>; queue: Promise<unknown> }>();

  run<T>(head: OpusHead, use: (decoder: WindowDecoder) => Promise<T>): Promise<T> {
    const key = `${head.channels}/${head.streamCount}/${head.coupledCount}/${[...head.mapping].join(",")}`;
    let entry = this.decoders.get(key);
    if (entry === undefined) {
      entry = { decoder: WindowDecoder.create(head), queue: Promise.resolve() };
      this.decoders.set(key, entry);
    }
    const own = entry;
    const result = own.queue.then(async () => {
      let decoder = await own.decoder.catch(() => undefined);
      if (decoder === undefined || decoder.broken) {
        own.decoder = WindowDecoder.create(head);
        decoder = await own.decoder;
      }
      return use(decoder);
    });
    own.queue = result.catch(() => {});
    return result;
  }
}

const shared = new DecoderCache();

/** The layout most field recordings have: mono, mapping family 0 (as `parseOpusHead` gives it). */
const MONO_HEAD: OpusHead = {
  version: 1,
  channels: 1,
  preSkip: 0,
  inputSampleRate: 48_000,
  outputGainQ8: 0,
  mappingFamily: 0,
  streamCount: 1,
  coupledCount: 0,
  mapping: Uint8Array.of(0),
};

/**
 * Compiles the WASM decoder and creates this thread's mono decoder now, so that a worker
 * started ahead of an extraction (`prestartDecodeWorkers`) is ready when its first window
 * comes. Another layout still compiles nothing again: the compiled module is shared.
 */
export function warmUpDecoder(): void {
  void shared.run(MONO_HEAD, async () => undefined).catch(() => undefined);
}

/** Decodes on the calling thread: `workers: 0`. */
export function inProcessDecoder(): DecodeWorker {
  return {
    decode: (job) => shared.run(job.head, (decoder) => decodeWindow(decoder, job)),
    terminate: () => {},
    onCallingThread: true,
  };
}

/** What a decode worker answers: the output, or an `ExtractError`'s fields (the RPC carries only text and a code). */
type DecodeReply = { output: WindowOutput } | { failure: ExtractErrorFields };

interface ExtractErrorFields {
  code: ExtractErrorCode;
  message: string;
  byteOffset: number | undefined;
  startSample: number | undefined;
  endSample: number | undefined;
}

/** A decode worker behind a message port (`rpcClient` from @granule/opus-index). */
export function decodeWorkerOver(port: WorkerPort): DecodeWorker {
  const client = rpcClient<WindowJob, DecodeReply>(port, rebuildError);
  return {
    async decode(job, transfer) {
      // Without transfer, copy: the bytes may be a view of the caller's file in memory.
      const bytes = transfer ? job.bytes : job.bytes.slice();
      // The spare output buffers are the extraction's own: always handed over.
      const reply = await client.call({ ...job, bytes, packetSamples: job.packetSamples.slice() }, [
        bytes.buffer as ArrayBuffer,
        ...(job.spare ?? []),
      ]);
      if ("failure" in reply) {
        const { code, message, ...details } = reply.failure;
        throw new ExtractError(code, message, details);
      }
      return reply.output;
    },
    terminate: () => client.terminate(),
  };
}

/** The worker side: decode with this thread's decoders, reply with transferable arrays. */
export async function handleDecode(job: WindowJob): Promise<{ result: DecodeReply; transfer: ArrayBuffer[] }> {
  let output: WindowOutput;
  try {
    output = await shared.run(job.head, (decoder) => decodeWindow(decoder, job));
  } catch (error) {
    if (!(error instanceof ExtractError)) throw error;
    const { code, message, byteOffset, startSample, endSample } = error;
    return { result: { failure: { code, message, byteOffset, startSample, endSample } }, transfer: [] };
  }
  return {
    result: { output },
    // Parts may be views of one buffer (`viewParts`): each buffer is handed over once.
    transfer: [...new Set(output.flatMap((part) => part.map((channel) => channel.buffer as ArrayBuffer)))],
  };
}

/** Errors cross the worker boundary as text and a code: rebuild the typed error. */
function rebuildError(error: string, code: string | undefined): Error {
  return code ? new ExtractError(code as ExtractErrorCode, error) : new Error(error);
}
