import { readFileSync } from "node:fs";
import { extract } from "@granule/extract";
import { setPageCrc } from "@granule/ogg-pages";
import { bufferSource, buildIndex, recording } from "@granule/opus-index";
import { extractMany, openTimelineStream, planTimeline, TimelineError } from "@granule/timeline";
import { importRecording, listRecordings, MemoryStore, openCollection, openRecording } from "@granule/zarr-opus";
import { describe, expect, it } from "vitest";

// ffmpeg-mono.opus: 5 s mono, pre-skip 312, pages of 50 packets ending at granules 48000, 96000, ...
const UNCUT = new Uint8Array(readFileSync(new URL("../../../fixtures/ffmpeg-mono.opus", import.meta.url)));
const PRE_SKIP = 312;
const CUT = 48_000 - PRE_SKIP; // the uncut file's sample where its first audio page ends
const PAGE_2_OFFSET = 121; // fixtures/facts.json: the first audio page
const PAGE_3_OFFSET = 9_146;

/**
 * The first recording: the uncut file's pages up to the end of its first audio page, that
 * page marked as the last (EOS). It holds the uncut file's samples 0-47688.
 */
function firstPart(): Uint8Array {
  const bytes = UNCUT.slice(0, PAGE_3_OFFSET);
  bytes[PAGE_2_OFFSET + 5]! |= 0x04;
  setPageCrc(bytes, PAGE_2_OFFSET);
  return bytes;
}

/**
 * The second recording: every page of the uncut file, with a pre-skip that covers the first
 * audio page, so its sample 0 is the uncut file's sample 47688 and the audio before is decoded
 * and dropped, as pre-skip is. A recorder that goes on where the last file ended, or a cutter
 * that keeps the pages before the cut as pre-roll, makes such a file.
 */
function secondPart(): Uint8Array {
  const bytes = UNCUT.slice();
  const head = 28; // OpusHead starts after page 0's 27-byte header and one lacing value
  new DataView(bytes.buffer).setUint16(head + 10, PRE_SKIP + CUT, true);
  setPageCrc(bytes, 0);
  return bytes;
}

const T0 = Date.parse("2025-04-16T05:39:00.000Z");
// a lasts 47688 / 48000 s = 993.5 ms; b's stamp is rounded to the millisecond, 0.5 ms late.
const B_AT = T0 + 994;

async function deployment() {
  const collection = await openCollection(new MemoryStore(), { create: true });
  await importRecording(collection, firstPart(), { id: "a", recordedAt: new Date(T0), deviceId: "moth1" });
  await importRecording(collection, secondPart(), { id: "b", recordedAt: new Date(B_AT), deviceId: "moth1" });
  // c: another copy of the first part, 2 s after b ends, to cross a real gap.
  const bEndMs = B_AT + ((240_000 - CUT) * 1000) / 48_000;
  await importRecording(collection, firstPart(), {
    id: "c",
    recordedAt: new Date(Math.round(bEndMs) + 2_000),
    deviceId: "moth1",
    onDuplicate: "allow",
  });
  return collection;
}

/** The uncut file's samples [from, to), decoded straight through from its first packet. */
async function uncut(from: number, to: number): Promise<Float32Array> {
  const source = bufferSource(UNCUT);
  const index = await buildIndex(source);
  // A pre-roll longer than the file: decoding always starts at the first packet, as playing it does.
  const segment = await extract(
    recording(index, source),
    { startSample: from, endSample: to },
    { preRollSamples: 10 * 48_000 },
  );
  return segment.channels[0]!;
}

const STRAIGHT = { preRollSamples: 10 * 48_000, workers: 0 };

