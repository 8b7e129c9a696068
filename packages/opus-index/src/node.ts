// Node-only entry point: files and worker_threads. Everything else is in the main entry.
import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type BuildIndexOptions, buildIndex as buildIndexAnywhere } from "./build-index.ts";
import type { ByteSource } from "./byte-source.ts";
import { OpusError } from "./errors.ts";
import type { OpusIndex } from "./opus-index.ts";
import { type Recording, recording } from "./recording.ts";
import { messageWorker, type ScanWorker } from "./scan-worker-pool.ts";
import { readSidecar, writeSidecar } from "./sidecar.ts";

/** A source over a local file, read with positioned reads; `close()` releases it. */
export async function fileSource(
  path: string,
): Promise<ByteSource & { readonly readsAreFresh: true; close(): Promise<void> }> {
  const handle = await open(path, "r");
  const { size } = await handle.stat();
  return {
    size,
    readsAreFresh: true,
    async read(byteOffset, byteLength) {
      const length = Math.max(0, Math.min(byteLength, size - byteOffset));
      const bytes = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(bytes, done, length - done, byteOffset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      if (done !== length) {
        throw new OpusError("read-failed", `${path}: read ${done} of ${length} bytes (did the file shrink?)`, {
          byteOffset,
        });
      }
      return bytes;
    },
    close: () => handle.close(),
  };
}

/** Idle worker threads kept for the next build: starting one costs tens of milliseconds. */
interface PooledWorker {
  worker: Worker;
  scan: ScanWorker;
  /** Set once the thread errs: it is terminated instead of reused. */
  failed: { value: boolean };
}
const idleWorkers: PooledWorker[] = [];
const MAX_IDLE_WORKERS = 8;

function startNodeWorker(): PooledWorker {
  const worker = new Worker(new URL("./scan-worker-node.js", import.meta.url), { execArgv: workerExecArgv() });
  const failed = { value: false };
  const scan = messageWorker({
    post: (message, transfer) => worker.postMessage(message, transfer),
    onReply: (handler) => worker.on("message", handler),
    onFailure: (handler) =>
      worker.on("error", (error) => {
        failed.value = true;
        handler(error);
      }),
    terminate: () => void worker.terminate(),
  });
  return { worker, scan, failed };
}

/**
 * A scan worker on a worker_threads thread. Threads are reused across builds; an idle one is
 * unref'd so it never keeps the process alive, a busy one is ref'd so the process waits for it.
 */
export function nodeWorkerFactory(): ScanWorker {
  const pooled = idleWorkers.pop() ?? startNodeWorker();
  const { worker, scan, failed } = pooled;
  let busy = 0;
  return {
    async scan(bytes, byteOffset, scanEnd, transfer) {
      if (busy++ === 0) worker.ref();
      try {
        return await scan.scan(bytes, byteOffset, scanEnd, transfer);
      } catch (error) {
        failed.value = true;
        throw error;
      } finally {
        if (--busy === 0) worker.unref();
      }
    },
    terminate() {
      if (!failed.value && busy === 0 && idleWorkers.length < MAX_IDLE_WORKERS) {
        worker.unref();
        idleWorkers.push(pooled);
      } else {
        scan.terminate();
      }
    },
  };
}

/** `buildIndex` with worker_threads workers (default: up to 4 for files of 32 MiB or more). */
export function buildIndex(input: ByteSource | Uint8Array, options: BuildIndexOptions = {}): Promise<OpusIndex> {
  const size = input instanceof Uint8Array ? input.length : input.size;
  const workers = options.workers ?? (size >= 32 * 1024 * 1024 ? Math.min(4, availableParallelism()) : 0);
  return buildIndexAnywhere(input, { workerFactory: nodeWorkerFactory, ...options, workers });
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

/** Opens the sidecar at `sidecarPath` for the file at `path`, checking it matches the file's size. */
export async function openSidecar(sidecarPath: string, path: string): Promise<OpusIndex> {
  const { readFile, stat } = await import("node:fs/promises");
  const [bytes, info] = await Promise.all([readFile(sidecarPath), stat(path)]);
  return readSidecar(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), info.size);
}

/** Saves an index as a sidecar file. */
export async function saveSidecar(index: OpusIndex, sidecarPath: string): Promise<void> {
  const { writeFile } = await import("node:fs/promises");
  await writeFile(sidecarPath, writeSidecar(index));
}

export * from "./index.ts";
export { buildIndexAnywhere };

/**
 * Opens a plain `.opus` file as a `Recording`: from its sidecar when `sidecarPath` names one
 * that matches the file, else by indexing it. The file stays open until `source.close()`.
 */
export async function openFile(
  path: string,
  options: BuildIndexOptions & { sampleRate?: number; sidecarPath?: string } = {},
): Promise<Recording & { source: Awaited<ReturnType<typeof fileSource>> }> {
  const source = await fileSource(path);
  try {
    const index =
      options.sidecarPath !== undefined
        ? await openSidecar(options.sidecarPath, path)
        : await buildIndex(source, options);
    return { ...recording(index, source, options.sampleRate), source };
  } catch (error) {
    await source.close();
    throw error;
  }
}

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
