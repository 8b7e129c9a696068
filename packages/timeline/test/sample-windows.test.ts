import { sampleWindows, selectRecordings, TimelineError, type TimelineRecording } from "@granule/timeline";
import { describe, expect, it } from "vitest";

const row = (
  id: string,
  recordedAt: string | null,
  seconds: number,
  extra: Partial<TimelineRecording> & { metadata?: Record<string, unknown> } = {},
) => ({
  id,
  recordedAt,
  deviceId: "moth1",
  sampleRate: 48_000,
  totalSamples: seconds * (extra.sampleRate ?? 48_000),
  channels: 1,
  metadata: {} as Record<string, unknown>,
  ...extra,
});

describe("sampleWindows", () => {
  const rows = [
    row("000002", "2025-04-16T05:01:00.000Z", 60),
    row("000001", "2025-04-16T05:00:00.000Z", 60),
    row("000003", null, 10, { sampleRate: 384_000 }),
  ];

  it("draws non-overlapping windows inside the recordings, the same for the same seed", () => {
    const windows = sampleWindows(rows, { count: 30, durationSeconds: 3, seed: 1 });
    expect(windows).toHaveLength(30);
    expect(sampleWindows([...rows].reverse(), { count: 30, durationSeconds: 3, seed: 1 })).toEqual(windows);
    expect(sampleWindows(rows, { count: 30, durationSeconds: 3, seed: 2 })).not.toEqual(windows);
    for (const [i, w] of windows.entries()) {
      const recording = rows.find((r) => r.id === w.recording)!;
      expect(w.endSample - w.startSample).toBe(3 * recording.sampleRate);
      expect(w.startSample).toBeGreaterThanOrEqual(0);
      expect(w.endSample).toBeLessThanOrEqual(recording.totalSamples);
      const previous = windows[i - 1];
      if (previous?.recording === w.recording) expect(w.startSample).toBeGreaterThanOrEqual(previous.endSample);
    }
    // Sorted by recording id, then start.
    expect(windows.map((w) => w.recording)).toEqual([...windows.map((w) => w.recording)].sort());
    const first = windows[0]!;
    expect(first.recording).toBe("000001");
    expect(first.start).toBe(
      new Date(Date.parse("2025-04-16T05:00:00.000Z") + Math.floor(first.startSample / 48)).toISOString(),
    );
    expect(windows.find((w) => w.recording === "000003")?.start ?? null).toBeNull();
  });

  it("fills every slot when asked for all that fit, and refuses one more", () => {
    // 60/3 + 60/3 + 10/3 = 20 + 20 + 3 slots.
    const all = sampleWindows(rows, { count: 43, durationSeconds: 3, seed: 7 });
    expect(all).toHaveLength(43);
    expect(all.filter((w) => w.recording === "000003")).toHaveLength(3);
    let error: unknown;
    try {
      sampleWindows(rows, { count: 44, durationSeconds: 3, seed: 7 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TimelineError);
    expect((error as TimelineError).code).toBe("does-not-fit");
    expect((error as TimelineError).message).toContain("at most 43 fit");
  });

  it("takes the caller's window length per rate, and refuses windows shorter than one sample", () => {
    const mixed = [row("a", "2025-04-16T05:00:00.000Z", 10), row("b", null, 10, { sampleRate: 22_050 })];
    // 0.00003125 s: 1.5 samples at 48 kHz (2 by half-up) and 0.689 at 22.05 kHz (1).
    const lengths = new Map([
      [48_000, 2],
      [22_050, 1],
    ]);
    const windows = sampleWindows(mixed, {
      count: 6,
      durationSeconds: 0.00003125,
      windowSamplesAt: (rate) => lengths.get(rate)!,
      seed: 1,
    });
    for (const w of windows) expect(w.endSample - w.startSample).toBe(lengths.get(w.sampleRate));
    expect(() => sampleWindows(mixed, { count: 1, durationSeconds: 0.00002, seed: 1 })).toThrow(
      /windows of 0\.00002 s are shorter than one sample at 22050 Hz \(recording b\)/,
    );
  });

  it("keeps windows inside --from/--to", () => {
    const from = Date.parse("2025-04-16T05:00:50.000Z");
    const to = Date.parse("2025-04-16T05:01:10.000Z");
    const windows = sampleWindows(rows.slice(0, 2), { count: 6, durationSeconds: 3, seed: 3, from, to });
    expect(windows).toHaveLength(6);
    for (const w of windows) {
      const start = Date.parse(rows.find((r) => r.id === w.recording)!.recordedAt!);
      expect(start + w.startSample / 48).toBeGreaterThanOrEqual(from);
      expect(start + w.endSample / 48).toBeLessThanOrEqual(to);
    }
    // 10 s on each side of the boundary: 3 + 3 windows of 3 s fit, not 7.
    expect(() => sampleWindows(rows.slice(0, 2), { count: 7, durationSeconds: 3, seed: 3, from, to })).toThrow(
      /at most 6 fit/,
    );
  });

  it("refuses bad counts, durations and seeds", () => {
    expect(() => sampleWindows(rows, { count: 0, durationSeconds: 3, seed: 1 })).toThrow(/count/);
    expect(() => sampleWindows(rows, { count: 1, durationSeconds: 0, seed: 1 })).toThrow(/durationSeconds/);
    expect(() => sampleWindows(rows, { count: 1, durationSeconds: 1, seed: 1.5 })).toThrow(/seed/);
  });
});

describe("selectRecordings", () => {
  const rows = [
    row("a", "2025-04-16T05:00:00.000Z", 60, { metadata: { site: "marsh", gain: 2 } }),
    row("b", "2025-04-16T05:01:00.000Z", 60, { deviceId: "moth2", metadata: { site: "wood" } }),
    row("c", null, 60),
  ];

  it("keeps recordings that overlap the time range, of the device, with the metadata", () => {
    const ids = (selection: Parameters<typeof selectRecordings>[1]) =>
      selectRecordings(rows, selection).map((r) => r.id);
    expect(ids({})).toEqual(["a", "b", "c"]);
    // a runs to 05:01:00, so it has audio after 05:00:30.
    expect(ids({ from: "2025-04-16T05:00:30Z" })).toEqual(["a", "b"]);
    expect(ids({ from: "2025-04-16T05:01:00Z" })).toEqual(["b"]);
    expect(ids({ to: "2025-04-16T07:01:00+02:00" })).toEqual(["a"]);
    expect(ids({ deviceId: "moth2" })).toEqual(["b"]);
    expect(ids({ metadata: { site: "marsh" } })).toEqual(["a"]);
    expect(ids({ metadata: { gain: "2" } })).toEqual(["a"]);
    expect(ids({ metadata: { site: "marsh", gain: "3" } })).toEqual([]);
    expect(() => ids({ from: "2025-04-16T05:00:00" })).toThrow(/with Z or a UTC offset/);
  });
});
