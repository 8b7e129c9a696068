import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  type AbsolutePath,
  ArchiveError,
  type Collection,
  DirectoryStore,
  deleteRecording,
  findDamagedRecordings,
  importRecording,
  listRecordings,
  openCollection,
  openRecording,
  refreshManifest,
  verifyRecording,
} from "@granule/zarr-opus/node";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { facts, fixturePath, loadFixture } from "./fixtures.ts";
import { tempDir } from "./temp-dir.ts";

const FILE = "bitrate-510k.opus"; // 128,916 bytes: 8 shards of 16 KiB
const CHUNK = 4096;
const SHARD = 16_384;
const bytes = loadFixture(FILE);
const fact = facts.find((f) => f.file === FILE)!;
const temp = tempDir();
afterAll(() => temp.remove());

let collection: Collection;
let dir: string;
let id: string;
let n = 0;
beforeEach(async () => {
  dir = join(temp.path, `c${n++}`);
  collection = await openCollection(dir, { create: true });
  id = (await importRecording(collection, fixturePath(FILE), { chunkBytes: CHUNK, shardBytes: SHARD })).id;
});

const shardPath = (shard: number) => join(dir, id, "ogg", "c", String(shard));
const groupPath = () => join(dir, id, "zarr.json");
interface Attributes {
  totalSamples: number;
  preSkip: number;
  sampleRate: number;
  complete?: boolean;
  deviceId: string | null;
  links: { sampleCount: number }[];
  source: { sha256: string };
}
function editAttributes(edit: (attributes: Attributes) => void): void {
  const document = JSON.parse(readFileSync(groupPath(), "utf8"));
  edit(document.attributes);
  writeFileSync(groupPath(), JSON.stringify(document));
}
async function failure(promise: Promise<unknown>): Promise<ArchiveError> {
  const error = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(error).toBeInstanceOf(ArchiveError);
  return error as ArchiveError;
}

describe("an intact recording", () => {
  it("verifies: SHA-256 as recorded, every page's CRC sound, index as rebuilt", async () => {
    const report = await verifyRecording(collection, id);
    expect(report).toEqual({
      id,
      ok: true,
      intact: true,
      sha256: { expected: fact.sha256, actual: fact.sha256 },
      pageCount: fact.pages.length,
      bytesRead: fact.bytes,
      problems: [],
    });
  });

  it("from a damaged source is intact, with the source's bad page reported where it is", async () => {
    const { id: damaged } = await importRecording(collection, fixturePath("derived/bad-crc.opus"));
    const report = await verifyRecording(collection, damaged);
    expect([report.intact, report.ok]).toEqual([true, false]);
    expect(report.problems).toEqual([
      { code: "page-crc", message: "8974 bytes belong to no valid Ogg page (crc)", byteOffset: 9146 },
    ]);
  });
});

describe("a missing shard", () => {
  it("is reported by verifyRecording and by every read that touches it, naming the shard", async () => {
    rmSync(shardPath(2));
    const report = await verifyRecording(collection, id);
    expect([report.ok, report.intact, report.sha256.actual]).toEqual([false, false, null]);
    expect(report.problems.map((p) => [p.code, p.key])).toContainEqual(["missing-chunk", `/${id}/ogg/c/2`]);
    const recording = await openRecording(collection, id);
    const error = await failure(recording.source.read(2 * SHARD + 100, 10));
    expect([error.code, error.key, error.byteOffset]).toEqual(["missing-chunk", `/${id}/ogg/c/2`, 2 * SHARD]);
    // Reads elsewhere are unaffected, and exact.
    expect([...(await recording.source.read(100, 50))]).toEqual([...bytes.subarray(100, 150)]);
    // A read across shards 1-3 fails as a whole: it never returns part of the range.
    expect((await failure(recording.source.read(SHARD + 5, 2 * SHARD))).code).toBe("missing-chunk");
  });
});

describe("a truncated shard", () => {
  it("cut at its end fails its index CRC-32C", async () => {
    const size = readFileSync(shardPath(1)).length;
    truncateSync(shardPath(1), size - 100);
    const report = await verifyRecording(collection, id);
    expect(report.problems.map((p) => [p.code, p.key])).toContainEqual(["bad-shard-index", `/${id}/ogg/c/1`]);
    expect(report.intact).toBe(false);
    const recording = await openRecording(collection, id);
    expect((await failure(recording.source.read(SHARD, 10))).code).toBe("bad-shard-index");
  });

  it("missing bytes before an intact index is found by its size, never read shifted", async () => {
    const shard = readFileSync(shardPath(3));
    // Ten bytes gone from the middle of the data; the index (the last 4 * 16 + 4 bytes) intact.
    writeFileSync(shardPath(3), Buffer.concat([shard.subarray(0, 5000), shard.subarray(5010)]));
    const recording = await openRecording(collection, id);
    const error = await failure(recording.source.read(3 * SHARD, 10));
    expect([error.code, error.key]).toEqual(["truncated-chunk", `/${id}/ogg/c/3`]);
    expect((await verifyRecording(collection, id)).problems.map((p) => p.code)).toContain("truncated-chunk");
  });

  it("shorter than its index is reported as truncated", async () => {
    truncateSync(shardPath(0), 20);
    const recording = await openRecording(collection, id);
    expect((await failure(recording.source.read(0, 10))).code).toBe("truncated-chunk");
  });
});

