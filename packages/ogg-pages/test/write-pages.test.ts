import { assemblePackets, OggError, readPages, writePage, writePages } from "@granule/ogg-pages";
import { describe, expect, it } from "vitest";
import { packetBytes } from "./arbitraries.ts";
import { facts, loadFixture } from "./fixtures.ts";

function lacingOf(bytes: Uint8Array): number[][] {
  return [...readPages(bytes, { strict: true })].map((p) => [...p.lacing]);
}

describe("writePages", () => {
  it("laces packets of 0, 1, 254, 255, 256 and 510 bytes as RFC 3533 says", () => {
    const sizes = [0, 1, 254, 255, 256, 510];
    const bytes = writePages(
      sizes.map((n, i) => ({ data: packetBytes(n, i), granule: BigInt(i) })),
      { serial: 1 },
    );
    expect(lacingOf(bytes)).toEqual([[0, 1, 254, 255, 0, 255, 1, 255, 255, 0]]);
  });

  it("puts the 0 that ends a 255-byte packet on the next page, flagged as continued", () => {
    const bytes = writePages([{ data: packetBytes(255, 1), granule: 7n }], { serial: 1, maxLacingValues: 1 });
    const pages = [...readPages(bytes, { strict: true })];
    expect(pages.map((p) => [[...p.lacing], p.continued, p.granule, p.bos, p.eos])).toEqual([
      [[255], false, -1n, true, false],
      [[0], true, 7n, false, true],
    ]);
    expect([...assemblePackets(pages)].map((p) => [p.data.length, p.startPage, p.endPage, p.granule])).toEqual([
      [255, 0, 1, 7n],
    ]);
  });

  it("closes pages by body size and on flush", () => {
    const packets = [0, 1, 2, 3].map((i) => ({ data: packetBytes(1000, i), granule: BigInt(i), flush: i === 0 }));
    const pages = [...readPages(writePages(packets, { serial: 1, targetBodyByteLength: 1500 }))];
    expect(pages.map((p) => p.bodyByteLength)).toEqual([1000, 1510, 1490]);
    expect(pages.map((p) => p.granule)).toEqual([0n, 1n, 3n]);
  });

  it("writes no page for no packets, and honours bos, eos and firstSequence", () => {
    expect(writePages([], { serial: 1 }).length).toBe(0);
    const pages = [
      ...readPages(
        writePages([{ data: packetBytes(10, 1), granule: 1n }], {
          serial: 9,
          bos: false,
          eos: false,
          firstSequence: 0xffffffff,
        }),
      ),
    ];
    expect(pages.map((p) => [p.bos, p.eos, p.sequence])).toEqual([[false, false, 0xffffffff]]);
  });

  it("reproduces the encoders' own files byte for byte, given their page breaks", () => {
    // An independent check of lacing, flags, granules and CRC: re-mux each single-stream
    // fixture's packets with a flush wherever the encoder ended a page.
    for (const fact of facts.filter((f) => f.streams.length === 1)) {
      const original = loadFixture(fact.file);
      const pages = [...readPages(original)];
      const packets = [...assemblePackets(pages)];
      const rewritten = writePages(
        packets.map((p) => ({
          data: p.data,
          granule: p.granule ?? 0n,
          flush: p.granule !== undefined && !pages[p.endPage]!.lacing.subarray(-1).includes(255),
        })),
        { serial: fact.streams[0]!.serial, targetBodyByteLength: 1 << 30 },
      );
      expect(rewritten.length, fact.file).toBe(original.length);
      expect(Buffer.from(rewritten).equals(Buffer.from(original)), fact.file).toBe(true);
    }
  });

  it("rejects options it cannot honour with OggError", () => {
    const one = [{ data: new Uint8Array(1), granule: 0n }];
    expect(() => writePages(one, { serial: 1, maxLacingValues: 0 })).toThrow(OggError);
    expect(() => writePages(one, { serial: 1, maxLacingValues: 256 })).toThrow(OggError);
    expect(() => writePages(one, { serial: -1 })).toThrow(OggError);
    expect(() => writePages([{ data: new Uint8Array(1), granule: 1n << 63n }], { serial: 1 })).toThrow(OggError);
    expect(() => writePage({ granule: 0n, serial: 1, sequence: 0, lacing: [5], body: new Uint8Array(4) })).toThrow(
      OggError,
    );
  });
});
