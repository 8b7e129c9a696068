import {
  DEFAULT_JOIN_TOLERANCE_MS,
  type DeviceRun,
  deviceKey,
  deviceRuns,
  runPosition,
  runTime,
  samplesBetween,
} from "./device-runs.ts";
import { TimelineError } from "./errors.ts";
import { recordingSpan, type TimelineRecording, toEpochMs, utcText } from "./recording-span.ts";

/** Samples of one recording, on its own timeline, end exclusive: may run on into the next contiguous recording. */
export interface SampleRequest {
  recording: string;
  startSample: number;
  endSample: number;
}

/** A stretch of UTC time, end exclusive: `Date`, ISO 8601 with `Z` or an offset, or epoch milliseconds. */
export interface TimeRequest {
  start: Date | string | number;
  end: Date | string | number;
  /** The device whose recordings to read, when several cover the time (default: the only one). */
  deviceId?: string | null;
}

export type TimelineRequest = SampleRequest | TimeRequest;

export interface PlanOptions {
  /** See `DEFAULT_JOIN_TOLERANCE_MS`: recordings this close (either way) are joined as one stream. */
  toleranceMs?: number;
  /** Silence where no recording covers the range (listed in `gaps`), instead of an error. */
  fillGaps?: boolean;
  /** The device for every time request that does not name its own. */
  deviceId?: string | null;
}

/** Samples of a recording that make up part of the output. */
export interface AudioPiece {
  kind: "audio";
  recording: string;
  startSample: number;
  endSample: number;
  /** Where the piece starts in the output. */
  outputStartSample: number;
}

/** Silence in the output, where no recording covers the range (only with `fillGaps`). */
export interface SilencePiece {
  kind: "silence";
  outputStartSample: number;
  sampleCount: number;
}

/** A stretch of the output that no recording covered, filled with silence. */
export interface TimelineGap {
  outputStartSample: number;
  outputEndSample: number;
  /** UTC, to the millisecond. */
  start: string;
  end: string;
  /** The recording that ends where the gap begins, and the one that starts where it ends (null at the range's edges). */
  after: string | null;
  before: string | null;
}

/** How one request is read: the pieces of recordings (and of silence) that make it, in order. */
export interface TimelinePlan {
  deviceId: string | null;
  sampleRate: number;
  channels: number;
  /** Output samples: the sum of the pieces. */
  sampleCount: number;
  /** UTC time of the first output sample, to the millisecond; null for a recording without `recordedAt`. */
  start: string | null;
  /** The same in epoch milliseconds, with its fraction (null without `recordedAt`). */
  startMs: number | null;
  pieces: (AudioPiece | SilencePiece)[];
  gaps: TimelineGap[];
  /** The recordings read, in order. */
  recordings: string[];
}

/**
 * Plans each request over a collection's recordings (the rows of `listRecordings`): which
 * recordings hold it and which of their samples. Recordings of one device whose timestamps
 * and lengths follow on within `toleranceMs` are one stream, joined sample-exactly (the second
 * one's sample 0 follows the first one's last sample). A range that crosses a wider gap, or
 * runs past the recordings, fails with a `TimelineError` naming the gap, unless `fillGaps`
 * fills it with silence (then listed in `gaps`). Recordings of different devices are never
 * joined. Times convert to samples at the recording's true rate, counted from the start of
 * the recording that holds them, to the nearest sample (halves up).
 */
export function planTimeline(
  recordings: readonly TimelineRecording[],
  requests: readonly TimelineRequest[],
  options: PlanOptions = {},
): TimelinePlan[] {
  const toleranceMs = options.toleranceMs ?? DEFAULT_JOIN_TOLERANCE_MS;
  if (!(toleranceMs >= 0) || !Number.isFinite(toleranceMs)) {
    throw new TimelineError("invalid-argument", `toleranceMs must be 0 or more milliseconds, got ${toleranceMs}`);
  }
  const runs = deviceRuns(recordings, toleranceMs);
  const byId = new Map(recordings.map((r) => [r.id, r]));
  const context: PlanContext = { runs, byId, toleranceMs, fillGaps: options.fillGaps ?? false };
  return requests.map((request, i) => {
    const where = requests.length > 1 ? i : undefined;
    if ("recording" in request) return planSamples(context, request, where);
    const deviceId = request.deviceId !== undefined ? request.deviceId : options.deviceId;
    return planTime(context, request, deviceId, where);
  });
}

