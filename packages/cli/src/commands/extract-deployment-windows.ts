import {
  type OpenById,
  planSpans,
  planTimeline,
  slicePlan,
  type TimelineBreak,
  TimelineError,
  type TimelineGap,
  type TimelinePlan,
  type TimelineRecording,
} from "@granule/timeline";
import { UsageError } from "../usage-error.ts";
import { parseArchiveTime } from "../utc-time.ts";
import { numbered, type PlannedOutput } from "./extract-plan.ts";
import type { TargetRecording } from "./extract-targets.ts";
import { type TimelineArguments, timelineOptions } from "./extract-timeline.ts";
import { planWindows, type WindowOptions, windowLengths } from "./extract-windows.ts";

export interface DeploymentWindowArguments extends WindowOptions, TimelineArguments {
  /** UTC times: only the windows inside them. */
  start?: string;
  end?: string;
}

/** The windows of a deployment, and what a window may not cross or ran through. */
export interface DeploymentWindows {
  outputs: PlannedOutput[];
  /** Where a device's windows stop and start again: gaps (without --fill-gaps), overlaps, changes of rate or channels. */
  breaks: TimelineBreak[];
  /** Gaps the windows ran through as silence (--fill-gaps). */
  filledGaps: (TimelineGap & { deviceId: string | null; sampleRate: number })[];
  /** Recordings without `recordedAt`: windowed each on its own, or (with a UTC range) left out. */
  untimed: { ids: string[]; leftOut: boolean };
}

/**
 * `--window` over an archive: windows on the deployment's timeline. Each device's
 * recordings that follow one another within the join tolerance are one span (the timeline
 * package's `planSpans`), so a window that runs from one recording into the next is read
 * across the join, sample-exactly, from the span's plan; a gap ends the span (windows start
 * again after it, and the gap is a break), or with `--fill-gaps` is read as silence. Window k
 * of a span starts at k x hop from the span's start (its first recording, or `--start`).
 * Recordings without `recordedAt` are on no timeline: windowed each on its own, as before.
 */
export function planDeploymentWindows(
  targets: readonly TargetRecording[],
  source: string,
  args: DeploymentWindowArguments,
): DeploymentWindows {
  if ((args.start === undefined) !== (args.end === undefined)) throw new UsageError("--start and --end go together");
  const hasRange = args.start !== undefined;
  const { rows, byKey, open } = timelineOf(targets);
  let planned: ReturnType<typeof planSpans>;
  try {
    planned = planSpans(rows, {
      ...(hasRange
        ? {
            from: parseArchiveTime(args.start!, "--start", source),
            to: parseArchiveTime(args.end!, "--end", source),
          }
        : {}),
      ...timelineOptions(args),
    });
  } catch (error) {
    if (error instanceof TimelineError) throw new UsageError(`${source}: ${error.message}`);
    throw error;
  }
  const outputs: PlannedOutput[] = [];
  planned.spans.forEach((span, s) => {
    const { windowSamples, hopSamples } = windowLengths(args, span.sampleRate);
    const spanSource = { plan: span, rows, open };
    const device = span.deviceId === null ? "" : ` ${span.deviceId}`;
    for (let at = 0, k = 1; at + windowSamples <= span.sampleCount; at += hopSamples, k++) {
      const plan = slicePlan(span, at, at + windowSamples, rows);
      const anchor = anchorOf(span, at);
      outputs.push({
        n: 0,
        target: byKey.get(anchor.recording)!,
        startSample: anchor.startSample,
        endSample: anchor.startSample + windowSamples,
        row: {
          row: k,
          recording: { id: anchor.recording },
          start: { sample: anchor.startSample },
          end: { sample: anchor.startSample + windowSamples },
          fields: {},
        },
        origin: `${source}${device} window ${k} (${plan.start})`,
        byTime: true,
        timeline: { spanKey: `\u0000span ${s}`, span: spanSource, spanStartSample: at, plan },
      });
    }
  });
  // Without a UTC range, recordings on no timeline keep their own windows; with one, they cannot be in it.
  const untimed = planned.untimed.map((id) => byKey.get(id)!);
  if (!hasRange) {
    outputs.push(
      ...planWindows(
        untimed.map((target) => ({ target, startSample: 0, endSample: target.totalSamples })),
        args,
      ),
    );
  }
  return {
    outputs: numbered(outputs),
    breaks: planned.breaks,
    filledGaps: planned.spans.flatMap((span) =>
      span.gaps.map((gap) => ({ ...gap, deviceId: span.deviceId, sampleRate: span.sampleRate })),
    ),
    untimed: { ids: planned.untimed, leftOut: hasRange },
  };
}

