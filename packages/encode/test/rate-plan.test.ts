import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EncodeError, planRate, resampledLength, timelineSamples } from "../src/index.ts";
import { bestLag, makeWav, roundTrip, snrDb, testSignal } from "./helpers.ts";

describe("planRate: the one rate rule", () => {
  it("names each kind", () => {
    expect(planRate(48000).kind).toBe("native");
    for (const rate of [8000, 12000, 16000, 24000]) {
      expect(planRate(rate)).toEqual({
        kind: "upsampled",
        sourceRate: rate,
        encoderRate: rate,
        originalSampleRate: rate,
        timeExpansion: 1,
        upsampleFactor: 48000 / rate,
      });
    }
    for (const rate of [11025, 22050, 32000, 44100, 47999]) {
      expect(planRate(rate)).toMatchObject({ kind: "resampled", encoderRate: 48000, resampledFrom: rate });
    }
    for (const rate of [48001, 96000, 192000, 250000, 384000, 500000]) {
      expect(planRate(rate)).toEqual({
        kind: "time-expanded",
        sourceRate: rate,
        encoderRate: 48000,
        originalSampleRate: rate,
        timeExpansion: rate / 48000,
      });
    }
    expect(planRate(44100, { recorderTimeExpansion: 10 })).toMatchObject({
      kind: "time-expanded",
      originalSampleRate: 441000,
    });
  });
  it("refuses rates that are not positive whole numbers", () => {
    for (const rate of [0, -8000, 44100.5, Number.NaN]) expect(() => planRate(rate)).toThrow(EncodeError);
    expect(() => planRate(48000, { recorderTimeExpansion: 0 })).toThrow(/time-expansion factor/);
  });
  it("timeline lengths: n, n × factor, or round(n × 48000 / rate) exactly", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000_000 }), fc.integer({ min: 0, max: 10 ** 12 }), (rate, n) => {
        const plan = planRate(rate);
        const length = timelineSamples(plan, n);
        if (plan.kind === "resampled") {
          // |length - n × 48000 / rate| ≤ 1/2, exactly (no floating point).
          const twice = 2n * BigInt(length) * BigInt(rate) - 2n * BigInt(n) * 48000n;
          expect(twice <= BigInt(rate) && twice > -BigInt(rate)).toBe(true);
        } else expect(length).toBe(plan.kind === "upsampled" ? n * plan.upsampleFactor : n);
      }),
    );
    expect(resampledLength(44100, 44100, 48000)).toBe(48000);
    expect(resampledLength(1, 44100, 48000)).toBe(1);
    expect(resampledLength(3, 96000, 48000)).toBe(2); // 1.5 rounds up
  });
});

describe("resampled sources (44.1, 22.05, 32 kHz), by @granule/resample unless told otherwise", () => {
  for (const rate of [44100, 22050, 32000]) {
    it(`${rate} Hz: round(n × 48000 / ${rate}) samples, lag 0`, async () => {
      const frames = Math.round(rate * 0.5) + 3;
      const source = testSignal(rate, frames, 200, 1500);
      const { result, decoded } = await roundTrip(makeWav(source, rate));
      const expected = resampledLength(frames, rate, 48000);
      expect(result.ratePlan).toMatchObject({ kind: "resampled", resampledFrom: rate });
      expect(result.opus.totalSamples).toBe(expected);
      expect(decoded[0]!.length).toBe(expected);
      expect(result.tags).toContain(`RESAMPLED_FROM=${rate}`);
      // Compare on the source's grid: decoded sample round(n × 48000 / rate) ≈ source n.
      const back = Float32Array.from({ length: frames - 2 }, (_, n) => decoded[0]![Math.round((n * 48000) / rate)]!);
      expect(bestLag(source[0]!.subarray(0, frames - 2), back, 20)).toBe(0);
      expect(snrDb(source[0]!.subarray(0, frames - 2), back)).toBeGreaterThan(12);
    });
  }
});
