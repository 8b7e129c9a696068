import { ArchiveError } from "./errors.ts";

/** When and by what a recording was made, as a recorder's file name tells it. */
export interface RecorderFileName {
  /** ISO 8601 instant in UTC, e.g. `2024-05-01T05:30:00.000Z`. */
  recordedAt: string;
  /** The text before `_YYYYMMDD_HHMMSS`, if any (AudioMoth device id, Song Meter prefix). */
  deviceId: string | null;
}

export interface RecorderFileNameOptions {
  /**
   * The recorder clock's offset from UTC, `+HH:MM` or `-HH:MM`, when its file names are in
   * local time. Default: the names are UTC, as AudioMoth writes them.
   */
  utcOffset?: string;
}

// `YYYYMMDD_HHMMSS`, optionally after `<device>_`, followed by the end or a non-digit
// (`.WAV`, `T.WAV` of triggered recordings, `_suffix`). Matched against the base name only.
const RECORDER_NAME = /^(?:(.+)_)?(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})(?![0-9])/;

/** Digits that look like a date and a time of day in a file name: `2024-05-01 05.30`, `20240501-0530`... */
const DATE_AND_TIME = /(?:19|20)\d{2}[-_.]?(?:0\d|1[0-9])[-_.]?\d{2}[-_.T ]?\d{2}[-_.:]?\d{2}/;

/**
 * Whether `name` looks like a recorder's file name (a date and a time of day in its digits)
 * that `parseRecorderFileName` does not read, so that its caller can warn that no start time
 * was taken from it (`20240501-0530.wav`, `AM07_2024-05-01_05-30-00.WAV`, `20241332_053000.WAV`).
 */
export function looksLikeUnreadRecorderName(name: string): boolean {
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
  return DATE_AND_TIME.test(base) && parseRecorderFileName(base) === undefined;
}

/**
 * Reads the start time (and device id) from a recorder's file name: AudioMoth's
 * `20240501_053000.WAV`, or `<device>_20240501_053000.WAV` (AudioMoth with the device id in
 * the name, Wildlife Acoustics Song Meters). Directories in `name` are ignored. Returns
 * `undefined` when the name has no such time or the time does not exist (month 13, say).
 */
export function parseRecorderFileName(
  name: string,
  options: RecorderFileNameOptions = {},
): RecorderFileName | undefined {
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
  const match = RECORDER_NAME.exec(base);
  if (match === null) return undefined;
  const [, device, ...fields] = match;
  const [year, month, day, hour, minute, second] = fields.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const clock = { year, month, day, hour, minute, second };
  if (calendarProblem(clock) !== undefined) return undefined;
  const local = wallClockMs(clock);
  const offsetMinutes = options.utcOffset === undefined ? 0 : parseUtcOffset(options.utcOffset);
  return {
    recordedAt: new Date(local - offsetMinutes * 60_000).toISOString(),
    deviceId: device === undefined || device === "" ? null : device,
  };
}

/** A date and time of day as written, read as UTC (no zone). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond?: number;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Why a wall-clock time is not one of the calendar, or undefined when it is: the one check of
 * dates and times of day for every time granule reads (import's `recordedAt`, recorder file
 * names, the timeline's UTC times). `Date.UTC` would roll 2025-04-31 over to May 1. 24:00:00
 * is the next day's midnight (ISO 8601); a leap second (:60) has no place on a timeline of
 * milliseconds since the epoch.
 */
export function calendarProblem({
  year,
  month,
  day,
  hour,
  minute,
  second,
  millisecond = 0,
}: WallClock): string | undefined {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (days === undefined) return `there is no month ${month}`;
  if (day < 1 || day > days) return `month ${month} of ${year} has ${days} days, not ${day}`;
  const midnight = hour === 24 && minute === 0 && second === 0 && millisecond === 0;
  const two = (n: number) => String(n).padStart(2, "0");
  if ((hour > 23 && !midnight) || minute > 59) return `${two(hour)}:${two(minute)} is not a time of day`;
  if (second > 59) return `second ${second} is not a second of a minute (a leap second has no place on this timeline)`;
  return undefined;
}

/**
 * Milliseconds since the epoch of a wall-clock time read as UTC, for a time `calendarProblem`
 * passed (years 0-99 are years, not 1900-1999).
 */
export function wallClockMs({ year, month, day, hour, minute, second, millisecond = 0 }: WallClock): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  return date.getTime();
}

/** `+HH:MM`, `-HH:MM`, `+HHMM`, `+HH` or `Z` to minutes east of UTC. */
export function parseUtcOffset(offset: string): number {
  const minutes = utcOffsetMinutes(offset);
  if (minutes === undefined) {
    throw new ArchiveError("invalid-argument", `"${offset}" is not a UTC offset such as +02:00, -05:30 or Z`);
  }
  return minutes;
}

/**
 * `parseUtcOffset` without the error: minutes east of UTC, or undefined when `offset` is not
 * one (hours up to 18: -12:00 to +14:00 are in use). Shared with the timeline's UTC times.
 */
export function utcOffsetMinutes(offset: string): number | undefined {
  if (offset === "Z" || offset === "z") return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset);
  const hours = Number(match?.[2]);
  const minutes = Number(match?.[3] ?? 0);
  if (match === null || hours > 18 || minutes > 59) return undefined;
  return (match[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
}

/** Minutes east of UTC to `+HH:MM`. */
export function formatUtcOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** A start time and the clock's UTC offset, if one was given. */
export interface RecordedAt {
  /** ISO 8601 instant in UTC. */
  recordedAt: string;
  /** The recorder's offset from UTC as given (`+02:00`), or null when the time was given in UTC. */
  utcOffset: string | null;
}

/**
 * Normalises a start time given by the caller: a `Date`, or an ISO 8601 string. A string
 * without an offset is UTC unless `utcOffset` says otherwise (never the machine's time zone).
 */
export function normaliseRecordedAt(value: Date | string, utcOffset?: string): RecordedAt {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ArchiveError("invalid-argument", "recordedAt is an invalid Date");
    return { recordedAt: value.toISOString(), utcOffset: null };
  }
  const match = ISO_8601.exec(value.trim());
  if (match === null) {
    throw new ArchiveError(
      "invalid-argument",
      `recordedAt "${value}" is not an ISO 8601 time such as 2024-05-01T05:30:00Z or 2024-05-01T07:30:00+02:00`,
    );
  }
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone] = match;
  const millisecond = Math.floor(Number(`0.${fraction || "0"}`) * 1000);
  const fields = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
    millisecond,
  };
  const problem = calendarProblem(fields);
  if (problem !== undefined) {
    throw new ArchiveError("invalid-argument", `recordedAt "${value}" is not a real time: ${problem}`);
  }
  const local = wallClockMs(fields);
  const offset = zone ?? utcOffset;
  const minutes = offset === undefined ? 0 : parseUtcOffset(offset);
  const utc = offset === undefined || offset === "Z" || offset === "z";
  return {
    recordedAt: new Date(local - minutes * 60_000).toISOString(),
    utcOffset: utc ? null : formatUtcOffset(minutes),
  };
}
