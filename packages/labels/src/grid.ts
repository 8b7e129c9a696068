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
 *
 * A season of results is millions of records, so the grid holds no string or object per
 * record: the text (in pieces that end at record boundaries) and, per record, where it starts
 * in its piece and its line (8 bytes). `split` finds a record's cells again when they are
 * asked for, and `cell` gives one as a string.
 */

export interface GridOptions {
  delimiter: string;
  quotes: boolean;
  file: string;
}

const TAB = 9;
const LF = 10;
const CR = 13;
const QUOTE = 34;

/** Not one record complete before the end of this text: more text is needed (or the record continues in the next chunk). */
const INCOMPLETE = -1;

/**
 * The next place of one character in a text, by indexOf, remembered: a search that found the
 * character far ahead (or nowhere) is not made again for every record before it.
 */
class Finder {
  private text = -1;
  private from = 0;
  private at = -1;

  constructor(private readonly needle: string) {}

  /** The first place of the character at or after `i` in `text` (numbered `id`: texts are told apart by number), or -1. */
  next(text: string, id: number, i: number): number {
    if (id !== this.text || i < this.from || (this.at !== -1 && i > this.at)) {
      this.text = id;
      this.from = i;
      this.at = text.indexOf(this.needle, i);
    }
    return this.at;
  }
}

/** The records of a table's text. Record 0 is the first non-blank one (a header, in most formats). */
export class Grid {
  readonly file: string;
  readonly quotes: boolean;
  private readonly delimiter: number;
  /** The text, in pieces; no record spans two. */
  private readonly pieces: string[] = [];
  /** Per piece, its first record; then the record count. */
  private readonly pieceFirst: number[] = [];
  /** Per record, where it starts in its piece. */
  private starts = new Uint32Array(1024);
  /** Per record, the 1-based line it starts on. */
  private lines = new Uint32Array(1024);
  private size = 0;

  // The cells of the record `split` found last: inner bounds (quotes excluded) in `text`.
  private splitRecord = -1;
  private text = "";
  private piece = -1;
  /** Whether each piece has a CR (else its lines all end with LF). */
  private readonly pieceCr: boolean[] = [];
  private readonly lf = new Finder("\n");
  private readonly cr = new Finder("\r");
  private readonly cellEnd: Finder;
  private cellStarts = new Int32Array(64);
  private cellEnds = new Int32Array(64);
  private cellQuoted = new Uint8Array(64);
  /** How many cells the record `split` found last has. */
  cells = 0;

  /**
   * The records of text given in consecutive chunks (taken: the array is emptied as they are
   * read). Each chunk becomes a piece as it is, but for a record cut between two chunks, which
   * becomes a small piece of its own: the text is held once.
   */
  constructor(chunks: string[], options: GridOptions) {
    this.file = options.file;
    this.quotes = options.quotes;
    this.delimiter = options.delimiter.charCodeAt(0);
    this.cellEnd = new Finder(options.delimiter);
    let carry = "";
    let line = 1;
    for (let k = 0; k < chunks.length; k++) {
      const chunk = chunks[k]!;
      chunks[k] = "";
      const last = k === chunks.length - 1;
      let from = 0;
      // The record the previous chunk ended inside, completed a line at a time.
      while (carry !== "") {
        from = nextBreak(chunk, from);
        const joint = carry + chunk.slice(0, from);
        const whole = last && from === chunk.length;
        const before = this.size;
        const cut = this.scan(joint, 0, line, whole);
        if (cut === joint.length || from === chunk.length) {
          if (this.size > before) this.addPiece(joint, before);
          line = this.nextLine;
          carry = cut === joint.length ? "" : joint.slice(cut);
          break;
        }
        this.size = before; // scanned again, a line longer
      }
      if (from === chunk.length) continue;
      const before = this.size;
      const cut = this.scan(chunk, from, line, last);
      line = this.nextLine;
      if (this.size > before) this.addPiece(chunk, before);
      carry = cut === chunk.length ? "" : chunk.slice(cut);
    }
    chunks.length = 0;
    this.pieceFirst.push(this.size);
    if (this.starts.length - this.size > this.size / 8 + 1024) {
      this.starts = this.starts.slice(0, this.size);
      this.lines = this.lines.slice(0, this.size);
    }
  }

