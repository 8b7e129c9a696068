import { buildIndex, OpusError, type OpusIndex, writeSidecar } from "@granule/opus-index";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FixtureFact, fact, loadFixture, opusFixtures } from "./fixtures.ts";

const index = (file: string, options = {}) => buildIndex(loadFixture(file), { workers: 0, ...options });

/** The chosen stream's pages that carry audio: all its pages after the two header packets. */
function audioPages(f: FixtureFact, serial: number) {
  const pages = f.pages.filter((p) => p.serial === serial);
  let completed = 0;
  let headerPages = 0;
  while (completed < 2) completed += pages[headerPages++]!.packetsCompleted;
  return pages.slice(headerPages);
}

/**
 * Fixtures with pages repeated or out of order, or granules that disagree with the packets:
 * their rows are not libogg's pages one for one, and where libopusfile's totals differ from
 * ours the reason is stated. stream-order.test.ts checks them.
 */
const streamOrderDamage = (file: string) => /^derived\/(dup-|sequence-|granule-)/.test(file);

describe("buildIndex on every fixture libopusfile opens", () => {
  for (const f of opusFixtures.filter((f) => !streamOrderDamage(f.file))) {
    it(`${f.file}: totals, links and page rows agree with libopusfile and libogg`, async () => {
      const idx = await index(f.file);
      expect(idx.totalSamples).toBe(f.opus!.pcmTotal);
      // opusfile sees one link in a multiplexed file, as we do by default.
      expect(idx.links.length).toBe(f.opus!.linkCount);
      let firstSample = 0;
      let row = 0;
      idx.links.forEach((link, i) => {
        const expected = f.opus!.links[i]!;
        expect([link.serial, link.preSkip, link.head.channels, link.sampleCount, link.firstSample]).toEqual([
          expected.serial,
          expected.preSkip,
          expected.channels,
          expected.pcmTotal,
          firstSample,
        ]);
        const stream = f.streams.find((s) => s.serial === link.serial)!;
        expect(link.startGranule).toBe(Number(stream.startGranule ?? 0));
        expect(link.endGranule).toBe(Number(stream.lastGranule));
        const pages = audioPages(f, link.serial);
        expect(link.firstPage).toBe(row);
        expect(link.pageCount).toBe(pages.length);
        pages.forEach((page, k) => {
          const r = row + k;
          expect([idx.rows.byteOffset[r], idx.rows.byteLength[r], idx.rows.granule[r]]).toEqual([
            page.byteOffset,
            page.byteLength,
            BigInt(page.granule),
          ]);
          // Where a packet ends on a page, the page granule fixes the timeline exactly.
          if (page.granule !== "-1" && !page.eos) {
            expect(idx.rows.endSample[r]).toBe(firstSample + Number(page.granule) - link.startGranule - link.preSkip);
          }
        });
        row += pages.length;
        firstSample += link.sampleCount;
      });
      expect(idx.pageCount).toBe(row);
      const streams = f.streams.filter((s) => idx.links.some((l) => l.serial === s.serial));
      if (streams.every((s) => s.tocSamples !== undefined)) {
        const sum = idx.packetSamples.reduce((a, b) => a + b, 0);
        expect(sum).toBe(streams.reduce((a, s) => a + s.tocSamples!, 0));
        expect(idx.packetCount).toBe(streams.reduce((a, s) => a + s.audioPacketCount!, 0));
      }
    });
  }

  it("places the first packet of a stream cut from a longer one at sample -preSkip, keeping its start granule", async () => {
    const idx = await index("derived/offset-start.opus");
    expect(idx.links[0]!.startGranule).toBe(4_320_012_345);
    expect(idx.rows.startSample[0]).toBe(-312);
    const plain = await index("ffmpeg-mono.opus");
    expect([...idx.rows.startSample]).toEqual([...plain.rows.startSample]);
    expect([...idx.rows.endSample]).toEqual([...plain.rows.endSample]);
  });

  it("reports no problem for intact files", async () => {
    for (const f of opusFixtures.filter(
      (f) =>
        !f.file.startsWith("derived/") ||
        f.file.includes("paged") ||
        f.file.includes("offset") ||
        f.file.includes("multipage"),
    )) {
      expect((await index(f.file)).problems, f.file).toEqual([]);
    }
  });
});

