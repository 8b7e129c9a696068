import { type OpusIndex, type Recording, recording } from "@granule/opus-index";
import { type Collection, checkId } from "./collection.ts";
import { ArchiveError } from "./errors.ts";
import { INDEX_GROUP, OGG_ARRAY } from "./format.ts";
import { readIndexArrays } from "./index-arrays.ts";
import type { Platform } from "./platform.ts";
import {
  checkVersion,
  markerOf,
  parseRecordingAttributes,
  type RecordingAttributes,
  type RecordingInfo,
  recordingInfo,
} from "./recording-attributes.ts";
import { openShardedBytes, type ShardedByteSource } from "./sharded-bytes.ts";
import { type AbsolutePath, type ArchiveStore, joinKey } from "./store.ts";
import { metadataKey, readNode } from "./zarr-json.ts";

/**
 * A recording opened from an archive: the `Recording` that `@granule/extract` reads (index,
 * source, sampleRate), plus its id and attributes. The source reads the `ogg` array's shards.
 */
export interface ArchivedRecording extends Recording {
  readonly id: string;
  readonly info: RecordingInfo;
  readonly index: OpusIndex;
  readonly source: ShardedByteSource;
  /** Samples per second of the recording's own time (the true rate of time-expanded audio). */
  readonly sampleRate: number;
}

export interface OpenRecordingOptions {
  signal?: AbortSignal;
}

/** Reads a recording group's attributes, checking its marker, version and `complete`. */
export async function readRecordingAttributes(
  store: ArchiveStore,
  prefix: AbsolutePath,
  id: string,
  signal?: AbortSignal,
): Promise<RecordingAttributes> {
  const key = metadataKey(prefix);
  const node = await readNode(store, prefix, signal);
  if (node === undefined)
    throw new ArchiveError("not-found", `no recording ${id} in ${store.description}`, { key, id });
  const marker = markerOf(node.attributes);
  if (node.node_type !== "group" || marker?.type !== "recording") {
    throw new ArchiveError("not-a-recording", `${id} is not a zarr-opus recording (no recording marker)`, { key, id });
  }
  checkVersion(marker.formatVersion, key);
  if (node.attributes?.complete !== true) {
    throw new ArchiveError("incomplete", `recording ${id} has no complete marker: its import did not finish`, {
      key,
      id,
    });
  }
  return parseRecordingAttributes(node.attributes, key);
}

/** Opens the recording group at `prefix` of `store`. */
export async function openRecordingAt(
  store: ArchiveStore,
  prefix: AbsolutePath,
  id: string,
  platform: Platform,
  options: OpenRecordingOptions = {},
): Promise<ArchivedRecording> {
  const signal = options.signal;
  const attributes = await readRecordingAttributes(store, prefix, id, signal);
  const [source, index] = await Promise.all([
    openShardedBytes(store, joinKey(prefix, OGG_ARRAY), signal),
    readIndexArrays(store, joinKey(prefix, INDEX_GROUP), attributes, platform.sha256),
  ]);
  if (source.size !== attributes.source.byteLength) {
    throw new ArchiveError(
      "index-mismatch",
      `the ogg array holds ${source.size} bytes but the source had ${attributes.source.byteLength}`,
      { key: metadataKey(joinKey(prefix, OGG_ARRAY)), id },
    );
  }
  const base = recording(index, source, attributes.sampleRate);
  return { ...base, id, info: recordingInfo(id, attributes), index, source };
}

/** `openRecording(collection, id)`. */
export async function openRecordingIn(
  collection: Collection,
  id: string,
  options: OpenRecordingOptions = {},
): Promise<ArchivedRecording> {
  checkId(id);
  return openRecordingAt(collection.store, collection.child(id), id, collection.platform, options);
}

/** The id of a recording opened by its own location: the last segment of its path or URL. */
export function idFromLocation(location: string): string {
  const trimmed = location.replace(/[/\\]+$/, "");
  return trimmed.slice(Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\")) + 1) || "recording";
}
