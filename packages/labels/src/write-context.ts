import { type Decimal, formatDecimal, parseDecimal } from "./decimal.ts";
import { LabelError } from "./errors.ts";
import { formatFixed, plainDecimal } from "./fast-decimal.ts";
import { columnKey } from "./grid.ts";
import type { LabelRow, LabelTable, RecordingRef, TimePoint } from "./row.ts";
import { type RowSource, rowReader } from "./row-view.ts";
import { sampleToSeconds } from "./samples.ts";
import { utcToSeconds } from "./utc.ts";

export interface WriteOptions {
  /**
   * The recording's true sample rate, needed to write rows whose positions are samples as
   * seconds (a number, or a function of the row for tables over recordings of several rates).
   * Seconds are written as {@link sampleToSeconds} gives them, so they read back as the same sample.
   */
  sampleRate?: number | ((row: LabelRow) => number | undefined);
  /** The recording's start (ISO 8601 with Z or an offset), to write rows with UTC positions as seconds. */
  recordingStartUtc?: (row: LabelRow) => string | undefined;
  /**
   * The column that holds labels (Raven default "Annotation", plain CSV "label"). A table
   * written in its own format keeps its own `labelColumn`. Read a table written with another
   * label column back with the same `labelColumn`.
   */
  labelColumn?: string;
  /**
   * Raven only: where each recording starts in the table's timeline, in seconds from the start
   * of its first file (a multi-file table's `Begin Time (s)` counts from there). Needed for a
   * Raven table over several recordings; without it such a table is refused rather than
   * written with times Raven would misplace.
   */
  tableStart?: (recording: RecordingRef) => string | number | undefined;
  /** Plain CSV only: write `start,end` seconds or `start_sample,end_sample` (default: samples if every row has them). */
  positions?: "seconds" | "samples";
  /** The name used in messages. */
  file?: string;
}

/** What every writer needs: the rows, the options, the source table's own columns. */
export class WriteContext {
  readonly file: string;
  /** Columns of the source table that its rows hold as positions, recording, channel or label. */
  private readonly sourceMapped: Set<string>;
  readonly sourceLabelColumn: string | undefined;
  readonly sourceFormat: LabelTable["format"] | undefined;
  /** The rows, read without a view's proxy. */
  private readonly reader: RowSource;
  private recordingList: (string | undefined)[] | undefined;

  constructor(
    readonly rows: readonly LabelRow[],
    readonly options: WriteOptions,
    table: LabelTable | undefined,
  ) {
    this.reader = rowReader(rows);
    this.file = options.file ?? "label table";
    this.sourceMapped = new Set((table?.mappedColumns ?? []).map(columnKey));
    this.sourceLabelColumn = table?.labelColumn;
    this.sourceFormat = table?.format;
  }

  /** The number of rows. */
  get count(): number {
    return this.reader.length;
  }

  /** Row `i`, with its fields. */
  row(i: number): LabelRow {
    return this.reader.row(i);
  }

  /** Row `i`, maybe without its fields (for a pass that reads none of them: a view then makes less). */
  light(i: number): LabelRow {
    return this.reader.light === undefined ? this.reader.row(i) : this.reader.light(i);
  }

  /** Whether some row (without its fields) passes the test. */
  some(test: (row: LabelRow) => boolean): boolean {
    for (let i = 0; i < this.count; i++) if (test(this.light(i))) return true;
    return false;
  }

  /** Whether every row (without its fields) passes the test. */
  every(test: (row: LabelRow) => boolean): boolean {
    for (let i = 0; i < this.count; i++) if (!test(this.light(i))) return false;
    return true;
  }

  /** The first row (without its fields) that passes the test. */
  find(test: (row: LabelRow) => boolean): LabelRow | undefined {
    for (let i = 0; i < this.count; i++) {
      const row = this.light(i);
      if (test(row)) return row;
    }
    return undefined;
  }

  /** The label column to write: the option, else the source table's (same format only), else the format's default. */
  labelColumn(format: LabelTable["format"], fallback: string): string {
    const own = this.sourceFormat === format ? this.sourceLabelColumn : undefined;
    return this.options.labelColumn ?? own ?? fallback;
  }

