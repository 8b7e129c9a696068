import { type AudioMothComment, parseAudioMothArtist, parseAudioMothComment } from "./audiomoth-comment.ts";
import { type Guano, parseGuano } from "./guano.ts";
import type { RawMetadata } from "./raw-metadata.ts";

/**
 * Reads a start time and device id from a file name (`20240501_053000.WAV`,
 * `SMM07257_20240501_053000.wav`). The encoder does not parse names itself: pass
 * `parseRecorderFileName` from `@granule/zarr-opus`, which the archive uses, so both agree.
 * `utcOffset` is the recorder clock's offset, when its metadata gives one.
 */
export type FileNameParser = (
  name: string,
  options: { utcOffset?: string },
) => { recordedAt: string; deviceId: string | null } | undefined;

/** Where a normalised value came from. */
export type MetadataSource = "guano" | "audiomoth-comment" | "info" | "vorbis-comment" | "file-name" | "audio";

/** Two sources that disagree; the value used is the first. */
export interface MetadataConflict {
  field: "recordedAt" | "deviceId" | "sampleRate" | "length";
  values: Array<{ source: MetadataSource; value: string | number }>;
}

/** The recorder's description of a recording, normalised, with what each source said. */
export interface RecorderMetadata {
  /** Start of the recording, ISO 8601 UTC; null when no source gives one with a known offset. */
  recordedAt: string | null;
  /** The recorder clock's offset from UTC (`+02:00`), when a source states it. */
  utcOffset: string | null;
  /** Where `recordedAt` came from. */
  recordedAtFrom: MetadataSource | null;
  deviceId: string | null;
  deviceIdFrom: MetadataSource | null;
  location: { latitude: number; longitude: number; elevationM?: number; accuracyM?: number } | null;
  make: string | null;
  model: string | null;
  firmwareVersion: string | null;
  /** GUANO `TE`: the recorder already slowed the audio down by this factor (1 = real time). */
  timeExpansion: number;
  /** Each source as read; raw texts are kept in them. */
  audioMoth: AudioMothComment | null;
  guano: Guano | null;
  /** LIST/INFO entries (`IART`, `ICMT`, ...), in file order. */
  info: Array<{ id: string; text: string }>;
  /** FLAC Vorbis comments, `NAME=value`. */
  vorbisComments: string[];
  fileName: { name: string; recordedAt: string | null; deviceId: string | null } | null;
  conflicts: MetadataConflict[];
  warnings: string[];
}

/**
 * One description from every source, by this precedence (first wins, the others are compared
 * and listed as conflicts when they disagree, never silently dropped):
 * - recordedAt: GUANO `Timestamp` (with an offset) > AudioMoth comment > file name, read in
 *   the offset the metadata states (AudioMoth names files in its local time);
 * - deviceId: GUANO `Serial` > AudioMoth comment / IART > file-name prefix;
 * - location: GUANO `Loc Position` / `Loc Elevation` / `Loc Accuracy`.
 */
