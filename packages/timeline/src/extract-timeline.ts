import {
  type ExtractOptions,
  extractMany as extractRecording,
  extractStream,
  type PcmChunk,
  type SegmentRange,
} from "@granule/extract";
import type { Recording } from "@granule/opus-index";
import { type Collection, listRecordings, openRecording } from "@granule/zarr-opus";
import { TimelineError } from "./errors.ts";
import { type PlanOptions, planTimeline, type TimelinePlan, type TimelineRequest } from "./plan-timeline.ts";
import type { TimelineRecording } from "./recording-span.ts";

export interface TimelineExtractOptions extends ExtractOptions, PlanOptions {
  /** The collection's recordings, if already listed (default: `listRecordings(collection)`). */
  recordings?: readonly TimelineRecording[];
}

/** The samples of one request, and where they came from. */
export interface TimelineSegment {
  /** One array per channel, `plan.sampleCount` samples each. */
  channels: Float32Array[];
  sampleRate: number;
  plan: TimelinePlan;
  /** Output sample ranges that are silence because a file lost them (with `fillHoles`), besides `plan.gaps`. */
  filled: SegmentRange[];
}

/** Opens a recording of the collection by id, once per extraction. */
export type OpenById = (id: string) => Promise<Recording>;

/**
 * Many requests across a collection at once, in input order: each planned by `planTimeline`
 * (UTC times or recording samples; contiguous recordings joined sample-exactly, gaps refused
 * or filled), then decoded recording by recording with `@granule/extract`'s `extractMany`
 * (neighbouring pieces share decode windows). The result holds every request's samples in
 * memory: for one long range, `openTimelineStream` streams instead.
 */
export async function extractMany(
  collection: Collection,
  requests: readonly TimelineRequest[],
  options: TimelineExtractOptions = {},
): Promise<TimelineSegment[]> {
  const recordings = options.recordings ?? (await listRecordings(collection));
  const plans = planTimeline(recordings, requests, options);
  return extractPlans(plans, (id) => openRecording(collection, id, { signal: options.signal }), options);
}

/** Decodes planned requests (see `extractMany`), opening recordings with `open`. */
export async function extractPlans(
  plans: readonly TimelinePlan[],
  open: OpenById,
  options: ExtractOptions = {},
): Promise<TimelineSegment[]> {
  const segments = plans.map((plan) => ({
    channels: Array.from({ length: plan.channels }, () => new Float32Array(plan.sampleCount)),
    sampleRate: plan.sampleRate,
    plan,
    filled: [] as SegmentRange[],
  }));
  // Every piece of every request, grouped by recording: each recording is opened and decoded once.
  const byRecording = new Map<string, { segment: number; piece: number }[]>();
  plans.forEach((plan, s) => {
    plan.pieces.forEach((piece, p) => {
      if (piece.kind !== "audio") return;
      const list = byRecording.get(piece.recording) ?? [];
      list.push({ segment: s, piece: p });
      byRecording.set(piece.recording, list);
    });
  });
  for (const [id, uses] of byRecording) {
    const recording = await open(id);
    const ranges = uses.map(({ segment, piece }) => {
      const p = plans[segment]!.pieces[piece]!;
      return p.kind === "audio" ? { startSample: p.startSample, endSample: p.endSample } : never();
    });
    const decoded = await extractRecording(recording, ranges, options);
    decoded.forEach((part, k) => {
      const { segment, piece } = uses[k]!;
      const target = segments[segment]!;
      const p = plans[segment]!.pieces[piece]!;
      checkChannels(part.channels.length, target.plan, id);
      part.channels.forEach((samples, c) => {
        target.channels[c]!.set(samples, p.outputStartSample);
      });
      for (const hole of part.filled) {
        const shift = p.outputStartSample - (p.kind === "audio" ? p.startSample : 0);
        target.filled.push({ startSample: hole.startSample + shift, endSample: hole.endSample + shift });
      }
    });
  }
  return segments;
}

/** A planned request as PCM chunks in order (a `WavSource` for `wavStream`): memory bounded whatever its length. */
export interface TimelineStream extends AsyncIterable<PcmChunk> {
  readonly startSample: 0;
  readonly endSample: number;
  readonly channelCount: number;
  readonly sampleRate: number;
  readonly mappingFamily: number;
  readonly plan: TimelinePlan;
  /** Output ranges that will be silence because a file lost them (with `fillHoles`), besides `plan.gaps`. */
  readonly filled: SegmentRange[];
}

/** Longest silent chunk a stream yields, in samples. */
const SILENCE_CHUNK_SAMPLES = 48_000;

/**
 * One planned request, streamed: each recording's piece through `@granule/extract`'s
 * `extractStream` (a window at a time), silence in chunks of at most a second's samples.
 * Opens the recordings first, so the stream's layout (channels, mapping) is checked and known
 * before anything is decoded.
 */
export async function openTimelineStream(
  plan: TimelinePlan,
  open: OpenById,
  options: ExtractOptions = {},
): Promise<TimelineStream> {
  const opened = new Map<string, Recording>();
  for (const id of plan.recordings) opened.set(id, await open(id));
  const streams = plan.pieces.map((piece) =>
    piece.kind === "audio"
      ? extractStream(
          opened.get(piece.recording)!,
          { startSample: piece.startSample, endSample: piece.endSample },
          options,
        )
      : undefined,
  );
  const mappings = new Set(streams.flatMap((s) => (s === undefined ? [] : [s.mappingFamily])));
  streams.forEach((s, i) => {
    const piece = plan.pieces[i]!;
    if (s !== undefined && piece.kind === "audio") checkChannels(s.channelCount, plan, piece.recording);
  });
  if (mappings.size > 1) {
    throw new TimelineError(
      "incompatible",
      `the recordings ${plan.recordings.join(", ")} use different channel mappings (${[...mappings].join(" and ")}): they cannot be joined`,
      { recordings: plan.recordings },
    );
  }
  const filled: SegmentRange[] = [];
  streams.forEach((s, i) => {
    const piece = plan.pieces[i]!;
    if (s === undefined || piece.kind !== "audio") return;
    const shift = piece.outputStartSample - piece.startSample;
    for (const hole of s.filled)
      filled.push({ startSample: hole.startSample + shift, endSample: hole.endSample + shift });
  });
  return {
    startSample: 0,
    endSample: plan.sampleCount,
    channelCount: plan.channels,
    sampleRate: plan.sampleRate,
    mappingFamily: mappings.values().next().value ?? 0,
    plan,
    filled,
    async *[Symbol.asyncIterator]() {
      for (const [i, piece] of plan.pieces.entries()) {
        if (piece.kind === "silence") {
          for (let at = 0; at < piece.sampleCount; at += SILENCE_CHUNK_SAMPLES) {
            const length = Math.min(SILENCE_CHUNK_SAMPLES, piece.sampleCount - at);
            yield {
              startSample: piece.outputStartSample + at,
              channels: Array.from({ length: plan.channels }, () => new Float32Array(length)),
            };
          }
          continue;
        }
        const shift = piece.outputStartSample - piece.startSample;
        for await (const chunk of streams[i]!)
          yield { startSample: chunk.startSample + shift, channels: chunk.channels };
      }
    },
  };
}

function checkChannels(channels: number, plan: TimelinePlan, id: string): void {
  if (channels !== plan.channels) {
    throw new TimelineError(
      "incompatible",
      `${id} decodes to ${channels} channels where its listing says ${plan.channels}: the collection's listing is out of date`,
      { recordings: [id] },
    );
  }
}

function never(): never {
  throw new Error("unreachable: only audio pieces are grouped by recording");
}
