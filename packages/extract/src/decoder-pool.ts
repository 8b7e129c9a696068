import type { OpusHead } from "@granule/opus-index";
import { decodeWindow, type WindowJob, type WindowOutput } from "./decode-window.ts";
import { WindowDecoder } from "./window-decoder.ts";

/** Decodes windows: in a worker thread, a Web Worker, or in-process. */
export interface DecodeWorker {
  /** `transfer` hands `job.bytes`' buffer to the worker (the caller must not use it after). */
  decode(job: WindowJob, transfer: boolean): Promise<WindowOutput>;
  terminate(): void;
}

export type DecodeWorkerFactory = () => DecodeWorker;

/**
 * Decoders kept per channel layout, so a thread compiles and creates each once. A decoder's
 * state belongs to one window at a time: `run` queues callers, so concurrent extractions in
 * one thread never restart or decode on each other's state.
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
    const { decoder } = entry;
    const result = entry.queue.then(async () => use(await decoder));
    entry.queue = result.catch(() => {});
    return result;
  }
}

const shared = new DecoderCache();

/** Decodes on the calling thread: `workers: 0`. */
export function inProcessDecoder(): DecodeWorker {
  return {
    decode: (job) => shared.run(job.head, (decoder) => decodeWindow(decoder, job)),
    terminate: () => {},
  };
}

export interface WorkerRequest {
  id: number;
  job: WindowJob;
}

export type WorkerReply = { id: number; output: WindowOutput } | { id: number; error: string; code?: string };

/** Message-passing plumbing shared by the Node and Web Worker adapters. */
export interface MessagePort {
  post(message: WorkerRequest, transfer: ArrayBuffer[]): void;
  onReply(handler: (reply: WorkerReply) => void): void;
  onFailure(handler: (error: unknown) => void): void;
  terminate(): void;
}

export function messageDecoder(
  port: MessagePort,
  rebuildError: (reply: { error: string; code?: string }) => Error,
): DecodeWorker {
  let nextId = 0;
  const waiting = new Map<number, { resolve: (output: WindowOutput) => void; reject: (error: unknown) => void }>();
  port.onReply((reply) => {
    const entry = waiting.get(reply.id);
    if (entry === undefined) return;
    waiting.delete(reply.id);
    if ("error" in reply) entry.reject(rebuildError(reply));
    else entry.resolve(reply.output);
  });
  port.onFailure((error) => {
    for (const entry of waiting.values()) entry.reject(error);
    waiting.clear();
  });
  return {
    decode(job, transfer) {
      const id = nextId++;
      const bytes = transfer ? job.bytes : job.bytes.slice();
      const message = { id, job: { ...job, bytes, packetSamples: job.packetSamples.slice() } };
      return new Promise<WindowOutput>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        port.post(message, [bytes.buffer as ArrayBuffer]);
      });
    },
    terminate: () => port.terminate(),
  };
}

/** The body of a decode worker: decode, reply with transferable arrays. */
export async function handleDecodeRequest(
  request: WorkerRequest,
  reply: (message: WorkerReply, transfer: ArrayBuffer[]) => void,
): Promise<void> {
  try {
    const output = await shared.run(request.job.head, (decoder) => decodeWindow(decoder, request.job));
    reply(
      { id: request.id, output },
      output.flatMap((part) => part.map((channel) => channel.buffer as ArrayBuffer)),
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    reply(
      { id: request.id, error: error instanceof Error ? error.message : String(error), ...(code ? { code } : {}) },
      [],
    );
  }
}
