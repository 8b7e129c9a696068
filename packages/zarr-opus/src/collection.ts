import { ArchiveError } from "./errors.ts";
import { FORMAT_VERSION, ID_PATTERN, MANIFEST_GROUP, MARKER_ATTRIBUTE, NUMERIC_ID_DIGITS } from "./format.ts";
import type { Platform } from "./platform.ts";
import { checkVersion, markerOf, parseRecordingAttributes, recordingInfo } from "./recording-attributes.ts";
import { type AbsolutePath, type ArchiveStore, isWritable, joinKey, type WritableStore } from "./store.ts";
import { groupMetadata, isObject, metadataKey, readNode } from "./zarr-json.ts";

/**
 * An open collection: a Zarr v3 group marked `{"zarrOpus": {"type": "collection", ...}}`,
 * with one child group per recording. Get one from `openCollection`.
 */
export class Collection {
  /** @internal */
  readonly platform: Platform;

  constructor(
    /** The store holding the collection (a directory, memory, an HTTP server). */
    readonly store: ArchiveStore,
    /** The collection group's path in the store: `/` for the store's root. */
    readonly path: AbsolutePath,
    /** The collection group's attributes, as read when it was opened. */
    readonly attributes: Record<string, unknown>,
    platform: Platform,
  ) {
    this.platform = platform;
  }

  /** Whether recordings can be imported and deleted (false over HTTP). */
  get writable(): boolean {
    return isWritable(this.store);
  }

  /** Where the collection is, for messages. */
  get description(): string {
    return this.path === "/" ? this.store.description : `${this.store.description}${this.path}`;
  }

  /** @internal The key prefix of a child of the collection group. */
  child(name: string): AbsolutePath {
    return joinKey(this.path, name);
  }
}

export interface OpenCollectionOptions {
  /** Create the collection if it does not exist, or mark an existing plain group as one. Default false. */
  create?: boolean;
  /** The collection group's path inside the store (for a store object or URL holding a larger hierarchy). Default: its root. */
  path?: string;
  /** Free attributes to give a collection this call creates. */
  attributes?: Record<string, unknown>;
  signal?: AbortSignal;
}

export async function openCollectionIn(
  store: ArchiveStore,
  platform: Platform,
  options: OpenCollectionOptions = {},
): Promise<Collection> {
  const path = joinKey(options.path ?? "/");
  const key = metadataKey(path);
  const node = await readNode(store, path, options.signal);
  const marker = markerOf(node?.attributes);
  if (node?.node_type === "group" && marker?.type === "collection") {
    checkVersion(marker.formatVersion, key);
    return new Collection(store, path, node.attributes ?? {}, platform);
  }
  const why =
    node === undefined
      ? "no Zarr v3 group here"
      : node.node_type === "array"
        ? "this is a Zarr array, not a group"
        : marker !== undefined
          ? `this group is a ${marker.type}, not a collection`
          : "this Zarr group has no collection marker";
  if (!options.create || node?.node_type === "array" || marker !== undefined) {
    throw new ArchiveError("not-a-collection", `${store.description}${path === "/" ? "" : path}: ${why}`, { key });
  }
  if (!isWritable(store)) {
    throw new ArchiveError("read-only", `cannot create a collection in read-only ${store.description}`, { key });
  }
  const attributes = {
    ...options.attributes,
    ...node?.attributes,
    [MARKER_ATTRIBUTE]: { type: "collection", formatVersion: FORMAT_VERSION },
  };
  await store.set(key, groupMetadata(attributes));
  return new Collection(store, path, attributes, platform);
}

/** A recording as listed: what the manifest keeps of its attributes. */
export interface RecordingSummary {
  id: string;
  sourceName: string | null;
  byteLength: number;
  sha256: string;
  recordedAt: string | null;
  deviceId: string | null;
  sampleRate: number;
  totalSamples: number;
  durationSeconds: number;
  channels: number;
}

