import { planSpans, planTimeline, slicePlan, TimelineError, type TimelineRecording } from "@granule/timeline";
import { describe, expect, it } from "vitest";

const T0 = Date.parse("2025-04-16T05:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const RATE = 48_000;

function row(id: string, atMs: number, seconds: number, extra: Partial<TimelineRecording> = {}): TimelineRecording {
  const sampleRate = extra.sampleRate ?? RATE;
  return {
    id,
    recordedAt: iso(T0 + atMs),
    deviceId: "moth1",
    sampleRate,
    totalSamples: Math.round(seconds * sampleRate),
    channels: 1,
    ...extra,
  };
}

// a and b back to back, then 5 s of nothing, then c; x on another device over a's time.
const deployment = [
  row("a", 0, 60),
  row("b", 60_000, 60),
  row("c", 125_000, 60),
  row("x", 10_000, 30, { deviceId: "moth2" }),
];

describe("planSpans", () => {
  it("makes one span of contiguous recordings, ends it at a gap (a break naming both sides), keeps devices apart", () => {
    const { spans, breaks, untimed } = planSpans(deployment);
    expect(spans.map((s) => [s.deviceId, s.recordings, s.sampleCount, s.start])).toEqual([
      ["moth1", ["a", "b"], 120 * RATE, iso(T0)],
      ["moth1", ["c"], 60 * RATE, iso(T0 + 125_000)],
      ["moth2", ["x"], 30 * RATE, iso(T0 + 10_000)],
    ]);
    expect(spans[0]!.pieces).toEqual([
      { kind: "audio", recording: "a", startSample: 0, endSample: 60 * RATE, outputStartSample: 0 },
      { kind: "audio", recording: "b", startSample: 0, endSample: 60 * RATE, outputStartSample: 60 * RATE },
    ]);
    expect(breaks).toEqual([
      {
        kind: "gap",
        deviceId: "moth1",
        after: "b",
        before: "c",
        end: iso(T0 + 120_000),
        start: iso(T0 + 125_000),
        gapMs: 5_000,
      },
    ]);
    expect(untimed).toEqual([]);
  });

  it("with fillGaps goes on through the gap with silence, which the plan lists", () => {
    const { spans, breaks } = planSpans(deployment, { fillGaps: true, deviceId: "moth1" });
    expect(breaks).toEqual([]);
    expect(spans).toHaveLength(1);
    const [span] = spans;
    expect(span!.sampleCount).toBe(185 * RATE);
    expect(span!.pieces[2]).toEqual({ kind: "silence", outputStartSample: 120 * RATE, sampleCount: 5 * RATE });
    expect(span!.gaps).toEqual([
      {
        outputStartSample: 120 * RATE,
        outputEndSample: 125 * RATE,
        start: iso(T0 + 120_000),
        end: iso(T0 + 125_000),
        after: "b",
        before: "c",
      },
    ]);
  });

  it("clips spans to from/to, and never fills before a device's first recording or after its last", () => {
    const clipped = planSpans(deployment, { from: iso(T0 + 30_000), to: iso(T0 + 150_000), deviceId: "moth1" });
    expect(clipped.spans.map((s) => [s.pieces.map((p) => p.kind === "audio" && p.recording), s.sampleCount])).toEqual([
      [["a", "b"], 90 * RATE],
      [["c"], 25 * RATE],
    ]);
    expect(clipped.spans[0]!.start).toBe(iso(T0 + 30_000));
    // From inside the gap, with fillGaps: the span starts at c, not with silence.
    const inGap = planSpans(deployment, { from: iso(T0 + 122_000), fillGaps: true, deviceId: "moth1" });
    expect(inGap.spans.map((s) => [s.recordings, s.sampleCount, s.gaps.length])).toEqual([[["c"], 60 * RATE, 0]]);
    const before = planSpans(deployment, { from: iso(T0 - 60_000), to: iso(T0 + 1_000), fillGaps: true });
    expect(before.spans.map((s) => [s.deviceId, s.sampleCount])).toEqual([["moth1", RATE]]);
  });

  it("ends a span at an overlap and at a change of rate even with fillGaps, and lists untimed recordings", () => {
    const rows = [
      row("a", 0, 60),
      row("o", 50_000, 20), // starts inside a
      row("h", 80_000, 10, { sampleRate: 96_000 }),
      { ...row("u", 0, 10), recordedAt: null },
      { ...row("v", 0, 10), recordedAt: null, deviceId: "moth2" },
    ];
    const { spans, breaks, untimed } = planSpans(rows, { fillGaps: true, deviceId: "moth1" });
    expect(spans.map((s) => s.recordings)).toEqual([["a"], ["o"], ["h"]]);
    expect(breaks.map((b) => [b.kind, b.after, b.before, b.gapMs])).toEqual([
      ["overlap", "a", "o", -10_000],
      ["incompatible", "o", "h", 10_000],
    ]);
    expect(untimed).toEqual(["u"]);
  });

  it("refuses an empty range and a bad tolerance", () => {
    expect(() => planSpans(deployment, { from: iso(T0 + 10), to: iso(T0) })).toThrow(TimelineError);
    expect(() => planSpans(deployment, { toleranceMs: -1 })).toThrow(/toleranceMs/);
  });
});

describe("slicePlan", () => {
  const [span] = planSpans(deployment, { fillGaps: true, deviceId: "moth1" }).spans;

  it("cuts a window across a join into the pieces of both recordings, timed by the one that holds its start", () => {
    const window = slicePlan(span!, 59 * RATE, 62 * RATE, deployment);
    expect(window.pieces).toEqual([
      { kind: "audio", recording: "a", startSample: 59 * RATE, endSample: 60 * RATE, outputStartSample: 0 },
      { kind: "audio", recording: "b", startSample: 0, endSample: 2 * RATE, outputStartSample: RATE },
    ]);
    expect([window.start, window.sampleCount, window.recordings, window.gaps]).toEqual([
      iso(T0 + 59_000),
      3 * RATE,
      ["a", "b"],
      [],
    ]);
    // The same samples as planTimeline's plan of that time.
    const [byTime] = planTimeline(deployment, [{ start: iso(T0 + 59_000), end: iso(T0 + 62_000), deviceId: "moth1" }]);
    expect(byTime!.pieces).toEqual(window.pieces);
  });

  it("cuts a gap: the silence in the window, its times, and the recordings either side", () => {
    const window = slicePlan(span!, 121 * RATE, 127 * RATE, deployment);
    expect(window.pieces).toEqual([
      { kind: "silence", outputStartSample: 0, sampleCount: 4 * RATE },
      { kind: "audio", recording: "c", startSample: 0, endSample: 2 * RATE, outputStartSample: 4 * RATE },
    ]);
    expect(window.start).toBe(iso(T0 + 121_000));
    expect(window.recordings).toEqual(["c"]);
    expect(window.gaps).toEqual([
      {
        outputStartSample: 0,
        outputEndSample: 4 * RATE,
        start: iso(T0 + 121_000),
        end: iso(T0 + 125_000),
        after: "b",
        before: "c",
      },
    ]);
    expect(() => slicePlan(span!, 0, span!.sampleCount + 1, deployment)).toThrow(/not a range/);
  });
});

describe("a recording inside another of the same device (a clock error, a snippet imported beside its file)", () => {
  // a 0-2 s, x 1-1.5 s inside it, b 2-4 s exactly after a, c 6-8 s after a gap.
  const overlapped = [row("a", 0, 2), row("x", 1000, 0.5), row("b", 2000, 2), row("c", 6000, 2)];

  it("does not stand between a and the recording that follows it exactly", () => {
    const [plan] = planTimeline(overlapped, [{ start: iso(T0 + 1900), end: iso(T0 + 2100) }]);
    expect(plan!.pieces.map((p) => (p.kind === "audio" ? [p.recording, p.startSample, p.endSample] : p.kind))).toEqual([
      ["a", 1.9 * RATE, 2 * RATE],
      ["b", 0, 0.1 * RATE],
    ]);
    // A range over x and a both is refused: one device, two streams at once.
    expect(() => planTimeline(overlapped, [{ start: iso(T0 + 1100), end: iso(T0 + 1200) }])).toThrow(
      expect.objectContaining({ code: "overlap" }),
    );
  });

  it("is a span of its own, and silence is never filled where another recording holds audio", () => {
    const { spans, breaks } = planSpans(overlapped, { fillGaps: true });
    expect(spans.map((s) => s.recordings)).toEqual([["a", "b", "c"], ["x"]]);
    // The only gap filled is b's end (4 s) to c's start (6 s).
    expect(spans[0]!.gaps.map((g) => [g.start, g.end])).toEqual([[iso(T0 + 4000), iso(T0 + 6000)]]);
    expect(breaks.map((b) => b.kind)).toEqual(["overlap"]);
    const plain = planSpans(overlapped);
    expect(plain.spans.map((s) => s.recordings)).toEqual([["a", "b"], ["x"], ["c"]]);
  });
});
