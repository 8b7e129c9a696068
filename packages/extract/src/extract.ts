import { OPUS_SAMPLE_RATE, type Recording, readExactly } from "@granule/opus-index";
import { type WindowJob, type WindowOutput, windowPages } from "./decode-window.ts";
import { type DecodeWorker, type DecodeWorkerFactory, inProcessDecoder } from "./decoder-pool.ts";
import { ExtractError } from "./errors.ts";
import {
  checkSegment,
  type Part,
  type PlannedWindow,
  planWindows,
  type SegmentRange,
  splitSegments,
} from "./plan-windows.ts";
import { hasWebWorkers, webDecoderFactory } from "./web-worker.ts";

/**
 * Pre-roll before every window, in 48 kHz samples (500 ms). Measured with bench/pre-roll.mjs
 * on 3,300 random segments of the real-encoder fixtures (docs/extract.md): the worst segment
 * was 20.6 dB from a straight-through decode at 240 ms, 49.1 dB at 400 ms, 113 dB at 440 ms
 * and 122 dB at 500 ms. 500 ms keeps every segment far above the 50 dB asked for.
 */
export const DEFAULT_PRE_ROLL_SAMPLES = 24_000;

/** Decoded samples of one segment. */
export interface Segment {
  /** One array per channel, exactly `endSample - startSample` samples each. */
  channels: Float32Array[];
  /** The recording's rate (48000, or the true rate of time-expanded audio). */
  sampleRate: number;
  startSample: number;
  endSample: number;
  /** Sample ranges filled with silence because the file lost them (only with `fillHoles`). */
  filled: SegmentRange[];
}

export interface ExtractProgress {
  segmentsDone: number;
  segmentsTotal: number;
  windowsDone: number;
  windowsTotal: number;
}

export interface ExtractOptions {
  /** Samples decoded and dropped before each window. Default `DEFAULT_PRE_ROLL_SAMPLES`. */
  preRollSamples?: number;
  /** Apply the OpusHead output gain, as opusfile does. Default true. */
  applyGain?: boolean;
  /** Give silence where the file lost samples (listed in `segment.filled`) instead of failing. */
  fillHoles?: boolean;
  /** Decode workers; 0 decodes on this thread. Default 0 (the Node entry: up to 2 for many segments). */
  workers?: number;
  workerFactory?: DecodeWorkerFactory;
  /** Longest stretch one window decodes, in seconds of 48 kHz audio. Default 30. */
  maxWindowSeconds?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ExtractProgress) => void;
}

/** Exactly the samples [startSample, endSample) of a recording, every channel. */
export async function extract(
  recording: Recording,
  range: SegmentRange,
  options: ExtractOptions = {},
): Promise<Segment> {
  checkSegment(recording.index, range, -1);
  return (await extractMany(recording, [range], options))[0]!;
}

/**
 * Many segments at once, in input order (overlaps and duplicates allowed). Neighbouring
 * segments share a decode window; each window is read with one read and decoded once.
 */
export async function extractMany(
  recording: Recording,
  ranges: readonly SegmentRange[],
  options: ExtractOptions = {},
): Promise<Segment[]> {
  const results: Segment[] = new Array(ranges.length);
  await extractEach(
    recording,
    ranges,
    (segment, index) => {
      results[index] = segment;
    },
    options,
  );
  return results;
}

/**
 * Like `extractMany`, but hands each segment to `onSegment` as soon as it is complete (in
 * time order, with its input position) and keeps nothing: memory is bounded by the windows in
 * flight. `onSegment` may return a promise (writing a file, say); it is awaited.
 */
