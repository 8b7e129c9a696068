import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { importRecording, listRecordings, openCollection, verifyRecording } from "@granule/zarr-opus/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "./fixtures.ts";
import { longOpus } from "./long-opus.ts";
import { runChild } from "./processes.ts";
import { tempDir } from "./temp-dir.ts";

const temp = tempDir();
const sources = join(temp.path, "sources");
const bigA = join(sources, "A_20240501_000000.opus");
const bigB = join(sources, "B_20240501_000000.opus");

beforeAll(() => {
  // About 25 MB each: 18 minutes of 160 kbit/s, different serials so the files differ.
  mkdirSync(sources);
  writeFileSync(bigA, longOpus(1080, 1));
  writeFileSync(bigB, longOpus(1080, 2));
  for (const file of ["ffmpeg-mono.opus", "ffmpeg-stereo.opus"]) copyFileSync(fixturePath(file), join(sources, file));
}, 30_000);
afterAll(() => temp.remove());

const hidden = (dir: string) => readdirSync(dir).filter((name) => name.startsWith("."));
// Each read waits this long, so a 25 MB import in 1 MiB batches lasts about half a second.
const SLOW = { throttleMs: 20, batchBytes: 1 << 20, chunkBytes: 1 << 16, shardBytes: 1 << 22 };

describe("an import killed midway (SIGKILL)", () => {
  it("leaves nothing visible, harms no other recording, and running it again succeeds", async () => {
    const dir = join(temp.path, "killed");
    const collection = await openCollection(dir, { create: true });
    for (const file of ["ffmpeg-mono.opus", "ffmpeg-stereo.opus"])
      await importRecording(collection, join(sources, file));

    let killedAt = 0;
    const run = runChild("import.mjs", [dir, bigA, JSON.stringify(SLOW)], (line) => {
      if (typeof line.progress === "number" && line.progress >= 0.3 && killedAt === 0) {
        killedAt = line.progress;
        run.child.kill("SIGKILL");
      }
    });
    const exit = await run.exited;
    expect(exit.signal).toBe("SIGKILL");
    expect(killedAt).toBeGreaterThanOrEqual(0.3);
    expect(killedAt).toBeLessThan(1);
    expect(run.lines.some((line) => "done" in line)).toBe(false);

    // Only a hidden temporary prefix remains, holding part of the shards and no group metadata.
    const leftovers = hidden(dir);
    expect(leftovers.length).toBe(1);
    expect(leftovers[0]).toMatch(/^\.importing-/);
    expect(existsSync(join(dir, leftovers[0]!, "ogg", "c", "0"))).toBe(true);
    expect(existsSync(join(dir, leftovers[0]!, "zarr.json"))).toBe(false);
    expect((await listRecordings(collection)).map((r) => r.id)).toEqual(["000001", "000002"]);
    for (const id of ["000001", "000002"]) expect((await verifyRecording(collection, id)).ok).toBe(true);

    const again = await importRecording(collection, bigA);
    expect(again.id).toBe("000003");
    expect(hidden(dir)).toEqual([]);
    expect((await verifyRecording(collection, "000003")).ok).toBe(true);
    expect((await listRecordings(collection)).map((r) => r.id)).toEqual(["000001", "000002", "000003"]);
  }, 30_000);
});

describe("concurrent processes", () => {
  it("two imports into one collection at once get distinct ids", async () => {
    const dir = join(temp.path, "two");
    await openCollection(dir, { create: true });
    const runs = [bigA, bigB].map((file) => runChild("import.mjs", [dir, file, JSON.stringify(SLOW)]));
    const exits = await Promise.all(runs.map((r) => r.exited));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    const ids = runs.map((r) => (r.lines.at(-1)!.done as { id: string }).id).sort();
    expect(ids).toEqual(["000001", "000002"]);
    const collection = await openCollection(dir);
    const listed = await listRecordings(collection);
    expect(listed.map((r) => r.sourceName).sort()).toEqual(["A_20240501_000000.opus", "B_20240501_000000.opus"]);
    for (const id of ids) expect((await verifyRecording(collection, id)).ok).toBe(true);
    expect(hidden(dir)).toEqual([]);
  }, 30_000);

  it("two imports of the same file at once leave one recording; the other fails cleanly as a duplicate", async () => {
    const dir = join(temp.path, "same");
    await openCollection(dir, { create: true });
    const runs = [0, 1].map(() => runChild("import.mjs", [dir, bigA, JSON.stringify(SLOW)]));
    const exits = await Promise.all(runs.map((r) => r.exited));
    expect(exits.map((e) => e.code).sort()).toEqual([0, 2]);
    const failed = runs.find((r) => "error" in r.lines.at(-1)!)!.lines.at(-1)!.error as { name: string; code: string };
    expect([failed.name, failed.code]).toEqual(["ArchiveError", "duplicate"]);
    expect((await listRecordings(await openCollection(dir))).map((r) => r.id)).toEqual(["000001"]);
    expect(hidden(dir)).toEqual([]);
  }, 30_000);

  it("readers in other processes read exact bytes while another process imports", async () => {
    const dir = join(temp.path, "readers");
    const collection = await openCollection(dir, { create: true });
    for (const file of ["ffmpeg-mono.opus", "ffmpeg-stereo.opus"])
      await importRecording(collection, join(sources, file));
    const stop = join(temp.path, "stop-readers");
    const readers = [0, 1].map(() => runChild("read.mjs", [dir, sources, stop]));
    const importer = runChild("import.mjs", [dir, bigB, JSON.stringify(SLOW)]);
    expect((await importer.exited).code).toBe(0);
    // Let the readers see the new recording a few times before stopping them.
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(stop, "");
    const exits = await Promise.all(readers.map((r) => r.exited));
    for (const reader of readers) {
      const summary = reader.lines.at(-1) as { rounds: number; reads: number; errors: string[]; ids: string[] };
      expect(summary.errors).toEqual([]);
      expect(summary.reads).toBeGreaterThan(10);
      expect(summary.ids).toEqual(["000001", "000002", "000003"]);
    }
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
  }, 30_000);
});