  /** A position as exact seconds from the recording's start. */
  seconds(point: TimePoint, row: LabelRow, what: string): Decimal {
    if ("seconds" in point) return parseDecimal(point.seconds)!;
    if ("sample" in point) {
      const rate =
        typeof this.options.sampleRate === "function" ? this.options.sampleRate(row) : this.options.sampleRate;
      if (rate === undefined) {
        throw new LabelError(
          "needs-rate",
          `the ${what} is a sample (${point.sample}); give sampleRate to write it as seconds`,
          {
            file: this.file,
            row: row.row,
          },
        );
      }
      return parseDecimal(sampleToSeconds(point.sample, rate))!;
    }
    const startUtc = this.options.recordingStartUtc?.(row);
    if (startUtc === undefined) {
      throw new LabelError(
        "needs-recording-start",
        `the ${what} is a UTC time (${point.utc}); give recordingStartUtc to write it as seconds`,
        { file: this.file, row: row.row },
      );
    }
    const seconds = utcToSeconds(point.utc, startUtc);
    if (seconds.units < 0n) {
      throw new LabelError("negative-time", `the ${what} ${point.utc} is before the recording's start ${startUtc}`, {
        file: this.file,
        row: row.row,
      });
    }
    return seconds;
  }

  /** A position as the canonical text of its exact seconds (formatDecimal of `seconds`). */
  secondsText(point: TimePoint, row: LabelRow, what: string): string {
    if ("seconds" in point) {
      const plain = plainDecimal(point.seconds);
      if (plain !== undefined) return formatFixed(plain);
    }
    return formatDecimal(this.seconds(point, row, what));
  }

  /** Whether some row names its recording's archive id. */
  someRecordingId(): boolean {
    if (this.reader.recordingIds === false) return false;
    return this.some((row) => row.recording?.id !== undefined);
  }

  /**
   * Annotation columns to carry over, in first-seen order: every field except the source
   * table's own position/recording/label columns and the columns the target writes itself.
   * `reserved` are columns the target's reader takes as positions or files: a field of that
   * name is refused (it would be read back as one), unless the target writes the column itself.
   */
  extraColumns(written: readonly string[], reserved: readonly string[] = []): string[] {
    const skip = new Set([...written.map(columnKey), ...this.sourceMapped]);
    if (this.sourceLabelColumn !== undefined) skip.add(columnKey(this.sourceLabelColumn));
    const refused = new Set(reserved.map(columnKey).filter((key) => !skip.has(key)));
    const seen = new Set<string>();
    const extras: string[] = [];
    const names = this.reader.fieldNames;
    if (names !== undefined && this.count > 0) {
      // Every row has these fields (a table read with a header): only the refused ones need the rows.
      const refusedNames = names.filter((name) => refused.has(columnKey(name)));
      for (let i = 0; i < this.count && refusedNames.length > 0; i++) {
        const row = this.row(i);
        for (const name of refusedNames) if (row.fields[name]!.trim() !== "") this.refuse(row, name);
      }
      for (const name of names) {
        const key = columnKey(name);
        if (skip.has(key) || refused.has(key) || seen.has(key)) continue;
        seen.add(key);
        extras.push(name);
      }
      return extras;
    }
    for (let i = 0; i < this.count; i++) {
      const row = this.row(i);
      for (const name of Object.keys(row.fields)) {
        const key = columnKey(name);
        if (refused.has(key) && row.fields[name]!.trim() !== "") this.refuse(row, name);
        if (skip.has(key) || refused.has(key) || seen.has(key)) continue;
        seen.add(key);
        extras.push(name);
      }
    }
    return extras;
  }

  private refuse(row: LabelRow, name: string): never {
    throw new LabelError(
      "unrepresentable",
      `the column ${JSON.stringify(name)} is not one of this row's positions or files, but the target format would read it back as one; rename the column`,
      { file: this.file, row: row.row, column: name },
    );
  }

  /**
   * The recordings the rows are in, each once, in first-seen order: by path, else file name,
   * else archive id (rows that name none are in `undefined`, the table's own recording).
   */
  recordings(): (string | undefined)[] {
    if (this.recordingList === undefined && this.reader.recordings !== undefined) {
      this.recordingList = [...this.reader.recordings];
    }
    if (this.recordingList === undefined) {
      const keys = new Set<string | undefined>();
      let last: string | undefined | null = null;
      for (let i = 0; i < this.count; i++) {
        const key = recordingKey(this.light(i));
        if (key !== last) keys.add(key);
        last = key;
      }
      this.recordingList = [...keys];
    }
    return this.recordingList;
  }

