import { delimiterFor, detectFormat, headText } from "./detect.ts";
import { LabelError } from "./errors.ts";
import { readAudacity } from "./formats/audacity.ts";
import { readBirdnetCsv } from "./formats/birdnet-csv.ts";
import { readKaleidoscope } from "./formats/kaleidoscope.ts";
import { readPlainCsv } from "./formats/plain-csv.ts";
import { readRaven } from "./formats/raven.ts";
import { ReadContext, type ReadOptions } from "./formats/read-context.ts";
import { parseGrid } from "./grid.ts";
import { LABEL_FORMATS, type LabelTable } from "./row.ts";
import { decodeTable, type TableInput } from "./text.ts";

export type { ReadOptions } from "./formats/read-context.ts";
export type { TableInput } from "./text.ts";

/**
 * A label table, read exactly: its format (detected from the content, or `options.format`) and
 * its rows, each with its line number, recording, exact positions, channel, frequencies, label
 * and every original column. Every problem is a {@link LabelError} naming the file, row and column.
 *
 * `input` is text, bytes, or bytes in pieces (a large file read a piece at a time: the bytes
 * are then never all held at once). Every row is checked here; a large table's rows are then
 * a view that makes each row from the text when it is read (see `options.rows`).
 */
export function readTable(input: TableInput, options: ReadOptions = {}): LabelTable {
  const context = new ReadContext(options);
  const { file } = context;
  if (options.rows !== undefined && options.rows !== "array" && options.rows !== "view") {
    throw new LabelError("invalid-argument", `rows must be "array" or "view", not ${JSON.stringify(options.rows)}`, {
      file,
    });
  }
  const text = decodeTable(input, file, options.encoding);
  const head = headText(text);
  let format = options.format;
  let delimiter: "\t" | ",";
  if (format === undefined) {
    ({ format, delimiter } = detectFormat(head, file));
  } else {
    if (!LABEL_FORMATS.includes(format)) {
      throw new LabelError(
        "invalid-argument",
        `unknown format ${JSON.stringify(format)}; one of ${LABEL_FORMATS.join(", ")}`,
        {
          file,
        },
      );
    }
    delimiter = delimiterFor(format, head);
  }
  // Tab-separated formats are never quoted (a `"` in a Raven annotation is just a character).
  const records = parseGrid(text, { delimiter, quotes: delimiter === ",", file });
  if (records.count === 0) {
    if (format === "audacity") return { format, file, columns: [], labelColumn: "label", mappedColumns: [], rows: [] };
    throw new LabelError("unknown-format", `the table is empty (no header)`, { file });
  }
  switch (format) {
    case "csv":
      return readPlainCsv(records, context);
    case "raven":
      return readRaven(records, context);
    case "audacity":
      return readAudacity(records, context);
    case "birdnet-csv":
      return readBirdnetCsv(records, context);
    case "kaleidoscope":
      return readKaleidoscope(records, context);
  }
}
