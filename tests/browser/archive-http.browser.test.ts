// An archive read over HTTP in the browser (another origin, with CORS): the collection, its
// manifest, a recording's index, extract with exact positions, clip; servers without Range.
import { clip, extract } from "@granule/extract";
import { bufferSource, buildIndex, recording } from "@granule/opus-index";
import { spectrogram } from "@granule/spectrogram";
import { HttpStore, listRecordings, openCollection, openRecording } from "@granule/zarr-opus";
import { describe, expect, inject, it } from "vitest";

const fixture = async (path: string) =>
  new Uint8Array(await (await fetch(new URL(path, location.origin))).arrayBuffer());
// vitest serves the repository's files at their absolute paths (see import.meta.url).
const repo = new URL("../../", import.meta.url);
const DAWN = new URL("examples/dawn-chorus.opus", repo).pathname;
const BATS = new URL("packages/spectrogram/test/fixtures/bat-sweeps-384k.opus", repo).pathname;
const STEREO = new URL("fixtures/ffmpeg-stereo.opus", repo).pathname;
const FACTS = new URL("fixtures/facts.json", repo).pathname;

describe("an archive over HTTP, in the browser", () => {
  const url = inject("archiveUrl");

  it("lists the recordings from the manifest, with their true rates", async () => {
    const collection = await openCollection(url);
    expect(collection.writable).toBe(false);
    const list = await listRecordings(collection);
    expect(list.map((r) => [r.id, r.sampleRate, r.channels, r.sourceName])).toEqual([
      ["000001", 48_000, 1, "dawn-chorus.opus"],
      ["000002", 384_000, 1, "bat-sweeps-384k.opus"],
      ["000003", 48_000, 2, "ffmpeg-stereo.opus"],
    ]);
    expect(list[1]!.durationSeconds).toBe(0.5);
  });

  it("extracts exactly the samples an in-memory decode of the same file gives, reading a part of it", async () => {
    const collection = await openCollection(url);
    const store = collection.store as HttpStore;
    const remote = await openRecording(collection, "000003");
    const bytes = await fixture(STEREO);
    const facts = (await (await fetch(FACTS)).json()).fixtures as {
      file: string;
      streams: { lastGranule: string }[];
    }[];
    const fact = facts.find((f) => f.file === "ffmpeg-stereo.opus")!;
    expect(remote.index.totalSamples).toBe(Number(fact.streams[0]!.lastGranule) - remote.index.head.preSkip);
    const local = recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes));
    expect(remote.index.byteLength).toBe(bytes.length);
    // Segments at a page boundary, a packet boundary (960 samples), the start and the end.
    const page = remote.index.rows.endSample[3]!; // where the 4th page's last packet ends
    expect(page).toBeGreaterThan(960);
    const ranges = [
      { startSample: 0, endSample: 960 },
      { startSample: page - 480, endSample: page + 480 },
      { startSample: 96_001, endSample: 96_001 + 4800 },
      { startSample: remote.index.totalSamples - 1000, endSample: remote.index.totalSamples },
    ];
    for (const range of ranges) {
      const before = store.bytesReceived;
      const a = await extract(remote, range);
      const read = store.bytesReceived - before;
      const b = await extract(local, range);
      expect(a.channels).toHaveLength(2);
      expect(a.channels[0]).toHaveLength(range.endSample - range.startSample);
      expect(a.channels).toEqual(b.channels);
      expect(read).toBeLessThan(bytes.length);
    }
    const viaHttp = await clip(remote, { startSample: 24_000, endSample: 72_000 });
    expect(viaHttp).toEqual(await clip(local, { startSample: 24_000, endSample: 72_000 }));
  });

  it("reads the index, not the audio, to open a recording; a 2 s segment costs a few requests", async () => {
    const store = new HttpStore(url);
    const collection = await openCollection(store);
    const dawn = await openRecording(collection, "000001");
    const openBytes = store.bytesReceived;
    const fileBytes = (await fixture(DAWN)).length;
    expect(openBytes).toBeLessThan(fileBytes / 4);
    const requests = store.requests;
    const segment = await extract(dawn, { startSample: 480_000, endSample: 576_000 });
    expect(segment.channels[0]).toHaveLength(96_000);
    expect(store.requests - requests).toBeLessThanOrEqual(3);
  });

  it("gives a time-expanded recording's samples at its true rate, and the spectrogram real Hz", async () => {
    const bats = await openRecording(await openCollection(url), "000002");
    expect(bats.sampleRate).toBe(384_000);
    expect(bats.info.timeExpansion).toBe(8);
    const start = Math.round(0.25 * 384_000);
    const segment = await extract(bats, { startSample: start - 1920, endSample: start + 3840 });
    expect(segment.sampleRate).toBe(384_000);
    const spec = spectrogram(segment, { fftSize: 256, hopSize: 64 });
    let peakHz = 0;
    let peakDb = Number.NEGATIVE_INFINITY;
    spec.frames.forEach((row) => {
      row.forEach((db, b) => {
        if (db > peakDb) [peakDb, peakHz] = [db, spec.binHz[b]!];
      });
    });
    expect(peakHz).toBeGreaterThan(20_000);
    expect(peakHz).toBeLessThan(80_000);
    const bytes = await fixture(BATS);
    expect(bats.info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(bats.index.byteLength).toBe(bytes.length);
  });

  it("fails with a typed error for a missing recording", async () => {
    const collection = await openCollection(url);
    await expect(openRecording(collection, "000099")).rejects.toMatchObject({
      name: "ArchiveError",
      code: "not-found",
    });
  });

  // Deliberately changed: a server that ignores Range used to fail with range-not-supported;
  // its 200 bodies are now read only as far as needed (fetch streams work in browsers too).
  it("reads an archive from a server that ignores Range: the same samples, and one warning", async () => {
    const warnings: string[] = [];
    const noRange = await openCollection(
      new HttpStore(inject("noRangeArchiveUrl"), { onWarning: (w) => warnings.push(w.code) }),
    );
    const range = { startSample: 0, endSample: 960 };
    const got = await extract(await openRecording(noRange, "000001"), range);
    const expected = await extract(await openRecording(await openCollection(url), "000001"), range);
    expect(got.channels.map((c) => [...c])).toEqual(expected.channels.map((c) => [...c]));
    expect(warnings).toEqual(["range-ignored"]);
  });
});
