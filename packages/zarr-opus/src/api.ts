import type { ByteSource } from "@granule/opus-index";
import { removeLeftovers } from "./cleanup.ts";
import { type Collection, type OpenCollectionOptions, openCollectionIn } from "./collection.ts";
import { type DeleteResult, deleteRecordingIn } from "./delete-recording.ts";
import { ArchiveError } from "./errors.ts";
import { HttpStore } from "./http-store.ts";
import { type ImportOptions, type ImportResult, importRecording } from "./import-recording.ts";
import {
  findDamagedRecordingsIn,
  listRecordingsIn,
  type RecordingFilter,
  type RecordingSurvey,
  surveyRecordingsIn,
} from "./list-recordings.ts";
import { type ManifestRefresh, type RefreshOptions, refreshManifestIn } from "./manifest.ts";
import {
  type ArchivedRecording,
  idFromLocation,
  type OpenRecordingOptions,
  openRecordingAt,
  openRecordingIn,
} from "./open-recording.ts";
import type { Platform } from "./platform.ts";
import type { DamagedRecording, RecordingSummary } from "./recording-entries.ts";
import type { ArchiveStore } from "./store.ts";
import { type VerifyOptions, type VerifyReport, verifyRecordingAt, verifyRecordingIn } from "./verify-recording.ts";

/**
 * Where an archive is: a store object (`new MemoryStore()`, `new HttpStore(url)`), an
 * `http(s)://` URL (read-only), or with the Node entry a local directory path or `file:` URL.
 */
export type Location = string | URL | ArchiveStore;

/** Turns a location other than a store object into a store, or says why it cannot. */
export type StoreResolver = (location: string | URL) => ArchiveStore;