describe("edited attributes", () => {
  it("totalSamples: the index checksum fails when the recording is opened", async () => {
    editAttributes((a) => {
      a.totalSamples += 960;
    });
    expect((await failure(openRecording(collection, id))).code).toBe("index-mismatch");
    const report = await verifyRecording(collection, id);
    expect(report.intact).toBe(false);
    expect(report.problems.map((p) => p.code)).toContain("index-mismatch");
  });

  it("a link's sample count or start granule: the index checksum fails", async () => {
    editAttributes((a) => {
      a.links[0]!.sampleCount -= 1;
    });
    expect((await failure(openRecording(collection, id))).code).toBe("index-mismatch");
  });

  it("preSkip, disagreeing with the first link", async () => {
    editAttributes((a) => {
      a.preSkip = 0;
    });
    const error = await failure(openRecording(collection, id));
    expect(error.code).toBe("index-mismatch");
    expect(error.message).toMatch(/preSkip is 0 but the first link says 312/);
  });

  it("sampleRate without timeExpansion", async () => {
    editAttributes((a) => {
      a.sampleRate = 96_000;
    });
    expect((await failure(openRecording(collection, id))).code).toBe("bad-metadata");
  });

  it("complete removed: the recording is no longer listed or opened", async () => {
    editAttributes((a) => {
      delete a.complete;
    });
    expect(await listRecordings(collection)).toEqual([]);
    expect((await failure(openRecording(collection, id))).code).toBe("incomplete");
  });

  it("a wrong SHA-256: verifyRecording reports it with the true one", async () => {
    const wrong = createHash("sha256").update("not the file").digest("hex");
    editAttributes((a) => {
      a.source.sha256 = wrong;
    });
    const report = await verifyRecording(collection, id);
    expect(report.sha256).toEqual({ expected: wrong, actual: fact.sha256 });
    expect(report.problems.map((p) => p.code)).toEqual(["sha256-mismatch"]);
    expect(report.intact).toBe(false);
  });
});

describe("damaged recordings", () => {
  const manifestIds = () =>
    JSON.parse(readFileSync(join(dir, "manifest", "zarr.json"), "utf8")).attributes.recordings.map(
      (r: { id: string }) => r.id,
    );

  it("with unreadable metadata are left out of the listing and the manifest, and reported by findDamagedRecordings", async () => {
    writeFileSync(groupPath(), '{"zarr_format": 3, "node_type": "gro');
    expect(await listRecordings(collection)).toEqual([]);
    await refreshManifest(collection);
    expect(manifestIds()).toEqual([]);
    const damaged = await findDamagedRecordings(collection);
    expect(damaged.map((d) => [d.id, d.code, d.key])).toEqual([[id, "bad-metadata", `/${id}/zarr.json`]]);
    expect((await failure(openRecording(collection, id))).code).toBe("bad-metadata");
  });

  it("with damaged attributes or without their complete marker are reported, each with what is wrong", async () => {
    const { id: second } = await importRecording(collection, fixturePath("ffmpeg-mono.opus"));
    editAttributes((a) => {
      delete a.complete;
    });
    const secondPath = join(dir, second, "zarr.json");
    const document = JSON.parse(readFileSync(secondPath, "utf8"));
    document.attributes.links = [];
    writeFileSync(secondPath, JSON.stringify(document));
    expect(await listRecordings(collection)).toEqual([]);
    expect((await findDamagedRecordings(collection)).map((d) => [d.id, d.code])).toEqual([
      [id, "incomplete"],
      [second, "bad-metadata"],
    ]);
  });

  it("a recording folder with an ogg array but no zarr.json is found; other folders of the user's are not", async () => {
    rmSync(groupPath());
    mkdirSync(join(dir, "000007", "ogg", "c"), { recursive: true });
    writeFileSync(join(dir, "000007", "ogg", "c", "0"), "partial");
    mkdirSync(join(dir, "notes"));
    writeFileSync(join(dir, "notes", "todo.txt"), "not a recording");
    mkdirSync(join(dir, "plots"));
    writeFileSync(join(dir, "plots", "zarr.json"), '{"zarr_format":3,"node_type":"group","attributes":{}}');
    expect(await listRecordings(collection)).toEqual([]);
    expect((await findDamagedRecordings(collection)).map((d) => [d.id, d.code])).toEqual([
      [id, "bad-metadata"],
      ["000007", "bad-metadata"],
    ]);
    const { id: next } = await importRecording(collection, fixturePath("ffmpeg-mono.opus"));
    expect(next).toBe("000008");
    expect(manifestIds()).toEqual([next]);
    // What is found can be deleted; the user's folders cannot.
    for (const damaged of [id, "000007"]) await deleteRecording(collection, damaged);
    expect(await findDamagedRecordings(collection)).toEqual([]);
    await expect(deleteRecording(collection, "notes")).rejects.toMatchObject({ code: "not-a-recording" });
    await expect(deleteRecording(collection, "plots")).rejects.toMatchObject({ code: "not-a-recording" });
  });
});

