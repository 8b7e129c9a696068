import { planTimeline, TimelineError, type TimelineRecording } from "@granule/timeline";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const T0 = Date.parse("2025-04-16T05:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** A recording row: `seconds` long at `sampleRate`, starting `atMs` after T0. */
function row(id: string, atMs: number, seconds: number, extra: Partial<TimelineRecording> = {}): TimelineRecording {
  const sampleRate = extra.sampleRate ?? 48_000;
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

function failure(run: () => unknown): TimelineError {
  try {
    run();
  } catch (error) {
    if (error instanceof TimelineError) return error;
    throw error;
  }
  throw new Error("expected a TimelineError");
}

describe("planTimeline by UTC time", () => {
  const deployment = [row("a", 0, 60), row("b", 60_000, 60), row("c", 125_000, 60)];

  it("finds the recording and converts times at its rate", () => {
    const [plan] = planTimeline(deployment, [{ start: iso(T0 + 1_500), end: iso(T0 + 3_000) }]);
    expect(plan!.pieces).toEqual([
      { kind: "audio", recording: "a", startSample: 72_000, endSample: 144_000, outputStartSample: 0 },
    ]);
    expect(plan!.sampleCount).toBe(72_000);
    expect(plan!.start).toBe("2025-04-16T05:00:01.500Z");
    expect(plan!.deviceId).toBe("moth1");
  });

  it("joins contiguous recordings sample-exactly", () => {
    const [plan] = planTimeline(deployment, [{ start: iso(T0 + 59_000), end: iso(T0 + 61_000) }]);
    expect(plan!.pieces).toEqual([
      { kind: "audio", recording: "a", startSample: 59 * 48_000, endSample: 60 * 48_000, outputStartSample: 0 },
      { kind: "audio", recording: "b", startSample: 0, endSample: 48_000, outputStartSample: 48_000 },
    ]);
    expect(plan!.gaps).toEqual([]);
    expect(plan!.recordings).toEqual(["a", "b"]);
  });

  it("counts a time from the start of the recording holding it, not of the first of the run", () => {
    // b's timestamp is 0.4 ms late (within the tolerance): b's samples follow a's, and a time in
    // b is counted from b's own start, so the timestamps' rounding never adds up along a run.
    const rows = [row("a", 0, 1), { ...row("b", 1_000, 1), recordedAt: "2025-04-16T05:00:01.000Z" }];
    rows[0]!.totalSamples = 48_000 - 19; // a ends 0.396 ms before b starts
    const [plan] = planTimeline(rows, [{ start: iso(T0 + 999), end: iso(T0 + 1_500) }]);
    expect(plan!.pieces).toEqual([
      { kind: "audio", recording: "a", startSample: 47_952, endSample: 47_981, outputStartSample: 0 },
      { kind: "audio", recording: "b", startSample: 0, endSample: 24_000, outputStartSample: 29 },
    ]);
  });

  it("refuses a gap wider than the tolerance, naming both recordings and the gap", () => {
    const error = failure(() => planTimeline(deployment, [{ start: iso(T0 + 119_000), end: iso(T0 + 126_000) }]));
    expect(error.code).toBe("gap");
    expect(error.recordings).toEqual(["b", "c"]);
    expect(error.gapMs).toBe(5_000);
    expect(error.message).toContain("5.000 s");
    expect(error.message).toContain("b (to 2025-04-16T05:02:00.000Z) and c (from 2025-04-16T05:02:05.000Z)");
  });

  it("fills a gap with silence and lists it with fillGaps", () => {
    const [plan] = planTimeline(deployment, [{ start: iso(T0 + 119_000), end: iso(T0 + 126_000) }], {
      fillGaps: true,
    });
    expect(plan!.pieces).toEqual([
      { kind: "audio", recording: "b", startSample: 59 * 48_000, endSample: 60 * 48_000, outputStartSample: 0 },
      { kind: "silence", outputStartSample: 48_000, sampleCount: 5 * 48_000 },
      { kind: "audio", recording: "c", startSample: 0, endSample: 48_000, outputStartSample: 6 * 48_000 },
    ]);
    expect(plan!.gaps).toEqual([
      {
        outputStartSample: 48_000,
        outputEndSample: 6 * 48_000,
        start: "2025-04-16T05:02:00.000Z",
        end: "2025-04-16T05:02:05.000Z",
        after: "b",
        before: "c",
      },
    ]);
    expect(plan!.sampleCount).toBe(7 * 48_000);
  });

  it("joins within the tolerance and refuses just past it", () => {
    const rows = [row("a", 0, 1), row("b", 1_002, 1)];
    expect(failure(() => planTimeline(rows, [{ start: iso(T0 + 500), end: iso(T0 + 1_500) }])).code).toBe("gap");
    const [plan] = planTimeline(rows, [{ start: iso(T0 + 500), end: iso(T0 + 1_500) }], { toleranceMs: 2 });
    expect(plan!.pieces.map((p) => p.kind)).toEqual(["audio", "audio"]);
    expect(plan!.sampleCount).toBe(24_000 + 23_904);
  });

  it("refuses a range past the recordings unless filled", () => {
    const early = failure(() => planTimeline(deployment, [{ start: iso(T0 - 500), end: iso(T0 + 500) }]));
    expect(early.code).toBe("not-covered");
    expect(early.message).toContain("500.000 ms before the first recording that covers it (a");
    const [plan] = planTimeline(deployment, [{ start: iso(T0 - 500), end: iso(T0 + 500) }], { fillGaps: true });
    expect(plan!.pieces).toEqual([
      { kind: "silence", outputStartSample: 0, sampleCount: 24_000 },
      { kind: "audio", recording: "a", startSample: 0, endSample: 24_000, outputStartSample: 24_000 },
    ]);
    expect(plan!.gaps[0]).toMatchObject({ after: null, before: "a", start: "2025-04-16T04:59:59.500Z" });
    const late = failure(() => planTimeline(deployment, [{ start: iso(T0 + 184_000), end: iso(T0 + 186_000) }]));
    expect(late.code).toBe("not-covered");
    expect(failure(() => planTimeline(deployment, [{ start: iso(T0 + 200_000), end: iso(T0 + 201_000) }])).code).toBe(
      "no-recording",
    );
  });

  it("never joins recordings of different devices, and asks which device when several cover a time", () => {
    const rows = [row("a", 0, 60), row("x", 0, 120, { deviceId: "moth2" }), row("b", 60_000, 60)];
    const error = failure(() => planTimeline(rows, [{ start: iso(T0 + 59_000), end: iso(T0 + 61_000) }]));
    expect(error.code).toBe("ambiguous-device");
    expect(error.message).toContain("device moth1, device moth2");
    const [mine, theirs] = planTimeline(rows, [
      { start: iso(T0 + 59_000), end: iso(T0 + 61_000), deviceId: "moth1" },
      { start: iso(T0 + 59_000), end: iso(T0 + 61_000), deviceId: "moth2" },
    ]);
    expect(mine!.recordings).toEqual(["a", "b"]);
    expect(theirs!.pieces).toEqual([
      { kind: "audio", recording: "x", startSample: 59 * 48_000, endSample: 61 * 48_000, outputStartSample: 0 },
    ]);
    // Contiguous in time but of another device: not a continuation.
    const other = [row("a", 0, 60), row("y", 60_000, 60, { deviceId: "moth2" })];
    const past = failure(() =>
      planTimeline(other, [{ start: iso(T0 + 59_000), end: iso(T0 + 61_000), deviceId: "moth1" }]),
    );
    expect(past.code).toBe("not-covered");
  });

  it("refuses to join across an overlap or a change of rate or channels", () => {
    const overlapping = [row("a", 0, 60), row("b", 59_000, 60)];
    const overlap = failure(() => planTimeline(overlapping, [{ start: iso(T0 + 58_000), end: iso(T0 + 62_000) }]));
    expect(overlap.code).toBe("overlap");
    expect(overlap.gapMs).toBe(-1_000);
    const [inside] = planTimeline(overlapping, [{ start: iso(T0 + 1_000), end: iso(T0 + 2_000) }]);
    expect(inside!.recordings).toEqual(["a"]);
    const rates = [row("a", 0, 60), row("b", 60_000, 60, { sampleRate: 32_000 })];
    const rate = failure(() =>
      planTimeline(rates, [{ start: iso(T0 + 59_000), end: iso(T0 + 61_000) }], { fillGaps: true }),
    );
    expect(rate.code).toBe("incompatible");
  });

  it("times a time-expanded recording at its true rate", () => {
    // 10 s of 384 kHz ultrasound, stored as 80 s of 48 kHz Opus samples.
    const bat = row("bat", 0, 10, { sampleRate: 384_000 });
    expect(bat.totalSamples).toBe(3_840_000);
    const [plan] = planTimeline([bat], [{ start: iso(T0 + 2_000), end: iso(T0 + 2_010) }]);
    expect(plan!.pieces).toEqual([
      { kind: "audio", recording: "bat", startSample: 768_000, endSample: 771_840, outputStartSample: 0 },
    ]);
    expect(
      planTimeline([bat], [{ start: iso(T0 + 9_000), end: iso(T0 + 11_000) }], { fillGaps: true })[0]!.gaps[0],
    ).toMatchObject({ outputStartSample: 384_000, outputEndSample: 768_000 });
  });

  it("rounds times to the nearest sample at 44.1 kHz", () => {
    const [plan] = planTimeline([row("a", 0, 10, { sampleRate: 44_100 })], [{ start: iso(T0 + 1), end: iso(T0 + 11) }]);
    // 1 ms is 44.1 samples, 11 ms 485.1: 44 and 485.
    expect(plan!.pieces[0]).toMatchObject({ startSample: 44, endSample: 485 });
  });

  it("reads times with an offset and refuses times without a zone", () => {
    const [plan] = planTimeline(
      [row("a", 0, 60)],
      [{ start: "2025-04-16T07:00:01+02:00", end: "2025-04-16T07:00:02+0200" }],
    );
    expect(plan!.pieces[0]).toMatchObject({ startSample: 48_000, endSample: 96_000 });
    expect(
      failure(() => planTimeline([row("a", 0, 60)], [{ start: "2025-04-16T05:00:01", end: iso(T0 + 2_000) }])).code,
    ).toBe("invalid-argument");
  });
});

describe("planTimeline by recording samples", () => {
  const deployment = [row("a", 0, 1), row("b", 1_000, 1), row("c", 3_000, 1), row("z", 0, 1, { recordedAt: null })];

  it("runs on into the next contiguous recording", () => {
    const [plan] = planTimeline(deployment, [{ recording: "a", startSample: 40_000, endSample: 60_000 }]);
    expect(plan!.pieces).toEqual([
      { kind: "audio", recording: "a", startSample: 40_000, endSample: 48_000, outputStartSample: 0 },
      { kind: "audio", recording: "b", startSample: 0, endSample: 12_000, outputStartSample: 8_000 },
    ]);
    expect(plan!.start).toBe("2025-04-16T05:00:00.833Z");
  });

  it("refuses to run into a gap, or fills it with fillGaps", () => {
    const request = { recording: "b", startSample: 40_000, endSample: 3 * 48_000 };
    const error = failure(() => planTimeline(deployment, [request]));
    expect(error.code).toBe("gap");
    expect(error.recordings).toEqual(["b", "c"]);
    const [plan] = planTimeline(deployment, [request], { fillGaps: true });
    expect(plan!.pieces).toEqual([
      { kind: "audio", recording: "b", startSample: 40_000, endSample: 48_000, outputStartSample: 0 },
      // b ends at 2 s, c starts at 3 s; sample 144000 of b is 4 s, c's end.
      { kind: "silence", outputStartSample: 8_000, sampleCount: 48_000 },
      { kind: "audio", recording: "c", startSample: 0, endSample: 48_000, outputStartSample: 56_000 },
    ]);
  });

  it("fills from a start past the recording's end, in the gap, with the length asked for", () => {
    // b's sample 72000 is 2.5 s, in the gap before c (3-4 s); a's 120000 is the same time.
    const expected = [
      { kind: "silence", outputStartSample: 0, sampleCount: 24_000 },
      { kind: "audio", recording: "c", startSample: 0, endSample: 24_000, outputStartSample: 24_000 },
    ];
    for (const request of [
      { recording: "b", startSample: 72_000, endSample: 120_000 },
      { recording: "a", startSample: 120_000, endSample: 168_000 },
    ]) {
      const [plan] = planTimeline(deployment, [request], { fillGaps: true });
      expect(plan!.pieces).toEqual(expected);
      expect(plan!.sampleCount).toBe(48_000);
      expect(plan!.start).toBe("2025-04-16T05:00:02.500Z");
      expect(plan!.gaps).toEqual([
        {
          outputStartSample: 0,
          outputEndSample: 24_000,
          start: "2025-04-16T05:00:02.500Z",
          end: "2025-04-16T05:00:03.000Z",
          after: "b",
          before: "c",
        },
      ]);
    }
  });

  it("fills past the last recording with fillGaps, as a time range there is filled", () => {
    // c is 3-4 s; its samples 24000-96000 run 1 s past its end, with no recording after it.
    const request = { recording: "c", startSample: 24_000, endSample: 96_000 };
    const refused = failure(() => planTimeline(deployment, [request]));
    expect(refused.code).toBe("not-covered");
    expect(refused.message).toContain("no recording of device moth1 follows");
    const [bySamples] = planTimeline(deployment, [request], { fillGaps: true });
    const [byTime] = planTimeline(deployment, [{ start: iso(T0 + 3_500), end: iso(T0 + 5_000) }], { fillGaps: true });
    expect(bySamples!.pieces).toEqual([
      { kind: "audio", recording: "c", startSample: 24_000, endSample: 48_000, outputStartSample: 0 },
      { kind: "silence", outputStartSample: 24_000, sampleCount: 48_000 },
    ]);
    expect(bySamples!.pieces).toEqual(byTime!.pieces);
    expect(bySamples!.gaps).toEqual(byTime!.gaps);
    expect(bySamples!.gaps[0]).toMatchObject({ after: "c", before: null, end: "2025-04-16T05:00:05.000Z" });
    // Wholly past the end: no audio to anchor it, refused with fillGaps too (as by time).
    const after = { recording: "c", startSample: 48_000, endSample: 60_000 };
    expect(failure(() => planTimeline(deployment, [after], { fillGaps: true })).code).toBe("not-covered");
  });

  it("fills a request wholly inside a gap with exactly its silence", () => {
    const [plan] = planTimeline(deployment, [{ recording: "b", startSample: 54_000, endSample: 60_000 }], {
      fillGaps: true,
    });
    expect(plan!.pieces).toEqual([{ kind: "silence", outputStartSample: 0, sampleCount: 6_000 }]);
    expect(plan!.gaps[0]).toMatchObject({ start: "2025-04-16T05:00:02.125Z", end: "2025-04-16T05:00:02.250Z" });
  });

  it("leaves out a recording that ends before a request that starts in a gap", () => {
    const rows = [row("a", 0, 1), row("b", 1_500, 0.5), row("c", 3_000, 1)];
    // a's sample 105600 is 2.2 s: after b (1.5-2 s), before c.
    const [plan] = planTimeline(rows, [{ recording: "a", startSample: 105_600, endSample: 168_000 }], {
      fillGaps: true,
    });
    expect(plan!.pieces).toEqual([
      { kind: "silence", outputStartSample: 0, sampleCount: 38_400 },
      { kind: "audio", recording: "c", startSample: 0, endSample: 24_000, outputStartSample: 38_400 },
    ]);
    expect(plan!.recordings).toEqual(["c"]);
  });

  it("gives a filled sample request exactly the samples asked for, in order (property)", () => {
    // 44.1 kHz and whole-millisecond starts, so that times to samples round at the joins.
    const recordings = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 1, max: 90_000 })), {
        minLength: 1,
        maxLength: 5,
      })
      .map((spans) => {
        let atMs = 0;
        const rows = spans.map(([gapMs, totalSamples], i) => {
          const r = row(`r${i}`, atMs + gapMs, 0, { sampleRate: 44_100, totalSamples });
          atMs += gapMs + Math.ceil((totalSamples * 1000) / 44_100);
          return r;
        });
        return rows;
      });
    fc.assert(
      fc.property(
        recordings,
        fc.nat(),
        fc.nat({ max: 400_000 }),
        fc.integer({ min: 1, max: 300_000 }),
        (rows, pick, startSample, length) => {
          const recording = rows[pick % rows.length]!.id;
          const request = { recording, startSample, endSample: startSample + length };
          // Past the last recording's end is silence too, but a request with no audio there at
          // all is refused (as a time range after the deployment is).
          const lastEndMs = Date.parse(rows.at(-1)!.recordedAt!) + (rows.at(-1)!.totalSamples * 1000) / 44_100;
          const own = rows.find((r) => r.id === recording)!;
          const startMs = Date.parse(own.recordedAt!) + (startSample * 1000) / 44_100;
          if (startMs >= lastEndMs + 1) {
            expect(failure(() => planTimeline(rows, [request], { fillGaps: true })).code).toBe("not-covered");
            return;
          }
          if (startMs > lastEndMs - 1) return; // within the rounding of the last end: either way
          const [plan] = planTimeline(rows, [request], { fillGaps: true });
          expect(plan!.sampleCount).toBe(length);
          let output = 0;
          for (const piece of plan!.pieces) {
            expect(piece.outputStartSample).toBe(output);
            output += piece.kind === "audio" ? piece.endSample - piece.startSample : piece.sampleCount;
            if (piece.kind === "audio") expect(piece.endSample).toBeGreaterThan(piece.startSample);
            else expect(piece.sampleCount).toBeGreaterThan(0);
          }
          expect(output).toBe(length);
        },
      ),
      { numRuns: 500, seed: 20261202 },
    );
  });

  it("keeps a recording without recordedAt to itself", () => {
    const [plan] = planTimeline(deployment, [{ recording: "z", startSample: 0, endSample: 100 }]);
    expect(plan).toMatchObject({ start: null, sampleCount: 100, recordings: ["z"] });
    expect(failure(() => planTimeline(deployment, [{ recording: "z", startSample: 0, endSample: 48_001 }])).code).toBe(
      "not-covered",
    );
    expect(failure(() => planTimeline(deployment, [{ recording: "q", startSample: 0, endSample: 1 }])).code).toBe(
      "not-found",
    );
  });

  it("names the request of a list that fails", () => {
    const error = failure(() =>
      planTimeline(deployment, [
        { recording: "a", startSample: 0, endSample: 10 },
        { recording: "a", startSample: 10, endSample: 10 },
      ]),
    );
    expect(error.request).toBe(1);
    expect(error.message).toMatch(/^request 1: /);
  });
});
