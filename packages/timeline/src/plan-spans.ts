import { DEFAULT_JOIN_TOLERANCE_MS, type DeviceRun, deviceKey, deviceRuns, runPosition } from "./device-runs.ts";
import { TimelineError } from "./errors.ts";
import { compatible, type PlanContext, planOnRuns, type TimelinePlan } from "./plan-timeline.ts";
import { recordingSpan, type TimelineRecording, toEpochMs, utcText } from "./recording-span.ts";

export interface SpanOptions {
  /** Only the audio at or after this time. */
  from?: Date | string | number;
  /** Only the audio before this time. */
  to?: Date | string | number;
  /** Only this device's recordings (`null`: those without a device id). Default: every device. */
  deviceId?: string | null;
  /** Go on through gaps between one device's recordings with silence, instead of ending the span there. */
  fillGaps?: boolean;
  /** See `DEFAULT_JOIN_TOLERANCE_MS`. */
  toleranceMs?: number;
}

/** Where a span of a device's timeline ends and the next one begins: what nothing read as one stream may cross. */
export interface TimelineBreak {
  /** A gap wider than the tolerance (not filled), an overlap, or recordings of another rate or channel count. */
  kind: "gap" | "overlap" | "incompatible";
  deviceId: string | null;
  /** The recording that ends before the break, and the one that starts after it. */
  after: string;
  before: string;
  /** UTC, to the millisecond: where `after` ends and `before` starts. */
  end: string;
  start: string;
  /** From the end of `after` to the start of `before`; negative for an overlap. */
  gapMs: number;
}

/** A deployment cut into the stretches that can each be read as one stream. */
export interface DeploymentSpans {
  /** Each stretch as the plan that reads it, by device (in the order the listing first names them), then time. */
  spans: TimelinePlan[];
  /** Where consecutive spans of one device meet, in the same order. */
  breaks: TimelineBreak[];
  /** Recordings of the devices asked for that have no `recordedAt`, so are on no timeline (left out). */
  untimed: string[];
}

/**
 * The continuous stretches of a deployment, per device: the runs of recordings that follow
 * one another within the tolerance (joined sample-exactly, as `planTimeline` joins them), each
 * a span; with `fillGaps`, runs of the same rate and channels go on into one span through the
 * gaps between them, filled with silence (listed in the plan's `gaps`), and only overlaps and
 * changes of rate or channels end a span. A span covers where recordings are: clipped to
 * `from`/`to`, never filled before a device's first recording or after its last. Every place
 * a span ends inside the time asked for is a `TimelineBreak`, naming the recordings and times.
 */
export function planSpans(recordings: readonly TimelineRecording[], options: SpanOptions = {}): DeploymentSpans {
  const toleranceMs = options.toleranceMs ?? DEFAULT_JOIN_TOLERANCE_MS;
  if (!(toleranceMs >= 0) || !Number.isFinite(toleranceMs)) {
    throw new TimelineError("invalid-argument", `toleranceMs must be 0 or more milliseconds, got ${toleranceMs}`);
  }
  const fromMs = options.from === undefined ? undefined : toEpochMs(options.from, "from");
  const toMs = options.to === undefined ? undefined : toEpochMs(options.to, "to");
  if (fromMs !== undefined && toMs !== undefined && !(fromMs < toMs)) {
    throw new TimelineError(
      "invalid-argument",
      `the range ${utcText(fromMs)}-${utcText(toMs)} is empty: the start must come before the end`,
    );
  }
  const fillGaps = options.fillGaps ?? false;
  const wanted = (deviceId: string | null) =>
    options.deviceId === undefined || deviceKey(deviceId) === deviceKey(options.deviceId);
  const runs = deviceRuns(recordings, toleranceMs);
  const context: PlanContext = { runs, byId: new Map(recordings.map((r) => [r.id, r])), toleranceMs, fillGaps: true };
  const result: DeploymentSpans = {
    spans: [],
    breaks: [],
    untimed: recordings.filter((r) => wanted(r.deviceId) && recordingSpan(r) === null).map((r) => r.id),
  };
  for (const deviceRunList of runs.values()) {
    const inRange = deviceRunList.filter(
      (run) =>
        wanted(run.deviceId) &&
        (fromMs === undefined || run.endMs > fromMs) &&
        (toMs === undefined || run.startMs < toMs),
    );
    // Runs that one stream may go through, one after another: with fillGaps, the same audio
    // and a real gap (not an overlap) between; else each run alone. Each run follows the run
    // that ends latest before it, not merely the one that starts before it: a run that lies
    // inside another (a recording within another's time) is a chain of its own, and never
    // has silence filled where the other holds audio.
    const chains: DeviceRun[][] = [];
    let latest: { run: DeviceRun; chain: DeviceRun[] } | undefined;
    for (const run of inRange) {
      if (latest !== undefined) {
        const previous = latest.run;
        if (
          fillGaps &&
          compatible(previous, run) &&
          run.startMs - previous.endMs > toleranceMs &&
          latest.chain[latest.chain.length - 1] === previous
        ) {
          latest.chain.push(run);
          latest = { run, chain: latest.chain };
          continue;
        }
        result.breaks.push(breakBetween(previous, run, toleranceMs));
      }
      const chain = [run];
      chains.push(chain);
      if (latest === undefined || run.endMs > latest.run.endMs) latest = { run, chain };
    }
    for (const chain of chains) {
      const first = chain[0]!;
      const last = chain[chain.length - 1]!;
      const from = fromMs === undefined || fromMs <= first.startMs ? 0 : runPosition(first, fromMs);
      const to = toMs === undefined || toMs >= last.endMs ? last.totalSamples : runPosition(last, toMs);
      if (chain.length === 1 && from >= to) continue; // the range touches the run by less than a sample
      result.spans.push(planOnRuns(chain, from, to, context, undefined));
    }
  }
  return result;
}

function breakBetween(previous: DeviceRun, next: DeviceRun, toleranceMs: number): TimelineBreak {
  const gapMs = next.startMs - previous.endMs;
  return {
    kind: gapMs < -toleranceMs ? "overlap" : compatible(previous, next) ? "gap" : "incompatible",
    deviceId: previous.deviceId,
    after: previous.members[previous.members.length - 1]!.recording.id,
    before: next.members[0]!.recording.id,
    end: utcText(previous.endMs),
    start: utcText(next.startMs),
    gapMs,
  };
}
