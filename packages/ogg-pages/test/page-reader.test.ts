import {
  createPageStream,
  OggError,
  OggPageReader,
  PAGE_MAX_BYTES,
  readPages,
  type SkippedRange,
} from "@granule/ogg-pages";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunksAt, messyBytes } from "./arbitraries.ts";
import { facts, loadFixture } from "./fixtures.ts";

function summary(page: { byteOffset: number; byteLength: number; granule: bigint; serial: number; body: Uint8Array }) {
  return {
    byteOffset: page.byteOffset,
    byteLength: page.byteLength,
    granule: page.granule,
    serial: page.serial,
    body: [...page.body],
  };
}

function whole(bytes: Uint8Array) {
  const skipped: SkippedRange[] = [];
  const pages = [...readPages(bytes, { onSkip: (s) => skipped.push(s) })].map(summary);
  return { pages, skipped };
}

function streamed(chunks: Uint8Array[]) {
  const skipped: SkippedRange[] = [];
  const reader = new OggPageReader({ onSkip: (s) => skipped.push(s) });
  const pages = [];
  for (const chunk of chunks) {
    pages.push(...reader.push(chunk));
    expect(reader.bufferedByteLength).toBeLessThan(PAGE_MAX_BYTES);
  }
  pages.push(...reader.end());
  return { pages: pages.map(summary), skipped };
}

describe("OggPageReader", () => {
  it("yields the same pages and skipped ranges as readPages for any chunking", () => {
    fc.assert(
      fc.property(messyBytes, fc.array(fc.nat(), { maxLength: 40 }), (bytes, cuts) => {
        expect(streamed(chunksAt(bytes, cuts))).toEqual(whole(bytes));
      }),
      { numRuns: 400 },
    );
  });

  it("reads every fixture fed one byte at a time and in one piece", () => {
    for (const fact of facts.slice(0, 4)) {
      const bytes = loadFixture(fact.file);
      const oneByte = [];
      for (let i = 0; i < bytes.length; i++) oneByte.push(bytes.subarray(i, i + 1));
      const expected = whole(bytes);
      expect(streamed(oneByte)).toEqual(expected);
      expect(streamed([bytes])).toEqual(expected);
      expect(expected.pages.length).toBe(fact.pageCount);
    }
  });

  it("pages own their bytes, so a reused chunk buffer does not change them", () => {
    const bytes = loadFixture(facts[0]!.file);
    const reader = new OggPageReader();
    const scratch = new Uint8Array(1000);
    const pages = [];
    for (let at = 0; at < bytes.length; at += scratch.length) {
      const piece = bytes.subarray(at, at + scratch.length);
      scratch.set(piece);
      pages.push(...reader.push(scratch.subarray(0, piece.length)));
      scratch.fill(0xee);
    }
    pages.push(...reader.end());
    expect(pages.map(summary)).toEqual(whole(bytes).pages);
  });

  it("throws OggError in strict mode at the same offset as readPages", () => {
    const bytes = loadFixture(facts[0]!.file).slice();
    bytes[9146 + 100]! ^= 1;
    const reader = new OggPageReader({ strict: true });
    expect(() => {
      for (let at = 0; at < bytes.length; at += 777) reader.push(bytes.subarray(at, at + 777));
      reader.end();
    }).toThrow(OggError);
    try {
      for (const _ of readPages(bytes, { strict: true })) {
        // drain
      }
    } catch (error) {
      expect((error as OggError).byteOffset).toBe(9146);
    }
  });
});

describe("createPageStream", () => {
  it("pipes a ReadableStream of chunks to pages", async () => {
    const bytes = loadFixture(facts[1]!.file);
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 4096) controller.enqueue(bytes.slice(at, at + 4096));
        controller.close();
      },
    });
    const pages = [];
    const reader = source.pipeThrough(createPageStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pages.push(summary(value));
    }
    expect(pages).toEqual(whole(bytes).pages);
  });
});