export async function extractEach(
  recording: Recording,
  ranges: readonly SegmentRange[],
  onSegment: (segment: Segment, index: number) => void | Promise<void>,
  options: ExtractOptions = {},
): Promise<void> {
  const index = recording.index;
  const preRollSamples = options.preRollSamples ?? DEFAULT_PRE_ROLL_SAMPLES;
  if (!Number.isSafeInteger(preRollSamples) || preRollSamples < 0) {
    throw new ExtractError(
      "invalid-argument",
      `preRollSamples must be a whole number of samples, got ${preRollSamples}`,
    );
  }
  const maxWindowSeconds = options.maxWindowSeconds ?? 30;
  if (!(maxWindowSeconds > 0)) {
    throw new ExtractError("invalid-argument", `maxWindowSeconds must be positive, got ${maxWindowSeconds}`);
  }
  const workerCount = options.workers ?? 0;
  const factory = options.workerFactory ?? (hasWebWorkers() ? webDecoderFactory : undefined);
  if (!Number.isSafeInteger(workerCount) || workerCount < 0) {
    throw new ExtractError("invalid-argument", `workers must be a whole number of 0 or more, got ${workerCount}`);
  }
  if (workerCount > 0 && factory === undefined) {
    throw new ExtractError(
      "invalid-argument",
      "this runtime has no Web Workers: pass workers: 0, or use the Node entry point",
    );
  }
  ranges.forEach((range, i) => {
    checkSegment(index, range, i);
  });
  options.signal?.throwIfAborted();

  const planOptions = {
    preRollSamples,
    maxWindowSamples: Math.round(maxWindowSeconds * OPUS_SAMPLE_RATE),
    fillHoles: options.fillHoles ?? false,
  };
  const parts = splitSegments(index, ranges, planOptions);
  const windows = planWindows(parts, planOptions);
  const assembly = new SegmentAssembly(recording, ranges, parts, onSegment);
  await assembly.deliverReady(); // segments made of holes only
  const progress = { segmentsDone: 0, segmentsTotal: ranges.length, windowsDone: 0, windowsTotal: windows.length };

  const workers: DecodeWorker[] =
    workerCount === 0
      ? [inProcessDecoder()]
      : Array.from({ length: Math.min(workerCount, windows.length) }, () => factory!());
  const transfer = workerCount > 0 && (recording.source as { readsAreFresh?: boolean }).readsAreFresh === true;
  let next = 0;
  const lane = async (worker: DecodeWorker) => {
    let w = next++;
    let pending = w < windows.length ? prepareJob(recording, windows[w]!, options, options.signal) : undefined;
    while (pending !== undefined) {
      const job = await pending;
      options.signal?.throwIfAborted();
      const following = next++;
      // Read the next window while this one decodes.
      pending =
        following < windows.length ? prepareJob(recording, windows[following]!, options, options.signal) : undefined;
      pending?.catch(() => {});
      const output = await worker.decode(job, transfer);
      progress.windowsDone++;
      progress.segmentsDone += await assembly.add(windows[w]!, output);
      options.onProgress?.({ ...progress });
      w = following;
    }
  };
  try {
    await Promise.all(workers.map(lane));
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

async function prepareJob(
  recording: Recording,
  window: PlannedWindow,
  options: ExtractOptions,
  signal?: AbortSignal,
): Promise<WindowJob> {
  const index = recording.index;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const part of window.parts) {
    from = Math.min(from, part.startSample);
    to = Math.max(to, part.endSample);
  }
  const plan = index.locate(from, to, { preRollSamples: window.preRollSamples });
  // Every problem in a plan has samples (holes, granules that leave samples without a place).
  const hole = plan.problems[0];
  if (hole !== undefined) {
    // Parts were split at them, so only a plan the index did not expect gets here.
    throw new ExtractError("damaged", `the window for samples ${from}-${to} crosses damage: ${hole.message}`, {
      byteOffset: hole.byteOffset,
      startSample: hole.startSample,
      endSample: hole.endSample,
    });
  }
  const bytes = await readExactly(recording.source, plan.byteOffset, plan.byteLength, signal);
  return {
    bytes,
    byteOffset: plan.byteOffset,
    serial: plan.serial,
    pages: windowPages(index, plan.firstPage, plan.lastPage),
    skipPackets: plan.skipPackets,
    packetSamples: index.packetSamples.subarray(plan.firstPacket, plan.firstPacket + plan.packetCount),
    decodeStartSample: plan.decodeStartSample,
    head: index.links[plan.link]!.head,
    applyGain: options.applyGain ?? true,
    parts: window.parts.map((p) => ({ startSample: p.startSample, endSample: p.endSample })),
  };
}

/** Collects decoded parts into segments and hands each over once it is whole. */
class SegmentAssembly {
  /** Each segment's parts, grouped once: thousands of segments must not mean a scan of all parts each. */
  private readonly partsOf: Part[][];
  /** Parts still to be decoded, per segment. */
  private readonly remaining: number[];
  private readonly pieces: Map<number, Map<Part, Float32Array[]>> = new Map();
  private readonly ready: number[] = [];

  constructor(
    private readonly recording: Recording,
    private readonly ranges: readonly SegmentRange[],
    parts: readonly Part[],
    private readonly onSegment: (segment: Segment, index: number) => void | Promise<void>,
  ) {
    this.partsOf = ranges.map(() => []);
    for (const part of parts) this.partsOf[part.segment]!.push(part);
    this.remaining = this.partsOf.map((own) => own.filter((p) => !p.hole).length);
    this.remaining.forEach((count, s) => {
      if (count === 0) this.ready.push(s);
    });
  }

  /** Takes a window's output; returns how many segments it completed. */
  async add(window: PlannedWindow, output: WindowOutput): Promise<number> {
    window.parts.forEach((part, i) => {
      let map = this.pieces.get(part.segment);
      if (map === undefined) {
        map = new Map();
        this.pieces.set(part.segment, map);
      }
      map.set(part, output[i]!);
      if (--this.remaining[part.segment]! === 0) this.ready.push(part.segment);
    });
    return this.deliverReady();
  }

  async deliverReady(): Promise<number> {
    let delivered = 0;
    while (this.ready.length > 0) {
      const s = this.ready.shift()!;
      const segment = this.build(s);
      this.pieces.delete(s);
      await this.onSegment(segment, s);
      delivered++;
    }
    return delivered;
  }

  private build(s: number): Segment {
    const range = this.ranges[s]!;
    const own = this.partsOf[s]!;
    const decoded = this.pieces.get(s) ?? new Map<Part, Float32Array[]>();
    const filled = own.filter((p) => p.hole).map((p) => ({ startSample: p.startSample, endSample: p.endSample }));
    const base = {
      sampleRate: this.recording.sampleRate,
      startSample: range.startSample,
      endSample: range.endSample,
      filled,
    };
    if (own.length === 1 && !own[0]!.hole) return { channels: decoded.get(own[0]!)!, ...base };
    const index = this.recording.index;
    const channelCount = index.links[own[0]!.link]!.head.channels;
    const channels = Array.from({ length: channelCount }, () => new Float32Array(range.endSample - range.startSample));
    for (const part of own) {
      const data = decoded.get(part);
      if (data === undefined) continue; // a hole: stays silent
      data.forEach((channel, c) => {
        channels[c]!.set(channel, part.startSample - range.startSample);
      });
    }
    return { channels, ...base };
  }
}