describe("a reader held open while its recording is deleted and another imported under its id", () => {
  it("fails with changed instead of returning the new file's bytes, for shards read before and shards not read yet", async () => {
    const options = { id: "dawn", chunkBytes: 4096, shardBytes: 16_384 };
    await importRecording(collection, fixturePath("ffmpeg-mono.opus"), options);
    const reader = await openRecording(collection, "dawn");
    const mono = loadFixture("ffmpeg-mono.opus");
    expect([...(await reader.source.read(10_000, 50))]).toEqual([...mono.subarray(10_000, 10_050)]);
    await deleteRecording(collection, "dawn");
    // The same size, other bytes: only the shards' identity tells the files apart.
    await importRecording(collection, fixturePath("derived/bad-crc.opus"), options);
    const changed = await failure(reader.source.read(10_000, 50));
    expect([changed.code, changed.key]).toEqual(["changed", "/dawn/ogg/c/0"]);
    const unread = await failure(reader.source.read(2 * 16_384, 50));
    expect([unread.code, unread.key]).toEqual(["changed", "/dawn/zarr.json"]);
    // Opened again, it is the new recording.
    const reopened = await openRecording(collection, "dawn");
    const crc = loadFixture("derived/bad-crc.opus");
    expect([...(await reopened.source.read(10_000, 50))]).toEqual([...crc.subarray(10_000, 10_050)]);
  });

  it("that only had its descriptive attributes edited keeps reading", async () => {
    const reader = await openRecording(collection, id);
    editAttributes((a) => {
      a.deviceId = "moth-7";
    });
    expect([...(await reader.source.read(3 * SHARD, 20))]).toEqual([...bytes.subarray(3 * SHARD, 3 * SHARD + 20)]);
  });
});

describe("aborting local reads", () => {
  const reason = new Error("stop");
  const aborted = () => {
    const controller = new AbortController();
    controller.abort(reason);
    return controller.signal;
  };

  it("opening a recording rejects with the signal's reason", async () => {
    await expect(openRecording(collection, id, { signal: aborted() })).rejects.toBe(reason);
  });

  it("reading its bytes rejects with the signal's reason", async () => {
    const recording = await openRecording(collection, id);
    await expect(recording.source.read(0, 100, aborted())).rejects.toBe(reason);
  });

  it("reading the index arrays carries the signal", async () => {
    const controller = new AbortController();
    // Aborts as the first index array is read, after the recording's zarr.json.
    class Tripwire extends DirectoryStore {
      override get(key: AbsolutePath, options?: { signal?: AbortSignal }) {
        if (key.includes("/index/")) controller.abort(reason);
        return super.get(key, options);
      }
    }
    const store = new Tripwire(dir);
    await expect(openRecording(await openCollection(store), id, { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe("a damaged index array", () => {
  it("missing chunk: opening fails naming it (not zeros, as a plain Zarr reader would fill)", async () => {
    rmSync(join(dir, id, "index", "packetSamples", "c", "0"));
    const error = await failure(openRecording(collection, id));
    expect([error.code, error.key]).toEqual(["missing-chunk", `/${id}/index/packetSamples/c/0`]);
  });

  it("edited values: the index checksum fails", async () => {
    const path = join(dir, id, "index", "granule", "c", "0");
    const values = new BigInt64Array(new Uint8Array(gunzipSync(readFileSync(path))).buffer);
    values[1] = values[1]! + 960n;
    writeFileSync(path, gzipSync(new Uint8Array(values.buffer)));
    expect((await failure(openRecording(collection, id))).code).toBe("index-mismatch");
  });

  it("truncated chunk: opening fails with an ArchiveError", async () => {
    const path = join(dir, id, "index", "byteOffset", "c", "0");
    truncateSync(path, 10);
    expect((await failure(openRecording(collection, id))).code).toBe("index-mismatch");
  });
});

describe("what is not a recording", () => {
  it("makes verifyRecording and openRecording throw", async () => {
    expect((await failure(verifyRecording(collection, "000099"))).code).toBe("not-found");
    expect((await failure(verifyRecording(collection, "manifest"))).code).toBe("invalid-id");
    expect((await failure(openRecording(join(dir, "manifest")))).code).toBe("not-a-recording");
    expect((await failure(openCollection(join(dir, id)))).code).toBe("not-a-collection");
  });
});
