// The archive's conformance tests, run over every store: the two built in, and a store written
// here from the exported types alone, as a third party (S3, OPFS, a user's own) would write one.
import { join } from "node:path";
import type { AbsolutePath, GetOptions, RangeQuery, RangeRead, StoreWriter, WritableStore } from "@granule/zarr-opus";
import {
  ArchiveError,
  cleanupCollection,
  deleteRecording,
  importRecording,
  listRecordings,
  MemoryStore,
  openCollection,
  openRecording,
  verifyRecording,
} from "@granule/zarr-opus";
import { DirectoryStore } from "@granule/zarr-opus/node";
import { afterAll, describe, expect, it } from "vitest";
import { loadFixture } from "./fixtures.ts";
import { tempDir } from "./temp-dir.ts";

/**
 * A minimal store over a Map, written against the exported contract only: no base class, no
 * helper of the package. Objects are immutable byte arrays; a version counter tells replaced
 * objects apart. Every method completes in one turn of the event loop, which makes `rename`
 * and `createExclusive` atomic within the process, as the contract asks.
 */
class MapStore implements WritableStore {
  readonly description = "map store";
  private readonly objects = new Map<string, { bytes: Uint8Array; version: number; modified: number }>();
  private counter = 0;

  async get(key: AbsolutePath, options?: GetOptions): Promise<Uint8Array | undefined> {
    options?.signal?.throwIfAborted();
    return this.objects.get(key)?.bytes.slice();
  }

  async getRange(key: AbsolutePath, range: RangeQuery, options?: GetOptions): Promise<RangeRead | undefined> {
    options?.signal?.throwIfAborted();
    const entry = this.objects.get(key);
    if (entry === undefined) return undefined;
    const { bytes } = entry;
    const start = "suffixLength" in range ? Math.max(0, bytes.length - range.suffixLength) : range.offset;
    const end = "suffixLength" in range ? bytes.length : Math.min(bytes.length, range.offset + range.length);
    return { bytes: bytes.slice(start, end), size: bytes.length, version: String(entry.version) };
  }

  private put(key: string, bytes: Uint8Array): void {
    this.objects.set(key, { bytes: bytes.slice(), version: ++this.counter, modified: Date.now() });
  }

  async set(key: AbsolutePath, value: Uint8Array, options?: GetOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    this.put(key, value);
  }

  async createWriter(key: AbsolutePath): Promise<StoreWriter> {
    const parts: Uint8Array[] = [];
    return {
      write: async (bytes) => {
        parts.push(bytes.slice());
      },
      close: async () => {
        const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const part of parts) {
          whole.set(part, at);
          at += part.length;
        }
        this.put(key, whole);
      },
      abort: async () => {
        parts.length = 0;
      },
    };
  }

  async createExclusive(key: AbsolutePath, value: Uint8Array): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.put(key, value);
    return true;
  }

  private names(prefix: AbsolutePath, children: boolean): string[] {
    const base = prefix === "/" ? "/" : `${prefix}/`;
    const found = new Set<string>();
    for (const key of this.objects.keys()) {
      if (!key.startsWith(base)) continue;
      const rest = key.slice(base.length);
      const slash = rest.indexOf("/");
      if (children && slash > 0) found.add(rest.slice(0, slash));
      if (!children && slash < 0) found.add(rest);
    }
    return [...found].sort();
  }

  async listChildren(prefix: AbsolutePath): Promise<string[]> {
    return this.names(prefix, true);
  }

  async listObjects(prefix: AbsolutePath): Promise<string[]> {
    return this.names(prefix, false);
  }

  async rename(from: AbsolutePath, to: AbsolutePath): Promise<boolean> {
    const keys = [...this.objects.keys()];
    if (keys.some((key) => key.startsWith(`${to}/`))) return false;
    for (const key of keys) {
      if (!key.startsWith(`${from}/`)) continue;
      this.objects.set(`${to}/${key.slice(from.length + 1)}`, this.objects.get(key)!);
      this.objects.delete(key);
    }
    return true;
  }

  async remove(prefix: AbsolutePath): Promise<void> {
    for (const key of [...this.objects.keys()]) {
      if (key === prefix || key.startsWith(`${prefix}/`)) this.objects.delete(key);
    }
  }

  async modifiedAt(key: AbsolutePath): Promise<number | undefined> {
    return this.objects.get(key)?.modified;
  }

  /** Test access: damage an object in place. */
  corrupt(key: string, at: number): void {
    const entry = this.objects.get(key)!;
    entry.bytes[at]! ^= 0xff;
  }
}

