import { ExtractError, extract } from "@granule/extract";
import { setPageCrc } from "@granule/ogg-pages";
import { bufferSource, buildIndex, OpusIndex, recording } from "@granule/opus-index";
import { describe, expect, it } from "vitest";
import { identical, loadFixture } from "./helpers.ts";

// ffmpeg-mono.opus: page 4 (sequence 4) is bytes 18120-26706, timeline samples 95688-143688.
const PAGE4 = 18_120;
const range = { startSample: 120_000, endSample: 121_000 };

async function indexed() {
  const bytes = loadFixture("ffmpeg-mono.opus");
  return { bytes, index: await buildIndex(bytes, { workers: 0 }) };
}

async function failure(index: OpusIndex, bytes: Uint8Array): Promise<ExtractError> {
  const error = await extract(recording(index, bufferSource(bytes)), range).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ExtractError);
  return error as ExtractError;
}

describe("every page a window reads is the page the index recorded", () => {
  it("fails with bad-data at the page's byte offset when its audio was edited in place with a valid CRC", async () => {
    const { bytes, index } = await indexed();
    const edited = bytes.slice();
    edited[PAGE4 + 27 + 50 + 500]! ^= 0x5a; // inside a packet, not its TOC byte
    setPageCrc(edited, PAGE4);
    const error = await failure(index, edited);
    expect(error).toMatchObject({ code: "bad-data", byteOffset: PAGE4 });
    expect(error.message).toMatch(
      /^the page at byte 18120 has CRC 0x[0-9a-f]{8}, but the index recorded 0x[0-9a-f]{8}/,
    );
  });

  it("fails with bad-data when a page's sequence number was edited in place", async () => {
    const { bytes, index } = await indexed();
    const edited = bytes.slice();
    edited[PAGE4 + 18] = 40;
    setPageCrc(edited, PAGE4);
    const error = await failure(index, edited);
    expect(error).toMatchObject({ code: "bad-data", byteOffset: PAGE4 });
  });

  it("fails with bad-data when no valid page is where the index says", async () => {
    const { bytes, index } = await indexed();
    const edited = bytes.slice();
    edited[PAGE4 + 3] = 0x00; // "OggS" broken
    const error = await failure(index, edited);
    expect(error).toMatchObject({ code: "bad-data", byteOffset: PAGE4 });
    expect(error.message).toMatch(/no valid page at byte 18120/);
  });

  it("still reads an index without CRC and sequence columns (an older archive), checking what it has", async () => {
    const { bytes, index } = await indexed();
    const { crc: _c, sequence: _s, ...rows } = index.rows;
    const legacy = new OpusIndex({ ...index.data, rows });
    const a = await extract(recording(legacy, bufferSource(bytes)), range);
    const b = await extract(recording(index, bufferSource(bytes)), range);
    expect(identical(a.channels, b.channels)).toBe(true);
  });
});

describe("a file cut inside a continued packet", () => {
  it("gives the last samples before the cut, or a typed error; never a read of NaN bytes", async () => {
    const { readPages } = await import("@granule/ogg-pages");
    const bytes = loadFixture("derived/repaged-continued.opus");
    const pages = [...readPages(bytes)];
    let extracted = 0;
    // From 4 s on, pages end inside packets: cut at and inside them.
    for (const page of pages.slice(200).filter((_, i) => i % 8 === 0)) {
      for (const end of [page.byteOffset + page.byteLength, page.byteOffset + (page.byteLength >> 1)]) {
        const cut = bytes.subarray(0, end);
        const rec = recording(await buildIndex(cut, { workers: 0 }), bufferSource(cut));
        const total = rec.index.totalSamples;
        for (const length of [1, 960, 48_000]) {
          const segment = await extract(rec, { startSample: total - length, endSample: total });
          expect(segment.channels[0]!.length).toBe(length);
          extracted++;
        }
      }
    }
    expect(extracted).toBeGreaterThan(20);
  }, 120_000);
});
