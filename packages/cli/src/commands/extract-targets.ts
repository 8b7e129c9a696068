import { basename } from "node:path";
import type { Recording } from "@granule/opus-index";
import { collectionAt } from "../collection-at.ts";
import { type OpenedSource, openSource } from "../source.ts";

/** One recording extraction can read from, known before it is opened (for planning). */
export interface TargetRecording {
  /** The archive id, or the file's name without extension for a plain file. */
  key: string;
  /** For messages: what the user typed, or the archive and id. */
  name: string;
  /** The file names it answers to in label tables: the imported file's, the recorder file it was encoded from. */
  fileNames: string[];
  sampleRate: number;
  totalSamples: number;
  channels: number;
  /** ISO 8601 UTC start, when known. */
  recordedAt: string | null;
  deviceId: string | null;
  mappingFamily?: number;
  open(): Promise<Recording>;
}

/** What `granule extract` reads from: one recording, or every recording of an archive. */
export interface ExtractTargets {
  /** A whole archive (rows must say which recording), or one recording. */
  kind: "collection" | "recording";
  recordings: TargetRecording[];
  close(): Promise<void>;
}

/**
 * Opens the source of an extraction: an archive directory or URL that is a collection gives
 * all its recordings (opened only when a segment needs them); anything else is one recording,
 * opened as every command opens sources.
 */
export async function openTargets(
  source: string,
  open: (name: string) => Promise<OpenedSource> = (name) => openSource(name),
): Promise<ExtractTargets> {
  const collection = await collectionAt(source);
  if (collection !== undefined) {
    const { listRecordings, openRecording } = await import("@granule/zarr-opus/node");
    const infos = await listRecordings(collection);
    const opened = new Map<string, Promise<Recording>>();
    return {
      kind: "collection",
      recordings: infos.map((info) => ({
        key: info.id,
        name: `${source.replace(/\/+$/, "")}/${info.id}`,
        fileNames: [info.sourceName, info.encodedFrom?.name].filter((n): n is string => typeof n === "string"),
        sampleRate: info.sampleRate,
        totalSamples: info.totalSamples,
        channels: info.channels,
        recordedAt: info.recordedAt ?? null,
        deviceId: info.deviceId ?? null,
        open: () => {
          let recording = opened.get(info.id);
          if (recording === undefined) {
            recording = openRecording(collection, info.id);
            opened.set(info.id, recording);
          }
          return recording;
        },
      })),
      close: async () => {},
    };
  }
  const opened = await open(source);
  return { ...recordingTargets(source, opened, async () => opened.recording), close: () => opened.close() };
}

/**
 * The one target of a source that is a recording (what its rows may call it, its rate and
 * length), opened by `open`: planning before a plain URL is read needs the target alone.
 */
export function recordingTargets(
  source: string,
  opened: Pick<OpenedSource, "name" | "info"> & { recording: Pick<Recording, "index" | "sampleRate"> },
  open: () => Promise<Recording>,
): ExtractTargets {
  const { recording, info } = opened;
  const fileName = basename(source.replace(/[?#].*$/, ""));
  return {
    kind: "recording",
    recordings: [
      {
        key: info?.id ?? fileName.replace(/\.[^.]*$/, ""),
        name: opened.name,
        fileNames: [fileName, info?.sourceName, info?.encodedFrom?.name].filter(
          (n): n is string => typeof n === "string",
        ),
        sampleRate: recording.sampleRate,
        totalSamples: recording.index.totalSamples,
        channels: recording.index.head.channels,
        recordedAt: info?.recordedAt ?? null,
        deviceId: info?.deviceId ?? null,
        mappingFamily: recording.index.head.mappingFamily,
        open,
      },
    ],
    close: async () => {},
  };
}
