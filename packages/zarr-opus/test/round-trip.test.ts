import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { buildIndex, OpusError, writeSidecar } from "@granule/opus-index";
import {
  importRecording as importAnywhere,
  listRecordings as listAnywhere,
  MemoryStore,
  openCollection as openAnywhere,
  openRecording as openRecordingAnywhere,
  zarritaStore,
} from "@granule/zarr-opus";
import { importRecording, listRecordings, openCollection, openRecording } from "@granule/zarr-opus/node";
import FileSystemStore from "@zarrita/storage/fs";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { fixturePath, loadFixture, notOpusFixtures, opusFixtures } from "./fixtures.ts";
import { tempDir } from "./temp-dir.ts";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const temp = tempDir();
afterAll(() => temp.remove());

describe("round trip of every Ogg Opus fixture through a directory archive", async () => {
  const collection = await openCollection(join(temp.path, "all"), { create: true });
  for (const f of opusFixtures) {
    it(`${f.file}: plain zarrita reads back the file's exact bytes; the index is the one buildIndex makes`, async () => {
      // Small chunks and shards, so that every fixture spans several shards.
      const result = await importRecording(collection, fixturePath(f.file), {
        chunkBytes: 4096,
        shardBytes: 16_384,
        onDuplicate: "allow",
      });
      const array = await zarr.open.v3(
        zarr.root(new FileSystemStore(collection.store.description)).resolve(`${result.id}/ogg`),
        {
          kind: "array",
        },
      );
      const stored = await zarr.get(array);
      expect(stored.data.length).toBe(f.bytes);
      expect(sha256(stored.data as Uint8Array)).toBe(f.sha256);
      expect(result.summary.sha256).toBe(f.sha256);

      const opened = await openRecording(collection, result.id);
      const expected = await buildIndex(loadFixture(f.file), { workers: 0 });
      expect(writeSidecar(opened.index)).toEqual(writeSidecar(expected));
      // Where granules contradict the packets libopusfile's total can differ (see docs/opus-index.md, Damage).
      if (!/derived\/granule-(back|last-jump)/.test(f.file)) expect(opened.index.totalSamples).toBe(f.opus!.pcmTotal);
      expect(opened.index.links.length).toBe(f.opus!.linkCount);
      expect(opened.sampleRate).toBe(48_000);
      expect(sha256(await opened.source.read(0, opened.source.size))).toBe(f.sha256);
    });
  }
});

describe("round trip through a memory archive, read with plain zarrita from the same store", () => {
  for (const f of opusFixtures) {
    it(`${f.file}`, async () => {
      const store = new MemoryStore();
      const collection = await openAnywhere(store, { create: true });
      const { id } = await importAnywhere(collection, loadFixture(f.file), { chunkBytes: 1000, shardBytes: 7000 });
      const array = await zarr.open.v3(zarr.root(zarritaStore(store)).resolve(`/${id}/ogg`), { kind: "array" });
      expect(sha256((await zarr.get(array)).data as Uint8Array)).toBe(f.sha256);
      // A slice that starts and ends inside chunks of different shards.
      const part = await zarr.get(array, [zarr.slice(6500, Math.min(f.bytes, 15_123))]);
      expect([...(part.data as Uint8Array)]).toEqual([...loadFixture(f.file).subarray(6500, 15_123)]);
    });
  }
});

describe("ranged reads of the ogg array", () => {
  const file = "bitrate-510k.opus";
  const bytes = loadFixture(file);
  it("return exactly the file's bytes for any range, chunk size and shard size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9000 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.tuple(fc.nat({ max: bytes.length + 100 }), fc.nat({ max: 40_000 })), {
          minLength: 1,
          maxLength: 6,
        }),
        async (chunkBytes, chunksPerShard, ranges) => {
          const collection = await openAnywhere(new MemoryStore(), { create: true });
          const { id } = await importAnywhere(collection, bytes, {
            chunkBytes,
            shardBytes: chunkBytes * chunksPerShard,
          });
          const { source } = await openRecordingAnywhere(collection, id);
          for (const [offset, length] of ranges) {
            const got = await source.read(offset, length);
            expect([...got]).toEqual([...bytes.subarray(offset, offset + length)]);
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 30_000); // 1-byte chunks make thousands of objects: slow on a loaded machine, not wrong
});

