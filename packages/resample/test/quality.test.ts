import { describeFilter, type QualityName, resample } from "@granule/resample";
import { describe, expect, it } from "vitest";
import { MAIN_LOBE_BINS, sine, spectrumDb, toneAt } from "./spectrum.ts";

const FFT_SIZE = 1 << 14;
const CONVERSIONS: [number, number][] = [
  [48000, 32000],
  [44100, 48000],
  [48000, 16000],
  [16000, 48000],
  [384000, 192000],
];

/** The worst spurious level (dB re the tone) of one tone through a conversion, in bins up to `maxHz`. */
function worstSpurious(inRate: number, outRate: number, hz: number, quality: QualityName, maxHz: number): number {
  const inLength = Math.ceil(((FFT_SIZE + 4000) * inRate) / outRate);
  const [y] = resample([sine(hz, inRate, inLength)], inRate, outRate, { quality }) as [Float32Array];
  const levels = spectrumDb(y, 2000, FFT_SIZE, 0.5);
  const toneBin = (hz / outRate) * FFT_SIZE;
  let worst = -400;
  for (let k = 0; k < levels.length; k++) {
    const hzOfBin = (k * outRate) / FFT_SIZE;
    if (hzOfBin > maxHz) break;
    if (hz < outRate / 2 && Math.abs(k - toneBin) <= MAIN_LOBE_BINS) continue;
    worst = Math.max(worst, levels[k] as number);
  }
  return worst;
}

/** Test tones: through the passband, and (downsampling) from the stop band up to the input's Nyquist. */
function tones(inRate: number, outRate: number, stopband: number): number[] {
  const nyquist = Math.min(inRate, outRate) / 2;
  const list = [0.05, 0.3, 0.6, 0.9].map((f) => Math.round((f * nyquist) / 10) * 10);
  if (inRate > outRate) {
    const top = inRate / 2;
    const from = stopband * nyquist + 50;
    for (const f of [0, 0.25, 0.5, 0.99]) list.push(Math.round(from + f * (top - from)));
  }
  return list;
}

describe("passband and stop band", () => {
  for (const [inRate, outRate] of CONVERSIONS) {
    const nyquist = Math.min(inRate, outRate) / 2;
    it(`${inRate} -> ${outRate}: gain within 0.01 dB up to 0.9 of Nyquist`, () => {
      for (const quality of ["high", "strict"] as const) {
        for (const f of [20, 0.25, 0.5, 0.75, 0.9].map((v) => (v > 1 ? v : Math.round((v * nyquist) / 10) * 10))) {
          const length = inRate; // 1 s
          const [y] = resample([sine(f, inRate, length)], inRate, outRate, { quality }) as [Float32Array];
          // 0.5 s from 0.25 s: a whole number of periods of a tone in tens of hertz.
          const { amplitude } = toneAt(y, outRate, f, outRate / 4, (3 * outRate) / 4);
          const db = 20 * Math.log10(amplitude / 0.5);
          expect(Math.abs(db), `${quality} ${f} Hz: ${db} dB`).toBeLessThan(0.01);
        }
      }
    }, 30_000);

    it(`${inRate} -> ${outRate}: "high" keeps aliases and images out of the passband by 100 dB`, () => {
      for (const hz of tones(inRate, outRate, 1.1)) {
        const db = worstSpurious(inRate, outRate, hz, "high", 0.9 * nyquist);
        expect(db, `${hz} Hz`).toBeLessThan(-100);
      }
    }, 30_000);

    it(`${inRate} -> ${outRate}: "strict" keeps them 100 dB down everywhere`, () => {
      for (const hz of tones(inRate, outRate, 1.0)) {
        const db = worstSpurious(inRate, outRate, hz, "strict", outRate / 2);
        expect(db, `${hz} Hz`).toBeLessThan(-100);
      }
    }, 30_000);
  }

  it('"fast" keeps the passband to 0.8 of Nyquist 80 dB clear, with a third of the taps', () => {
    for (const hz of [1000, 12800, 19300, 23900]) {
      expect(worstSpurious(48000, 32000, hz, "fast", 0.8 * 16000), `${hz} Hz`).toBeLessThan(-80);
    }
    expect(describeFilter(48000, 32000, "fast").taps).toBeLessThan(describeFilter(48000, 32000, "high").taps / 2.5);
    expect(describeFilter(48000, 32000, "strict").taps).toBeGreaterThan(
      describeFilter(48000, 32000, "high").taps * 1.8,
    );
  });
});

