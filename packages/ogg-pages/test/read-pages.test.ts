import { OggError, OggPageReader, readPages, type SkippedRange, writePage, writePages } from "@granule/ogg-pages";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { messyBytes, oggStream, packetBytes } from "./arbitraries.ts";
import { facts, loadFixture } from "./fixtures.ts";

function lenient(bytes: Uint8Array) {
  const skipped: SkippedRange[] = [];
  const pages = [...readPages(bytes, { onSkip: (s) => skipped.push(s) })];
  return { pages, skipped };
}

function strictError(bytes: Uint8Array): OggError {
  try {
    for (const _ of readPages(bytes, { strict: true })) {
      // drain
    }
  } catch (error) {
    if (error instanceof OggError) return error;
    throw error;
  }
  throw new Error("strict readPages did not throw");
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const threePages = writePages(
  [0, 1, 2].map((i) => ({ data: packetBytes(300 + i, i), granule: BigInt(i), flush: true })),
  { serial: 42 },
);
const offsetsOfThree = [...readPages(threePages)].map((p) => p.byteOffset);

describe("readPages on encoder output", () => {
  for (const fact of facts) {
    it(`finds the ${fact.pageCount} pages of ${fact.file} where libogg does, with no skipped byte`, () => {
      const bytes = loadFixture(fact.file);
      const { pages, skipped } = lenient(bytes);
      expect(skipped).toEqual([]);
      expect(
        pages.map((p) => [p.byteOffset, p.byteLength, p.serial, p.sequence, p.granule, p.continued, p.bos, p.eos]),
      ).toEqual(
        fact.pages.map((p) => [
          p.byteOffset,
          p.byteLength,
          p.serial,
          p.sequence,
          BigInt(p.granule),
          p.continued,
          p.bos,
          p.eos,
        ]),
      );
      expect([...readPages(bytes, { strict: true })].length).toBe(fact.pageCount);
      for (const page of pages) {
        expect(page.body.length).toBe(page.bodyByteLength);
        expect(page.body.byteOffset - bytes.byteOffset).toBe(page.byteOffset + page.headerByteLength);
      }
    });
  }
});

describe("readPages on damaged input", () => {
  it("reports junk before the first page and still finds every page", () => {
    const junk = new TextEncoder().encode("RIFF....WAVE junk OggS not a page");
    const { pages, skipped } = lenient(concat(junk, threePages));
    expect(pages.map((p) => p.byteOffset)).toEqual(offsetsOfThree.map((o) => o + junk.length));
    expect(skipped).toEqual([{ byteOffset: 0, byteLength: junk.length, reason: "no-capture-pattern" }]);
    expect(strictError(concat(junk, threePages))).toMatchObject({ code: "no-capture-pattern", byteOffset: 0 });
  });

  it("reports a truncated last page with its offset and length", () => {
    const cut = threePages.subarray(0, threePages.length - 10);
    const { pages, skipped } = lenient(cut);
    expect(pages.map((p) => p.byteOffset)).toEqual(offsetsOfThree.slice(0, 2));
    expect(skipped).toEqual([
      { byteOffset: offsetsOfThree[2], byteLength: cut.length - offsetsOfThree[2]!, reason: "truncated" },
    ]);
    expect(strictError(cut)).toMatchObject({ code: "truncated", byteOffset: offsetsOfThree[2] });
  });

  it("skips a page with a bad CRC and keeps the pages after it", () => {
    const damaged = threePages.slice();
    damaged[offsetsOfThree[1]! + 40]! ^= 0x10;
    const { pages, skipped } = lenient(damaged);
    expect(pages.map((p) => p.byteOffset)).toEqual([offsetsOfThree[0], offsetsOfThree[2]]);
    expect(skipped).toEqual([
      { byteOffset: offsetsOfThree[1], byteLength: offsetsOfThree[2]! - offsetsOfThree[1]!, reason: "crc" },
    ]);
    expect(strictError(damaged)).toMatchObject({ code: "crc", byteOffset: offsetsOfThree[1] });
  });

  it("does not take 'OggS' inside a packet for a page", () => {
    const payload = concat(new TextEncoder().encode("xxOggS"), new Uint8Array([0, 0]), packetBytes(100, 3));
    const bytes = writePages([{ data: payload, granule: 5n }], { serial: 1 });
    const { pages, skipped } = lenient(bytes);
    expect(pages.length).toBe(1);
    expect(skipped).toEqual([]);
  });

  it("finds a real page inside the claimed length of a false one cut off by the end", () => {
    // A false capture pattern whose lacing claims far more bytes than follow it.
    const fake = new Uint8Array(27 + 255);
    fake.set([0x4f, 0x67, 0x67, 0x53, 0, 0]);
    fake[26] = 255;
    fake.fill(255, 27);
    const page = writePage({ granule: 9n, serial: 3, sequence: 0, lacing: [4], body: new Uint8Array(4) });
    const { pages, skipped } = lenient(concat(fake, page));
    expect(pages.map((p) => p.byteOffset)).toEqual([fake.length]);
    expect(skipped).toEqual([{ byteOffset: 0, byteLength: fake.length, reason: "truncated" }]);
  });

  it("reports reserved flag bits and other versions", () => {
    const page = writePage({ granule: 0n, serial: 3, sequence: 0, lacing: [1], body: new Uint8Array(1) });
    const badVersion = page.slice();
    badVersion[4] = 2;
    expect(lenient(badVersion).skipped).toEqual([{ byteOffset: 0, byteLength: page.length, reason: "bad-version" }]);
    expect(strictError(badVersion)).toMatchObject({ code: "bad-version", byteOffset: 0 });
    const badFlags = page.slice();
    badFlags[5] = 0x80;
    expect(strictError(badFlags)).toMatchObject({ code: "bad-flags", byteOffset: 0 });
  });

  it("detects any flipped byte, at the offset of the page that holds it", () => {
    fc.assert(
      fc.property(oggStream, fc.nat(), fc.integer({ min: 1, max: 255 }), (stream, where, mask) => {
        const good = [...readPages(stream)];
        const at = where % stream.length;
        const damaged = stream.slice();
        damaged[at]! ^= mask;
        const hit = good.findIndex((p) => at >= p.byteOffset && at < p.byteOffset + p.byteLength);
        const page = good[hit]!;
        expect(strictError(damaged).byteOffset).toBe(page.byteOffset);
        const { pages, skipped } = lenient(damaged);
        expect(pages.map((p) => p.byteOffset)).toEqual(good.filter((_, i) => i !== hit).map((p) => p.byteOffset));
        expect(skipped).toEqual([
          { byteOffset: page.byteOffset, byteLength: page.byteLength, reason: expect.any(String) },
        ]);
      }),
      { numRuns: 500 },
    );
  });

  it("on arbitrary bytes throws nothing but OggError, covers every byte once, and ends", () => {
    fc.assert(
      fc.property(fc.oneof(messyBytes, fc.uint8Array({ maxLength: 4000 })), (bytes) => {
        const { pages, skipped } = lenient(bytes);
        // Pages and skipped ranges tile the input exactly, in order.
        const pieces = [
          ...pages.map((p) => [p.byteOffset, p.byteLength]),
          ...skipped.map((s) => [s.byteOffset, s.byteLength]),
        ].sort((a, b) => a[0]! - b[0]!);
        let next = 0;
        for (const [offset, length] of pieces) {
          expect(offset).toBe(next);
          expect(length).toBeGreaterThan(0);
          next = offset! + length!;
        }
        expect(next).toBe(bytes.length);
        try {
          expect([...readPages(bytes, { strict: true })].length).toBe(pages.length);
          expect(skipped).toEqual([]);
        } catch (error) {
          expect(error).toBeInstanceOf(OggError);
          expect((error as OggError).byteOffset).toBe(skipped[0]?.byteOffset);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe("readPages checks runs of pages ahead in batches", () => {
  /** A page at a time: fed one byte at a time, the reader never sees a whole page beyond the next. */
  function pageAtATime(bytes: Uint8Array) {
    const skipped: SkippedRange[] = [];
    const reader = new OggPageReader({ onSkip: (s) => skipped.push(s) });
    const pages = [];
    for (let at = 0; at < bytes.length; at++) pages.push(...reader.push(bytes.subarray(at, at + 1)));
    pages.push(...reader.end());
    return { pages: pages.map((p) => [p.byteOffset, p.byteLength]), skipped };
  }

  it("gives the same pages and skipped ranges as a page at a time, over long runs of damaged pages", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(oggStream, messyBytes), { minLength: 10, maxLength: 30 }), (parts) => {
        const bytes = concat(...parts);
        const { pages, skipped } = lenient(bytes);
        expect({ pages: pages.map((p) => [p.byteOffset, p.byteLength]), skipped }).toEqual(pageAtATime(bytes));
      }),
      { numRuns: 40 },
    );
  });

  it("stops a run at a damaged page and at a page cut off, and a reader stopped early sees the same", () => {
    const packets = Array.from({ length: 60 }, (_, i) => ({
      data: packetBytes(500 + ((i * 7919) % 4000), i),
      granule: BigInt(i * 960),
      flush: true,
    }));
    const bytes = writePages(packets, { serial: 3 });
    const good = [...readPages(bytes)].map((p) => p.byteOffset);
    const last = good.length - 1;
    expect(last).toBeGreaterThan(40);
    const damaged = bytes.slice(0, bytes.length - 100);
    damaged[good[20]! + 40]! ^= 1;
    const { pages, skipped } = lenient(damaged);
    expect(pages.map((p) => p.byteOffset)).toEqual(good.filter((_, i) => i !== 20 && i !== last));
    expect(skipped).toEqual([
      { byteOffset: good[20], byteLength: good[21]! - good[20]!, reason: "crc" },
      { byteOffset: good[last], byteLength: damaged.length - good[last]!, reason: "truncated" },
    ]);
    const firstFive = [];
    for (const page of readPages(damaged)) {
      firstFive.push(page.byteOffset);
      if (firstFive.length === 5) break;
    }
    expect(firstFive).toEqual(good.slice(0, 5));
  });
});
