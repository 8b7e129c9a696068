import { createResampler, outputLength, ResampleError, resample } from "@granule/resample";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** round(n * outRate / inRate), halves up, in BigInt: the rule from its definition. */
function reference(n: number, inRate: number, outRate: number): number {
  const numerator = BigInt(n) * BigInt(outRate);
  const d = BigInt(inRate);
  const q = numerator / d;
  const r = numerator % d;
  return Number(2n * r >= d ? q + 1n : q);
}

const RATES = [
  8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 176400, 192000, 250000, 384000, 500000, 768000,
];

describe("outputLength", () => {
  it("is round(n * outRate / inRate), halves up, for any n and rates", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: Math.floor(Number.MAX_SAFE_INTEGER / 4) }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (n, inRate, outRate) => {
          const expected = reference(n, inRate, outRate);
          if (!Number.isSafeInteger(expected)) return;
          expect(outputLength(n, inRate, outRate)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("gives the known lengths: halves round up, 44.1 -> 48 kHz is exact", () => {
    expect(outputLength(3, 48000, 32000)).toBe(2);
    expect(outputLength(1, 48000, 32000)).toBe(1); // 0.667
    expect(outputLength(1, 48000, 16000)).toBe(0); // 0.333
    expect(outputLength(3, 96000, 48000)).toBe(2); // 1.5 rounds up
    expect(outputLength(1, 96000, 48000)).toBe(1); // 0.5 rounds up
    expect(outputLength(44100 * 3600, 44100, 48000)).toBe(48000 * 3600);
    expect(outputLength(147, 44100, 48000)).toBe(160);
    expect(outputLength(1, 44100, 48000)).toBe(1);
    expect(outputLength(0, 44100, 48000)).toBe(0);
    // 24 h at 768 kHz to 44.1 kHz: n * up exceeds 2^53 on the way; the result does not.
    expect(outputLength(768000 * 86400 * 40, 768000, 44101)).toBe(reference(768000 * 86400 * 40, 768000, 44101));
  });

  it("rejects lengths and rates that are not positive integers", () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => outputLength(bad, 48000, 32000)).toThrowError(expect.objectContaining({ code: "invalid-length" }));
    }
    for (const bad of [0, -48000, 44100.5, Number.POSITIVE_INFINITY, 2 ** 31]) {
      expect(() => outputLength(10, bad, 48000)).toThrow(ResampleError);
      expect(() => outputLength(10, 48000, bad)).toThrowError(expect.objectContaining({ code: "invalid-rate" }));
    }
  });
});

describe("resample lengths", () => {
  it("returns outputLength(n) samples for every pair of rates from 8 to 768 kHz", () => {
    const lengths = [0, 1, 2, 7, 100, 1001];
    for (const inRate of RATES) {
      for (const outRate of RATES) {
        for (const n of lengths) {
          const [y] = resample([new Float32Array(n).fill(0.1)], inRate, outRate) as [Float32Array];
          if (y.length !== reference(n, inRate, outRate)) {
            expect.fail(`${n} samples ${inRate} -> ${outRate}: ${y.length}, expected ${reference(n, inRate, outRate)}`);
          }
        }
      }
    }
  }, 60_000);

  it("streams exact totals for random lengths, rates and chunkings", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...RATES),
        fc.constantFrom(...RATES),
        fc.array(fc.nat({ max: 3000 }), { maxLength: 5 }),
        (inRate, outRate, chunks) => {
          const resampler = createResampler({ inRate, outRate, channels: 1 });
          let total = 0;
          for (const n of chunks) total += (resampler.push([new Float32Array(n)])[0] as Float32Array).length;
          total += (resampler.flush()[0] as Float32Array).length;
          const n = chunks.reduce((a, b) => a + b, 0);
          expect(total).toBe(reference(n, inRate, outRate));
          expect(resampler.inputSamples).toBe(n);
          expect(resampler.outputSamples).toBe(total);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});
