// The content index: duplicates found without reading every recording, and the cost of an
// import that does not grow with the collection.
import type { AbsolutePath, GetOptions } from "@granule/zarr-opus";
import {
  deleteRecording,
  importRecording,
  listRecordings,
  MemoryStore,
  openCollection,
  refreshManifest,
} from "@granule/zarr-opus";
import { describe, expect, it } from "vitest";
import { loadFixture } from "./fixtures.ts";
import { longOpus } from "./long-opus.ts";

/** A memory store that counts reads of recordings' own `zarr.json`. */
class CountingStore extends MemoryStore {
  recordingReads = 0;
  override get(key: AbsolutePath, options?: GetOptions) {
    if (/^\/\d{6}\/zarr\.json$/.test(key)) this.recordingReads++;
    return super.get(key, options);
  }
}

const distinct = (n: number) => Array.from({ length: n }, (_, i) => longOpus(1, 1000 + i));

describe("the content index", () => {
  it("finds a duplicate without reading the other recordings' attributes", async () => {
    const store = new CountingStore();
    const collection = await openCollection(store, { create: true });
    for (const bytes of distinct(12)) await importRecording(collection, bytes, { refreshManifest: false });
    await refreshManifest(collection, { full: false });
    store.recordingReads = 0;
    const again = distinct(12)[5]!;
    await expect(importRecording(collection, again, { refreshManifest: false })).rejects.toMatchObject({
      code: "duplicate",
      id: "000006",
    });
    // Only the recording the index names is read, to confirm it.
    expect(store.recordingReads).toBe(1);
  });

  it("imports of a batch and one incremental refresh read only the new recordings", async () => {
    const store = new CountingStore();
    const collection = await openCollection(store, { create: true });
    const files = distinct(20);
    for (const bytes of files.slice(0, 15)) await importRecording(collection, bytes, { refreshManifest: false });
    await refreshManifest(collection, { full: false });
    store.recordingReads = 0;
    for (const bytes of files.slice(15)) await importRecording(collection, bytes, { refreshManifest: false });
    expect(store.recordingReads).toBe(0);
    expect(await refreshManifest(collection, { full: false })).toMatchObject({ settled: true, recordings: 20 });
    expect(store.recordingReads).toBe(5);
    expect((await listRecordings(collection)).map((r) => r.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(6, "0")),
    );
  });

  it("a stale entry never makes a false duplicate: it names a deleted recording, or one with other bytes", async () => {
    const store = new MemoryStore();
    const collection = await openCollection(store, { create: true });
    const mono = loadFixture("ffmpeg-mono.opus");
    const { id } = await importRecording(collection, mono);
    const entry = [...store.objects.keys()].find((k) => k.startsWith("/manifest/sha256/"))!;
    const held = store.objects.get(entry)!;
    await deleteRecording(collection, id);
    store.objects.set(entry, held); // as if the deletion had been killed before removing it
    expect((await importRecording(collection, mono)).id).toBe("000002");
    // Now make it name a recording of other bytes.
    const { id: other } = await importRecording(collection, loadFixture("ffmpeg-stereo.opus"));
    store.objects.set(entry, new TextEncoder().encode(JSON.stringify({ id: other })));
    await expect(importRecording(collection, mono)).resolves.toMatchObject({ skipped: false });
  });

  it("a recording copied in by hand is found as a duplicate once a full refresh has indexed it", async () => {
    const store = new MemoryStore();
    const collection = await openCollection(store, { create: true });
    const mono = loadFixture("ffmpeg-mono.opus");
    await importRecording(collection, mono);
    for (const key of [...store.objects.keys()]) {
      if (key.startsWith("/manifest/sha256/") || key.startsWith("/manifest/bytes/")) store.objects.delete(key);
    }
    await refreshManifest(collection);
    await expect(importRecording(collection, mono)).rejects.toMatchObject({ code: "duplicate", id: "000001" });
  });

  it("deleted ids are never given again, with or without a manifest refresh", async () => {
    const collection = await openCollection(new MemoryStore(), { create: true });
    const files = distinct(3);
    await importRecording(collection, files[0]!, { refreshManifest: false });
    const { id } = await importRecording(collection, files[1]!, { refreshManifest: false });
    await deleteRecording(collection, id);
    expect((await importRecording(collection, files[2]!, { refreshManifest: false })).id).toBe("000003");
  });
});
