import { checkOrder, secondsCell } from "../cells.ts";
import { formatDecimal } from "../decimal.ts";
import { LabelError } from "../errors.ts";
import { type GridRecord, Header } from "../grid.ts";
import type { LabelRow, LabelTable } from "../row.ts";
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
export function readBirdnetCsv(records: GridRecord[], context: ReadContext): LabelTable {
  const { file } = context;
  const header = new Header(records[0]!, file);
  const start = header.find(START);
  const end = header.find(END);
  if (start === undefined || end === undefined) {
    throw new LabelError("missing-column", `a BirdNET CSV needs "${START}" and "${END}"`, { file, row: header.line });
  }
  const fileColumn = header.find(FILE);
  const labelColumn = context.labelColumn(header, [COMMON, SCIENTIFIC]);
  const rows = records.slice(1).map((record): LabelRow => {
    const fields = header.fields(record);
    const at = (column: string) => ({ file, row: record.line, column });
    const startSeconds = secondsCell(fields[start]!, at(start));
    const endSeconds = secondsCell(fields[end]!, at(end));
    checkOrder(startSeconds, endSeconds, at(end));
    const row: LabelRow = {
      row: record.line,
      start: { seconds: formatDecimal(startSeconds) },
      end: { seconds: formatDecimal(endSeconds) },
      fields,
    };
    const path = fileColumn === undefined ? "" : fields[fileColumn]!.trim();
    if (path !== "") row.recording = { file: baseName(path), path };
    if (labelColumn !== undefined) row.label = fields[labelColumn]!;
    return row;
  });
  return {
    format: "birdnet-csv",
    file,
    columns: header.names,
    ...(labelColumn === undefined ? {} : { labelColumn }),
    mappedColumns: [start, end, fileColumn, labelColumn].filter((c): c is string => c !== undefined),
    rows,
  };
}

/** BirdNET-Analyzer's CSV layout: the label as `Common name`, the path as `File`, other columns carried over. */
export function writeBirdnetCsv(context: WriteContext): string {
  context.fileNamesWhereSeveral("BirdNET's CSV", FILE);
  const columns = [START, END, SCIENTIFIC, COMMON, CONFIDENCE, FILE];
  const extras = context.extraColumns(columns);
  const lines = [csvLine([...columns, ...extras])];
  for (const row of context.rows) {
    const cells = [
      formatDecimal(context.seconds(row.start, row, "start")),
      formatDecimal(context.seconds(row.end, row, "end")),
      context.field(row, SCIENTIFIC),
      row.label ?? "",
      context.field(row, CONFIDENCE),
      row.recording?.path ?? row.recording?.file ?? "",
      ...extras.map((extra) => context.field(row, extra)),
    ];
    lines.push(csvLine(cells));
  }
  return `${lines.join("\n")}\n`;
}
