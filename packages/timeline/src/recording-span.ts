import { calendarProblem, type RecordingInfo, utcOffsetMinutes, wallClockMs } from "@granule/zarr-opus";
import { TimelineError } from "./errors.ts";

/** What the timeline needs of a recording: a row of `listRecordings` has it. */
export type TimelineRecording = Pick<
  RecordingInfo,
  "id" | "recordedAt" | "deviceId" | "sampleRate" | "totalSamples" | "channels"
>;

/**
 * A recording's place in UTC: it starts at `recordedAt` and lasts `totalSamples` at its true
 * rate (`sampleRate`, which for a time-expanded recording is the rate of the real world, not
 * the 48 kHz of its Opus stream). Times are milliseconds since the epoch; `endMs` may have a
 * fraction (44100 samples do not make whole milliseconds).
 */
export interface RecordingSpan {
  recording: TimelineRecording;
  startMs: number;
  endMs: number;
}

/** The span of a recording with a `recordedAt`, or null for one without. */
export function recordingSpan(recording: TimelineRecording): RecordingSpan | null {
  if (recording.recordedAt === null) return null;
  const startMs = Date.parse(recording.recordedAt);
  if (Number.isNaN(startMs)) {
    throw new TimelineError(
      "invalid-argument",
      `recording ${recording.id}: recordedAt "${recording.recordedAt}" is not a time`,
      {
        recordings: [recording.id],
      },
    );
  }
  return { recording, startMs, endMs: startMs + (recording.totalSamples * 1000) / recording.sampleRate };
}

/** A time as UTC text to the millisecond (`2025-04-16T05:40:00.000Z`), the fraction of a millisecond dropped. */
export function utcText(ms: number): string {
  return new Date(Math.floor(ms)).toISOString();
}

/** A `Date`, an ISO 8601 string (with `Z` or an offset) or epoch milliseconds, to epoch milliseconds. */
export function toEpochMs(value: Date | string | number, what: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : parseUtc(value);
  if (!Number.isFinite(ms)) throw new TimelineError("invalid-argument", `${what} ${String(value)} is not a time`);
  return ms;
}

// A time given without `Z` or an offset would be read in the machine's zone by Date.parse:
// refused, so that the same command means the same instant on every machine.
const WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Epoch milliseconds of an ISO 8601 time with `Z` or a UTC offset (`T` or a space between
 * date and time), or why it is not one. Checked field by field: `Date.parse` would roll
 * 2025-04-31 over to May 1 and drop digits past the millisecond, and every position on an
 * archive's timeline is kept to the millisecond (as `recordedAt` is), so a finer time is
 * refused rather than moved.
 */
export function parseUtcInstant(text: string): number | { reason: string } {
  const match = WITH_ZONE.exec(text.trim());
  if (match === null) {
    return { reason: "use ISO 8601 with Z or a UTC offset, such as 2025-04-16T05:40:00Z or 2025-04-16T07:40:00+02:00" };
  }
  const [, y, mo, d, h, mi, sec = "0", fraction = "", zone] = match;
  if (fraction.length > 3) {
    return {
      reason: `it gives ${fraction.length} decimals of a second, but times on an archive's timeline are kept to the millisecond (as recordedAt is): give at most 3, or the recording's own seconds (archive/<id> --start 12.000999)`,
    };
  }
  const clock = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(sec),
    millisecond: Number(fraction.padEnd(3, "0")),
  };
  const problem = calendarProblem(clock);
  if (problem !== undefined) return { reason: problem };
  const offsetMinutes = utcOffsetMinutes(zone!);
  if (offsetMinutes === undefined) return { reason: `${zone} is not a UTC offset (they are within 18 hours of UTC)` };
  return wallClockMs(clock) - offsetMinutes * 60_000;
}

function parseUtc(text: string): number {
  const parsed = parseUtcInstant(text);
  if (typeof parsed !== "number")
    throw new TimelineError("invalid-argument", `"${text}" is not a time: ${parsed.reason}`);
  return parsed;
}
