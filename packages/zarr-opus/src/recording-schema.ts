import type { IndexProblem, LinkJson } from "@granule/opus-index";
import * as v from "valibot";
import { FORMAT_VERSION, MARKER_ATTRIBUTE } from "./format.ts";

/**
 * A recording's attributes, defined once. The stored document (`recordingAttributesSchema`:
 * what a recording group's `zarr.json` holds) and the flat `RecordingInfo` that listings, the
 * manifest and `info` show are both derived from the field schemas here; so are validation
 * and the attribute table of docs/format.md (a test fails when the two disagree).
 * Descriptions are the text of that table.
 */

const describe = v.description;

const wholeNumber = v.pipe(v.number(), v.safeInteger());
const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const positive = v.pipe(v.number(), v.finite(), v.gtValue(0));
const hex64 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits"));
const isoUtc = v.pipe(
  v.string(),
  v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/, "must be ISO 8601 UTC (YYYY-MM-DDTHH:MM:SS.sssZ)"),
  v.check((text) => !Number.isNaN(Date.parse(text)), "must be a real date and time"),
);
const utcOffsetText = v.pipe(v.string(), v.regex(/^[+-](?:[01]\d|2[0-3]):[0-5]\d$/, "must be like +02:00"));

export const geoLocationSchema = v.looseObject({
  latitude: v.optional(
    v.pipe(
      v.number(),
      v.minValue(-90, "must be degrees in [-90, 90]"),
      v.maxValue(90, "must be degrees in [-90, 90]"),
      describe("WGS 84 degrees north"),
    ),
  ),
  longitude: v.optional(
    v.pipe(
      v.number(),
      v.minValue(-180, "must be degrees in [-180, 180]"),
      v.maxValue(180, "must be degrees in [-180, 180]"),
      describe("WGS 84 degrees east"),
    ),
  ),
  elevationM: v.optional(v.pipe(v.number(), v.finite(), describe("metres above mean sea level"))),
  name: v.optional(v.pipe(v.string(), describe("a site name or code"))),
});

/** Where a recording was made. Any further keys are kept as given. */
export type GeoLocation = v.InferOutput<typeof geoLocationSchema>;

const headSchema = v.object({
  version: count,
  channels: count,
  preSkip: count,
  inputSampleRate: count,
  outputGainQ8: wholeNumber,
  mappingFamily: count,
  streamCount: count,
  coupledCount: count,
  mapping: v.array(count),
});

/** A link as stored (the sidecar's and the archive's `links`; `@granule/opus-index` `LinkJson`). */
export const linkSchema = v.looseObject({
  serial: count,
  head: headSchema,
  tags: v.object({ vendor: v.string(), comments: v.array(v.string()) }),
  preSkip: count,
  startGranule: wholeNumber,
  endGranule: wholeNumber,
  firstSample: count,
  sampleCount: count,
  firstPage: count,
  pageCount: count,
  headerByteOffset: count,
  headerByteLength: count,
});

export const problemSchema = v.looseObject({
  code: v.string(),
  message: v.string(),
  byteOffset: count,
  byteLength: count,
  startSample: wholeNumber,
  endSample: wholeNumber,
});

/**
 * The descriptive attributes: what a caller (or a recorder's file name) says about the recording.
 * Each is copied as it is into `RecordingInfo`. Absent ones read as their default, for
 * documents of earlier versions.
 */
const descriptive = {
  importedAt: v.pipe(
    v.optional(v.union([isoUtc, v.literal("")]), ""),
    describe("when the import ran, ISO 8601 UTC (`YYYY-MM-DDTHH:MM:SS.sssZ`)"),
  ),
  recordedAt: v.pipe(
    v.optional(v.nullable(isoUtc), null),
    describe(
      "when the recording started, ISO 8601 **UTC** with `Z`; null if unknown. Writers MUST NOT fill in the current time",
    ),
  ),
  utcOffset: v.pipe(
    v.optional(v.nullable(utcOffsetText), null),
    describe("the recorder clock's offset from UTC (`+02:00`) when the time was given in local time; null for UTC"),
  ),
  deviceId: v.pipe(v.optional(v.nullable(v.string()), null), describe("recorder or device id")),
  location: v.pipe(
    v.optional(v.nullable(geoLocationSchema), null),
    describe("where: `latitude`, `longitude` (WGS 84 degrees), `elevationM` (metres), `name`; other keys allowed"),
  ),
  metadata: v.pipe(v.optional(v.record(v.string(), v.unknown()), {}), describe("the user's free metadata, JSON")),
} as const;

