import { parse } from "csv-parse/sync";
import { UsageError } from "./usage-error.ts";

/**
 * Refuses a segments table whose `recording` column names another recording than the one
 * opened (`granule sample` writes such tables for a whole archive): read as this recording's
 * positions, those rows would give other samples without a word. Rows with an empty cell, or
 * a table without the column, pass.
 */
export function checkRecordingColumn(text: string, recordingId: string | undefined, file: string): void {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
    });
  } catch {
    return; // the segments reader reports the table's own problems
  }
  rows.forEach((row, i) => {
    const named = row.recording;
    if (named === undefined || named === "" || named === recordingId) return;
    throw new UsageError(
      `${file} row ${i + 2} is of recording ${named}, but the source is ${recordingId === undefined ? "a plain file" : `recording ${recordingId}`}: give the table's rows of this recording only`,
    );
  });
}
