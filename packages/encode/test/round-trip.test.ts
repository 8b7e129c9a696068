import { describe, expect, it } from "vitest";
import { planRate, timelineSamples } from "../src/index.ts";
import { bestLag, decimate, makeWav, quantised, roundTrip, snrDb, testSignal } from "./helpers.ts";

// Exact length, zero lag and SNR, encode -> @granule/opus-index -> @granule/extract.
describe("round trips", () => {
  const cases: Array<[number, number, number]> = [
    // rate, chirp from, to (Hz, as stored)
    [8000, 200, 3500],
    [16000, 200, 7000],
    [48000, 300, 15000],
    [96000, 2000, 40000],
    [250000, 20000, 100000], // Opus keeps up to 20 kHz of the 48 kHz label: 104 kHz real at 250 kHz
    [384000, 20000, 120000],
  ];
  for (const [rate, f0, f1] of cases) {
    it(`${rate} Hz mono: decoded length exact, lag 0, SNR above 15 dB`, async () => {
      const frames = Math.round(rate * 0.75) + 7; // not a whole number of Opus frames
      const source = testSignal(rate, frames, f0, f1);
      const { result, index, decoded } = await roundTrip(makeWav(source, rate));
      const plan = planRate(rate);
      expect(result.ratePlan).toEqual(plan);
      expect(result.source.frames).toBe(frames);
      const expected = timelineSamples(plan, frames);
      expect(expected).toBe(plan.kind === "upsampled" ? frames * (48000 / rate) : frames);
      expect(result.opus.totalSamples).toBe(expected);
      expect(index.totalSamples).toBe(expected);
      expect(decoded[0]!.length).toBe(expected);
      const reference = quantised(source[0]!);
      const back = plan.kind === "upsampled" ? decimate(decoded[0]!, plan.upsampleFactor) : decoded[0]!;
      expect(bestLag(reference, back, 40)).toBe(0);
      expect(snrDb(reference, back)).toBeGreaterThan(15);
      expect(index.links[0]!.head.inputSampleRate).toBe(rate);
    });
  }

  it("stereo at 48 kHz keeps the channel order (coupled, family 0)", async () => {
    const source = testSignal(48000, 24000, 300, 9000, 2);
    source[1]!.set(testSignal(48000, 24000, 9000, 300)[0]!);
    const { result, decoded } = await roundTrip(makeWav(source, 48000));
    expect(result.opus).toMatchObject({ mappingFamily: 0, streams: 1, coupledStreams: 1 });
    for (let c = 0; c < 2; c++) {
      expect(snrDb(quantised(source[c]!), decoded[c]!)).toBeGreaterThan(12);
      expect(snrDb(quantised(source[c]!), decoded[1 - c]!)).toBeLessThan(3);
    }
  });

  it("eight channels: independent streams (family 255), channel k decodes to channel k", async () => {
    const source = Array.from({ length: 8 }, (_, c) => testSignal(16000, 8000, 200 + 400 * c, 6000 - 500 * c)[0]!);
    const { result, decoded, index } = await roundTrip(makeWav(source, 16000));
    expect(result.opus).toMatchObject({ mappingFamily: 255, streams: 8, coupledStreams: 0, totalSamples: 24000 });
    expect([...index.links[0]!.head.mapping]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (let c = 0; c < 8; c++) {
      const back = decimate(decoded[c]!, 3);
      const own = snrDb(quantised(source[c]!), back);
      expect(own).toBeGreaterThan(12);
      for (let other = 0; other < 8; other++)
        if (other !== c) expect(snrDb(quantised(source[other]!), back)).toBeLessThan(own - 6);
    }
  });

  it("stereo as two independent streams with coupleStereo: false", async () => {
    const source = testSignal(48000, 9600, 300, 9000, 2);
    const { result, decoded } = await roundTrip(makeWav(source, 48000), { coupleStereo: false });
    expect(result.opus).toMatchObject({ mappingFamily: 255, streams: 2, coupledStreams: 0 });
    expect(decoded.map((c) => c.length)).toEqual([9600, 9600]);
  });

  it("every frame size gives the exact length and lag 0", async () => {
    const source = testSignal(48000, 30011, 300, 12000);
    for (const frameSizeMs of [2.5, 5, 10, 20, 40, 60]) {
      const { result, decoded } = await roundTrip(makeWav(source, 48000), { frameSizeMs });
      expect(result.encoder.frameSizeMs).toBe(frameSizeMs);
      expect(decoded[0]!.length).toBe(30011);
      expect(bestLag(quantised(source[0]!), decoded[0]!, 40)).toBe(0);
    }
  });

  it("32-bit float input at 24 kHz", async () => {
    const source = testSignal(24000, 12000, 200, 10000);
    const { result, decoded } = await roundTrip(makeWav(source, 24000, "f32"));
    expect(result.source).toMatchObject({ sampleFormat: "float", bitsPerSample: 32 });
    expect(decoded[0]!.length).toBe(24000);
    expect(snrDb(source[0]!, decimate(decoded[0]!, 2))).toBeGreaterThan(15);
  });
});
