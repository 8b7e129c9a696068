// Node-only entry point: files and worker_threads. Everything else is in the main entry.
import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { type BuildIndexOptions, buildIndexWith } from "./build-index.ts";
import type { ByteSource } from "./byte-source.ts";
import { OpusError } from "./errors.ts";
import { checkHeaders } from "./header-check.ts";
import { nodeWorkerPort, whileBusy } from "./node-worker-port.ts";
import type { OpusIndex } from "./opus-index.ts";
import { type Recording, recording } from "./recording.ts";
import { type ScanWorker, scanWorkerOver } from "./scan-worker-pool.ts";
import { readSidecar, writeSidecar } from "./sidecar.ts";
import { plainFileRate } from "./time-expansion.ts";

/** A source over a local file, read with positioned reads; `close()` releases it. */
export async function fileSource(
  path: string,
): Promise<
  ByteSource & Required<Pick<ByteSource, "readInto">> & { readonly readsAreFresh: true; close(): Promise<void> }
> {
  const handle = await open(path, "r");
  const { size } = await handle.stat();
  const readInto = async (target: Uint8Array, byteOffset: number) => {
    let done = 0;
    while (done < target.length) {
      const { bytesRead } = await handle.read(target, done, target.length - done, byteOffset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done !== target.length) {
      throw new OpusError("read-failed", `${path}: read ${done} of ${target.length} bytes (did the file shrink?)`, {
        byteOffset,
      });
    }
  };
  return {
    size,
    readsAreFresh: true,
    async read(byteOffset, byteLength) {
      const bytes = new Uint8Array(Math.max(0, Math.min(byteLength, size - byteOffset)));
      await readInto(bytes, byteOffset);
      return bytes;
    },
    readInto,
    close: () => handle.close(),
  };
}

/** A scan worker on a (pooled) worker_threads thread. */
export function nodeWorkerFactory(): ScanWorker {
  const port = nodeWorkerPort(new URL("./scan-worker-node.js", import.meta.url));
  const worker = scanWorkerOver(port);
  return {
    scan: (bytes, byteOffset, scanEnd, transfer) =>
      whileBusy(port, () => worker.scan(bytes, byteOffset, scanEnd, transfer)),
    terminate: () => worker.terminate(),
  };
}

/**
 * The main entry's `buildIndex`, with the same defaults (`defaultScanWorkers`), whose workers
 * are worker_threads threads and whose core count is `os.availableParallelism()`.
 */
export function buildIndex(input: ByteSource | Uint8Array, options: BuildIndexOptions = {}): Promise<OpusIndex> {
  return buildIndexWith(input, options, { workerFactory: nodeWorkerFactory, parallelism: availableParallelism() });
}

/** Indexes a file on disk. */
export async function indexFile(path: string, options: BuildIndexOptions = {}): Promise<OpusIndex> {
  const source = await fileSource(path);
  try {
    return await buildIndex(source, options);
  } finally {
    await source.close();
  }
}

/**
 * Opens the sidecar at `sidecarPath` for the file at `path`: checks that it matches the file's
 * size and that the file still holds the header pages it indexed (`checkHeaders`), so an
 * OpusHead or OpusTags edited in place after indexing is an `OpusError` `stale-index`, never
 * an old index used in silence.
 */
export async function openSidecar(sidecarPath: string, path: string): Promise<OpusIndex> {
  const { readFile } = await import("node:fs/promises");
  const source = await fileSource(path);
  try {
    const bytes = await readFile(sidecarPath);
    const index = readSidecar(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), source.size);
    await checkHeaders(index, source);
    return index;
  } finally {
    await source.close();
  }
}

/** Saves an index as a sidecar file. */
export async function saveSidecar(index: OpusIndex, sidecarPath: string): Promise<void> {
  const { writeFile } = await import("node:fs/promises");
  await writeFile(sidecarPath, writeSidecar(index));
}

export * from "./index.ts";

// Node 20.0-20.3 have no Symbol.asyncDispose (20.4+ do, as Symbol.for("nodejs.asyncDispose")):
// define it the same way so that `await using` (as TypeScript compiles it) finds it.
(Symbol as { asyncDispose?: symbol }).asyncDispose ??= Symbol.for("nodejs.asyncDispose");

/** What `openFile` returns: a `Recording` over an open file, to be closed when done. */
type OpenedFile = Recording & {
  source: Awaited<ReturnType<typeof fileSource>>;
  /** Closes the file (the same as `source.close()`). */
  close(): Promise<void>;
  /** Closes the file at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void>;
};

/**
 * Opens a plain `.opus` file as a `Recording`: from its sidecar when `sidecarPath` names one
 * (which must match the file: its size and header pages, see `openSidecar`), else by indexing
 * it. The file stays open until `close()` (or `source.close()`), which
 * `await using recording = await openFile(path)` calls by itself.
 */
export async function openFile(
  path: string,
  options: BuildIndexOptions & { sampleRate?: number; sidecarPath?: string } = {},
): Promise<OpenedFile> {
  const source = await fileSource(path);
  try {
    let index: OpusIndex;
    if (options.sidecarPath !== undefined) {
      const { readFile } = await import("node:fs/promises");
      const bytes = await readFile(options.sidecarPath);
      index = readSidecar(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), source.size);
      await checkHeaders(index, source, options.signal);
    } else {
      index = await buildIndex(source, options);
    }
    const close = () => source.close();
    // The true rate: what a time-expanded file declares in its tags, else the caller's (a
    // contradiction refused), else 48 kHz.
    const sampleRate = plainFileRate(index.tags, options.sampleRate);
    return { ...recording(index, source, sampleRate), source, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await source.close();
    throw error;
  }
}