/** The targets as timeline rows, and how to open each by its key. */
function timelineOf(targets: readonly TargetRecording[]) {
  const rows: TimelineRecording[] = targets.map((t) => ({
    id: t.key,
    recordedAt: t.recordedAt,
    deviceId: t.deviceId,
    sampleRate: t.sampleRate,
    totalSamples: t.totalSamples,
    channels: t.channels,
  }));
  const byKey = new Map(targets.map((t) => [t.key, t]));
  const open: OpenById = (id) => byKey.get(id)!.open();
  return { rows, byKey, open };
}

/**
 * One UTC range of an archive as one output of the dataset pipeline (resampled, reshaped,
 * .npy): planned on the timeline as `granule extract <archive> --start --end` plans it (the
 * recording(s) that hold it, joins, gaps refused or filled), so reshaping a range never
 * changes which samples it is.
 */
export function planDeploymentRange(
  targets: readonly TargetRecording[],
  source: string,
  args: TimelineArguments & { start: string; end: string },
): PlannedOutput[] {
  const { rows, byKey, open } = timelineOf(targets);
  const [plan] = planTimeline(
    rows,
    [{ start: parseArchiveTime(args.start, "--start", source), end: parseArchiveTime(args.end, "--end", source) }],
    timelineOptions(args),
  );
  const anchor = rangeAnchor(plan!);
  return numbered([
    {
      n: 0,
      target: byKey.get(anchor.recording)!,
      startSample: anchor.startSample,
      endSample: anchor.startSample + plan!.sampleCount,
      row: {
        row: 1,
        recording: { id: anchor.recording },
        start: { sample: anchor.startSample },
        end: { sample: anchor.startSample + plan!.sampleCount },
        fields: {},
      },
      origin: `${source} ${plan!.start}`,
      byTime: true,
      timeline: { spanKey: "\u0000range", span: { plan: plan!, rows, open }, spanStartSample: 0, plan: plan! },
    },
  ]);
}

/**
 * Where a range's first sample is on the timeline of the first recording it reads: inside it,
 * or (a range that starts in silence, --fill-gaps) that many samples before its audio.
 */
function rangeAnchor(plan: TimelinePlan): { recording: string; startSample: number } {
  const first = plan.pieces.find((piece) => piece.kind === "audio");
  if (first === undefined || first.kind !== "audio") {
    throw new UsageError(`the range ${plan.start} holds no audio of any recording`);
  }
  return { recording: first.recording, startSample: first.startSample - first.outputStartSample };
}

/**
 * Where span sample `at` is on a recording's own timeline: in the recording that holds it, or
 * in a gap, past the end of the recording before the gap (a span starts with audio).
 */
function anchorOf(span: TimelinePlan, at: number): { recording: string; startSample: number } {
  let previous: { recording: string; endSample: number; outputEnd: number } | undefined;
  for (const piece of span.pieces) {
    const length = piece.kind === "audio" ? piece.endSample - piece.startSample : piece.sampleCount;
    const inside = at < piece.outputStartSample + length;
    if (piece.kind === "audio") {
      if (inside)
        return { recording: piece.recording, startSample: piece.startSample + (at - piece.outputStartSample) };
      previous = {
        recording: piece.recording,
        endSample: piece.endSample,
        outputEnd: piece.outputStartSample + length,
      };
    } else if (inside && previous !== undefined) {
      return { recording: previous.recording, startSample: previous.endSample + (at - previous.outputEnd) };
    }
  }
  throw new Error(`internal: sample ${at} is not in the span of ${span.recordings.join(", ")}`);
}

/** What stderr says of a break the windows did not cross. */
export function breakNote(b: TimelineBreak, fillGaps: boolean): string {
  const device = b.deviceId === null ? "the recordings without a device id" : `device ${b.deviceId}`;
  const pair = `${b.after} (to ${b.end}) and ${b.before} (from ${b.start})`;
  const seconds = (ms: number) => `${(Math.abs(ms) / 1000).toFixed(3)} s`;
  if (b.kind === "overlap") {
    return `windows of ${device} stop at the end of ${b.after} and start again at ${b.before}: ${pair} overlap by ${seconds(b.gapMs)}, so they are not one stream`;
  }
  if (b.kind === "incompatible") {
    return `windows of ${device} stop at the end of ${b.after} and start again at ${b.before}: ${pair} differ in rate or channels (${b.gapMs >= 0 ? "apart" : "overlapping"} by ${seconds(b.gapMs)}), so they cannot be joined`;
  }
  return `skipped the gap of ${seconds(b.gapMs)} between ${pair} of ${device}: windows stop before it and start again after it${fillGaps ? "" : " (--fill-gaps runs them through it with silence)"}`;
}
