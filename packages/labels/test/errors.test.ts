import { LabelError, type LabelErrorCode, readTable, writeTable } from "@granule/labels";
import { describe, expect, it } from "vitest";

/** The LabelError a call throws. */
function caught(f: () => unknown): LabelError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(LabelError);
    expect((error as LabelError).name).toBe("LabelError");
    return error as LabelError;
  }
  throw new Error("expected a LabelError");
}

const RAVEN = "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tSpecies";

describe("malformed tables give typed errors naming file, row and column", () => {
  const cases: [string, string, LabelErrorCode, number | undefined, string | undefined][] = [
    ["a time that is not a number", "start,end\n1,2\n1,two\n", "bad-number", 3, "end"],
    ["a negative time", "start,end\n-1,2\n", "bad-number", 2, "start"],
    ["an end before its start", "start,end\n3,2\n", "end-before-start", 2, "end"],
    ["samples that are not whole", "start_sample,end_sample\n1.5,2\n", "bad-number", 2, "start_sample"],
    ["a negative channel", "start,end,channel\n1,2,-1\n", "bad-channel", 2, "channel"],
    ["a plain CSV without positions", "start,stop\n1,2\n", "unknown-format", 1, undefined],
    ["a BirdNET CSV without its end", "Start (s),Stop (s)\n1,2\n", "unknown-format", 1, undefined],
    ["a UTC start with a seconds end", "start,end\n2025-01-01T00:00:00Z,5\n", "bad-number", 2, "end"],
    ["a UTC time without a zone", "start,end\n2025-01-01T00:00:00,2025-01-01T00:00:01\n", "bad-number", 2, "start"],
    ["two columns with one name", "start,end,Label,label\n1,2,a,b\n", "duplicate-column", 1, "label"],
    ["more cells than columns", "start,end\n1,2,3\n", "extra-cells", 2, undefined],
    ["an unterminated quote", 'start,end,label\n1,2,"open\n3,4,x\n', "bad-csv", 2, "cell 3"],
    ["text after a closing quote", 'start,end,label\n1,2,"a"b\n', "bad-csv", 2, "cell 3"],
    [
      "a Raven channel 0 (they count from 1)",
      `${RAVEN}\n1\tSpectrogram 1\t0\t1\t2\t0\t1\t\n`,
      "bad-channel",
      2,
      "Channel",
    ],
    [
      "a Raven begin time that is not a number",
      `${RAVEN}\n1\tSpectrogram 1\t1\t1,5\t2\t0\t1\t\n`,
      "bad-number",
      2,
      "Begin Time (s)",
    ],
    [
      "a Raven frequency that is not a number",
      `${RAVEN}\n1\tSpectrogram 1\t1\t1\t2\tlow\t1\t\n`,
      "bad-number",
      2,
      "Low Freq (Hz)",
    ],
    ["a Raven table without Begin Time", "Selection\tView\tEnd Time (s)\n", "unknown-format", 1, undefined],
    ["a Raven table without End or Delta Time", "Selection\tBegin Time (s)\n1\t2\n", "missing-column", 1, undefined],
    ["an Audacity frequency line without both bounds", "1\t2\tx\n\\\t100\n", "bad-number", 2, undefined],
    ["an Audacity time that is not a number", "1\t2\tx\n1.2.3\t4\ty\n", "bad-number", 2, "start"],
    ["an Audacity end before its start", "2\t1\tx\n", "end-before-start", 1, "end"],
    ["a Kaleidoscope row without DURATION", "IN FILE,OFFSET,DURATION\na.wav,1,\n", "bad-number", 2, "DURATION"],
    ["a label column that is not there", "start,end\n1,2\n", "missing-column", 1, undefined],
  ];

  it.each(cases)("%s", (_, text, code, row, column) => {
    const error = caught(() =>
      readTable(text, { file: "labels.txt", ...(_.includes("label column") ? { labelColumn: "Species" } : {}) }),
    );
    expect({ code: error.code, file: error.file, row: error.row, column: error.column }).toEqual({
      code,
      file: "labels.txt",
      row,
      column,
    });
    const place = [
      `labels.txt`,
      row === undefined ? "" : ` row ${row}`,
      column === undefined ? "" : ` column "${column}"`,
    ].join("");
    expect(error.message.startsWith(place)).toBe(true);
  });

  it("an Audacity frequency line before any label (read as Audacity when told)", () => {
    const text = "\\\t100\t200\n1\t2\tx\n";
    expect(caught(() => readTable(text, { file: "t.txt" }))).toMatchObject({ code: "unknown-format", row: 1 });
    expect(caught(() => readTable(text, { file: "t.txt", format: "audacity" }))).toMatchObject({
      code: "bad-number",
      row: 1,
    });
  });

  it("refuses one Raven selection whose views disagree, naming both rows and the column", () => {
    const text = [
      RAVEN,
      "7\tWaveform 1\t1\t1.5\t2.5\t100\t900\tWren",
      "7\tSpectrogram 1\t1\t1.5\t2.50001\t100\t900\tWren",
    ].join("\n");
    const error = caught(() => readTable(text, { file: "t.txt" }));
    expect(error).toMatchObject({ code: "views-disagree", file: "t.txt", row: 3, column: "End Time (s)" });
    expect(error.message).toContain("selection 7 is listed on rows 2 and 3");
    const label = caught(() =>
      readTable(`${RAVEN}\n7\tWaveform 1\t1\t1\t2\t1\t9\tWren\n7\tSpectrogram 1\t1\t1\t2\t1\t9\tRobin\n`),
    );
    expect(label).toMatchObject({ code: "views-disagree", row: 3, column: "Species" });
    // The same box written differently ("2.50" and "2.5") agrees.
    expect(
      readTable(
        `${RAVEN}\n7\tWaveform 1\t1\t1.5\t2.50\t100\t900\tWren\n7\tSpectrogram 1\t1\t1.5\t2.5\t100.0\t900\tWren\n`,
      ).rows,
    ).toHaveLength(1);
  });

  it("refuses a Raven table over several files without File Offset, at the first row in another file", () => {
    const text = [
      "Selection\tView\tChannel\tBegin File\tBegin Time (s)\tEnd Time (s)",
      "1\tSpectrogram 1\t1\ta.wav\t1\t2",
      "2\tSpectrogram 1\t1\ta.wav\t3\t4",
      "3\tSpectrogram 1\t1\tb.wav\t65\t66",
    ].join("\n");
    expect(caught(() => readTable(text, { file: "t.txt" }))).toMatchObject({
      code: "needs-file-offset",
      row: 4,
      column: "Begin File",
    });
    // One file named, or an offset column with a cell left empty.
    expect(readTable(text.replace("b.wav", "a.wav")).rows).toHaveLength(3);
    const holes =
      "Selection\tBegin File\tBegin Time (s)\tEnd Time (s)\tFile Offset (s)\n1\ta.wav\t1\t2\t1\n2\tb.wav\t65\t66\t\n";
    expect(caught(() => readTable(holes))).toMatchObject({ code: "bad-number", row: 3, column: "File Offset (s)" });
  });

  it("refuses bytes that are not UTF-8 and says where", () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("start,end,label\n1,2,"), 0xe4, 0x0a]);
    const error = caught(() => readTable(bytes, { file: "t.csv" }));
    expect(error).toMatchObject({ code: "bad-encoding", file: "t.csv" });
    expect(error.message).toContain("(byte offset 20)");
    expect(error.message).toContain("windows-1252");
    expect(caught(() => readTable(bytes, { encoding: "klingon" }))).toMatchObject({ code: "invalid-argument" });
  });
});

