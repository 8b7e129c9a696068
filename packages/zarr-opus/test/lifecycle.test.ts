import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { type ByteSource, bufferSource } from "@granule/opus-index";
import {
  cleanupCollection,
  deleteRecording,
  importRecording,
  listRecordings,
  openCollection,
  openRecording,
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
    const batches = Math.ceil(long.length / (8 << 20));
    const total = source.reads.reduce((sum, [, length]) => sum + length, 0);
    // The batch reads, in order, plus the header packets the indexer re-reads (a few hundred bytes).
    expect(source.reads.slice(0, batches).map(([offset]) => offset)).toEqual(
      Array.from({ length: batches }, (_, j) => j * (8 << 20)),
    );
    expect(total).toBeLessThanOrEqual(long.length + (batches - 1) * 65_306 + 4096);
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

  it("is taken over when older than 30 s, even if its owner cannot be checked", async () => {
    const dir = join(temp.path, "old-claim");
    const collection = await openCollection(dir, { create: true });
    const claim = { owner: "/.importing-elsewhere-1-0123456789ab", claimedAt: Date.now() - 31_000 };
    writeFileSync(join(dir, `.claim-${sha}`), JSON.stringify(claim));
    expect((await importRecording(collection, fixturePath("ffmpeg-mono.opus"))).id).toBe("000001");
    expect(existsSync(join(dir, `.claim-${sha}`))).toBe(false);
  });
});

describe("cleanupCollection", () => {
  it("removes what dead processes left and keeps what running ones are writing", async () => {
    const dir = join(temp.path, "cleanup");
    const collection = await openCollection(dir, { create: true });
    const host = hostname().replace(/[^A-Za-z0-9]/g, "") || "host";
    // Process ids above the kernel's pid_max (4,194,304) never run.
    const dead = `.importing-${host}-9999999-0123456789ab`;
    const running = `.importing-${host}-${process.ppid}-0123456789ab`;
    for (const name of [dead, running]) mkdirSync(join(dir, name, "ogg", "c"), { recursive: true });
    expect(await cleanupCollection(collection)).toEqual([dead]);
    expect(readdirSync(dir).filter((n) => n.startsWith("."))).toEqual([running]);
  });
});
