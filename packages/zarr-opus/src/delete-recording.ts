import type { Collection } from "./collection.ts";
import { unindexContent } from "./content-index.ts";
import { ArchiveError } from "./errors.ts";
import { checkId } from "./ids.ts";
import { releaseTemporary, temporaryName } from "./leases.ts";
import { refreshManifestIn } from "./manifest.ts";
import { readRecordingEntry } from "./recording-entries.ts";
import { isWritable, type WritableStore } from "./store.ts";

export interface DeleteResult {
  /**
   * Whether the manifest was rewritten without the recording. False when that failed or did not
   * settle: the recording is deleted all the same, and the next refresh catches up.
   */
  manifestUpdated: boolean;
}

/**
 * Deletes a recording, or a damaged one: it disappears from listings in one atomic rename, then
 * its files are removed and the manifest rewritten.
 */
export async function deleteRecordingIn(collection: Collection, id: string): Promise<DeleteResult> {
  checkId(id);
  const store = collection.store;
  if (!isWritable(store)) throw new ArchiveError("read-only", `${collection.description} is read-only`, { id });
  // A damaged recording (what findDamagedRecordings reports) can be deleted too; a user's own
  // group or folder cannot.
  const entry = await readRecordingEntry(collection, id, false);
  if ("other" in entry && entry.other === "absent")
    throw new ArchiveError("not-found", `no recording ${id} in ${collection.description}`, { id });
  if ("other" in entry) {
    throw new ArchiveError("not-a-recording", `${id} is not a zarr-opus recording: not deleting it`, { id });
  }
  if (!(await deletePrefix(store, collection, id))) {
    throw new ArchiveError("io", `recording ${id} could not be moved out of sight for deletion`, { id });
  }
  if ("summary" in entry) await unindexContent(collection, entry.summary).catch(() => undefined);
  const refresh = await refreshManifestIn(collection).catch(() => undefined);
  return { manifestUpdated: refresh?.settled === true };
}

/** Removes a recording: first out of sight in one rename, then its files. */
async function deletePrefix(store: WritableStore, collection: Collection, id: string): Promise<boolean> {
  const hidden = collection.child(temporaryName(collection.platform.identity, "deleting"));
  try {
    if (!(await store.rename(collection.child(id), hidden))) return false;
    await store.remove(hidden);
    return true;
  } finally {
    releaseTemporary(hidden);
  }
}