/** What planning a request needs besides the request (for `planOnRuns`, shared with `plan-spans.ts`). */
export interface PlanContext {
  runs: Map<string, DeviceRun[]>;
  byId: Map<string, TimelineRecording>;
  toleranceMs: number;
  fillGaps: boolean;
}

function planSamples(context: PlanContext, request: SampleRequest, where: number | undefined): TimelinePlan {
  const { recording: id, startSample, endSample } = request;
  const recording = context.byId.get(id);
  if (recording === undefined) {
    throw new TimelineError("not-found", `no recording ${id} in the collection`, { request: where, recordings: [id] });
  }
  if (!Number.isSafeInteger(startSample) || !Number.isSafeInteger(endSample) || startSample < 0) {
    throw new TimelineError(
      "invalid-argument",
      `samples ${startSample}-${endSample} of ${id}: give whole sample numbers from 0`,
      { request: where, recordings: [id] },
    );
  }
  if (startSample >= endSample) {
    throw new TimelineError("invalid-argument", `samples ${startSample}-${endSample} of ${id} are an empty range`, {
      request: where,
      recordings: [id],
    });
  }
  const span = recordingSpan(recording);
  if (span === null) {
    if (endSample > recording.totalSamples) {
      throw new TimelineError(
        "not-covered",
        `samples ${startSample}-${endSample} go past the end of ${id} (${recording.totalSamples} samples), which has no recordedAt, so no recording can follow it`,
        { request: where, recordings: [id] },
      );
    }
    return {
      deviceId: recording.deviceId,
      sampleRate: recording.sampleRate,
      channels: recording.channels,
      sampleCount: endSample - startSample,
      start: null,
      startMs: null,
      pieces: [{ kind: "audio", recording: id, startSample, endSample, outputStartSample: 0 }],
      gaps: [],
      recordings: [id],
    };
  }
  const runs = context.runs.get(deviceKey(recording.deviceId))!;
  const r = runs.findIndex((run) => run.members.some((m) => m.recording.id === id));
  const run = runs[r]!;
  const member = run.members.find((m) => m.recording.id === id)!;
  const from = member.offsetSamples + startSample;
  const to = member.offsetSamples + endSample;
  if (to > run.totalSamples) {
    const last = run.members[run.members.length - 1]!.recording.id;
    const next = runs[r + 1];
    const past = `samples ${startSample}-${endSample} of ${id} go past the end of ${last === id ? "it" : `the recordings joined to it (the last is ${last})`}`;
    // With fillGaps the end past the device's last recording is silence, as for a time range;
    // a range that starts after it ends has no audio at all and is refused, as by time.
    const final = runs[runs.length - 1]!;
    if (context.fillGaps && runTime(run, from) >= final.endMs) {
      const finalId = final.members[final.members.length - 1]!.recording.id;
      throw new TimelineError(
        "not-covered",
        `${past}, and start after the last recording of ${deviceText(run.deviceId)} ends (${finalId}, to ${utcText(final.endMs)})`,
        { request: where, recordings: [id, finalId] },
      );
    }
    if (next === undefined) {
      if (!context.fillGaps) {
        throw new TimelineError("not-covered", `${past}, and no recording of ${deviceText(run.deviceId)} follows`, {
          request: where,
          recordings: [id, last],
        });
      }
      return planOnRuns([run], from, to, context, where, past, endSample - startSample);
    }
    if (!context.fillGaps) throw gapError(run, next, context.toleranceMs, where, past);
    // With fillGaps the range goes on in time, through the gap, into the recordings after it
    // that it overlaps (none that end before it starts: it may start in the gap itself). The
    // output holds exactly the samples asked for, whatever the rounding at the joins.
    const startMs = runTime(run, from);
    const endMs = runTime(run, to);
    const following = runs.slice(r).filter((other, k) => k === 0 || (other.startMs < endMs && other.endMs > startMs));
    const toOnLast = runPosition(following[following.length - 1]!, endMs);
    const second = following[1];
    if (from >= run.totalSamples && second !== undefined && second.startMs <= startMs) {
      // It starts inside a later recording, not in the gap: read from there.
      const fromOnSecond = runPosition(second, startMs);
      return planOnRuns(following.slice(1), fromOnSecond, toOnLast, context, where, past, endSample - startSample);
    }
    return planOnRuns(following, from, toOnLast, context, where, past, endSample - startSample);
  }
  return planOnRuns([run], from, to, context, where);
}

