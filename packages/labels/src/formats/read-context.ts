import { LabelError } from "../errors.ts";
import type { Header } from "../grid.ts";

export interface ReadOptions {
  /** The table's name in messages (a file name). Default "label table". */
  file?: string;
  /** Read as this format instead of detecting it from the content. */
  format?: import("../row.ts").LabelFormat;
  /** The column to take labels from (a Raven annotation column such as "Call Type"), instead of the format's default. */
  labelColumn?: string;
  /** For bytes: their text encoding when not UTF-8 or UTF-16 with a BOM (e.g. "windows-1252"). */
  encoding?: string;
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
}
