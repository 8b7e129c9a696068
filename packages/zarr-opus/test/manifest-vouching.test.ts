// A local listing takes from the manifest what the manifest vouches for (a recording whose
// zarr.json has the stamp the manifest recorded), and reads the rest: new recordings, hand
// edits, repairs. Every case here is one where trusting the manifest blindly would be wrong.
import { createHash } from "node:crypto";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type AbsolutePath,
  DirectoryStore,
  importRecording,
  listRecordings,
  openCollection,
  refreshManifest,
  surveyRecordings,
} from "@granule/zarr-opus/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixturePath } from "./fixtures.ts";
import { type StaticServer, startStaticServer } from "./static-server.ts";
import { tempDir } from "./temp-dir.ts";

const temp = tempDir();
afterAll(() => temp.remove());

/** A directory store that counts the reads of each recording's own zarr.json. */
class CountingStore extends DirectoryStore {
  readonly recordingReads: string[] = [];
  override async get(key: AbsolutePath, options?: { signal?: AbortSignal }) {
    const match = /^\/([^/]+)\/zarr\.json$/.exec(key);
    if (match !== null && match[1] !== "manifest") this.recordingReads.push(match[1]!);
    return super.get(key, options);
  }
}

const ids = ["a", "b", "c"];
const template = join(temp.path, "template.zarr");
let dir: string;
let round = 0;

beforeAll(async () => {
  const collection = await openCollection(template, { create: true });
  const files = ["ffmpeg-mono.opus", "ffmpeg-stereo.opus", "opusenc-mono.opus"];
  for (const [i, id] of ids.entries()) await importRecording(collection, fixturePath(files[i]!), { id });
});

// A copy has new change times, which the template's manifest did not see: refreshed once.
beforeEach(async () => {
  dir = join(temp.path, `archive-${round++}.zarr`);
  cpSync(template, dir, { recursive: true, preserveTimestamps: true });
  await refreshManifest(await openCollection(dir), { full: false });
});

/** A survey through a fresh counting store: what it found, and which recordings it read. */
async function survey() {
  const store = new CountingStore(dir);
  const result = await surveyRecordings(await openCollection(store));
  return { ...result, reads: [...store.recordingReads].sort() };
}

/** Edits a recording's attributes by hand, as the format allows for the descriptive ones. */
function editAttributes(id: string, edit: (attributes: Record<string, unknown>) => void) {
  const path = join(dir, id, "zarr.json");
  const node = JSON.parse(readFileSync(path, "utf8"));
  edit(node.attributes);
  writeFileSync(path, JSON.stringify(node));
}

