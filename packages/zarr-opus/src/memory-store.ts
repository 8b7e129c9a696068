import { ArchiveError } from "./errors.ts";
import {
  type AbsolutePath,
  type GetOptions,
  type RangeQuery,
  type RangeRead,
  type StoreWriter,
  sliceRange,
  type WritableStore,
} from "./store.ts";

/**
 * An archive held in memory: for tests, and for building an archive before copying it
 * elsewhere (`zarr.root(zarritaStore(store))` reads it with zarrita). Every operation completes
 * within one turn of the event loop, so `rename` is atomic for everything in this process.
 */
export class MemoryStore implements WritableStore {
  readonly description = "memory";
  /** Keys to bytes; exposed so tests can damage an archive on purpose. */
  readonly objects = new Map<string, Uint8Array>();
  /** A version number for each object stored, so that a replaced object is told apart. */
  private readonly versions = new WeakMap<Uint8Array, number>();
  private nextVersion = 1;

  private versionOf(bytes: Uint8Array): string {
    let version = this.versions.get(bytes);
    if (version === undefined) {
      version = this.nextVersion++;
      this.versions.set(bytes, version);
    }
    return String(version);
  }

  async get(key: AbsolutePath, options?: GetOptions): Promise<Uint8Array | undefined> {
    options?.signal?.throwIfAborted();
    return this.objects.get(key);
  }

  async getRange(key: AbsolutePath, range: RangeQuery, options?: GetOptions): Promise<RangeRead | undefined> {
    options?.signal?.throwIfAborted();
    const bytes = this.objects.get(key);
    if (bytes === undefined) return undefined;
    return { bytes: sliceRange(bytes, range), size: bytes.length, version: this.versionOf(bytes) };
  }

  async set(key: AbsolutePath, value: Uint8Array, options?: GetOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    this.objects.set(key, value.slice());
  }

  async createWriter(key: AbsolutePath): Promise<StoreWriter> {
    if (this.objects.has(key)) throw new ArchiveError("io", "the object exists already", { key });
    const parts: Uint8Array[] = [];
    return {
      write: async (bytes) => {
        parts.push(bytes.slice());
      },
      abort: async () => {
        parts.length = 0;
      },
      close: async () => {
        let length = 0;
        for (const part of parts) length += part.length;
        const whole = new Uint8Array(length);
        let at = 0;
        for (const part of parts) {
          whole.set(part, at);
          at += part.length;
        }
        this.objects.set(key, whole);
      },
    };
  }

  async createExclusive(key: AbsolutePath, value: Uint8Array): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.objects.set(key, value.slice());
    return true;
  }

  async listChildren(prefix: AbsolutePath): Promise<string[]> {
    const base = prefix.endsWith("/") ? prefix : `${prefix}/`;
    const names = new Set<string>();
    for (const key of this.objects.keys()) {
      if (!key.startsWith(base)) continue;
      const rest = key.slice(base.length);
      const slash = rest.indexOf("/");
      if (slash > 0) names.add(rest.slice(0, slash));
    }
    return [...names].sort();
  }

  async listObjects(prefix: AbsolutePath): Promise<string[]> {
    const base = prefix.endsWith("/") ? prefix : `${prefix}/`;
    const names: string[] = [];
    for (const key of this.objects.keys()) {
      if (key.startsWith(base) && !key.includes("/", base.length)) names.push(key.slice(base.length));
    }
    return names.sort();
  }

  async rename(from: AbsolutePath, to: AbsolutePath): Promise<boolean> {
    const fromBase = `${from}/`;
    const toBase = `${to}/`;
    for (const key of this.objects.keys()) if (key.startsWith(toBase)) return false;
    for (const [key, value] of [...this.objects]) {
      if (!key.startsWith(fromBase)) continue;
      this.objects.delete(key);
      this.objects.set(toBase + key.slice(fromBase.length), value);
    }
    return true;
  }

  /** Size and a hash of the bytes: tests edit objects in place, which no version number would see. */
  async stamps(keys: AbsolutePath[]): Promise<(string | undefined)[]> {
    return keys.map((key) => {
      const bytes = this.objects.get(key);
      if (bytes === undefined) return undefined;
      let hash = 0x811c9dc5;
      for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193);
      return `${bytes.length}:${(hash >>> 0).toString(16)}`;
    });
  }

  async remove(prefix: AbsolutePath): Promise<void> {
    const base = `${prefix}/`;
    for (const key of [...this.objects.keys()]) {
      if (key === prefix || key.startsWith(base)) this.objects.delete(key);
    }
  }
}
