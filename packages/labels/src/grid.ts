import { LabelError } from "./errors.ts";

/*
 * Delimited text to cells, written here rather than with csv-parse 7.0.3: csv-parse (and
 * csv-stringify 6.9.0) use Node's global `Buffer`, csv-stringify already at import, so the main
 * entry would not load in a browser; and csv-parse counts a CRLF inside a quoted field as two
 * lines, which puts every later row number off by one in messages. The tests check this parser
 * against csv-parse on random tables (same cells), and our writer against csv-stringify.
 *
 * RFC 4180 with: LF, CRLF or CR line ends; blank lines skipped (anywhere, trailing ones
 * included), as are rows of empty cells only (a spreadsheet's residue); a quote inside an
 * unquoted cell taken literally (as Python's csv and spreadsheets do). With `quotes: false`
 * (Raven and Audacity, tab-separated: their cells are never quoted, a `"` is just a character).
 */

export interface GridRecord {
  /** 1-based line on which the record starts. */
  line: number;
  cells: string[];
}

export interface GridOptions {
  delimiter: string;
  quotes: boolean;
  file: string;
}

export function parseGrid(text: string, options: GridOptions): GridRecord[] {
  const { delimiter, quotes, file } = options;
  const records: GridRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const recordLine = line;
    const cells: string[] = [];
    for (;;) {
      let value: string;
      if (quotes && text[i] === '"') {
        const quoteLine = line;
        i += 1;
        value = "";
        for (;;) {
          const close = text.indexOf('"', i);
          if (close === -1) {
            throw new LabelError("bad-csv", `a quoted cell opened on this line is never closed`, {
              file,
              row: quoteLine,
              column: `cell ${cells.length + 1}`,
            });
          }
          const chunk = text.slice(i, close);
          line += countLineBreaks(chunk);
          value += chunk;
          if (text[close + 1] === '"') {
            value += '"';
            i = close + 2;
            continue;
          }
          i = close + 1;
          break;
        }
        if (i < n && text[i] !== delimiter && text[i] !== "\n" && text[i] !== "\r") {
          throw new LabelError("bad-csv", `text after the closing quote of a quoted cell`, {
            file,
            row: line,
            column: `cell ${cells.length + 1}`,
          });
        }
      } else {
        let end = i;
        while (end < n && text[end] !== delimiter && text[end] !== "\n" && text[end] !== "\r") end += 1;
        value = text.slice(i, end);
        i = end;
      }
      cells.push(value);
      if (i < n && text[i] === delimiter) {
        i += 1;
        continue;
      }
      // End of the record: step over its line break.
      if (text[i] === "\r") i += text[i + 1] === "\n" ? 2 : 1;
      else if (text[i] === "\n") i += 1;
      line += 1;
      break;
    }
    if (cells.some((cell) => cell.trim() !== "")) records.push({ line: recordLine, cells });
  }
  return records;
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) count += 1;
    else if (c === 13) {
      count += 1;
      if (text.charCodeAt(i + 1) === 10) i += 1;
    }
  }
  return count;
}

/** A header row: its names in file order and a case-insensitive lookup. */
export class Header {
  readonly names: string[];
  /** The line the header is on. */
  readonly line: number;
  private readonly byKey = new Map<string, number>();

  constructor(
    record: GridRecord,
    private readonly file: string,
  ) {
    this.line = record.line;
    // A header cell with no name (Raven ends some headers with a tab) gets one by position.
    this.names = record.cells.map((cell, i) => (cell.trim() === "" ? `column${i + 1}` : cell));
    this.names.forEach((name, i) => {
      const key = columnKey(name);
      if (this.byKey.has(key)) {
        throw new LabelError("duplicate-column", `two columns are named "${name.trim()}"`, {
          file,
          row: record.line,
          column: name,
        });
      }
      this.byKey.set(key, i);
    });
  }

  /** The name of the first of `candidates` the header has (matched ignoring case and outer spaces). */
  find(...candidates: string[]): string | undefined {
    for (const candidate of candidates) {
      const at = this.byKey.get(columnKey(candidate));
      if (at !== undefined) return this.names[at];
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.byKey.has(columnKey(name));
  }

  /** A record's cells as fields by column name; missing trailing cells are empty. */
  fields(record: GridRecord): Record<string, string> {
    const { cells } = record;
    for (let i = this.names.length; i < cells.length; i++) {
      if (cells[i]!.trim() !== "") {
        throw new LabelError(
          "extra-cells",
          `${cells.length} cells, but the header has ${this.names.length} columns (cell ${i + 1} is ${JSON.stringify(cells[i])})`,
          { file: this.file, row: record.line },
        );
      }
    }
    // fromEntries defines own properties, so a column named "__proto__" is just a column.
    return Object.fromEntries(this.names.map((name, i) => [name, cells[i] ?? ""]));
  }
}

export function columnKey(name: string): string {
  return name.trim().toLowerCase();
}
