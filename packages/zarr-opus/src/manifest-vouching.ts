import type { Collection } from "./collection.ts";
import { FORMAT_VERSION } from "./format.ts";
import type { Manifest } from "./manifest.ts";
import type { RecordingEntries, RecordingEntry } from "./recording-entries.ts";
import { isWritable } from "./store.ts";
import { metadataKey } from "./zarr-json.ts";

/**
 * What the manifest vouches for among a local collection's children: those whose `zarr.json`
 * has the stamp (size, modification and change times) the manifest recorded when it last read
 * it. Their entries (a row, a damage, or "not a recording") are taken from the manifest; the
 * rest, new, edited by hand or replaced since, are left for the caller to read from their own
 * `zarr.json`. A recording's attributes are written once, by its import (nothing in this
 * library rewrites them); an edit by hand changes the stamp, so the listing stays the truth
 * without reading ten thousand documents to learn it.
 *
 * `stamps` collects each child's stamp as first seen, before anything reads it: a manifest
 * written with them never vouches for an edit made after its read (the stamp would differ).
 * Returns the children it did not vouch for (all of them when the store has no stamps, or the
 * manifest recorded none).
 */
export async function vouchFromManifest(
  collection: Collection,
  ids: readonly string[],
  manifest: Manifest | undefined,
  entries: RecordingEntries,
  stamps: Map<string, string | undefined>,
): Promise<string[]> {
  const store = collection.store;
  if (!isWritable(store) || store.stamps === undefined) return [...ids];
  const unseen = ids.filter((id) => !stamps.has(id));
  const now = await store.stamps(unseen.map((id) => metadataKey(collection.child(id))));
  unseen.forEach((id, i) => {
    stamps.set(id, now[i]);
  });
  const recorded = manifest !== undefined && manifest.formatVersion >= FORMAT_VERSION ? manifest.stamps : undefined;
  if (recorded === undefined) return [...ids];
  const rows = new Map(manifest!.recordings.map((row) => [row.id, row]));
  const damaged = new Map(manifest!.damaged.map((damage) => [damage.id, damage]));
  const unvouched: string[] = [];
  for (const id of ids) {
    const stamp = stamps.get(id);
    if (stamp === undefined || recorded[id] !== stamp) {
      unvouched.push(id);
      continue;
    }
    const row = rows.get(id);
    const damage = damaged.get(id);
    const entry: RecordingEntry =
      row !== undefined ? { summary: row } : damage !== undefined ? { damage } : { other: "not-a-recording" };
    entries.rememberEntryUnlessKnown(id, entry);
  }
  return unvouched;
}

/** The stamps to record in a manifest: each child's, where it has one. */
export function stampsToRecord(
  ids: readonly string[],
  stamps: Map<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of ids) {
    const stamp = stamps.get(id);
    if (stamp !== undefined) out[id] = stamp;
  }
  return out;
}