  private addPiece(text: string, firstRecord: number): void {
    this.pieces.push(text);
    this.pieceFirst.push(firstRecord);
    this.pieceCr.push(text.indexOf("\r") !== -1);
  }

  /** Where the line at `i` ends (its LF or CR, or the end of the text). */
  private lineEnd(text: string, id: number, i: number, hasCr: boolean): number {
    const lf = this.lf.next(text, id, i);
    if (!hasCr) return lf === -1 ? text.length : lf;
    const cr = this.cr.next(text, id, i);
    if (cr === -1) return lf === -1 ? text.length : lf;
    return lf === -1 || cr < lf ? cr : lf;
  }

  /** The number of records. */
  get count(): number {
    return this.size;
  }

  /** The 1-based line record `r` starts on. */
  line(r: number): number {
    return this.lines[r]!;
  }

  private scans = 0;
  /** The line after the last complete record `scan` found. */
  private nextLine = 1;

  /**
   * Indexes the complete records of `text`, from its start; returns where the first record not
   * complete in it starts (the text's length when all are), and leaves in `nextLine` its line.
   */
  private scan(text: string, from: number, firstLine: number, last: boolean): number {
    const n = text.length;
    const delimiter = this.delimiter;
    const quotes = this.quotes;
    const hasCr = text.indexOf("\r") !== -1;
    // Texts scanned are numbered below zero, pieces from zero.
    const scanned = -2 - this.scans++;
    let nextQuote = quotes ? text.indexOf('"', from) : -1;
    let pos = from;
    let line = firstLine;
    while (pos < n) {
      // A line without a quote is one record, its cells split by the delimiter alone.
      const end = this.lineEnd(text, scanned, pos, hasCr);
      let next: number;
      let nextLineNumber: number;
      let blank: boolean;
      if (nextQuote === -1 || nextQuote >= end) {
        if (end === n && !last) break;
        if (end < n && text.charCodeAt(end) === CR) {
          if (end + 1 === n && !last) break;
          next = text.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
        } else next = end + 1;
        nextLineNumber = line + 1;
        const c = text.charCodeAt(pos);
        blank =
          c > 32 && c < 127 && c !== delimiter && !(quotes && c === QUOTE)
            ? false
            : isBlankLine(text, pos, end, delimiter);
      } else {
        const result = this.scanQuoted(text, pos, line, last);
        if (result === INCOMPLETE) break;
        next = result;
        nextLineNumber = this.quotedLine;
        blank = this.quotedBlank;
        if (nextQuote < next) nextQuote = text.indexOf('"', next);
      }
      if (!blank) this.add(pos, line);
      pos = next;
      line = nextLineNumber;
    }
    this.nextLine = line;
    return Math.min(pos, n);
  }

  // What scanQuoted found besides where the record ends.
  private quotedLine = 0;
  private quotedBlank = true;

