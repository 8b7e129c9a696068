import { detectFormat, LabelError, readTable } from "@granule/labels";
import { describe, expect, it } from "vitest";
import { FIXTURES, fixtureBytes } from "./fixtures.ts";

const text = (path: string) => new TextDecoder().decode(fixtureBytes(path));

describe("detection by content", () => {
  it.each(Object.entries(FIXTURES))("%s is %s", (path, format) => {
    expect(detectFormat(text(path)).format).toBe(format);
    expect(readTable(fixtureBytes(path)).format).toBe(format);
  });

  it("ignores case and outer spaces in header names, and finds the delimiter", () => {
    expect(detectFormat(" Start , END \n1,2\n")).toEqual({ format: "csv", delimiter: "," });
    expect(detectFormat("start_sample\tend_sample\n1\t2\n")).toEqual({ format: "csv", delimiter: "\t" });
    expect(detectFormat("START_UTC,END_UTC\n")).toEqual({ format: "csv", delimiter: "," });
    expect(detectFormat("begin time (s),end time (s)\n")).toEqual({ format: "raven", delimiter: "," });
    expect(detectFormat("OFFSET,confidence,INDIR,FOLDER,IN FILE,DURATION,TOP1MATCH\n").format).toBe("kaleidoscope");
    expect(detectFormat("\n\n1.5\t2\t\n")).toEqual({ format: "audacity", delimiter: "\t" });
    expect(detectFormat("1,5\t2,5\tx\n").format).toBe("audacity");
  });

  it("refuses numbers without a tab: a CSV without its header, not an Audacity track", () => {
    // "10,20" once became an Audacity point label at 10.2 s (a decimal comma).
    for (const text of ["10,20\n30,40\n", "1.5\n", "7\n"]) {
      expect(() => detectFormat(text, "t.csv"), text).toThrow(
        expect.objectContaining({
          code: "unknown-format",
          file: "t.csv",
          row: 1,
          message: expect.stringContaining("add a header row"),
        }),
      );
    }
  });

  it("reads a table as the format forced, whatever its content suggests", () => {
    const table = readTable("start,end\n1,2\n", { format: "csv" });
    expect(table.rows).toHaveLength(1);
    expect(() => readTable("start,end\n1,2\n", { format: "raven" })).toThrow(
      expect.objectContaining({ code: "missing-column", row: 1 }),
    );
    expect(() => readTable("x", { format: "excel" as never })).toThrow(
      expect.objectContaining({ code: "invalid-argument" }),
    );
  });

  it("says what it looked for when it knows none, refuses semicolon CSV and empty text", () => {
    const error = (input: string) => {
      try {
        readTable(input, { file: "labels.csv" });
      } catch (e) {
        expect(e).toBeInstanceOf(LabelError);
        return e as LabelError;
      }
      throw new Error("no error");
    };
    const unknown = error("\nonset,offset,species\n1,2,x\n");
    expect(unknown).toMatchObject({ code: "unknown-format", file: "labels.csv", row: 2 });
    expect(unknown.message).toContain('"onset,offset,species"');
    expect(unknown.message).toContain("Begin Time (s)");
    expect(error("start;end;label\n1,5;2,5;x\n")).toMatchObject({ code: "semicolon-separated", row: 1 });
    expect(error("")).toMatchObject({ code: "unknown-format" });
    expect(error(" \r\n\r\n")).toMatchObject({ code: "unknown-format" });
    // An Audacity track may be empty; other formats need their header.
    expect(readTable("", { format: "audacity" }).rows).toEqual([]);
    expect(readTable("Selection\tBegin Time (s)\tEnd Time (s)\n").rows).toEqual([]);
  });
});
