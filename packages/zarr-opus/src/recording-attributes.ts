import type { LinkJson, OpusIndex } from "@granule/opus-index";
import { linksToJson, OPUS_SAMPLE_RATE } from "@granule/opus-index";
import * as v from "valibot";
import { ArchiveError } from "./errors.ts";
import { FORMAT_VERSION, MARKER_ATTRIBUTE } from "./format.ts";
import {
  firstIssue,
  type GeoLocation,
  type RecordingAttributes,
  type RecordingInfo,
  recordingAttributesSchema,
  recordingInfo,
} from "./recording-schema.ts";
import { PACKAGE_VERSION } from "./version.ts";
import { isObject } from "./zarr-json.ts";

export type { GeoLocation, RecordingAttributes, RecordingInfo };
export { recordingInfo };

/** The informative `writer` of the recording marker. */
export const WRITER = `@granule/zarr-opus ${PACKAGE_VERSION}`;

/**
 * The part of the attributes that the index checksum covers, serialised canonically: JSON with
 * no whitespace, keys in the stored order (JavaScript's `JSON.stringify`, Python's
 * `json.dumps(value, separators=(",", ":"), ensure_ascii=False)`). From format 2 on it covers
 * what a second of recording time means too (`sampleRate`, `timeExpansion`): a hand edit of
 * either would move every time-based range.
 */
export function indexFactsJson(
  attributes: Pick<
    RecordingAttributes,
    "source" | "totalSamples" | "links" | "problems" | "sampleRate" | "timeExpansion" | typeof MARKER_ATTRIBUTE
  >,
): string {
  const facts: Record<string, unknown> = {
    byteLength: attributes.source.byteLength,
    totalSamples: attributes.totalSamples,
    links: attributes.links,
    problems: attributes.problems,
  };
  if (attributes[MARKER_ATTRIBUTE].formatVersion >= 2) {
    facts.sampleRate = attributes.sampleRate;
    facts.timeExpansion = attributes.timeExpansion;
  }
  return JSON.stringify(facts);
}

/** What an import says about a recording besides its index: the descriptive attributes and its source. */
export type DescriptiveAttributes = Pick<
  RecordingAttributes,
  "importedAt" | "recordedAt" | "utcOffset" | "deviceId" | "location" | "sampleRate" | "metadata" | "indexedSerial"
> & { sourceName: string | null; sha256: string; encodedFrom: RecordingAttributes["encodedFrom"] };

/** The attributes document for `index` (the checksum is filled in by the caller). */
export function recordingAttributes(
  index: OpusIndex,
  described: DescriptiveAttributes,
  indexSha256: string,
): RecordingAttributes {
  const first = index.links[0]!;
  return {
    [MARKER_ATTRIBUTE]: { type: "recording", formatVersion: FORMAT_VERSION, writer: WRITER },
    source: { name: described.sourceName, byteLength: index.byteLength, sha256: described.sha256 },
    // Only encoded recordings carry it (absent reads as null).
    ...(described.encodedFrom === null || described.encodedFrom === undefined
      ? {}
      : { encodedFrom: described.encodedFrom }),
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
 * Validates a recording's attributes against the schema (types, and the links between them)
 * and returns them typed, with defaults for what earlier versions did not write. Does not
 * check `complete`: callers decide what an incomplete recording means.
 */
export function parseRecordingAttributes(attributes: Record<string, unknown>, key: string): RecordingAttributes {
  const parsed = v.safeParse(recordingAttributesSchema, { ...attributes, complete: true });
  if (!parsed.success) {
    throw new ArchiveError("bad-metadata", `recording attribute ${firstIssue(parsed.issues)}`, { key });
  }
  const a = parsed.output as RecordingAttributes;
  if (Math.abs(a.timeExpansion * OPUS_SAMPLE_RATE - a.sampleRate) > 1e-6 * a.sampleRate) {
    throw new ArchiveError(
      "bad-metadata",
      `recording attribute timeExpansion (${a.timeExpansion}) must be sampleRate / 48000 (${a.sampleRate / OPUS_SAMPLE_RATE})`,
      { key },
    );
  }
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
  return { ...a, complete: attributes.complete as true };
}

export type { LinkJson };
