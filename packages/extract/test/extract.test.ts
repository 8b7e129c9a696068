import { DEFAULT_PRE_ROLL_SAMPLES, ExtractError, extract, extractEach, extractMany } from "@granule/extract";
import { extractMany as extractManyNode } from "@granule/extract/node";
import { bufferSource, buildIndex, type Recording, recording, writeSidecar } from "@granule/opus-index";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { identical, loadFixture, open, referenceRange, snr, straightThrough } from "./helpers.ts";

type Opened = Recording & { bytes: Uint8Array };

const FILES = [
  "ffmpeg-mono.opus",
  "ffmpeg-stereo.opus",
  "ffmpeg-5.1.opus",
  "opusenc-5.1.opus",
  "frame-2.5ms.opus",
  "frame-60ms.opus",
  "bitrate-510k.opus",
  "chained.opus",
  "multiplexed.ogg",
  "derived/offset-start.opus",
  "derived/repaged-continued.opus",
  "derived/chained-offset.opus",
];
const files = new Map<string, { rec: Opened; reference: Float32Array[][] }>();
beforeAll(async () => {
  for (const file of FILES) {
    const rec = await open(file);
    files.set(file, { rec, reference: await straightThrough(rec) });
  }
});

/** Positions worth testing: starts, ends, page and packet boundaries of every link. */
function boundaries(rec: Recording): number[] {
  const index = rec.index;
  const points = new Set<number>();
  for (const link of index.links) {
    points.add(link.firstSample);
    points.add(link.firstSample + link.sampleCount);
    for (let r = link.firstPage; r < link.firstPage + link.pageCount; r++) {
      points.add(index.rows.startSample[r]!);
      points.add(index.rows.endSample[r]!);
      // A packet boundary inside the page.
      points.add(index.rows.startSample[r]! + index.packetSamples[index.rows.packetStart[r]!]!);
    }
  }
  return [...points].filter((p) => p >= 0 && p <= index.totalSamples).sort((a, b) => a - b);
}

