// Inputs the fuzzer (scripts/fuzz) found, each rebuilt from a fixture by the edit that shows the bug.
import { assemblePackets, readPages, setPageCrc, writePages } from "@granule/ogg-pages";
import { buildIndex, OpusError, readSidecar, writeSidecar } from "@granule/opus-index";
import { checkIndexRows } from "@granule/opus-index/internal";
import { describe, expect, it } from "vitest";
import { loadFixture } from "./fixtures.ts";

describe("files the fuzzer found", () => {
  it("a first page whose sequence number another page claims is refused as bad-header-pages at byte 0, not read as NaN bytes", async () => {
    // OpusHead page renumbered 1, like the OpusTags page after it: the page selection trusts
    // neither, so the stream has no OpusHead left.
    const bytes = loadFixture("ffmpeg-stereo.opus").slice();
    new DataView(bytes.buffer).setUint32(18, 1, true);
    setPageCrc(bytes, 0);
    const error = await buildIndex(bytes, { workers: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpusError);
    expect((error as OpusError).code).toBe("bad-header-pages");
    expect((error as OpusError).byteOffset).toBe(0);
    expect((error as OpusError).message).not.toMatch(/NaN|undefined/);
    expect((error as OpusError).message).toMatch(/both claim to be page 1/);
  });

  it("a stream cut inside a packet that spans three pages: the rows after the dropped packet are numbered without it (the sidecar reads back)", async () => {
    const source = loadFixture("ffmpeg-stereo.opus");
    const [head, tags, ...audio] = [...assemblePackets(readPages(source))];
    // Ten real packets, then one of 3,000 bytes (a real TOC byte, then filler) over 4 pages of
    // at most 1,020 bytes, then more packets: cut after the big packet's second page.
    const big = new Uint8Array(3000).fill(0x55);
    big[0] = audio[10]!.data[0]!;
    const audioPackets = [...audio.slice(0, 10).map((p) => p.data), big, ...audio.slice(11, 20).map((p) => p.data)];
    const packets = [
      { data: head!.data, granule: 0n, flush: true },
      { data: tags!.data, granule: 0n, flush: true },
      ...audioPackets.map((data, i) => ({ data, granule: 312n + 960n * BigInt(i + 1) })),
    ];
    const file = writePages(packets, { serial: 5, maxLacingValues: 4 });
    const pages = [...readPages(file)];
    const bigStart = pages.findIndex((p) => (p.lacing[p.lacing.length - 1] ?? 0) === 255 && !p.continued);
    const cut = pages[bigStart + 1]!; // continues the big packet and does not end it
    expect(cut.continued).toBe(true);
    expect(cut.lacing.every((v) => v === 255)).toBe(true);
    const bytes = file.slice(0, cut.byteOffset + cut.byteLength);

    const index = await buildIndex(bytes, { workers: 0 });
    expect(() => checkIndexRows(index.data)).not.toThrow();
    const rows = index.rows;
    const last = index.pageCount - 1;
    expect(rows.packetStart[last]! + rows.packetCount[last]!).toBe(index.packetCount);
    expect(rows.startSample[last]).toBe(rows.endSample[last - 1]);
    expect(index.problems.map((p) => p.code)).toEqual(["truncated"]);
    expect(writeSidecar(readSidecar(writeSidecar(index), bytes.length))).toEqual(writeSidecar(index));
  });
});
