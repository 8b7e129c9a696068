import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { type ByteSource, bufferSource } from "@granule/opus-index";
import {
  type AbsolutePath,
  cleanupCollection,
  DirectoryStore,
  deleteRecording,
  importRecording,
  listRecordings,
  MemoryStore,
  openCollection,
  openRecording,
  refreshManifest,
  verifyRecording,
} from "@granule/zarr-opus/node";
import { afterAll, describe, expect, it } from "vitest";
import { fixturePath, loadFixture } from "./fixtures.ts";
import { longOpus } from "./long-opus.ts";
import { tempDir } from "./temp-dir.ts";

const temp = tempDir();
afterAll(() => temp.remove());
const long = longOpus(600); // 10 minutes, about 13.8 MB

/** A source that records every read. */
function recorded(bytes: Uint8Array): ByteSource & { reads: [number, number][] } {
  const inner = bufferSource(bytes);
  const reads: [number, number][] = [];
  return {
    size: inner.size,
    reads,
    read: (byteOffset, byteLength, signal) => {
      reads.push([byteOffset, Math.min(byteLength, bytes.length - byteOffset)]);
      return inner.read(byteOffset, byteLength, signal);
    },
  };
}

describe("one pass over the source", () => {
  it("hashes, stores and indexes from one sweep: batches overlap only by a page's look-ahead", async () => {
    const collection = await openCollection(join(temp.path, "one-pass"), { create: true });
    const source = recorded(long);
    await importRecording(collection, source, { workers: 0 });
    const batchBytes = 2 << 20; // buildIndex's batch on the calling thread (8 MiB for workers)
    const batches = Math.ceil(long.length / batchBytes);
    const total = source.reads.reduce((sum, [, length]) => sum + length, 0);
    // The batch reads, in order, plus the header packets the indexer re-reads (a few hundred bytes).
    expect(source.reads.slice(0, batches).map(([offset]) => offset)).toEqual(
      Array.from({ length: batches }, (_, j) => j * batchBytes),
    );
    expect(total).toBeLessThanOrEqual(long.length + (batches - 1) * 65_306 + 4096);
  });

  it("writes behind the scan without a byte of a later batch: a file read into reused buffers, a slow store", async () => {
    // Each write of the `ogg` array waits before it writes what it was given: had the indexer
    // read the next batch into a buffer still being written, the stored bytes would differ from
    // the hashed ones and verify would say so.
    class SlowWrites extends DirectoryStore {
      override async createWriter(key: AbsolutePath) {
        const writer = await super.createWriter(key);
        return {
          ...writer,
          write: async (bytes: Uint8Array) => {
            await new Promise((resolve) => setTimeout(resolve, 3));
            await writer.write(bytes);
          },
        };
      }
    }
    const path = join(temp.path, "slow-writes.opus");
    writeFileSync(path, long);
    const collection = await openCollection(new SlowWrites(join(temp.path, "slow-writes.zarr")), { create: true });
    const { id } = await importRecording(collection, path, { workers: 0, batchBytes: 256 << 10, chunkBytes: 1 << 16 });
    const report = await verifyRecording(collection, id);
    expect(report.sha256.actual).toBe(report.sha256.expected);
    expect(report.ok).toBe(true);
  });

  it.each([
    ["the fifth write", (count: number) => count === 5],
    [
      "the write of the last batch (seen only once the scan has ended)",
      (_count: number, end: number) => end >= long.length,
    ],
  ])("a write behind the scan that fails (%s) fails the import, leaving nothing", async (_, fails) => {
    class FailingWrites extends DirectoryStore {
      count = 0;
      bytes = 0;
      override async createWriter(key: AbsolutePath) {
        const writer = await super.createWriter(key);
        return {
          ...writer,
          write: async (bytes: Uint8Array) => {
            this.count++;
            this.bytes += bytes.length;
            await new Promise((resolve) => setTimeout(resolve, 2));
            if (fails(this.count, this.bytes)) throw new Error("ENOSPC: no space left on device");
            await writer.write(bytes);
          },
        };
      }
    }
    const path = join(temp.path, "failing-writes.opus");
    writeFileSync(path, long);
    const dir = join(temp.path, `failing-writes-${fails.length}.zarr`);
    const collection = await openCollection(new FailingWrites(dir), { create: true });
    const result = importRecording(collection, path, { workers: 0, batchBytes: 256 << 10, chunkBytes: 1 << 16 });
    await expect(result).rejects.toThrow(/ENOSPC/);
    expect(readdirSync(dir).sort()).toEqual(["zarr.json"]);
  });

  it("reads a file twice only when one of the same size is in the collection (to skip a duplicate without writing)", async () => {
    const collection = await openCollection(join(temp.path, "same-size"), { create: true });
    await importRecording(collection, fixturePath("ffmpeg-mono.opus"));
    const source = recorded(loadFixture("derived/bad-crc.opus")); // same size, other bytes
    await importRecording(collection, source, { workers: 0 });
    const total = source.reads.reduce((sum, [, length]) => sum + length, 0);
    expect(total).toBeGreaterThanOrEqual(2 * 44_431);
  });
});

