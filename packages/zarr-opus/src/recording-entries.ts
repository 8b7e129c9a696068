import type { Collection } from "./collection.ts";
import { ArchiveError, type ArchiveErrorCode } from "./errors.ts";
import { INDEX_GROUP, OGG_ARRAY } from "./format.ts";
import { isRecordingId } from "./ids.ts";
import { markerOf, parseRecordingAttributes, type RecordingInfo, recordingInfo } from "./recording-attributes.ts";
import { type AbsolutePath, isWritable, type WritableStore } from "./store.ts";
import { metadataKey, readNode } from "./zarr-json.ts";

/** A recording as listed (`listRecordings`, the manifest): its `RecordingInfo`. */
export type RecordingSummary = RecordingInfo;

/**
 * A child of a collection that is, or was meant to be, a recording but cannot be read as one:
 * its `zarr.json` is missing or unreadable while it holds an `ogg` array or `index` group, it
 * carries the recording marker without `complete: true`, or its attributes are damaged.
 * `listRecordings` and the manifest leave it out; `findDamagedRecordings` reports it.
 */
export interface DamagedRecording {
  id: string;
  /** What is wrong, as `ArchiveError` codes name it: `bad-metadata`, `incomplete`, `index-mismatch`, ... */
  code: ArchiveErrorCode;
  message: string;
  /** The recording's `zarr.json` key. */
  key: string;
}

/**
 * What one child of a collection turned out to be: a recording, a damaged one, or something
 * else (nothing there, or a group or folder of the user's).
 */
export type RecordingEntry =
  | { summary: RecordingSummary }
  | { damage: DamagedRecording }
  | { other: "absent" | "not-a-recording" };

/**
 * Reads what the child `id` is from its own `zarr.json`. `listed` says the child is known to be
 * meant as a recording (the manifest names it), so that anything unreadable there is damage;
 * otherwise a child without readable metadata is damage only if it holds recording parts.
 */
export async function readRecordingEntry(
  collection: Collection,
  id: string,
  listed: boolean,
  signal?: AbortSignal,
): Promise<RecordingEntry> {
  const prefix = collection.child(id);
  const key = metadataKey(prefix);
  const damaged = (code: ArchiveErrorCode, message: string): RecordingEntry => ({ damage: { id, code, message, key } });
  let node: Awaited<ReturnType<typeof readNode>>;
  try {
    node = await readNode(collection.store, prefix, signal);
  } catch (error) {
    if (!(error instanceof ArchiveError) || error.code !== "bad-metadata") throw error;
    return listed || (await folderHolds(collection, prefix)) === "recording parts"
      ? damaged("bad-metadata", `recording ${id} has an unreadable zarr.json: ${error.message}`)
      : { other: "not-a-recording" };
  }
  if (node === undefined) {
    const holds = listed ? "recording parts" : await folderHolds(collection, prefix);
    if (holds === "recording parts") return damaged("bad-metadata", `recording ${id} has no zarr.json`);
    return { other: holds === "nothing" ? "absent" : "not-a-recording" };
  }
  if (node.node_type !== "group" || markerOf(node.attributes)?.type !== "recording") {
    return listed
      ? damaged("not-a-recording", `${id} is not a zarr-opus recording (no recording marker)`)
      : { other: "not-a-recording" };
  }
  if (node.attributes?.complete !== true) {
    return damaged("incomplete", `recording ${id} has no complete marker`);
  }
  try {
    return { summary: recordingInfo(id, parseRecordingAttributes(node.attributes, key)) };
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    return damaged(error.code, error.message);
  }
}

/** What a folder without readable metadata holds: what only an import writes, other things, or nothing. */
async function folderHolds(
  collection: Collection,
  prefix: AbsolutePath,
): Promise<"recording parts" | "other things" | "nothing"> {
  const store = collection.store;
  if (!isWritable(store)) return "nothing";
  const children = await store.listChildren(prefix);
  if (children.includes(OGG_ARRAY) || children.includes(INDEX_GROUP)) return "recording parts";
  return children.length > 0 || (await store.listObjects(prefix)).length > 0 ? "other things" : "nothing";
}

/**
 * The entries of a collection's children, each read from its own `zarr.json` at most once per
 * instance. One import or one manifest refresh uses one instance, so that a recording's
 * attributes are read once per operation and never taken from an earlier one (or from the
 * manifest): attributes may be edited by hand, and the recording's own are the truth.
 */
export class RecordingEntries {
  private readonly known = new Map<string, RecordingEntry>();

  constructor(private readonly collection: Collection) {}

  /** Records what this operation itself just wrote. */
  remember(summary: RecordingSummary): void {
    this.known.set(summary.id, { summary });
  }

  /** Takes a row as read elsewhere (the manifest), unless this operation knows better. */
  rememberUnlessKnown(summary: RecordingSummary): void {
    this.rememberEntryUnlessKnown(summary.id, { summary });
  }

  /** Takes what a child is as the manifest vouches for it (see `vouchFromManifest`), unless this operation knows better. */
  rememberEntryUnlessKnown(id: string, entry: RecordingEntry): void {
    if (!this.known.has(id)) this.known.set(id, entry);
  }

  private async entries(ids: string[], listed: boolean, signal?: AbortSignal): Promise<RecordingEntry[]> {
    return mapLimited(ids, 16, async (id) => {
      let entry = this.known.get(id);
      if (entry === undefined) {
        entry = await readRecordingEntry(this.collection, id, listed, signal);
        this.known.set(id, entry);
      }
      return entry;
    });
  }

  /** The complete, readable recordings among `ids`. */
  async summaries(ids: string[], signal?: AbortSignal): Promise<RecordingSummary[]> {
    const summaries: RecordingSummary[] = [];
    for (const entry of await this.entries(ids, false, signal)) if ("summary" in entry) summaries.push(entry.summary);
    return summaries;
  }

  /** The damaged recordings among `ids`; `listed` when the manifest names them all as recordings. */
  async damaged(ids: string[], listed: boolean, signal?: AbortSignal): Promise<DamagedRecording[]> {
    const damaged: DamagedRecording[] = [];
    for (const entry of await this.entries(ids, listed, signal)) if ("damage" in entry) damaged.push(entry.damage);
    return damaged;
  }
}

/** Runs `task` over `items` with at most `limit` at a time, keeping the order of results. */
async function mapLimited<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** The child names of a writable collection that may be recordings (hidden and reserved names left out). */
export async function childIds(collection: Collection): Promise<string[]> {
  const store = collection.store as WritableStore;
  return (await store.listChildren(collection.path)).filter(isRecordingId);
}
