import { formatDuration, parseSegmentsCsv, parseTime, UsageError } from "@granule/cli";
import { secondsToSample } from "@granule/labels";
import { describe, expect, it } from "vitest";
import { exactSeconds } from "../src/segments-table.ts";

describe("parseTime", () => {
  it("reads seconds, clock times and units in the recording's own time", () => {
    expect(parseTime("12.5", 48_000)).toBe(600_000);
    expect(parseTime("0:00:12.5", 48_000)).toBe(600_000);
    expect(parseTime("01:02.25", 48_000)).toBe(62.25 * 48_000);
    expect(parseTime("1:00:00", 48_000)).toBe(3600 * 48_000);
    expect(parseTime("1500ms", 48_000)).toBe(72_000);
    expect(parseTime("2.5s", 48_000)).toBe(120_000);
    expect(parseTime("3min", 48_000)).toBe(180 * 48_000);
    expect(parseTime("1h", 48_000)).toBe(3600 * 48_000);
    // A time-expanded 384 kHz recording is addressed in real time.
    expect(parseTime("0.5", 384_000)).toBe(192_000);
    expect(parseTime("0.00001", 48_000)).toBe(0);
  });

  it("turns times into samples by the labels package's exact rule, as label tables do", () => {
    // Float arithmetic once gave 13 and 992 where a table's row gave 14 and 993.
    expect(parseTime("0.00028125", 48_000)).toBe(14);
    expect(parseTime("0.00397", 250_000)).toBe(993);
    for (const [text, rate] of [
      ["0.00028125", 48_000],
      ["0.00397", 250_000],
      ["1.2345675", 44_100],
      ["7.00000625", 384_000],
    ] as const) {
      expect(parseTime(text, rate), `${text} at ${rate}`).toBe(secondsToSample(text, rate));
    }
    expect(parseTime("0:01:00.00028125", 48_000)).toBe(60 * 48_000 + 14);
    expect(parseTime(".5ms", 48_000)).toBe(24);
    expect(parseTime("0.25min", 48_000)).toBe(15 * 48_000);
    expect(() => parseTime("99999999999999h", 48_000, "--end")).toThrow(/--end .*beyond the largest sample/);
  });

  it("refuses what is not a time with a UsageError saying what it takes", () => {
    for (const bad of ["", "abc", "-1", "1:60:00", "0:61", "12.5x", "1e3"]) {
      expect(() => parseTime(bad, 48_000), bad).toThrow(UsageError);
    }
    expect(() => parseTime("soon", 48_000, "--start")).toThrow(/--start "soon" is not a time/);
  });

  it("formats durations", () => {
    expect(formatDuration(3723.5)).toBe("1:02:03.500");
    expect(formatDuration(0)).toBe("0:00:00.000");
  });
});

describe("parseSegmentsCsv", () => {
  it("reads start,end times with names, or start_sample,end_sample with row numbers", () => {
    expect(parseSegmentsCsv("name,start,end\ntrill,1.5,2\nwhistle,0:00:03,3500ms\n", 48_000, "calls.csv")).toEqual([
      { name: "trill", startSample: 72_000, endSample: 96_000, origin: "calls.csv row 2" },
      { name: "whistle", startSample: 144_000, endSample: 168_000, origin: "calls.csv row 3" },
    ]);
    const rows = Array.from({ length: 12 }, (_, i) => `${i * 100},${i * 100 + 50}`).join("\n");
    const segments = parseSegmentsCsv(`Start_Sample, End_Sample\n${rows}\n`, 48_000);
    expect(segments.map((s) => s.name)).toEqual([
      "01",
      "02",
      "03",
      "04",
      "05",
      "06",
      "07",
      "08",
      "09",
      "10",
      "11",
      "12",
    ]);
    expect(segments[11]).toMatchObject({ name: "12", startSample: 1100, endSample: 1150 });
  });

  it("names the row of every problem", () => {
    expect(() => parseSegmentsCsv("start,end\n1,2\n3,x\n", 48_000, "calls.csv")).toThrow(/calls.csv row 3 end "x"/);
    expect(() => parseSegmentsCsv("from,to\n1,2\n", 48_000)).toThrow(/needs columns start,end/);
    expect(() => parseSegmentsCsv("name,start,end\n../x,1,2\n", 48_000)).toThrow(/row 2: name/);
    expect(() => parseSegmentsCsv("name,start,end\na,1,2\na,3,4\n", 48_000)).toThrow(/row 3: name "a" is used twice/);
    expect(() => parseSegmentsCsv("start,end\n", 48_000)).toThrow(/no rows/);
    expect(() => parseSegmentsCsv('start,end\n"1,2\n', 48_000)).toThrow(UsageError);
  });
});

describe("exactSeconds", () => {
  it("writes seconds that read back as the same sample at every rate (granule sample's table)", () => {
    // 7717 at 44.1 kHz was written 0.175, exactly 7717.5 samples, which reads back as 7718.
    expect(secondsToSample(exactSeconds(7717, 44_100), 44_100)).toBe(7717);
    for (const rate of [8_000, 22_050, 44_100, 48_000, 250_000, 384_000]) {
      for (let sample = 0; sample < 60_000; sample += 7) {
        const text = exactSeconds(sample, rate);
        if (secondsToSample(text, rate) !== sample) expect(text, `${sample} at ${rate}`).toBe("reads back");
      }
    }
  });
});