function planTime(
  context: PlanContext,
  request: TimeRequest,
  deviceId: string | null | undefined,
  where: number | undefined,
): TimelinePlan {
  const startMs = toEpochMs(request.start, "start");
  const endMs = toEpochMs(request.end, "end");
  const range = `${utcText(startMs)}-${utcText(endMs)}`;
  if (!(startMs < endMs)) {
    throw new TimelineError("invalid-argument", `the range ${range} is empty: the start must come before the end`, {
      request: where,
    });
  }
  let candidates: DeviceRun[] = [];
  for (const [key, runs] of context.runs) {
    if (deviceId !== undefined && key !== deviceKey(deviceId)) continue;
    for (const run of runs) if (run.startMs < endMs && run.endMs > startMs) candidates.push(run);
  }
  if (candidates.length === 0) {
    const which = deviceId === undefined ? "no recording" : `no recording of ${deviceText(deviceId)}`;
    throw new TimelineError("no-recording", `${which} has audio in ${range}`, { request: where });
  }
  const devices = [...new Set(candidates.map((run) => run.deviceId))];
  if (devices.length > 1) {
    throw new TimelineError(
      "ambiguous-device",
      `recordings of ${devices.length} devices cover ${range} (${devices.map(deviceText).join(", ")}): say which device${devices.includes(null) ? " (deviceId null for the recordings without one)" : ""}; recordings of different devices are never joined`,
      { request: where, recordings: candidates.flatMap((run) => run.members.map((m) => m.recording.id)) },
    );
  }
  candidates = candidates.sort((a, b) => a.startMs - b.startMs);
  const first = candidates[0]!;
  const last = candidates[candidates.length - 1]!;
  const from = runPosition(first, startMs);
  // The end on the last run's timeline, moved onto the first run's when they are the same run.
  const toOnLast = runPosition(last, endMs);
  return planOnRuns(candidates, from, toOnLast, context, where, range);
}

/**
 * The pieces of [from, to): `from` on the first run's timeline (negative before it, past its
 * end when the range starts in the gap after it), `to` on the last run's (past its end after
 * it); the runs between are read whole, gaps between them filled or refused. With
 * `sampleCount`, the output holds exactly that many samples: the end moves by the rounding
 * that converting times to samples at the joins left.
 */
