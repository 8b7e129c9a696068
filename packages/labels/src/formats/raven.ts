import { channelCell, checkOrder, hertzCell, secondsCell } from "../cells.ts";
import {
  addDecimal,
  type Decimal,
  decimalFromNumber,
  formatDecimal,
  parseDecimal,
  subtractDecimal,
} from "../decimal.ts";
import { LabelError } from "../errors.ts";
import { type GridRecord, Header } from "../grid.ts";
import type { LabelRow, LabelTable, RecordingRef } from "../row.ts";
import { baseName, tsvLine, type WriteContext } from "../write-context.ts";
import type { ReadContext } from "./read-context.ts";

/** Annotation columns taken as the label when none is asked for, first found wins. */
export const RAVEN_LABEL_COLUMNS = [
  "Annotation",
  "Label",
  "Species",
  "Common Name",
  "Class",
  "Species Code",
  "Call Type",
  "Sound Type",
  "Type",
];

const BEGIN = "Begin Time (s)";
const END = "End Time (s)";
const DELTA = "Delta Time (s)";
const LOW = "Low Freq (Hz)";
const HIGH = "High Freq (Hz)";
const BEGIN_FILE = "Begin File";
const END_FILE = "End File";
const OFFSET = "File Offset (s)";
const BEGIN_PATH = "Begin Path";

interface Candidate {
  row: LabelRow;
  preferred: boolean;
}

/**
 * Raven Pro selection tables (tab-separated with a header). One selection may be listed once
 * per view (`Waveform 1`, `Spectrogram 1`) with the same `Selection` number: that is ONE label,
 * whose rows must agree on its box (times, frequencies, files, label); measurement columns may
 * differ by view, and the fields kept are those of its first spectrogram view. A selection on
 * several channels is one label per channel. Positions: `File Offset (s)` when the table has
 * it, with the end at `File Offset + (End Time - Begin Time)` (exactly), since in a table over
 * several files `Begin Time (s)` counts from the start of the first file; else `Begin Time (s)`,
 * which a table over one file counts from that file's start. A table that names several files
 * without `File Offset (s)` cannot place its boxes and is refused.
 */