/** What the audio is: copied into `RecordingInfo` as well, and (from format 2 on) covered by `indexSha256`. */
const audio = {
  sampleRate: v.pipe(
    positive,
    describe(
      "samples per second of the recording's own time: 48000, or the true rate of a time-expanded recording (384000 for 384 kHz ultrasound stored as 48 kHz Opus)",
    ),
  ),
  timeExpansion: v.pipe(positive, describe("`sampleRate / 48000` (MUST agree with `sampleRate`)")),
  channels: v.pipe(count, describe("channels of the first link (= `links[0].head.channels`)")),
  preSkip: v.pipe(count, describe("pre-skip of the first link, in 48 kHz samples (= `links[0].preSkip`)")),
  startGranule: v.pipe(
    wholeNumber,
    describe(
      "granule at which the first link's audio starts (= `links[0].startGranule`; 0 unless the stream was cut from a longer one)",
    ),
  ),
  totalSamples: v.pipe(
    count,
    describe(
      "samples on the recording's timeline: pre-skip removed, end trimmed by the last granule, links one after another",
    ),
  ),
} as const;

export const sourceSchema = v.object({
  name: v.pipe(v.nullable(v.string()), describe("base name of the imported file, as given")),
  byteLength: v.pipe(count, describe("size of the source file in bytes = length of `ogg`")),
  sha256: v.pipe(hex64, describe("SHA-256 of the source file (= of `ogg`), 64 lower-case hex digits")),
});

/**
 * What an encoded recording was made from (`granule import x.WAV`): the recorder's file, how it
 * became Opus, and the recorder's own metadata as read. Written by the importer that encoded it;
 * absent for a recording imported as Opus.
 */
export const encodedFromSchema = v.looseObject({
  source: v.looseObject({
    name: v.nullable(v.string()),
    byteLength: count,
    sha256: hex64,
    format: v.string(),
    sampleRate: positive,
    channels: count,
    bitsPerSample: count,
    sampleFormat: v.string(),
    frames: count,
  }),
  ratePlan: v.looseObject({ kind: v.picklist(["native", "upsampled", "resampled", "time-expanded"]) }),
  encoder: v.looseObject({ name: v.string(), version: v.string() }),
  recorder: v.optional(v.record(v.string(), v.unknown()), {}),
});

export type EncodedFrom = v.InferOutput<typeof encodedFromSchema>;

const encodedFromAttribute = v.pipe(
  v.optional(v.nullable(encodedFromSchema), null),
  describe(
    "for a recording encoded from a recorder's file (WAV, FLAC): `source` (`name`, `byteLength`, `sha256`, `format`, `sampleRate`, `channels`, `bitsPerSample`, `sampleFormat`, `frames`), `ratePlan` (`kind`: `native`, `upsampled`, `resampled` or `time-expanded`, and its rates), `encoder` (`name`, `version`, settings), `recorder` (the recorder's metadata as read: AudioMoth, GUANO, INFO, conflicts); absent (null) for a recording imported as Opus",
  ),
);

