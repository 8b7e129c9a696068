import type { OggErrorCode } from "@granule/ogg-pages";
import { PAGE_MAX_BYTES, readPages } from "@granule/ogg-pages";
import { accumulate } from "./accumulate.ts";
import { type ByteSource, bufferSource, readExactly } from "./byte-source.ts";
import { OpusError } from "./errors.ts";
import { OpusIndex } from "./opus-index.ts";
import { type BatchScan, scanBatch } from "./scan-batch.ts";
import { inProcessWorker, type ScanWorkerFactory } from "./scan-worker-pool.ts";
import { gapsOf, type PlacedScan, stitchScans } from "./stitch.ts";
import { hasWebWorkers, webWorkerFactory } from "./web-worker.ts";

export interface IndexProgress {
  bytesDone: number;
  bytesTotal: number;
}

export interface BuildIndexOptions {
  /** Index the Opus stream with this serial number; by default the first Opus stream of each link. */
  serial?: number;
  /** Throw at the first problem instead of listing it in `index.problems`. Default false. */
  strict?: boolean;
  /**
   * Scan workers; 0 scans on this thread. Default (`defaultScanWorkers`, the same in every entry
   * point): one per core, up to 4, for files of 256 MiB or more where workers exist, else 0.
   */
  workers?: number;
  /** Bytes per read of the source; each batch is scanned as one range. Default 8 MiB (2 MiB without workers). */
  batchBytes?: number;
  /** How to start a worker. Default: Web Workers where the runtime has them (the Node entry uses worker_threads). */
  workerFactory?: ScanWorkerFactory;
  signal?: AbortSignal;
  onProgress?: (progress: IndexProgress) => void;
}

/** The source may say its reads return fresh buffers that can be handed to a worker without a copy. */
export type TransferableSource = ByteSource & { readonly readsAreFresh?: boolean };

const DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;
/** Batches scanned on the calling thread: two in memory at a time (one read ahead) are 4 MiB, not 16. */
const IN_PROCESS_BATCH_BYTES = 2 * 1024 * 1024;
/** A page that starts in a batch ends at most this far past the batch's end. */
const LOOK_AHEAD_BYTES = PAGE_MAX_BYTES - 1;

/**
 * Builds the index of an Ogg Opus file in three phases: (1) page discovery and (2) page details
 * in one pass over batches of the source (one read per batch), scanned in parallel workers;
 * (3) stitching the batches into the single-reader walk and laying packets on the timeline,
 * sequentially. The result is the same for every worker count and batch size.
 */
export function buildIndex(input: ByteSource | Uint8Array, options: BuildIndexOptions = {}): Promise<OpusIndex> {
  return buildIndexWith(input, options, {
    workerFactory: hasWebWorkers() ? webWorkerFactory : undefined,
    parallelism: runtimeParallelism(),
  });
}

/** What an entry point brings to `buildIndex`: how it starts workers and how many cores it has. */
export interface IndexRuntime {
  workerFactory: ScanWorkerFactory | undefined;
  /** Threads the runtime runs at once; undefined when it does not say. */
  parallelism: number | undefined;
}

/**
 * Files smaller than this are scanned on the calling thread by default: a worker's start costs
 * more than it saves. Measured on 2 cores (`granule index --workers 0|2`, reused read buffers):
 * a 1 h 160 kbit/s file (69 MB) indexed in 0.25-0.29 s on one thread and 0.33-0.41 s with two
 * workers; a 10 h file (692 MB) in about the same time either way.
 */
export const MIN_BYTES_FOR_SCAN_WORKERS = 256 * 1024 * 1024;
/**
 * Runtimes that run fewer threads at once than this scan on the calling thread by default,
 * whatever the size. On 2 cores the calling thread's own work (reading, stitching) leaves no
 * core for a worker: the 10 h file (692 MB) was indexed in 0.98 s at 107 MiB peak with none,
 * 0.97 s at 154 MiB with two and 1.09 s at 128 MiB with one (`granule index`, hyperfine -r 7).
 */
export const MIN_PARALLELISM_FOR_SCAN_WORKERS = 3;
/** Never more scan workers by default than this: past it the reads, not the scans, are the limit. */
export const MAX_DEFAULT_SCAN_WORKERS = 4;

/**
 * The default number of scan workers for a file of `size` bytes, for every entry point: none
 * where workers cannot start, below `MIN_BYTES_FOR_SCAN_WORKERS`, or on a runtime that runs
 * fewer than `MIN_PARALLELISM_FOR_SCAN_WORKERS` threads at once (or does not say), else one
 * per core, at most `MAX_DEFAULT_SCAN_WORKERS`.
 */
export function defaultScanWorkers(size: number, workersAvailable: boolean, parallelism: number | undefined): number {
  if (!workersAvailable || size < MIN_BYTES_FOR_SCAN_WORKERS) return 0;
  if (parallelism === undefined || parallelism < MIN_PARALLELISM_FOR_SCAN_WORKERS) return 0;
  return Math.min(MAX_DEFAULT_SCAN_WORKERS, parallelism);
}

/** Threads this runtime runs at once, from `navigator.hardwareConcurrency` (browsers, Deno, Bun, Node 21+). */
function runtimeParallelism(): number | undefined {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: unknown } }).navigator?.hardwareConcurrency;
  return typeof cores === "number" && cores >= 1 ? Math.floor(cores) : undefined;
}

