import { channelCell, secondsCell } from "../cells.ts";
import { addDecimal, formatDecimal, subtractDecimal } from "../decimal.ts";
import { LabelError } from "../errors.ts";
import { addFixed, formatFixed, plainDecimal } from "../fast-decimal.ts";
import { type Grid, Header, NO_FIELDS } from "../grid.ts";
import type { LabelRow, LabelTable, RecordingRef } from "../row.ts";
import { RecordingNotes } from "../row-view.ts";
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
export function readKaleidoscope(grid: Grid, context: ReadContext): LabelTable {
  const { file } = context;
  const header = new Header(grid, 0);
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
  const at = {
    inFile: header.index(inFile),
    offset: header.index(offset),
    duration: header.index(duration),
    indir: header.index(indir),
    folder: header.index(folder),
    channel: header.index(channel),
  };
  const labelsAt = labelColumns.map((column) => header.index(column));
  /** Row `i` (record i + 1); without its fields when only checked. */
  const decode = (i: number, withFields: boolean): LabelRow => {
    const line = header.open(i + 1);
    const place = (column: string) => ({ file, row: line, column });
    const offsetText = grid.cell(at.offset);
    const durationText = grid.cell(at.duration);
    let startSeconds: string | undefined;
    let endSeconds: string | undefined;
    const fastStart = plainDecimal(offsetText);
    const fastLength = fastStart === undefined ? undefined : plainDecimal(durationText);
    const fastEnd = fastLength === undefined ? undefined : addFixed(fastStart!, fastLength);
    if (fastEnd !== undefined) {
      startSeconds = formatFixed(fastStart!);
      endSeconds = formatFixed(fastEnd);
    } else {
      const start = secondsCell(offsetText, place(offset));
      const length = secondsCell(durationText, place(duration));
      startSeconds = formatDecimal(start);
      endSeconds = formatDecimal(addDecimal(start, length));
    }
    const row: LabelRow = {
      row: line,
      start: { seconds: startSeconds },
      end: { seconds: endSeconds },
      fields: withFields ? header.fields() : NO_FIELDS,
    };
    const name = grid.cell(at.inFile).trim();
    const recording: RecordingRef = {};
    if (name !== "") {
      recording.file = name;
      const path = joinPath([
        at.indir === -1 ? "" : grid.cell(at.indir),
        at.folder === -1 ? "" : grid.cell(at.folder),
        name,
      ]);
      // A path only when INDIR or FOLDER says more than the file name.
      if (path !== name) recording.path = path;
    }
    if (Object.keys(recording).length > 0) row.recording = recording;
    const ch = at.channel === -1 ? undefined : channelCell(grid.cell(at.channel), place(channel!), 0);
    if (ch !== undefined) row.channel = ch;
    const labelFrom = labelsAt.find((column) => grid.cell(column).trim() !== "");
    if (labelFrom !== undefined) row.label = grid.cell(labelFrom);
    else if (labelsAt.length > 0) row.label = "";
    return row;
  };
  const notes = new RecordingNotes();
  for (let i = 0; i < grid.count - 1; i++) notes.note(decode(i, false));
  const mapped = [indir, folder, inFile, channel, offset, duration, header.find(MANUAL_ID, "MANUAL ID*"), asked];
  return {
    format: "kaleidoscope",
    file,
    columns: header.names,
    ...(asked === undefined ? {} : { labelColumn: asked }),
    mappedColumns: mapped.filter((c): c is string => c !== undefined),
    rows: context.headerRows(grid.count - 1, header, decode, notes),
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
export function* writeKaleidoscope(context: WriteContext): Generator<string> {
  const columns = [INDIR, FOLDER, IN_FILE, CHANNEL, OFFSET, DURATION];
  const extras = context.extraColumns([...columns, MANUAL_ID, "MANUAL ID*"]);
  yield csvLine([...columns, ...extras, MANUAL_ID]);
  for (let i = 0; i < context.count; i++) {
    const row = context.row(i);
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
    yield csvLine(cells);
  }
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
