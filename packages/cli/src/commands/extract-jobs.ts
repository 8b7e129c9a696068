import type { PlannedOutput } from "./extract-plan.ts";
import { assignParts } from "./job-part.ts";
import type { PcmShape } from "./pcm-shape.ts";

/** One output as it will be written. */
export interface Job {
  output: PlannedOutput;
  /** What is done to its samples (its own channel with `--channels row`). */
  shape: PcmShape;
  name: string;
  path: string;
  channels: number;
  samples: number;
  outRate: number;
  /** Position in this run (the stack index, the order on stdout). */
  position: number;
}

/** What `--json` says of one written output; a window of a deployment's timeline says where on it. */
export function segmentSummary(job: Job, filled: { startSample: number; endSample: number }[]) {
  const window = job.output.timeline?.plan;
  return {
    name: job.name,
    path: job.path,
    recording: job.output.target.key,
    startSample: job.output.startSample,
    endSample: job.output.endSample,
    channels: job.channels,
    sampleRate: job.outRate,
    samples: job.samples,
    filled,
    ...(window === undefined
      ? {}
      : { start: window.start, deviceId: window.deviceId, recordings: window.recordings, gaps: window.gaps }),
  };
}

/** Where an output's samples start in what it is read from: its recording, or its span of the timeline. */
export function sourceStart(output: PlannedOutput): number {
  return output.timeline?.spanStartSample ?? output.startSample;
}

/** What an output is read from: its recording, or its span of a deployment's timeline. */
export function sourceKey(output: PlannedOutput): string {
  return output.timeline?.spanKey ?? output.target.key;
}

/**
 * The part (1-based) of each planned output in a job of `count` parts, in plan order: balanced
 * by duration, with neighbours in what they are read from kept together so that a part decodes
 * each stretch once. The same outputs give the same parts in every process.
 */
export function partsOfOutputs(planned: readonly PlannedOutput[], count: number): number[] {
  return assignParts(
    planned.map((p) => (p.endSample - p.startSample) / p.target.sampleRate),
    count,
    planned
      .map((_, i) => i)
      .sort(
        (a, b) =>
          compareText(sourceKey(planned[a]!), sourceKey(planned[b]!)) ||
          sourceStart(planned[a]!) - sourceStart(planned[b]!) ||
          a - b,
      ),
  );
}

/**
 * Ranges in what an output is read from (holes filled with `--fill-holes`), as the output's
 * own positions (those of `startSample`), cut to the output.
 */
export function filledIn(
  output: PlannedOutput,
  ranges: readonly { startSample: number; endSample: number }[],
): { startSample: number; endSample: number }[] {
  const from = sourceStart(output);
  const to = from + (output.endSample - output.startSample);
  const shift = output.startSample - from;
  return ranges
    .map((f) => ({ startSample: Math.max(f.startSample, from) + shift, endSample: Math.min(f.endSample, to) + shift }))
    .filter((f) => f.startSample < f.endSample);
}

/** Channels one after another: `(channels, samples)` in C order. */
export function planar(channels: Float32Array[], samples: number): Float32Array {
  const out = new Float32Array(channels.length * samples);
  channels.forEach((channel, c) => {
    out.set(channel.subarray(0, samples), c * samples);
  });
  return out;
}

/** Windows of one recording (or span) cut from one resampled stream: where each starts in it, and its length. */
export interface WindowRun {
  hopOut: number;
  windowOut: number;
}

/**
 * Whether a recording's jobs are evenly spaced, overlapping or touching windows of one length
 * whose starts fall on the output grid (hop x outRate / inRate whole): then `streamWindows`
 * decodes (and resamples) their stretch once. Anything else is extracted job by job.
 */
export function windowRun(group: Job[], shape: PcmShape, inRate: number): WindowRun | undefined {
  const outRate = shape.sampleRate ?? inRate;
  if (shape.rowChannel || group.length < 2) return undefined;
  const length = group[0]!.output.endSample - group[0]!.output.startSample;
  const hop = sourceStart(group[1]!.output) - sourceStart(group[0]!.output);
  if (hop <= 0 || hop > length || (hop * outRate) % inRate !== 0) return undefined;
  for (let i = 1; i < group.length; i++) {
    const output = group[i]!.output;
    if (output.endSample - output.startSample !== length) return undefined;
    if (sourceStart(output) - sourceStart(group[i - 1]!.output) !== hop) return undefined;
  }
  return { hopOut: (hop * outRate) / inRate, windowOut: group[0]!.samples };
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Jobs grouped by what they are read from (`sourceKey`), groups in the order they first appear. */
export function bySource(jobs: Job[]): Job[][] {
  const groups = new Map<string, Job[]>();
  for (const job of jobs) {
    const key = sourceKey(job.output);
    let group = groups.get(key);
    if (group === undefined) {
      group = [];
      groups.set(key, group);
    }
    group.push(job);
  }
  return [...groups.values()];
}
