import type { ExtractOptions, PcmChunk, WavSource } from "@granule/extract";
import { extractStream, nodeDecoderFactory } from "@granule/extract/node";
import type { Recording } from "@granule/opus-index";
import { contextSamples, createResampler } from "@granule/resample";
import type { OpenById, TimelinePlan, TimelineRecording } from "@granule/timeline";
import { outputChannelCount, outputSampleCount, type PcmShape, shapePcm } from "./pcm-shape.ts";

/** A shaped segment as a stream: what `wavStream`/`rawStream` take, positions in output samples. */
export type ShapedStream = WavSource & { filled: { startSample: number; endSample: number }[] };

const greatestCommonDivisor = (a: number, b: number): number => (b === 0 ? a : greatestCommonDivisor(b, a % b));

/** Largest run of zeros pushed at once before a recording's start. */
const ZERO_CHUNK = 65_536;

/**
 * One range of a recording, decoded, shaped (channels picked or mixed) and resampled as a
 * stream, in memory bounded by the decode windows in flight and the resampler's filter,
 * however long the range.
 *
 * The streaming resampler puts output j at input position `from + j x inRate / outRate`.
 * Decoding starts `lead` samples before the range, `lead` a whole number of grid periods
 * (inRate / gcd samples, after which input and output samples line up again) and at least the
 * filter's context; the first `lead x outRate / inRate` outputs are dropped, so output k
 * sits exactly at `startSample + k x inRate / outRate`, as `resampleSegment` (and the
 * one-file-per-row path) places it. Before the recording's start the input is zeros, as the
 * resampler assumes outside a signal.
 */
export function shapedStream(
  recording: Recording,
  range: { startSample: number; endSample: number },
  shape: PcmShape,
  options: ExtractOptions,
): ShapedStream {
  const source = {
    sampleRate: recording.sampleRate,
    channels: recording.index.head.channels,
    totalSamples: recording.index.totalSamples,
  };
  const decode = decodeRange(source, range, shape);
  const decoded = extractStream(recording, decode, options);
  return shapeDecoded(decoded, decoded.filled, recording.index.head.mappingFamily, source, range, shape, decode);
}

/**
 * The same over a span of a deployment's timeline (one device's recordings joined, gaps
 * silent with `--fill-gaps`): positions are the span's samples, the context a resampler needs
 * is read across joins from the neighbouring recording, as it is inside one recording.
 */
export async function shapedSpanStream(
  span: SpanSource,
  range: { startSample: number; endSample: number },
  shape: PcmShape,
  options: ExtractOptions,
): Promise<ShapedStream> {
  const source = {
    sampleRate: span.plan.sampleRate,
    channels: span.plan.channels,
    totalSamples: span.plan.sampleCount,
  };
  const decode = decodeRange(source, range, shape);
  // Loaded for a deployment's spans only: one recording's outputs never need the timeline.
  const { openTimelineStream, slicePlan } = await import("@granule/timeline");
  const slice = slicePlan(span.plan, decode.startSample, decode.endSample, span.rows);
  const decoded = await openTimelineStream(slice, span.open, { workerFactory: nodeDecoderFactory, ...options });
  const filled = decoded.filled.map((f) => ({
    startSample: f.startSample + decode.startSample,
    endSample: f.endSample + decode.startSample,
  }));
  return shapeDecoded(decoded, filled, decoded.mappingFamily, source, range, shape, decode);
}

/** A span of a deployment to read from: its plan, the recordings' rows, and how to open one. */
export interface SpanSource {
  plan: TimelinePlan;
  rows: readonly TimelineRecording[];
  open: OpenById;
}

interface PcmSource {
  sampleRate: number;
  channels: number;
  totalSamples: number;
}

/** What to decode for a range: itself, or with the resampler's context and lead (see `shapedStream`). */
interface DecodeRange {
  startSample: number;
  endSample: number;
  zerosFirst: number;
  dropOutputs: number;
}

function decodeRange(
  source: PcmSource,
  range: { startSample: number; endSample: number },
  shape: PcmShape,
): DecodeRange {
  const inRate = source.sampleRate;
  const outRate = shape.sampleRate ?? inRate;
  if (outRate === inRate) return { ...range, zerosFirst: 0, dropOutputs: 0 };
  const context = contextSamples(inRate, outRate);
  const period = inRate / greatestCommonDivisor(inRate, outRate);
  const lead = Math.ceil(context / period) * period;
  const startSample = Math.max(0, range.startSample - lead);
  return {
    startSample,
    endSample: Math.min(source.totalSamples, range.endSample + context),
    zerosFirst: lead - (range.startSample - startSample),
    dropOutputs: (lead / period) * (outRate / greatestCommonDivisor(inRate, outRate)),
  };
}

function shapeDecoded(
  decoded: AsyncIterable<PcmChunk>,
  decodedFilled: { startSample: number; endSample: number }[],
  mappingFamily: number,
  source: PcmSource,
  range: { startSample: number; endSample: number },
  shape: PcmShape,
  decode: DecodeRange,
): ShapedStream {
  const inRate = source.sampleRate;
  const channelCount = outputChannelCount(shape, source.channels);
  const length = range.endSample - range.startSample;
  const outSamples = outputSampleCount(shape, length, inRate);
  const outRate = shape.sampleRate ?? inRate;
  const family = shape.channels === undefined && !shape.mono ? mappingFamily : 0;
  const resampling = outRate !== inRate;
  // Channels are picked and mixed before resampling (fewer channels to filter).
  const mix: PcmShape = { mono: shape.mono, ...(shape.channels === undefined ? {} : { channels: shape.channels }) };
  const { zerosFirst, dropOutputs } = decode;
  const filled = decodedFilled
    .map((f) => ({
      startSample: Math.max(f.startSample, range.startSample),
      endSample: Math.min(f.endSample, range.endSample),
    }))
    .filter((f) => f.startSample < f.endSample);
  return {
    startSample: 0,
    endSample: outSamples,
    channelCount,
    sampleRate: outRate,
    mappingFamily: family,
    filled,
    async *[Symbol.asyncIterator](): AsyncGenerator<PcmChunk> {
      let emitted = 0;
      if (!resampling) {
        for await (const chunk of decoded) {
          const n = chunk.channels[0]!.length;
          yield { startSample: emitted, channels: shapePcm(chunk.channels, mix, inRate, 0, n) };
          emitted += n;
        }
        return;
      }
      const resampler = createResampler({ inRate, outRate, channels: channelCount });
      let toDrop = dropOutputs;
      // Outputs past the ones asked for (the context after the range) are not given.
      function* take(outputs: Float32Array[]): Generator<PcmChunk> {
        let from = 0;
        const n = outputs[0]?.length ?? 0;
        if (toDrop > 0) {
          from = Math.min(n, toDrop);
          toDrop -= from;
        }
        const to = Math.min(n, from + (outSamples - emitted));
        if (to <= from) return;
        yield { startSample: emitted, channels: outputs.map((c) => c.subarray(from, to)) };
        emitted += to - from;
      }
      for (let left = zerosFirst; left > 0; left -= ZERO_CHUNK) {
        const n = Math.min(ZERO_CHUNK, left);
        yield* take(resampler.push(Array.from({ length: channelCount }, () => new Float32Array(n))));
      }
      for await (const chunk of decoded) {
        const n = chunk.channels[0]!.length;
        yield* take(resampler.push(shapePcm(chunk.channels, mix, inRate, 0, n)));
        if (emitted === outSamples) return;
      }
      yield* take(resampler.flush());
    },
  };
}
