import { buildIndex, OpusError, readSidecar, writeSidecar } from "@granule/opus-index";
import { describe, expect, it } from "vitest";
import { loadFixture, opusFixtures } from "./fixtures.ts";

describe("sidecar", () => {
  it("gives back the same index for every fixture", async () => {
    for (const f of opusFixtures) {
      const bytes = loadFixture(f.file);
      const index = await buildIndex(bytes, { workers: 0 });
      const sidecar = writeSidecar(index);
      const reopened = readSidecar(sidecar, bytes.length);
      expect(reopened.data, f.file).toEqual(index.data);
      expect(writeSidecar(reopened)).toEqual(sidecar);
      expect(reopened.locate(1000, 2000)).toEqual(index.locate(1000, 2000));
    }
  });

  it("is compact: a few bytes per packet", async () => {
    const index = await buildIndex(loadFixture("../examples/dawn-chorus.opus"), { workers: 0 });
    const sidecar = writeSidecar(index);
    expect(sidecar.length).toBeLessThan(2 * index.packetCount + 64 * index.pageCount + 2048);
  });

  it("refuses a damaged sidecar, another version, or one written for another file", async () => {
    const bytes = loadFixture("ffmpeg-mono.opus");
    const sidecar = writeSidecar(await buildIndex(bytes, { workers: 0 }));
    const expectBad = (data: Uint8Array, size: number | undefined, message: RegExp) => {
      try {
        readSidecar(data, size);
      } catch (error) {
        expect(error).toBeInstanceOf(OpusError);
        expect((error as OpusError).code).toBe("bad-sidecar");
        expect((error as OpusError).message).toMatch(message);
        return;
      }
      throw new Error("expected bad-sidecar");
    };
    const flipped = sidecar.slice();
    flipped[100]! ^= 1;
    expectBad(flipped, undefined, /checksum/);
    expectBad(sidecar, bytes.length + 1, /44431-byte file, but this file has 44432/);
    expectBad(bytes, undefined, /magic/);
    expectBad(sidecar.subarray(0, 10), undefined, /magic/);
    const otherVersion = sidecar.slice();
    otherVersion[8] = 9;
    expectBad(otherVersion, undefined, /version 9/);
  });
});
