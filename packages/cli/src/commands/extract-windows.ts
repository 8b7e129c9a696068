import { parseTime } from "../time.ts";
import { UsageError } from "../usage-error.ts";
import { numbered, type PlannedOutput } from "./extract-plan.ts";
import type { TargetRecording } from "./extract-targets.ts";

export interface WindowOptions {
  /** `--window`: a window's length, as a time. */
  window: string;
  /** `--hop`: from one window's start to the next (default: the window, no overlap). */
  hop?: string;
}

/** A range of a recording to cut into windows, in samples at its true rate. */
export interface WindowSpan {
  target: TargetRecording;
  startSample: number;
  endSample: number;
}

/**
 * Fixed windows for inference over each span: the window and hop are turned into whole
 * samples once, at the recording's true rate (nearest sample, halves up, as every time the
 * command takes), and window k starts at `start + k x hop`; only whole windows are kept (a
 * model wants one length), so the last one ends at or before the span's end.
 */
export function planWindows(spans: WindowSpan[], options: WindowOptions): PlannedOutput[] {
  const outputs: PlannedOutput[] = [];
  for (const { target, startSample, endSample } of spans) {
    const { windowSamples, hopSamples } = windowLengths(options, target.sampleRate);
    for (let at = startSample, k = 1; at + windowSamples <= endSample; at += hopSamples, k++) {
      outputs.push({
        n: 0,
        target,
        startSample: at,
        endSample: at + windowSamples,
        row: {
          row: k,
          recording: { id: target.key },
          start: { sample: at },
          end: { sample: at + windowSamples },
          fields: {},
        },
        origin: `${target.name} window ${k}`,
        byTime: true,
      });
    }
  }
  return numbered(outputs);
}

/** `--window` and `--hop` in whole samples at a rate (nearest sample, halves up, as every time the command takes). */
export function windowLengths(options: WindowOptions, sampleRate: number) {
  const windowSamples = parseTime(options.window, sampleRate, "--window");
  const hopSamples = options.hop === undefined ? windowSamples : parseTime(options.hop, sampleRate, "--hop");
  if (windowSamples <= 0) throw new UsageError(`--window ${options.window} is shorter than one sample`);
  if (hopSamples <= 0) throw new UsageError(`--hop ${options.hop} is shorter than one sample`);
  return { windowSamples, hopSamples };
}
