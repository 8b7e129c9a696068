import { LabelError } from "../errors.ts";
import type { Header } from "../grid.ts";
import type { LabelRow } from "../row.ts";
import { type RecordingNotes, type RowSource, type RowsMode, tableRows } from "../row-view.ts";

export interface ReadOptions {
  /** The table's name in messages (a file name). Default "label table". */
  file?: string;
  /** Read as this format instead of detecting it from the content. */
  format?: import("../row.ts").LabelFormat;
  /** The column to take labels from (a Raven annotation column such as "Call Type"), instead of the format's default. */
  labelColumn?: string;
  /** For bytes: their text encoding when not UTF-8 or UTF-16 with a BOM (e.g. "windows-1252"). */
  encoding?: string;
  /**
   * How `rows` holds the rows. "array": every row an object, all made at once (plain objects,
   * kept as they are: change one and it stays changed). "view": an array whose rows are made
   * from the table's text when read, each read a new object with the same values; it keeps
   * about 8 bytes a row besides the text (an object per row takes some 900), for tables of
   * millions of rows. Default: "view" for tables of more than 50,000 rows, else "array".
   */
  rows?: RowsMode;
}

/** What every reader needs: the file name for messages and the options. */
export class ReadContext {
  readonly file: string;

  constructor(readonly options: ReadOptions) {
    this.file = options.file ?? "label table";
  }

  /** The label column: the one asked for (which must exist), else the first default the header has. */
  labelColumn(header: Header, defaults: readonly string[]): string | undefined {
    const asked = this.options.labelColumn;
    if (asked !== undefined) {
      const found = header.find(asked);
      if (found === undefined) {
        throw new LabelError(
          "missing-column",
          `no column "${asked}" to take labels from; the columns are ${header.names.join(", ")}`,
          {
            file: this.file,
            row: header.line,
          },
        );
      }
      return found;
    }
    return header.find(...defaults);
  }

  /** The rows of a table, as the `rows` option asks. */
  rows(source: RowSource): LabelRow[] {
    return tableRows(source, this.options.rows);
  }

  /**
   * The rows of a table with a header line, as the `rows` option asks: row `i` made by
   * `decode(i, true)`, or without its fields (when only checked) by `decode(i, false)`.
   */
  headerRows(
    length: number,
    header: Header,
    decode: (i: number, withFields: boolean) => LabelRow,
    notes: RecordingNotes,
  ): LabelRow[] {
    return this.rows({
      length,
      row: (i) => decode(i, true),
      light: (i) => decode(i, false),
      fieldNames: header.names,
      ...notes.facts,
    });
  }
}
