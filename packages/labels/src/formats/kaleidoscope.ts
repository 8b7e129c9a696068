import { channelCell, secondsCell } from "../cells.ts";
import { addDecimal, formatDecimal, subtractDecimal } from "../decimal.ts";
import { LabelError } from "../errors.ts";
import { type GridRecord, Header } from "../grid.ts";
import type { LabelRow, LabelTable, RecordingRef } from "../row.ts";
import { baseName, csvLine, type WriteContext } from "../write-context.ts";
import type { ReadContext } from "./read-context.ts";

const INDIR = "INDIR";
const FOLDER = "FOLDER";
const IN_FILE = "IN FILE";
const CHANNEL = "CHANNEL";
const OFFSET = "OFFSET";
const DURATION = "DURATION";
const MANUAL_ID = "MANUAL ID";
/** Where a label comes from, per row, first non-empty wins: a reviewer's ID, the classifier's, BirdNET's names. */
const LABEL_COLUMNS = [MANUAL_ID, "MANUAL ID*", "AUTO ID*", "AUTO ID", "common_name", "TOP1MATCH", "scientific_name"];

/**
 * Kaleidoscope CSV (`id.csv`): one row per detection, `IN FILE` in folder `INDIR`/`FOLDER`,
 * `OFFSET` seconds into the file for `DURATION` seconds (end = OFFSET + DURATION, exactly),
 * `CHANNEL` counted from 0 (0 = left). The label is `MANUAL ID` when a reviewer set one, else
 * `AUTO ID*` (BirdNET-Analyzer's Kaleidoscope output: `common_name`, else `scientific_name`).
 * `DATE`/`TIME` (the recording's local start) and the call measurements are kept as fields.
 */
export function readKaleidoscope(records: GridRecord[], context: ReadContext): LabelTable {
  const { file } = context;
  const header = new Header(records[0]!, file);
  const inFile = header.find(IN_FILE);
  const offset = header.find(OFFSET);
  const duration = header.find(DURATION);
  if (inFile === undefined || offset === undefined || duration === undefined) {
    throw new LabelError("missing-column", `a Kaleidoscope CSV needs "${IN_FILE}", "${OFFSET}" and "${DURATION}"`, {
      file,
      row: header.line,
    });
  }
  const indir = header.find(INDIR);
  const folder = header.find(FOLDER);
  const channel = header.find(CHANNEL);
  const asked = context.labelColumn(header, []);
  const labelColumns =
    asked === undefined ? LABEL_COLUMNS.map((c) => header.find(c)).filter((c) => c !== undefined) : [asked];
  const rows = records.slice(1).map((record): LabelRow => {
    const fields = header.fields(record);
    const at = (column: string) => ({ file, row: record.line, column });
    const start = secondsCell(fields[offset]!, at(offset));
    const length = secondsCell(fields[duration]!, at(duration));
    const row: LabelRow = {
      row: record.line,
      start: { seconds: formatDecimal(start) },
      end: { seconds: formatDecimal(addDecimal(start, length)) },
      fields,
    };
    const name = fields[inFile]!.trim();
    const recording: RecordingRef = {};
    if (name !== "") {
      recording.file = name;
      const path = joinPath([
        indir === undefined ? "" : fields[indir]!,
        folder === undefined ? "" : fields[folder]!,
        name,
      ]);
      // A path only when INDIR or FOLDER says more than the file name.
      if (path !== name) recording.path = path;
    }
    if (Object.keys(recording).length > 0) row.recording = recording;
    const ch = channel === undefined ? undefined : channelCell(fields[channel]!, at(channel), 0);
    if (ch !== undefined) row.channel = ch;
    const labelFrom = labelColumns.find((column) => fields[column!]!.trim() !== "");
    if (labelFrom !== undefined) row.label = fields[labelFrom]!;
    else if (labelColumns.length > 0) row.label = "";
    return row;
  });
  const mapped = [indir, folder, inFile, channel, offset, duration, header.find(MANUAL_ID, "MANUAL ID*"), asked];
  return {
    format: "kaleidoscope",
    file,
    columns: header.names,
    ...(asked === undefined ? {} : { labelColumn: asked }),
    mappedColumns: mapped.filter((c): c is string => c !== undefined),
    rows,
  };
}

/** Joins INDIR, FOLDER and IN FILE with the separator INDIR uses (Kaleidoscope runs on Windows and macOS). */
function joinPath(parts: string[]): string {
  const trimmed = parts.map((p) => p.trim()).filter((p) => p !== "");
  const separator = trimmed.some((p) => p.includes("\\")) && !trimmed.some((p) => p.includes("/")) ? "\\" : "/";
  return trimmed.map((p, i) => (i < trimmed.length - 1 ? p.replace(/[\\/]+$/, "") : p)).join(separator);
}

/**
 * A Kaleidoscope CSV: `INDIR,FOLDER,IN FILE,CHANNEL,OFFSET,DURATION`, carried-over columns
 * (`AUTO ID*`, `DATE`, measurements...), and the label as `MANUAL ID`, left empty when it is
 * just the row's `AUTO ID*`, so that a table read and written stays as it was.
 */
export function writeKaleidoscope(context: WriteContext): string {
  const columns = [INDIR, FOLDER, IN_FILE, CHANNEL, OFFSET, DURATION];
  const extras = context.extraColumns([...columns, MANUAL_ID, "MANUAL ID*"]);
  const lines = [csvLine([...columns, ...extras, MANUAL_ID])];
  for (const row of context.rows) {
    const start = context.seconds(row.start, row, "start");
    const end = context.seconds(row.end, row, "end");
    const name = row.recording?.file ?? (row.recording?.path === undefined ? undefined : baseName(row.recording.path));
    if (name === undefined) {
      throw new LabelError("unrepresentable", `a Kaleidoscope row needs its recording's file name (IN FILE)`, {
        file: context.file,
        row: row.row,
      });
    }
    const [indir, folder] = folders(row, name, context);
    const auto = ["AUTO ID*", "AUTO ID"].find((column) => context.hasField(row, column));
    const manualWasEmpty =
      context.field(row, MANUAL_ID).trim() === "" && context.field(row, "MANUAL ID*").trim() === "";
    const label = row.label ?? "";
    const manual = auto !== undefined && manualWasEmpty && context.field(row, auto) === label ? "" : label;
    const cells = [
      indir,
      folder,
      name,
      row.channel === undefined ? "" : String(row.channel),
      formatDecimal(start),
      formatDecimal(subtractDecimal(end, start)),
      ...extras.map((extra) => context.field(row, extra)),
      manual,
    ];
    lines.push(csvLine(cells));
  }
  return `${lines.join("\n")}\n`;
}

/** INDIR and FOLDER: the row's own when they still make its path, else the path's directory. */
function folders(row: LabelRow, name: string, context: WriteContext): [string, string] {
  const path = row.recording?.path;
  const indir = context.field(row, INDIR);
  const folder = context.field(row, FOLDER);
  if (path === undefined) return [indir, folder];
  if (joinPath([indir, folder, name]) === path) return [indir, folder];
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return [cut === -1 ? "" : path.slice(0, cut), ""];
}
