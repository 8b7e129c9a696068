import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LabelRow, type LabelTable, readTable, rowSamples, writeTable, writeTableLines } from "@granule/labels";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Seasons of BirdNET results as bench/make-table.mjs writes them, read as views (more than
// 50,000 rows): every row checked against the same line read in a table of its own (rows made
// one by one, as objects) and against the whole table read as an array of objects.
const bench = (name: string) => fileURLToPath(new URL(`../bench/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "granule-labels-scale-"));
const ROWS = 200_000;
const RATE = 48_000;

function makeTable(format: string, rows: number): { path: string; bytes: Uint8Array; lines: string[] } {
  const path = join(dir, `${format}-${rows}.txt`);
  execFileSync(process.execPath, [bench("make-table.mjs"), "--rows", String(rows), "--format", format, "--out", path]);
  const bytes = new Uint8Array(readFileSync(path));
  return { path, bytes, lines: new TextDecoder().decode(bytes).split("\n") };
}

/** Positions to check: the ends, the middle, and some between (the same every run). */
function samplePositions(count: number): number[] {
  const picks = new Set([0, 1, count >> 1, count - 2, count - 1]);
  for (let k = 1; k < 40; k++) picks.add(Math.floor((count * k * 0.618034) % count));
  return [...picks].sort((a, b) => a - b);
}

/** The row a line gives in a table of just the header and that line (its line number set back). */
function alone(header: string, line: string, row: number): LabelRow {
  const single = readTable(`${header}\n${line}\n`, { rows: "array" });
  expect(single.rows).toHaveLength(1);
  return { ...single.rows[0]!, row };
}

let raven: ReturnType<typeof makeTable>;
let table: LabelTable;

beforeAll(() => {
  raven = makeTable("raven", ROWS);
  table = readTable(raven.bytes, { file: "season.txt" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a season of 200,000 rows", () => {
  it("reads as a view whose rows are those of each line read alone, and of the table read as objects", () => {
    expect(table.format).toBe("raven");
    expect(Array.isArray(table.rows)).toBe(true);
    expect(table.rows).toHaveLength(ROWS);
    const objects = readTable(raven.bytes, { file: "season.txt", rows: "array" });
    expect(objects.rows).toHaveLength(ROWS);
    for (const i of samplePositions(ROWS)) {
      const row = table.rows[i]!;
      // Line i + 2: the header is line 1.
      expect(row).toEqual(alone(raven.lines[0]!, raven.lines[i + 1]!, i + 2));
      expect(row).toEqual(objects.rows[i]);
      expect(rowSamples(row, RATE)).toEqual(rowSamples(objects.rows[i]!, RATE));
    }
    // The last row, exactly as the generator wrote it.
    const [selection, , , begin, end, , , common, code, confidence, path, offset] = raven.lines[ROWS]!.split("\t");
    const last = table.rows[ROWS - 1]!;
    expect(last).toMatchObject({ row: ROWS + 1, label: common, recording: { path } });
    expect(last.fields).toMatchObject({ Selection: selection, "Species Code": code, Confidence: confidence });
    expect(Number((last.start as { seconds: string }).seconds)).toBe(Number(offset));
    expect(Number((last.end as { seconds: string }).seconds)).toBe(Number(offset) + (Number(end) - Number(begin)));
    expect(rowSamples(last, RATE).startSample).toBe(Math.round(Number(offset) * RATE));
  });

  it("writes what the table read as objects writes", () => {
    // A smaller season (still a view): writing Raven over several recordings is exact decimal work per row.
    const season = makeTable("raven", 60_000);
    const view = readTable(season.bytes);
    const objects = readTable(season.bytes, { rows: "array" });
    // Over several recordings, a Raven table needs where each starts in its timeline.
    const options = { tableStart: () => 0 };
    for (const format of ["csv", "raven", "birdnet-csv"] as const) {
      const text = writeTable(view, format, options);
      expect(text).toBe(writeTable(objects, format, options));
      // writeTableLines: the same text, a line at a time.
      let joined = "";
      for (const line of writeTableLines(view, format, options)) joined += `${line}\n`;
      expect(joined).toBe(text);
    }
    // Bun's default of 5 s a test is not Node's 30 s: 7.5 s in Bun on a loaded 2-core machine.
  }, 60_000);

  // Node's measure (V8's heap and its external memory after a full collection): Deno and Bun
  // start their own binary as process.execPath, with other string layouts and accounting (Deno
  // counted 142 heap bytes a row, Bun 301 bytes in all, where Node counts 151 in all).
  it.skipIf("Deno" in globalThis || "Bun" in globalThis)(
    "keeps a small index besides the text: retained memory per row, measured in a process of its own",
    () => {
      const out = execFileSync(process.execPath, ["--expose-gc", bench("read-child.mjs"), "--file", raven.path], {
        encoding: "utf8",
      });
      const measured = JSON.parse(out) as { rows: number; fileBytes: number; totalPerRow: number; heapPerRow: number };
      expect(measured.rows).toBe(ROWS);
      const textPerRow = measured.fileBytes / ROWS;
      // The text (one byte a character: the table is ASCII) and 8 bytes of index a row, with room
      // for the collector's slack; an object per row took some 900 bytes.
      expect(measured.totalPerRow).toBeLessThan(textPerRow + 32);
      expect(measured.heapPerRow).toBeLessThan(32);
    },
  );

  it("reads a table whose selections are listed twice (Waveform and Spectrogram views) as one row each", () => {
    const views = makeTable("raven-views", 120_000);
    const read = readTable(views.bytes);
    expect(read.rows).toHaveLength(60_000);
    for (const i of samplePositions(60_000)) {
      const row = read.rows[i]!;
      const [waveform, spectrogram] = [views.lines[2 * i + 1]!, views.lines[2 * i + 2]!];
      // One selection's two lines read alone: the label of the first line's number, with the spectrogram's fields.
      const pair = readTable(`${views.lines[0]}\n${waveform}\n${spectrogram}\n`, { rows: "array" });
      expect(pair.rows).toHaveLength(1);
      expect(row).toEqual({ ...pair.rows[0]!, row: 2 * i + 2 });
      expect(row.fields.View).toBe("Spectrogram 1");
    }
  });

  it("reads BirdNET's CSV as a view, each row that of its line alone", () => {
    const csv = makeTable("birdnet-csv", 60_000);
    const read = readTable(csv.bytes);
    expect(read.format).toBe("birdnet-csv");
    expect(read.rows).toHaveLength(60_000);
    for (const i of samplePositions(60_000)) {
      expect(read.rows[i]).toEqual(alone(csv.lines[0]!, csv.lines[i + 1]!, i + 2));
    }
  });
});
