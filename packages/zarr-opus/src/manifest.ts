import * as v from "valibot";
import { removeAbandonedPrefixes } from "./cleanup.ts";
import type { Collection } from "./collection.ts";
import { indexContent, recordedHighestId, recordingWithSha256 } from "./content-index.ts";
import { ArchiveError } from "./errors.ts";
import { FORMAT_VERSION, MANIFEST_GROUP, MARKER_ATTRIBUTE } from "./format.ts";
import { compareIds, highestNumericId, isRecordingId } from "./ids.ts";
import { stampsToRecord, vouchFromManifest } from "./manifest-vouching.ts";
import { checkVersion, markerOf } from "./recording-attributes.ts";
import { childIds, type DamagedRecording, RecordingEntries, type RecordingSummary } from "./recording-entries.ts";
import { firstIssue, recordingInfoSchema } from "./recording-schema.ts";
import type { Sha256Factory } from "./sha256.ts";
import { type AbsolutePath, type ArchiveStore, isWritable } from "./store.ts";
import { groupMetadata, isObject, metadataKey, readNode } from "./zarr-json.ts";

export interface Manifest {
  /** The largest numeric id the collection had when the manifest was written (0 if none). */
  highestNumericId: number;
  recordings: RecordingSummary[];
  /** The format version the manifest was written in (rows of version 1 are shorter summaries). */
  formatVersion: number;
  /** The children found damaged when it was written (`DamagedRecording`). */
  damaged: DamagedRecording[];
  /**
   * Each child's stamp as the store gave it when the refresh read its `zarr.json` (see
   * `WritableStore.stamps`); undefined in manifests written before stamps, or damaged ones.
   */
  stamps: Record<string, string> | undefined;
  /**
   * The collection group's attributes when the manifest was written (its marker among them):
   * what lets a reader over HTTP open the collection and list it with this one document.
   */
  collectionAttributes: Record<string, unknown> | undefined;
}

export interface RefreshOptions {
  /**
   * Rebuild every row from its recording's own `zarr.json` (the default for `refreshManifest`).
   * Otherwise (what imports and deletions do) rows the manifest vouches for are kept (their
   * recording's `zarr.json` has the stamp the manifest recorded), and only recordings that
   * appeared or changed are read: the cost follows what changed (and one stamp per child), not
   * the size of the collection. A store without stamps keeps every row the manifest lists, and
   * hand edits show there after the next full refresh.
   */
  full?: boolean;
  /** Rows the caller knows to be current (the recording it just imported). */
  known?: RecordingSummary[];
  /** Also remove the abandoned temporary prefixes the listing shows (see `cleanupCollection`). */
  removeAbandoned?: boolean;
}

/** What a manifest refresh did. */
export interface ManifestRefresh {
  /**
   * True when the manifest written last matches the listing taken after writing it. False when
   * the collection kept changing through every attempt: the manifest then lags behind, until
   * the refresh that follows the change still going on.
   */
  settled: boolean;
  /** Times the manifest was written. */
  attempts: number;
  /** Recordings in the manifest written last. */
  recordings: number;
}

/** Rewrites before giving up on a collection that keeps changing (each change refreshes again). */
const REFRESH_ATTEMPTS = 20;

export async function readManifest(collection: Collection, signal?: AbortSignal): Promise<Manifest | undefined> {
  return (
    collection.takeManifest() ??
    readManifestAt(collection.store, collection.child(MANIFEST_GROUP), collection.platform.sha256, signal)
  );
}

/**
 * The SHA-256 of what a listing takes from the manifest on the strength of its stamps: the
 * rows, the damage and the stamps, as JSON. A hand edit of any of them, which would otherwise
 * be believed for every recording whose stamp still matches, makes the stamps count as none.
 */
function vouchingSha256(attributes: Record<string, unknown>, sha256: Sha256Factory): string {
  const hash = sha256();
  hash.update(new TextEncoder().encode(JSON.stringify([attributes.recordings, attributes.damaged, attributes.stamps])));
  return hash.digestHex();
}

/** Reads and checks the manifest group at `prefix` of `store`; `undefined` if there is none. */
export async function readManifestAt(
  store: ArchiveStore,
  prefix: AbsolutePath,
  sha256: Sha256Factory,
  signal?: AbortSignal,
): Promise<Manifest | undefined> {
  const node = await readNode(store, prefix, signal);
  if (node === undefined) return undefined;
  const attributes = node.attributes ?? {};
  const marker = markerOf(attributes);
  if (marker?.type !== "manifest" || !Array.isArray(attributes.recordings)) {
    throw new ArchiveError("bad-metadata", "the manifest group is not a zarr-opus manifest", {
      key: metadataKey(prefix),
    });
  }
  checkVersion(marker.formatVersion, metadataKey(prefix));
  const highest = attributes.highestNumericId;
  const vouched =
    typeof attributes.stampsSha256 === "string" && attributes.stampsSha256 === vouchingSha256(attributes, sha256);
  // In a local collection, rows under the checksum a refresh wrote are that refresh's, each
  // read through the schema or made by this package (an import's own): not checked again
  // (10,000 rows: some 60-90 ms of every import's refresh and every listing). A row edited by
  // hand breaks the checksum, and then every row is checked. A server's manifest is always
  // checked: anyone can compute a checksum.
  const trusted = vouched && isWritable(store) && marker.formatVersion >= FORMAT_VERSION;
  return {
    highestNumericId: Number.isSafeInteger(highest) && (highest as number) > 0 ? (highest as number) : 0,
    recordings:
      trusted && attributes.recordings.every(isObject)
        ? (attributes.recordings as RecordingSummary[])
        : manifestRows(attributes.recordings, marker.formatVersion, metadataKey(prefix)),
    formatVersion: marker.formatVersion,
    damaged: damagedRows(attributes.damaged),
    stamps: vouched ? stampsOf(attributes.stamps) : undefined,
    collectionAttributes: isObject(attributes.collection) ? attributes.collection : undefined,
  };
}

