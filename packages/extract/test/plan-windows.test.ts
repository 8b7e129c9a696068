import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Part, type PlanOptions, planWindows } from "../src/plan-windows.ts";

const PRE_ROLL = 24_000;
const options = (maxWindowSamples: number): PlanOptions => ({
  preRollSamples: PRE_ROLL,
  maxWindowSamples,
  splitSamples: Math.max(maxWindowSamples, 48_000),
  fillHoles: false,
});

const decoded = (segment: number, startSample: number, endSample: number, link = 0): Part => ({
  segment,
  startSample,
  endSample,
  link,
  preRollSamples: PRE_ROLL,
  hole: false,
});

const spanOf = (parts: readonly Part[]) => ({
  from: Math.min(...parts.map((p) => p.startSample)),
  to: Math.max(...parts.map((p) => p.endSample)),
});

describe("planWindows", () => {
  it("decodes overlapping segments once: windows meet end to end, parts cut where one ends", () => {
    // 3 s segments every 1.2 s for a minute, in 10 s windows.
    const parts = Array.from({ length: 50 }, (_, s) => decoded(s, s * 57_600, s * 57_600 + 144_000));
    const plan = planWindows(parts, options(480_000));
    const spans = plan.windows.map((w) => spanOf(w.parts));
    for (let w = 1; w < spans.length; w++) expect(spans[w]!.from).toBe(spans[w - 1]!.to);
    expect(spans[0]!.from).toBe(0);
    expect(spans[spans.length - 1]!.to).toBe(49 * 57_600 + 144_000);
    for (const { from, to } of spans) expect(to - from).toBeLessThanOrEqual(480_000);
    // The windows after the first start where a cut was made: the full pre-roll before them.
    for (const w of plan.windows) expect(w.preRollSamples).toBe(PRE_ROLL);
  });

  it("keeps a part after a hole (a shorter pre-roll) in a window of its own, and cuts no pre-roll across it", () => {
    const parts: Part[] = [
      decoded(0, 0, 100_000),
      { ...decoded(0, 100_000, 101_000), hole: true },
      { ...decoded(0, 101_000, 200_000), preRollSamples: 0 },
      { ...decoded(1, 101_000, 160_000), preRollSamples: 0 },
      decoded(2, 150_000, 400_000),
    ];
    const plan = planWindows(parts, options(96_000));
    expect(plan.parts.filter((p) => p.hole)).toEqual([parts[1]]);
    const starts = plan.windows.map((w) => [spanOf(w.parts).from, w.preRollSamples]);
    // Segment 1's part after the hole starts its own window, with no pre-roll, as segment 0's does.
    expect(starts.filter(([from]) => from === 101_000)).toEqual([
      [101_000, 0],
      [101_000, 0],
    ]);
    for (const w of plan.windows) {
      const { from } = spanOf(w.parts);
      // Decoding starts after the hole's end (101,000) or before the hole, never across it.
      const decodeFrom = from - w.preRollSamples;
      expect(decodeFrom >= 101_000 || spanOf(w.parts).to <= 100_000).toBe(true);
    }
  });

  it("cuts every part into pieces that cover it exactly, each in one window, windows never overlapping", () => {
    const part = fc
      .tuple(fc.integer({ min: 0, max: 1 }), fc.nat({ max: 2_000_000 }), fc.integer({ min: 1, max: 200_000 }))
      .map(([link, start, length]) => ({ link, start, length }));
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(0, 4_800, 96_000, 1_440_000),
        (raw, max) => {
          const parts = raw.map((r, s) => decoded(s, r.start, r.start + r.length, r.link));
          const plan = planWindows(parts, options(max));
          // Each part's pieces, in order, tile it.
          for (let s = 0; s < parts.length; s++) {
            const pieces = plan.parts.filter((p) => p.segment === s);
            expect(pieces[0]!.startSample).toBe(parts[s]!.startSample);
            expect(pieces[pieces.length - 1]!.endSample).toBe(parts[s]!.endSample);
            for (let k = 1; k < pieces.length; k++) expect(pieces[k]!.startSample).toBe(pieces[k - 1]!.endSample);
            for (const piece of pieces) expect(piece.endSample).toBeGreaterThan(piece.startSample);
          }
          const inWindows = plan.windows.flatMap((w) => w.parts);
          expect(new Set(inWindows).size).toBe(plan.parts.length);
          for (const piece of plan.parts) expect(inWindows).toContain(piece);
          for (const w of plan.windows) {
            for (const piece of w.parts) expect(piece.link).toBe(w.link);
            // A window is at most the longest allowed, or its first piece when that is longer.
            const { from, to } = spanOf(w.parts);
            expect(to - from).toBeLessThanOrEqual(Math.max(max, w.parts[0]!.endSample - w.parts[0]!.startSample));
          }
          // No sample of a link is decoded for output by two windows.
          for (const link of [0, 1]) {
            const spans = plan.windows
              .filter((w) => w.link === link)
              .map((w) => spanOf(w.parts))
              .sort((a, b) => a.from - b.from);
            for (let k = 1; k < spans.length; k++) expect(spans[k]!.from).toBeGreaterThanOrEqual(spans[k - 1]!.to);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
