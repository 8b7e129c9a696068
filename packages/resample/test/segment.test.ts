import { contextSamples, outputLength, resample, resampleSegment } from "@granule/resample";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sine, toneAt } from "./spectrum.ts";

function noise(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x / 2 ** 32 - 0.5;
  }
  return out;
}

const PAIRS: [number, number][] = [
  [48000, 32000],
  [44100, 48000],
  [48000, 16000],
  [48000, 22050],
  [384000, 192000],
  [16000, 48000],
];

describe("resampleSegment", () => {
  it("equals the slice of the whole recording's resample when s * outRate / inRate is whole (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PAIRS),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        (pair, step, length, extraBefore, extraAfter) => {
          const [inRate, outRate] = pair;
          const recording = noise(12000, step + length);
          // s a multiple of inRate / gcd: then output j0 = s * outRate / inRate is whole.
          const g = gcd(inRate, outRate);
          const s = step * (inRate / g);
          const e = s + length;
          if (e > recording.length) return;
          const context = contextSamples(inRate, outRate);
          // Cut the recording as extraction would: the segment plus context, clipped at the recording's edges.
          const from = Math.max(0, s - context - extraBefore);
          const to = Math.min(recording.length, e + context + extraAfter);
          const [segment] = resampleSegment([recording.subarray(from, to)], {
            inRate,
            outRate,
            offset: s - from,
            length,
          }) as [Float32Array];
          const [whole] = resample([recording], inRate, outRate) as [Float32Array];
          const j0 = (s * outRate) / inRate;
          const count = outputLength(length, inRate, outRate);
          expect(segment.length).toBe(count);
          expect(segment).toEqual(whole.subarray(j0, j0 + count));
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);

  it("puts output j at input position s + j * inRate / outRate when that is not on the output grid: a tone keeps its phase", () => {
    const inRate = 44100;
    const outRate = 48000;
    const hz = 1000;
    const recording = sine(hz, inRate, inRate);
    for (const s of [1, 100, 12345, 20001]) {
      const length = 8820;
      const context = contextSamples(inRate, outRate);
      const [y] = resampleSegment([recording.subarray(s - Math.min(s, context), s + length + context)], {
        inRate,
        outRate,
        offset: Math.min(s, context),
        length,
      }) as [Float32Array];
      expect(y.length).toBe(9600);
      // The segment starts at time s / inRate: its tone there has phase 2 pi hz s / inRate.
      const expected = (2 * Math.PI * hz * s) / inRate;
      const { amplitude, phase } = toneAt(y, outRate, hz, 960, 8640);
      const error = Math.atan2(Math.sin(phase - expected), Math.cos(phase - expected));
      expect(Math.abs(error), `s = ${s}`).toBeLessThan(1e-5);
      expect(Math.abs(amplitude - 0.5)).toBeLessThan(1e-5);
    }
  });

  it("treats what lies beyond the given input as zero, as resample does at a recording's edges", () => {
    const recording = noise(5000, 9);
    const [whole] = resample([recording], 48000, 32000) as [Float32Array];
    const [head] = resampleSegment([recording], { inRate: 48000, outRate: 32000, offset: 0, length: 300 }) as [
      Float32Array,
    ];
    expect(head).toEqual(whole.subarray(0, 200));
    const [tail] = resampleSegment([recording], { inRate: 48000, outRate: 32000, offset: 4500, length: 500 }) as [
      Float32Array,
    ];
    expect(tail).toEqual(whole.subarray(3000, 3333));
  });

  it("needs no more context than contextSamples: less changes the result, more does not", () => {
    const recording = noise(20000, 5);
    const [whole] = resample([recording], 48000, 32000) as [Float32Array];
    const context = contextSamples(48000, 32000);
    const s = 9000;
    const cut = (before: number, after: number) =>
      resampleSegment([recording.subarray(s - before, s + 3000 + after)], {
        inRate: 48000,
        outRate: 32000,
        offset: before,
        length: 3000,
      })[0];
    expect(cut(context, context)).toEqual(whole.subarray(6000, 8000));
    expect(cut(context + 500, context + 7)).toEqual(whole.subarray(6000, 8000));
    // The outermost taps can weigh zero for this segment's phases: a few samples short must show.
    expect(cut(context - 4, context)).not.toEqual(whole.subarray(6000, 8000));
    expect(cut(context, context - 4)).not.toEqual(whole.subarray(6000, 8000));
  });

  it("time expansion: 384 kHz stored as 48 kHz, to 192 kHz is the ratio 1/2 on the stored samples", () => {
    const stored = sine(40000, 384000, 38400); // a 40 kHz call
    const [y] = resampleSegment([stored], { inRate: 48000, outRate: 24000, offset: 9600, length: 9600 }) as [
      Float32Array,
    ];
    const [direct] = resampleSegment([stored], { inRate: 384000, outRate: 192000, offset: 9600, length: 9600 }) as [
      Float32Array,
    ];
    expect(y).toEqual(direct);
    expect(y.length).toBe(4800);
    expect(Math.abs(toneAt(y, 192000, 40000, 480, 4320).amplitude - 0.5)).toBeLessThan(1e-5);
  });

  it("equal rates give the segment's samples", () => {
    const x = noise(100, 1);
    expect(resampleSegment([x], { inRate: 8000, outRate: 8000, offset: 10, length: 20 })[0]).toEqual(
      x.subarray(10, 30),
    );
    expect(contextSamples(8000, 8000)).toBe(0);
  });

  it("rejects segments outside the input", () => {
    const x = [new Float32Array(100)];
    const base = { inRate: 48000, outRate: 32000 };
    for (const [offset, length] of [
      [-1, 10],
      [0, 101],
      [95, 6],
      [1.5, 10],
      [0, Number.NaN],
    ] as const) {
      expect(() => resampleSegment(x, { ...base, offset, length })).toThrowError(
        expect.objectContaining({ name: "ResampleError", code: "invalid-segment" }),
      );
    }
  });
});

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
