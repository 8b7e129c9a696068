/** One `Key: value` line of GUANO metadata, as written (namespace split at the first `|`). */
export interface GuanoField {
  /** The whole key, `Loc Position` or `WA|Song Meter|Prefix`. */
  key: string;
  /** `""` for well-known fields, else the vendor namespace (`GUANO`, `WA`, `PET`, `OAD`, `SB`, ...). */
  namespace: string;
  /** The key after the namespace. */
  name: string;
  /** The value with surrounding whitespace trimmed, otherwise verbatim. */
  value: string;
}

/** GUANO metadata: every field kept verbatim, the well-known ones also parsed. */
export interface Guano {
  /** The text as stored (padding trimmed). */
  raw: string;
  version: string | null;
  fields: GuanoField[];
  /** `Timestamp` as written; `recordedAt` is its UTC instant when it carries an offset or `Z`. */
  timestamp: string | null;
  recordedAt: string | null;
  /** The offset the timestamp was written with (`+02:00`; `+00:00` for `Z`), null for a local time. */
  utcOffset: string | null;
  latitude: number | null;
  longitude: number | null;
  elevationM: number | null;
  locationAccuracyM: number | null;
  make: string | null;
  model: string | null;
  serial: string | null;
  firmwareVersion: string | null;
  hardwareVersion: string | null;
  /** Time-expansion factor (`TE`); 1 when absent. */
  timeExpansion: number;
  /** The recording's true sample rate (`Samplerate`), in Hz. */
  sampleRate: number | null;
  /** The recording's true length (`Length`), in seconds. */
  lengthS: number | null;
  filterHpKHz: number | null;
  filterLpKHz: number | null;
  temperatureIntC: number | null;
  temperatureExtC: number | null;
  humidityPercent: number | null;
  speciesAutoId: string[];
  speciesManualId: string[];
  tags: string[];
  /** `Note`, with the spec's literal `\n` turned into newlines. */
  note: string | null;
  originalFilename: string | null;
  /** What could not be read: lines without a colon, numbers that are not, repeated keys. */
  problems: string[];
}

// The spec's whitespace: "the non-printing ASCII bytes including null, CR, LF, space, tab".
const WHITESPACE = /^[\s\0]+|[\s\0]+$/g;
const trim = (text: string): string => text.replace(WHITESPACE, "");

/**
 * Parses GUANO text (the body of a `guan` chunk) as the GUANO 1.0 specification and its
 * reference implementation guano-py read it: lines split at `\n`, keys at the first `:`,
 * namespaces at the first `|`, whitespace (NULs included) trimmed, empty lines ignored.
 * Lenient: a damaged line or value is listed in `problems` and kept as text.
 */