describe("extract: positions are exact", () => {
  for (const file of FILES) {
    it(`${file}: segments of 1, 120, 960 and 96000 samples at starts, ends, page and packet boundaries equal a straight-through decode bit for bit when decoded from the link start`, async () => {
      const { rec, reference } = files.get(file)!;
      let checked = 0;
      const points = boundaries(rec);
      // Re-paged files have hundreds of pages: every boundary kind still occurs in a sample of 40.
      const step = Math.max(1, Math.floor(points.length / 40));
      for (const point of points.filter((_, i) => i % step === 0)) {
        for (const length of [1, 120, 960, 96_000]) {
          for (const start of [point, point - length]) {
            const end = start + length;
            if (start < 0 || end > rec.index.totalSamples) continue;
            const link = rec.index.linkAt(start);
            if (end > rec.index.links[link]!.firstSample + rec.index.links[link]!.sampleCount) continue;
            // A pre-roll reaching back to the link's start decodes exactly what a straight-through decode does.
            const segment = await extract(
              rec,
              { startSample: start, endSample: end },
              { preRollSamples: start + 100_000 },
            );
            expect(segment.channels.length).toBe(rec.index.links[link]!.head.channels);
            expect(segment.channels.every((c) => c.length === length)).toBe(true);
            expect(
              identical(segment.channels, referenceRange(rec, reference, start, end)),
              `${file} ${start}-${end}`,
            ).toBe(true);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(20);
    });
  }

  it("gives the same samples whatever the pagination: re-paged packets across pages and granule -1 pages", async () => {
    const original = files.get("ffmpeg-stereo.opus")!.rec;
    const repaged = files.get("derived/repaged-continued.opus")!.rec;
    for (const [start, end] of [
      [0, 960],
      [47_000, 49_000],
      [100_000, 196_000],
      [239_000, 240_000],
    ] as const) {
      const a = await extract(original, { startSample: start, endSample: end });
      const b = await extract(repaged, { startSample: start, endSample: end });
      expect(identical(a.channels, b.channels)).toBe(true);
    }
  });
});

describe("extract: values after a seek", () => {
  it(`stay within 50 dB SNR of a straight-through decode with the default pre-roll (${DEFAULT_PRE_ROLL_SAMPLES} samples)`, async () => {
    const worst: number[] = [];
    for (const file of FILES) {
      const { rec, reference } = files.get(file)!;
      let seed = 7;
      for (let i = 0; i < 12; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const link = rec.index.links[seed % rec.index.links.length]!;
        const length = [120, 960, 4800, 96_000][i % 4]!;
        if (length >= link.sampleCount) continue;
        const start = link.firstSample + (seed % (link.sampleCount - length));
        const segment = await extract(rec, { startSample: start, endSample: start + length });
        worst.push(snr(referenceRange(rec, reference, start, start + length), segment.channels));
      }
    }
    expect(Math.min(...worst)).toBeGreaterThanOrEqual(50);
  });
});

describe("extractMany", () => {
  it("gives every segment in input order, with exactly its samples, through any window size and worker count", async () => {
    const { rec, reference } = files.get("ffmpeg-stereo.opus")!;
    const total = rec.index.totalSamples;
    const segment = fc
      .tuple(fc.nat({ max: total - 1 }), fc.integer({ min: 1, max: 20_000 }))
      .map(([start, length]) => ({ startSample: start, endSample: Math.min(total, start + length) }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(0.05, 0.5, 2, 30),
        fc.constantFrom(0, 1, 2),
        async (segments, maxWindowSeconds, workers) => {
          const many = await extractManyNode(rec, segments, { maxWindowSeconds, workers });
          const same = await extractManyNode(rec, segments, { maxWindowSeconds, workers: 0 });
          for (let i = 0; i < segments.length; i++) {
            const { startSample, endSample } = segments[i]!;
            expect([many[i]!.startSample, many[i]!.endSample]).toEqual([startSample, endSample]);
            expect(many[i]!.channels.map((c) => c.length)).toEqual([endSample - startSample, endSample - startSample]);
            // The same windows give the same samples in every worker count, bit for bit.
            expect(identical(many[i]!.channels, same[i]!.channels)).toBe(true);
            // Whatever the windows, the samples are the file's, within the stated tolerance.
            expect(
              snr(referenceRange(rec, reference, startSample, endSample), many[i]!.channels),
            ).toBeGreaterThanOrEqual(50);
          }
          // A segment more than a pre-roll from every other one is decoded in a window of its
          // own, whatever the window size: bit for bit what it gives alone.
          const apart = segments.filter((s, i) =>
            segments.every(
              (o, j) =>
                i === j ||
                o.startSample >= s.endSample + DEFAULT_PRE_ROLL_SAMPLES ||
                s.startSample >= o.endSample + DEFAULT_PRE_ROLL_SAMPLES,
            ),
          );
          const alone = await Promise.all(apart.map((s) => extract(rec, s)));
          const unshared = await extractManyNode(rec, apart, { maxWindowSeconds });
          for (let i = 0; i < alone.length; i++)
            expect(identical(alone[i]!.channels, unshared[i]!.channels)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("gives each overlapping segment arrays of its own, or with readOnlySegments views of the same samples", async () => {
    const { rec } = files.get("ffmpeg-stereo.opus")!;
    // Overlapping 0.3 s segments every 0.1 s, in 1 s windows: many share a window, some are cut.
    const segments = Array.from({ length: 30 }, (_, i) => ({ startSample: i * 4_800, endSample: i * 4_800 + 14_400 }));
    for (const workers of [0, 2]) {
      const own = await extractManyNode(rec, segments, { workers, maxWindowSeconds: 1 });
      const views = await extractManyNode(rec, segments, { workers, maxWindowSeconds: 1, readOnlySegments: true });
      for (let i = 0; i < segments.length; i++) expect(identical(own[i]!.channels, views[i]!.channels)).toBe(true);
      // Views share memory where segments overlap in a window; own arrays never do.
      const buffers = (segments: typeof own) => segments.flatMap((s) => s.channels.map((c) => c.buffer));
      expect(new Set(buffers(views)).size).toBeLessThan(buffers(views).length);
      expect(new Set(buffers(own)).size).toBe(buffers(own).length);
      const before = own[1]!.channels[0]![0]!;
      own[0]!.channels[0]!.fill(7);
      expect(own[1]!.channels[0]![0]).toBe(before);
    }
  });

  it("hands segments over one by one with extractEach, reporting progress, and stops on abort", async () => {
    const { rec } = files.get("ffmpeg-mono.opus")!;
    const segments = [
      { startSample: 200_000, endSample: 200_100 },
      { startSample: 0, endSample: 50 },
      { startSample: 100_000, endSample: 148_000 },
    ];
    const seen: number[] = [];
    const progress: number[] = [];
    await extractEach(
      rec,
      segments,
      (segment, i) => {
        seen.push(i);
        expect(segment.startSample).toBe(segments[i]!.startSample);
      },
      { onProgress: (p) => progress.push(p.segmentsDone) },
    );
    expect(seen).toEqual([1, 2, 0]); // time order
    expect(progress[progress.length - 1]).toBe(3);

    const controller = new AbortController();
    const run = extractMany(rec, segments, {
      signal: controller.signal,
      maxWindowSeconds: 0.01,
      onProgress: () => controller.abort(new Error("enough")),
    });
    await expect(run).rejects.toThrow("enough");
  });
});

describe("extract: recordings", () => {
  it("gives the same samples to concurrent extractions in one thread", async () => {
    const { rec } = files.get("ffmpeg-stereo.opus")!;
    const ranges = [0, 30_000, 60_000, 90_000, 120_000].map((s) => ({ startSample: s, endSample: s + 20_000 }));
    const together = await Promise.all(ranges.map((r) => extract(rec, r)));
    for (let i = 0; i < ranges.length; i++) {
      expect(identical(together[i]!.channels, (await extract(rec, ranges[i]!)).channels)).toBe(true);
    }
  });

  it("joins a segment across chained links with the same channel count, and refuses one across different counts", async () => {
    const { rec, reference } = files.get("derived/chained-offset.opus")!;
    const boundary = rec.index.links[1]!.firstSample;
    const segment = await extract(
      rec,
      { startSample: boundary - 500, endSample: boundary + 500 },
      { preRollSamples: 1e6 },
    );
    const expected = [
      new Float32Array([
        ...reference[0]![0]!.subarray(boundary - 500, boundary),
        ...reference[1]![0]!.subarray(0, 500),
      ]),
    ];
    expect(identical(segment.channels, expected)).toBe(true);
    const chained = files.get("chained.opus")!.rec;
    const at = chained.index.links[1]!.firstSample;
    await expect(extract(chained, { startSample: at - 10, endSample: at + 10 })).rejects.toMatchObject({
      name: "ExtractError",
      code: "links-differ",
    });
  });

  it("applies the header output gain unless told not to", async () => {
    const bytes = loadFixture("ffmpeg-mono.opus").slice();
    // OpusHead sits alone on page 0 (47 bytes): set its gain to +6 dB (Q7.8 = 1536) and re-checksum.
    bytes[28 + 16] = 1536 & 0xff;
    bytes[28 + 17] = 1536 >> 8;
    const { setPageCrc } = await import("@granule/ogg-pages");
    setPageCrc(bytes, 0);
    const rec = recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes));
    expect(rec.index.head.outputGainQ8).toBe(1536);
    const range = { startSample: 50_000, endSample: 50_960 };
    const gained = await extract(rec, range);
    const plain = await extract(rec, range, { applyGain: false });
    const gain = 10 ** (1536 / 5120);
    const worst = Math.max(...plain.channels[0]!.map((x, i) => Math.abs(gained.channels[0]![i]! - x * gain)));
    expect(worst).toBeLessThan(1e-6);
  });

  it("decodes mapping family 255 like family 1: the same streams, coupled streams and mapping table", async () => {
    const { setPageCrc } = await import("@granule/ogg-pages");
    const family1 = files.get("ffmpeg-5.1.opus")!.rec;
    const bytes = family1.bytes.slice();
    // OpusHead is alone on page 0; its mapping family byte is packet byte 18.
    expect(bytes[28 + 18]).toBe(1);
    bytes[28 + 18] = 255;
    setPageCrc(bytes, 0);
    const family255 = recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes));
    expect([
      family255.index.head.mappingFamily,
      family255.index.head.streamCount,
      family255.index.head.coupledCount,
    ]).toEqual([255, 4, 2]);
    const range = { startSample: 30_000, endSample: 40_000 };
    const a = await extract(family255, range);
    const b = await extract(family1, range);
    expect(a.channels.length).toBe(6);
    expect(identical(a.channels, b.channels)).toBe(true);
  });

  it("keeps sample indices for time-expanded recordings and reports their true rate", async () => {
    const { rec } = files.get("ffmpeg-mono.opus")!;
    const ultrasonic = recording(rec.index, rec.source, 384_000);
    const a = await extract(ultrasonic, { startSample: 1000, endSample: 2000 });
    const b = await extract(rec, { startSample: 1000, endSample: 2000 });
    expect(a.sampleRate).toBe(384_000);
    expect(identical(a.channels, b.channels)).toBe(true);
  });

  it("refuses ranges that are not ranges of the recording with a RangeError saying what it holds", async () => {
    const { rec } = files.get("ffmpeg-mono.opus")!;
    await expect(extract(rec, { startSample: -1, endSample: 10 })).rejects.toThrow(RangeError);
    await expect(extract(rec, { startSample: 0, endSample: 240_001 })).rejects.toThrow(/holds samples 0-240000/);
    await expect(extract(rec, { startSample: 10, endSample: 10 })).rejects.toThrow(/must be before/);
    await expect(extract(rec, { startSample: 1.5, endSample: 10 })).rejects.toThrow(/whole sample numbers/);
    await expect(
      extractMany(rec, [
        { startSample: 0, endSample: 5 },
        { startSample: 9, endSample: 3 },
      ]),
    ).rejects.toThrow(/segment 1/);
    await expect(extract(rec, { startSample: 0, endSample: 5 }, { preRollSamples: -1 })).rejects.toMatchObject({
      code: "invalid-argument",
    });
  });
});

describe("extract: damaged files", () => {
  it("refuses a segment that touches a hole, naming the byte offset and the samples lost", async () => {
    const rec = await open("derived/missing-page.opus");
    const error = await extract(rec, { startSample: 90_000, endSample: 100_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractError);
    expect(error).toMatchObject({ code: "damaged", byteOffset: 18_120, startSample: 95_688, endSample: 143_688 });
  });

  it("fills a hole with silence when asked, says where, and decodes the rest at the right positions", async () => {
    const rec = await open("derived/missing-page.opus");
    const original = files.get("ffmpeg-mono.opus")!;
    const range = { startSample: 90_000, endSample: 200_000 };
    const segment = await extract(rec, range, { fillHoles: true });
    expect(segment.filled).toEqual([{ startSample: 95_688, endSample: 143_688 }]);
    const channel = segment.channels[0]!;
    expect(channel.length).toBe(110_000);
    expect(channel.subarray(95_688 - 90_000, 143_688 - 90_000).every((x) => x === 0)).toBe(true);
    const reference = original.reference[0]![0]!;
    const before = [channel.subarray(0, 5_688)];
    expect(snr([reference.subarray(90_000, 95_688)], before)).toBeGreaterThanOrEqual(50);
    // After the hole decoding starts afresh at its end; half a second on it has converged.
    const after = [channel.subarray(143_688 + 24_000 - 90_000)];
    expect(snr([reference.subarray(143_688 + 24_000, 200_000)], after)).toBeGreaterThanOrEqual(50);
  });

  it("fails with bad-data, not wrong audio, when the bytes are not those indexed", async () => {
    const { rec, bytes } = files.get("ffmpeg-mono.opus")! as { rec: Opened; bytes?: Uint8Array };
    const changed = rec.bytes.slice();
    changed[20_000]! ^= 0xff; // inside page 4's body: its CRC no longer holds
    const stale = recording(rec.index, bufferSource(changed));
    void bytes;
    await expect(extract(stale, { startSample: 120_000, endSample: 121_000 })).rejects.toMatchObject({
      code: "bad-data",
    });
    expect(writeSidecar(rec.index).length).toBeGreaterThan(0);
  });
});
