import { channelCell, checkOrder, hertzCell, wholeCell } from "../cells.ts";
import { compareDecimal, type Decimal, formatDecimal, isNegative } from "../decimal.ts";
import { LabelError } from "../errors.ts";
import { type GridRecord, Header } from "../grid.ts";
import type { LabelRow, LabelTable, RecordingRef, TimePoint } from "../row.ts";
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
export function readPlainCsv(records: GridRecord[], context: ReadContext): LabelTable {
  const { file } = context;
  const header = new Header(records[0]!, file);
  const startSample = header.find("start_sample");
  const endSample = header.find("end_sample");
  const bySample = startSample !== undefined && endSample !== undefined;
  const start = bySample ? undefined : header.find("start", "start_utc");
  const end = bySample ? undefined : header.find("end", "end_utc");
  if (!bySample && (start === undefined || end === undefined)) {
    throw new LabelError(
      "missing-column",
      `a plain CSV needs columns start,end (times) or start_sample,end_sample; it has ${header.names.join(",")}`,
      { file, row: records[0]!.line },
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

  const rows = records.slice(1).map((record): LabelRow => {
    const fields = header.fields(record);
    const at = (column: string) => ({ file, row: record.line, column });
    let startPoint: TimePoint;
    let endPoint: TimePoint;
    if (bySample) {
      startPoint = { sample: wholeCell(fields[startSample]!, at(startSample), "a whole number of samples") };
      endPoint = { sample: wholeCell(fields[endSample]!, at(endSample), "a whole number of samples") };
      if (endPoint.sample < startPoint.sample) {
        throw new LabelError("end-before-start", `the label ends before it starts`, at(endSample));
      }
    } else {
      [startPoint, endPoint] = timePoints(fields[start!]!, fields[end!]!, at(start!), at(end!));
    }
    const row: LabelRow = { row: record.line, start: startPoint, end: endPoint, fields };
    const recording: RecordingRef = {};
    if (recordingColumn !== undefined && fields[recordingColumn]!.trim() !== "")
      recording.id = fields[recordingColumn]!.trim();
    if (fileColumn !== undefined && fields[fileColumn]!.trim() !== "") recording.file = fields[fileColumn]!.trim();
    if (pathColumn !== undefined && fields[pathColumn]!.trim() !== "") recording.path = fields[pathColumn]!.trim();
    if (Object.keys(recording).length > 0) row.recording = recording;
    const channel = channelColumn === undefined ? undefined : channelCell(fields[channelColumn]!, at(channelColumn), 0);
    if (channel !== undefined) row.channel = channel;
    const lowHz = lowColumn === undefined ? undefined : hertzCell(fields[lowColumn]!, at(lowColumn));
    const highHz = highColumn === undefined ? undefined : hertzCell(fields[highColumn]!, at(highColumn));
    if (lowHz !== undefined) row.lowHz = lowHz;
    if (highHz !== undefined) row.highHz = highHz;
    if (labelColumn !== undefined) row.label = fields[labelColumn]!;
    return row;
  });
  return {
    format: "csv",
    file,
    columns: header.names,
    ...(labelColumn === undefined ? {} : { labelColumn }),
    mappedColumns: mapped.filter((c): c is string => c !== undefined),
    rows,
  };
}

type Place = { file: string; row: number; column: string };

function timePoints(startText: string, endText: string, startAt: Place, endAt: Place): [TimePoint, TimePoint] {
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
export function writePlainCsv(context: WriteContext): string {
  const { rows } = context;
  const bySample =
    context.options.positions === "samples" ||
    (context.options.positions === undefined &&
      rows.length > 0 &&
      rows.every((r) => "sample" in r.start && "sample" in r.end));
  const allUtc = !bySample && rows.length > 0 && rows.every((r) => "utc" in r.start && "utc" in r.end);
  const labelColumn = context.labelColumn("csv", "label");
  const has = (pick: (row: LabelRow) => unknown) => rows.some((row) => pick(row) !== undefined);
  const columns: string[] = [];
  if (has((r) => r.recording?.id)) columns.push("recording");
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
  const lines = [csvLine([...columns, ...extras])];
  for (const row of rows) {
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
          cells.push(
            allUtc && "utc" in row.start ? row.start.utc : formatDecimal(context.seconds(row.start, row, "start")),
          );
          break;
        case "end":
          cells.push(allUtc && "utc" in row.end ? row.end.utc : formatDecimal(context.seconds(row.end, row, "end")));
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
    lines.push(csvLine(cells));
  }
  return `${lines.join("\n")}\n`;
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
