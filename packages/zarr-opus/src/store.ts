// These three are the same shapes as @zarrita/storage's, so any of our stores is a zarrita
// store. They are defined here rather than re-exported from there: our published .d.ts then
// never loads @zarrita/storage's types, which pull in unzipit's, and those do not type-check
// under `moduleResolution: nodenext` with `skipLibCheck: false` (nor load from a .d.cts, as
// @zarrita/storage has no `require` condition).

/** A key in a store: an absolute path such as `/site/000001/ogg/c/0`. */
export type AbsolutePath<Rest extends string = string> = `/${Rest}`;

/** A byte range of an object: `length` bytes from `offset`, or its last `suffixLength` bytes. */
export type RangeQuery = { offset: number; length: number } | { suffixLength: number };

/** Options every store read and write takes. */
export interface GetOptions {
  signal?: AbortSignal;
}

/**
 * The store contract: byte I/O on keys, nothing else. An archive's keys are absolute paths
 * (`/site/000001/ogg/c/0`), as zarrita names them. A new store (S3, OPFS, a user's own) is
 * written from these types alone; `zarritaStore(store)` turns any of them into a zarrita store.
 * Who owns a temporary name, and whether it is abandoned, is not a store's business: see
 * `leases.ts`, which uses stores through this contract.
 *
 * Every method rejects with the signal's reason once `options.signal` is aborted. Failures
 * other than "not there" reject with an `ArchiveError` (code `io`) or, for a server's fault, a
 * `ByteSourceError` of `@granule/byte-source`: never a code that says the archive is damaged.
 */
export interface ReadableStore {
  /** Where the store is, for messages (a directory, a URL, "memory"). */
  readonly description: string;
  /** The whole object, or `undefined` when there is none. */
  get(key: AbsolutePath, options?: GetOptions): Promise<Uint8Array | undefined>;
  /**
   * Part of an object: `{offset, length}` or the last `suffixLength` bytes. `bytes` may be
   * shorter than asked when the object is (callers check). `undefined` when there is no object.
   */
  getRange(key: AbsolutePath, range: RangeQuery, options?: GetOptions): Promise<RangeRead | undefined>;
}

/** What a ranged read returns: the bytes, and what the store learned about the object for free. */
export interface RangeRead {
  bytes: Uint8Array;
  /** The whole object's size (a file's size, an HTTP Content-Range total), when known. */
  size?: number;
  /**
   * A token that changes when the object is replaced (file identity and modification time, an
   * HTTP ETag), when known. Lets a reader notice that a shard it indexed earlier was replaced.
   */
  version?: string;
}

/** Writes a new object piece by piece, in order, without holding it whole. */
export interface StoreWriter {
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the object appear, whole. */
  close(): Promise<void>;
  /** Gives up: the object never appears. */
  abort(): Promise<void>;
}

/**
 * A store an importer can write to. The import protocol needs exactly these operations, with
 * these guarantees between processes sharing the store:
 * - `set` replaces an object atomically (readers see the old or the new bytes, never a mix);
 * - `createWriter` makes a new object appear whole when closed, or not at all;
 * - `createExclusive` creates an object only if none is there, atomically between processes;
 * - `rename` moves a whole prefix atomically and never replaces a non-empty destination;
 * - `listChildren` / `listObjects` name what is directly under a prefix.
 */
export interface WritableStore extends ReadableStore {
  set(key: AbsolutePath, value: Uint8Array, options?: GetOptions): Promise<void>;
  createWriter(key: AbsolutePath): Promise<StoreWriter>;
  /** Creates the object `key` holding `value` if no object is there; resolves whether it did. */
  createExclusive(key: AbsolutePath, value: Uint8Array): Promise<boolean>;
  /** The child prefixes ("directories") directly under `prefix`. */
  listChildren(prefix: AbsolutePath): Promise<string[]>;
  /** The objects (files) directly under `prefix`, without the child prefixes. */
  listObjects(prefix: AbsolutePath): Promise<string[]>;
  /** Whether `listObjects(prefix)` would name anything, where the store can tell without listing all. Optional. */
  hasObjects?(prefix: AbsolutePath): Promise<boolean>;
  /**
   * Moves everything under `from` to `to`; resolves `false` when `to` already holds something.
   * Any other failure rejects.
   */
  rename(from: AbsolutePath, to: AbsolutePath): Promise<boolean>;
  /** Removes everything under `prefix`, or the object `prefix` (no error if nothing is there). */
  remove(prefix: AbsolutePath): Promise<void>;
  /**
   * When the object or prefix `key` was last modified (ms since 1970), if the store can say;
   * `undefined` when nothing is there or the store keeps no times. Optional.
   */
  modifiedAt?(key: AbsolutePath): Promise<number | undefined>;
  /**
   * For each key, a token that changes whenever the object is written or edited (a file's size,
   * modification and change times), `undefined` where nothing is there. Cheaper than reading the
   * objects: a listing compares them with the tokens its manifest recorded, to read only what
   * changed since. Optional: without it every recording is read.
   */
  stamps?(keys: AbsolutePath[]): Promise<(string | undefined)[]>;
}

export type ArchiveStore = ReadableStore | WritableStore;

export function isWritable(store: ArchiveStore): store is WritableStore {
  const candidate = store as Partial<WritableStore>;
  return typeof candidate.set === "function" && typeof candidate.rename === "function";
}

/** Any store as a zarrita store (zarrita's `getRange` returns the bytes alone). */
export function zarritaStore(store: ReadableStore): {
  get(key: AbsolutePath, options?: GetOptions): Promise<Uint8Array | undefined>;
  getRange(key: AbsolutePath, range: RangeQuery, options?: GetOptions): Promise<Uint8Array | undefined>;
} {
  return {
    get: (key, options) => store.get(key, options),
    getRange: async (key, range, options) => (await store.getRange(key, range, options))?.bytes,
  };
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

/** The part of a range a store holding the whole object `bytes` returns. */
export function sliceRange(bytes: Uint8Array, range: RangeQuery): Uint8Array {
  return "suffixLength" in range
    ? bytes.subarray(Math.max(0, bytes.length - range.suffixLength))
    : bytes.subarray(range.offset, range.offset + range.length);
}
