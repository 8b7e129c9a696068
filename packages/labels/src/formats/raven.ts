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
import { addFixed, type Fixed, formatFixed, plainDecimal, plainWhole, subtractFixed } from "../fast-decimal.ts";
import { type Grid, Header, NO_FIELDS } from "../grid.ts";
import type { LabelRow, LabelTable, RecordingRef } from "../row.ts";
import { RecordingNotes } from "../row-view.ts";
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
export function readRaven(grid: Grid, context: ReadContext): LabelTable {
  const { file } = context;
  const header = new Header(grid, 0);
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
  const at = {
    selection: header.index(col.selection),
    view: header.index(col.view),
    channel: header.index(col.channel),
    begin: header.index(col.begin),
    end: header.index(col.end),
    delta: header.index(col.delta),
    low: header.index(col.low),
    high: header.index(col.high),
    beginFile: header.index(col.beginFile),
    endFile: header.index(col.endFile),
    offset: header.index(col.offset),
    beginPath: header.index(col.beginPath),
    label: header.index(labelColumn),
  };
  // Cells of the record the grid split last.
  const cell = (k: number) => (k === -1 ? "" : grid.cell(k));
  const pathOf = () => cell(at.beginPath).trim();
  const fileOf = (path: string) => {
    const name = cell(at.beginFile).trim();
    if (name !== "") return name;
    return path === "" ? undefined : baseName(path);
  };
  // A file is its path where the table has one: recorders name files by their start time, so
  // two sites' files of one moment share a name (SMM07257_20250416_053000.wav) in two folders.
  const fileKeyOf = () => {
    const path = pathOf();
    return path === "" ? fileOf(path) : path;
  };

  /** Whether the rows are in several files: known once every row is read (below). */
  let multiFile = false;
  /** While checking: the first record whose File Offset is empty once its times are read (an error if the rows are in several files). */
  let blankOffset = -1;
  let checking = true;

  /** Whether the record `decode` read last is in a spectrogram view (its fields are the ones kept). */
  let preferred = false;
  /** The row of a record (a candidate: one view of a selection); without its fields when only checked. */
  const decode = (record: number, withFields: boolean): LabelRow => {
    grid.split(record);
    const line = grid.line(record);
    const beginText = grid.cell(at.begin);
    const endText = cell(at.end);
    const endGiven = at.end !== -1 && endText.trim() !== "";
    const offsetText = cell(at.offset);
    const offsetGiven = offsetText.trim() !== "";
    let startSeconds: string | undefined;
    let endSeconds: string | undefined;
    // Plain decimals (almost every row): the same answer without BigInt; anything else, or a
    // problem to name, takes the exact path below.
    const begin = plainDecimal(beginText);
    if (begin !== undefined) {
      let duration: Fixed | undefined;
      if (endGiven) {
        const end = plainDecimal(endText);
        duration = end === undefined ? undefined : subtractFixed(end, begin);
      } else duration = plainDecimal(cell(at.delta === -1 ? at.end : at.delta));
      const start = offsetGiven ? plainDecimal(offsetText) : multiFile ? undefined : begin;
      const end = duration === undefined || start === undefined ? undefined : addFixed(start, duration);
      if (end !== undefined) {
        startSeconds = formatFixed(start!);
        endSeconds = formatFixed(end);
      }
    }
    if (startSeconds === undefined || endSeconds === undefined) {
      const place = (column: string | undefined) => ({ file, row: line, column });
      const exactBegin = secondsCell(beginText, place(col.begin));
      let duration: Decimal;
      if (endGiven) {
        const end = secondsCell(endText, place(col.end));
        checkOrder(exactBegin, end, place(col.end));
        duration = subtractDecimal(end, exactBegin);
      } else {
        const deltaColumn = col.delta ?? col.end!;
        duration = secondsCell(cell(header.index(deltaColumn)), place(deltaColumn));
      }
      let start = exactBegin;
      if (offsetGiven) start = secondsCell(offsetText, place(col.offset));
      else if (multiFile) secondsCell(offsetText, place(col.offset)); // throws: an empty offset
      startSeconds = formatDecimal(start);
      endSeconds = formatDecimal(addDecimal(start, duration));
    }
    if (checking && blankOffset === -1 && at.offset !== -1 && !offsetGiven) blankOffset = record;
    const row: LabelRow = {
      row: line,
      start: { seconds: startSeconds },
      end: { seconds: endSeconds },
      fields: withFields ? header.fields() : NO_FIELDS,
    };
    const recording: RecordingRef = {};
    const path = pathOf();
    const name = fileOf(path);
    if (name !== undefined) recording.file = name;
    if (path !== "") recording.path = path;
    if (name !== undefined || path !== "") row.recording = recording;
    const place = (column: string | undefined) => ({ file, row: line, column });
    const channel = at.channel === -1 ? undefined : channelCell(grid.cell(at.channel), place(col.channel), 1);
    if (channel !== undefined) row.channel = channel;
    const lowHz = at.low === -1 ? undefined : hertzCell(grid.cell(at.low), place(col.low));
    const highHz = at.high === -1 ? undefined : hertzCell(grid.cell(at.high), place(col.high));
    if (lowHz !== undefined) row.lowHz = lowHz;
    if (highHz !== undefined) row.highHz = highHz;
    if (at.label !== -1) row.label = grid.cell(at.label);
    const view = cell(at.view);
    preferred = view.startsWith("Spectrogram") || view.trim().toLowerCase().startsWith("spectrogram");
    return row;
  };
  // Values that every view of one selection must share, by column, of the row `decode` read
  // last: compared only for a selection listed more than once.
  const identityColumns = [
    col.offset ?? col.begin,
    col.end ?? col.delta!,
    col.low ?? LOW,
    col.high ?? HIGH,
    col.beginFile ?? BEGIN_FILE,
    col.beginPath ?? BEGIN_PATH,
    col.endFile ?? END_FILE,
    labelColumn ?? "label",
  ];
  const identity = (row: LabelRow): string[] => [
    (row.start as { seconds: string }).seconds,
    (row.end as { seconds: string }).seconds,
    String(row.lowHz),
    String(row.highHz),
    row.recording?.file ?? "",
    row.recording?.path ?? "",
    cell(at.endFile).trim(),
    row.label ?? "",
  ];
  const channelOf = (record: number) => {
    grid.split(record);
    return at.channel === -1 ? undefined : channelCell(grid.cell(at.channel), { file, row: 0 }, 1);
  };

  // One label per (Selection, Channel): the views of a selection must agree on the box. Groups
  // in the order of their first rows; each keeps its first record and the one whose fields it
  // gives (its first spectrogram view, else its first).
  const groups = new Groups();
  /** Selection and channel to group, once the numbers are not increasing (most tables number 1, 2, 3...). */
  let byKey: Map<string, number> | undefined;
  let highest = -1;
  /** The groups of the highest selection number so far, and their channels. */
  let latest: { group: number; channel: number | undefined }[] = [];
  // Disagreeing views are reported after every row is checked, as problems of a row come first.
  let disagreement: LabelError | undefined;
  const keyOf = (selection: string, channel: number | undefined) => `${selection}\u0000${channel ?? ""}`;
  // One pass over the records checks them all, reporting what the rows say in the order it
  // always has: cells past the header's first (every row), then rows in several files without
  // File Offset, then the first problem of a row, then views that disagree.
  const files = new Set<string>();
  let firstKey: string | undefined;
  let lastKey: string | undefined;
  let firstInAnother = -1;
  let failed: { error: unknown; record: number } | undefined;
  const notes = new RecordingNotes();
  for (let record = 1; record < grid.count; record++) {
    grid.split(record);
    header.checkCells(record);
    const fileKey = fileKeyOf();
    if (fileKey !== undefined && fileKey !== lastKey) files.add(fileKey);
    lastKey = fileKey;
    if (record === 1) firstKey = fileKey;
    else if (firstInAnother === -1 && fileKey !== firstKey) firstInAnother = record;
    if (failed !== undefined) continue;
    let row: LabelRow;
    try {
      row = decode(record, false);
    } catch (error) {
      failed = { error, record };
      continue;
    }
    notes.note(row);
    const rowPreferred = preferred;
    const selection = cell(at.selection).trim();
    if (selection === "") {
      groups.add(record, rowPreferred);
      continue;
    }
    let group = -1;
    if (byKey === undefined) {
      const number = selection.length > 1 && selection.charCodeAt(0) === 48 ? -1 : plainWhole(selection);
      if (number > highest) {
        highest = number;
        latest = [{ group: groups.add(record, rowPreferred), channel: row.channel }];
        continue;
      }
      if (number !== -1 && number === highest) {
        group = latest.find((entry) => entry.channel === row.channel)?.group ?? -1;
        if (group === -1) {
          latest.push({ group: groups.add(record, rowPreferred), channel: row.channel });
          continue;
        }
      } else {
        // Numbers out of order, or not numbers: every earlier group by its key.
        const identityNow = identity(row);
        byKey = new Map();
        for (let g = 0; g < groups.count; g++) {
          const first = groups.first[g]!;
          const channel = channelOf(first);
          const earlier = cell(at.selection).trim();
          if (earlier !== "") byKey.set(keyOf(earlier, channel), g);
        }
        group = byKey.get(keyOf(selection, row.channel)) ?? -1;
        if (group === -1) {
          byKey.set(keyOf(selection, row.channel), groups.add(record, rowPreferred));
          continue;
        }
        disagreement ??= compare(identityNow, group, record, selection);
        groups.choose(group, record, rowPreferred);
        continue;
      }
    } else {
      const key = keyOf(selection, row.channel);
      group = byKey.get(key) ?? -1;
      if (group === -1) {
        byKey.set(key, groups.add(record, rowPreferred));
        continue;
      }
    }
    if (disagreement === undefined) disagreement = compare(identity(row), group, record, selection);
    groups.choose(group, record, rowPreferred);
  }
  checking = false;
  multiFile = files.size > 1;
  if (multiFile && col.offset === undefined) {
    throw new LabelError(
      "needs-file-offset",
      `the table lists boxes in several files (${[...files].slice(0, 3).join(", ")}${files.size > 3 ? ", ..." : ""}) without "${OFFSET}", so their times count from the first file and cannot be placed in their own files; add the File Offset measurement in Raven`,
      { file, row: grid.line(firstInAnother), column: col.beginFile ?? col.beginPath },
    );
  }
  if (multiFile && blankOffset !== -1 && (failed === undefined || blankOffset <= failed.record)) {
    // Rows in several files need their offsets: an empty one is the first problem of its row after its times.
    grid.split(blankOffset);
    secondsCell(cell(at.offset), { file, row: grid.line(blankOffset), column: col.offset }); // throws
  }
  if (failed !== undefined) throw failed.error;
  if (disagreement !== undefined) throw disagreement;

  /** The views-disagree error of a row against its group's first, or undefined when they agree. */
  function compare(values: string[], group: number, record: number, selection: string): LabelError | undefined {
    const first = groups.first[group]!;
    const firstValues = identity(decode(first, false));
    for (let i = 0; i < values.length; i++) {
      if (values[i] !== firstValues[i]) {
        return new LabelError(
          "views-disagree",
          `selection ${selection} is listed on rows ${grid.line(first)} and ${grid.line(record)} (one per view) with different values: ${JSON.stringify(firstValues[i])} and ${JSON.stringify(values[i])}`,
          { file, row: grid.line(record), column: identityColumns[i] },
        );
      }
    }
    return undefined;
  }

  const rowCount = groups.count;
  const oneRowPerRecord = rowCount === grid.count - 1;
  const firsts = oneRowPerRecord ? undefined : groups.first.slice(0, rowCount);
  const chosen = oneRowPerRecord ? undefined : groups.chosen.slice(0, rowCount);
  groups.release();
  const row = (i: number, withFields: boolean): LabelRow => {
    if (firsts === undefined || chosen === undefined) return decode(i + 1, withFields);
    const record = chosen[i]!;
    const label = decode(record, withFields);
    if (record !== firsts[i]) label.row = grid.line(firsts[i]!);
    return label;
  };
  const mapped = [col.begin, col.end, col.delta, col.offset, col.low, col.high, col.channel];
  mapped.push(col.beginFile, col.beginPath, col.selection, col.view, labelColumn);
  return {
    format: "raven",
    file,
    columns: header.names,
    ...(labelColumn === undefined ? {} : { labelColumn }),
    mappedColumns: mapped.filter((c): c is string => c !== undefined),
    rows: context.headerRows(rowCount, header, row, notes),
  };
}

