import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeWindow, SpectrogramError, spectrogram } from "../src/index.ts";
import { addSweep, addTone, argmax, noise } from "./signals.ts";

const RATE = 48_000;

function expectError(run: () => unknown, code: string, text: RegExp) {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SpectrogramError);
  expect((caught as SpectrogramError).code).toBe(code);
  expect((caught as SpectrogramError).name).toBe("SpectrogramError");
  expect((caught as Error).message).toMatch(text);
}

describe("a 1 kHz tone from 2 s to 3 s", () => {
  const samples = addTone(noise(5 * RATE, 0.001), RATE, 1000, 0.5, 2, 3);
  const spec = spectrogram({ channels: [samples], sampleRate: RATE }, { fftSize: 1024, hopSize: 256 });
  const hzPerBin = RATE / 1024;
  const hopSeconds = 256 / RATE;

  it("has the frame count, frame centres and bin frequencies of its options", () => {
    expect(spec.frameCount).toBe(Math.floor((5 * RATE - 1024) / 256) + 1);
    expect(spec.binCount).toBe(513);
    expect(spec.frames).toHaveLength(spec.frameCount);
    expect(spec.frames[3]).toHaveLength(513);
    expect(spec.frameSeconds[0]).toBe(512 / RATE);
    expect(spec.frameSeconds[10]).toBe((10 * 256 + 512) / RATE);
    expect(spec.binHz[0]).toBe(0);
    expect(spec.binHz[1]).toBe(46.875);
    expect(spec.binHz[512]).toBe(24_000);
  });

  it("is brightest at 1 kHz (± one bin), between 2 s and 3 s (± one hop)", () => {
    const peak = argmax(spec.values);
    const peakFrame = Math.floor(peak / spec.binCount);
    expect(Math.abs(spec.binHz[peak % spec.binCount]! - 1000)).toBeLessThanOrEqual(hzPerBin);
    expect(spec.frameSeconds[peakFrame]).toBeGreaterThan(2);
    expect(spec.frameSeconds[peakFrame]).toBeLessThan(3);
    // Every frame's loudest bin is the tone's when the frame lies in the tone, and never outside it.
    const toneBin = Math.round(1000 / hzPerBin);
    const loud = spec.frames
      .map((row, k) => ({ k, bin: argmax(row), db: row[argmax(row)]! }))
      .filter((f) => f.db > spec.maxDb - 6);
    for (const f of loud) expect(Math.abs(f.bin - 1000 / hzPerBin)).toBeLessThanOrEqual(1);
    const first = spec.frameSeconds[loud[0]!.k]!;
    const last = spec.frameSeconds[loud.at(-1)!.k]!;
    expect(Math.abs(first - 2)).toBeLessThanOrEqual(hopSeconds);
    expect(Math.abs(last - 3)).toBeLessThanOrEqual(hopSeconds);
    // Frames wholly outside the tone hold only the noise, 50 dB and more below it.
    const quiet = spec.frames.filter((_, k) => spec.frameSeconds[k]! < 2 - 0.02 || spec.frameSeconds[k]! > 3 + 0.02);
    for (const row of quiet) expect(row[toneBin]!).toBeLessThan(spec.maxDb - 50);
  });
});

