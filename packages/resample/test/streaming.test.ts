import { createResampler, type Quality, resample } from "@granule/resample";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

function noise(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = ((x >>> 0) / 2 ** 32 - 0.5) * 1.8;
  }
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Streams `channels` through a resampler in chunks of the given sizes (cycled); returns the concatenated outputs. */
function streamed(channels: Float32Array[], inRate: number, outRate: number, sizes: number[], quality?: Quality) {
  const resampler = createResampler({ inRate, outRate, channels: channels.length, quality });
  const parts: Float32Array[][] = channels.map(() => []);
  const n = (channels[0] as Float32Array).length;
  let at = 0;
  for (let k = 0; at < n; k++) {
    const size = Math.min(sizes[k % sizes.length] as number, n - at);
    const out = resampler.push(channels.map((c) => c.subarray(at, at + size)));
    out.forEach((o, c) => {
      parts[c]?.push(o);
    });
    at += size;
  }
  resampler.flush().forEach((o, c) => {
    parts[c]?.push(o);
  });
  return parts.map(concat);
}

const PAIRS: [number, number][] = [
  [48000, 32000],
  [44100, 48000],
  [48000, 16000],
  [32000, 48000],
  [48000, 22050],
  [384000, 192000],
  [8000, 44100],
  [768000, 8000],
];

describe("streaming", () => {
  it("gives the one-shot output to the bit for any chunking (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PAIRS),
        fc.constantFrom<Quality>("fast", "high", "strict"),
        fc.integer({ min: 0, max: 6000 }),
        fc.array(fc.integer({ min: 0, max: 2500 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        ([inRate, outRate], quality, n, sizes, channelCount, seed) => {
          if (sizes.every((s) => s === 0)) sizes = [...sizes, 1];
          const channels = Array.from({ length: channelCount }, (_, c) => noise(n, seed + c));
          const whole = resample(channels, inRate, outRate, { quality });
          const parts = streamed(channels, inRate, outRate, sizes, quality);
          for (let c = 0; c < channelCount; c++) expect(parts[c]).toEqual(whole[c]);
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);

  it("gives the one-shot output to the bit with one-sample and empty chunks", () => {
    const x = noise(3000, 7);
    for (const [inRate, outRate] of PAIRS) {
      const [whole] = resample([x], inRate, outRate);
      expect(streamed([x], inRate, outRate, [1, 0, 2])[0], `${inRate} -> ${outRate}`).toEqual(whole);
    }
  });

  it("returns outputs as soon as the input determines them, holding back only the filter's reach", () => {
    const resampler = createResampler({ inRate: 48000, outRate: 32000, channels: 1 });
    const first = resampler.push([new Float32Array(48000)])[0] as Float32Array;
    // All outputs whose taps lie inside the first second: 32000 minus about the reach in output samples.
    expect(first.length).toBeGreaterThan(32000 - 40);
    expect(first.length).toBeLessThan(32000);
    expect(first.length + (resampler.flush()[0] as Float32Array).length).toBe(32000);
  });

  it("keeps memory bounded by the filter, not the stream (ten minutes in 10 ms chunks)", () => {
    const resampler = createResampler({ inRate: 44100, outRate: 48000, channels: 2 });
    const chunk = [noise(441, 1), noise(441, 2)];
    let out = 0;
    for (let i = 0; i < 60_000; i++) out += (resampler.push(chunk)[0] as Float32Array).length;
    out += (resampler.flush()[0] as Float32Array).length;
    expect(out).toBe(48000 * 600);
    const history = (resampler as unknown as { history: Float32Array[] }).history;
    for (const buffer of history) expect(buffer.length).toBeLessThan(70_000);
  }, 60_000);

  it("equal rates stream copies, one for one", () => {
    const x = noise(1000, 3);
    const resampler = createResampler({ inRate: 48000, outRate: 48000, channels: 1 });
    const out = resampler.push([x])[0] as Float32Array;
    expect(out).toEqual(x);
    expect(out).not.toBe(x);
    expect((resampler.flush()[0] as Float32Array).length).toBe(0);
  });
});

describe("channels", () => {
  it("resamples each channel on its own and keeps their order", () => {
    const channels = [noise(5000, 11), new Float32Array(5000), noise(5000, 12), new Float32Array(5000).fill(0.5)];
    const together = resample(channels, 44100, 32000);
    expect(together).toHaveLength(4);
    channels.forEach((channel, c) => {
      expect(together[c]).toEqual(resample([channel], 44100, 32000)[0]);
    });
    expect((together[1] as Float32Array).every((v) => v === 0)).toBe(true);
  });

  it("equal rates return copies of every channel", () => {
    const channels = [noise(100, 1), noise(100, 2)];
    const out = resample(channels, 32000, 32000);
    expect(out).toEqual(channels);
    expect(out[0]).not.toBe(channels[0]);
  });
});