  /**
   * For formats that hold no recording column (one table per recording): refuses rows of
   * several recordings, which would read back as one.
   */
  oneRecording(format: string): void {
    const recordings = this.recordings();
    if (recordings.length < 2) return;
    const other = this.find((row) => recordingKey(row) !== recordings[0]);
    const name = (r: string | undefined) => (r === undefined ? "none named" : JSON.stringify(r));
    throw new LabelError(
      "unrepresentable",
      `the rows are in ${recordings.length} recordings (${recordings.slice(0, 3).map(name).join(", ")}${recordings.length > 3 ? ", ..." : ""}), but ${format} has no column for a row's recording: write one table per recording, or a format that names files`,
      { file: this.file, row: other?.row },
    );
  }

  /**
   * For formats that tell recordings apart by file name (Raven's Begin File, BirdNET's File):
   * refuses rows of several recordings when one of them has no file name, since read back it
   * would be in no file.
   */
  fileNamesWhereSeveral(format: string, column: string): void {
    const recordings = this.recordings();
    if (recordings.length < 2) return;
    // Without archive ids, a row names no file exactly when it is in no recording.
    const none = this.reader.recordingIds === false && !recordings.includes(undefined);
    const nameless = none
      ? undefined
      : this.find((row) => row.recording?.path === undefined && row.recording?.file === undefined);
    if (nameless === undefined) return;
    const id = nameless.recording?.id;
    throw new LabelError(
      "unrepresentable",
      `the rows are in ${recordings.length} recordings, which ${format} tells apart by file name (${column}), but this row's recording is ${id === undefined ? "not named" : `known only by its id ${JSON.stringify(id)}`}; give every row its recording's file name`,
      { file: this.file, row: nameless.row },
    );
  }

  /** The field of a row under a column name, matched ignoring case; "" if absent. */
  field(row: LabelRow, name: string): string {
    if (Object.hasOwn(row.fields, name)) return row.fields[name]!;
    const key = columnKey(name);
    for (const [column, value] of Object.entries(row.fields)) if (columnKey(column) === key) return value;
    return "";
  }

  /** Whether a row has a field under a column name (ignoring case). */
  hasField(row: LabelRow, name: string): boolean {
    const key = columnKey(name);
    return Object.keys(row.fields).some((column) => columnKey(column) === key);
  }
}

/** Which recording a row is in: its path, else file name, else archive id. */
function recordingKey(row: LabelRow): string | undefined {
  return row.recording?.path ?? row.recording?.file ?? row.recording?.id;
}

/** A line of comma-separated cells, quoted where needed (a comma, a quote, a line break), as csv-stringify does. */
export function csvLine(cells: readonly string[]): string {
  // Joined as they are unless one needs quotes.
  if (!cells.some((cell) => NEEDS_QUOTES.test(cell))) return cells.join(",");
  return cells.map((cell) => (NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(",");
}

const NEEDS_QUOTES = /[",\r\n]/;

/** A line of tab-separated cells; a tab or line break inside a cell cannot be written. */
export function tsvLine(
  cells: readonly string[],
  context: WriteContext,
  row: LabelRow | undefined,
  columns?: readonly string[],
): string {
  cells.forEach((cell, i) => {
    if (/[\t\r\n]/.test(cell)) {
      throw new LabelError(
        "unrepresentable",
        `${JSON.stringify(cell)} holds a tab or line break, which this tab-separated format cannot hold`,
        { file: context.file, row: row?.row, column: columns?.[i] },
      );
    }
  });
  return cells.join("\t");
}

/** The last part of a path, for `/` and `\` separated paths alike. */
export function baseName(path: string): string {
  // One pass from the end for both separators (two lastIndexOf calls scan a path twice).
  for (let at = path.length - 1; at >= 0; at--) {
    const c = path.charCodeAt(at);
    if (c === 47 || c === 92) return path.slice(at + 1);
  }
  return path;
}