describe("a local listing and its manifest", () => {
  it("reads no recording when the manifest vouches for every one", async () => {
    const { recordings, damaged, changedSinceManifest, reads } = await survey();
    expect(recordings.map((r) => r.id)).toEqual(ids);
    expect([damaged, changedSinceManifest, reads]).toEqual([[], [], []]);
  });

  it("reads every recording of a copy of the archive once (its files have new change times)", async () => {
    const copy = join(temp.path, `copy-${round}.zarr`);
    cpSync(dir, copy, { recursive: true, preserveTimestamps: true });
    dir = copy;
    expect((await survey()).changedSinceManifest).toEqual(ids);
    await refreshManifest(await openCollection(dir), { full: false });
    expect((await survey()).reads).toEqual([]);
  });

  it("reads a recording edited by hand since, and lists what its zarr.json now says", async () => {
    editAttributes("b", (attributes) => {
      attributes.deviceId = "AM-7";
    });
    const { recordings, changedSinceManifest, reads } = await survey();
    expect(recordings.map((r) => [r.id, r.deviceId])).toEqual([
      ["a", null],
      ["b", "AM-7"],
      ["c", null],
    ]);
    expect([changedSinceManifest, reads]).toEqual([["b"], ["b"]]);
    // The next refresh (an import's or a deletion's) vouches for it again.
    await refreshManifest(await openCollection(dir), { full: false });
    expect((await survey()).reads).toEqual([]);
    expect((await listRecordings(await openCollection(dir))).find((r) => r.id === "b")?.deviceId).toBe("AM-7");
  });

  it("lists a recording copied in without a refresh, and not one removed without one", async () => {
    cpSync(join(dir, "a"), join(dir, "d"), { recursive: true });
    rmSync(join(dir, "c"), { recursive: true });
    const { recordings, changedSinceManifest, reads } = await survey();
    expect(recordings.map((r) => r.id)).toEqual(["a", "b", "d"]);
    expect([changedSinceManifest, reads]).toEqual([["d"], ["d"]]);
  });

  it("believes no stamp of a manifest edited by hand: every recording is read", async () => {
    const path = join(dir, "manifest", "zarr.json");
    const manifest = JSON.parse(readFileSync(path, "utf8"));
    manifest.attributes.recordings[0].deviceId = "forged";
    writeFileSync(path, JSON.stringify(manifest));
    const { recordings, changedSinceManifest, reads } = await survey();
    expect(recordings[0]!.deviceId).toBeNull();
    expect([changedSinceManifest, reads]).toEqual([ids, ids]);
  });

  it("reads every recording of a manifest written before stamps", async () => {
    const path = join(dir, "manifest", "zarr.json");
    const manifest = JSON.parse(readFileSync(path, "utf8"));
    delete manifest.attributes.stamps;
    delete manifest.attributes.stampsSha256;
    writeFileSync(path, JSON.stringify(manifest));
    const { recordings, changedSinceManifest, reads } = await survey();
    expect(recordings.map((r) => r.id)).toEqual(ids);
    expect([changedSinceManifest, reads]).toEqual([ids, ids]);
  });

  it("reports a damaged recording from the manifest's record of it, and lists it again once repaired", async () => {
    const path = join(dir, "b", "zarr.json");
    const good = readFileSync(path);
    editAttributes("b", (attributes) => {
      delete attributes.complete;
    });
    await refreshManifest(await openCollection(dir), { full: false });
    const damagedRun = await survey();
    expect(damagedRun.recordings.map((r) => r.id)).toEqual(["a", "c"]);
    expect(damagedRun.damaged.map((d) => [d.id, d.code])).toEqual([["b", "incomplete"]]);
    expect(damagedRun.reads).toEqual([]);
    writeFileSync(path, good);
    const repaired = await survey();
    expect(repaired.recordings.map((r) => r.id)).toEqual(ids);
    expect([repaired.damaged, repaired.reads]).toEqual([[], ["b"]]);
  });
});

describe("a listing over HTTP", () => {
  let server: StaticServer;
  afterAll(() => server?.close());

  it("is one request, the manifest, with the damage recorded when it was written", async () => {
    editAttributes("c", (attributes) => {
      delete attributes.complete;
    });
    await refreshManifest(await openCollection(dir), { full: false });
    server = await startStaticServer(dir);
    const { recordings, damaged } = await surveyRecordings(await openCollection(server.url, { manifestFirst: true }));
    expect(recordings.map((r) => r.id)).toEqual(["a", "b"]);
    expect(damaged.map((d) => [d.id, d.code])).toEqual([["c", "incomplete"]]);
    expect(server.log).toEqual(["/manifest/zarr.json"]);
    // Without manifestFirst, the collection's own zarr.json first, as before.
    server.reset();
    await listRecordings(await openCollection(server.url));
    expect(server.log).toEqual(["/zarr.json", "/manifest/zarr.json"]);
  });

  it("checks every row of a server's manifest, even under a checksum that matches", async () => {
    const path = join(dir, "manifest", "zarr.json");
    const manifest = JSON.parse(readFileSync(path, "utf8"));
    const attributes = manifest.attributes;
    attributes.recordings[1].totalSamples = "many";
    // The checksum recomputed as a refresh computes it: locally that vouches, over HTTP it does not.
    const text = JSON.stringify([attributes.recordings, attributes.damaged, attributes.stamps]);
    attributes.stampsSha256 = createHash("sha256").update(text).digest("hex");
    writeFileSync(path, JSON.stringify(manifest));
    const forged = await startStaticServer(dir);
    try {
      await expect(surveyRecordings(await openCollection(forged.url))).rejects.toMatchObject({
        code: "bad-metadata",
        message: expect.stringMatching(/manifest row 1/),
      });
    } finally {
      await forged.close();
    }
  });
});
