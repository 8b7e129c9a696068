import { checkOrder, secondsCell } from "../cells.ts";
import { formatDecimal, parseDecimal } from "../decimal.ts";
import { LabelError } from "../errors.ts";
import type { Grid } from "../grid.ts";
import type { LabelRow, LabelTable } from "../row.ts";
import { RecordingNotes } from "../row-view.ts";
import { tsvLine, type WriteContext } from "../write-context.ts";
import type { ReadContext } from "./read-context.ts";

/** Audacity's value for a frequency bound that is not set. */
const UNDEFINED_FREQUENCY = -1;

/**
 * Audacity label tracks, read as Audacity's own importer (LabelStruct::Import) does: each line
 * is `start<TAB>end<TAB>label` in seconds, tabs separating tokens and empty tokens skipped;
 * when the second token is not a number the label is a point (end = start) and that token is
 * its text. A comma is a decimal separator too (Audacity reads both; versions before 2.x wrote
 * the locale's). A following line `\<TAB>low_hz<TAB>high_hz` gives the label's frequencies
 * (-1 = not set); further `\` lines are ignored, as Audacity does. Tokens after the label
 * (BirdNET-Analyzer writes its confidence there) are kept as fields `column4`, `column5`...
 * Point labels are kept as points (start == end): extraction has to refuse or widen them.
 */
export function readAudacity(grid: Grid, context: ReadContext): LabelTable {
  const { file } = context;
  // Per row, its record and its frequency line's (-1: none); none kept when every record is a row.
  const labelRecords = new Uint32Array(grid.count);
  const frequencyRecords = new Int32Array(grid.count).fill(-1);
  let count = 0;
  let owner = -1;
  const notes = new RecordingNotes();
  for (let record = 0; record < grid.count; record++) {
    const tokens = tokensOf(grid, record);
    const line = grid.line(record);
    if (tokens[0]!.trim().startsWith("\\")) {
      if (owner === -1) {
        if (count === 0) {
          throw new LabelError("bad-number", `a frequency line (\\) before any label`, { file, row: line });
        }
        continue; // a further continuation line, ignored as Audacity does
      }
      if (tokens[0]!.trim() !== "\\" || tokens.length < 3) {
        throw new LabelError("bad-number", `a frequency line must be \\<TAB>low_hz<TAB>high_hz`, { file, row: line });
      }
      frequency(tokens[1]!, file, line, "low_hz");
      frequency(tokens[2]!, file, line, "high_hz");
      frequencyRecords[owner] = record;
      owner = -1;
      continue;
    }
    notes.note(labelRow(tokens, file, line));
    labelRecords[count] = record;
    owner = count;
    count += 1;
  }
  const row = (i: number): LabelRow => {
    const labelRecord = labelRecords[i]!;
    const row = labelRow(tokensOf(grid, labelRecord), file, grid.line(labelRecord));
    const frequencyRecord = frequencyRecords[i]!;
    if (frequencyRecord !== -1) {
      const tokens = tokensOf(grid, frequencyRecord);
      const line = grid.line(frequencyRecord);
      const [low, high] = [frequency(tokens[1]!, file, line, "low_hz"), frequency(tokens[2]!, file, line, "high_hz")];
      row.fields.lowHz = tokens[1]!;
      row.fields.highHz = tokens[2]!;
      if (low !== undefined) row.lowHz = low;
      if (high !== undefined) row.highHz = high;
    }
    return row;
  };
  return {
    format: "audacity",
    file,
    columns: [],
    labelColumn: "label",
    mappedColumns: ["start", "end", "label", "lowHz", "highHz"],
    rows: context.rows({ length: count, row, ...notes.facts }),
  };
}

/** A record's tokens: its cells, empty ones skipped (Audacity's importer skips empty tokens). */
function tokensOf(grid: Grid, record: number): string[] {
  const cells = grid.split(record);
  const tokens: string[] = [];
  for (let k = 0; k < cells; k++) {
    const cell = grid.cell(k);
    if (cell !== "") tokens.push(cell);
  }
  return tokens;
}

/** The row of a label line (a point when its second token is not a number). */
function labelRow(tokens: string[], file: string, line: number): LabelRow {
  const place = (column: string) => ({ file, row: line, column });
  const start = secondsCell(tokens[0]!, place("start"), { comma: true });
  const second = tokens[1] === undefined ? undefined : parseDecimal(tokens[1], { comma: true });
  const end = second === undefined ? start : secondsCell(tokens[1]!, place("end"), { comma: true });
  checkOrder(start, end, place("end"));
  const labelAt = second === undefined ? 1 : 2;
  const fields: [string, string][] = [["start", tokens[0]!]];
  if (second !== undefined) fields.push(["end", tokens[1]!]);
  fields.push(["label", tokens[labelAt] ?? ""]);
  tokens.slice(labelAt + 1).forEach((token, i) => {
    fields.push([`column${labelAt + 2 + i}`, token]);
  });
  return {
    row: line,
    start: { seconds: formatDecimal(start) },
    end: { seconds: formatDecimal(end) },
    label: tokens[labelAt] ?? "",
    fields: Object.fromEntries(fields),
  };
}

function frequency(token: string, file: string, line: number, column: string): number | undefined {
  const value = parseDecimal(token, { comma: true });
  if (value === undefined)
    throw new LabelError("bad-number", `${JSON.stringify(token)} is not a frequency in Hz`, {
      file,
      row: line,
      column,
    });
  const hz = Number(formatDecimal(value));
  if (hz === UNDEFINED_FREQUENCY) return undefined;
  if (hz < 0) throw new LabelError("bad-number", `${token} Hz is negative`, { file, row: line, column });
  return hz;
}

/**
 * An Audacity label track: `start<TAB>end<TAB>label` (an empty label leaves the trailing tab,
 * as Audacity writes it), and a `\<TAB>low<TAB>high` line when a frequency is known (-1 for a
 * bound that is not). Read from an Audacity table, its extra tokens (`column4`...) follow the
 * label again; other columns have no place in this format.
 */
export function* writeAudacity(context: WriteContext): Generator<string> {
  context.oneRecording("an Audacity label track");
  for (let i = 0; i < context.count; i++) {
    const row = context.row(i);
    const cells = [
      context.secondsText(row.start, row, "start"),
      context.secondsText(row.end, row, "end"),
      row.label ?? "",
    ];
    if (context.sourceFormat === "audacity") {
      for (const [name, value] of Object.entries(row.fields)) if (/^column\d+$/.test(name)) cells.push(value);
    }
    yield tsvLine(cells, context, row, ["start", "end", "label"]);
    if (row.lowHz !== undefined || row.highHz !== undefined) {
      yield `\\\t${String(row.lowHz ?? UNDEFINED_FREQUENCY)}\t${String(row.highHz ?? UNDEFINED_FREQUENCY)}`;
    }
  }
}
