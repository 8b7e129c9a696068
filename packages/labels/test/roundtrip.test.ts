import {
  LABEL_FORMATS,
  type LabelFormat,
  type LabelRow,
  type LabelTable,
  readTable,
  rowSamples,
  type WriteOptions,
  writeTable,
} from "@granule/labels";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIXTURES, fixtureBytes } from "./fixtures.ts";

const RATES = [48_000, 44_100, 384_000];
const UTC_START = "2025-04-17T21:15:00Z";

/** Options that let any fixture be written in any format. */
function optionsFor(table: LabelTable): WriteOptions {
  const recordings = [...new Set(table.rows.map((r) => r.recording?.path ?? r.recording?.file ?? r.recording?.id))];
  return {
    sampleRate: 48_000,
    recordingStartUtc: () => UTC_START,
    tableStart: (recording) => String(3600 * recordings.indexOf(recording.path ?? recording.file ?? recording.id)),
  };
}

/** Which recording fields survive a format. */
function recordingIn(format: LabelFormat, row: LabelRow) {
  const r = row.recording;
  switch (format) {
    case "csv":
      return r;
    case "raven":
    case "kaleidoscope":
      return r?.file === undefined && r?.path === undefined
        ? undefined
        : { file: r.file ?? r.path!.split(/[\\/]/).pop(), path: r.path };
    case "birdnet-csv":
      return r?.path === undefined && r?.file === undefined ? undefined : { path: r.path ?? r.file };
    case "audacity":
      return undefined;
  }
}

/** What a row must still say after a trip through `format`: positions at every rate, label, and what the format holds. */
function essentials(row: LabelRow, format: LabelFormat, via: LabelFormat[] = [format]) {
  const options = { recordingStartUtc: UTC_START };
  const samples = RATES.map((rate) => {
    const { startSample, endSample } = rowSamples(row, rate, options);
    // Samples are exact at the rate they were written with only.
    return "sample" in row.start && rate !== 48_000 ? null : [startSample, endSample];
  });
  let channel = row.channel;
  let lowHz = row.lowHz;
  let highHz = row.highHz;
  let recording = row.recording;
  for (const v of via) {
    if (!["csv", "raven", "kaleidoscope"].includes(v)) channel = undefined;
    if (v === "raven") channel ??= 0; // Raven always has a channel
    if (!["csv", "raven", "audacity"].includes(v)) lowHz = highHz = undefined;
    recording = recordingIn(v, { ...row, recording } as LabelRow);
  }
  if (recording !== undefined) recording = JSON.parse(JSON.stringify(recording));
  return {
    samples,
    label: row.label ?? "",
    channel,
    lowHz,
    highHz,
    recording:
      recording?.path === undefined && recording?.file === undefined && recording?.id === undefined
        ? undefined
        : recording,
  };
}

function back(row: LabelRow, format: LabelFormat) {
  const options = { recordingStartUtc: UTC_START };
  return {
    samples: RATES.map((rate) => {
      const { startSample, endSample } = rowSamples(row, rate, options);
      return [startSample, endSample];
    }),
    label: row.label ?? "",
    channel: row.channel,
    lowHz: row.lowHz,
    highHz: row.highHz,
    recording: format === "birdnet-csv" && row.recording ? { path: row.recording.path } : row.recording,
  };
}

function expectSame(original: LabelTable, result: LabelTable, via: LabelFormat[]) {
  expect(result.rows).toHaveLength(original.rows.length);
  original.rows.forEach((row, i) => {
    const want = essentials(row, via.at(-1)!, via);
    const got = back(result.rows[i]!, via.at(-1)!);
    got.samples = got.samples.map((pair, r) => (want.samples[r] === null ? null : pair)) as number[][];
    expect(got, `row ${row.row} via ${via.join(" -> ")}`).toEqual(want);
  });
}

/**
 * Whether a format can hold a table's recordings: Kaleidoscope needs every row's file name;
 * Raven and BirdNET's CSV tell several recordings apart by file name; an Audacity track is
 * one recording's. What a format cannot hold is refused (checked below), never dropped.
 */
const writable = (table: LabelTable, format: LabelFormat) => {
  const named = table.rows.every((r) => r.recording?.file !== undefined || r.recording?.path !== undefined);
  const several = new Set(table.rows.map((r) => r.recording?.path ?? r.recording?.file ?? r.recording?.id)).size > 1;
  if (format === "kaleidoscope") return named;
  if (format === "audacity") return !several;
  if (format === "raven" || format === "birdnet-csv") return named || !several;
  return true;
};

