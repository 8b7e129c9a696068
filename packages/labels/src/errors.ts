/** What is wrong with a label table, a position or a name template, as a string to switch on. */
export type LabelErrorCode =
  /** The text is none of the formats this package reads (or not the one `format` forced). */
  | "unknown-format"
  /** Bytes that are not valid UTF-8 (or UTF-16 with its BOM); pass `encoding` for others. */
  | "bad-encoding"
  /** The text is not well-formed delimited text: an unterminated quote, junk after a quote. */
  | "bad-csv"
  /** A column the format needs is absent. */
  | "missing-column"
  /** Two columns of the header have the same name. */
  | "duplicate-column"
  /** A row has more cells than the header has columns. */
  | "extra-cells"
  /** A cell that must hold a number, a time or a sample does not. */
  | "bad-number"
  /** A time or sample before the start of the recording. */
  | "negative-time"
  /** A row ends before it starts. */
  | "end-before-start"
  /** A channel number that is not a whole number in range (Raven counts from 1). */
  | "bad-channel"
  /** Rows of one Raven selection (one per view) that disagree on where the box is. */
  | "views-disagree"
  /** A Raven table over several files without the `File Offset (s)` column to place boxes. */
  | "needs-file-offset"
  /** A semicolon-separated table (a spreadsheet's regional CSV): none of the tools writes one. */
  | "semicolon-separated"
  /** A position or name needs the sample rate, and none was given. */
  | "needs-rate"
  /** A UTC position where a recording time is needed, without the recording's start. */
  | "needs-recording-start"
  /** A value the target format cannot hold (a tab in a Raven cell, a Raven table over several files). */
  | "unrepresentable"
  /** A name template that is not a safe relative path template, or names an unknown placeholder. */
  | "bad-template"
  /** A placeholder of a name template that a row has no value for. */
  | "missing-value"
  /** An argument outside what the function accepts. */
  | "invalid-argument";

/** Where a problem is: the table's name, its 1-based line and the column (as in the header). */
export interface LabelErrorWhere {
  file?: string | undefined;
  row?: number | undefined;
  column?: string | undefined;
  cause?: unknown;
}

/** The error type of this package. The message starts with the place: `calls.txt row 3 column "End Time (s)": ...`. */
export class LabelError extends Error {
  override readonly name = "LabelError";
  readonly code: LabelErrorCode;
  readonly file: string | undefined;
  readonly row: number | undefined;
  readonly column: string | undefined;

  constructor(code: LabelErrorCode, message: string, where: LabelErrorWhere = {}) {
    super(`${placeOf(where)}${message}`, where.cause === undefined ? undefined : { cause: where.cause });
    this.code = code;
    this.file = where.file;
    this.row = where.row;
    this.column = where.column;
  }
}

function placeOf(where: LabelErrorWhere): string {
  const parts: string[] = [];
  if (where.file !== undefined) parts.push(where.file);
  if (where.row !== undefined) parts.push(`row ${where.row}`);
  if (where.column !== undefined) parts.push(`column "${where.column}"`);
  return parts.length === 0 ? "" : `${parts.join(" ")}: `;
}