export function planOnRuns(
  runs: DeviceRun[],
  from: number,
  to: number,
  context: PlanContext,
  where: number | undefined,
  range?: string,
  sampleCount?: number,
): TimelinePlan {
  let end = to;
  const first = runs[0]!;
  const lastRun = runs[runs.length - 1]!;
  const pieces: (AudioPiece | SilencePiece)[] = [];
  const gaps: TimelineGap[] = [];
  let output = 0;
  const silence = (
    sampleCount: number,
    startMs: number,
    endMs: number,
    after: string | null,
    before: string | null,
  ) => {
    if (sampleCount <= 0) return;
    pieces.push({ kind: "silence", outputStartSample: output, sampleCount });
    gaps.push({
      outputStartSample: output,
      outputEndSample: output + sampleCount,
      start: utcText(startMs),
      end: utcText(endMs),
      after,
      before,
    });
    output += sampleCount;
  };
  const firstId = first.members[0]!.recording.id;
  if (from < 0) {
    if (!context.fillGaps) {
      throw new TimelineError(
        "not-covered",
        `${range ?? "the range"} starts ${msText((-from * 1000) / first.sampleRate)} before the first recording that covers it (${firstId}, from ${utcText(first.startMs)}); pass fillGaps for silence there`,
        { request: where, recordings: [firstId] },
      );
    }
    silence(-from, runTime(first, from), first.startMs, null, firstId);
  }
  runs.forEach((run, r) => {
    if (r > 0) {
      const previous = runs[r - 1]!;
      if (!context.fillGaps || run.startMs < previous.endMs + context.toleranceMs || !compatible(previous, run)) {
        throw gapError(previous, run, context.toleranceMs, where, range ?? "the range");
      }
      const lastOfPrevious = previous.members[previous.members.length - 1]!.recording.id;
      // A range that starts in this gap (past the first run's end) has silence from its start.
      const gapStartMs = r === 1 && from > previous.totalSamples ? runTime(previous, from) : previous.endMs;
      silence(
        samplesBetween(gapStartMs, run.startMs, run.sampleRate),
        gapStartMs,
        run.startMs,
        lastOfPrevious,
        run.members[0]!.recording.id,
      );
    }
    const start = r === 0 ? Math.max(from, 0) : 0;
    if (r === runs.length - 1 && sampleCount !== undefined) end = start + Math.max(sampleCount - output, 0);
    const stop = r === runs.length - 1 ? Math.min(end, run.totalSamples) : run.totalSamples;
    for (const member of run.members) {
      const a = Math.max(start, member.offsetSamples);
      const b = Math.min(stop, member.offsetSamples + member.recording.totalSamples);
      if (a >= b) continue;
      pieces.push({
        kind: "audio",
        recording: member.recording.id,
        startSample: a - member.offsetSamples,
        endSample: b - member.offsetSamples,
        outputStartSample: output,
      });
      output += b - a;
    }
  });
  if (end > lastRun.totalSamples) {
    const lastMember = lastRun.members[lastRun.members.length - 1]!.recording.id;
    if (!context.fillGaps) {
      throw new TimelineError(
        "not-covered",
        `${range ?? "the range"} ends ${msText(((end - lastRun.totalSamples) * 1000) / lastRun.sampleRate)} after the last recording that covers it (${lastMember}, to ${utcText(lastRun.endMs)}); pass fillGaps for silence there`,
        { request: where, recordings: [lastMember] },
      );
    }
    // Silence from the run's end, or from the range's start when that is past the end already.
    const silenceFrom = Math.max(runs.length === 1 ? from : 0, lastRun.totalSamples);
    silence(end - silenceFrom, runTime(lastRun, silenceFrom), runTime(lastRun, end), lastMember, null);
  }
  if (output === 0) {
    throw new TimelineError("invalid-argument", `${range ?? "the range"} holds no whole sample`, { request: where });
  }
  const startMs = runTime(first, from);
  const recordings = [...new Set(pieces.flatMap((p) => (p.kind === "audio" ? [p.recording] : [])))];
  return {
    deviceId: first.deviceId,
    sampleRate: first.sampleRate,
    channels: first.channels,
    sampleCount: output,
    start: utcText(startMs),
    startMs,
    pieces,
    gaps,
    recordings,
  };
}

/** Whether two runs hold the same kind of audio (rate and channels), so that one stream may go from one to the other. */
export function compatible(a: DeviceRun, b: DeviceRun): boolean {
  return a.sampleRate === b.sampleRate && a.channels === b.channels;
}

/** Why two runs of one device cannot be read as one: a gap, an overlap, or different audio. */
function gapError(
  previous: DeviceRun,
  next: DeviceRun,
  toleranceMs: number,
  where: number | undefined,
  what: string,
): TimelineError {
  const a = previous.members[previous.members.length - 1]!.recording;
  const b = next.members[0]!.recording;
  const gapMs = next.startMs - previous.endMs;
  const pair = `${a.id} (to ${utcText(previous.endMs)}) and ${b.id} (from ${utcText(next.startMs)}) of ${deviceText(previous.deviceId)}`;
  const details = { request: where, recordings: [a.id, b.id], gapMs };
  if (gapMs < -toleranceMs) {
    return new TimelineError(
      "overlap",
      `${what} crosses from ${pair}, which overlap by ${msText(-gapMs)}: the samples there are not one stream`,
      details,
    );
  }
  if (!compatible(previous, next)) {
    return new TimelineError(
      "incompatible",
      `${what} crosses from ${pair}, which differ (${previous.sampleRate} Hz, ${previous.channels} channels vs ${next.sampleRate} Hz, ${next.channels} channels): they cannot be joined`,
      details,
    );
  }
  return new TimelineError(
    "gap",
    `${what} crosses the gap of ${msText(gapMs)} between ${pair}, more than the ${toleranceMs} ms they may be apart to be joined; pass fillGaps for silence there`,
    details,
  );
}

export const deviceText = (deviceId: string | null | undefined) =>
  deviceId === null || deviceId === undefined ? "the recordings without a device id" : `device ${deviceId}`;

export function msText(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(3)} s` : `${ms.toFixed(3)} ms`;
}
