import { channelCell, checkOrder, hertzCell, wholeCell } from "../cells.ts";
import { compareDecimal, type Decimal, formatDecimal, isNegative } from "../decimal.ts";
import { LabelError } from "../errors.ts";
import { compareFixed, formatFixed, plainDecimal } from "../fast-decimal.ts";
import { type Grid, Header, NO_FIELDS } from "../grid.ts";
import type { LabelRow, LabelTable, RecordingRef, TimePoint } from "../row.ts";
import { RecordingNotes } from "../row-view.ts";
import { pointToSample } from "../samples.ts";
import { parseTimeText } from "../time-text.ts";
import { looksLikeIsoDateTime, parseUtc } from "../utc.ts";
import { csvLine, type WriteContext } from "../write-context.ts";
import type { ReadContext } from "./read-context.ts";

/**
 * granule's plain CSV. Positions: `start_sample,end_sample` (whole samples), else
 * `start,end` (times as the command takes them: `12.5`, `00:12:30.250`, `1500ms`; or ISO 8601
 * UTC times with Z or an offset), or `start_utc,end_utc`. Optional: `recording` (an archive
 * id), `file` or `source`, `path`, `channel` (0-based), `low_hz`, `high_hz`, and the label in
 * `label` (else `name`, the command's old output-name column). Any other column is kept.
 */
export function readPlainCsv(grid: Grid, context: ReadContext): LabelTable {
  const { file } = context;
  const header = new Header(grid, 0);
  const startSample = header.find("start_sample");
  const endSample = header.find("end_sample");
  const bySample = startSample !== undefined && endSample !== undefined;
  const start = bySample ? undefined : header.find("start", "start_utc");
  const end = bySample ? undefined : header.find("end", "end_utc");
  if (!bySample && (start === undefined || end === undefined)) {
    throw new LabelError(
      "missing-column",
      `a plain CSV needs columns start,end (times) or start_sample,end_sample; it has ${header.names.join(",")}`,
      { file, row: header.line },
    );
  }
  const recordingColumn = header.find("recording");
  const fileColumn = header.find("file", "source");
  const pathColumn = header.find("path");
  const channelColumn = header.find("channel");
  const lowColumn = header.find("low_hz");
  const highColumn = header.find("high_hz");
  const labelColumn = context.labelColumn(header, ["label", "name"]);
  const mapped = [startSample, endSample, start, end, recordingColumn, fileColumn, pathColumn, channelColumn];
  mapped.push(lowColumn, highColumn, labelColumn);
  const at = {
    startSample: header.index(startSample),
    endSample: header.index(endSample),
    start: header.index(start),
    end: header.index(end),
    recording: header.index(recordingColumn),
    file: header.index(fileColumn),
    path: header.index(pathColumn),
    channel: header.index(channelColumn),
    low: header.index(lowColumn),
    high: header.index(highColumn),
    label: header.index(labelColumn),
  };

  /** Row `i` (record i + 1); without its fields when only checked. */
  const decode = (i: number, withFields: boolean): LabelRow => {
    const line = header.open(i + 1);
    const place = (column: string) => ({ file, row: line, column });
    let startPoint: TimePoint;
    let endPoint: TimePoint;
    if (bySample) {
      startPoint = { sample: wholeCell(grid.cell(at.startSample), place(startSample), "a whole number of samples") };
      endPoint = { sample: wholeCell(grid.cell(at.endSample), place(endSample), "a whole number of samples") };
      if (endPoint.sample < startPoint.sample) {
        throw new LabelError("end-before-start", `the label ends before it starts`, place(endSample));
      }
    } else {
      [startPoint, endPoint] = timePoints(grid.cell(at.start), grid.cell(at.end), line, file, start!, end!);
    }
    const row: LabelRow = {
      row: line,
      start: startPoint,
      end: endPoint,
      fields: withFields ? header.fields() : NO_FIELDS,
    };
    const recording: RecordingRef = {};
    const trimmed = (k: number) => (k === -1 ? "" : grid.cell(k).trim());
    const id = trimmed(at.recording);
    const name = trimmed(at.file);
    const path = trimmed(at.path);
    if (id !== "") recording.id = id;
    if (name !== "") recording.file = name;
    if (path !== "") recording.path = path;
    if (id !== "" || name !== "" || path !== "") row.recording = recording;
    const channel = at.channel === -1 ? undefined : channelCell(grid.cell(at.channel), place(channelColumn!), 0);
    if (channel !== undefined) row.channel = channel;
    const lowHz = at.low === -1 ? undefined : hertzCell(grid.cell(at.low), place(lowColumn!));
    const highHz = at.high === -1 ? undefined : hertzCell(grid.cell(at.high), place(highColumn!));
    if (lowHz !== undefined) row.lowHz = lowHz;
    if (highHz !== undefined) row.highHz = highHz;
    if (at.label !== -1) row.label = grid.cell(at.label);
    return row;
  };
  const notes = new RecordingNotes();
  for (let i = 0; i < grid.count - 1; i++) notes.note(decode(i, false));
  return {
    format: "csv",
    file,
    columns: header.names,
    ...(labelColumn === undefined ? {} : { labelColumn }),
    mappedColumns: mapped.filter((c): c is string => c !== undefined),
    rows: context.headerRows(grid.count - 1, header, decode, notes),
  };
}

type Place = { file: string; row: number; column: string };

