import { type RecordingSpan, recordingSpan, type TimelineRecording } from "./recording-span.ts";

/**
 * How far apart (in milliseconds, either way) the end of one recording and the start of the
 * next of the same device may be for the two to be joined as one stream: 1 ms, because
 * `recordedAt` is stored to the millisecond, so two recordings whose times agree within it are
 * as contiguous as their timestamps can say. Recorders that write files back to back
 * (AudioMoth, Song Meters in continuous mode) meet it; a schedule's gaps of seconds do not.
 */
export const DEFAULT_JOIN_TOLERANCE_MS = 1;

/** A recording in a run, and where its sample 0 is on the run's timeline. */
export interface RunMember extends RecordingSpan {
  offsetSamples: number;
}

/**
 * Recordings of one device that follow each other within the join tolerance, with the same
 * rate and channels: one stream, sample after sample. Positions on a run count samples from
 * the start of its first recording; recording k's sample 0 is run sample `offsetSamples`
 * (the sum of the lengths before it, whatever their timestamps say).
 */
export interface DeviceRun {
  deviceId: string | null;
  sampleRate: number;
  channels: number;
  members: RunMember[];
  totalSamples: number;
  startMs: number;
  endMs: number;
}

/** A device's key: recordings without a device id are taken as one (unknown) device. */
export const deviceKey = (deviceId: string | null): string => (deviceId === null ? "\u0000none" : `=${deviceId}`);

/**
 * The runs of every device, each device's in time order. Recordings without `recordedAt` are
 * on no timeline and left out.
 */
export function deviceRuns(recordings: readonly TimelineRecording[], toleranceMs: number): Map<string, DeviceRun[]> {
  const byDevice = new Map<string, RecordingSpan[]>();
  for (const recording of recordings) {
    const span = recordingSpan(recording);
    if (span === null) continue;
    const key = deviceKey(recording.deviceId);
    const spans = byDevice.get(key) ?? [];
    spans.push(span);
    byDevice.set(key, spans);
  }
  const runs = new Map<string, DeviceRun[]>();
  for (const [key, spans] of byDevice) {
    spans.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs || (a.recording.id < b.recording.id ? -1 : 1));
    const list: DeviceRun[] = [];
    // Runs a later recording may still join (ending no earlier than its start less the
    // tolerance). Usually one; more when a recording lies inside another (a clock error, a
    // snippet imported beside its file): its run must not stand between the other and the
    // recording that follows that one exactly.
    let open: DeviceRun[] = [];
    for (const span of spans) {
      const { recording } = span;
      open = open.filter((r) => r.endMs >= span.startMs - toleranceMs);
      let run: DeviceRun | undefined;
      for (const r of open) {
        if (
          Math.abs(span.startMs - r.endMs) <= toleranceMs &&
          r.sampleRate === recording.sampleRate &&
          r.channels === recording.channels &&
          (run === undefined || Math.abs(span.startMs - r.endMs) < Math.abs(span.startMs - run.endMs))
        ) {
          run = r;
        }
      }
      if (run !== undefined) {
        run.members.push({ ...span, offsetSamples: run.totalSamples });
        run.totalSamples += recording.totalSamples;
        run.endMs = span.endMs;
      } else {
        run = {
          deviceId: recording.deviceId,
          sampleRate: recording.sampleRate,
          channels: recording.channels,
          members: [{ ...span, offsetSamples: 0 }],
          totalSamples: recording.totalSamples,
          startMs: span.startMs,
          endMs: span.endMs,
        };
        list.push(run);
        open.push(run);
      }
    }
    runs.set(key, list);
  }
  return runs;
}

/** Samples from `fromMs` to `toMs` at `sampleRate`: the nearest sample, halves up (one rule everywhere). */
export function samplesBetween(fromMs: number, toMs: number, sampleRate: number): number {
  return Math.round(((toMs - fromMs) * sampleRate) / 1000);
}

/**
 * The run position of time `ms`: counted from the start of the recording that holds it (so
 * that small differences between timestamps and lengths never add up along a run). A time in
 * the tolerance between two members is the next one's sample 0; a time before the run is
 * negative, one after it past `totalSamples`.
 */
export function runPosition(run: DeviceRun, ms: number): number {
  const first = run.members[0]!;
  if (ms < first.startMs) return samplesBetween(first.startMs, ms, run.sampleRate);
  for (const member of run.members) {
    if (ms < member.startMs) return member.offsetSamples;
    if (ms < member.endMs) {
      const inside = samplesBetween(member.startMs, ms, run.sampleRate);
      return member.offsetSamples + Math.min(inside, member.recording.totalSamples);
    }
  }
  const last = run.members[run.members.length - 1]!;
  return last.offsetSamples + samplesBetween(last.startMs, ms, run.sampleRate);
}

/** The time of run position `position` (the inverse of `runPosition`, to a fraction of a millisecond). */
export function runTime(run: DeviceRun, position: number): number {
  let member = run.members[0]!;
  for (const m of run.members) if (m.offsetSamples <= position) member = m;
  return member.startMs + ((position - member.offsetSamples) * 1000) / run.sampleRate;
}
