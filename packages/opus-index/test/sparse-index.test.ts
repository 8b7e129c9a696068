import { readPages } from "@granule/ogg-pages";
import {
  type ByteSource,
  bufferSource,
  buildIndex,
  type DecodePlan,
  type OpusIndex,
  sparseIndex,
} from "@granule/opus-index";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fact, loadFixture, opusFixtures } from "./fixtures.ts";

/** A source that counts what is read from it. */
function counted(bytes: Uint8Array): ByteSource & { reads: number; bytesRead: number } {
  const inner = bufferSource(bytes);
  const source = {
    size: inner.size,
    reads: 0,
    bytesRead: 0,
    read: async (byteOffset: number, byteLength: number) => {
      source.reads++;
      const got = await inner.read(byteOffset, byteLength);
      source.bytesRead += got.length;
      return got;
    },
  };
  return source;
}

/**
 * What decoding a plan takes from the file: its bytes, packets and positions (not the packet
 * numbers, which count the packets indexed). Pages by their CRCs: a file with repeated pages
 * may be planned from either copy.
 */
function decodeView(index: OpusIndex, plan: DecodePlan) {
  return {
    pages: [...index.rows.crc!.subarray(plan.firstPage, plan.lastPage + 1)],
    skipPackets: plan.skipPackets,
    packetCount: plan.packetCount,
    decodeStartSample: plan.decodeStartSample,
    discardSamples: plan.discardSamples,
    fromLinkStart: plan.fromLinkStart,
    serial: plan.serial,
    problems: plan.problems.length,
    packetSamples: [...index.packetSamples.subarray(plan.firstPacket, plan.firstPacket + plan.packetCount)],
  };
}

/** 1 to `maxLength` ranges of up to 2 s in a recording of `total` samples. */
const rangesIn = (total: number, maxLength: number) =>
  fc.array(
    fc
      .tuple(fc.integer({ min: 0, max: total - 1 }), fc.integer({ min: 1, max: 96_000 }))
      .map(([a, n]) => ({ startSample: a, endSample: Math.min(total, a + n) })),
    { minLength: 1, maxLength },
  );

const PRE_ROLL = 24_000;
const CHUNK = 2048;
const CLEAN = [
  "ffmpeg-mono.opus",
  "ffmpeg-160k.opus",
  "opusenc-stereo.opus",
  "ffmpeg-5.1.opus",
  "frame-2.5ms.opus",
  "frame-60ms.opus",
  "bitrate-510k.opus",
  "derived/offset-start.opus",
  "derived/tags-multipage.opus",
  "derived/repaged-continued.opus",
  "derived/repaged-opusenc.opus",
];

