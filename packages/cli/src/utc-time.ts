import { UsageError } from "./usage-error.ts";

// ISO 8601 with a zone: `Z`, or the local time with its offset (`+02:00`, `+0200`).
const WITH_ZONE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A moment given on the command line, to epoch milliseconds: ISO 8601 in UTC
 * (`2025-04-16T05:40:00Z`) or in local time with its offset (`2025-04-16T07:40:00+02:00`).
 * A time without either is refused: read in the machine's zone it would mean another moment
 * on another machine.
 */
export function parseUtcTime(text: string, what: string): number {
  const match = WITH_ZONE.exec(text.trim());
  const ms = match === null ? Number.NaN : Date.parse(`${match[1]}T${match[2]}${zone(match[3]!)}`);
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `${what} "${text}" is not a UTC time: use ISO 8601 with Z (2025-04-16T05:40:00Z) or with the offset of local time (2025-04-16T07:40:00+02:00)`,
    );
  }
  return ms;
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

const zone = (text: string) => (/^z$/i.test(text) ? "Z" : text.replace(/^([+-]\d{2}):?(\d{2})$/, "$1:$2"));