function timePoints(
  startText: string,
  endText: string,
  line: number,
  file: string,
  startColumn: string,
  endColumn: string,
): [TimePoint, TimePoint] {
  // Seconds as digits and a point (the common case): no date, clock or unit to look for.
  const fastStart = plainDecimal(startText);
  const fastEnd = fastStart === undefined ? undefined : plainDecimal(endText);
  if (fastStart !== undefined && fastEnd !== undefined && compareFixed(fastEnd, fastStart)! >= 0) {
    return [{ seconds: formatFixed(fastStart) }, { seconds: formatFixed(fastEnd) }];
  }
  const startAt = { file, row: line, column: startColumn };
  const endAt = { file, row: line, column: endColumn };
  const startIsUtc = looksLikeIsoDateTime(startText);
  const endIsUtc = looksLikeIsoDateTime(endText);
  if (startIsUtc !== endIsUtc) {
    throw new LabelError("bad-number", `one of start and end is a UTC date and time and the other is not`, endAt);
  }
  if (startIsUtc) {
    const startUtc = utcCell(startText, startAt);
    const endUtc = utcCell(endText, endAt);
    if (compareDecimal(endUtc, startUtc) < 0) {
      throw new LabelError("end-before-start", `the label ends before it starts`, endAt);
    }
    return [{ utc: startText.trim() }, { utc: endText.trim() }];
  }
  const startSeconds = timeCell(startText, startAt);
  const endSeconds = timeCell(endText, endAt);
  checkOrder(startSeconds, endSeconds, endAt);
  return [{ seconds: formatDecimal(startSeconds) }, { seconds: formatDecimal(endSeconds) }];
}

function timeCell(text: string, at: Place): Decimal {
  const value = parseTimeText(text);
  if (value === undefined || isNegative(value)) {
    throw new LabelError(
      "bad-number",
      `${JSON.stringify(text)} is not a time: use seconds (12.5), hh:mm:ss.sss, a unit (1500ms, 2.5s, 3min) or an ISO 8601 UTC time`,
      at,
    );
  }
  return value;
}

function utcCell(text: string, at: Place): Decimal {
  try {
    return parseUtc(text);
  } catch (error) {
    if (error instanceof LabelError) throw new LabelError(error.code, error.message, { ...at, cause: error });
    throw error;
  }
}

/** The plain CSV of a set of rows (see {@link readPlainCsv} for the columns). */
export function* writePlainCsv(context: WriteContext): Generator<string> {
  const bySample =
    context.options.positions === "samples" ||
    (context.options.positions === undefined &&
      context.count > 0 &&
      context.every((r) => "sample" in r.start && "sample" in r.end));
  const allUtc = !bySample && context.count > 0 && context.every((r) => "utc" in r.start && "utc" in r.end);
  const labelColumn = context.labelColumn("csv", "label");
  const has = (pick: (row: LabelRow) => unknown) => context.some((row) => pick(row) !== undefined);
  const columns: string[] = [];
  if (context.someRecordingId()) columns.push("recording");
  if (has((r) => r.recording?.file)) columns.push("file");
  if (has((r) => r.recording?.path)) columns.push("path");
  columns.push(...(bySample ? ["start_sample", "end_sample"] : ["start", "end"]));
  if (has((r) => r.channel)) columns.push("channel");
  if (has((r) => r.lowHz)) columns.push("low_hz");
  if (has((r) => r.highHz)) columns.push("high_hz");
  if (has((r) => r.label)) columns.push(labelColumn);
  const extras = context.extraColumns([
    ...columns,
    "start",
    "end",
    "start_sample",
    "end_sample",
    "start_utc",
    "end_utc",
    "recording",
    "file",
    "source",
    "path",
    "channel",
    "low_hz",
    "high_hz",
    labelColumn,
  ]);
  yield csvLine([...columns, ...extras]);
  for (let i = 0; i < context.count; i++) {
    const row = context.row(i);
    const cells: string[] = [];
    for (const column of columns) {
      switch (column) {
        case "recording":
          cells.push(row.recording?.id ?? "");
          break;
        case "file":
          cells.push(row.recording?.file ?? "");
          break;
        case "path":
          cells.push(row.recording?.path ?? "");
          break;
        case "start_sample":
          cells.push(String(sampleOf(row.start, row, context, "start")));
          break;
        case "end_sample":
          cells.push(String(sampleOf(row.end, row, context, "end")));
          break;
        case "start":
          cells.push(allUtc && "utc" in row.start ? row.start.utc : context.secondsText(row.start, row, "start"));
          break;
        case "end":
          cells.push(allUtc && "utc" in row.end ? row.end.utc : context.secondsText(row.end, row, "end"));
          break;
        case "channel":
          cells.push(row.channel === undefined ? "" : String(row.channel));
          break;
        case "low_hz":
          cells.push(row.lowHz === undefined ? "" : String(row.lowHz));
          break;
        case "high_hz":
          cells.push(row.highHz === undefined ? "" : String(row.highHz));
          break;
        default:
          cells.push(row.label ?? "");
      }
    }
    for (const extra of extras) cells.push(context.field(row, extra));
    yield csvLine(cells);
  }
}

function sampleOf(point: TimePoint, row: LabelRow, context: WriteContext, what: string): number {
  if ("sample" in point) return point.sample;
  const rate =
    typeof context.options.sampleRate === "function" ? context.options.sampleRate(row) : context.options.sampleRate;
  if (rate === undefined) {
    throw new LabelError("needs-rate", `the ${what} is not a sample; give sampleRate to write samples`, {
      file: context.file,
      row: row.row,
    });
  }
  const startUtc = context.options.recordingStartUtc?.(row);
  return pointToSample(
    point,
    rate,
    { file: context.file, ...(startUtc === undefined ? {} : { recordingStartUtc: startUtc }) },
    row.row,
    what,
  );
}