export function describeRecorder(
  raw: RawMetadata,
  options: { sourceName?: string; parseFileName?: FileNameParser } = {},
): RecorderMetadata {
  const warnings: string[] = [];
  const guano = raw.guano === null ? null : parseGuano(raw.guano);
  if (guano !== null) for (const problem of guano.problems) warnings.push(`GUANO: ${problem}`);
  const infoText = (id: string): string | null => raw.info.find((e) => e.id === id)?.text ?? null;
  const icmt = infoText("ICMT");
  const vorbisComment = raw.vorbisComments.find((c) => /^COMMENT=/i.test(c))?.slice(8) ?? null;
  const commentText = icmt ?? vorbisComment;
  const audioMoth = commentText === null ? null : parseAudioMothComment(commentText);
  if (audioMoth !== null && audioMoth.unrecognised.length > 0) {
    warnings.push(
      `AudioMoth comment: sentences not recognised, kept as written: ${audioMoth.unrecognised.join(" | ")}`,
    );
  }
  const artistId = parseAudioMothArtist(infoText("IART") ?? "");
  const utcOffset = guano?.utcOffset ?? audioMoth?.utcOffset ?? null;

  let fileName: RecorderMetadata["fileName"] = null;
  if (options.sourceName !== undefined) {
    const parsed = options.parseFileName?.(options.sourceName, utcOffset === null ? {} : { utcOffset });
    fileName = { name: options.sourceName, recordedAt: parsed?.recordedAt ?? null, deviceId: parsed?.deviceId ?? null };
  }

  const conflicts: MetadataConflict[] = [];
  const pick = <T extends string | number>(
    field: MetadataConflict["field"],
    candidates: Array<{ source: MetadataSource; value: T | null | undefined }>,
    same: (a: T, b: T) => boolean = (a, b) => a === b,
  ): { value: T; source: MetadataSource } | null => {
    const given = candidates.filter(
      (c): c is { source: MetadataSource; value: T } => c.value !== null && c.value !== undefined,
    );
    const first = given[0];
    if (first === undefined) return null;
    if (given.some((c) => !same(c.value, first.value))) conflicts.push({ field, values: given });
    return first;
  };

  const recordedAt = pick("recordedAt", [
    { source: "guano", value: guano?.recordedAt },
    { source: "audiomoth-comment", value: audioMoth?.recordedAt },
    { source: "file-name", value: fileName?.recordedAt },
  ]);
  const sameId = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();
  const deviceId = pick(
    "deviceId",
    [
      { source: "guano", value: guano?.serial },
      { source: "audiomoth-comment", value: audioMoth?.deviceId },
      { source: "info", value: artistId },
      { source: "file-name", value: fileName?.deviceId },
    ],
    sameId,
  );
  let location: RecorderMetadata["location"] = null;
  if (guano !== null && guano.latitude !== null && guano.longitude !== null) {
    location = { latitude: guano.latitude, longitude: guano.longitude };
    if (guano.elevationM !== null) location.elevationM = guano.elevationM;
    if (guano.locationAccuracyM !== null) location.accuracyM = guano.locationAccuracyM;
  }
  const isAudioMoth = audioMoth !== null || artistId !== null;
  return {
    recordedAt: recordedAt?.value ?? null,
    utcOffset,
    recordedAtFrom: recordedAt?.source ?? null,
    deviceId: deviceId?.value ?? null,
    deviceIdFrom: deviceId?.source ?? null,
    location,
    make: guano?.make ?? (isAudioMoth ? "Open Acoustic Devices" : null),
    model: guano?.model ?? (isAudioMoth ? "AudioMoth" : null),
    firmwareVersion: guano?.firmwareVersion ?? null,
    timeExpansion: guano?.timeExpansion ?? 1,
    audioMoth,
    guano,
    info: raw.info,
    vorbisComments: raw.vorbisComments,
    fileName,
    conflicts,
    warnings,
  };
}

/** Adds conflicts between the metadata and the audio itself (GUANO `Samplerate`, `Length`). */
export function checkAgainstAudio(metadata: RecorderMetadata, sampleRate: number, frames: number | null): void {
  const guano = metadata.guano;
  if (guano === null) return;
  const trueRate = sampleRate * guano.timeExpansion;
  if (guano.sampleRate !== null && guano.sampleRate !== trueRate) {
    metadata.conflicts.push({
      field: "sampleRate",
      values: [
        { source: "guano", value: guano.sampleRate },
        { source: "audio", value: trueRate },
      ],
    });
  }
  if (guano.lengthS !== null && frames !== null) {
    const lengthS = frames / trueRate;
    // GUANO writers round the length (guano-py to 2 decimals).
    if (Math.abs(lengthS - guano.lengthS) > 0.01 + 1e-9) {
      metadata.conflicts.push({
        field: "length",
        values: [
          { source: "guano", value: guano.lengthS },
          { source: "audio", value: Number(lengthS.toFixed(6)) },
        ],
      });
    }
  }
}