describe("extractMany across a collection", () => {
  it("cuts the fixture into two recordings that together hold every sample", async () => {
    const collection = await deployment();
    const rows = await listRecordings(collection);
    expect(rows.map((r) => [r.id, r.totalSamples])).toEqual([
      ["a", CUT],
      ["b", 240_000 - CUT],
      ["c", CUT],
    ]);
  });

  it("joins two contiguous recordings so that the samples equal the uncut file's, bit for bit", async () => {
    const collection = await deployment();
    const [joined] = await extractMany(
      collection,
      [{ recording: "a", startSample: 40_000, endSample: 60_000 }],
      STRAIGHT,
    );
    expect(joined!.plan.pieces).toEqual([
      { kind: "audio", recording: "a", startSample: 40_000, endSample: CUT, outputStartSample: 0 },
      { kind: "audio", recording: "b", startSample: 0, endSample: 60_000 - CUT, outputStartSample: CUT - 40_000 },
    ]);
    const expected = await uncut(40_000, 60_000);
    expect(joined!.channels[0]!.length).toBe(20_000);
    expect(Buffer.from(joined!.channels[0]!.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
  });

  it("finds the recordings of a UTC range and joins them at the cut", async () => {
    const collection = await deployment();
    const [segment] = await extractMany(
      collection,
      [{ start: "2025-04-16T05:39:00.900Z", end: "2025-04-16T05:39:01.100Z" }],
      STRAIGHT,
    );
    // 0.9 s is a's sample 43200; 1.1 s is 106 ms into b (stamped 05:39:00.994), its sample 5088.
    expect(segment!.plan.pieces).toEqual([
      { kind: "audio", recording: "a", startSample: 43_200, endSample: CUT, outputStartSample: 0 },
      { kind: "audio", recording: "b", startSample: 0, endSample: 5_088, outputStartSample: CUT - 43_200 },
    ]);
    const expected = await uncut(43_200, CUT + 5_088);
    expect(Buffer.from(segment!.channels[0]!.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    expect(segment!.plan.start).toBe("2025-04-16T05:39:00.900Z");
  });

  it("with the default pre-roll, the joined samples are those of each recording's own extract", async () => {
    const collection = await deployment();
    const [joined] = await extractMany(collection, [{ recording: "a", startSample: 40_000, endSample: 60_000 }], {
      workers: 0,
    });
    const a = await extract(
      await openRecording(collection, "a"),
      { startSample: 40_000, endSample: CUT },
      { workers: 0 },
    );
    const b = await extract(
      await openRecording(collection, "b"),
      { startSample: 0, endSample: 60_000 - CUT },
      { workers: 0 },
    );
    const samples = joined!.channels[0]!;
    expect(
      Buffer.from(samples.subarray(0, CUT - 40_000).slice().buffer).equals(Buffer.from(a.channels[0]!.buffer)),
    ).toBe(true);
    expect(Buffer.from(samples.subarray(CUT - 40_000).slice().buffer).equals(Buffer.from(b.channels[0]!.buffer))).toBe(
      true,
    );
  });

  it("refuses a range across the gap before c, and fills it with exact silence when asked", async () => {
    const collection = await deployment();
    const rows = await listRecordings(collection);
    const bEnd = Date.parse(rows.find((r) => r.id === "b")!.recordedAt!) + ((240_000 - CUT) * 1000) / 48_000;
    const request = { start: new Date(Math.round(bEnd) - 500), end: new Date(Math.round(bEnd) + 2_500) };
    await expect(extractMany(collection, [request], STRAIGHT)).rejects.toMatchObject({
      name: "TimelineError",
      code: "gap",
      recordings: ["b", "c"],
    });
    const [filled] = await extractMany(collection, [request], { ...STRAIGHT, fillGaps: true });
    const pieces = filled!.plan.pieces;
    expect(pieces.map((p) => p.kind)).toEqual(["audio", "silence", "audio"]);
    const gap = filled!.plan.gaps[0]!;
    expect(gap).toMatchObject({ after: "b", before: "c" });
    expect(gap.outputEndSample - gap.outputStartSample).toBe(
      pieces[1]!.kind === "silence" ? pieces[1]!.sampleCount : -1,
    );
    const samples = filled!.channels[0]!;
    expect(samples.length).toBe(filled!.plan.sampleCount);
    expect(samples.subarray(gap.outputStartSample, gap.outputEndSample).every((v) => v === 0)).toBe(true);
    // The audio after the gap is c's first samples.
    const c = await extract(await openRecording(collection, "c"), { startSample: 0, endSample: 100 }, STRAIGHT);
    expect(Array.from(samples.subarray(gap.outputEndSample, gap.outputEndSample + 100))).toEqual(
      Array.from(c.channels[0]!),
    );
  });

  it("streams the same samples as extractMany", async () => {
    const collection = await deployment();
    const rows = await listRecordings(collection);
    const [plan] = planTimeline(rows, [{ recording: "a", startSample: 1_000, endSample: 100_000 }]);
    const stream = await openTimelineStream(plan!, (id) => openRecording(collection, id), STRAIGHT);
    expect(stream).toMatchObject({ startSample: 0, endSample: 99_000, channelCount: 1, sampleRate: 48_000 });
    const streamed = new Float32Array(99_000);
    let at = 0;
    for await (const chunk of stream) {
      expect(chunk.startSample).toBe(at);
      streamed.set(chunk.channels[0]!, at);
      at += chunk.channels[0]!.length;
    }
    expect(at).toBe(99_000);
    expect(Buffer.from(streamed.buffer).equals(Buffer.from((await uncut(1_000, 100_000)).buffer))).toBe(true);
  });

  it("names the recordings of another device it will not join", async () => {
    const collection = await deployment();
    await importRecording(collection, firstPart(), {
      id: "x",
      recordedAt: new Date(T0),
      deviceId: "moth2",
      onDuplicate: "allow",
    });
    const error = await extractMany(collection, [{ start: new Date(T0 + 100), end: new Date(T0 + 200) }]).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(TimelineError);
    expect((error as TimelineError).code).toBe("ambiguous-device");
    const [mine] = await extractMany(collection, [{ start: new Date(T0 + 100), end: new Date(T0 + 200) }], {
      deviceId: "moth2",
      workers: 0,
    });
    expect(mine!.plan.recordings).toEqual(["x"]);
  });
});
