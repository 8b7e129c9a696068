import type { IndexProblem, LinkJson, OpusIndex } from "@granule/opus-index";
import { linksToJson, OPUS_SAMPLE_RATE } from "@granule/opus-index";
import { ArchiveError } from "./errors.ts";
import { FORMAT_VERSION, MARKER_ATTRIBUTE } from "./format.ts";
import { PACKAGE_VERSION } from "./version.ts";
import { isObject } from "./zarr-json.ts";

/** Where a recording was made. Any further keys are kept as given. */
export interface GeoLocation {
  /** WGS 84 degrees north. */
  latitude?: number;
  /** WGS 84 degrees east. */
  longitude?: number;
  /** Metres above mean sea level. */
  elevationM?: number;
  /** A site name or code. */
  name?: string;
  [key: string]: unknown;
}

/** What a recording group's attributes say (docs/format.md lists each one). */
export interface RecordingInfo {
  /** The recording's name in its collection. */
  id: string;
  formatVersion: number;
  /** Base name of the imported file (or what the caller called it), or null. */
  sourceName: string | null;
  /** Size of the source file = length of the `ogg` array. */
  byteLength: number;
  /** SHA-256 of the source file, 64 lower-case hex digits. */
  sha256: string;
  /** When the import ran (ISO 8601, UTC). */
  importedAt: string;
  /** When the recording started (ISO 8601, UTC), or null if unknown. */
  recordedAt: string | null;
  /** The recorder clock's UTC offset (`+02:00`) if it was given, else null. */
  utcOffset: string | null;
  deviceId: string | null;
  location: GeoLocation | null;
  /** Samples per second of the recording's own time: 48000, or the true rate of time-expanded audio. */
  sampleRate: number;
  /** sampleRate / 48000: 1 for ordinary audio, 8 for 384 kHz ultrasound stored as 48 kHz Opus. */
  timeExpansion: number;
  /** Channels of the first link. */
  channels: number;
  /** Pre-skip of the first link (48 kHz samples). */
  preSkip: number;
  /** Granule where the first link's audio starts (0 unless the stream was cut from a longer one). */
  startGranule: number;
  /** Samples on the timeline (pre-skip and end trim applied), at the recording's sample rate. */
  totalSamples: number;
  /** totalSamples / sampleRate. */
  durationSeconds: number;
  linkCount: number;
  /** The caller's own metadata, as given. */
  metadata: Record<string, unknown>;
}

/** The attributes document of a recording group, as written. */
export interface RecordingAttributes {
  [MARKER_ATTRIBUTE]: { type: "recording"; formatVersion: number; writer: string };
  source: { name: string | null; byteLength: number; sha256: string };
  importedAt: string;
  recordedAt: string | null;
  utcOffset: string | null;
  deviceId: string | null;
  location: GeoLocation | null;
  sampleRate: number;
  timeExpansion: number;
  channels: number;
  preSkip: number;
  startGranule: number;
  totalSamples: number;
  links: LinkJson[];
  problems: IndexProblem[];
  /** The serial number the import was told to index (`serial` option), or null for the default choice. */
  indexedSerial: number | null;
  indexSha256: string;
  metadata: Record<string, unknown>;
  complete: true;
}

/** The informative `writer` of the recording marker. */
export const WRITER = `@granule/zarr-opus ${PACKAGE_VERSION}`;

/**
 * The part of the attributes that the index checksum covers, serialised canonically: JSON with
 * no whitespace, keys in the stored order (JavaScript's `JSON.stringify`, Python's
 * `json.dumps(value, separators=(",", ":"), ensure_ascii=False)`).
 */
export function indexFactsJson(
  attributes: Pick<RecordingAttributes, "source" | "totalSamples" | "links" | "problems">,
): string {
  return JSON.stringify({
    byteLength: attributes.source.byteLength,
    totalSamples: attributes.totalSamples,
    links: attributes.links,
    problems: attributes.problems,
  });
}

export interface DescriptiveAttributes {
  sourceName: string | null;
  sha256: string;
  importedAt: string;
  recordedAt: string | null;
  utcOffset: string | null;
  deviceId: string | null;
  location: GeoLocation | null;
  sampleRate: number;
  metadata: Record<string, unknown>;
  indexedSerial: number | null;
}

export function recordingAttributes(
  index: OpusIndex,
  described: DescriptiveAttributes,
  indexSha256: string,
): RecordingAttributes {
  const first = index.links[0]!;
  return {
    [MARKER_ATTRIBUTE]: { type: "recording", formatVersion: FORMAT_VERSION, writer: WRITER },
    source: { name: described.sourceName, byteLength: index.byteLength, sha256: described.sha256 },
    importedAt: described.importedAt,
    recordedAt: described.recordedAt,
    utcOffset: described.utcOffset,
    deviceId: described.deviceId,
    location: described.location,
    sampleRate: described.sampleRate,
    timeExpansion: described.sampleRate / OPUS_SAMPLE_RATE,
    channels: first.head.channels,
    preSkip: first.preSkip,
    startGranule: first.startGranule,
    totalSamples: index.totalSamples,
    links: linksToJson(index.links),
    problems: [...index.problems],
    indexedSerial: described.indexedSerial,
    indexSha256,
    metadata: described.metadata,
    complete: true,
  };
}

