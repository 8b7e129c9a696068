import { parseUtcInstant } from "@granule/timeline";
import { UsageError } from "./usage-error.ts";

/**
 * A moment given on the command line, to epoch milliseconds: ISO 8601 in UTC
 * (`2025-04-16T05:40:00Z`) or in local time with its offset (`2025-04-16T07:40:00+02:00`).
 * A time without either is refused: read in the machine's zone it would mean another moment
 * on another machine. So is a date that is not in the calendar (2025-04-31 is not May 1) and a
 * time finer than the millisecond the archive keeps (the timeline package's one parser).
 */
export function parseUtcTime(text: string, what: string): number {
  const parsed = parseUtcInstant(text);
  if (typeof parsed !== "number") throw new UsageError(`${what} "${text}" is not a UTC time: ${parsed.reason}`);
  return parsed;
}

/**
 * `--start`/`--end` of a range of an archive's timeline, to epoch milliseconds. A time that
 * is no date (`12.5`, `00:12:30`) is a time within one recording: the message says to name it.
 */
export function parseArchiveTime(text: string, what: string, archive: string): number {
  if (!/^\d{4}-\d{2}-\d{2}[T ]/.test(text.trim())) {
    throw new UsageError(
      `${what} "${text}": ${archive} is an archive, so times are UTC (2025-04-16T05:40:00Z, or local with +02:00); for a time within one recording, name it (${archive}/<id>)`,
    );
  }
  return parseUtcTime(text, what);
}
