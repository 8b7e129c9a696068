import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ArchiveError,
  importRecording as importAnywhere,
  MemoryStore,
  openCollection as openAnywhere,
} from "@granule/zarr-opus";
import { importRecording, listRecordings, openCollection } from "@granule/zarr-opus/node";
import { afterAll, describe, expect, it } from "vitest";
import { facts, fixturePath, loadFixture } from "./fixtures.ts";
import { tempDir } from "./temp-dir.ts";

const temp = tempDir();
afterAll(() => temp.remove());

describe("duplicates (same SHA-256 anywhere in the collection)", () => {
  it("are refused by default, leaving the collection unchanged", async () => {
    const store = new MemoryStore();
    const collection = await openAnywhere(store, { create: true });
    await importAnywhere(collection, loadFixture("ffmpeg-mono.opus"));
    const before = [...store.objects.keys()].sort();
    const error = await importAnywhere(collection, loadFixture("ffmpeg-mono.opus"), { sourceName: "copy.opus" }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ArchiveError);
    expect([error.code, error.id]).toEqual(["duplicate", "000001"]);
    expect([...store.objects.keys()].sort()).toEqual(before);
  });

  it("are skipped with onDuplicate: skip, which returns the recording already there", async () => {
    const collection = await openAnywhere(new MemoryStore(), { create: true });
    const first = await importAnywhere(collection, loadFixture("ffmpeg-stereo.opus"));
    const again = await importAnywhere(collection, loadFixture("ffmpeg-stereo.opus"), { onDuplicate: "skip" });
    expect(again).toEqual({ id: first.id, skipped: true, summary: first.summary, manifestUpdated: false });
    const { listRecordings: list } = await import("@granule/zarr-opus");
    expect((await list(collection)).length).toBe(1);
  });

  it("are stored again under a new id with onDuplicate: allow", async () => {
    const collection = await openAnywhere(new MemoryStore(), { create: true });
    await importAnywhere(collection, loadFixture("ffmpeg-stereo.opus"));
    const copy = await importAnywhere(collection, loadFixture("ffmpeg-stereo.opus"), { onDuplicate: "allow" });
    expect([copy.id, copy.skipped]).toEqual(["000002", false]);
  });

  it("are told apart from different files of the same size", async () => {
    // bad-crc.opus and offset-start.opus have exactly the bytes count of ffmpeg-mono.opus.
    const collection = await openAnywhere(new MemoryStore(), { create: true });
    const ids = [];
    for (const file of ["ffmpeg-mono.opus", "derived/bad-crc.opus", "derived/offset-start.opus"]) {
      ids.push((await importAnywhere(collection, loadFixture(file))).id);
    }
    expect(ids).toEqual(["000001", "000002", "000003"]);
  });

  it("refuses an explicit id that is taken, before reading the source", async () => {
    const collection = await openAnywhere(new MemoryStore(), { create: true });
    await importAnywhere(collection, loadFixture("ffmpeg-mono.opus"), { id: "dawn" });
    await expect(importAnywhere(collection, loadFixture("ffmpeg-stereo.opus"), { id: "dawn" })).rejects.toMatchObject({
      code: "id-taken",
      id: "dawn",
    });
    for (const bad of ["", ".hidden", "_x", "a/b", "manifest", "x".repeat(129)]) {
      await expect(importAnywhere(collection, loadFixture("ffmpeg-stereo.opus"), { id: bad })).rejects.toMatchObject({
        code: "invalid-id",
      });
    }
  });

  it("are found from the recordings' own attributes, never from the manifest", async () => {
    const dir = join(temp.path, "manifest-lies");
    const collection = await openCollection(dir, { create: true });
    await importRecording(collection, fixturePath("ffmpeg-mono.opus"));
    // A manifest that says recording 000001 is bad-crc.opus (the same size, other bytes).
    const crc = facts.find((f) => f.file === "derived/bad-crc.opus")!;
    const path = join(dir, "manifest", "zarr.json");
    const manifest = JSON.parse(readFileSync(path, "utf8"));
    manifest.attributes.recordings[0].sha256 = crc.sha256;
    writeFileSync(path, JSON.stringify(manifest));
    const imported = await importRecording(collection, fixturePath(crc.file));
    expect([imported.id, imported.skipped]).toEqual(["000002", false]);
    // And the other way round: the file that is there is found though the manifest denies it.
    manifest.attributes.recordings = [];
    writeFileSync(path, JSON.stringify(manifest));
    await expect(importRecording(collection, fixturePath("ffmpeg-mono.opus"))).rejects.toMatchObject({
      code: "duplicate",
      id: "000001",
    });
  });

  it("imported twice at once leave exactly one recording: the other import reports the duplicate", async () => {
    const collection = await openCollection(join(temp.path, "race"), { create: true });
    const results = await Promise.allSettled([
      importRecording(collection, fixturePath("bitrate-510k.opus"), { chunkBytes: 1024, shardBytes: 4096 }),
      importRecording(collection, fixturePath("bitrate-510k.opus"), { chunkBytes: 1024, shardBytes: 4096 }),
    ]);
    const fulfilled = results.filter((r) => r.status === "fulfilled");
    const rejected = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    expect(fulfilled.length).toBe(1);
    expect(rejected.map((r) => (r.reason as ArchiveError).code)).toEqual(["duplicate"]);
    expect((await listRecordings(collection)).map((r) => r.id)).toEqual(["000001"]);
  });
});