/** What kind of node of this format a group's attributes mark, if any. */
export function markerOf(
  attributes: Record<string, unknown> | undefined,
): { type: string; formatVersion: number } | undefined {
  const marker = attributes?.[MARKER_ATTRIBUTE];
  if (!isObject(marker) || typeof marker.type !== "string" || typeof marker.formatVersion !== "number")
    return undefined;
  return { type: marker.type, formatVersion: marker.formatVersion };
}

/** Checks a marker's version against what this library reads. */
export function checkVersion(formatVersion: number, key: string): void {
  if (!Number.isInteger(formatVersion) || formatVersion < 1 || formatVersion > FORMAT_VERSION) {
    throw new ArchiveError(
      "unsupported-version",
      `format version ${formatVersion}; this library reads versions 1-${FORMAT_VERSION}`,
      { key },
    );
  }
}

/**
 * Validates a recording's attributes (types and the links between them) and returns them
 * typed. Does not check `complete`: callers decide what an incomplete recording means.
 */
export function parseRecordingAttributes(attributes: Record<string, unknown>, key: string): RecordingAttributes {
  const fail = (what: string) => new ArchiveError("bad-metadata", `recording attribute ${what}`, { key });
  const a = attributes as Partial<RecordingAttributes> & Record<string, unknown>;
  const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
  const isText = (v: unknown): v is string | null => v === null || typeof v === "string";
  if (
    !isObject(a.source) ||
    !isInt(a.source.byteLength) ||
    typeof a.source.sha256 !== "string" ||
    !isText(a.source.name)
  ) {
    throw fail("source must be {name, byteLength, sha256}");
  }
  if (!/^[0-9a-f]{64}$/.test(a.source.sha256)) throw fail("source.sha256 must be 64 lower-case hex digits");
  if (typeof a.sampleRate !== "number" || !(a.sampleRate > 0) || !Number.isFinite(a.sampleRate)) {
    throw fail("sampleRate must be a positive number");
  }
  if (
    typeof a.timeExpansion !== "number" ||
    Math.abs(a.timeExpansion * OPUS_SAMPLE_RATE - a.sampleRate) > 1e-6 * a.sampleRate
  ) {
    throw fail(
      `timeExpansion (${String(a.timeExpansion)}) must be sampleRate / 48000 (${a.sampleRate / OPUS_SAMPLE_RATE})`,
    );
  }
  for (const name of ["channels", "preSkip", "startGranule", "totalSamples"] as const) {
    if (!isInt(a[name])) throw fail(`${name} must be a whole number`);
  }
  if (
    !Array.isArray(a.links) ||
    a.links.length === 0 ||
    !a.links.every((l) => isObject(l) && isObject(l.head) && Array.isArray(l.head.mapping))
  ) {
    throw fail("links must be a non-empty list of links with their head");
  }
  if (!Array.isArray(a.problems)) throw fail("problems must be a list");
  if (typeof a.indexSha256 !== "string") throw fail("indexSha256 must be a string");
  for (const name of ["recordedAt", "utcOffset", "deviceId", "importedAt"] as const) {
    if (a[name] !== undefined && !isText(a[name])) throw fail(`${name} must be a string or null`);
  }
  if (a.location !== undefined && a.location !== null && !isObject(a.location))
    throw fail("location must be an object or null");
  if (a.metadata !== undefined && !isObject(a.metadata)) throw fail("metadata must be an object");
  // The convenience copies must agree with the first link: an edit to one of them is damage.
  const first = a.links[0]!;
  const disagree = (
    [
      ["channels", a.channels, first.head.channels],
      ["preSkip", a.preSkip, first.preSkip],
      ["startGranule", a.startGranule, first.startGranule],
    ] as const
  ).find(([, value, expected]) => value !== expected);
  if (disagree !== undefined) {
    throw new ArchiveError(
      "index-mismatch",
      `attribute ${disagree[0]} is ${disagree[1]} but the first link says ${disagree[2]}: the attributes were edited`,
      { key },
    );
  }
  return {
    ...(a as RecordingAttributes),
    recordedAt: a.recordedAt ?? null,
    utcOffset: a.utcOffset ?? null,
    deviceId: a.deviceId ?? null,
    location: a.location ?? null,
    importedAt: a.importedAt ?? "",
    metadata: a.metadata ?? {},
    indexedSerial: typeof a.indexedSerial === "number" ? a.indexedSerial : null,
  };
}

export function recordingInfo(id: string, attributes: RecordingAttributes): RecordingInfo {
  return {
    id,
    formatVersion: attributes[MARKER_ATTRIBUTE].formatVersion,
    sourceName: attributes.source.name,
    byteLength: attributes.source.byteLength,
    sha256: attributes.source.sha256,
    importedAt: attributes.importedAt,
    recordedAt: attributes.recordedAt,
    utcOffset: attributes.utcOffset,
    deviceId: attributes.deviceId,
    location: attributes.location,
    sampleRate: attributes.sampleRate,
    timeExpansion: attributes.timeExpansion,
    channels: attributes.channels,
    preSkip: attributes.preSkip,
    startGranule: attributes.startGranule,
    totalSamples: attributes.totalSamples,
    durationSeconds: attributes.totalSamples / attributes.sampleRate,
    linkCount: attributes.links.length,
    metadata: attributes.metadata,
  };
}

export type { LinkJson };
