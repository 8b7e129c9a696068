import type { Collection } from "./collection.ts";
import { MANIFEST_GROUP } from "./format.ts";
import { readRecordingEntry } from "./recording-entries.ts";
import type { RecordingInfo } from "./recording-schema.ts";
import type { AbsolutePath, WritableStore } from "./store.ts";

/**
 * The collection's content index (docs/format.md, "The content index"), kept in the manifest
 * group with the rest of the collection's derived data: what an importer needs to find a
 * duplicate without reading every recording. `manifest/sha256/<hex>` holds `{"id": ...}`, the
 * recording whose bytes hash to it; `manifest/bytes/<byteLength>/<id>` (empty) says a recording
 * of that size exists, so that a file is hashed before it is written only when a duplicate is possible.
 * Both are written under the file's claim right before the rename that commits the recording,
 * and removed with it. They are hints, never trusted alone: a hit is confirmed against the
 * recording's own attributes, and `refreshManifest` rebuilds entries a recording lacks (one
 * copied in by hand, say).
 */

const SHA256_FOLDER = `${MANIFEST_GROUP}/sha256`;
const BYTES_FOLDER = `${MANIFEST_GROUP}/bytes`;
const HIGHEST_ID = `${MANIFEST_GROUP}/highest-numeric-id`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const shaKey = (collection: Collection, sha256: string): AbsolutePath => collection.child(`${SHA256_FOLDER}/${sha256}`);
const bytesKey = (collection: Collection, byteLength: number, id?: string): AbsolutePath =>
  collection.child(`${BYTES_FOLDER}/${byteLength}${id === undefined ? "" : `/${id}`}`);

/** What the index knows a recording by: its bytes' hash, any other (its source's), its size. */
export interface IndexedRecording {
  id: string;
  sha256: string;
  byteLength: number;
  alsoKnownAs?: readonly string[];
  encodedFrom?: { sha256: string } | null;
}

function hashesOf(recording: IndexedRecording): string[] {
  return [
    recording.sha256,
    ...(recording.alsoKnownAs ?? []),
    ...(recording.encodedFrom ? [recording.encodedFrom.sha256] : []),
  ];
}

/** Whether some recording of the collection has `byteLength` bytes, by the index. */
export async function sizeIsKnown(collection: Collection, byteLength: number): Promise<boolean> {
  const store = collection.store as WritableStore;
  const key = bytesKey(collection, byteLength);
  return store.hasObjects ? store.hasObjects(key) : (await store.listObjects(key)).length > 0;
}

/**
 * The complete recording whose bytes hash to `sha256`, confirmed by its own attributes; undefined
 * when the index names none, or names one that is gone or holds other bytes (a stale entry).
 */
export async function recordingWithSha256(
  collection: Collection,
  sha256: string,
  signal?: AbortSignal,
): Promise<RecordingInfo | undefined> {
  const held = await collection.store.get(shaKey(collection, sha256), signal ? { signal } : undefined);
  if (held === undefined) return undefined;
  let id: unknown;
  try {
    id = (JSON.parse(decoder.decode(held)) as { id?: unknown }).id;
  } catch {
    return undefined;
  }
  if (typeof id !== "string") return undefined;
  const entry = await readRecordingEntry(collection, id, false, signal).catch(() => undefined);
  if (entry === undefined || !("summary" in entry)) return undefined;
  const { summary } = entry;
  return summary.sha256 === sha256 || summary.encodedFrom?.sha256 === sha256 ? summary : undefined;
}

/**
 * Enters a recording in the index: its hash names it (unless `keepExisting` and another
 * recording with those bytes is already named: duplicates stored on purpose), its size is known.
 */
export async function indexContent(
  collection: Collection,
  recording: IndexedRecording,
  keepExisting = false,
): Promise<void> {
  const store = collection.store as WritableStore;
  const value = encoder.encode(JSON.stringify({ id: recording.id }));
  for (const sha256 of hashesOf(recording)) {
    const key = shaKey(collection, sha256);
    if (keepExisting) await store.createExclusive(key, value);
    else await store.set(key, value);
  }
  await store.set(bytesKey(collection, recording.byteLength, recording.id), new Uint8Array(0));
}

/** Takes a recording out of the index (its hash entry only if it still names it). */
export async function unindexContent(collection: Collection, recording: IndexedRecording): Promise<void> {
  const store = collection.store as WritableStore;
  for (const sha256 of hashesOf(recording)) {
    const key = shaKey(collection, sha256);
    const held = await store.get(key);
    if (held !== undefined && decoder.decode(held) === JSON.stringify({ id: recording.id })) await store.remove(key);
  }
  await store.remove(bytesKey(collection, recording.byteLength, recording.id));
}

/**
 * The highest numeric id the collection has given, as last recorded (0 if never): a hint that
 * spares a commit listing the collection. Commits that find the id taken count on.
 */
export async function recordedHighestId(collection: Collection): Promise<number> {
  const held = await collection.store.get(collection.child(HIGHEST_ID));
  const value = held === undefined ? 0 : Number(decoder.decode(held).trim());
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/** Records that numeric id `n` was given (never lowering what is recorded, as far as a race allows). */
export async function recordHighestId(collection: Collection, n: number): Promise<void> {
  if (n <= (await recordedHighestId(collection))) return;
  await (collection.store as WritableStore).set(collection.child(HIGHEST_ID), encoder.encode(`${n}\n`));
}
