import type { PlannedOutput } from "./extract-plan.ts";
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

/** What `--json` says of one written output. */
export function segmentSummary(job: Job, filled: { startSample: number; endSample: number }[]) {
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
  };
}

/** Channels one after another: `(channels, samples)` in C order. */
export function planar(channels: Float32Array[], samples: number): Float32Array {
  const out = new Float32Array(channels.length * samples);
  channels.forEach((channel, c) => {
    out.set(channel.subarray(0, samples), c * samples);
  });
  return out;
}

/** Windows of one recording cut from one resampled stream: where each starts in it, and its length. */
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
  const hop = group[1]!.output.startSample - group[0]!.output.startSample;
  if (hop <= 0 || hop > length || (hop * outRate) % inRate !== 0) return undefined;
  for (let i = 1; i < group.length; i++) {
    const output = group[i]!.output;
    if (output.endSample - output.startSample !== length) return undefined;
    if (output.startSample - group[i - 1]!.output.startSample !== hop) return undefined;
  }
  return { hopOut: (hop * outRate) / inRate, windowOut: group[0]!.samples };
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Jobs grouped by recording, groups in the order their recordings first appear. */
export function byRecording(jobs: Job[]): Job[][] {
  const groups = new Map<string, Job[]>();
  for (const job of jobs) {
    const key = job.output.target.key;
    let group = groups.get(key);
    if (group === undefined) {
      group = [];
      groups.set(key, group);
    }
    group.push(job);
  }
  return [...groups.values()];
}
