import { assemblePackets, readPages } from "@granule/ogg-pages";
import { buildIndex, type DecodePlan, OpusError, type OpusIndex, packetSamples } from "@granule/opus-index";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFixture } from "./fixtures.ts";

const FILES = [
  "ffmpeg-mono.opus",
  "opusenc-stereo.opus",
  "ffmpeg-5.1.opus",
  "frame-2.5ms.opus",
  "frame-60ms.opus",
  "bitrate-510k.opus",
  "chained.opus",
  "multiplexed.ogg",
  "derived/offset-start.opus",
  "derived/repaged-continued.opus",
  "derived/repaged-opusenc.opus",
  "derived/chained-offset.opus",
];

const indexes = new Map<string, { bytes: Uint8Array; index: OpusIndex }>();
beforeAll(async () => {
  for (const file of FILES) {
    const bytes = loadFixture(file);
    indexes.set(file, { bytes, index: await buildIndex(bytes, { workers: 0 }) });
  }
});

/** The packets a reader finds in exactly the planned bytes, as the plan says to take them. */
function packetsOf(bytes: Uint8Array, plan: DecodePlan): Uint8Array[] {
  const slice = bytes.subarray(plan.byteOffset, plan.byteOffset + plan.byteLength);
  // A leading continuation (a packet that began before the first page) is dropped, as it should be.
  const packets = [...assemblePackets(readPages(slice, { strict: true }))].filter((p) => p.serial === plan.serial);
  return packets.map((p) => p.data).slice(plan.skipPackets, plan.skipPackets + plan.packetCount);
}

function checkPlan(file: string, start: number, end: number, preRoll: number): DecodePlan {
  const { bytes, index } = indexes.get(file)!;
  const plan = index.locate(start, end, { preRollSamples: preRoll });
  const link = index.links[plan.link]!;
  const linkFirstPacket = index.rows.startSample[link.firstPage]!;
  const durations = [...index.packetSamples.subarray(plan.firstPacket, plan.firstPacket + plan.packetCount)];
  const decodeEnd = plan.decodeStartSample + durations.reduce((a, b) => a + b, 0);
  // Decoding starts with the packet that holds start - preRoll, or the link's first packet.
  const wanted = Math.max(start - preRoll, linkFirstPacket);
  expect(plan.decodeStartSample).toBeLessThanOrEqual(wanted);
  expect(plan.decodeStartSample + durations[0]!).toBeGreaterThan(wanted);
  // ... and ends with the packet that holds end - 1.
  expect(decodeEnd).toBeGreaterThanOrEqual(end);
  expect(decodeEnd - durations[durations.length - 1]!).toBeLessThan(end);
  expect(plan.discardSamples).toBe(start - plan.decodeStartSample);
  expect(plan.fromLinkStart).toBe(plan.decodeStartSample === linkFirstPacket);
  // The planned bytes hold exactly those packets, whole, with those durations.
  const packets = packetsOf(bytes, plan);
  expect(packets.length).toBe(plan.packetCount);
  expect(packets.map((p) => packetSamples(p))).toEqual(durations);
  expect(plan.byteOffset).toBe(index.rows.byteOffset[plan.firstPage]);
  return plan;
}

