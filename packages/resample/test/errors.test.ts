import { createResampler, describeFilter, ResampleError, resample } from "@granule/resample";
import { describe, expect, it } from "vitest";

const code = (c: string) => expect.objectContaining({ name: "ResampleError", code: c });

describe("errors", () => {
  it("bad rates", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, "48000", 2 ** 31]) {
      expect(() => resample([new Float32Array(4)], bad as number, 48000)).toThrowError(code("invalid-rate"));
      expect(() => createResampler({ inRate: 48000, outRate: bad as number, channels: 1 })).toThrowError(
        code("invalid-rate"),
      );
    }
    const error = (() => {
      try {
        resample([new Float32Array(4)], 0, 48000);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ResampleError);
    expect((error as Error).message).toContain("inRate");
  });

  it("channel counts and lengths", () => {
    expect(() => resample([], 48000, 32000)).toThrowError(code("invalid-channels"));
    expect(() => resample([new Float64Array(4) as unknown as Float32Array], 48000, 32000)).toThrowError(
      code("invalid-channels"),
    );
    expect(() => resample([new Float32Array(4), new Float32Array(5)], 48000, 32000)).toThrowError(
      code("channel-length"),
    );
    for (const channels of [0, 1.5, -2, Number.NaN]) {
      expect(() => createResampler({ inRate: 48000, outRate: 32000, channels })).toThrowError(code("invalid-channels"));
    }
    const resampler = createResampler({ inRate: 48000, outRate: 32000, channels: 2 });
    expect(() => resampler.push([new Float32Array(10)])).toThrowError(code("channel-count"));
    expect(() => resampler.push([new Float32Array(10), new Float32Array(9)])).toThrowError(code("channel-length"));
    // A refused chunk changes nothing.
    expect(resampler.inputSamples).toBe(0);
  });

  it("push or flush after flush", () => {
    for (const outRate of [32000, 48000]) {
      const resampler = createResampler({ inRate: 48000, outRate, channels: 1 });
      resampler.push([new Float32Array(100)]);
      resampler.flush();
      expect(() => resampler.push([new Float32Array(1)])).toThrowError(code("ended"));
      expect(() => resampler.flush()).toThrowError(code("ended"));
    }
  });

  it("bad qualities", () => {
    for (const quality of [
      "best",
      "toString",
      { passband: 0.9, stopband: 0.8, rejectionDb: 100 },
      { passband: 0, stopband: 1, rejectionDb: 100 },
      { passband: 0.9, stopband: 1.1, rejectionDb: 10 },
      { passband: 0.9, stopband: 1.1, rejectionDb: 40 },
      { passband: 0.9, stopband: 2.5, rejectionDb: 100 },
      { passband: 0.9, stopband: 1.1 },
    ]) {
      expect(
        () => resample([new Float32Array(4)], 48000, 32000, { quality } as never),
        JSON.stringify(quality),
      ).toThrowError(code("invalid-quality"));
    }
  });

  it("a custom specification is honoured", () => {
    const info = describeFilter(48000, 32000, { passband: 0.8, stopband: 1.0, rejectionDb: 120 });
    expect(info.passbandHz).toBe(12800);
    expect(info.stopbandHz).toBe(16000);
    expect(info.taps).toBeGreaterThan(describeFilter(48000, 32000, "strict").taps / 2);
  });
});

describe("limits", () => {
  it("refuses a ratio whose filter would not fit (2 GHz -> 1 Hz) with a clear error, and accepts 768 kHz -> 8 kHz", () => {
    expect(() => resample([new Float32Array(10)], 2_000_000_000, 1)).toThrowError(
      expect.objectContaining({ code: "invalid-rate", message: expect.stringContaining("taps") }),
    );
    expect(describeFilter(768000, 8000).taps).toBe(6360);
  });
});