describe("levels", () => {
  it("reads 20·log10(A) dB for a sine of amplitude A at a bin's centre, in every window", () => {
    for (const window of ["hann", "hamming", "blackman"] as const) {
      const samples = addTone(new Float32Array(8192), RATE, 64 * (RATE / 1024), 0.25);
      const spec = spectrogram({ channels: [samples], sampleRate: RATE }, { fftSize: 1024, window });
      for (const row of spec.frames) expect(row[64]!).toBeCloseTo(20 * Math.log10(0.25), 3);
    }
  });

  it("puts a sine of any bin and amplitude in that bin at that level (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 254 }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (bin, amplitude) => {
          const samples = addTone(new Float32Array(2048), RATE, bin * (RATE / 512), amplitude);
          const spec = spectrogram({ channels: [samples], sampleRate: RATE }, { fftSize: 512, hopSize: 512 });
          for (const row of spec.frames) {
            expect(argmax(row)).toBe(bin);
            expect(Math.abs(row[bin]! - 20 * Math.log10(amplitude))).toBeLessThan(1e-3);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("equals a direct DFT of the windowed frame (dB, DC and Nyquist not doubled)", () => {
    const samples = noise(200, 1.5, 3);
    const spec = spectrogram({ channels: [samples], sampleRate: 1000 }, { fftSize: 64, hopSize: 50 });
    const w = makeWindow("hann", 64);
    const sum = w.reduce((a, b) => a + b, 0);
    for (let k = 0; k < spec.frameCount; k++) {
      for (let bin = 0; bin <= 32; bin++) {
        let re = 0;
        let im = 0;
        for (let n = 0; n < 64; n++) {
          const x = samples[k * 50 + n]! * w[n]!;
          re += x * Math.cos((-2 * Math.PI * bin * n) / 64);
          im += x * Math.sin((-2 * Math.PI * bin * n) / 64);
        }
        const scale = (bin === 0 || bin === 32 ? 1 : 2) / sum;
        const db = 10 * Math.log10((re * re + im * im) * scale * scale);
        expect(spec.frames[k]![bin]).toBeCloseTo(Math.max(-120, db), 3);
      }
    }
  });

  it("clamps to floorDb (silence included) and measures from referenceAmplitude", () => {
    const silent = spectrogram({ channels: [new Float32Array(2048)], sampleRate: RATE }, { floorDb: -90 });
    expect(new Set(silent.values)).toEqual(new Set([-90]));
    expect(silent.maxDb).toBe(-90);
    const samples = addTone(new Float32Array(4096), RATE, 64 * (RATE / 1024), 0.5);
    const spec = spectrogram({ channels: [samples], sampleRate: RATE }, { referenceAmplitude: 0.5 });
    expect(spec.frames[0]![64]).toBeCloseTo(0, 3);
  });
});

describe("channels", () => {
  const left = addTone(new Float32Array(4096), RATE, 64 * (RATE / 1024), 1);
  const right = new Float32Array(4096);

  it("takes the mean of the channels' power: a tone in one of two channels reads -3 dB", () => {
    const spec = spectrogram({ channels: [left, right], sampleRate: RATE });
    expect(spec.frames[0]![64]).toBeCloseTo(10 * Math.log10(0.5), 3);
  });

  it("or one channel", () => {
    expect(spectrogram({ channels: [left, right], sampleRate: RATE }, { channel: 0 }).frames[0]![64]).toBeCloseTo(0, 3);
    expect(spectrogram({ channels: [left, right], sampleRate: RATE }, { channel: 1 }).maxDb).toBe(-120);
  });

  it("does not cancel channels in opposite phase", () => {
    const inverted = left.map((x) => -x);
    expect(spectrogram({ channels: [left, inverted], sampleRate: RATE }).frames[0]![64]).toBeCloseTo(0, 3);
  });
});

describe("frequency range and time offsets", () => {
  it("keeps the bins from minHz to maxHz, in real Hz", () => {
    const spec = spectrogram(
      { channels: [new Float32Array(4096)], sampleRate: RATE },
      { fftSize: 1024, minHz: 1000, maxHz: 3000 },
    );
    expect(spec.firstBin).toBe(22);
    expect(spec.binHz[0]).toBe(22 * 46.875);
    expect(spec.binHz.at(-1)).toBe(64 * 46.875);
    expect(spec.binCount).toBe(64 - 22 + 1);
    const exact = spectrogram(
      { channels: [new Float32Array(4096)], sampleRate: RATE },
      { fftSize: 1024, minHz: 46.875 * 3, maxHz: 46.875 * 9 },
    );
    expect([exact.binHz[0], exact.binHz.at(-1)]).toEqual([46.875 * 3, 46.875 * 9]);
  });

  it("times frames from the segment's startSample on the recording's timeline", () => {
    const spec = spectrogram({ channels: [new Float32Array(4096)], sampleRate: RATE, startSample: 96_000 });
    expect(spec.frameSeconds[0]).toBe((96_000 + 512) / RATE);
    expect(spec.frameSeconds[1]).toBe((96_000 + 256 + 512) / RATE);
  });
});

describe("time-expanded ultrasound", () => {
  // 30 ms of a 384 kHz "recording": an 80 kHz -> 20 kHz sweep over 5 ms from 10 ms.
  const TRUE_RATE = 384_000;
  const samples = addSweep(noise(0.03 * TRUE_RATE, 0.001), TRUE_RATE, 0.01, 0.005, 80_000, 20_000, 0.5);

  it("shows the sweep at its real frequencies and times", () => {
    const spec = spectrogram({ channels: [samples], sampleRate: TRUE_RATE }, { fftSize: 256, hopSize: 64 });
    const hzPerBin = TRUE_RATE / 256;
    expect(spec.binHz.at(-1)).toBe(192_000);
    const loud = spec.frames.map((row, k) => ({ k, row })).filter(({ row }) => row[argmax(row)]! > spec.maxDb - 6);
    // Frames wholly inside the sweep peak at its frequency at their centre.
    const window = 256 / TRUE_RATE;
    for (const { k, row } of loud) {
      const t = spec.frameSeconds[k]! - 0.01;
      if (t < window / 2 || t > 0.005 - window / 2) continue;
      const expected = 80_000 - 60_000 * (t / 0.005);
      expect(Math.abs(spec.binHz[argmax(row)]! - expected)).toBeLessThanOrEqual(2 * hzPerBin);
    }
    const peaks = loud.map(({ row }) => spec.binHz[argmax(row)]!);
    expect(Math.max(...peaks)).toBeGreaterThan(80_000 - 12 * hzPerBin);
    expect(Math.max(...peaks)).toBeLessThanOrEqual(80_000 + hzPerBin);
    expect(Math.min(...peaks)).toBeLessThan(20_000 + 12 * hzPerBin);
    expect(Math.min(...peaks)).toBeGreaterThanOrEqual(20_000 - hzPerBin);
    const hop = 64 / TRUE_RATE;
    expect(spec.frameSeconds[loud[0]!.k]!).toBeGreaterThanOrEqual(0.01 - hop);
    expect(spec.frameSeconds[loud.at(-1)!.k]!).toBeLessThanOrEqual(0.015 + hop);
  });

  it("the same samples labelled 48 kHz read 8 times lower: the rate alone sets the Hz", () => {
    const real = spectrogram({ channels: [samples], sampleRate: TRUE_RATE }, { fftSize: 256 });
    const labelled = spectrogram({ channels: [samples], sampleRate: 48_000 }, { fftSize: 256 });
    expect(labelled.values).toEqual(real.values);
    labelled.binHz.forEach((hz, b) => {
      expect(hz * 8).toBe(real.binHz[b]);
    });
    labelled.frameSeconds.forEach((s, k) => {
      expect(s).toBeCloseTo(real.frameSeconds[k]! * 8, 12);
    });
  });
});

describe("windows", () => {
  it("are periodic: symmetric about size/2, with the textbook end and middle values", () => {
    const hann = makeWindow("hann", 16);
    expect(hann[0]).toBe(0);
    expect(hann[8]).toBe(1);
    for (let n = 1; n < 16; n++) expect(hann[n]).toBeCloseTo(hann[16 - n]!, 15);
    expect(makeWindow("hamming", 16)[0]).toBeCloseTo(0.08, 15);
    expect(makeWindow("blackman", 16)[0]).toBeCloseTo(0, 15);
    expect(makeWindow("blackman", 16)[8]).toBeCloseTo(1, 15);
  });

  it("hann at a hop of a quarter sums to a constant (2)", () => {
    const w = makeWindow("hann", 64);
    for (let n = 0; n < 16; n++) expect(w[n]! + w[n + 16]! + w[n + 32]! + w[n + 48]!).toBeCloseTo(2, 12);
  });
});

describe("wrong arguments", () => {
  const input = { channels: [new Float32Array(4096)], sampleRate: RATE };

  it("are SpectrogramErrors that say what was given", () => {
    expectError(() => spectrogram(input, { fftSize: 1000 }), "invalid-argument", /power of two.*got 1000/);
    expectError(() => spectrogram(input, { fftSize: 8 }), "invalid-argument", /got 8/);
    expectError(() => spectrogram(input, { hopSize: 0 }), "invalid-argument", /hopSize.*got 0/);
    expectError(() => spectrogram(input, { hopSize: 1.5 }), "invalid-argument", /hopSize.*got 1.5/);
    expectError(() => spectrogram(input, { channel: 1 }), "invalid-argument", /channel.*0 to 0, got 1/);
    expectError(() => spectrogram(input, { minHz: 3000, maxHz: 2000 }), "invalid-argument", /minHz 3000, maxHz 2000/);
    expectError(() => spectrogram(input, { minHz: 10, maxHz: 20 }), "invalid-argument", /no FFT bin lies in 10-20 Hz/);
    expectError(() => spectrogram(input, { floorDb: Number.NaN }), "invalid-argument", /floorDb/);
    expectError(() => spectrogram(input, { referenceAmplitude: 0 }), "invalid-argument", /referenceAmplitude/);
    expectError(() => spectrogram({ channels: [], sampleRate: RATE }), "invalid-argument", /no channels/);
    expectError(() => spectrogram({ channels: [new Float32Array(4096)], sampleRate: 0 }), "invalid-argument", /got 0/);
    expectError(
      () => spectrogram({ channels: [new Float32Array(4096), new Float32Array(4095)], sampleRate: RATE }),
      "invalid-argument",
      /channel 1 has 4095 samples, channel 0 has 4096/,
    );
    expectError(
      () => spectrogram(input, { window: "kaiser" as "hann" }),
      "invalid-argument",
      /hann, hamming, blackman/,
    );
  });

  it("a segment shorter than one frame is too-short, not an empty spectrogram", () => {
    expectError(
      () => spectrogram({ channels: [new Float32Array(1023)], sampleRate: RATE }),
      "too-short",
      /1023 samples are fewer than one frame of fftSize 1024/,
    );
    expect(spectrogram({ channels: [new Float32Array(1024)], sampleRate: RATE }).frameCount).toBe(1);
  });
});