describe("lag and phase", () => {
  it("a 1 kHz tone keeps its frequency and phase: no lag (48 -> 32, 44.1 -> 48, 48 -> 16, 8 -> 768 kHz)", () => {
    for (const [inRate, outRate] of [...CONVERSIONS, [8000, 768000] as [number, number]]) {
      const [y] = resample([sine(1000, inRate, inRate)], inRate, outRate) as [Float32Array];
      const { amplitude, phase } = toneAt(y, outRate, 1000, outRate / 4, (3 * outRate) / 4);
      expect(Math.abs(amplitude - 0.5)).toBeLessThan(1e-5);
      expect(Math.abs(phase), `${inRate} -> ${outRate}`).toBeLessThan(1e-5);
    }
  });

  it("an impulse at input sample 3000 peaks at output 2000 (48 -> 32) and 1000 (48 -> 16), symmetric about it", () => {
    for (const [outRate, peakAt] of [
      [32000, 2000],
      [16000, 1000],
    ] as const) {
      const x = new Float32Array(6000);
      x[3000] = 1;
      const [y] = resample([x], 48000, outRate) as [Float32Array];
      let best = 0;
      for (let j = 0; j < y.length; j++) if (Math.abs(y[j] as number) > Math.abs(y[best] as number)) best = j;
      expect(best).toBe(peakAt);
      for (let d = 1; d < 40; d++) {
        expect(Math.abs((y[peakAt + d] as number) - (y[peakAt - d] as number))).toBeLessThan(1e-7);
      }
    }
  });

  it("cross-correlation with the ideal tone peaks at lag zero (44.1 -> 48 kHz, 997 Hz)", () => {
    const [y] = resample([sine(997, 44100, 44100)], 44100, 48000) as [Float32Array];
    const ideal = sine(997, 48000, 48000);
    const correlation = (lag: number) => {
      let sum = 0;
      for (let j = 10000; j < 38000; j++) sum += (y[j] as number) * (ideal[j + lag] as number);
      return sum;
    };
    const lags = [-2, -1, 0, 1, 2].map(correlation);
    expect(lags.indexOf(Math.max(...lags))).toBe(2);
  });
});

describe("DC and Nyquist", () => {
  it("a constant stays that constant away from the edges, at every phase", () => {
    for (const [inRate, outRate] of [
      ...CONVERSIONS,
      [44100, 22050] as [number, number],
      [22050, 44100] as [number, number],
    ]) {
      const [y] = resample([new Float32Array(20000).fill(0.25)], inRate, outRate) as [Float32Array];
      const margin = Math.ceil(y.length / 4);
      for (let j = margin; j < y.length - margin; j++) {
        if (Math.abs((y[j] as number) - 0.25) > 3e-7) expect.fail(`${inRate} -> ${outRate}: y[${j}] = ${y[j]}`);
      }
    }
  });

  it("the input's Nyquist tone (+a, -a, ...) is removed when downsampling", () => {
    const x = new Float32Array(48000).map((_, i) => (i % 2 === 0 ? 0.5 : -0.5));
    for (const quality of ["high", "strict"] as const) {
      const [y] = resample([x], 48000, 32000, { quality }) as [Float32Array];
      let peak = 0;
      for (let j = 1000; j < 31000; j++) peak = Math.max(peak, Math.abs(y[j] as number));
      expect(20 * Math.log10(peak / 0.5), quality).toBeLessThan(-100);
    }
  });

  it('upsampling, the input\'s Nyquist tone passes whole with "high" (tone and image, each at -6 dB, coincide) and is removed with "strict"', () => {
    const x = new Float32Array(44100).map((_, i) => (i % 2 === 0 ? 0.5 : -0.5));
    const [high] = resample([x], 44100, 48000) as [Float32Array];
    const [strict] = resample([x], 44100, 48000, { quality: "strict" }) as [Float32Array];
    const window = (y: Float32Array) => toneAt(y, 48000, 22050, 12000, 36000).amplitude;
    expect(Math.abs(20 * Math.log10(window(high) / 0.5))).toBeLessThan(0.01);
    // Tone and image coincide there and add up in phase: each 100 dB down, together 6 dB more.
    let peak = 0;
    for (let j = 1000; j < 47000; j++) peak = Math.max(peak, Math.abs(strict[j] as number));
    expect(20 * Math.log10(peak / 0.5)).toBeLessThan(-94);
  });
});