describe("buildIndex on damaged files", () => {
  it("lists junk before the first page and indexes the rest", async () => {
    const idx = await index("derived/junk-prefix.opus");
    expect(idx.problems).toEqual([
      expect.objectContaining({ code: "damaged-bytes", byteOffset: 0, byteLength: 1000, startSample: 0, endSample: 0 }),
    ]);
    expect(idx.totalSamples).toBe(240_000);
  });

  it("lists a bad-CRC page and the hole it leaves, where libopusfile reports its hole", async () => {
    const f = fact("derived/bad-crc.opus");
    const idx = await index(f.file);
    const event = f.opus!.decodeEvents![0]!;
    // Sorted by byte offset, then by sample.
    expect(idx.problems.map((p) => [p.code, p.byteOffset, p.startSample, p.endSample])).toEqual([
      ["hole", 9146, event.pcmTellBefore, event.pcmTellAfter - 3840],
      ["damaged-bytes", 9146, 95688, 95688],
    ]);
    expect(idx.problems[1]!.message).toMatch(/crc/);
  });

  it("lists a missing page as a hole with its samples", async () => {
    const f = fact("derived/missing-page.opus");
    const idx = await index(f.file);
    const event = f.opus!.decodeEvents![0]!;
    expect(idx.problems).toEqual([
      expect.objectContaining({
        code: "hole",
        byteOffset: 18120,
        byteLength: 0,
        startSample: event.pcmTellBefore,
        endSample: event.pcmTellAfter - 3840,
      }),
    ]);
    expect(idx.problems[0]!.message).toBe("page 4 of stream 1001 is missing (the stream goes from page 3 to page 5)");
  });

  it("lists a truncated end, ending the timeline at the last whole page's granule like libopusfile", async () => {
    for (const file of ["derived/truncated.opus", "derived/truncated-eos-page.opus"]) {
      const f = fact(file);
      const idx = await index(file);
      expect(idx.totalSamples).toBe(f.opus!.pcmTotal);
      const lastPage = f.pages[f.pages.length - 1]!;
      const cut = lastPage.byteOffset + lastPage.byteLength;
      expect(idx.problems.map((p) => [p.code, p.byteOffset, p.byteLength])).toEqual([
        ["damaged-bytes", cut, f.bytes - cut],
        ["truncated", cut, 0],
      ]);
    }
  });

  it("lists junk between pages", async () => {
    const idx = await index("derived/junk-between.opus");
    expect(idx.problems.map((p) => [p.code, p.byteOffset, p.byteLength])).toEqual([["damaged-bytes", 35448, 500]]);
    expect(idx.totalSamples).toBe(240_000);
  });

  it("throws at the first problem in strict mode, naming its byte offset", async () => {
    for (const file of [
      "derived/junk-prefix.opus",
      "derived/bad-crc.opus",
      "derived/missing-page.opus",
      "derived/truncated.opus",
    ]) {
      const lenient = await index(file);
      await expect(index(file, { strict: true }), file).rejects.toMatchObject({
        name: "OpusError",
        byteOffset: lenient.problems[0]!.byteOffset,
      });
    }
    await expect(index("ffmpeg-mono.opus", { strict: true })).resolves.toBeDefined();
  });
});

describe("buildIndex on foreign input", () => {
  const cases: [string, string, number, RegExp][] = [
    ["vorbis.ogg", "no-opus-stream", 0, /serial 5001 .*vorbis/],
    ["derived/not-ogg.bin", "not-ogg", 0, /no valid Ogg page in 2048 bytes/],
    ["derived/no-tags.opus", "missing-tags", 47, /should be OpusTags/],
    ["derived/head-version-16.opus", "bad-version", 0, /version 16/],
    ["derived/head-zero-channels.opus", "bad-channels", 0, /channel count is 0/],
    ["derived/head-family0-3ch.opus", "bad-channels", 0, /family 0 allows 1 or 2 channels, found 3/],
  ];
  for (const [file, code, byteOffset, message] of cases) {
    it(`${file}: ${code} at byte ${byteOffset}`, async () => {
      const error = await index(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpusError);
      expect(error).toMatchObject({ code, byteOffset });
      expect((error as Error).message).toMatch(message);
    });
  }

  it("treats no bytes as not Ogg", async () => {
    await expect(buildIndex(new Uint8Array(0))).rejects.toMatchObject({ code: "not-ogg" });
  });

  it("indexes another stream of a multiplexed file by serial, and refuses an unknown serial", async () => {
    const f = fact("multiplexed.ogg");
    const stereo = await index("multiplexed.ogg", { serial: 4002 });
    expect([stereo.links.length, stereo.channels, stereo.totalSamples]).toEqual([
      1,
      2,
      Number(f.streams[1]!.lastGranule) - 312,
    ]);
    expect(stereo.pageCount).toBe(audioPages(f, 4002).length);
    await expect(index("multiplexed.ogg", { serial: 9 })).rejects.toMatchObject({ code: "no-such-stream" });
    await expect(index("chained.opus", { serial: 3002 })).resolves.toMatchObject({ totalSamples: 96_000 });
  });
});

