import type { Recording } from "@granule/opus-index";
import { type ExtractOptions, planExtraction } from "./extract.ts";
import { checkSegment, type Part, type SegmentRange } from "./plan-windows.ts";
import { decodeInOrder } from "./window-scheduler.ts";

/** Consecutive samples of a segment: `channels[c][k]` is sample `startSample + k` of channel c. */
export interface PcmChunk {
  startSample: number;
  channels: Float32Array[];
}

/**
 * A segment as chunks, in order, that together hold exactly its samples: what `extract` gives,
 * delivered a window at a time. Everything a file header needs is known before decoding.
 * Iterating starts the decoding (again, each time).
 */
export interface SegmentStream extends AsyncIterable<PcmChunk> {
  readonly startSample: number;
  readonly endSample: number;
  readonly channelCount: number;
  /** The recording's rate (48000, or the true rate of time-expanded audio). */
  readonly sampleRate: number;
  /** The OpusHead channel mapping family, for WAV channel order. */
  readonly mappingFamily: number;
  /** Sample ranges that will be silence because the file lost them (only with `fillHoles`). */
  readonly filled: SegmentRange[];
}

/**
 * Exactly the samples [startSample, endSample) of a recording, streamed: the range is cut into
 * windows of `maxWindowSeconds` (as `extract` cuts it, so the samples are bit-identical to
 * `extract`'s), decoded in parallel where workers are available, and delivered in order as
 * one chunk per window (holes, with `fillHoles`, as silent chunks no longer than a window).
 * Memory is bounded by the windows in flight (two per worker), whatever the range's length,
 * and a slow consumer holds the decoders back. Checks the range and the options at once.
 */
export function extractStream(recording: Recording, range: SegmentRange, options: ExtractOptions = {}): SegmentStream {
  checkSegment(recording.index, range, -1);
  const plan = planExtraction(recording, [range], options);
  const { parts, windows } = plan;
  const head = recording.index.links[parts[0]!.link]!.head;
  const { splitSamples } = plan;
  return {
    startSample: range.startSample,
    endSample: range.endSample,
    channelCount: head.channels,
    sampleRate: recording.sampleRate,
    mappingFamily: head.mappingFamily,
    filled: parts.filter((p) => p.hole).map((p) => ({ startSample: p.startSample, endSample: p.endSample })),
    async *[Symbol.asyncIterator]() {
      // Parts are in time order; each decoded one is in exactly one window.
      const windowOf = new Map<Part, { window: number; position: number }>();
      windows.forEach((window, w) => {
        window.parts.forEach((part, position) => {
          windowOf.set(part, { window: w, position });
        });
      });
      const workers = plan.startWorkers();
      const lend = options.lendSegments === true;
      const decoded = decodeInOrder(windows.length, workers, {
        prepare: plan.prepare,
        ...(lend ? { beforeDecode: plan.beforeDecode } : {}),
        transfer: plan.transfer,
        windowsPerLane: plan.windowsPerLane,
        signal: options.signal,
      });
      try {
        let w = -1;
        let output: Float32Array[][] = [];
        // Lent: a chunk's arrays go back to be decoded into once the next chunk is asked for.
        const done = (channels: Float32Array[]) => {
          if (lend) plan.spares.give(channels);
        };
        for (const part of parts) {
          if (part.hole) {
            for (let at = part.startSample; at < part.endSample; at += splitSamples) {
              const length = Math.min(splitSamples, part.endSample - at);
              const channels = Array.from({ length: head.channels }, () =>
                lend ? plan.spares.array(length) : new Float32Array(length),
              );
              yield { startSample: at, channels };
              done(channels);
            }
            continue;
          }
          const where = windowOf.get(part)!;
          while (w < where.window) {
            const next = await decoded.next();
            if (next.done === true) throw new Error("the decoder stopped before the last window");
            [w, output] = next.value;
          }
          const channels = output[where.position]!;
          yield { startSample: part.startSample, channels };
          // Its own arrays (a copy, or the window's whole span): a view into a span that other
          // parts share does not cover its buffer whole, and `give` leaves it alone.
          done(channels);
          options.signal?.throwIfAborted();
        }
      } finally {
        await decoded.return(undefined);
        for (const worker of workers) worker.terminate();
      }
    },
  };
}
