import { WindowDecoder } from "@granule/extract";
import { assemblePackets, readPages } from "@granule/ogg-pages";
import { buildIndex } from "@granule/opus-index";
import { OpusDecoder } from "opus-decoder";
import { describe, expect, it } from "vitest";
import { identical, loadFixture } from "./helpers.ts";

describe("WindowDecoder", () => {
  for (const file of ["ffmpeg-mono.opus", "ffmpeg-stereo.opus", "ffmpeg-5.1.opus"]) {
    it(`${file}: every window starts from a state bit-identical to a new decoder's`, async () => {
      const bytes = loadFixture(file);
      const head = (await buildIndex(bytes, { workers: 0 })).head;
      const packets = [...assemblePackets(readPages(bytes))].map((p) => p.data).slice(2);
      const decoder = await WindowDecoder.create(head);
      expect(decoder.restoresSnapshots).toBe(true);
      for (let round = 0; round < 40; round++) {
        // Dirty the state with some other packets first.
        await decoder.restart();
        const junk = Array.from({ length: head.channels }, () => new Float32Array(960 * 5));
        decoder.decodeInto(packets.slice(round, round + 5), 0, junk, 1);
        await decoder.restart();
        const window = packets.slice(60 + (round % 7), 100 + (round % 7));
        const out = Array.from({ length: head.channels }, () => new Float32Array(40 * 960 - 500));
        const decoded = decoder.decodeInto(window, 500, out, 1);
        expect(decoded).toBe(40 * 960);
        const fresh = new OpusDecoder({
          channels: head.channels,
          streamCount: head.streamCount,
          coupledStreamCount: head.coupledCount,
          channelMappingTable: [...head.mapping],
          preSkip: 0,
        });
        await fresh.ready;
        const expected = fresh.decodeFrames(window).channelData.map((c) => c.subarray(500));
        fresh.free();
        expect(identical(out, expected)).toBe(true);
      }
    });
  }

  it("refuses an empty packet instead of concealing it as silence, and an oversized one", async () => {
    const head = (await buildIndex(loadFixture("ffmpeg-mono.opus"), { workers: 0 })).head;
    const decoder = await WindowDecoder.create(head);
    const out = [new Float32Array(10)];
    expect(() => decoder.decodeInto([new Uint8Array(0)], 0, out, 1)).toThrow(/0 bytes/);
    expect(() => decoder.decodeInto([new Uint8Array(4000)], 0, out, 1)).toThrow(/4000 bytes/);
  });
});