describe("round trips keep positions exact", () => {
  for (const [path] of Object.entries(FIXTURES)) {
    it(`${path} -> every format -> back`, () => {
      const table = readTable(fixtureBytes(path), { file: path });
      for (const format of LABEL_FORMATS) {
        if (!writable(table, format)) {
          expect(() => writeTable(table, format, optionsFor(table)), `${path} as ${format}`).toThrow(
            expect.objectContaining({ code: "unrepresentable" }),
          );
          continue;
        }
        let text: string;
        try {
          text = writeTable(table, format, optionsFor(table));
        } catch (error) {
          // A line break in a cell has no place in a tab-separated format: refused, not mangled.
          expect([path, (error as { code?: string }).code]).toEqual(["csv/samples.csv", "unrepresentable"]);
          expect(["raven", "audacity"]).toContain(format);
          continue;
        }
        const result = readTable(text, { file: `${path} as ${format}` });
        expect(result.format).toBe(format);
        expectSame(table, result, [format]);
      }
    });
  }

  it("keeps seconds as the exact decimals they were, through every format", () => {
    const table = readTable(fixtureBytes("raven/marsh-0427.Table.1.selections.txt"));
    let current: LabelTable = table;
    for (const format of ["audacity", "csv", "birdnet-csv", "raven", "csv"] as const) {
      current = readTable(writeTable(current, format));
      expect(current.rows.map((r) => [r.start, r.end])).toEqual(table.rows.map((r) => [r.start, r.end]));
    }
  });

  it("format -> format -> format chains", () => {
    const chains: [string, LabelFormat[]][] = [
      ["raven/deployment.Table.1.selections.txt", ["csv", "kaleidoscope", "raven"]],
      ["raven/multi-view.Table.1.selections.txt", ["audacity", "csv", "raven"]],
      ["raven/deployment.Table.1.selections.txt", ["birdnet-csv", "csv", "raven"]],
      ["kaleidoscope/id.csv", ["raven", "birdnet-csv", "kaleidoscope"]],
      ["birdnet/soundscape.BirdNET.results.csv", ["kaleidoscope", "audacity", "csv"]],
      ["audacity/labels.txt", ["raven", "csv", "audacity"]],
      ["csv/samples.csv", ["csv", "csv"]],
      ["csv/segments.csv", ["raven", "audacity", "csv"]],
      ["csv/utc.csv", ["kaleidoscope", "raven", "csv"]],
    ];
    for (const [path, via] of chains) {
      const table = readTable(fixtureBytes(path), { file: path });
      let current = table;
      for (const format of via) current = readTable(writeTable(current, format, optionsFor(current)));
      expectSame(table, current, via);
    }
  });

  it("writing a table in its own format is stable: the second write is the first", () => {
    for (const [path, format] of Object.entries(FIXTURES)) {
      const table = readTable(fixtureBytes(path));
      const once = writeTable(table, format, optionsFor(table));
      const twice = writeTable(readTable(once), format, optionsFor(table));
      expect(twice, path).toBe(once);
    }
  });

  it("carries annotation columns over, without repeating the source's own columns", () => {
    const table = readTable(fixtureBytes("birdnet/soundscape.BirdNET.selection.table.txt"));
    const csv = writeTable(table, "csv");
    expect(csv.split("\n")[0]).toBe("file,path,start,end,channel,low_hz,high_hz,label,Species Code,Confidence");
    expect(csv.split("\n")[1]).toBe(
      "soundscape.wav,/data/example/soundscape.wav,0,3,0,0,15000,Black-capped Chickadee,bkcchi,0.8141",
    );
    const kaleidoscope = readTable(fixtureBytes("kaleidoscope/id.csv"));
    const raven = writeTable(kaleidoscope, "raven", { tableStart: (r) => (r.file?.includes("0922") ? 0 : 60) });
    const header = raven.split("\n")[0]!.split("\t");
    expect(header.slice(0, 10)).toEqual([
      "Selection",
      "View",
      "Channel",
      "Begin Time (s)",
      "End Time (s)",
      "Low Freq (Hz)",
      "High Freq (Hz)",
      "Begin File",
      "File Offset (s)",
      "Begin Path",
    ]);
    expect(header).toContain("AUTO ID*");
    expect(header).not.toContain("OFFSET");
    expect(header.at(-1)).toBe("Annotation");
  });

  it("writes Raven with one row per selection and Audacity with spectral lines", () => {
    const views = readTable(fixtureBytes("raven/multi-view.Table.1.selections.txt"));
    const raven = writeTable(views, "raven").split("\n");
    expect(raven).toHaveLength(5); // header, 3 selections, final newline
    expect(raven[1]).toBe(
      "1\tSpectrogram 1\t1\t6.709509878\t15.096397225\t1739.012\t3798.813\t2059.801\t-75.87\tGreat tit",
    );
    expect(raven[0]).toBe(
      // Delta Time is the source's own position column: not carried (it would go stale).
      "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tDelta Freq (Hz)\tAvg Power Density (dB FS/Hz)\tAnnotation",
    );
    expect(writeTable(views, "audacity")).toBe(
      "6.709509878\t15.096397225\tGreat tit\n\\\t1739.012\t3798.813\n29.383026016\t40.257059266\tRobin\n\\\t1587.06\t4136.485\n41.5\t42\tWren\n\\\t2000\t3000\n",
    );
    const audacity = readTable(fixtureBytes("audacity/labels.txt"));
    expect(writeTable(audacity, "audacity")).toBe(
      "1.25\t2.5\tRobin song\n\\\t2000\t6000\n3\t3\tclick\n4.1\t5.9\t\n6\t7.5\tBlackbird / alarm\n\\\t-1\t8000\n",
    );
    expect(
      writeTable(readTable(fixtureBytes("birdnet/soundscape.BirdNET.results.txt")), "audacity").split("\n")[0],
    ).toBe("0\t3\tPoecile atricapillus, Black-capped Chickadee\t0.8141");
  });

  it("writes a Kaleidoscope table as it was read: same INDIR/FOLDER, MANUAL ID left empty where it was", () => {
    const table = readTable(fixtureBytes("kaleidoscope/id.csv"));
    const lines = writeTable(table, "kaleidoscope").split("\n");
    expect(lines[0]!.startsWith("INDIR,FOLDER,IN FILE,CHANNEL,OFFSET,DURATION,OUTDIR,OUT FILE FS,")).toBe(true);
    expect(lines[0]!.endsWith(",OUTPATHMD5ZC,MANUAL ID")).toBe(true);
    expect(lines[1]!.startsWith("/Volumes/BATS/2021/Data,site-1,SMU00505_20210922_022259.wav,0,0,11.450467,")).toBe(
      true,
    );
    expect(lines[1]!.endsWith(",")).toBe(true); // MANUAL ID stays empty: the label was the AUTO ID*
    expect(lines[2]!.endsWith(",MYOLUC")).toBe(true);
  });

  it("writes samples as seconds that read back as the same samples (any rate, any format)", () => {
    const labelText = fc
      .string({ maxLength: 12 })
      .filter((s) => !/[\t\r\n]/.test(s) && s.trim() !== "" && !s.startsWith("\\"));
    const rowArb = fc.record({
      start: fc.integer({ min: 0, max: 2 ** 40 }),
      length: fc.integer({ min: 0, max: 10 ** 7 }),
      channel: fc.integer({ min: 0, max: 7 }),
      label: labelText,
      low: fc.integer({ min: 0, max: 20_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(rowArb, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom(...LABEL_FORMATS),
        (specs, rate, format) => {
          const rows: LabelRow[] = specs.map((spec, i) => ({
            row: i + 2,
            recording: { file: "rec.wav" },
            start: { sample: spec.start },
            end: { sample: spec.start + spec.length },
            channel: spec.channel,
            lowHz: spec.low,
            highHz: spec.low + 1000,
            label: spec.label,
            fields: {},
          }));
          const result = readTable(writeTable(rows, format, { sampleRate: rate }), {
            format,
          });
          expect(result.rows.map((row) => rowSamples(row, rate))).toEqual(
            rows.map((row) => ({
              startSample: (row.start as { sample: number }).sample,
              endSample: (row.end as { sample: number }).sample,
            })),
          );
          expect(result.rows.map((row) => row.label)).toEqual(rows.map((row) => row.label));
        },
      ),
      { numRuns: 300 },
    );
  }, 30_000);
});