describe("writing refuses what the format cannot hold", () => {
  const row = (label: string, extra: object = {}) => ({
    row: 2,
    start: { seconds: "1" },
    end: { seconds: "2" },
    label,
    fields: {},
    ...extra,
  });

  it("a tab or line break in a tab-separated cell", () => {
    expect(caught(() => writeTable([row("a\tb")], "raven"))).toMatchObject({
      code: "unrepresentable",
      row: 2,
      column: "Annotation",
    });
    expect(caught(() => writeTable([row("a\nb")], "audacity"))).toMatchObject({
      code: "unrepresentable",
      row: 2,
      column: "label",
    });
    expect(writeTable([row("a\nb")], "csv")).toBe('start,end,label\n1,2,"a\nb"\n');
  });

  it("samples without a rate, UTC times without the recording's start", () => {
    const samples = { row: 3, start: { sample: 1 }, end: { sample: 2 }, fields: {} };
    expect(caught(() => writeTable([samples], "raven"))).toMatchObject({ code: "needs-rate", row: 3 });
    const utc = { row: 4, start: { utc: "2025-01-01T00:00:01Z" }, end: { utc: "2025-01-01T00:00:02Z" }, fields: {} };
    expect(caught(() => writeTable([utc], "audacity"))).toMatchObject({ code: "needs-recording-start", row: 4 });
    expect(writeTable([utc], "audacity", { recordingStartUtc: () => "2025-01-01T00:00:00Z" })).toBe("1\t2\t\n");
    expect(
      caught(() => writeTable([utc], "audacity", { recordingStartUtc: () => "2025-01-01T00:00:01.5Z" })),
    ).toMatchObject({
      code: "negative-time",
    });
  });

  it("a Raven table over several recordings without where each starts in the table", () => {
    const rows = [row("a", { recording: { file: "a.wav" } }), row("b", { row: 3, recording: { file: "b.wav" } })];
    expect(caught(() => writeTable(rows, "raven"))).toMatchObject({ code: "unrepresentable", row: 2 });
    const text = writeTable(rows, "raven", { tableStart: (r) => (r.file === "a.wav" ? 0 : "60.000020833") });
    expect(text.split("\n")[2]).toBe("2\tSpectrogram 1\t1\t61.000020833\t62.000020833\t\t\tb.wav\t1\tb");
  });

  it("a Kaleidoscope row without a file; an unknown format", () => {
    expect(caught(() => writeTable([row("a")], "kaleidoscope"))).toMatchObject({ code: "unrepresentable", row: 2 });
    expect(caught(() => writeTable([row("a")], "xlsx" as never))).toMatchObject({ code: "invalid-argument" });
  });
});