export function parseGuano(text: string): Guano {
  const raw = trim(text);
  const fields: GuanoField[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const lines = raw.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = trim(lines[i]!);
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon < 0) {
      problems.push(`line ${i + 1} has no "key: value": ${JSON.stringify(line.slice(0, 80))}`);
      continue;
    }
    const key = trim(line.slice(0, colon));
    const value = trim(line.slice(colon + 1));
    if (key === "" || value === "") continue;
    const bar = key.indexOf("|");
    const namespace = bar < 0 ? "" : trim(key.slice(0, bar));
    const name = bar < 0 ? key : trim(key.slice(bar + 1));
    if (seen.has(key)) problems.push(`key "${key}" appears more than once; the first is used`);
    seen.add(key);
    fields.push({ key, namespace, name, value });
  }
  const first = fields[0];
  if (first === undefined || first.key !== "GUANO|Version") {
    problems.push(first === undefined ? "no fields" : `the first field is "${first.key}", not GUANO|Version`);
  }
  const get = (key: string): string | null => fields.find((f) => f.key === key)?.value ?? null;
  const number = (key: string): number | null => {
    const value = get(key);
    if (value === null) return null;
    const parsed = Number(value);
    if (value.trim() === "" || !Number.isFinite(parsed)) {
      problems.push(`${key} "${value}" is not a number`);
      return null;
    }
    return parsed;
  };
  const list = (key: string): string[] =>
    (get(key) ?? "")
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "");

  let latitude: number | null = null;
  let longitude: number | null = null;
  const position = get("Loc Position");
  if (position !== null) {
    const parts = position.split(/[\s,]+/).filter((p) => p !== "");
    const [lat, lon] = parts.map(Number);
    if (
      parts.length === 2 &&
      Number.isFinite(lat) &&
      Number.isFinite(lon) &&
      Math.abs(lat!) <= 90 &&
      Math.abs(lon!) <= 180
    ) {
      latitude = lat!;
      longitude = lon!;
    } else problems.push(`Loc Position "${position}" is not "latitude longitude" in degrees`);
  }
  const timestamp = get("Timestamp");
  const time = timestamp === null ? null : parseGuanoTimestamp(timestamp);
  if (timestamp !== null && time === null) problems.push(`Timestamp "${timestamp}" is not an ISO 8601 date and time`);
  let timeExpansion = 1;
  const te = get("TE");
  if (te !== null) {
    const parsed = Number(te);
    if (Number.isFinite(parsed) && parsed > 0) timeExpansion = parsed;
    else problems.push(`TE "${te}" is not a positive number; taken as 1`);
  }
  const sampleRate = number("Samplerate");
  const note = get("Note");
  return {
    raw,
    version: get("GUANO|Version"),
    fields,
    timestamp,
    recordedAt: time?.recordedAt ?? null,
    utcOffset: time?.utcOffset ?? null,
    latitude,
    longitude,
    elevationM: number("Loc Elevation"),
    locationAccuracyM: number("Loc Accuracy"),
    make: get("Make"),
    model: get("Model"),
    serial: get("Serial"),
    firmwareVersion: get("Firmware Version"),
    hardwareVersion: get("Hardware Version"),
    timeExpansion,
    sampleRate: sampleRate !== null && Number.isInteger(sampleRate) && sampleRate > 0 ? sampleRate : null,
    lengthS: number("Length"),
    filterHpKHz: number("Filter HP"),
    filterLpKHz: number("Filter LP"),
    temperatureIntC: number("Temperature Int"),
    temperatureExtC: number("Temperature Ext"),
    humidityPercent: number("Humidity"),
    speciesAutoId: list("Species Auto ID"),
    speciesManualId: list("Species Manual ID"),
    tags: list("Tags"),
    note: note === null ? null : note.replaceAll("\\n", "\n"),
    originalFilename: get("Original Filename"),
    problems,
  };
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A GUANO datetime (the spec's local, UTC and UTC-relative forms; a space for the `T` as
 * guano-py accepts). `recordedAt` is null for a local time: its offset is unknown.
 */
export function parseGuanoTimestamp(
  text: string,
): { localTime: string; recordedAt: string | null; utcOffset: string | null } | null {
  const match = TIMESTAMP.exec(text.trim());
  if (match === null) return null;
  const [, y, mo, d, h, mi, s = "00", fraction = "", zone] = match;
  const ms = Math.floor(Number(`0.${fraction || "0"}`) * 1000);
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(wall);
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) ||
    check.getUTCMinutes() !== Number(mi) ||
    check.getUTCSeconds() !== Number(s)
  ) {
    return null;
  }
  const localTime = `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction ? `.${fraction}` : ""}`;
  if (zone === undefined) return { localTime, recordedAt: null, utcOffset: null };
  const minutes = offsetMinutes(zone);
  if (minutes === null) return null;
  return { localTime, recordedAt: new Date(wall - minutes * 60_000).toISOString(), utcOffset: formatOffset(minutes) };
}

/** `Z`, `+HH`, `+HHMM`, `+HH:MM` to minutes east of UTC. */
export function offsetMinutes(zone: string): number | null {
  if (zone === "Z" || zone === "z") return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (match === null) return null;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? 0);
  if (hours > 18 || minutes > 59) return null;
  return (match[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
}

/** Minutes east of UTC to `+HH:MM`. */
export function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