/** `buildIndex` for an entry point's runtime (the Node entry passes worker_threads and its core count). */
export async function buildIndexWith(
  input: ByteSource | Uint8Array,
  options: BuildIndexOptions,
  runtime: IndexRuntime,
): Promise<OpusIndex> {
  const source: TransferableSource = input instanceof Uint8Array ? bufferSource(input) : input;
  const size = source.size;
  const factory = options.workerFactory ?? runtime.workerFactory;
  const workerCount = options.workers ?? defaultScanWorkers(size, factory !== undefined, runtime.parallelism);
  if (!Number.isSafeInteger(workerCount) || workerCount < 0) {
    throw new OpusError("invalid-argument", `workers must be a whole number of 0 or more, got ${workerCount}`);
  }
  if (workerCount > 0 && factory === undefined) {
    throw new OpusError(
      "invalid-argument",
      "this runtime has no Web Workers: pass workers: 0, or use the Node entry point",
    );
  }
  // A worker's batch is worth its message; on this thread, smaller batches keep less in memory.
  const batchBytes = options.batchBytes ?? (workerCount === 0 ? IN_PROCESS_BATCH_BYTES : DEFAULT_BATCH_BYTES);
  if (!Number.isSafeInteger(batchBytes) || batchBytes < 1) {
    throw new OpusError("invalid-argument", `batchBytes must be a positive whole number, got ${batchBytes}`);
  }
  const signal = options.signal;
  signal?.throwIfAborted();

  const batchCount = Math.ceil(size / batchBytes);
  const placed: PlacedScan[] = new Array(batchCount);
  const workers = workerCount === 0 ? [inProcessWorker()] : Array.from({ length: workerCount }, () => factory!());
  // Batches are read into buffers that are used again once scanned, when the source can read
  // into a buffer: a fresh one per read costs a zeroed page per 4 KiB (measured: reading a
  // 692 MB file in 8 MiB batches took 360 ms into fresh buffers, 160 ms into reused ones).
  const readInto = source.readInto?.bind(source);
  const transfer = workerCount > 0 && (readInto !== undefined || source.readsAreFresh === true);
  const spare: ArrayBuffer[] = [];
  let nextBatch = 0;
  let bytesDone = 0;
  const readBatch = async (j: number): Promise<Uint8Array> => {
    const start = j * batchBytes;
    if (readInto === undefined) return readExactly(source, start, batchBytes + LOOK_AHEAD_BYTES, signal);
    const length = Math.min(batchBytes + LOOK_AHEAD_BYTES, size - start);
    const buffer = spare.pop() ?? new ArrayBuffer(Math.min(size, batchBytes + LOOK_AHEAD_BYTES));
    const bytes = new Uint8Array(buffer, 0, length);
    await readInto(bytes, start, signal);
    return bytes;
  };
  // Reads ahead of the batch being scanned: on this thread two, since a 2 MiB batch scans in
  // about as long as the thread pool takes to read one and a single read ahead left the thread
  // waiting (idle 49 of 500 ms indexing the 10 h file); a worker's 8 MiB batches, one.
  const readsAhead = workerCount === 0 ? 2 : 1;
  const runLane = async (worker: (typeof workers)[number]) => {
    const queue: { j: number; bytes: Promise<Uint8Array> }[] = [];
    const refill = () => {
      while (queue.length < readsAhead + 1 && nextBatch < batchCount) {
        const k = nextBatch++;
        const bytes = readBatch(k);
        bytes.catch(() => {}); // awaited in turn, or dropped when an earlier batch fails
        queue.push({ j: k, bytes });
      }
    };
    refill();
    while (queue.length > 0) {
      const { j, bytes: pending } = queue.shift()!;
      const bytes = await pending;
      signal?.throwIfAborted();
      // Read ahead while this batch is scanned.
      refill();
      const start = j * batchBytes;
      const end = Math.min(size, start + batchBytes);
      const { scan, buffer } = await worker.scan(bytes, start, end - start, transfer);
      if (readInto !== undefined) spare.push(buffer);
      placed[j] = { scan, start, end };
      bytesDone += end - start;
      options.onProgress?.({ bytesDone, bytesTotal: size });
    }
  };
  try {
    await Promise.all(workers.map(runLane));
  } finally {
    for (const worker of workers) worker.terminate();
  }

  const read = (byteOffset: number, byteLength: number) => readExactly(source, byteOffset, byteLength, signal);
  const rescan = async (from: number, end: number): Promise<BatchScan> =>
    scanBatch(await read(from, end - from + LOOK_AHEAD_BYTES), from, end - from);
  const table = await stitchScans(placed, rescan);
  // The batches' scans are in the table now: let them go before the rows are laid out.
  placed.length = 0;
  spare.length = 0;
  const damagedRanges = [];
  for (const gap of gapsOf(table, size)) {
    damagedRanges.push({ ...gap, reason: await gapReason(read, gap.byteOffset, size) });
  }
  const data = await accumulate(table, size, {
    serial: options.serial,
    strict: options.strict ?? false,
    read,
    damagedRanges,
  });
  return new OpusIndex(data);
}

/** Why no page starts at `byteOffset`, as the page reader would say. */
async function gapReason(
  read: (byteOffset: number, byteLength: number) => Promise<Uint8Array>,
  byteOffset: number,
  size: number,
): Promise<OggErrorCode> {
  const bytes = await read(byteOffset, Math.min(PAGE_MAX_BYTES, size - byteOffset));
  let reason: OggErrorCode = "no-capture-pattern";
  for (const _ of readPages(bytes, {
    onSkip: (skipped) => {
      if (skipped.byteOffset === 0) reason = skipped.reason;
    },
  })) {
    break;
  }
  return reason;
}
