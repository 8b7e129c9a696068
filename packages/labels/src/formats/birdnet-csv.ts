import { checkOrder, secondsCell } from "../cells.ts";
import { formatDecimal } from "../decimal.ts";
import { LabelError } from "../errors.ts";
import { compareFixed, formatFixed, plainDecimal } from "../fast-decimal.ts";
import { type Grid, Header, NO_FIELDS } from "../grid.ts";
import type { LabelRow, LabelTable } from "../row.ts";
import { RecordingNotes } from "../row-view.ts";
import { baseName, csvLine, type WriteContext } from "../write-context.ts";
import type { ReadContext } from "./read-context.ts";

const START = "Start (s)";
const END = "End (s)";
const SCIENTIFIC = "Scientific name";
const COMMON = "Common name";
const CONFIDENCE = "Confidence";
const FILE = "File";

/**
 * BirdNET-Analyzer's CSV (`--rtype csv`): `Start (s),End (s),Scientific name,Common name,
 * Confidence,File` (the `File` column since 1.x; optional extra columns such as `lat,lon,week`).
 * `File` is the audio path BirdNET analysed. The label is the common name, as BirdNET's own
 * segments tool takes it (else the scientific name). The last window may run past the end of
 * the file (BirdNET pads it): such rows are kept; the caller decides to clip or skip them.
 */
export function readBirdnetCsv(grid: Grid, context: ReadContext): LabelTable {
  const { file } = context;
  const header = new Header(grid, 0);
  const start = header.find(START);
  const end = header.find(END);
  if (start === undefined || end === undefined) {
    throw new LabelError("missing-column", `a BirdNET CSV needs "${START}" and "${END}"`, { file, row: header.line });
  }
  const fileColumn = header.find(FILE);
  const labelColumn = context.labelColumn(header, [COMMON, SCIENTIFIC]);
  const at = { start: header.index(start), end: header.index(end) };
  const fileAt = header.index(fileColumn);
  const labelAt = header.index(labelColumn);
  /** Row `i` (record i + 1); without its fields when only checked. */
  const decode = (i: number, withFields: boolean): LabelRow => {
    const line = header.open(i + 1);
    const startText = grid.cell(at.start);
    const endText = grid.cell(at.end);
    let startSeconds: string;
    let endSeconds: string;
    const fastStart = plainDecimal(startText);
    const fastEnd = fastStart === undefined ? undefined : plainDecimal(endText);
    if (fastStart !== undefined && fastEnd !== undefined && compareFixed(fastEnd, fastStart)! >= 0) {
      startSeconds = formatFixed(fastStart);
      endSeconds = formatFixed(fastEnd);
    } else {
      const place = (column: string) => ({ file, row: line, column });
      const exactStart = secondsCell(startText, place(start));
      const exactEnd = secondsCell(endText, place(end));
      checkOrder(exactStart, exactEnd, place(end));
      startSeconds = formatDecimal(exactStart);
      endSeconds = formatDecimal(exactEnd);
    }
    const row: LabelRow = {
      row: line,
      start: { seconds: startSeconds },
      end: { seconds: endSeconds },
      fields: withFields ? header.fields() : NO_FIELDS,
    };
    const path = fileAt === -1 ? "" : grid.cell(fileAt).trim();
    if (path !== "") row.recording = { file: baseName(path), path };
    if (labelAt !== -1) row.label = grid.cell(labelAt);
    return row;
  };
  const notes = new RecordingNotes();
  for (let i = 0; i < grid.count - 1; i++) notes.note(decode(i, false));
  return {
    format: "birdnet-csv",
    file,
    columns: header.names,
    ...(labelColumn === undefined ? {} : { labelColumn }),
    mappedColumns: [start, end, fileColumn, labelColumn].filter((c): c is string => c !== undefined),
    rows: context.headerRows(grid.count - 1, header, decode, notes),
  };
}

/** BirdNET-Analyzer's CSV layout: the label as `Common name`, the path as `File`, other columns carried over. */
export function* writeBirdnetCsv(context: WriteContext): Generator<string> {
  context.fileNamesWhereSeveral("BirdNET's CSV", FILE);
  const columns = [START, END, SCIENTIFIC, COMMON, CONFIDENCE, FILE];
  const extras = context.extraColumns(columns);
  yield csvLine([...columns, ...extras]);
  for (let i = 0; i < context.count; i++) {
    const row = context.row(i);
    const cells = [
      context.secondsText(row.start, row, "start"),
      context.secondsText(row.end, row, "end"),
      context.field(row, SCIENTIFIC),
      row.label ?? "",
      context.field(row, CONFIDENCE),
      row.recording?.path ?? row.recording?.file ?? "",
      ...extras.map((extra) => context.field(row, extra)),
    ];
    yield csvLine(cells);
  }
}
