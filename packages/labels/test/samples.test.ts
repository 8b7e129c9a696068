import { LabelError, rowSamples, sampleToSeconds, secondsToSample, utcToSample } from "@granule/labels";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("secondsToSample: the one rounding rule", () => {
  it("reads decimal text exactly: 0.1 s at 48 kHz is sample 4800, 4.1 s is 196800", () => {
    expect(secondsToSample("0.1", 48_000)).toBe(4800);
    expect(secondsToSample("4.1", 48_000)).toBe(196_800);
    expect(Math.floor(4.1 * 48_000)).toBe(196_799); // what a float would give when truncated
    expect(secondsToSample("1.2345", 48_000)).toBe(59_256); // exactly 59256
    expect(secondsToSample("1.2345", 44_100)).toBe(54_441); // 54441.45
    expect(secondsToSample("1.897648165999982", 48_000)).toBe(91_087); // 91087.1119...
    expect(secondsToSample("9.5E-4", 48_000)).toBe(46); // 45.6, Java's exponent form
    expect(secondsToSample("20.299999999999997", 48_000)).toBe(974_400); // BirdNET's float sums
  });

  it("rounds exactly half-way up, where a float product falls short", () => {
    // 0.00028125 s x 48000 = 13.5 exactly; as floats 13.499999999999998.
    expect(Math.round(Number("0.00028125") * 48_000)).toBe(13);
    expect(secondsToSample("0.00028125", 48_000)).toBe(14);
    expect(secondsToSample("0.25", 2)).toBe(1); // 0.5 -> 1 (half to even would give 0)
    expect(secondsToSample("0.75", 2)).toBe(2); // 1.5 -> 2
    expect(secondsToSample("0.2499999999999999999", 2)).toBe(0);
  });

  it("takes a number as the decimal its shortest form shows", () => {
    expect(secondsToSample(0.1, 48_000)).toBe(4800);
    expect(secondsToSample(0.00028125, 48_000)).toBe(14);
    expect(secondsToSample(1e-7, 48_000)).toBe(0);
  });

  it("refuses negative times, text that is not a number and rates that are not whole hertz", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(LabelError);
        return (error as LabelError).code;
      }
      return "no error";
    };
    expect(code(() => secondsToSample("-0.5", 48_000))).toBe("negative-time");
    expect(code(() => secondsToSample("1.5s", 48_000))).toBe("bad-number");
    expect(code(() => secondsToSample("NaN", 48_000))).toBe("bad-number");
    expect(code(() => secondsToSample("1e400", 48_000))).toBe("bad-number");
    expect(code(() => secondsToSample("1", 44_100.5))).toBe("invalid-argument");
    expect(code(() => secondsToSample("1", 0))).toBe("invalid-argument");
    expect(code(() => secondsToSample("1e30", 48_000))).toBe("invalid-argument");
  });

  it("is the nearest sample, half up, for any decimal (checked against BigInt arithmetic)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.integer({ min: 6, max: 20 }), // at most 10^9 s, so the sample stays a safe integer
        fc.integer({ min: 1, max: 1_000_000 }),
        (units, scale, rate) => {
          const digits = units.toString().padStart(scale + 1, "0");
          const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
          const den = 10n ** BigInt(scale);
          const twice = 2n * units * BigInt(rate); // 2 x exact sample position x den
          let expected = twice / (2n * den);
          if (twice - expected * 2n * den >= den) expected += 1n; // remainder >= half
          expect(secondsToSample(text, rate)).toBe(Number(expected));
        },
      ),
    );
  }, 30_000);

  it("commutes with whole-sample shifts: a box keeps its length wherever it starts, half-way cases too", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 0, max: 10 ** 6 }), (micro, shift) => {
        // At 1 MHz a microsecond is a sample; a trailing 5 puts the time exactly half-way.
        const rate = 1_000_000;
        const halfway = (n: number) => `${(n / 1e6).toFixed(6)}5`;
        expect(secondsToSample(halfway(micro), rate)).toBe(micro + 1);
        expect(secondsToSample(halfway(micro + shift), rate) - secondsToSample(halfway(micro), rate)).toBe(shift);
      }),
    );
  });
});

