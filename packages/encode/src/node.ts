// Node-only entry point: files, node:crypto and worker_threads. Everything else is in the main entry.
import { createHash, randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename } from "node:path";
import { nodeWorkerPort, rpcClient, whileBusy } from "@granule/opus-index/internal/node";
import { fileSource } from "@granule/opus-index/node";
import { type EncodeOptions, type EncodeResult, encode } from "./encode.ts";
import { EncodeError, type EncodeErrorCode } from "./errors.ts";
import type { FileNameParser } from "./recorder-metadata.ts";
import type { ResamplerFactory } from "./resampler.ts";
import type { Sha256Factory } from "./sha256.ts";

/** SHA-256 by node:crypto (native; several times faster than the JavaScript one). */
export const nodeSha256: Sha256Factory = () => {
  const hash = createHash("sha256");
  return {
    update: (bytes) => {
      hash.update(bytes);
    },
    digestHex: () => hash.digest("hex"),
  };
};

const WRITE_BUFFER_BYTES = 1 << 20;

/**
 * Encodes the file at `inputPath` to `outputPath`. The pages go to a temporary file beside
 * it, renamed into place only once the encode is complete: on any error there is no output
 * file, never a partial one. The source name defaults to the input's base name.
 */
export async function encodeFile(
  inputPath: string,
  outputPath: string,
  options: EncodeOptions = {},
): Promise<EncodeResult> {
  const source = await fileSource(inputPath);
  const partial = `${outputPath}.partial-${randomBytes(4).toString("hex")}`;
  const out = await open(partial, "wx");
  let buffer = new Uint8Array(WRITE_BUFFER_BYTES);
  let filled = 0;
  const flush = async (): Promise<void> => {
    if (filled > 0) await out.write(buffer, 0, filled);
    filled = 0;
  };
  try {
    const result = await encode(
      source,
      async (page) => {
        if (filled + page.length > buffer.length) await flush();
        if (page.length > buffer.length) buffer = new Uint8Array(page.length);
        buffer.set(page, filled);
        filled += page.length;
      },
      { sha256: nodeSha256, sourceName: basename(inputPath), ...options },
    );
    await flush();
    await out.close();
    await rename(partial, outputPath);
    return result;
  } catch (error) {
    await out.close().catch(() => undefined);
    await unlink(partial).catch(() => undefined);
    throw error;
  } finally {
    await source.close();
  }
}

/** Options for `encodeFiles`: everything `encodeFile` takes that can cross to a worker thread. */
export interface EncodeFilesOptions
  extends Omit<EncodeOptions, "resampler" | "parseFileName" | "sha256" | "signal" | "onProgress"> {
  /** Stops the encodes in progress (workers are terminated, their partial outputs removed) and rejects with its reason. */
  signal?: AbortSignal;
  /** Worker threads, each encoding one file at a time. 0: one after the other in this thread. Default 2. */
  workers?: number;
  /**
   * Modules the workers import for the hooks functions cannot carry across threads: a module
   * exporting `createResampler` (`@granule/resample`) and one exporting `parseRecorderFileName`
   * (`@granule/zarr-opus`).
   */
  resamplerModule?: string;
  fileNameModule?: string;
  /** Called as each file is done. */
  onFile?: (outcome: EncodeFileOutcome, index: number) => void;
}

export interface EncodeFileJob {
  input: string;
  output: string;
}

export type EncodeFileOutcome =
  | { input: string; output: string; result: EncodeResult }
  | { input: string; output: string; error: EncodeError | Error };

interface WorkerPayload {
  input: string;
  output: string;
  options: Omit<EncodeFilesOptions, "workers" | "onFile">;
}

/**
 * Encodes many files, several at once on worker threads (each file stays one streaming pass
 * with bounded memory). Outcomes come back in input order; a failed file does not stop the others.
 */
export async function encodeFiles(
  jobs: readonly EncodeFileJob[],
  options: EncodeFilesOptions = {},
): Promise<EncodeFileOutcome[]> {
  const { workers = 2, onFile, signal, ...rest } = options;
  signal?.throwIfAborted();
  const outcomes: EncodeFileOutcome[] = new Array(jobs.length);
  let next = 0;
  const lane = async (run: (payload: WorkerPayload) => Promise<EncodeResult>): Promise<void> => {
    while (next < jobs.length) {
      signal?.throwIfAborted();
      const index = next++;
      const { input, output } = jobs[index]!;
      try {
        outcomes[index] = { input, output, result: await run({ input, output, options: rest }) };
      } catch (error) {
        outcomes[index] = { input, output, error: error as Error };
      }
      onFile?.(outcomes[index]!, index);
    }
  };
  if (workers <= 0) {
    await lane((payload) => runEncodeJob(payload, signal));
    return outcomes;
  }
  const clients: { terminate(): void }[] = [];
  const lanes = Array.from({ length: Math.min(workers, jobs.length) }, async () => {
    const port = nodeWorkerPort(new URL("./encode-worker-node.js", import.meta.url));
    const client = rpcClient<WorkerPayload, EncodeResult>(port, (message, code) =>
      code === undefined ? new Error(message) : new EncodeError(code as EncodeErrorCode, message),
    );
    clients.push(client);
    try {
      await lane((payload) => whileBusy(port, () => client.call(payload, [])));
    } finally {
      client.terminate();
    }
  });
  // An abort terminates the workers mid-file: the partial outputs they leave are removed here.
  const aborted = new Promise<never>((_, reject) => {
    signal?.addEventListener(
      "abort",
      () => {
        for (const client of clients) client.terminate();
        reject(signal.reason);
      },
      { once: true },
    );
  });
  aborted.catch(() => undefined);
  try {
    await Promise.race([Promise.all(lanes), aborted]);
  } catch (error) {
    if (signal?.aborted) await removePartials(jobs);
    throw error;
  }
  return outcomes;
}

/** One job, as a worker (or the calling thread) runs it. */
export async function runEncodeJob(payload: WorkerPayload, signal?: AbortSignal): Promise<EncodeResult> {
  const { resamplerModule, fileNameModule, ...options } = payload.options;
  const hooks: { resampler?: ResamplerFactory; parseFileName?: FileNameParser } = {};
  if (resamplerModule !== undefined) hooks.resampler = (await import(resamplerModule)).createResampler;
  if (fileNameModule !== undefined) hooks.parseFileName = (await import(fileNameModule)).parseRecorderFileName;
  return encodeFile(payload.input, payload.output, { ...options, ...hooks, ...(signal ? { signal } : {}) });
}

/** Removes what encodes stopped in a worker left: `<output>.partial-<hex>` files. */
async function removePartials(jobs: readonly EncodeFileJob[]): Promise<void> {
  const { readdir } = await import("node:fs/promises");
  const { dirname, join } = await import("node:path");
  for (const folder of new Set(jobs.map((job) => dirname(job.output)))) {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const job of jobs) {
      const prefix = `${basename(job.output)}.partial-`;
      for (const name of names) if (name.startsWith(prefix)) await unlink(join(folder, name)).catch(() => undefined);
    }
  }
}

export * from "./index.ts";
