import type { GetOptions } from "@zarrita/storage";
import { ArchiveError } from "./errors.ts";
import {
  type AbsolutePath,
  noteObjectSize,
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

  async get(key: AbsolutePath, _options?: GetOptions): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }

  async getRange(key: AbsolutePath, range: RangeQuery, _options?: GetOptions): Promise<Uint8Array | undefined> {
    const bytes = this.objects.get(key);
    if (bytes === undefined) return undefined;
    const part =
      "suffixLength" in range
        ? bytes.subarray(Math.max(0, bytes.length - range.suffixLength))
        : bytes.subarray(range.offset, range.offset + range.length);
    return noteObjectSize(part, bytes.length);
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

  async isAbandoned(prefix: AbsolutePath): Promise<boolean> {
    return !this.active.has(lastSegment(prefix));
  }
}

function lastSegment(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}