describe("locate", () => {
  it("plans every random range at packet granularity, with exactly the bytes that hold its packets", () => {
    const arbitrary = fc
      .constantFrom(...FILES)
      .chain((file) => {
        const index = indexes.get(file)!.index;
        return fc.tuple(
          fc.constant(file),
          fc.integer({ min: 0, max: index.links.length - 1 }),
          fc.nat(),
          fc.integer({ min: 1, max: 96_000 }),
          fc.constantFrom(0, 3840, 7680, 20_000),
        );
      })
      .map(([file, linkIndex, offset, length, preRoll]) => {
        const link = indexes.get(file)!.index.links[linkIndex]!;
        const start = link.firstSample + (offset % link.sampleCount);
        const end = Math.min(link.firstSample + link.sampleCount, start + length);
        return { file, start, end, preRoll };
      });
    fc.assert(
      fc.property(arbitrary, ({ file, start, end, preRoll }) => {
        checkPlan(file, start, end, preRoll);
      }),
      { numRuns: 800 },
    );
  });

  it("ends decoding exactly at every page granule: the packet before it ends there", () => {
    for (const file of FILES) {
      const { index } = indexes.get(file)!;
      for (let r = 0; r < index.pageCount; r++) {
        const link = index.links[index.rows.link[r]!]!;
        const t = index.rows.endSample[r]!;
        if (index.rows.granule[r] === -1n || t <= link.firstSample || t > link.firstSample + link.sampleCount) continue;
        const plan = checkPlan(file, t - 1, t, 3840);
        const end =
          plan.decodeStartSample +
          [...index.packetSamples.subarray(plan.firstPacket, plan.firstPacket + plan.packetCount)].reduce(
            (a, b) => a + b,
            0,
          );
        expect(end, `${file} row ${r}`).toBe(t);
      }
    }
  });

  it("decodes a 2 s segment with at most one packet more than the pre-roll, not a page", () => {
    const plan = checkPlan("ffmpeg-mono.opus", 100_000, 196_000, 3840);
    expect(plan.discardSamples).toBeGreaterThanOrEqual(3840);
    expect(plan.discardSamples).toBeLessThan(3840 + 960);
    expect(plan.fromLinkStart).toBe(false);
  });

  it("starts at the link's first packet near its start, where pre-skip is the pre-roll", () => {
    const plan = checkPlan("ffmpeg-mono.opus", 100, 200, 3840);
    expect(plan).toMatchObject({
      fromLinkStart: true,
      decodeStartSample: -312,
      discardSamples: 412,
      firstPacket: 0,
      skipPackets: 0,
    });
    const second = checkPlan("chained.opus", 96_000, 96_010, 3840);
    expect(second).toMatchObject({ link: 1, fromLinkStart: true, decodeStartSample: 96_000 - 312 });
  });

  it("reads on to the page where a packet continued across pages ends", () => {
    const { index } = indexes.get("derived/repaged-continued.opus")!;
    let spanning = 0;
    for (let r = 0; r < index.pageCount - 1; r++) {
      if (!(index.rows.flags[r]! & 0x80) || index.rows.packetCount[r] === 0) continue;
      const lastPacket = index.rows.packetStart[r]! + index.rows.packetCount[r]! - 1;
      let start = index.rows.startSample[r]!;
      for (let p = index.rows.packetStart[r]!; p < lastPacket; p++) start += index.packetSamples[p]!;
      if (start < 0) continue;
      const plan = checkPlan("derived/repaged-continued.opus", start, start + 1, 0);
      expect(plan.lastPage).toBeGreaterThan(r);
      spanning++;
    }
    expect(spanning).toBeGreaterThan(50);
  });

  it("refuses ranges outside the recording or across links, saying what it holds", () => {
    const { index } = indexes.get("chained.opus")!;
    expect(() => index.locate(-1, 10)).toThrow(RangeError);
    expect(() => index.locate(0, 192_001)).toThrow(/holds samples 0-192000/);
    expect(() => index.locate(10, 10)).toThrow(RangeError);
    expect(() => index.locate(0.5, 10)).toThrow(/whole numbers/);
    expect(() => index.locate(95_000, 97_000)).toThrow(OpusError);
    expect(() => index.locate(0, 10, { preRollSamples: -1 })).toThrow(OpusError);
    expect(index.splitByLink(95_000, 97_000)).toEqual([
      { link: 0, startSample: 95_000, endSample: 96_000 },
      { link: 1, startSample: 96_000, endSample: 97_000 },
    ]);
  });

  it("lists the holes a plan touches", async () => {
    const index = await buildIndex(loadFixture("derived/missing-page.opus"), { workers: 0 });
    expect(index.locate(100_000, 100_100).problems.map((p) => p.code)).toEqual(["hole"]);
    expect(index.locate(10_000, 10_100).problems).toEqual([]);
    expect(index.locate(150_000, 150_100, { preRollSamples: 3840 }).problems).toEqual([]);
  });
});
