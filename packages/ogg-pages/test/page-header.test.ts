import { OggError, parsePageHeader, writePage } from "@granule/ogg-pages";
import { describe, expect, it } from "vitest";
import { facts, loadFixture } from "./fixtures.ts";

function expectOggError(run: () => unknown, code: string, byteOffset: number): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OggError);
    expect((error as OggError).code).toBe(code);
    expect((error as OggError).byteOffset).toBe(byteOffset);
    return;
  }
  throw new Error(`expected OggError ${code}`);
}

describe("parsePageHeader", () => {
  it("reads every page header of every fixture exactly as libogg does", () => {
    for (const fact of facts) {
      const bytes = loadFixture(fact.file);
      for (const page of fact.pages) {
        const header = parsePageHeader(bytes, page.byteOffset);
        expect({
          byteLength: header.byteLength,
          headerByteLength: header.headerByteLength,
          segments: header.lacing.length,
          serial: header.serial,
          sequence: header.sequence,
          granule: header.granule,
          continued: header.continued,
          bos: header.bos,
          eos: header.eos,
        }).toEqual({
          byteLength: page.byteLength,
          headerByteLength: page.headerLength,
          segments: page.segmentCount,
          serial: page.serial,
          sequence: page.sequence,
          granule: BigInt(page.granule),
          continued: page.continued,
          bos: page.bos,
          eos: page.eos,
        });
        expect(header.version).toBe(0);
        expect(header.bodyByteLength).toBe(page.byteLength - page.headerLength);
      }
    }
  });

  it("reads granule -1 and the largest serial, sequence and granule values", () => {
    const page = writePage({
      granule: -1n,
      serial: 0xffffffff,
      sequence: 0xfffffffe,
      lacing: [3],
      body: new Uint8Array(3),
    });
    const header = parsePageHeader(page, 0);
    expect(header.granule).toBe(-1n);
    expect(header.serial).toBe(0xffffffff);
    expect(header.sequence).toBe(0xfffffffe);
    const big = writePage({ granule: (1n << 63n) - 1n, serial: 1, sequence: 0, lacing: [], body: new Uint8Array(0) });
    expect(parsePageHeader(big, 0).granule).toBe((1n << 63n) - 1n);
  });

  it("names the problem and its byte offset", () => {
    const page = writePage({ granule: 0n, serial: 7, sequence: 0, lacing: [10], body: new Uint8Array(10) });
    const withJunk = new Uint8Array(5 + page.length);
    withJunk.set(page, 5);
    expect(parsePageHeader(withJunk, 5).serial).toBe(7);
    expectOggError(() => parsePageHeader(withJunk, 4), "no-capture-pattern", 4);
    const badVersion = page.slice();
    badVersion[4] = 1;
    expectOggError(() => parsePageHeader(badVersion, 0), "bad-version", 0);
    const badFlags = page.slice();
    badFlags[5] = 0x08;
    expectOggError(() => parsePageHeader(badFlags, 0), "bad-flags", 0);
    expectOggError(() => parsePageHeader(page.subarray(0, 20), 0), "truncated", 0);
    expectOggError(() => parsePageHeader(page.subarray(0, 27), 0), "truncated", 0);
    expectOggError(() => parsePageHeader(page.subarray(0, 2), 0), "truncated", 0);
    expectOggError(() => parsePageHeader(page, 99), "invalid-argument", 99);
  });
});