export function readRaven(records: GridRecord[], context: ReadContext): LabelTable {
  const { file } = context;
  const header = new Header(records[0]!, file);
  const col = {
    selection: header.find("Selection"),
    view: header.find("View"),
    channel: header.find("Channel"),
    begin: header.find(BEGIN),
    end: header.find(END),
    delta: header.find(DELTA),
    low: header.find(LOW),
    high: header.find(HIGH),
    beginFile: header.find(BEGIN_FILE),
    endFile: header.find(END_FILE),
    offset: header.find(OFFSET),
    beginPath: header.find(BEGIN_PATH),
  };
  if (col.begin === undefined || (col.end === undefined && col.delta === undefined)) {
    throw new LabelError(
      "missing-column",
      `a Raven selection table needs "${BEGIN}" and "${END}" (or "${DELTA}"); it has ${header.names.join(", ")}`,
      { file, row: header.line },
    );
  }
  const labelColumn = context.labelColumn(header, RAVEN_LABEL_COLUMNS);
  const body = records.slice(1);
  const fieldsOf = body.map((record) => header.fields(record));

  // Which file each row is in; several files without File Offset cannot be placed.
  const fileOf = (fields: Record<string, string>) => {
    const name = col.beginFile === undefined ? "" : fields[col.beginFile]!.trim();
    if (name !== "") return name;
    const path = pathOf(fields);
    return path === "" ? undefined : baseName(path);
  };
  const pathOf = (fields: Record<string, string>) => (col.beginPath === undefined ? "" : fields[col.beginPath]!.trim());
  // A file is its path where the table has one: recorders name files by their start time, so
  // two sites' files of one moment share a name (SMM07257_20250416_053000.wav) in two folders.
  const fileKeyOf = (fields: Record<string, string>) => {
    const path = pathOf(fields);
    return path === "" ? fileOf(fields) : path;
  };
  const files = new Set(fieldsOf.map(fileKeyOf).filter((f) => f !== undefined));
  const multiFile = files.size > 1;
  if (multiFile && col.offset === undefined) {
    const first = fileKeyOf(fieldsOf[0]!);
    const at = fieldsOf.findIndex((fields) => fileKeyOf(fields) !== first);
    throw new LabelError(
      "needs-file-offset",
      `the table lists boxes in several files (${[...files].slice(0, 3).join(", ")}${files.size > 3 ? ", ..." : ""}) without "${OFFSET}", so their times count from the first file and cannot be placed in their own files; add the File Offset measurement in Raven`,
      { file, row: body[at]!.line, column: col.beginFile ?? col.beginPath },
    );
  }

  const candidates = body.map((record, i): Candidate => {
    const fields = fieldsOf[i]!;
    const at = (column: string | undefined) => ({ file, row: record.line, column });
    const begin = secondsCell(fields[col.begin!]!, at(col.begin));
    let duration: Decimal;
    if (col.end !== undefined && fields[col.end]!.trim() !== "") {
      const end = secondsCell(fields[col.end]!, at(col.end));
      checkOrder(begin, end, at(col.end));
      duration = subtractDecimal(end, begin);
    } else {
      const deltaColumn = col.delta ?? col.end!;
      duration = secondsCell(fields[deltaColumn]!, at(deltaColumn));
    }
    let start = begin;
    const offsetText = col.offset === undefined ? "" : fields[col.offset]!;
    if (offsetText.trim() !== "") start = secondsCell(offsetText, at(col.offset));
    else if (multiFile) secondsCell(offsetText, at(col.offset)); // throws: an empty offset
    const startSeconds = formatDecimal(start);
    const endSeconds = formatDecimal(addDecimal(start, duration));
    const row: LabelRow = { row: record.line, start: { seconds: startSeconds }, end: { seconds: endSeconds }, fields };
    const recording: RecordingRef = {};
    const path = pathOf(fields);
    const name = fileOf(fields);
    if (name !== undefined) recording.file = name;
    if (path !== "") recording.path = path;
    if (Object.keys(recording).length > 0) row.recording = recording;
    const channel = col.channel === undefined ? undefined : channelCell(fields[col.channel]!, at(col.channel), 1);
    if (channel !== undefined) row.channel = channel;
    const lowHz = col.low === undefined ? undefined : hertzCell(fields[col.low]!, at(col.low));
    const highHz = col.high === undefined ? undefined : hertzCell(fields[col.high]!, at(col.high));
    if (lowHz !== undefined) row.lowHz = lowHz;
    if (highHz !== undefined) row.highHz = highHz;
    if (labelColumn !== undefined) row.label = fields[labelColumn]!;
    const view = col.view === undefined ? "" : fields[col.view]!.trim().toLowerCase();
    return { row, preferred: view.startsWith("spectrogram") };
  });
  // Values that every view of one selection must share, by column: built only for the rows
  // of a selection listed more than once (tables of millions of rows hold no copies of them).
  const identity = ({ row }: Candidate): [string, string][] => [
    [col.offset ?? col.begin!, (row.start as { seconds: string }).seconds],
    [col.end ?? col.delta!, (row.end as { seconds: string }).seconds],
    [col.low ?? LOW, String(row.lowHz)],
    [col.high ?? HIGH, String(row.highHz)],
    [col.beginFile ?? BEGIN_FILE, row.recording?.file ?? ""],
    [col.beginPath ?? BEGIN_PATH, row.recording?.path ?? ""],
    [col.endFile ?? END_FILE, col.endFile === undefined ? "" : row.fields[col.endFile]!.trim()],
    [labelColumn ?? "label", row.label ?? ""],
  ];

  // One label per (Selection, Channel): the views of a selection must agree on the box.
  const bySelection = new Map<string, { first: Candidate; chosen: Candidate }>();
  const order: { first: Candidate; chosen: Candidate }[] = [];
  for (const candidate of candidates) {
    const selection = col.selection === undefined ? "" : candidate.row.fields[col.selection]!.trim();
    if (selection === "") {
      order.push({ first: candidate, chosen: candidate });
      continue;
    }
    const key = `${selection}\u0000${candidate.row.channel ?? ""}`;
    const group = bySelection.get(key);
    if (group === undefined) {
      const entry = { first: candidate, chosen: candidate };
      bySelection.set(key, entry);
      order.push(entry);
      continue;
    }
    const firstIdentity = identity(group.first);
    identity(candidate).forEach(([column, value], i) => {
      const [, firstValue] = firstIdentity[i]!;
      if (value !== firstValue) {
        throw new LabelError(
          "views-disagree",
          `selection ${selection} is listed on rows ${group.first.row.row} and ${candidate.row.row} (one per view) with different values: ${JSON.stringify(firstValue)} and ${JSON.stringify(value)}`,
          { file, row: candidate.row.row, column },
        );
      }
    });
    if (candidate.preferred && !group.chosen.preferred) group.chosen = candidate;
  }
  const rows = order.map(({ first, chosen }) => (chosen === first ? first.row : { ...chosen.row, row: first.row.row }));
  const mapped = [col.begin, col.end, col.delta, col.offset, col.low, col.high, col.channel];
  mapped.push(col.beginFile, col.beginPath, col.selection, col.view, labelColumn);
  return {
    format: "raven",
    file,
    columns: header.names,
    ...(labelColumn === undefined ? {} : { labelColumn }),
    mappedColumns: mapped.filter((c): c is string => c !== undefined),
    rows,
  };
}