/** The resolver of the main entry: HTTP(S) URLs only. */
export function resolveHttp(location: string | URL): ArchiveStore {
  const text = String(location);
  if (/^https?:\/\//i.test(text)) return new HttpStore(text);
  throw new ArchiveError(
    "invalid-argument",
    `"${text}" is not an http(s) URL; local directories need the Node entry, @granule/zarr-opus/node`,
  );
}

function storeOf(location: Location, resolve: StoreResolver): ArchiveStore {
  return typeof location === "string" || location instanceof URL ? resolve(location) : location;
}

/** The archive functions bound to one runtime's platform and location resolver. */
export function bindApi(platform: Platform, resolve: StoreResolver) {
  /**
   * Opens the collection at `location`: a Zarr v3 group with the collection marker. With
   * `create: true` a missing collection is created, and a plain group gets the marker.
   */
  async function openCollection(location: Location, options: OpenCollectionOptions = {}): Promise<Collection> {
    return openCollectionIn(storeOf(location, resolve), platform, options);
  }

  /**
   * Opens a recording, by collection and id, or by its own location (its group's directory or
   * URL). Checks the complete marker, the index checksum and the attributes; the result is
   * the `Recording` that `@granule/extract` reads.
   */
  function openRecording(
    collection: Collection,
    id: string,
    options?: OpenRecordingOptions,
  ): Promise<ArchivedRecording>;
  function openRecording(location: Location, options?: OpenRecordingOptions): Promise<ArchivedRecording>;
  async function openRecording(
    target: Collection | Location,
    idOrOptions?: string | OpenRecordingOptions,
    options?: OpenRecordingOptions,
  ): Promise<ArchivedRecording> {
    if (isCollection(target)) {
      if (typeof idOrOptions !== "string")
        throw new ArchiveError("invalid-argument", "openRecording(collection, id): id missing");
      return openRecordingIn(target, idOrOptions, options);
    }
    // A recording's id is its location's last segment; an HttpStore's location is its URL.
    const id =
      typeof target === "string" || target instanceof URL
        ? idFromLocation(String(target))
        : target instanceof HttpStore
          ? idFromLocation(target.description)
          : "recording";
    return openRecordingAt(storeOf(target, resolve), "/", id, platform, (idOrOptions as OpenRecordingOptions) ?? {});
  }

  /** Checks a recording end to end and reports what is wrong (see `VerifyReport`). */
  function verifyRecording(collection: Collection, id: string, options?: VerifyOptions): Promise<VerifyReport>;
  function verifyRecording(location: Location, options?: VerifyOptions): Promise<VerifyReport>;
  async function verifyRecording(
    target: Collection | Location,
    idOrOptions?: string | VerifyOptions,
    options?: VerifyOptions,
  ): Promise<VerifyReport> {
    if (isCollection(target)) {
      if (typeof idOrOptions !== "string")
        throw new ArchiveError("invalid-argument", "verifyRecording(collection, id): id missing");
      return verifyRecordingIn(target, idOrOptions, options);
    }
    // A recording's id is its location's last segment; an HttpStore's location is its URL.
    const id =
      typeof target === "string" || target instanceof URL
        ? idFromLocation(String(target))
        : target instanceof HttpStore
          ? idFromLocation(target.description)
          : "recording";
    return verifyRecordingAt(storeOf(target, resolve), "/", id, platform, (idOrOptions as VerifyOptions) ?? {});
  }

  return { openCollection, openRecording, verifyRecording };
}

function isCollection(value: unknown): value is Collection {
  return typeof value === "object" && value !== null && "platform" in value && "path" in value && "store" in value;
}

/**
 * The complete recordings of a collection, sorted by id, optionally filtered. A local or
 * memory collection is listed, and each recording read from its own `zarr.json` unless the
 * manifest vouches for it (the document's stamp, its size and times, is the one the manifest
 * recorded when it read it); an HTTP one is read from its manifest. Damaged recordings are
 * left out: `findDamagedRecordings` reports them.
 */
export async function listRecordings(
  collection: Collection,
  filter: RecordingFilter = {},
): Promise<RecordingSummary[]> {
  return listRecordingsIn(collection, filter);
}

/**
 * `listRecordings` and `findDamagedRecordings` of a local or memory collection in one pass
 * (each recording the manifest does not vouch for read once; `changedSinceManifest` names
 * them), as `granule ls` shows them; over HTTP the manifest's recordings and the damage it
 * recorded when it was written.
 */
export async function surveyRecordings(collection: Collection, filter: RecordingFilter = {}): Promise<RecordingSurvey> {
  return surveyRecordingsIn(collection, filter);
}

/**
 * The children of a collection that are meant as recordings but cannot be read as one (see
 * `DamagedRecording`), sorted by id: what `listRecordings` leaves out, for a check of the whole
 * collection to report. Over HTTP, the recordings the manifest names are checked.
 */
export async function findDamagedRecordings(collection: Collection): Promise<DamagedRecording[]> {
  return findDamagedRecordingsIn(collection);
}

/**
 * Deletes a recording: it disappears from listings in one atomic rename, then its files are
 * removed. Readers holding it open get `missing-chunk` errors on their next read (`changed`
 * once another recording is imported under its id).
 */
export async function deleteRecording(collection: Collection, id: string): Promise<DeleteResult> {
  return deleteRecordingIn(collection, id);
}

/**
 * Rewrites the collection's manifest from its listing and each recording's own `zarr.json`, and
 * puts every recording into the content index (a recording copied in by hand, say). Imports
 * and deletions refresh incrementally themselves (`{ full: false }`: only what changed is
 * read, a recording whose `zarr.json` changed since the manifest read it among it), so hand
 * edits of attributes show in the manifest after the next refresh of either kind. `settled` is
 * false when the collection kept changing through every attempt.
 */
export async function refreshManifest(collection: Collection, options: RefreshOptions = {}): Promise<ManifestRefresh> {
  return refreshManifestIn(collection, options);
}

/**
 * Removes what killed imports, deletions and writes left when their process is gone: hidden
 * `.importing-*` and `.deleting-*` prefixes, `.claim-*` objects, `*.tmp` files in the collection
 * and its manifest group. Then refreshes the manifest. Returns the names removed.
 */
export async function cleanupCollection(collection: Collection): Promise<string[]> {
  const removed = await removeLeftovers(collection);
  if (collection.writable) await refreshManifestIn(collection);
  return removed;
}

export type ImportSource = ByteSource | Uint8Array;
export { type ImportOptions, type ImportResult, importRecording };