export const recordingAttributesSchema = v.object({
  [MARKER_ATTRIBUTE]: v.pipe(
    v.object({
      type: v.literal("recording"),
      formatVersion: v.pipe(wholeNumber, v.minValue(1), v.maxValue(FORMAT_VERSION)),
      writer: v.optional(v.string(), ""),
    }),
    describe('the marker: `type` `"recording"`, `formatVersion` (integer), `writer` (string, informative)'),
  ),
  source: sourceSchema,
  encodedFrom: encodedFromAttribute,
  importedAt: descriptive.importedAt,
  recordedAt: descriptive.recordedAt,
  utcOffset: descriptive.utcOffset,
  deviceId: descriptive.deviceId,
  location: descriptive.location,
  ...audio,
  links: v.pipe(v.array(linkSchema), v.minLength(1), describe("one entry per chained link (see below)")),
  problems: v.pipe(
    v.array(problemSchema),
    describe("damage the index found in the source file (see below); empty for a sound file"),
  ),
  indexedSerial: v.pipe(
    v.optional(v.nullable(count), null),
    describe(
      "the Ogg serial number the importer was told to index, or null for the default choice (the first Opus stream of each link)",
    ),
  ),
  indexSha256: v.pipe(
    hex64,
    describe(
      "checksum binding the index arrays to `totalSamples`, `links`, `problems`, `source.byteLength` and (format 2) `sampleRate` and `timeExpansion` ([below](#indexsha256))",
    ),
  ),
  metadata: descriptive.metadata,
  complete: v.pipe(v.literal(true), describe("written last: the recording is whole")),
});

/**
 * The attributes document of a recording group, as written and as validated on read. Links and
 * problems keep any keys they have (they enter `indexSha256` as stored), typed as opus-index's.
 */
export type RecordingAttributes = Omit<
  v.InferOutput<typeof recordingAttributesSchema>,
  "links" | "problems" | "encodedFrom"
> & {
  links: LinkJson[];
  problems: IndexProblem[];
  /** Written only for encoded recordings; absent reads as null. */
  encodedFrom?: EncodedFrom | null;
};

/**
 * What a recording is, flat: what `listRecordings`, the manifest, `granule ls --json` and
 * `granule info --json` show. The descriptive and audio attributes as stored, plus these.
 */
export const recordingInfoSchema = v.object({
  id: v.pipe(v.string(), describe("the recording's name in its collection")),
  formatVersion: v.pipe(wholeNumber, describe("format version of the recording's attributes")),
  sourceName: sourceSchema.entries.name,
  byteLength: sourceSchema.entries.byteLength,
  sha256: sourceSchema.entries.sha256,
  ...descriptive,
  ...audio,
  encodedFrom: v.pipe(
    v.nullable(
      v.object({
        name: v.nullable(v.string()),
        byteLength: count,
        sha256: hex64,
        format: v.string(),
        sampleRate: positive,
        channels: count,
        bitsPerSample: count,
        ratePlan: v.string(),
      }),
    ),
    describe(
      "what the recording was encoded from: the recorder file's name, size, SHA-256, format, rate, channels, bits and the rate plan's kind; null for Opus imports",
    ),
  ),
  durationSeconds: v.pipe(v.number(), describe("`totalSamples / sampleRate`")),
  linkCount: v.pipe(count, describe("links (chained streams) in the file")),
  problemCount: v.pipe(count, describe("problems the index found in the file")),
});

export type RecordingInfo = v.InferOutput<typeof recordingInfoSchema>;

/** The flat description of a recording from its validated attributes. */
export function recordingInfo(id: string, attributes: RecordingAttributes): RecordingInfo {
  const pick = <K extends string>(keys: readonly K[]) =>
    Object.fromEntries(keys.map((key) => [key, attributes[key as keyof RecordingAttributes]]));
  return {
    id,
    formatVersion: attributes[MARKER_ATTRIBUTE].formatVersion,
    sourceName: attributes.source.name,
    byteLength: attributes.source.byteLength,
    sha256: attributes.source.sha256,
    ...(pick(DESCRIPTIVE_KEYS) as Pick<RecordingInfo, (typeof DESCRIPTIVE_KEYS)[number]>),
    ...(pick(AUDIO_KEYS) as Pick<RecordingInfo, (typeof AUDIO_KEYS)[number]>),
    encodedFrom:
      attributes.encodedFrom === null || attributes.encodedFrom === undefined
        ? null
        : {
            name: attributes.encodedFrom.source.name,
            byteLength: attributes.encodedFrom.source.byteLength,
            sha256: attributes.encodedFrom.source.sha256,
            format: attributes.encodedFrom.source.format,
            sampleRate: attributes.encodedFrom.source.sampleRate,
            channels: attributes.encodedFrom.source.channels,
            bitsPerSample: attributes.encodedFrom.source.bitsPerSample,
            ratePlan: attributes.encodedFrom.ratePlan.kind,
          },
    durationSeconds: attributes.totalSamples / attributes.sampleRate,
    linkCount: attributes.links.length,
    problemCount: attributes.problems.length,
  };
}

