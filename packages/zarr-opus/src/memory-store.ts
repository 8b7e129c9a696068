import type { GetOptions } from "@zarrita/storage";
import { ArchiveError } from "./errors.ts";
import {
  type AbsolutePath,
  lastSegment,
  noteObjectFacts,
  type OwnerState,
  type RangeQuery,
  randomSuffix,
  type StoreWriter,
  type TemporaryPurpose,
  type WritableStore,
} from "./store.ts";

/**
 * An archive held in memory: for tests, and for building an archive before copying it
 * elsewhere. It is a zarrita store too (`zarr.open(store)` works). Every operation completes
 * within one turn of the event loop, so `rename` is atomic for everything in this process.
 */
export class MemoryStore implements WritableStore {
  readonly description = "memory";
  /** Keys to bytes; exposed so tests can damage an archive on purpose. */
  readonly objects = new Map<string, Uint8Array>();
  /** Temporary prefixes whose import or deletion is still running. */
  private readonly active = new Set<string>();
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

  async getRange(key: AbsolutePath, range: RangeQuery, options?: GetOptions): Promise<Uint8Array | undefined> {
    options?.signal?.throwIfAborted();
    const bytes = this.objects.get(key);
    if (bytes === undefined) return undefined;
    const part =
      "suffixLength" in range
        ? bytes.subarray(Math.max(0, bytes.length - range.suffixLength))
        : bytes.subarray(range.offset, range.offset + range.length);
    return noteObjectFacts(part, { byteLength: bytes.length, version: this.versionOf(bytes) });
  }

  async set(key: AbsolutePath, value: Uint8Array): Promise<void> {
    this.objects.set(key, value.slice());
  }

  async createWriter(key: AbsolutePath): Promise<StoreWriter> {
    if (this.objects.has(key)) throw new ArchiveError("io", "the object exists already", { key });
    const parts: Uint8Array[] = [];
    return {
      write: async (bytes) => {
        parts.push(bytes.slice());
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

  async claim(key: AbsolutePath, value: Uint8Array): Promise<boolean> {
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
    this.active.delete(lastSegment(from));
    return true;
  }

  async remove(prefix: AbsolutePath): Promise<void> {
    const base = `${prefix}/`;
    for (const key of [...this.objects.keys()]) {
      if (key === prefix || key.startsWith(base)) this.objects.delete(key);
    }
    this.active.delete(lastSegment(prefix));
  }

  temporaryName(purpose: TemporaryPurpose): string {
    const name = `.${purpose}-${randomSuffix()}`;
    this.active.add(name);
    return name;
  }

  /** Everything runs in this process: a temporary name is in use exactly while it is active. */
  ownerState(key: string): OwnerState {
    const name = lastSegment(key);
    if (this.active.has(name)) return "running";
    return name.startsWith(".importing-") || name.startsWith(".deleting-") ? "gone" : "unknown";
  }

  async isAbandoned(key: AbsolutePath): Promise<boolean> {
    return this.ownerState(key) === "gone";
  }
}
