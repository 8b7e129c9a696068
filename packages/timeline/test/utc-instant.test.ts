import { parseUtcInstant, planTimeline, TimelineError } from "@granule/timeline";
import { describe, expect, it } from "vitest";

describe("parseUtcInstant: one parser for every UTC time on the command line and in the library", () => {
  it("reads ISO 8601 with Z or an offset, as Date.parse does where Date.parse is right", () => {
    for (const [text, iso] of [
      ["2025-04-16T05:40:00Z", "2025-04-16T05:40:00.000Z"],
      ["2025-04-16t05:40:00z", "2025-04-16T05:40:00.000Z"],
      ["2025-04-16 07:40:00.5+02:00", "2025-04-16T05:40:00.500Z"],
      ["2025-04-16T11:10:00.123+0530", "2025-04-16T05:40:00.123Z"],
      ["2025-04-16T05:40:00-00:00", "2025-04-16T05:40:00.000Z"],
      ["2025-04-16T05:40Z", "2025-04-16T05:40:00.000Z"],
      ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
      ["2025-04-16T24:00:00Z", "2025-04-17T00:00:00.000Z"],
      ["1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"],
      ["2150-01-01T00:00:00Z", "2150-01-01T00:00:00.000Z"],
    ]) {
      expect(parseUtcInstant(text!), text).toBe(Date.parse(iso!));
    }
    // Years before 100 are years, not 1900 + the year.
    expect(new Date(parseUtcInstant("0050-06-01T00:00:00Z") as number).getUTCFullYear()).toBe(50);
  });

  it("refuses what Date.parse would move without a word: impossible dates, times finer than a millisecond", () => {
    for (const [text, reason] of [
      ["2025-04-31T00:00:00Z", "month 4 of 2025 has 30 days, not 31"],
      ["2025-02-29T00:00:00Z", "month 2 of 2025 has 28 days, not 29"],
      ["1900-02-29T00:00:00Z", "has 28 days"],
      ["2025-13-01T00:00:00Z", "no month 13"],
      ["2025-04-16T25:00:00Z", "not a time of day"],
      ["2025-04-16T24:00:01Z", "not a time of day"],
      ["2025-04-16T05:60:00Z", "not a time of day"],
      ["2016-12-31T23:59:60Z", "leap second"],
      ["2025-04-16T05:39:58.000999Z", "6 decimals"],
      ["2025-04-16T05:39:58.0005Z", "4 decimals"],
      ["2025-04-16T05:40:00+24:00", "not a UTC offset"],
      ["2025-04-16T05:40:00-19:00", "within 18 hours"],
      ["2025-04-16T05:40:00", "with Z or a UTC offset"],
      ["2025-04-16", "with Z or a UTC offset"],
    ]) {
      const parsed = parseUtcInstant(text!);
      expect(typeof parsed === "number" ? parsed : parsed.reason, text).toContain(reason);
    }
  });

  it("is what the planners use: a request at 2025-04-31 is refused, not read as May 1", () => {
    const recording = {
      id: "e",
      recordedAt: "2025-05-01T00:00:00.000Z",
      deviceId: "X",
      sampleRate: 48_000,
      totalSamples: 96_000,
      channels: 1,
    };
    expect(() => planTimeline([recording], [{ start: "2025-04-31T00:00:00Z", end: "2025-04-31T00:00:01Z" }])).toThrow(
      TimelineError,
    );
    expect(
      planTimeline([recording], [{ start: "2025-05-01T00:00:00Z", end: "2025-05-01T00:00:01Z" }])[0]!.sampleCount,
    ).toBe(48_000);
  });
});