export interface RecordingFilter {
  /** Recordings that started at or after this time (those without `recordedAt` are left out). */
  from?: Date | string;
  /** Recordings that started before this time (those without `recordedAt` are left out). */
  to?: Date | string;
  deviceId?: string;
  sha256?: string;
  sourceName?: string;
}

export function isRecordingId(name: string): boolean {
  return ID_PATTERN.test(name) && name !== MANIFEST_GROUP;
}

export function checkId(id: string): void {
  if (!isRecordingId(id)) {
    throw new ArchiveError(
      "invalid-id",
      `"${id}" is not a recording id: 1-128 of A-Z a-z 0-9 . _ -, starting with a letter or digit, and not "${MANIFEST_GROUP}"`,
      { id },
    );
  }
}

/** Orders ids: numeric ones by value first, then the rest as strings. */
export function compareIds(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reads one recording's summary, or undefined if `id` holds no complete recording. */
async function readSummary(
  collection: Collection,
  id: string,
  signal?: AbortSignal,
): Promise<RecordingSummary | undefined> {
  const prefix = collection.child(id);
  let node: Awaited<ReturnType<typeof readNode>>;
  try {
    node = await readNode(collection.store, prefix, signal);
  } catch (error) {
    // Unreadable metadata: listed by its id alone, so that the damage shows and can be dealt with.
    if (error instanceof ArchiveError && error.code === "bad-metadata") return damagedSummary(id, {});
    throw error;
  }
  if (node?.node_type !== "group" || markerOf(node.attributes)?.type !== "recording") return undefined;
  if (node.attributes?.complete !== true) return undefined;
  try {
    return summaryOf(recordingInfo(id, parseRecordingAttributes(node.attributes, metadataKey(prefix))));
  } catch {
    // A recording whose attributes are damaged is still listed by its id, so it can be verified or deleted.
    return damagedSummary(id, isObject(node.attributes.source) ? node.attributes.source : {});
  }
}

function damagedSummary(id: string, source: Record<string, unknown>): RecordingSummary {
  return {
    id,
    sourceName: typeof source.name === "string" ? source.name : null,
    byteLength: Number(source.byteLength) || 0,
    sha256: typeof source.sha256 === "string" ? source.sha256 : "",
    recordedAt: null,
    deviceId: null,
    sampleRate: 0,
    totalSamples: 0,
    durationSeconds: 0,
    channels: 0,
  };
}

export function summaryOf(info: {
  id: string;
  sourceName: string | null;
  byteLength: number;
  sha256: string;
  recordedAt: string | null;
  deviceId: string | null;
  sampleRate: number;
  totalSamples: number;
  channels: number;
}): RecordingSummary {
  return {
    id: info.id,
    sourceName: info.sourceName,
    byteLength: info.byteLength,
    sha256: info.sha256,
    recordedAt: info.recordedAt,
    deviceId: info.deviceId,
    sampleRate: info.sampleRate,
    totalSamples: info.totalSamples,
    durationSeconds: info.sampleRate > 0 ? info.totalSamples / info.sampleRate : 0,
    channels: info.channels,
  };
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
async function childIds(collection: Collection): Promise<string[]> {
  const store = collection.store as WritableStore;
  return (await store.listChildren(collection.path)).filter(isRecordingId);
}

interface Manifest {
  highestNumericId: number;
  recordings: RecordingSummary[];
}

export async function readManifest(collection: Collection, signal?: AbortSignal): Promise<Manifest | undefined> {
  const prefix = collection.child(MANIFEST_GROUP);
  const node = await readNode(collection.store, prefix, signal);
  if (node === undefined) return undefined;
  const attributes = node.attributes ?? {};
  const marker = markerOf(attributes);
  if (marker?.type !== "manifest" || !Array.isArray(attributes.recordings)) {
    throw new ArchiveError("bad-metadata", "the manifest group is not a zarr-opus manifest", {
      key: metadataKey(prefix),
    });
  }
  checkVersion(marker.formatVersion, metadataKey(prefix));
  return {
    highestNumericId: Number(attributes.highestNumericId) || 0,
    recordings: attributes.recordings as RecordingSummary[],
  };
}

/**
 * The complete recordings of a collection. A writable store is listed (the truth; each
 * recording's `zarr.json` is read); an HTTP collection, which cannot be listed, is read from
 * its manifest.
 */
export async function listRecordingsIn(
  collection: Collection,
  filter: RecordingFilter = {},
  signal?: AbortSignal,
): Promise<RecordingSummary[]> {
  let summaries: RecordingSummary[];
  if (isWritable(collection.store)) {
    const ids = await childIds(collection);
    summaries = (await mapLimited(ids, 16, (id) => readSummary(collection, id, signal))).filter(
      (s): s is RecordingSummary => s !== undefined,
    );
  } else {
    const manifest = await readManifest(collection, signal);
    if (manifest === undefined) {
      throw new ArchiveError(
        "not-found",
        `${collection.description} has no manifest: a collection served over HTTP needs one (import with this library, or run refreshManifest)`,
        { key: metadataKey(collection.child(MANIFEST_GROUP)) },
      );
    }
    summaries = manifest.recordings;
  }
  return applyFilter(summaries, filter).sort((a, b) => compareIds(a.id, b.id));
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

/**
 * The recordings of a writable collection, quickly: ids from the listing, summaries from the
 * manifest where it has them (`fresh` ones override), `zarr.json` read only for the others.
 */
export async function knownRecordings(
  collection: Collection,
  fresh: RecordingSummary[] = [],
): Promise<{ ids: string[]; summaries: RecordingSummary[]; highestNumericId: number }> {
  const ids = await childIds(collection);
  let manifest: Manifest | undefined;
  try {
    manifest = await readManifest(collection);
  } catch {
    manifest = undefined; // a damaged manifest is rebuilt from the listing
  }
  const cached = new Map((manifest?.recordings ?? []).map((s) => [s.id, s]));
  for (const s of fresh) cached.set(s.id, s);
  const summaries = (
    await mapLimited(ids, 16, async (id) => cached.get(id) ?? (await readSummary(collection, id)))
  ).filter((s): s is RecordingSummary => s !== undefined);
  let highest = manifest?.highestNumericId ?? 0;
  for (const id of ids) if (/^\d+$/.test(id)) highest = Math.max(highest, Number(id));
  return { ids, summaries, highestNumericId: highest };
}

export function numericId(n: number): string {
  return String(n).padStart(NUMERIC_ID_DIGITS, "0");
}

/**
 * Rewrites the manifest from the listing until the listing stops changing under it. Writers
 * do not lock: each one that changes the collection refreshes afterwards, and the last
 * writer's final check sees every change made before it, so the manifest converges.
 */
export async function refreshManifestIn(collection: Collection, fresh: RecordingSummary[] = []): Promise<void> {
  const store = collection.store;
  if (!isWritable(store)) {
    throw new ArchiveError("read-only", `${collection.description} is read-only`);
  }
  const key = metadataKey(collection.child(MANIFEST_GROUP));
  for (let attempt = 0; attempt < 20; attempt++) {
    const { ids, summaries, highestNumericId } = await knownRecordings(collection, fresh);
    summaries.sort((a, b) => compareIds(a.id, b.id));
    await store.set(
      key,
      groupMetadata({
        [MARKER_ATTRIBUTE]: { type: "manifest", formatVersion: FORMAT_VERSION },
        highestNumericId,
        recordings: summaries,
      }),
    );
    const now = await childIds(collection);
    if (now.length === ids.length && now.every((id) => ids.includes(id))) return;
  }
}

/** Removes what killed imports and deletions left behind (hidden `.importing-*`, `.deleting-*` prefixes). */
export async function removeAbandoned(collection: Collection): Promise<string[]> {
  const store = collection.store;
  if (!isWritable(store)) return [];
  const removed: string[] = [];
  for (const name of await store.listChildren(collection.path)) {
    if (!name.startsWith(".importing-") && !name.startsWith(".deleting-")) continue;
    if (await store.isAbandoned(collection.child(name))) {
      await store.remove(collection.child(name));
      removed.push(name);
    }
  }
  return removed;
}