/** The selections of a Raven table being read: per group, its first record and the one it takes its fields from. */
class Groups {
  first = new Uint32Array(1024);
  chosen = new Uint32Array(1024);
  private preferred = new Uint8Array(1024);
  count = 0;

  add(record: number, preferred: boolean): number {
    if (this.count === this.first.length) {
      const grow = <T extends Uint32Array | Uint8Array>(array: T, make: (n: number) => T): T => {
        const next = make(array.length * 2);
        next.set(array);
        return next;
      };
      this.first = grow(this.first, (n) => new Uint32Array(n));
      this.chosen = grow(this.chosen, (n) => new Uint32Array(n));
      this.preferred = grow(this.preferred, (n) => new Uint8Array(n));
    }
    this.first[this.count] = record;
    this.chosen[this.count] = record;
    this.preferred[this.count] = preferred ? 1 : 0;
    return this.count++;
  }

  /** Another view of group `g`: its fields are kept if it is the group's first spectrogram view. */
  choose(g: number, record: number, preferred: boolean): void {
    if (preferred && this.preferred[g] === 0) {
      this.chosen[g] = record;
      this.preferred[g] = 1;
    }
  }

  release(): void {
    this.first = new Uint32Array(0);
    this.chosen = new Uint32Array(0);
    this.preferred = new Uint8Array(0);
  }
}