const DESCRIPTIVE_KEYS = Object.keys(descriptive) as (keyof typeof descriptive)[];
const AUDIO_KEYS = Object.keys(audio) as (keyof typeof audio)[];

/** The first problem valibot found, as `path: message`. */
export function firstIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0]!;
  const path = v.getDotPath(issue) ?? "";
  return `${path === "" ? "" : `${path} `}${issue.message}`;
}

/** One row of the attribute table in docs/format.md. */
export interface AttributeRow {
  attribute: string;
  type: string;
  meaning: string;
}

/** The attribute table of docs/format.md, from the schema (nested `source.*` flattened). */
export function attributeTable(): AttributeRow[] {
  const rows: AttributeRow[] = [];
  for (const [name, schema] of Object.entries(recordingAttributesSchema.entries)) {
    if (name === "source") {
      for (const [part, inner] of Object.entries(sourceSchema.entries)) rows.push(row(`source.${part}`, inner));
    } else {
      rows.push(row(name, schema));
    }
  }
  return rows;
}

function row(attribute: string, schema: v.GenericSchema): AttributeRow {
  return { attribute: `\`${attribute}\``, type: typeName(schema), meaning: v.getDescription(schema) ?? "" };
}

/** A schema's JSON type as the table names it: `integer`, `string or null`, `array`... */
function typeName(schema: v.GenericSchema): string {
  const base = baseOf(schema) as v.GenericSchema & { wrapped?: v.GenericSchema; literal?: unknown };
  switch (base.type) {
    case "optional":
      return typeName(base.wrapped!);
    case "nullable":
      return `${typeName(base.wrapped!)} or null`;
    case "literal":
      return `\`${JSON.stringify(base.literal)}\``;
    case "union":
      return "string";
    case "number":
      return actionsOf(schema).includes("safe_integer") ? "integer" : "number";
    case "object":
    case "loose_object":
    case "record":
      return "object";
    default:
      return base.type;
  }
}

type Piped = v.GenericSchema & { pipe?: readonly { type: string }[] };

/** The schema a pipe starts from (through pipes of pipes); the schema itself if it has no pipe. */
function baseOf(schema: v.GenericSchema): v.GenericSchema {
  const first = (schema as Piped).pipe?.[0] as v.GenericSchema | undefined;
  return first === undefined || first === schema ? schema : baseOf(first);
}

/** The names of the actions along a pipe and the pipes it starts from. */
function actionsOf(schema: v.GenericSchema): string[] {
  const pipe = (schema as Piped).pipe ?? [];
  const first = pipe[0] as v.GenericSchema | undefined;
  const inner = first !== undefined && first !== schema ? actionsOf(first) : [];
  return [...inner, ...pipe.slice(1).map((a) => a.type)];
}

/** The descriptive attributes (recordedAt, device, location, metadata...) of a recording's info. */
export type DescriptiveInfo = Pick<RecordingInfo, (typeof DESCRIPTIVE_KEYS)[number]>;

/**
 * The descriptive attributes of `info`, or their defaults (null, `{}`) for a recording that has
 * none (a plain file): what `granule info` shows for every kind of source.
 */
export function descriptiveInfo(info: RecordingInfo | undefined): DescriptiveInfo {
  return Object.fromEntries(
    DESCRIPTIVE_KEYS.map((key) => [key, info === undefined ? v.getDefault(descriptive[key]) : info[key]]),
  ) as DescriptiveInfo;
}
