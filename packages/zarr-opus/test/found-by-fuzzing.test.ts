// Inputs the fuzzer (scripts/fuzz) found, each reduced to what shows the bug.
import { readPages } from "@granule/ogg-pages";
import { importRecording, MemoryStore, openCollection, openRecording, verifyRecording } from "@granule/zarr-opus";
import { describe, expect, it } from "vitest";
import { loadFixture } from "./fixtures.ts";

/** The first `count` pages of a fixture. */
function firstPages(file: string, count: number): Uint8Array {
  const bytes = loadFixture(file);
  const pages = [...readPages(bytes)].slice(0, count);
  const last = pages[pages.length - 1]!;
  return bytes.slice(0, last.byteOffset + last.byteLength);
}

describe("verify, from the attack run", () => {
  it("reports a missing shard once, though both the shard check and the streaming pass meet it", async () => {
    const store = new MemoryStore();
    const collection = await openCollection(store, { create: true });
    const { id } = await importRecording(collection, loadFixture("bitrate-510k.opus"), {
      chunkBytes: 4096,
      shardBytes: 16_384,
    });
    await store.remove(`/${id}/ogg/c/0`);
    const report = await verifyRecording(collection, id);
    expect(report.problems.filter((p) => p.code === "missing-chunk").map((p) => p.key)).toEqual([`/${id}/ogg/c/0`]);
  });
});

describe("recordings the fuzzer found", () => {
  it("a file of header pages only (no audio page) imports, opens with 0 samples and verifies intact", async () => {
    const headersOnly = firstPages("ffmpeg-stereo.opus", 2);
    const collection = await openCollection(new MemoryStore(), { create: true });
    const { id } = await importRecording(collection, headersOnly, { chunkBytes: 4096, shardBytes: 16_384 });
    const opened = await openRecording(collection, id);
    expect(opened.index.totalSamples).toBe(0);
    expect(opened.index.pageCount).toBe(0);
    expect(opened.index.packetCount).toBe(0);
    const report = await verifyRecording(collection, id);
    expect(report.intact).toBe(true);
  });
});