/**
 * A Raven selection table: one row per label (view `Spectrogram 1`), Channel counted from 1,
 * the label in `labelColumn` (default "Annotation"), annotation columns carried over. With
 * files known, `Begin File`, `File Offset (s)` and `Begin Path` locate each box in its file;
 * over several recordings `Begin Time (s)` counts from the first file's start, which needs
 * the `tableStart` option.
 */
export function* writeRaven(context: WriteContext): Generator<string> {
  const recordings = context.recordings();
  const severalRecordings = recordings.length > 1;
  const withFiles = context.some((row) => row.recording?.file !== undefined || row.recording?.path !== undefined);
  const withPaths = context.some((row) => row.recording?.path !== undefined);
  // Read back, a table over several files places each box by its Begin File and File Offset.
  context.fileNamesWhereSeveral("a Raven table", BEGIN_FILE);
  const labelColumn = context.labelColumn("raven", "Annotation");
  const withLabels = context.some((row) => row.label !== undefined);
  const columns = ["Selection", "View", "Channel", BEGIN, END, LOW, HIGH];
  if (withFiles) columns.push(BEGIN_FILE, OFFSET);
  if (withPaths) columns.push(BEGIN_PATH);
  // Raven's own columns are never carried over from another table's fields: read back, a
  // carried "File Offset (s)" or "Begin File" would place its row somewhere else.
  const extras = context.extraColumns([...columns, END_FILE, DELTA, labelColumn], [BEGIN_FILE, OFFSET, BEGIN_PATH]);
  const header = [...columns, ...extras, ...(withLabels ? [labelColumn] : [])];
  const ownNumbers = ownSelectionNumbers(context);
  yield tsvLine(header, context, undefined, header);
  for (let i = 0; i < context.count; i++) {
    const row = context.row(i);
    // Over one recording, table time is the recording's: the seconds as they are.
    const startText = severalRecordings ? undefined : context.secondsText(row.start, row, "start");
    const endText = severalRecordings ? undefined : context.secondsText(row.end, row, "end");
    const start = severalRecordings ? context.seconds(row.start, row, "start") : undefined;
    const end = severalRecordings ? context.seconds(row.end, row, "end") : undefined;
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
      ownNumbers ? context.field(row, "Selection").trim() : String(i + 1),
      "Spectrogram 1",
      String((row.channel ?? 0) + 1),
      startText ?? formatDecimal(addDecimal(tableStart, start!)),
      endText ?? formatDecimal(addDecimal(tableStart, end!)),
      row.lowHz === undefined ? "" : String(row.lowHz),
      row.highHz === undefined ? "" : String(row.highHz),
    ];
    if (withFiles) {
      const name = row.recording?.file ?? (row.recording?.path === undefined ? "" : baseName(row.recording.path));
      cells.push(name, startText ?? formatDecimal(start!));
    }
    if (withPaths) cells.push(row.recording?.path ?? "");
    for (const extra of extras) cells.push(context.field(row, extra));
    if (withLabels) cells.push(row.label ?? "");
    yield tsvLine(cells, context, row, header);
  }
}

/**
 * Whether the rows' own Selection numbers are whole numbers unique per channel (they are then
 * written as they are, else 1, 2, 3...). Rising numbers, as tables have them, need no set of
 * every number seen.
 */
function ownSelectionNumbers(context: WriteContext): boolean {
  const keyOf = (row: LabelRow) => `${context.field(row, "Selection").trim()}\u0000${row.channel ?? 0}`;
  let seen: Set<string> | undefined;
  let highest = 0;
  let channels: number[] = [];
  for (let i = 0; i < context.count; i++) {
    const row = context.row(i);
    const number = context.field(row, "Selection").trim();
    if (!/^[1-9]\d*$/.test(number)) return false;
    const channel = row.channel ?? 0;
    if (seen === undefined) {
      const value = number.length <= 15 ? Number(number) : -1;
      if (value > highest) {
        highest = value;
        channels = [channel];
        continue;
      }
      if (value === highest) {
        if (channels.includes(channel)) return false;
        channels.push(channel);
        continue;
      }
      seen = new Set();
      for (let j = 0; j < i; j++) seen.add(keyOf(context.row(j)));
    }
    const key = keyOf(row);
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}
