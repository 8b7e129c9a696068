import type { AbsolutePath, GetOptions, RangeQuery } from "@zarrita/storage";

export type { AbsolutePath, RangeQuery };

/**
 * Where an archive's keys live: a directory, memory, an HTTP server. Keys are zarrita's
 * absolute paths (`/site/000001/ogg/c/0`), so every store here is also a zarrita store.
 * `get` and `getRange` resolve to `undefined` for a key that does not exist; `getRange` may
 * return fewer bytes than asked when the object is shorter (callers check).
 */
export interface ReadableStore {
  /** Where the store is, for messages (a directory, a URL, "memory"). */
  readonly description: string;
  get(key: AbsolutePath, options?: GetOptions): Promise<Uint8Array | undefined>;
  getRange(key: AbsolutePath, range: RangeQuery, options?: GetOptions): Promise<Uint8Array | undefined>;
}

/** Writes a new object piece by piece, in order, without holding it whole. */
export interface StoreWriter {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/**
 * A store an importer can write to. The import protocol needs exactly these operations, with
 * these guarantees between processes sharing the store:
 * - `set` replaces an object atomically (readers see the old or the new bytes, never a mix);
 * - `rename` moves a whole prefix atomically and never replaces a non-empty destination;
 * - `listChildren` names the child prefixes ("directories") of a prefix.
 */
export interface WritableStore extends ReadableStore {
  set(key: AbsolutePath, value: Uint8Array): Promise<void>;
  /** Creates an object (failing if it exists) and returns a writer for its bytes. */
  createWriter(key: AbsolutePath): Promise<StoreWriter>;
  /**
   * Creates the object `key` with `value` only if no object is there, atomically between
   * processes (an exclusive create); resolves whether it did.
   */
  claim(key: AbsolutePath, value: Uint8Array): Promise<boolean>;
  listChildren(prefix: AbsolutePath): Promise<string[]>;
  /** Moves everything under `from` to `to`; resolves `false` when `to` already holds something. */
  rename(from: AbsolutePath, to: AbsolutePath): Promise<boolean>;
  /** Removes everything under `prefix` (no error if nothing is there). */
  remove(prefix: AbsolutePath): Promise<void>;
  /**
   * A fresh hidden name for a temporary prefix (`.importing-...`, `.deleting-...`) that
   * `isAbandoned` can later recognise as left by a process that died.
   */
  temporaryName(purpose: TemporaryPurpose): string;
  /** Whether the temporary prefix (made with a `temporaryName`) was left by a process that no longer runs. */
  isAbandoned(prefix: AbsolutePath): Promise<boolean>;
}

export type TemporaryPurpose = "importing" | "deleting";

export type ArchiveStore = ReadableStore | WritableStore;

export function isWritable(store: ArchiveStore): store is WritableStore {
  const candidate = store as Partial<WritableStore>;
  return typeof candidate.set === "function" && typeof candidate.rename === "function";
}

/** Joins path parts into an absolute key: `joinKey("/a", "b/c")` is `/a/b/c`. */
export function joinKey(...parts: string[]): AbsolutePath {
  const segments = parts.flatMap((part) => part.split("/")).filter((segment) => segment !== "");
  return `/${segments.join("/")}`;
}

/** A random hex string for temporary names (not security-sensitive). */
export function randomSuffix(): string {
  const bytes = new Uint8Array(6);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The total size of the object a ranged read came from, when the store learned it for free
 * (a file's size, an HTTP Content-Range total). Lets a reader check a shard's length against
 * its index without another request.
 */
const objectSizes = new WeakMap<Uint8Array, number>();

export function noteObjectSize(bytes: Uint8Array, size: number): Uint8Array {
  objectSizes.set(bytes, size);
  return bytes;
}

export function objectSizeOf(bytes: Uint8Array): number | undefined {
  return objectSizes.get(bytes);
}
