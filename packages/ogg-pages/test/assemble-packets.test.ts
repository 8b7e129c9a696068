import {
  assemblePackets,
  OggError,
  type OggPage,
  type PacketProblem,
  readPages,
  setPageCrc,
  writePages,
} from "@granule/ogg-pages";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { packetBytes, packetList, writerOptions } from "./arbitraries.ts";
import { facts, loadFixture } from "./fixtures.ts";

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function assemble(pages: Iterable<OggPage>) {
  const problems: PacketProblem[] = [];
  const packets = [...assemblePackets(pages, { onProblem: (p) => problems.push(p) })];
  return { packets, problems };
}

describe("assemblePackets on encoder output", () => {
  for (const fact of facts) {
    it(`gives libogg's packets and granules for ${fact.file}`, () => {
      const { packets, problems } = assemble(readPages(loadFixture(fact.file)));
      expect(problems).toEqual([]);
      for (const stream of fact.streams) {
        const own = packets.filter((p) => p.serial === stream.serial);
        expect(own.map((p) => p.data.length)).toEqual(stream.packetLengths);
        const marks = own.flatMap((p, i) => (p.granule === undefined ? [] : [[i, p.granule.toString()]]));
        expect(marks).toEqual(stream.granuleMarks);
      }
      expect(packets.length).toBe(fact.streams.reduce((n, s) => n + s.packetCount, 0));
    });
  }

  it("places the packet that continues across pages of bitrate-510k.opus on both pages", () => {
    const pages = [...readPages(loadFixture("bitrate-510k.opus"))];
    const continued = pages.findIndex((p) => p.continued);
    const { packets } = assemble(pages);
    const spanning = packets.filter((p) => p.startPage !== p.endPage);
    expect(spanning.length).toBe(1);
    expect(spanning[0]).toMatchObject({
      startPage: continued - 1,
      endPage: continued,
      startPageByteOffset: pages[continued - 1]!.byteOffset,
      endPageByteOffset: pages[continued]!.byteOffset,
    });
  });
});

/**
 * Pages of one stream, 2 lacing values a page: [255 255] [90 255] [255 190] [255 255] [255 35]
 * [255 45]. Packet 0 spans pages 0-1, packet 1 pages 1-2, packet 2 pages 3-4, packet 3 page 5.
 */
function smallPages() {
  const sources = [600, 700, 800, 300].map((n, i) => packetBytes(n, i));
  const bytes = writePages(
    sources.map((data, i) => ({ data, granule: BigInt((i + 1) * 960) })),
    { serial: 5, maxLacingValues: 2 },
  );
  return {
    sources,
    pages: [...readPages(bytes)].map((p) => ({ ...p, body: p.body.slice(), lacing: p.lacing.slice() })),
  };
}