  /**
   * One record of a text with quotes, from `pos`: where the next starts, or INCOMPLETE when
   * the text ends inside it (before its line break) and more text follows. Throws on bad CSV.
   */
  private scanQuoted(text: string, pos: number, firstLine: number, last: boolean): number {
    const n = text.length;
    const delimiter = this.delimiter;
    let i = pos;
    let line = firstLine;
    let blank = true;
    let cell = 0;
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        const quoteLine = line;
        i += 1;
        for (;;) {
          const close = text.indexOf('"', i);
          if (close === -1) {
            if (!last) return INCOMPLETE;
            throw new LabelError("bad-csv", `a quoted cell opened on this line is never closed`, {
              file: this.file,
              row: quoteLine,
              column: `cell ${cell + 1}`,
            });
          }
          line += countLineBreaks(text, i, close);
          if (blank && !isBlankText(text, i, close)) blank = false;
          if (close + 1 === n && !last) return INCOMPLETE;
          if (text.charCodeAt(close + 1) === QUOTE) {
            blank = false;
            i = close + 2;
            continue;
          }
          i = close + 1;
          break;
        }
        if (i < n) {
          const c = text.charCodeAt(i);
          if (c !== delimiter && c !== LF && c !== CR) {
            throw new LabelError("bad-csv", `text after the closing quote of a quoted cell`, {
              file: this.file,
              row: line,
              column: `cell ${cell + 1}`,
            });
          }
        }
      } else {
        let end = i;
        for (; end < n; end++) {
          const c = text.charCodeAt(end);
          if (c === delimiter || c === LF || c === CR) break;
        }
        if (end === n && !last) return INCOMPLETE;
        if (blank && !isBlankText(text, i, end)) blank = false;
        i = end;
      }
      cell += 1;
      if (i < n && text.charCodeAt(i) === delimiter) {
        i += 1;
        if (i === n && !last) return INCOMPLETE;
        continue;
      }
      // End of the record: step over its line break.
      const c = text.charCodeAt(i);
      if (c === CR) {
        if (i + 1 === n && !last) return INCOMPLETE;
        i += text.charCodeAt(i + 1) === LF ? 2 : 1;
      } else if (c === LF) i += 1;
      line += 1;
      break;
    }
    this.quotedLine = line;
    this.quotedBlank = blank;
    return i;
  }

  private add(start: number, line: number): void {
    if (this.size === this.starts.length) {
      const starts = new Uint32Array(this.size * 2);
      starts.set(this.starts);
      this.starts = starts;
      const lines = new Uint32Array(this.size * 2);
      lines.set(this.lines);
      this.lines = lines;
    }
    this.starts[this.size] = start;
    this.lines[this.size] = line;
    this.size += 1;
  }

  /** Finds the cells of record `r`: then `cells` is their number and `cell(k)` each. */
  split(r: number): number {
    if (r === this.splitRecord) return this.cells;
    if (this.piece === -1 || r < this.pieceFirst[this.piece]! || r >= this.pieceFirst[this.piece + 1]!) {
      this.piece = this.pieceOf(r);
      this.text = this.pieces[this.piece]!;
    }
    const text = this.text;
    const hasCr = this.pieceCr[this.piece]!;
    const delimiter = this.delimiter;
    const quotes = this.quotes;
    let i = this.starts[r]!;
    const piece = this.piece;
    let lineEnd = this.lineEnd(text, piece, i, hasCr);
    let k = 0;
    for (;;) {
      if (k === this.cellStarts.length) this.growCells();
      if (quotes && text.charCodeAt(i) === QUOTE) {
        const start = i + 1;
        let close = text.indexOf('"', start);
        while (text.charCodeAt(close + 1) === QUOTE) close = text.indexOf('"', close + 2);
        this.cellStarts[k] = start;
        this.cellEnds[k] = close;
        this.cellQuoted[k] = 1;
        i = close + 1;
        // A quoted cell may hold line breaks: the record's line ends after it.
        if (i > lineEnd) lineEnd = this.lineEnd(text, piece, i, hasCr);
      } else {
        let end = this.cellEnd.next(text, piece, i);
        if (end === -1 || end > lineEnd) end = lineEnd;
        this.cellStarts[k] = i;
        this.cellEnds[k] = end;
        this.cellQuoted[k] = 0;
        i = end;
      }
      k += 1;
      if (i < lineEnd && text.charCodeAt(i) === delimiter) {
        i += 1;
        continue;
      }
      break;
    }
    this.cells = k;
    this.splitRecord = r;
    return k;
  }

  /** Cell `k` of the record `split` found last ("" past its last cell). */
  cell(k: number): string {
    if (k >= this.cells) return "";
    const value = this.text.slice(this.cellStarts[k], this.cellEnds[k]);
    return this.cellQuoted[k] === 1 && value.includes('"') ? value.replaceAll('""', '"') : value;
  }

  private growCells(): void {
    const size = this.cellStarts.length * 2;
    const starts = new Int32Array(size);
    starts.set(this.cellStarts);
    this.cellStarts = starts;
    const ends = new Int32Array(size);
    ends.set(this.cellEnds);
    this.cellEnds = ends;
    const quoted = new Uint8Array(size);
    quoted.set(this.cellQuoted);
    this.cellQuoted = quoted;
  }

  private pieceOf(r: number): number {
    let low = 0;
    let high = this.pieces.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.pieceFirst[mid]! <= r) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/** The records of a table's text (in chunks, as decodeTable gives it; the array is emptied). */
export function parseGrid(chunks: string[], options: GridOptions): Grid {
  return new Grid(chunks, options);
}

