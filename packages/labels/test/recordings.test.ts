import { type LabelRow, readTable, writeTable } from "@granule/labels";
import { describe, expect, it } from "vitest";

// Tables over several recordings: no row may change recording or position on the way in or
// out. Each case here once came out wrong with no error (an adversarial review, 2026-12-03).

const RAVEN_HEADER = "Selection\tView\tChannel\tBegin File\tBegin Path\tBegin Time (s)\tEnd Time (s)\tSpecies";
const NAME = "SMM07257_20250416_053000.wav";

const unrepresentable = (message: string) =>
  expect.objectContaining({ code: "unrepresentable", message: expect.stringContaining(message) });

const row = (n: number, recording: LabelRow["recording"], start: string, end: string): LabelRow => ({
  row: n + 1,
  start: { seconds: start },
  end: { seconds: end },
  fields: {},
  label: `call ${n}`,
  ...(recording === undefined ? {} : { recording }),
});

describe("Raven tables over files of one name in different folders", () => {
  const rows = [
    `1\tSpectrogram 1\t1\t${NAME}\tD:\\siteA\\${NAME}\t2\t3\tWren`,
    `2\tSpectrogram 1\t1\t${NAME}\tD:\\siteB\\${NAME}\t12\t13\tOwl`,
  ];

  it("counts the files by path: without File Offset the table is refused", () => {
    expect(() => readTable(`${RAVEN_HEADER}\n${rows.join("\n")}\n`, { file: "t.txt" })).toThrow(
      expect.objectContaining({ code: "needs-file-offset", row: 3 }),
    );
  });

  it("with File Offset, places each box in its own file, and the rows keep their paths", () => {
    const header = `${RAVEN_HEADER}\tFile Offset (s)`;
    const table = readTable(`${header}\n${rows[0]}\t2\n${rows[1]}\t2.5\n`);
    expect(table.rows.map((r) => [r.recording, r.start, r.end])).toEqual([
      [{ file: NAME, path: `D:\\siteA\\${NAME}` }, { seconds: "2" }, { seconds: "3" }],
      [{ file: NAME, path: `D:\\siteB\\${NAME}` }, { seconds: "2.5" }, { seconds: "3.5" }],
    ]);
  });
});

describe("writing rows of several recordings", () => {
  const byId = [row(1, { id: "000001" }, "1", "2"), row(2, { id: "000002" }, "1", "2")];
  const byFile = [row(1, { id: "000001", file: "a.wav" }, "1", "2"), row(2, { id: "000002", file: "b.wav" }, "1", "2")];
  const tableStart = (r: { id?: string }) => (r.id === "000001" ? 0 : 20);

  it("Raven: refuses rows known only by archive id (read back they would be in no file, at table time)", () => {
    expect(() => writeTable(byId, "raven", { tableStart })).toThrow(unrepresentable('known only by its id "000001"'));
  });

  it("Raven: with file names, each box reads back in its own file at its own time", () => {
    const back = readTable(writeTable(byFile, "raven", { tableStart }));
    expect(back.rows.map((r) => [r.recording?.file, r.start, r.end])).toEqual([
      ["a.wav", { seconds: "1" }, { seconds: "2" }],
      ["b.wav", { seconds: "1" }, { seconds: "2" }],
    ]);
  });

  it("BirdNET's CSV: refuses rows of several recordings without file names; writes File when known", () => {
    expect(() => writeTable(byId, "birdnet-csv")).toThrow(unrepresentable("BirdNET's CSV"));
    const back = readTable(writeTable(byFile, "birdnet-csv"));
    expect(back.rows.map((r) => r.recording?.file)).toEqual(["a.wav", "b.wav"]);
    // One recording needs no name to stay itself.
    expect(readTable(writeTable([byId[0]!], "birdnet-csv")).rows).toHaveLength(1);
  });

  it("Audacity: a track is one recording's, so rows of several are refused", () => {
    expect(() => writeTable(byFile, "audacity")).toThrow(unrepresentable("an Audacity label track has no column"));
    expect(() => writeTable([byFile[0]!, row(3, undefined, "4", "5")], "audacity")).toThrow(
      unrepresentable("2 recordings"),
    );
    expect(writeTable([byFile[0]!, byFile[0]!], "audacity")).toBe("1\t2\tcall 1\n1\t2\tcall 1\n");
  });
});

describe("annotation columns named like Raven's own", () => {
  it("are refused rather than read back as a position or a file", () => {
    const csv = readTable("start,end,label,File Offset (s),Begin File\n5,6,wren,0.5,other.wav\n", { file: "fo.csv" });
    expect(() => writeTable(csv, "raven", { file: "fo.csv" })).toThrow(
      expect.objectContaining({ code: "unrepresentable", file: "fo.csv", row: 2, column: "File Offset (s)" }),
    );
  });

  it("are left out when empty, and carried over when they are not Raven's", () => {
    const csv = readTable("start,end,label,Begin Path,Notes\n5,6,wren,,loud\n");
    const back = readTable(writeTable(csv, "raven"));
    expect(back.rows[0]!.start).toEqual({ seconds: "5" });
    expect(back.rows[0]!.recording).toBeUndefined();
    expect(back.columns).toContain("Notes");
    expect(back.columns).not.toContain("Begin Path");
  });
});