describe("sampleToSeconds", () => {
  it("writes exact values exactly and others with as many decimals as the rate has digits", () => {
    expect(sampleToSeconds(4800, 48_000)).toBe("0.1");
    expect(sampleToSeconds(0, 48_000)).toBe("0");
    expect(sampleToSeconds(1, 48_000)).toBe("0.00002");
    expect(sampleToSeconds(1, 44_100)).toBe("0.00002");
    expect(sampleToSeconds(2, 44_100)).toBe("0.00005");
    expect(sampleToSeconds(1, 384_000)).toBe("0.000003");
    expect(sampleToSeconds(48_000 * 3600 * 24 * 365, 48_000)).toBe("31536000");
  });

  it("reads back as the same sample, for any rate up to 10 MHz and any sample up to 2^50", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 2 ** 50 }), (rate, sample) => {
        expect(secondsToSample(sampleToSeconds(sample, rate), rate)).toBe(sample);
      }),
      { numRuns: 2000 },
    );
  }, 30_000);

  it("is never further from the true time than half a sample", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400_000 }), fc.integer({ min: 0, max: 2 ** 40 }), (rate, sample) => {
        const [whole, fraction = ""] = sampleToSeconds(sample, rate).split(".");
        const written = BigInt(whole! + fraction) * BigInt(rate);
        const exact = BigInt(sample) * 10n ** BigInt(fraction.length);
        const diff = written > exact ? written - exact : exact - written;
        expect(2n * diff < 10n ** BigInt(fraction.length)).toBe(true);
      }),
    );
  });
});

describe("UTC positions", () => {
  it("places ISO 8601 times with Z or an offset exactly, fractions of any length", () => {
    expect(utcToSample("2025-04-17T21:15:02.5Z", "2025-04-17T21:15:00Z", 48_000)).toBe(120_000);
    expect(utcToSample("2025-04-17T23:15:10+02:00", "2025-04-17T21:15:00Z", 48_000)).toBe(480_000);
    expect(utcToSample("2025-04-17T23:15:10.000020833+0200", "2025-04-17T21:15:00.000Z", 48_000)).toBe(480_001);
    expect(utcToSample("2024-03-01 00:00:00Z", "2024-02-28T23:59:59Z", 1)).toBe(86_401); // leap year
    expect(utcToSample("2025-01-01T00:00Z", "2024-12-31T23:00-01:00", 10)).toBe(0);
  });

  it("refuses times without a zone, impossible dates, leap seconds and times before the start", () => {
    const code = (f: () => unknown) => {
      try {
        f();
        return "no error";
      } catch (error) {
        return (error as LabelError).code;
      }
    };
    expect(code(() => utcToSample("2025-04-17T21:15:02", "2025-04-17T21:15:00Z", 48_000))).toBe("bad-number");
    expect(code(() => utcToSample("2025-02-29T00:00:00Z", "2025-02-28T00:00:00Z", 48_000))).toBe("bad-number");
    expect(code(() => utcToSample("2016-12-31T23:59:60Z", "2016-12-31T00:00:00Z", 48_000))).toBe("bad-number");
    expect(code(() => utcToSample("2025-04-17T21:14:59Z", "2025-04-17T21:15:00Z", 48_000))).toBe("negative-time");
  });

  it("rowSamples needs the recording's start for UTC rows and names the row", () => {
    const row = { row: 7, start: { utc: "2025-04-17T21:15:01Z" }, end: { utc: "2025-04-17T21:15:02Z" }, fields: {} };
    expect(rowSamples(row, 48_000, { recordingStartUtc: "2025-04-17T21:15:00Z" })).toEqual({
      startSample: 48_000,
      endSample: 96_000,
    });
    expect(() => rowSamples(row, 48_000, { file: "utc.csv" })).toThrow(
      expect.objectContaining({ code: "needs-recording-start", row: 7, file: "utc.csv" }),
    );
  });
});