/** Where the text after the next line break (LF, CR or CRLF) from `from` starts; the end when there is none. */
function nextBreak(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) return i + 1;
    if (c === CR) return text.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
  }
  return text.length;
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) count += 1;
    else if (c === CR) {
      count += 1;
      if (i + 1 < to && text.charCodeAt(i + 1) === LF) i += 1;
    }
  }
  return count;
}

/** Whether text[from, to) is all white space, as String.prototype.trim sees it. */
function isBlankText(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isWhiteSpace(text.charCodeAt(i))) return false;
  return true;
}

/** Whether a line without quotes has only white space and delimiters (empty cells only). */
function isBlankLine(text: string, from: number, to: number, delimiter: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== delimiter && !isWhiteSpace(c)) return false;
  }
  return true;
}

/** White space and line terminators as String.prototype.trim removes them. */
export function isWhiteSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= TAB && c <= CR);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** A header row: its names in file order and a case-insensitive lookup. */
export class Header {
  readonly names: string[];
  /** The line the header is on. */
  readonly line: number;
  private readonly byKey = new Map<string, number>();
  /** Whether a column is named "__proto__" (which only defineProperty makes an own property). */
  private readonly protoColumn: boolean;

  constructor(
    private readonly grid: Grid,
    record: number,
  ) {
    const { file } = grid;
    this.line = grid.line(record);
    const count = grid.split(record);
    const cells = Array.from({ length: count }, (_, i) => grid.cell(i));
    // A header cell with no name (Raven ends some headers with a tab) gets one by position.
    this.names = cells.map((cell, i) => (cell.trim() === "" ? `column${i + 1}` : cell));
    this.names.forEach((name, i) => {
      const key = columnKey(name);
      if (this.byKey.has(key)) {
        throw new LabelError("duplicate-column", `two columns are named "${name.trim()}"`, {
          file,
          row: this.line,
          column: name,
        });
      }
      this.byKey.set(key, i);
    });
    this.protoColumn = this.names.includes("__proto__");
  }

  /** The name of the first of `candidates` the header has (matched ignoring case and outer spaces). */
  find(...candidates: string[]): string | undefined {
    for (const candidate of candidates) {
      const at = this.byKey.get(columnKey(candidate));
      if (at !== undefined) return this.names[at];
    }
    return undefined;
  }

  /** The position of a column `find` gave (-1 for none). */
  index(name: string | undefined): number {
    return name === undefined ? -1 : this.byKey.get(columnKey(name))!;
  }

  has(name: string): boolean {
    return this.byKey.has(columnKey(name));
  }

  /** Splits record `record` of the grid and checks its cells (`checkCells`); returns its line in the file. */
  open(record: number): number {
    this.grid.split(record);
    this.checkCells(record);
    return this.grid.line(record);
  }

  /** Refuses a record (the one the grid split last) with more non-empty cells than the header has columns. */
  checkCells(record: number): void {
    const { grid } = this;
    const { cells } = grid;
    for (let i = this.names.length; i < cells; i++) {
      const cell = grid.cell(i);
      if (cell.trim() !== "") {
        throw new LabelError(
          "extra-cells",
          `${cells} cells, but the header has ${this.names.length} columns (cell ${i + 1} is ${JSON.stringify(cell)})`,
          { file: grid.file, row: grid.line(record) },
        );
      }
    }
  }

  /** The cells of the record the grid split last as fields by column name; missing trailing cells are empty. */
  fields(): Record<string, string> {
    const { grid, names } = this;
    const fields: Record<string, string> = {};
    if (this.protoColumn) {
      // defineProperty makes an own property, so a column named "__proto__" is just a column.
      names.forEach((name, i) => {
        Object.defineProperty(fields, name, {
          value: grid.cell(i),
          writable: true,
          enumerable: true,
          configurable: true,
        });
      });
      return fields;
    }
    for (let i = 0; i < names.length; i++) fields[names[i]!] = grid.cell(i);
    return fields;
  }
}

export function columnKey(name: string): string {
  return name.trim().toLowerCase();
}

/** The fields of a row read only to check it (never given out). */
export const NO_FIELDS: Record<string, string> = Object.freeze({}) as Record<string, string>;