/** The manifest's record of damaged children; none where it is absent or not well formed. */
function damagedRows(value: unknown): DamagedRecording[] {
  if (!Array.isArray(value)) return [];
  const text = (row: Record<string, unknown>, field: string) => typeof row[field] === "string";
  const rows = value.filter(
    (row): row is DamagedRecording =>
      isObject(row) && text(row, "id") && text(row, "code") && text(row, "message") && text(row, "key"),
  );
  return rows.length === value.length ? rows.map(({ id, code, message, key }) => ({ id, code, message, key })) : [];
}

/**
 * The manifest's stamps, if well formed. Anything else counts as none, so that the manifest
 * vouches for nothing and every recording is read: a listing is never taken on trust.
 */
function stampsOf(value: unknown): Record<string, string> | undefined {
  if (!isObject(value)) return undefined;
  for (const stamp of Object.values(value)) if (typeof stamp !== "string") return undefined;
  return value as Record<string, string>;
}

/**
 * The manifest's rows: each a `RecordingInfo`, checked against the schema. Format 1 manifests
 * held a shorter summary per recording; their rows are passed on as they are (a refresh, which
 * any import or deletion does, rewrites them whole).
 */
function manifestRows(rows: unknown[], formatVersion: number, key: string): RecordingSummary[] {
  if (formatVersion < 2) return rows as RecordingSummary[];
  return rows.map((row, i) => {
    const parsed = v.safeParse(recordingInfoSchema, row);
    if (!parsed.success) {
      throw new ArchiveError("bad-metadata", `manifest row ${i}: ${firstIssue(parsed.issues)}`, { key });
    }
    return parsed.output;
  });
}

/**
 * The highest numeric id a writable collection has had: the larger of its listing's and its
 * manifest's (which remembers deleted ones). A damaged manifest counts as none.
 */
export async function highestNumericIdIn(
  collection: Collection,
  ids: string[],
  manifest?: Manifest | undefined,
): Promise<number> {
  const read = manifest ?? (await readManifest(collection).catch(() => undefined));
  return Math.max(read?.highestNumericId ?? 0, highestNumericId(ids), await recordedHighestId(collection));
}

/**
 * Rewrites the manifest from the listing until the listing stops changing under it. A full
 * refresh reads each entry from its recording's own `zarr.json` (once per refresh, through
 * `entries`) and puts every recording into the content index; an incremental one reads only
 * recordings the manifest does not list yet. Writers do not lock: each one that changes the
 * collection refreshes afterwards, and the last writer's final check sees every change made
 * before it, so the manifest converges.
 */
export async function refreshManifestIn(
  collection: Collection,
  options: RefreshOptions = {},
): Promise<ManifestRefresh> {
  const entries = new RecordingEntries(collection);
  for (const row of options.known ?? []) entries.remember(row);
  const full = options.full ?? true;
  const store = collection.store;
  if (!isWritable(store)) {
    throw new ArchiveError("read-only", `${collection.description} is read-only`);
  }
  const key = metadataKey(collection.child(MANIFEST_GROUP));
  // Each child's stamp as first seen in this refresh, before it is read (see vouchFromManifest).
  const stamps = new Map<string, string | undefined>();
  let recordings = 0;
  for (let attempt = 1; attempt <= REFRESH_ATTEMPTS; attempt++) {
    const children = await store.listChildren(collection.path);
    // The listing is taken anyway: what killed imports left is found in it for free.
    if (attempt === 1 && options.removeAbandoned) await removeAbandonedPrefixes(collection, children).catch(() => []);
    const ids = children.filter(isRecordingId);
    const manifest = await readManifest(collection).catch(() => undefined);
    // Incremental: rows the manifest vouches for (unchanged since it read them) are kept, the
    // rest read. A store without stamps keeps every row the manifest has, as before stamps.
    await vouchFromManifest(collection, ids, full ? undefined : manifest, entries, stamps);
    if (!full && store.stamps === undefined && manifest !== undefined && manifest.formatVersion >= FORMAT_VERSION) {
      for (const row of manifest.recordings) entries.rememberUnlessKnown(row);
    }
    const summaries = (await entries.summaries(ids)).sort((a, b) => compareIds(a.id, b.id));
    const damaged = (await entries.damaged(ids, false)).sort((a, b) => compareIds(a.id, b.id));
    if (full) {
      for (const summary of summaries) {
        if ((await recordingWithSha256(collection, summary.sha256))?.id === undefined) {
          await indexContent(collection, summary);
        }
      }
    }
    const attributes: Record<string, unknown> = {
      [MARKER_ATTRIBUTE]: { type: "manifest", formatVersion: FORMAT_VERSION },
      highestNumericId: await highestNumericIdIn(collection, ids, manifest),
      recordings: summaries,
      damaged,
      collection: collection.attributes,
    };
    if (store.stamps !== undefined) {
      attributes.stamps = stampsToRecord(ids, stamps);
      attributes.stampsSha256 = vouchingSha256(attributes, collection.platform.sha256);
    }
    await store.set(key, groupMetadata(attributes));
    recordings = summaries.length;
    const before = new Set(ids);
    const now = await childIds(collection);
    if (now.length === before.size && now.every((id) => before.has(id))) {
      return { settled: true, attempts: attempt, recordings };
    }
  }
  return { settled: false, attempts: REFRESH_ATTEMPTS, recordings };
}