describe("the batched pipeline", () => {
  const sidecarOf = (idx: OpusIndex) => writeSidecar(idx);
  const files = opusFixtures.map((f) => f.file);

  it("gives the same index for every batch size", async () => {
    const references = new Map<string, Uint8Array>();
    for (const file of files) references.set(file, sidecarOf(await index(file)));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), fc.integer({ min: 300, max: 80_000 }), async (file, batchBytes) => {
        const built = sidecarOf(await index(file, { batchBytes }));
        expect(Buffer.from(built).equals(Buffer.from(references.get(file)!))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("gives the same result for every batch size on damaged bytes: the same index or the same error", async () => {
    const base = loadFixture("ffmpeg-stereo.opus");
    const outcome = async (bytes: Uint8Array, batchBytes: number) => {
      try {
        return sidecarOf(await buildIndex(bytes, { workers: 0, batchBytes }));
      } catch (error) {
        expect(error).toBeInstanceOf(OpusError);
        return `${(error as OpusError).code}@${(error as OpusError).byteOffset}`;
      }
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 300, max: 40_000 }),
        async (flips, cutAt, junk, batchBytes) => {
          const bytes = base.slice(0, base.length - (cutAt % 3000));
          for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask;
          const where = cutAt % bytes.length;
          const damaged = new Uint8Array(bytes.length + junk.length);
          damaged.set(bytes.subarray(0, where));
          damaged.set(junk, where);
          damaged.set(bytes.subarray(where), where + junk.length);
          const expected = await outcome(damaged, 1 << 30);
          const got = await outcome(damaged, batchBytes);
          if (typeof expected === "string") expect(got).toBe(expected);
          else expect(Buffer.from(got as Uint8Array).equals(Buffer.from(expected))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reports progress up to the total, and stops on abort with the signal's reason", async () => {
    const bytes = loadFixture("bitrate-510k.opus");
    const seen: number[] = [];
    await buildIndex(bytes, { workers: 0, batchBytes: 10_000, onProgress: (p) => seen.push(p.bytesDone) });
    expect(seen.length).toBe(Math.ceil(bytes.length / 10_000));
    expect(seen[seen.length - 1]).toBe(bytes.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);

    const controller = new AbortController();
    const run = buildIndex(bytes, {
      workers: 0,
      batchBytes: 10_000,
      signal: controller.signal,
      onProgress: () => controller.abort(new Error("stop here")),
    });
    await expect(run).rejects.toThrow("stop here");
  });

  it("rejects options it cannot honour", async () => {
    const bytes = loadFixture("ffmpeg-mono.opus");
    await expect(buildIndex(bytes, { batchBytes: 0 })).rejects.toMatchObject({ code: "invalid-argument" });
    await expect(buildIndex(bytes, { workers: -1 })).rejects.toMatchObject({ code: "invalid-argument" });
  });
});

describe("stitching batches into one walk", () => {
  it("finds the pages a single reader finds when a valid page hides in another page's body across a batch edge", async () => {
    const { setPageCrc, readPages } = await import("@granule/ogg-pages");
    // Page seq 3 of ffmpeg-mono.opus spans bytes 9146-18120. Plant a fake page with a valid CRC
    // at 18020, inside its body, claiming 283 bytes: it runs over the real next page at 18120.
    const bytes = loadFixture("ffmpeg-mono.opus").slice();
    const fakeAt = 18_020;
    bytes.set(
      [0x4f, 0x67, 0x67, 0x53, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 255],
      fakeAt,
    );
    setPageCrc(bytes, fakeAt);
    setPageCrc(bytes, 9146);
    const walk = [...readPages(bytes)].map((p) => p.byteOffset);
    expect(walk).toContain(18_120);
    expect(walk).not.toContain(fakeAt);
    const reference = await buildIndex(bytes, { workers: 0 });
    expect(reference.problems).toEqual([]);
    for (const batchBytes of [12_000, 18_020, 17_000, 9_500]) {
      const batched = await buildIndex(bytes, { workers: 0, batchBytes });
      expect(
        Buffer.from(writeSidecar(batched)).equals(Buffer.from(writeSidecar(reference))),
        `batch ${batchBytes}`,
      ).toBe(true);
    }
  });
});
