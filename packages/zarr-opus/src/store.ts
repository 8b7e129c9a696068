import type { AbsolutePath, GetOptions, RangeQuery } from "@zarrita/storage";

export type { AbsolutePath, RangeQuery };

/**
 * Where an archive's keys live: a directory, memory, an HTTP server. Keys are zarrita's
 * absolute paths (`/site/000001/ogg/c/0`), so every store here is also a zarrita store.
 * `get` and `getRange` resolve to `undefined` for a key that does not exist; `getRange` may
 * return fewer bytes than asked when the object is shorter (callers check), and notes what it
 * learned about the object on the bytes (`noteObjectFacts`). Both reject with the signal's
 * reason once `options.signal` is aborted.
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
  /** Names the objects (files) directly under `prefix`, without the child prefixes. */
  listObjects(prefix: AbsolutePath): Promise<string[]>;
  /**
   * Moves everything under `from` to `to`; resolves `false` when `to` already holds something.
   * Any other failure rejects (an `ArchiveError` with code `io`).
   */
  rename(from: AbsolutePath, to: AbsolutePath): Promise<boolean>;
  /** Removes everything under `prefix`, or the object `prefix` (no error if nothing is there). */
  remove(prefix: AbsolutePath): Promise<void>;
  /**
   * A fresh hidden name for a temporary prefix (`.importing-...`, `.deleting-...`) that
   * `ownerState` and `isAbandoned` can later tell about.
   */
  temporaryName(purpose: TemporaryPurpose): string;
  /**
   * Whether the process that made a temporary name (a prefix from `temporaryName`, or a
   * temporary object of `set`) still runs: `running`, `gone`, or `unknown` when this process
   * cannot tell (another host's).
   */
  ownerState(key: string): OwnerState;
  /**
   * Whether a temporary prefix or object was left by a process that no longer runs: its owner
   * is `gone`, or it is older than a day (another host's, or a process id in use again).
   */
  isAbandoned(key: AbsolutePath): Promise<boolean>;
}

export type OwnerState = "running" | "gone" | "unknown";

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

/** The last segment of a key: `lastSegment("/a/b")` is `b`. */
export function lastSegment(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/**
 * What a store learned for free about the object a ranged read came from: its total size (a
 * file's size, an HTTP Content-Range total) and a version token that changes when the object is
 * replaced (file identity and modification time, an HTTP ETag). Lets a reader check a shard's
 * length against its index without another request, and notice that a shard it indexed earlier
 * was replaced (its recording deleted and another imported under the same id).
 */
export interface ObjectFacts {
  byteLength?: number;
  version?: string;
}

const objectFacts = new WeakMap<Uint8Array, ObjectFacts>();

export function noteObjectFacts(bytes: Uint8Array, facts: ObjectFacts): Uint8Array {
  objectFacts.set(bytes, facts);
  return bytes;
}

export function objectFactsOf(bytes: Uint8Array): ObjectFacts {
  return objectFacts.get(bytes) ?? {};
}
