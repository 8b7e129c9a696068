import type { Collection } from "./collection.ts";
import { ArchiveError } from "./errors.ts";
import { MANIFEST_GROUP } from "./format.ts";
import { compareIds, isRecordingId } from "./ids.ts";
import { readManifest } from "./manifest.ts";
import { vouchFromManifest } from "./manifest-vouching.ts";
import { childIds, type DamagedRecording, RecordingEntries, type RecordingSummary } from "./recording-entries.ts";
import { isWritable } from "./store.ts";
import { metadataKey } from "./zarr-json.ts";

export interface RecordingFilter {
  /** Recordings that started at or after this time (those without `recordedAt` are left out). */
  from?: Date | string;
  /** Recordings that started before this time (those without `recordedAt` are left out). */
  to?: Date | string;
  deviceId?: string;
  sha256?: string;
  sourceName?: string;
}

async function manifestOrFail(collection: Collection, signal?: AbortSignal) {
  const manifest = await readManifest(collection, signal);
  if (manifest === undefined) {
    throw new ArchiveError(
      "not-found",
      `${collection.description} has no manifest: a collection served over HTTP needs one (import with this library, or run refreshManifest)`,
      { key: metadataKey(collection.child(MANIFEST_GROUP)) },
    );
  }
  return manifest;
}

/**
 * The complete recordings of a collection. A writable store is listed (the truth): each child
 * the manifest vouches for (its `zarr.json` unchanged since the manifest read it) is taken from
 * the manifest, every other one read from its own `zarr.json`, and damaged ones are left out.
 * An HTTP collection, which cannot be listed, is read from its manifest.
 */
export async function listRecordingsIn(
  collection: Collection,
  filter: RecordingFilter = {},
  signal?: AbortSignal,
): Promise<RecordingSummary[]> {
  return (await surveyRecordingsIn(collection, filter, signal)).recordings;
}

/**
 * The damaged recordings of a collection (see `DamagedRecording`), sorted by id. A writable
 * store is listed; over HTTP, the recordings the manifest names are checked.
 */
export async function findDamagedRecordingsIn(
  collection: Collection,
  signal?: AbortSignal,
): Promise<DamagedRecording[]> {
  const entries = new RecordingEntries(collection);
  const damaged = isWritable(collection.store)
    ? await entries.damaged(await childIds(collection), false, signal)
    : await entries.damaged(
        (await manifestOrFail(collection, signal)).recordings
          .map((r) => (r as Partial<RecordingSummary> | null)?.id)
          .filter((id): id is string => typeof id === "string" && isRecordingId(id)),
        true,
        signal,
      );
  return damaged.sort((a, b) => compareIds(a.id, b.id));
}

/** What `surveyRecordingsIn` found. */
export interface RecordingSurvey {
  recordings: RecordingSummary[];
  damaged: DamagedRecording[];
  /**
   * The children read from their own `zarr.json` because the manifest did not vouch for them:
   * new or changed since it was written (all of them when it has no stamps). Empty over HTTP.
   */
  changedSinceManifest: string[];
}

/**
 * The complete recordings (filtered, as `listRecordingsIn`) and the damaged ones, in one pass.
 * Locally the collection is listed (one listing, and one stamp per child: a file's size and
 * times) and compared with the manifest: what it vouches for is taken from it, the rest read
 * from each recording's own `zarr.json`, once for both. Over HTTP only the manifest is read:
 * its recordings, and the damage it recorded when it was written (the server's copy is as
 * fresh as the server keeps it; `findDamagedRecordingsIn` checks every recording).
 */
export async function surveyRecordingsIn(
  collection: Collection,
  filter: RecordingFilter = {},
  signal?: AbortSignal,
): Promise<RecordingSurvey> {
  if (!isWritable(collection.store)) {
    const manifest = await manifestOrFail(collection, signal);
    return {
      recordings: applyFilter(manifest.recordings, filter).sort((a, b) => compareIds(a.id, b.id)),
      damaged: [...manifest.damaged].sort((a, b) => compareIds(a.id, b.id)),
      changedSinceManifest: [],
    };
  }
  const entries = new RecordingEntries(collection);
  const ids = await childIds(collection);
  // A damaged manifest vouches for nothing: every recording is read, as without one.
  const manifest = await readManifest(collection, signal).catch((error: unknown) => {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof ArchiveError) return undefined;
    throw error;
  });
  const changedSinceManifest = await vouchFromManifest(collection, ids, manifest, entries, new Map());
  const summaries = await entries.summaries(ids, signal);
  const damaged = await entries.damaged(ids, false, signal);
  return {
    recordings: applyFilter(summaries, filter).sort((a, b) => compareIds(a.id, b.id)),
    damaged: damaged.sort((a, b) => compareIds(a.id, b.id)),
    // In id order like the lists above, not in the directory's (which differs between runtimes).
    changedSinceManifest: changedSinceManifest.sort(compareIds),
  };
}

function applyFilter(summaries: RecordingSummary[], filter: RecordingFilter): RecordingSummary[] {
  const time = (value: Date | string) => (value instanceof Date ? value.getTime() : Date.parse(value));
  const from = filter.from === undefined ? undefined : time(filter.from);
  const to = filter.to === undefined ? undefined : time(filter.to);
  return summaries.filter((s) => {
    if (filter.deviceId !== undefined && s.deviceId !== filter.deviceId) return false;
    if (filter.sha256 !== undefined && s.sha256 !== filter.sha256.toLowerCase()) return false;
    if (filter.sourceName !== undefined && s.sourceName !== filter.sourceName) return false;
    if (from !== undefined || to !== undefined) {
      if (s.recordedAt === null) return false;
      const at = Date.parse(s.recordedAt);
      if (from !== undefined && at < from) return false;
      if (to !== undefined && at >= to) return false;
    }
    return true;
  });
}