/**
 * A Raven selection table: one row per label (view `Spectrogram 1`), Channel counted from 1,
 * the label in `labelColumn` (default "Annotation"), annotation columns carried over. With
 * files known, `Begin File`, `File Offset (s)` and `Begin Path` locate each box in its file;
 * over several recordings `Begin Time (s)` counts from the first file's start, which needs
 * the `tableStart` option.
 */
export function writeRaven(context: WriteContext): string {
  const { rows } = context;
  const recordings = context.recordings();
  const severalRecordings = recordings.length > 1;
  const withFiles = rows.some((row) => row.recording?.file !== undefined || row.recording?.path !== undefined);
  const withPaths = rows.some((row) => row.recording?.path !== undefined);
  // Read back, a table over several files places each box by its Begin File and File Offset.
  context.fileNamesWhereSeveral("a Raven table", BEGIN_FILE);
  const labelColumn = context.labelColumn("raven", "Annotation");
  const withLabels = rows.some((row) => row.label !== undefined);
  const columns = ["Selection", "View", "Channel", BEGIN, END, LOW, HIGH];
  if (withFiles) columns.push(BEGIN_FILE, OFFSET);
  if (withPaths) columns.push(BEGIN_PATH);
  // Raven's own columns are never carried over from another table's fields: read back, a
  // carried "File Offset (s)" or "Begin File" would place its row somewhere else.
  const extras = context.extraColumns([...columns, END_FILE, DELTA, labelColumn], [BEGIN_FILE, OFFSET, BEGIN_PATH]);
  const header = [...columns, ...extras, ...(withLabels ? [labelColumn] : [])];
  const numbers = selectionNumbers(context);
  const lines = [tsvLine(header, context, undefined, header)];
  rows.forEach((row, i) => {
    const start = context.seconds(row.start, row, "start");
    const end = context.seconds(row.end, row, "end");
    let tableStart: Decimal = { units: 0n, scale: 0 };
    if (severalRecordings) {
      const given = context.options.tableStart?.(row.recording ?? {});
      const parsed =
        typeof given === "number" ? decimalFromNumber(given) : given === undefined ? undefined : parseDecimal(given);
      if (parsed === undefined) {
        throw new LabelError(
          "unrepresentable",
          `the rows are in ${recordings.length} recordings; a Raven table over several files counts Begin Time from the first file's start, so give tableStart (where each recording starts in the table) or write one table per recording`,
          { file: context.file, row: row.row },
        );
      }
      tableStart = parsed;
    }
    const cells = [
      numbers[i]!,
      "Spectrogram 1",
      String((row.channel ?? 0) + 1),
      formatDecimal(addDecimal(tableStart, start)),
      formatDecimal(addDecimal(tableStart, end)),
      row.lowHz === undefined ? "" : String(row.lowHz),
      row.highHz === undefined ? "" : String(row.highHz),
    ];
    if (withFiles) {
      const name = row.recording?.file ?? (row.recording?.path === undefined ? "" : baseName(row.recording.path));
      cells.push(name, formatDecimal(start));
    }
    if (withPaths) cells.push(row.recording?.path ?? "");
    for (const extra of extras) cells.push(context.field(row, extra));
    if (withLabels) cells.push(row.label ?? "");
    lines.push(tsvLine(cells, context, row, header));
  });
  return `${lines.join("\n")}\n`;
}

/** The rows' own Selection numbers when they are whole numbers unique per channel, else 1, 2, 3... */
function selectionNumbers(context: WriteContext): string[] {
  const own = context.rows.map((row) => context.field(row, "Selection").trim());
  const seen = new Set<string>();
  const usable = own.every((number, i) => {
    const key = `${number}\u0000${context.rows[i]!.channel ?? 0}`;
    if (!/^[1-9]\d*$/.test(number) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return usable ? own : context.rows.map((_, i) => String(i + 1));
}