describe("layout on disk", () => {
  it("stores a file smaller than a chunk as one shard: its bytes, then a one-entry index and its CRC-32C", async () => {
    const dir = join(temp.path, "small");
    const collection = await openCollection(dir, { create: true });
    const f = opusFixtures.find((x) => x.file === "ffmpeg-mono.opus")!;
    const { id } = await importRecording(collection, fixturePath(f.file));
    const shardPath = join(dir, id, "ogg", "c", "0");
    expect(statSync(shardPath).size).toBe(f.bytes + 16 + 4);
    expect(readdirSync(join(dir, id, "ogg", "c"))).toEqual(["0"]);
  });

  it("names recordings 000001, 000002, ... and lists them in that order", async () => {
    const dir = join(temp.path, "ids");
    const collection = await openCollection(dir, { create: true });
    const ids = [];
    for (const file of ["ffmpeg-mono.opus", "ffmpeg-stereo.opus", "opusenc-mono.opus"]) {
      ids.push((await importRecording(collection, fixturePath(file))).id);
    }
    expect(ids).toEqual(["000001", "000002", "000003"]);
    expect((await listRecordings(collection)).map((r) => r.id)).toEqual(ids);
    const explicit = await importRecording(collection, fixturePath("frame-60ms.opus"), { id: "site-a.2024" });
    expect(explicit.id).toBe("site-a.2024");
    expect((await importRecording(collection, fixturePath("frame-2.5ms.opus"))).id).toBe("000004");
  });

  it("counts only all-digit ids up to 2^53 - 1 as numbers: a huge explicit one leaves the automatic ids as they are", async () => {
    const store = new MemoryStore();
    const collection = await openAnywhere(store, { create: true });
    const huge = "99999999999999999999999";
    await importAnywhere(collection, loadFixture("ffmpeg-mono.opus"), { id: huge });
    expect((await importAnywhere(collection, loadFixture("ffmpeg-stereo.opus"))).id).toBe("000001");
    expect((await importAnywhere(collection, loadFixture("opusenc-mono.opus"), { id: "0042" })).id).toBe("0042");
    expect((await importAnywhere(collection, loadFixture("frame-60ms.opus"))).id).toBe("000043");
    expect((await listAnywhere(collection)).map((r) => r.id)).toEqual(["000001", "0042", "000043", huge]);
    const manifest = JSON.parse(new TextDecoder().decode(store.objects.get("/manifest/zarr.json")));
    expect(manifest.attributes.highestNumericId).toBe(43);
    // The last number there is: no automatic id is left after it.
    await importAnywhere(collection, loadFixture("frame-2.5ms.opus"), { id: String(Number.MAX_SAFE_INTEGER) });
    await expect(importAnywhere(collection, loadFixture("opusenc-stereo.opus"))).rejects.toMatchObject({
      code: "id-taken",
    });
    expect([...store.objects.keys()].filter((key) => key.includes(".importing-"))).toEqual([]);
  });
});

describe("files that are not Ogg Opus", () => {
  for (const f of notOpusFixtures) {
    it(`${f.file}: import fails with an OpusError and leaves nothing in the collection`, async () => {
      const store = new MemoryStore();
      const collection = await openAnywhere(store, { create: true });
      await expect(importAnywhere(collection, loadFixture(f.file))).rejects.toThrow(OpusError);
      expect([...store.objects.keys()]).toEqual(["/zarr.json"]);
    });
  }
});

describe("the CommonJS build", () => {
  it("loads with require() and imports into memory", async () => {
    const require = createRequire(import.meta.url);
    const cjs = require("@granule/zarr-opus") as typeof import("@granule/zarr-opus");
    const collection = await cjs.openCollection(new cjs.MemoryStore(), { create: true });
    const { id } = await cjs.importRecording(collection, loadFixture("ffmpeg-mono.opus"));
    const opened = await cjs.openRecording(collection, id);
    expect(opened.index.totalSamples).toBe(240_000);
  });
});
