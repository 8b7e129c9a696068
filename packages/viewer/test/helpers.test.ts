import { readFileSync } from "node:fs";
import { bufferSource, buildIndex, recording } from "@granule/opus-index";
import {
  computeOverview,
  defaultSpeed,
  detailOptions,
  formatSeconds,
  playbackNote,
  prefetchedSource,
  segmentRow,
  selectionFromSeconds,
  spansFor,
  speedsFor,
} from "@granule/viewer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const dawn = new Uint8Array(readFileSync(new URL("../../../examples/dawn-chorus.opus", import.meta.url)));

describe("seconds for a segments table", () => {
  it("map back to the same sample as granule's parser does (Math.round(seconds × rate))", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.constantFrom(8000, 44_100, 48_000, 250_000, 384_000, 500_000),
        (sample, rate) => {
          const text = formatSeconds(sample, rate);
          expect(Math.round(Number(text) * rate)).toBe(sample);
          expect(text).toMatch(/^\d+(\.\d+)?$/);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("are exact and short where the rate allows", () => {
    expect(formatSeconds(120_000, 48_000)).toBe("2.5");
    expect(formatSeconds(0, 48_000)).toBe("0");
    expect(formatSeconds(55_680, 384_000)).toBe("0.145");
    expect(formatSeconds(1, 48_000)).toBe("0.00002");
    expect(() => formatSeconds(-1, 48_000)).toThrow(RangeError);
    expect(() => formatSeconds(1.5, 48_000)).toThrow(RangeError);
  });

  it("make a recording,start,end row, quoting ids that need it", () => {
    expect(segmentRow("000001", { startSample: 120_000, endSample: 228_000 }, 48_000)).toBe("000001,2.5,4.75");
    expect(segmentRow('a,"b"', { startSample: 0, endSample: 48 }, 48_000)).toBe('"a,""b""",0,0.001');
  });
});

describe("selections", () => {
  it("snap to whole samples, in order, inside the recording, at least one sample", () => {
    expect(selectionFromSeconds(4.75, 2.5, 48_000, 960_000)).toEqual({ startSample: 120_000, endSample: 228_000 });
    expect(selectionFromSeconds(-3, 100, 48_000, 960_000)).toEqual({ startSample: 0, endSample: 960_000 });
    expect(selectionFromSeconds(1, 1, 48_000, 960_000)).toEqual({ startSample: 48_000, endSample: 48_001 });
    expect(selectionFromSeconds(30, 30, 48_000, 960_000)).toEqual({ startSample: 959_999, endSample: 960_000 });
    expect(() => selectionFromSeconds(Number.NaN, 1, 48_000, 960_000)).toThrow(RangeError);
  });
});

describe("playback speeds", () => {
  it("play audible recordings at real speed and ultrasound at 1/10 by default", () => {
    expect(defaultSpeed(48_000)).toBe(1);
    expect(defaultSpeed(384_000)).toBe(0.1);
    expect(speedsFor(48_000)).toEqual([1, 1 / 2, 1 / 4, 1 / 8, 1 / 10, 1 / 16]);
    expect(speedsFor(384_000)).toContain(1 / 32);
    expect(playbackNote(0.1, 384_000)).toBe("playing at 1/10 speed: 80 kHz sounds as 8 kHz");
    expect(playbackNote(0.5, 48_000)).toBe("playing at 1/2 speed: 24 kHz sounds as 12 kHz");
    expect(playbackNote(1, 48_000)).toBe("playing at real speed");
  });
});

describe("detail spectrogram options", () => {
  it("choose an FFT of 256-2048 samples that fits the selection and a hop that about fills the width", () => {
    expect(detailOptions(108_000, 1000)).toEqual({ fftSize: 512, hopSize: 107 });
    expect(detailOptions(5760, 1000)).toEqual({ fftSize: 256, hopSize: 5 });
    expect(detailOptions(100, 1000)).toEqual({ fftSize: 64, hopSize: 1 });
    expect(detailOptions(10_000_000, 1000).fftSize).toBe(2048);
  });
});

describe("the overview", () => {
  it("reads only the merged byte spans of its probes, and decodes each probe", async () => {
    const index = await buildIndex(dawn, { workers: 0 });
    const base = bufferSource(dawn);
    let reads = 0;
    let bytes = 0;
    const counted = {
      size: base.size,
      read: async (offset: number, length: number) => {
        reads++;
        bytes += length;
        return base.read(offset, length);
      },
    };
    const overview = await computeOverview(recording(index, counted), { columns: 40, gapBytes: 0 });
    expect(overview.probes).toBe(40);
    expect(overview.spectrogram.frameCount).toBe(40);
    expect(overview.spectrogram.hopSize).toBe(index.totalSamples / 40);
    expect(overview.spectrogram.frameSeconds[0]).toBeCloseTo(0.25, 2);
    expect(overview.spans).toBe(reads);
    expect(overview.bytesFetched).toBe(bytes);
    // 40 probes over 20 s: each reads its pages (about 1 s each), so less than the file.
    expect(bytes).toBeLessThan(dawn.length);
    expect(overview.spectrogram.maxDb).toBeGreaterThan(-60);
  });

  it("merges spans closer than gapBytes and answers reads from them", async () => {
    const index = await buildIndex(dawn, { workers: 0 });
    const ranges = [0, 1, 2, 3].map((s) => ({ startSample: s * 48_000 + 1000, endSample: s * 48_000 + 2000 }));
    const separate = spansFor(index, ranges, 3840, 0);
    const merged = spansFor(index, ranges, 3840, 1 << 20);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.byteOffset).toBe(separate[0]!.byteOffset);
    const last = separate.at(-1)!;
    expect(merged[0]!.byteOffset + merged[0]!.byteLength).toBe(last.byteOffset + last.byteLength);
    const source = await prefetchedSource(bufferSource(dawn), merged);
    const inside = await source.read(merged[0]!.byteOffset + 10, 100);
    expect(inside).toEqual(dawn.subarray(merged[0]!.byteOffset + 10, merged[0]!.byteOffset + 110));
    expect(source.misses).toBe(0);
    await source.read(dawn.length - 10, 10);
    expect(source.misses).toBe(1);
  });
});
