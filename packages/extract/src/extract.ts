import { OPUS_SAMPLE_RATE, type Recording, readExactly } from "@granule/opus-index";
import { partsSpan, type WindowJob, type WindowOutput, windowPages } from "./decode-window.ts";
import { capDecodeWorkers, defaultDecodeWorkers, runtimeParallelism } from "./decode-workers.ts";
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
import { SpareBuffers } from "./spare-buffers.ts";
import { hasWebWorkers, webDecoderFactory } from "./web-worker.ts";
import { decodeInOrder } from "./window-scheduler.ts";

/**
 * Pre-roll before every window, in 48 kHz samples (500 ms). Measured with bench/pre-roll.mjs
 * on 3,300 random segments of the real-encoder fixtures (docs/extract.md): the worst segment
 * was 20.6 dB from a straight-through decode at 240 ms, 49.1 dB at 400 ms, 113 dB at 440 ms
 * and 122 dB at 500 ms. 500 ms keeps every segment far above the 50 dB asked for.
 */
export const DEFAULT_PRE_ROLL_SAMPLES = 24_000;

/**
 * Long stretches are decoded in windows of `maxWindowSeconds`, but never shorter than this
 * (1 s): each window costs a pre-roll, so finer windows only multiply decoding.
 */
export const MIN_SPLIT_SAMPLES = OPUS_SAMPLE_RATE;

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
  /**
   * With `lendSegments`: hands the arrays back, to be decoded into again for later segments;
   * read them no more after calling it (a second call does nothing). Not called, they are the
   * garbage collector's as usual.
   */
  release?: () => void;
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
  /**
   * Decode workers; 0 decodes on this thread. Default `defaultDecodeWorkers(windows)` where
   * workers can be started (Web Workers, or worker_threads from the Node entry), else 0. Any
   * number is capped at the windows, the cores and `MAX_DECODE_WORKERS`.
   */
  workers?: number;
  workerFactory?: DecodeWorkerFactory;
  /**
   * Longest stretch one window decodes, in seconds of 48 kHz audio (not below 1 s when a long
   * segment is cut into windows). Neighbouring segments share a window while it stays this
   * short. Default 30.
   */
  maxWindowSeconds?: number;
  /**
   * Segments decoded in one window may be views of that window's samples, shared with the
   * segments they overlap: read them, never write to them (or copy first). This saves a copy
   * of every such segment, for callers that only write them out. Default false: every
   * segment's arrays are its own.
   */
  readOnlySegments?: boolean;
  /**
   * Arrays handed over are lent, and later windows are decoded into them instead of into new
   * arrays that wait for the garbage collector. `extractEach`: each segment comes with
   * `release()`, to call once done with its arrays (written out, say). `extractStream`: a
   * chunk's arrays are taken back when the next chunk is asked for (or the iteration ends).
   * `extractMany`, which keeps every segment, refuses it. Default false.
   */
  lendSegments?: boolean;
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
  if (options.lendSegments === true) {
    throw new ExtractError("invalid-argument", "lendSegments is for extractEach: extractMany keeps every segment");
  }
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
  const plan = planExtraction(recording, ranges, options);
  const { parts, windows } = plan;
  const assembly = new SegmentAssembly(recording, ranges, parts, onSegment, plan.spares, {
    lend: options.lendSegments === true,
  });
  await assembly.deliverReady(); // segments made of holes only
  const progress = { segmentsDone: 0, segmentsTotal: ranges.length, windowsDone: 0, windowsTotal: windows.length };
  const workers = plan.startWorkers();
  try {
    for await (const [w, output] of decodeInOrder(windows.length, workers, {
      prepare: plan.prepare,
      beforeDecode: plan.beforeDecode,
      transfer: plan.transfer,
      windowsPerLane: plan.windowsPerLane,
      signal: options.signal,
    })) {
      progress.windowsDone++;
      progress.segmentsDone += await assembly.add(windows[w]!, output);
      options.onProgress?.({ ...progress });
      options.signal?.throwIfAborted();
    }
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

/** An extraction's parts and windows, and the decode workers for them (options checked). */
export interface ExtractionPlan {
  parts: Part[];
  windows: PlannedWindow[];
  /** Decode workers, `startWorkers` starts them: 0 means one in-process decoder. */
  workerCount: number;
  startWorkers(): DecodeWorker[];
  transfer: boolean;
  /** Reads window `w`'s bytes: its job for a decoder. */
  prepare(w: number): Promise<WindowJob>;
  /** Gives a job spare buffers to decode into, as it goes to its worker. */
  beforeDecode(job: WindowJob): void;
  /** Long stretches are cut into windows of this many samples. */
  splitSamples: number;
  /** For `decodeInOrder`: windows in flight per lane. */
  windowsPerLane: number;
  /** Output buffers done with: `prepare` sends them out with jobs, to decode into. */
  spares: SpareBuffers;
}

/** Output buffers an extraction keeps for its next windows (on the calling thread). */
const MAX_SPARE_BYTES = 16 * 1024 * 1024;

const windowSpan = (window: PlannedWindow) => partsSpan(window.parts);

/** However short the windows, no more than this many per lane are in flight. */
const MAX_WINDOWS_PER_LANE = 32;

/**
 * Windows in flight per lane: two of the longest windows' worth of samples. Short windows (a
 * 2 s segment) then queue deep enough that a fast lane is never held back by the order in
 * which outputs are handed over, at no more memory than two long windows take.
 */
function windowsPerLane(windows: readonly PlannedWindow[], splitSamples: number): number {
  let samples = 0;
  for (const window of windows) {
    const { from, to } = windowSpan(window);
    samples += to - from + window.preRollSamples;
  }
  const mean = windows.length === 0 ? splitSamples : samples / windows.length;
  return Math.max(2, Math.min(MAX_WINDOWS_PER_LANE, Math.floor((2 * splitSamples) / mean)));
}

/** Checks the options and ranges, plans the windows and decides the workers. */
export function planExtraction(
  recording: Recording,
  ranges: readonly SegmentRange[],
  options: ExtractOptions,
): ExtractionPlan {
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
  const factory: DecodeWorkerFactory | undefined =
    options.workerFactory ?? (hasWebWorkers() ? webDecoderFactory : undefined);
  const requested = options.workers;
  if (requested !== undefined && (!Number.isSafeInteger(requested) || requested < 0)) {
    throw new ExtractError("invalid-argument", `workers must be a whole number of 0 or more, got ${requested}`);
  }
  if (requested !== undefined && requested > 0 && factory === undefined) {
    throw new ExtractError(
      "invalid-argument",
      "this runtime has no Web Workers: pass workers: 0, or use the Node entry point",
    );
  }
  ranges.forEach((range, i) => {
    checkSegment(index, range, i);
  });
  options.signal?.throwIfAborted();

  const maxWindowSamples = Math.round(maxWindowSeconds * OPUS_SAMPLE_RATE);
  const planOptions = {
    preRollSamples,
    maxWindowSamples,
    splitSamples: Math.max(maxWindowSamples, MIN_SPLIT_SAMPLES),
    fillHoles: options.fillHoles ?? false,
  };
  const { parts, windows } = planWindows(splitSegments(index, ranges, planOptions), planOptions);
  const spares = new SpareBuffers(MAX_SPARE_BYTES);
  const parallelism = factory?.parallelism ?? runtimeParallelism();
  const workerCount =
    factory === undefined
      ? 0
      : requested === undefined
        ? defaultDecodeWorkers(windows.length, parallelism)
        : capDecodeWorkers(requested, windows.length, parallelism);
  return {
    parts,
    windows,
    workerCount,
    startWorkers: () => {
      if (workerCount === 0) return [inProcessDecoder()];
      const threads = factory!.callerDecodes === true ? workerCount - 1 : workerCount;
      const workers = Array.from({ length: threads }, () => factory!());
      return threads < workerCount ? [...workers, inProcessDecoder()] : workers;
    },
    transfer: workerCount > 0 && (recording.source as { readsAreFresh?: boolean }).readsAreFresh === true,
    prepare: (w) => prepareJob(recording, windows[w]!, options),
    beforeDecode: (job) => equipWithSpares(spares, job),
    splitSamples: planOptions.splitSamples,
    windowsPerLane: windowsPerLane(windows, planOptions.splitSamples),
    spares,
  };
}

async function prepareJob(recording: Recording, window: PlannedWindow, options: ExtractOptions): Promise<WindowJob> {
  const signal = options.signal;
  const index = recording.index;
  const { from, to } = windowSpan(window);
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
  const head = index.links[plan.link]!.head;
  return {
    bytes,
    byteOffset: plan.byteOffset,
    serial: plan.serial,
    pages: windowPages(index, plan.firstPage, plan.lastPage),
    skipPackets: plan.skipPackets,
    packetSamples: index.packetSamples.subarray(plan.firstPacket, plan.firstPacket + plan.packetCount),
    decodeStartSample: plan.decodeStartSample,
    head,
    applyGain: options.applyGain ?? true,
    parts: window.parts.map((p) => ({ startSample: p.startSample, endSample: p.endSample })),
    viewParts: options.readOnlySegments ?? false,
  };
}

/**
 * Hands a job the spare buffers for its arrays, as `decodeWindow` makes them: its span (the
 * first part's start to the last one's end) per channel, and with several parts that are
 * copies, each part per channel. Done as it goes to its worker, not when read ahead: buffers
 * come back while earlier windows decode.
 */
function equipWithSpares(spares: SpareBuffers, job: WindowJob): void {
  const bytes = Float32Array.BYTES_PER_ELEMENT;
  const channels = job.head.channels;
  const { from, to } = partsSpan(job.parts);
  const taken = spares.take((to - from) * bytes, channels);
  if (job.parts.length > 1 && job.viewParts !== true) {
    for (const part of job.parts) taken.push(...spares.take((part.endSample - part.startSample) * bytes, channels));
  }
  job.spare = taken;
}

/**
 * Collects decoded parts into segments and hands each over once it is whole. A segment of
 * several parts (cut at links, holes or into windows) gets its arrays when its first part
 * arrives, and each part is copied in and dropped: a segment is held once, not twice.
 *
 * Output buffers go back to `spares` once nothing reads them: at once when every part that
 * used them was copied into a segment, else (`lend`) when every segment holding them was
 * released. Without `lend`, a buffer a segment holds is the caller's for good.
 */
class SegmentAssembly {
  /** Each segment's parts, grouped once: thousands of segments must not mean a scan of all parts each. */
  private readonly partsOf: Part[][];
  /** Parts still to be decoded, per segment. */
  private readonly remaining: number[];
  /** The arrays of segments being assembled. */
  private readonly assembling: Map<number, Float32Array[]> = new Map();
  private readonly ready: number[] = [];
  /** Lent buffers of window outputs: how many delivered or pending segments still hold each. */
  private readonly holders = new Map<ArrayBuffer, number>();
  /** The window-output buffers each segment holds (with `lend`). */
  private readonly held = new Map<number, ArrayBuffer[]>();

  constructor(
    private readonly recording: Recording,
    private readonly ranges: readonly SegmentRange[],
    parts: readonly Part[],
    private readonly onSegment: (segment: Segment, index: number) => void | Promise<void>,
    private readonly spares: SpareBuffers,
    private readonly options: { lend: boolean },
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
    const buffers = new Map<ArrayBuffer, "copied" | "held" | "kept">();
    window.parts.forEach((part, i) => {
      const s = part.segment;
      const own = this.partsOf[s]!;
      const data = output[i]!;
      if (own.length === 1) {
        this.assembling.set(s, data); // the part is the segment
        const mine = data.map((channel) => channel.buffer as ArrayBuffer);
        for (const buffer of mine) buffers.set(buffer, this.options.lend ? "held" : "kept");
        if (this.options.lend) {
          this.held.set(s, mine);
          for (const buffer of new Set(mine)) this.holders.set(buffer, (this.holders.get(buffer) ?? 0) + 1);
        }
      } else {
        const channels = this.assembling.get(s) ?? this.allocate(s);
        const offset = part.startSample - this.ranges[s]!.startSample;
        data.forEach((channel, c) => {
          channels[c]!.set(channel, offset);
          if (!buffers.has(channel.buffer as ArrayBuffer)) buffers.set(channel.buffer as ArrayBuffer, "copied");
        });
      }
      if (--this.remaining[s]! === 0) this.ready.push(s);
    });
    for (const [buffer, use] of buffers) if (use === "copied") this.spares.giveBuffers([buffer]);
    return this.deliverReady();
  }

  async deliverReady(): Promise<number> {
    let delivered = 0;
    while (this.ready.length > 0) {
      const s = this.ready.shift()!;
      const segment = this.build(s);
      this.assembling.delete(s);
      await this.onSegment(segment, s);
      delivered++;
    }
    return delivered;
  }

  /** Silent arrays for segment `s`: holes stay silent. */
  private allocate(s: number): Float32Array[] {
    const range = this.ranges[s]!;
    const channelCount = this.recording.index.links[this.partsOf[s]![0]!.link]!.head.channels;
    const channels = Array.from({ length: channelCount }, () => this.spares.array(range.endSample - range.startSample));
    this.assembling.set(s, channels);
    return channels;
  }

  /** Segment `s` has been released: its own arrays, or the window buffers no other segment holds, are spare. */
  private release(s: number, channels: Float32Array[]): void {
    const held = this.held.get(s);
    if (held === undefined) {
      this.spares.give(channels); // assembled from parts: its arrays are its own
      return;
    }
    this.held.delete(s);
    for (const buffer of new Set(held)) {
      const left = this.holders.get(buffer)! - 1;
      if (left > 0) {
        this.holders.set(buffer, left);
        continue;
      }
      this.holders.delete(buffer);
      this.spares.giveBuffers([buffer]);
    }
  }

  private build(s: number): Segment {
    const range = this.ranges[s]!;
    const own = this.partsOf[s]!;
    const filled = own.filter((p) => p.hole).map((p) => ({ startSample: p.startSample, endSample: p.endSample }));
    const channels = this.assembling.get(s) ?? this.allocate(s);
    const segment: Segment = {
      channels,
      sampleRate: this.recording.sampleRate,
      startSample: range.startSample,
      endSample: range.endSample,
      filled,
    };
    if (this.options.lend) {
      let released = false;
      segment.release = () => {
        if (released) return;
        released = true;
        this.release(s, channels);
      };
    }
    return segment;
  }
}
