import { type Decimal, parseDecimal } from "./decimal.ts";
import { LabelError } from "./errors.ts";
import { columnKey } from "./grid.ts";
import type { LabelRow, LabelTable, RecordingRef, TimePoint } from "./row.ts";
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

  constructor(
    readonly rows: readonly LabelRow[],
    readonly options: WriteOptions,
    table: LabelTable | undefined,
  ) {
    this.file = options.file ?? "label table";
    this.sourceMapped = new Set((table?.mappedColumns ?? []).map(columnKey));
    this.sourceLabelColumn = table?.labelColumn;
    this.sourceFormat = table?.format;
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

  /**
   * Annotation columns to carry over, in first-seen order: every field except the source
   * table's own position/recording/label columns and the columns the target writes itself.
   */
  extraColumns(written: readonly string[]): string[] {
    const skip = new Set([...written.map(columnKey), ...this.sourceMapped]);
    if (this.sourceLabelColumn !== undefined) skip.add(columnKey(this.sourceLabelColumn));
    const seen = new Set<string>();
    const extras: string[] = [];
    for (const row of this.rows) {
      for (const name of Object.keys(row.fields)) {
        const key = columnKey(name);
        if (skip.has(key) || seen.has(key)) continue;
        seen.add(key);
        extras.push(name);
      }
    }
    return extras;
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

/** A line of comma-separated cells, quoted where needed (a comma, a quote, a line break), as csv-stringify does. */
export function csvLine(cells: readonly string[]): string {
  return cells.map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(",");
}

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
  const at = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return at === -1 ? path : path.slice(at + 1);
}