describe("assemblePackets on broken streams", () => {
  it("drops the packet a sequence gap broke, and reports the gap at the page after it", () => {
    const { sources, pages } = smallPages();
    expect(pages.map((p) => [...p.lacing])).toEqual([
      [255, 255],
      [90, 255],
      [255, 190],
      [255, 255],
      [255, 35],
      [255, 45],
    ]);
    // Losing page 1 breaks packet 0 (its end) and packet 1 (its start).
    const withoutPage1 = pages.filter((_, i) => i !== 1);
    const { packets, problems } = assemble(withoutPage1);
    expect(problems.map((p) => [p.code, p.byteOffset, p.pageIndex])).toEqual([
      ["sequence-gap", pages[2]!.byteOffset, 1],
    ]);
    expect(packets.map((p) => p.data)).toEqual(sources.slice(2));
  });

  it("skips a page that repeats the one before, keeping the packet it continues", () => {
    const { sources, pages } = smallPages();
    // Page 1 ends packet 0 and starts packet 1; read twice, it must count once.
    const { packets, problems } = assemble([pages[0]!, pages[1]!, pages[1]!, ...pages.slice(2)]);
    expect(packets.map((p) => p.data)).toEqual(sources);
    expect(problems.map((p) => [p.code, p.byteOffset, p.pageIndex])).toEqual([
      ["sequence-back", pages[1]!.byteOffset, 2],
    ]);
    expect(problems[0]!.message).toBe(
      "page 1 of stream 5 comes after page 1: a repeated or out-of-order page; it is skipped",
    );
  });

  it("skips a page whose sequence number goes back, in the middle of a packet", () => {
    const { sources, pages } = smallPages();
    // Packet 2 spans pages 3-4; an old page arrives between them.
    const { packets, problems } = assemble([...pages.slice(0, 4), pages[1]!, ...pages.slice(4)]);
    expect(packets.map((p) => p.data)).toEqual(sources);
    expect(problems.map((p) => [p.code, p.pageIndex])).toEqual([["sequence-back", 4]]);
    expect(() => [...assemblePackets([...pages.slice(0, 4), pages[1]!], { strict: true })]).toThrow(
      expect.objectContaining({ name: "OggError", code: "sequence-back", byteOffset: pages[1]!.byteOffset }),
    );
  });

  it("drops a continuation whose beginning is missing at the start of a stream", () => {
    const { sources, pages } = smallPages();
    const fromPage1 = pages.slice(1).map((p) => ({ ...p, bos: p === pages[1] }));
    const { packets, problems } = assemble(fromPage1);
    expect(problems.map((p) => p.code)).toEqual(["broken-continuation"]);
    expect(packets.map((p) => p.data)).toEqual(sources.slice(1));
  });

  it("never glues an unfinished packet to the next page's first packet", () => {
    const { sources, pages } = smallPages();
    const page1 = pages[1]!;
    // Clear the continued flag of page 1: packet 0's start on page 0 is left unfinished.
    const edited = pages.map((p, i) => (i === 1 ? { ...page1, continued: false } : p));
    const { packets, problems } = assemble(edited);
    expect(problems).toMatchObject([{ code: "broken-continuation", byteOffset: page1.byteOffset, pageIndex: 1 }]);
    // Glued, the first packet would be 510 + 90 = 600 bytes; the page says its first packet is 90.
    expect(packets.map((p) => p.data.length)).toEqual([90, 700, 800, 300]);
    expect(packets.slice(1).map((p) => p.data)).toEqual(sources.slice(1));
  });

  it("reports a packet left unfinished by the end of the input", () => {
    const { sources, pages } = smallPages();
    const { packets, problems } = assemble(pages.slice(0, 4));
    expect(problems).toMatchObject([{ code: "truncated", pageIndex: 3, byteOffset: pages[3]!.byteOffset }]);
    expect(packets.map((p) => p.data)).toEqual(sources.slice(0, 2));
  });

  it("drops packets over maxPacketByteLength and keeps the rest", () => {
    const { sources, pages } = smallPages();
    const problems: PacketProblem[] = [];
    const packets = [...assemblePackets(pages, { maxPacketByteLength: 650, onProblem: (p) => problems.push(p) })];
    expect(packets.map((p) => p.data)).toEqual([sources[0], sources[3]]);
    expect(problems.map((p) => p.code)).toEqual(["packet-too-large", "packet-too-large"]);
  });

  it("throws OggError with the page offset in strict mode", () => {
    const { pages } = smallPages();
    const run = () => [
      ...assemblePackets(
        pages.filter((_, i) => i !== 2),
        { strict: true },
      ),
    ];
    expect(run).toThrow(OggError);
    try {
      run();
    } catch (error) {
      expect(error).toMatchObject({ code: "sequence-gap", byteOffset: pages[3]!.byteOffset });
    }
  });

  it("keeps interleaved streams apart", () => {
    const a = [
      ...readPages(writePages([{ data: packetBytes(700, 1), granule: 1n }], { serial: 1, maxLacingValues: 1 })),
    ];
    const b = [
      ...readPages(writePages([{ data: packetBytes(900, 2), granule: 2n }], { serial: 2, maxLacingValues: 1 })),
    ];
    const interleaved: OggPage[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i]) interleaved.push(a[i]!);
      if (b[i]) interleaved.push(b[i]!);
    }
    const { packets, problems } = assemble(interleaved);
    expect(problems).toEqual([]);
    expect(packets.map((p) => [p.serial, p.data.length, p.granule])).toEqual([
      [1, 700, 1n],
      [2, 900, 2n],
    ]);
  });
});

describe("write, read and assemble", () => {
  it("give back the same packets and granules for any packets and page limits", () => {
    fc.assert(
      fc.property(packetList, writerOptions, (packets, options) => {
        const bytes = writePages(packets, options);
        const pages = [...readPages(bytes, { strict: true })];
        const assembled = [...assemblePackets(pages, { strict: true })];
        expect(assembled.length).toBe(packets.length);
        // Plain loops, one assertion each: vitest's deep equality is far too slow for 100 kB arrays.
        const wrongData = assembled.findIndex((p, i) => !sameBytes(p.data, packets[i]!.data));
        expect(wrongData).toBe(-1);
        const wrongGranule = assembled.findIndex(
          (p, i) => p.granule !== undefined && p.granule !== packets[i]!.granule,
        );
        expect(wrongGranule).toBe(-1);
        // The last packet ending on each page carries its granule; pages where none ends carry -1.
        const endingPages = new Set(assembled.map((p) => p.endPage));
        expect(assembled.filter((p) => p.granule !== undefined).length).toBe(endingPages.size);
        if (packets.length > 0)
          expect(assembled[assembled.length - 1]!.granule).toBe(packets[packets.length - 1]!.granule);
        const wrongPage = pages.findIndex(
          (page, i) =>
            (!endingPages.has(i) && page.granule !== -1n) ||
            page.lacing.length > options.maxLacingValues ||
            page.bos !== (i === 0) ||
            page.eos !== (i === pages.length - 1) ||
            page.sequence !== (options.firstSequence + i) >>> 0 ||
            page.serial !== options.serial,
        );
        expect(wrongPage).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });

  it("setPageCrc makes an edited page valid again", () => {
    const bytes = writePages([{ data: packetBytes(50, 1), granule: 10n }], { serial: 1 });
    bytes[6] = 99; // granule low byte
    expect([...readPages(bytes)].length).toBe(0);
    setPageCrc(bytes, 0);
    expect([...readPages(bytes, { strict: true })][0]!.granule).toBe(99n);
  });
});
