import { LabelError } from "./errors.ts";
import { writeAudacity } from "./formats/audacity.ts";
import { writeBirdnetCsv } from "./formats/birdnet-csv.ts";
import { writeKaleidoscope } from "./formats/kaleidoscope.ts";
import { writePlainCsv } from "./formats/plain-csv.ts";
import { writeRaven } from "./formats/raven.ts";
import { LABEL_FORMATS, type LabelFormat, type LabelRow, type LabelTable } from "./row.ts";
import { WriteContext, type WriteOptions } from "./write-context.ts";

export type { WriteOptions } from "./write-context.ts";

/**
 * The text of a label table in `format`. Positions stay exact: seconds are written as the
 * exact decimals they are; samples (with `sampleRate`) as seconds that read back as the same
 * sample. Give a {@link LabelTable} (what {@link readTable} returns) rather than bare rows to
 * carry its annotation columns over without repeating its own position and label columns.
 * Lines end with LF; tab-separated formats refuse cells holding a tab or line break.
 */
export function writeTable(
  input: LabelTable | readonly LabelRow[],
  format: LabelFormat,
  options: WriteOptions = {},
): string {
  const lines = [...writeTableLines(input, format, options)];
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/**
 * The lines of {@link writeTable}'s text, one at a time and without their line ends (LF), for
 * tables too large to hold as one string (write each with "\n" after it). The format is
 * checked at once; every other problem comes when the lines are read, before the first line
 * for a problem of the whole table, else before the line of the row it is in.
 */
export function writeTableLines(
  input: LabelTable | readonly LabelRow[],
  format: LabelFormat,
  options: WriteOptions = {},
): Generator<string> {
  const table = isTable(input) ? input : undefined;
  const rows = table === undefined ? (input as readonly LabelRow[]) : table.rows;
  const context = new WriteContext(rows, options, table);
  switch (format) {
    case "csv":
      return writePlainCsv(context);
    case "raven":
      return writeRaven(context);
    case "audacity":
      return writeAudacity(context);
    case "birdnet-csv":
      return writeBirdnetCsv(context);
    case "kaleidoscope":
      return writeKaleidoscope(context);
    default:
      throw new LabelError(
        "invalid-argument",
        `unknown format ${JSON.stringify(format)}; one of ${LABEL_FORMATS.join(", ")}`,
      );
  }
}

function isTable(input: LabelTable | readonly LabelRow[]): input is LabelTable {
  return !Array.isArray(input);
}