describe("progress and abort", () => {
  it("reports progress up to the whole size", async () => {
    const collection = await openCollection(join(temp.path, "progress"), { create: true });
    const seen: number[] = [];
    await importRecording(collection, long, {
      batchBytes: 1 << 20,
      onProgress: ({ bytesDone, bytesTotal }) => {
        expect(bytesTotal).toBe(long.length);
        seen.push(bytesDone);
      },
    });
    expect(seen.length).toBeGreaterThanOrEqual(13);
    expect(seen.every((value, i) => i === 0 || value > seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(long.length);
  });

  it("stops on abort, leaving no trace", async () => {
    const dir = join(temp.path, "abort");
    const collection = await openCollection(dir, { create: true });
    const controller = new AbortController();
    const reason = new Error("stop");
    const result = importRecording(collection, long, {
      batchBytes: 1 << 20,
      workers: 0,
      signal: controller.signal,
      onProgress: ({ bytesDone }) => {
        if (bytesDone > 4 << 20) controller.abort(reason);
      },
    });
    await expect(result).rejects.toBe(reason);
    expect(readdirSync(dir).sort()).toEqual(["zarr.json"]);
  });
});

describe("deleteRecording", () => {
  it("removes a recording from sight and disk, and its id is never given again", async () => {
    const dir = join(temp.path, "delete");
    const collection = await openCollection(dir, { create: true });
    await importRecording(collection, fixturePath("ffmpeg-mono.opus"));
    await importRecording(collection, fixturePath("ffmpeg-stereo.opus"));
    const reader = await openRecording(collection, "000002");
    await deleteRecording(collection, "000002");
    expect((await listRecordings(collection)).map((r) => r.id)).toEqual(["000001"]);
    expect(readdirSync(dir).sort()).toEqual(["000001", "manifest", "zarr.json"]);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest", "zarr.json"), "utf8")).attributes;
    expect([manifest.highestNumericId, manifest.recordings.map((r: { id: string }) => r.id)]).toEqual([2, ["000001"]]);
    // A reader that had it open gets a typed error, not bytes.
    await expect(reader.source.read(0, 100)).rejects.toMatchObject({ name: "ArchiveError", code: "missing-chunk" });
    expect((await importRecording(collection, fixturePath("opusenc-mono.opus"))).id).toBe("000003");
    await expect(deleteRecording(collection, "000002")).rejects.toMatchObject({ code: "not-found" });
    await expect(deleteRecording(collection, "manifest")).rejects.toMatchObject({ code: "invalid-id" });
  });

  it("refuses to delete a group that is not a recording", async () => {
    const dir = join(temp.path, "delete-other");
    const collection = await openCollection(dir, { create: true });
    mkdirSync(join(dir, "notes"));
    writeFileSync(join(dir, "notes", "zarr.json"), '{"zarr_format":3,"node_type":"group","attributes":{}}');
    await expect(deleteRecording(collection, "notes")).rejects.toMatchObject({ code: "not-a-recording" });
    expect(existsSync(join(dir, "notes", "zarr.json"))).toBe(true);
    expect(await listRecordings(collection)).toEqual([]);
  });
});

describe("the claim that serialises imports of the same file", () => {
  const sha = "2b701082c3227b12b6acd14aaddabd0e39ddae533f06a29a62de670ae8c661b7"; // ffmpeg-mono.opus
  const host = hostname().replace(/[^A-Za-z0-9]/g, "") || "host";
  // The test runner's parent: a live process of this host.
  const liveOwner = `/.importing-${host}-${process.ppid}-0123456789ab`;
  const decode = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));

  it("is released after the commit, and taken over from an owner that died", async () => {
    const dir = join(temp.path, "claims");
    const collection = await openCollection(dir, { create: true });
    const deadOwner = `.importing-${host}-9999999-0123456789ab`;
    mkdirSync(join(dir, deadOwner));
    writeFileSync(join(dir, `.claim-${sha}`), JSON.stringify({ owner: `/${deadOwner}`, claimedAt: Date.now() }));
    const started = Date.now();
    const { id } = await importRecording(collection, fixturePath("ffmpeg-mono.opus"));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(id).toBe("000001");
    expect(readdirSync(dir).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("of another host is taken over once it has stayed unchanged for 5 s and is over 30 s old", async () => {
    const dir = join(temp.path, "old-claim");
    const collection = await openCollection(dir, { create: true });
    const claim = { owner: "/.importing-elsewhere-1-0123456789ab", claimedAt: Date.now() - 31_000 };
    writeFileSync(join(dir, `.claim-${sha}`), JSON.stringify(claim));
    const started = Date.now();
    expect((await importRecording(collection, fixturePath("ffmpeg-mono.opus"))).id).toBe("000001");
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900); // 5 s by another clock than Date.now()
    expect(existsSync(join(dir, `.claim-${sha}`))).toBe(false);
  }, 15_000);

  it("held by another import: waiting for it stops on abort with the signal's reason, leaving nothing", async () => {
    const dir = join(temp.path, "wait-abort");
    const collection = await openCollection(dir, { create: true });
    const claim = JSON.stringify({ owner: liveOwner, claimedAt: Date.now() });
    writeFileSync(join(dir, `.claim-${sha}`), claim);
    const controller = new AbortController();
    const reason = new Error("stop waiting");
    setTimeout(() => controller.abort(reason), 300);
    const started = Date.now();
    await expect(
      importRecording(collection, fixturePath("ffmpeg-mono.opus"), { signal: controller.signal }),
    ).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(readdirSync(dir).sort()).toEqual([`.claim-${sha}`, "zarr.json"]);
  });

  it("of a live process of this host is never taken over for its age; waiting for it stops on abort", async () => {
    const dir = join(temp.path, "live-claim");
    const collection = await openCollection(dir, { create: true });
    const claim = JSON.stringify({ owner: liveOwner, claimedAt: Date.now() - 60_000 });
    writeFileSync(join(dir, `.claim-${sha}`), claim);
    const controller = new AbortController();
    const reason = new Error("stop waiting");
    setTimeout(() => controller.abort(reason), 300);
    const started = Date.now();
    const result = importRecording(collection, fixturePath("ffmpeg-mono.opus"), { signal: controller.signal });
    await expect(result).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(2000);
    // Nothing of the import is left; the claim is the live owner's still.
    expect(readdirSync(dir).sort()).toEqual([`.claim-${sha}`, "zarr.json"]);
    expect(readFileSync(join(dir, `.claim-${sha}`), "utf8")).toBe(claim);
  });

  it("aborted after the claim is taken: nothing is committed, the claim is released", async () => {
    const controller = new AbortController();
    const reason = new Error("stop committing");
    class AbortOnClaim extends MemoryStore {
      override async createExclusive(key: AbsolutePath, value: Uint8Array) {
        const taken = await super.createExclusive(key, value);
        if (taken) controller.abort(reason);
        return taken;
      }
    }
    const store = new AbortOnClaim();
    const collection = await openCollection(store, { create: true });
    const result = importRecording(collection, loadFixture("ffmpeg-mono.opus"), { signal: controller.signal });
    await expect(result).rejects.toBe(reason);
    expect([...store.objects.keys()]).toEqual(["/zarr.json"]);
  });

  it("is refreshed while the commit runs, and released only if it still names the import", async () => {
    const claimKey = `/.claim-${sha}` as AbsolutePath;
    const seen: (string | undefined)[] = [];
    const other = JSON.stringify({ owner: liveOwner, claimedAt: Date.now() });
    // A slow rename: waits for the claim to be refreshed, then another import takes it over.
    class SlowRename extends MemoryStore {
      override async rename(from: AbsolutePath, to: AbsolutePath) {
        if (from.includes(".importing-")) {
          const before = decode(this.objects.get(claimKey));
          const deadline = Date.now() + 3000;
          while (decode(this.objects.get(claimKey)) === before && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          seen.push(before, decode(this.objects.get(claimKey)));
          this.objects.set(claimKey, new TextEncoder().encode(other));
        }
        return super.rename(from, to);
      }
    }
    const store = new SlowRename();
    const collection = await openCollection(store, { create: true });
    expect((await importRecording(collection, loadFixture("ffmpeg-mono.opus"))).id).toBe("000001");
    const [before, after] = seen.map((text) => JSON.parse(text!) as { owner: string; claimedAt: number });
    expect(after!.owner).toBe(before!.owner);
    expect(after!.claimedAt).toBeGreaterThan(before!.claimedAt);
    expect(decode(store.objects.get(claimKey))).toBe(other);
  });
});

describe("the manifest", () => {
  it("is rebuilt from each recording's own zarr.json, so hand edits of attributes show", async () => {
    const dir = join(temp.path, "manifest-edits");
    const collection = await openCollection(dir, { create: true });
    await importRecording(collection, fixturePath("ffmpeg-mono.opus"));
    const path = join(dir, "000001", "zarr.json");
    const document = JSON.parse(readFileSync(path, "utf8"));
    document.attributes.deviceId = "moth-7";
    document.attributes.recordedAt = "2024-05-01T05:30:00.000Z";
    writeFileSync(path, JSON.stringify(document));
    const manifest = () => JSON.parse(readFileSync(join(dir, "manifest", "zarr.json"), "utf8")).attributes;
    await importRecording(collection, fixturePath("ffmpeg-stereo.opus"));
    expect(manifest().recordings[0]).toMatchObject({ id: "000001", deviceId: "moth-7" });
    document.attributes.deviceId = "moth-8";
    writeFileSync(path, JSON.stringify(document));
    expect(await refreshManifest(collection)).toEqual({ settled: true, attempts: 1, recordings: 2 });
    expect(manifest().recordings[0]).toMatchObject({ id: "000001", deviceId: "moth-8" });
    expect(manifest().recordings).toEqual(await listRecordings(collection));
  });

  it("failing to be rewritten after the rename leaves the import successful, flagged, and caught up by the next refresh", async () => {
    let failing = true;
    class FailingManifest extends MemoryStore {
      override async set(key: AbsolutePath, value: Uint8Array) {
        if (failing && key === "/manifest/zarr.json") throw new Error("disk full");
        return super.set(key, value);
      }
    }
    const store = new FailingManifest();
    const collection = await openCollection(store, { create: true });
    const result = await importRecording(collection, loadFixture("ffmpeg-mono.opus"));
    expect([result.id, result.skipped, result.manifestUpdated]).toEqual(["000001", false, false]);
    expect((await listRecordings(collection)).map((r) => r.id)).toEqual(["000001"]);
    expect(store.objects.has("/manifest/zarr.json")).toBe(false);
    failing = false;
    expect((await refreshManifest(collection)).settled).toBe(true);
    expect(store.objects.has("/manifest/zarr.json")).toBe(true);
  });

  it("refresh says so when it gives up on a collection that keeps changing", async () => {
    let extra = 0;
    class BusyCollection extends MemoryStore {
      override async set(key: AbsolutePath, value: Uint8Array) {
        await super.set(key, value);
        // Another writer adds a folder each time the manifest is written.
        if (key === "/manifest/zarr.json") await super.set(`/busy-${extra++}/zarr.json`, value);
      }
    }
    const collection = await openCollection(new BusyCollection(), { create: true });
    expect(await refreshManifest(collection)).toEqual({ settled: false, attempts: 20, recordings: 0 });
  });
});

describe("cleanupCollection", () => {
  const host = hostname().replace(/[^A-Za-z0-9]/g, "") || "host";

  it("removes what dead processes left and keeps what running ones are writing", async () => {
    const dir = join(temp.path, "cleanup");
    const collection = await openCollection(dir, { create: true });
    // Process ids above the kernel's pid_max (4,194,304) never run.
    const dead = `.importing-${host}-9999999-0123456789ab`;
    const running = `.importing-${host}-${process.ppid}-0123456789ab`;
    for (const name of [dead, running]) mkdirSync(join(dir, name, "ogg", "c"), { recursive: true });
    expect(await cleanupCollection(collection)).toEqual([dead]);
    expect(readdirSync(dir).filter((n) => n.startsWith("."))).toEqual([running]);
  });

  it("removes claims whose owner is gone and temporary files of interrupted writes", async () => {
    const dir = join(temp.path, "cleanup-files");
    const collection = await openCollection(dir, { create: true });
    await importRecording(collection, fixturePath("ffmpeg-mono.opus"));
    const claim = (owner: string, claimedAt = Date.now()) => JSON.stringify({ owner, claimedAt });
    const sha = (digit: string) => digit.repeat(64);
    writeFileSync(join(dir, `.claim-${sha("1")}`), claim(`/.importing-${host}-9999999-0123456789ab`));
    writeFileSync(join(dir, `.claim-${sha("2")}`), claim(`/.importing-${host}-${process.ppid}-0123456789ab`));
    writeFileSync(
      join(dir, `.claim-${sha("3")}`),
      claim("/.importing-elsewhere-1-0123456789ab", Date.now() - 2 * 86_400_000),
    );
    writeFileSync(join(dir, `.claim-${sha("4")}`), claim("/.importing-elsewhere-1-0123456789ab"));
    writeFileSync(join(dir, `.claim-${sha("5")}`), "{");
    writeFileSync(join(dir, "manifest", `zarr.json.${host}-9999999-00112233aabb.tmp`), "{");
    writeFileSync(join(dir, "manifest", `zarr.json.${host}-${process.ppid}-00112233aabb.tmp`), "{");
    // Written by an earlier version without its owner in the name: removed once a day old.
    writeFileSync(join(dir, "zarr.json.00112233aabb.tmp"), "{");
    writeFileSync(join(dir, "zarr.json.44556677ccdd.tmp"), "{");
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(join(dir, "zarr.json.00112233aabb.tmp"), twoDaysAgo, twoDaysAgo);
    expect((await cleanupCollection(collection)).sort()).toEqual(
      [
        `.claim-${sha("1")}`,
        `.claim-${sha("3")}`,
        `.claim-${sha("5")}`,
        `manifest/zarr.json.${host}-9999999-00112233aabb.tmp`,
        "zarr.json.00112233aabb.tmp",
      ].sort(),
    );
    expect(readdirSync(dir).sort()).toEqual(
      [
        "000001",
        "manifest",
        "zarr.json",
        "zarr.json.44556677ccdd.tmp",
        `.claim-${sha("2")}`,
        `.claim-${sha("4")}`,
      ].sort(),
    );
    // The manifest group also holds the content index (format 2): hashes, sizes, the highest id.
    expect(readdirSync(join(dir, "manifest")).sort()).toEqual(
      [
        `zarr.json.${host}-${process.ppid}-00112233aabb.tmp`,
        "zarr.json",
        "sha256",
        "bytes",
        "highest-numeric-id",
      ].sort(),
    );
  });
});