describe("sparseIndex", () => {
  it.each(CLEAN)("plans ranges of %s exactly as the full index, reading a part of the file", async (file) => {
    const bytes = loadFixture(file);
    const full = await buildIndex(bytes, { workers: 0 });
    const total = full.totalSamples;
    await fc.assert(
      fc.asyncProperty(rangesIn(total, 3), async (ranges) => {
        const source = counted(bytes);
        const result = await sparseIndex(source, ranges, {
          preRollSamples: PRE_ROLL,
          chunkBytes: CHUNK,
          maxBytes: bytes.length,
        });
        if (result.kind !== "sparse") throw new Error(`read whole: ${result.reason}`);
        expect(result.index.totalSamples).toBe(total);
        expect(result.index.head).toEqual(full.head);
        for (const range of ranges) {
          const want = full.locate(range.startSample, range.endSample, { preRollSamples: PRE_ROLL });
          const got = result.index.locate(range.startSample, range.endSample, { preRollSamples: PRE_ROLL });
          expect(decodeView(result.index, got)).toEqual(decodeView(full, want));
          expect(got.byteOffset).toBe(want.byteOffset);
          // The plan's bytes are served from what was read, the same bytes as the file's.
          const reads = source.reads;
          const planned = await result.source.read(got.byteOffset, got.byteLength);
          expect(source.reads).toBe(reads);
          // (Buffer.compare: toEqual walks a large array element by element, slowly.)
          const fileBytes = bytes.subarray(got.byteOffset, got.byteOffset + got.byteLength);
          expect(Buffer.compare(planned, fileBytes)).toBe(0);
        }
        expect(source.bytesRead).toBe(result.bytesRead);
      }),
      { numRuns: 25, seed: 20261202 },
    );
  });

  it.each(CLEAN)("with the pages walked, reads %s's ranges at once and plans them as the full index", async (file) => {
    const bytes = loadFixture(file);
    const full = await buildIndex(bytes, { workers: 0 });
    const total = full.totalSamples;
    // The page table a walk of the headers gives (granule -1: no packet ends on the page).
    const walked = [...readPages(bytes)];
    const pages = { byteOffsets: walked.map((p) => p.byteOffset), granules: walked.map((p) => p.granule) };
    await fc.assert(
      fc.asyncProperty(rangesIn(total, 8), async (ranges) => {
        const source = counted(bytes);
        const result = await sparseIndex(source, ranges, {
          preRollSamples: PRE_ROLL,
          chunkBytes: CHUNK,
          maxBytes: bytes.length,
          pages,
        });
        if (result.kind !== "sparse") throw new Error(`read whole: ${result.reason}`);
        // The first and last pages (until the headers are whole), then every range at once.
        expect(result.rounds).toBeLessThanOrEqual(2);
        expect(result.index.totalSamples).toBe(total);
        for (const range of ranges) {
          const want = full.locate(range.startSample, range.endSample, { preRollSamples: PRE_ROLL });
          const got = result.index.locate(range.startSample, range.endSample, { preRollSamples: PRE_ROLL });
          expect(decodeView(result.index, got)).toEqual(decodeView(full, want));
          expect(got.byteOffset).toBe(want.byteOffset);
        }
      }),
      { numRuns: 25, seed: 20261203 },
    );
  });

  it("with a wrong page table, still plans as the full index (the walk only says where to read)", async () => {
    const bytes = loadFixture("ffmpeg-160k.opus");
    const full = await buildIndex(bytes, { workers: 0 });
    const walked = [...readPages(bytes)];
    // Granules shifted by a second: every read lands a second early, and the reads go on.
    const pages = {
      byteOffsets: walked.map((p) => p.byteOffset),
      granules: walked.map((p, i) => (i < 3 || p.granule < 0n ? p.granule : p.granule + 48_000n)),
    };
    const ranges = [{ startSample: full.totalSamples / 2, endSample: full.totalSamples / 2 + 4_800 }];
    const result = await sparseIndex(counted(bytes), ranges, {
      preRollSamples: PRE_ROLL,
      chunkBytes: CHUNK,
      maxBytes: bytes.length,
      pages,
    });
    if (result.kind === "sparse") {
      const want = full.locate(ranges[0]!.startSample, ranges[0]!.endSample, { preRollSamples: PRE_ROLL });
      const got = result.index.locate(ranges[0]!.startSample, ranges[0]!.endSample, { preRollSamples: PRE_ROLL });
      expect(decodeView(result.index, got)).toEqual(decodeView(full, want));
    }
  });

  it("reads a few rounds and a small part of a longer file for one short range", async () => {
    // 284 pages of about 300 bytes (85 kB): with 2 KiB probes it is 41 of them.
    const bytes = loadFixture("derived/repaged-continued.opus");
    const full = await buildIndex(bytes, { workers: 0 });
    const middle = Math.floor(full.totalSamples / 2);
    const source = counted(bytes);
    const result = await sparseIndex(source, [{ startSample: middle, endSample: middle + 4_800 }], {
      preRollSamples: 3_840,
      chunkBytes: CHUNK,
    });
    if (result.kind !== "sparse") throw new Error(`read whole: ${result.reason}`);
    expect(result.rounds).toBeLessThanOrEqual(6);
    expect(source.bytesRead).toBeLessThan(bytes.length / 3);
  });

  it.each([
    ["chained.opus", "more than one stream or link"],
    ["multiplexed.ogg", "more than one stream or link"],
  ])("reads %s whole: %s", async (file, reason) => {
    const bytes = loadFixture(file);
    const result = await sparseIndex(bufferSource(bytes), [{ startSample: 0, endSample: 100 }], {
      preRollSamples: PRE_ROLL,
      chunkBytes: 1024,
      maxBytes: bytes.length,
    });
    expect(result).toEqual({ kind: "whole", reason: expect.stringContaining(reason), expected: false });
  });

  it("reads a small file whole", async () => {
    const result = await sparseIndex(
      bufferSource(loadFixture("ffmpeg-mono.opus")),
      [{ startSample: 0, endSample: 9 }],
      {
        preRollSamples: PRE_ROLL,
      },
    );
    expect(result).toEqual({ kind: "whole", reason: "the file is small", expected: true });
  });

  // Damaged and edited files: either read whole, or every range it plans is the full index's
  // plan (never audio from another place). Damage it never reads it cannot see; where the full
  // index refuses a range, a sparse plan must not decode it either unless it reads the same.
  const damaged = opusFixtures.filter((f) => f.file.startsWith("derived/")).map((f) => f.file);
  it.each(damaged)("never plans %s differently from the full index", async (file) => {
    const bytes = loadFixture(file);
    const full = await buildIndex(bytes, { workers: 0 });
    if (full.totalSamples < 2) return;
    const total = full.totalSamples;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: total - 1 }), fc.integer({ min: 1, max: 48_000 }), async (a, n) => {
        const range = { startSample: a, endSample: Math.min(total, a + n) };
        const result = await sparseIndex(bufferSource(bytes), [range], {
          preRollSamples: PRE_ROLL,
          chunkBytes: 1024,
          maxBytes: bytes.length,
        });
        if (result.kind === "whole") return;
        if (result.index.totalSamples !== total) {
          // Granules that jump back where it did not read (granule-back.opus): placed by the
          // granules, as libopusfile places them, not by the packets, as the full index does.
          expect(result.index.totalSamples).toBe(fact(file).opus!.pcmTotal);
          return;
        }
        const want = full.locate(range.startSample, range.endSample, { preRollSamples: PRE_ROLL });
        const got = result.index.locate(range.startSample, range.endSample, { preRollSamples: PRE_ROLL });
        if (want.problems.length === 0) expect(decodeView(result.index, got)).toEqual(decodeView(full, want));
        else expect(got.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: 15, seed: 20261202 },
    );
  });
});
