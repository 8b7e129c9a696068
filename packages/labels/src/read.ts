import { delimiterFor, detectFormat } from "./detect.ts";
import { LabelError } from "./errors.ts";
import { readAudacity } from "./formats/audacity.ts";
import { readBirdnetCsv } from "./formats/birdnet-csv.ts";
import { readKaleidoscope } from "./formats/kaleidoscope.ts";
import { readPlainCsv } from "./formats/plain-csv.ts";
import { readRaven } from "./formats/raven.ts";
import { ReadContext, type ReadOptions } from "./formats/read-context.ts";
import { parseGrid } from "./grid.ts";
import { LABEL_FORMATS, type LabelTable } from "./row.ts";
import { decodeTable } from "./text.ts";

export type { ReadOptions } from "./formats/read-context.ts";

/**
 * A label table, read exactly: its format (detected from the content, or `options.format`) and
 * its rows, each with its line number, recording, exact positions, channel, frequencies, label
 * and every original column. Every problem is a {@link LabelError} naming the file, row and column.
 */
export function readTable(input: string | Uint8Array, options: ReadOptions = {}): LabelTable {
  const context = new ReadContext(options);
  const { file } = context;
  const text = decodeTable(input, file, options.encoding);
  let format = options.format;
  let delimiter: "\t" | ",";
  if (format === undefined) {
    ({ format, delimiter } = detectFormat(text, file));
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
    delimiter = delimiterFor(format, text);
  }
  // Tab-separated formats are never quoted (a `"` in a Raven annotation is just a character).
  const records = parseGrid(text, { delimiter, quotes: delimiter === ",", file });
  if (records.length === 0) {
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
