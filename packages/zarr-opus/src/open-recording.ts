import { type OpusIndex, type Recording, recording } from "@granule/opus-index";
import type { Collection } from "./collection.ts";
import { ArchiveError } from "./errors.ts";
import { INDEX_GROUP, OGG_ARRAY } from "./format.ts";
import { checkId } from "./ids.ts";
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
import { consolidatedOf, metadataKey, type NodeMetadata, readNode, withConsolidated } from "./zarr-json.ts";

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

/** Reads a recording group's metadata, checking that it exists and carries the recording marker of a readable version. */
export async function readRecordingNode(store: ArchiveStore, prefix: AbsolutePath, id: string, signal?: AbortSignal) {
  const key = metadataKey(prefix);
  const node = await readNode(store, prefix, signal);
  if (node === undefined)
    throw new ArchiveError("not-found", `no recording ${id} in ${store.description}`, { key, id });
  const marker = markerOf(node.attributes);
  if (node.node_type !== "group" || marker?.type !== "recording") {
    throw new ArchiveError("not-a-recording", `${id} is not a zarr-opus recording (no recording marker)`, { key, id });
  }
  checkVersion(marker.formatVersion, key);
  return { key, node };
}

/** Reads a recording group's attributes, checking its marker, version and `complete`. */
export async function readRecordingAttributes(
  store: ArchiveStore,
  prefix: AbsolutePath,
  id: string,
  signal?: AbortSignal,
): Promise<RecordingAttributes> {
  return (await readRecordingGroup(store, prefix, id, signal)).attributes;
}

/** A recording group's attributes (checked) and its consolidated metadata, if it has one. */
async function readRecordingGroup(
  store: ArchiveStore,
  prefix: AbsolutePath,
  id: string,
  signal?: AbortSignal,
): Promise<{ attributes: RecordingAttributes; consolidated: Record<string, NodeMetadata> | undefined }> {
  const { key, node } = await readRecordingNode(store, prefix, id, signal);
  if (node.attributes?.complete !== true) {
    throw new ArchiveError("incomplete", `recording ${id} has no complete marker: its import did not finish`, {
      key,
      id,
    });
  }
  return { attributes: parseRecordingAttributes(node.attributes, key), consolidated: consolidatedOf(node) };
}

/**
 * Opens the recording group at `prefix` of `store`. The source it returns fails with `changed`
 * rather than return another file's bytes when the recording is deleted and another imported
 * under its id while it is open: each shard's index, when first read, is confirmed by reading
 * the recording's `zarr.json` again, and each later read checks the shard's size and version.
 */
export async function openRecordingAt(
  store: ArchiveStore,
  prefix: AbsolutePath,
  id: string,
  platform: Platform,
  options: OpenRecordingOptions = {},
): Promise<ArchivedRecording> {
  const signal = options.signal;
  const { attributes, consolidated } = await readRecordingGroup(store, prefix, id, signal);
  // The metadata of the ogg array and the index arrays, from the one document read (format 2).
  const reader = withConsolidated(store, prefix, consolidated);
  const checkRecording = async (signal?: AbortSignal) => {
    const now = (await readNode(store, prefix, signal))?.attributes;
    if (now === undefined || !sameImport(attributes, now)) {
      throw new ArchiveError("changed", `recording ${id} was deleted or replaced since it was opened: open it again`, {
        key: metadataKey(prefix),
        id,
      });
    }
  };
  const [source, index] = await Promise.all([
    openShardedBytes(reader, joinKey(prefix, OGG_ARRAY), { ...(signal ? { signal } : {}), checkRecording }),
    readIndexArrays(reader, joinKey(prefix, INDEX_GROUP), attributes, platform.sha256, signal),
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

/**
 * Whether `now` (a recording group's attributes) are of the same import as `opened`: the
 * attributes an import sets once and a hand edit of descriptive attributes leaves alone.
 */
function sameImport(opened: RecordingAttributes, now: Record<string, unknown>): boolean {
  const source = now.source as { sha256?: unknown } | undefined;
  return (
    source?.sha256 === opened.source.sha256 &&
    now.indexSha256 === opened.indexSha256 &&
    (now.importedAt ?? "") === opened.importedAt
  );
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