const temp = tempDir();
afterAll(() => temp.remove());
let directories = 0;

const stores: [string, () => WritableStore][] = [
  ["a third-party store written from the exported types", () => new MapStore()],
  ["MemoryStore", () => new MemoryStore()],
  ["DirectoryStore", () => new DirectoryStore(join(temp.path, `archive-${++directories}`))],
];

const mono = loadFixture("ffmpeg-mono.opus");
const stereo = loadFixture("ffmpeg-stereo.opus");
const chained = loadFixture("chained.opus");

for (const [name, makeStore] of stores) {
  describe(`archive conformance over ${name}`, () => {
    it("imports, lists, opens and reads back the file byte for byte", async () => {
      const collection = await openCollection(makeStore(), { create: true });
      const { id } = await importRecording(collection, stereo, { chunkBytes: 4096, shardBytes: 16_384 });
      expect((await listRecordings(collection)).map((r) => [r.id, r.byteLength])).toEqual([[id, stereo.length]]);
      const recording = await openRecording(collection, id);
      expect([...(await recording.source.read(0, stereo.length))]).toEqual([...stereo]);
      expect([...(await recording.source.read(5000, 12_345))]).toEqual([...stereo.subarray(5000, 17_345)]);
    });

    it("imports the same file twice at once: one recording, the other import reports the duplicate", async () => {
      const collection = await openCollection(makeStore(), { create: true });
      const results = await Promise.allSettled([importRecording(collection, mono), importRecording(collection, mono)]);
      const fulfilled = results.filter((r) => r.status === "fulfilled");
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect([fulfilled.length, rejected.length]).toEqual([1, 1]);
      expect(rejected[0]!.reason).toBeInstanceOf(ArchiveError);
      expect(rejected[0]!.reason.code).toBe("duplicate");
      expect((await listRecordings(collection)).length).toBe(1);
    });

    it("imports different files at once under distinct ids", async () => {
      const collection = await openCollection(makeStore(), { create: true });
      const ids = await Promise.all(
        [mono, stereo, chained].map(async (b) => (await importRecording(collection, b)).id),
      );
      expect(new Set(ids).size).toBe(3);
      expect((await listRecordings(collection)).map((r) => r.id).sort()).toEqual([...ids].sort());
    });

    it("fails reads with changed, never another file's bytes, when a recording is replaced under an open reader", async () => {
      const collection = await openCollection(makeStore(), { create: true });
      const { id } = await importRecording(collection, stereo, { id: "site-a", chunkBytes: 4096, shardBytes: 8192 });
      const reader = await openRecording(collection, id);
      await reader.source.read(0, 100); // its first shard's index is read now
      await deleteRecording(collection, id);
      await importRecording(collection, chained, { id, chunkBytes: 4096, shardBytes: 8192 });
      for (const at of [0, 20_000]) {
        await expect(reader.source.read(at, 100)).rejects.toMatchObject({ code: "changed" });
      }
    });

    it("verifies a sound recording, and reports damage to its bytes", async () => {
      const store = makeStore();
      const collection = await openCollection(store, { create: true });
      const { id } = await importRecording(collection, mono);
      const report = await verifyRecording(collection, id);
      expect([report.ok, report.intact, report.problems]).toEqual([true, true, []]);
      // Damage one byte of the audio through the store itself.
      const key = `/${id}/ogg/c/0` as AbsolutePath;
      const bytes = (await store.get(key))!;
      bytes[2000]! ^= 0xff;
      await store.set(key, bytes);
      const damaged = await verifyRecording(collection, id);
      expect(damaged.intact).toBe(false);
      expect(damaged.problems.map((p) => p.code)).toContain("sha256-mismatch");
    });

    it("cleans up nothing of the user's, and no temporary prefix whose owner may still run", async () => {
      const store = makeStore();
      const collection = await openCollection(store, { create: true });
      await importRecording(collection, mono);
      const text = (t: string) => new TextEncoder().encode(t);
      await store.set("/notes.tmp" as AbsolutePath, text("mine"));
      await store.set("/zarr.json.tmp" as AbsolutePath, text("mine too"));
      // Another host's import in progress: nothing here can tell it is dead, and it is not a day old.
      await store.set("/.importing-otherhost-1-0123456789ab/ogg/c/0" as AbsolutePath, text("audio"));
      expect(await cleanupCollection(collection)).toEqual([]);
      for (const key of ["/notes.tmp", "/zarr.json.tmp", "/.importing-otherhost-1-0123456789ab/ogg/c/0"]) {
        expect(await store.get(key as AbsolutePath)).toBeDefined();
      }
    });
  });
}
