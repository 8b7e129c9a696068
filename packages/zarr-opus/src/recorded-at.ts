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
  const local = wallClock(year, month, day, hour, minute, second);
  if (local === undefined) return undefined;
  const offsetMinutes = options.utcOffset === undefined ? 0 : parseUtcOffset(options.utcOffset);
  return {
    recordedAt: new Date(local - offsetMinutes * 60_000).toISOString(),
    deviceId: device === undefined || device === "" ? null : device,
  };
}

/** Milliseconds since the epoch of a wall-clock time read as UTC, or undefined if no such time exists. */
function wallClock(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millisecond = 0,
): number | undefined {
  const time = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const date = new Date(time);
  // Date.UTC rolls over (Feb 30 becomes Mar 2): a time that does not round-trip does not exist.
  const exists =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return exists ? time : undefined;
}

/** `+HH:MM`, `-HH:MM`, `+HHMM`, `+HH` or `Z` to minutes east of UTC. */
export function parseUtcOffset(offset: string): number {
  if (offset === "Z" || offset === "z") return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset);
  const hours = Number(match?.[2]);
  const minutes = Number(match?.[3] ?? 0);
  if (match === null || hours > 18 || minutes > 59) {
    throw new ArchiveError("invalid-argument", `"${offset}" is not a UTC offset such as +02:00, -05:30 or Z`);
  }
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
  const local = wallClock(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), millisecond);
  if (local === undefined) throw new ArchiveError("invalid-argument", `recordedAt "${value}" is not a real time`);
  const offset = zone ?? utcOffset;
  const minutes = offset === undefined ? 0 : parseUtcOffset(offset);
  const utc = offset === undefined || offset === "Z" || offset === "z";
  return {
    recordedAt: new Date(local - minutes * 60_000).toISOString(),
    utcOffset: utc ? null : formatUtcOffset(minutes),
  };
}
