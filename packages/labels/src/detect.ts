import { parseDecimal } from "./decimal.ts";
import { LabelError } from "./errors.ts";
import { columnKey } from "./grid.ts";
import type { LabelFormat } from "./row.ts";

export interface Detected {
  format: LabelFormat;
  /** The cell delimiter: a tab, or a comma. */
  delimiter: "\t" | ",";
}

/**
 * The format of a table, from its first non-blank line:
 * - a number first and a tab (no header): Audacity (a number first without a tab is refused:
 *   a CSV without its header);
 * - a header with `Begin Time (s)`: Raven (also BirdNET's selection tables);
 * - `IN FILE`, `OFFSET` and `DURATION`: Kaleidoscope (also BirdNET's Kaleidoscope CSV);
 * - `Start (s)` and `End (s)`: BirdNET's CSV;
 * - `start,end`, `start_sample,end_sample` or `start_utc,end_utc`: the plain CSV.
 * Header names match ignoring case and outer spaces. Cells are tab-separated when the line has
 * a tab, else comma-separated (a Raven table a spreadsheet saved as CSV reads too).
 */
export function detectFormat(text: string, file = "label table"): Detected {
  const first = firstLineAt(text);
  if (first === undefined) throw new LabelError("unknown-format", `the table is empty`, { file });
  const { line, number } = first;
  const delimiter = line.includes("\t") || !line.includes(",") ? "\t" : ",";
  const cells = line.split(delimiter).map((cell) => cell.trim().replace(/^"(.*)"$/, "$1"));
  const keys = new Set(cells.map(columnKey));
  const numberFirst = cells[0] !== undefined && parseDecimal(cells[0], { comma: true }) !== undefined;
  if (numberFirst && !line.includes("\t")) {
    // Audacity always writes start, end and label with tabs between them: a line of numbers
    // and commas is a CSV without its header, whose columns cannot be guessed.
    throw new LabelError(
      "unknown-format",
      `the first line ${JSON.stringify(line.slice(0, 200))} starts with a number but has no tab, so it is neither an Audacity label track (tab-separated) nor a table with a header; add a header row, such as start,end`,
      { file, row: number },
    );
  }
  const format = numberFirst ? "audacity" : formatOfHeader(keys);
  if (format !== undefined) return { format, delimiter: format === "audacity" ? "\t" : delimiter };
  if (!line.includes("\t") && !line.includes(",") && line.includes(";")) {
    const semicolonKeys = new Set(line.split(";").map(columnKey));
    if (formatOfHeader(semicolonKeys) !== undefined) {
      throw new LabelError(
        "semicolon-separated",
        `the table is separated by semicolons (a spreadsheet's regional CSV); save it as comma-separated CSV with decimal points, or as tab-separated text`,
        { file, row: number },
      );
    }
  }
  throw new LabelError(
    "unknown-format",
    `the first line ${JSON.stringify(line.slice(0, 200))} is not a label table header this package knows: Raven needs "Begin Time (s)", BirdNET's CSV "Start (s)" and "End (s)", Kaleidoscope "IN FILE", "OFFSET" and "DURATION", the plain CSV start,end or start_sample,end_sample; an Audacity track starts with a number`,
    { file, row: number },
  );
}

/** The delimiter to read a table with when its format is given. */
export function delimiterFor(format: LabelFormat, text: string): "\t" | "," {
  if (format === "audacity") return "\t";
  const line = firstLine(text) ?? "";
  return line.includes("\t") || !line.includes(",") ? "\t" : ",";
}

function formatOfHeader(keys: Set<string>): LabelFormat | undefined {
  if (keys.has("begin time (s)")) return "raven";
  if (keys.has("in file") && keys.has("offset") && keys.has("duration")) return "kaleidoscope";
  if (keys.has("start (s)") && keys.has("end (s)")) return "birdnet-csv";
  const pairs = [
    ["start", "end"],
    ["start_sample", "end_sample"],
    ["start_utc", "end_utc"],
  ];
  if (pairs.some(([a, b]) => keys.has(a!) && keys.has(b!))) return "csv";
  return undefined;
}

/**
 * The start of a table's text (given in pieces) that holds its first line with something on
 * it, whole: what detectFormat and delimiterFor read.
 */
export function headText(pieces: readonly string[]): string {
  let text = "";
  for (const piece of pieces) {
    text = text === "" ? piece : text + piece;
    const first = firstLineAt(text);
    if (first !== undefined && first.end < text.length) return text;
  }
  return text;
}

/** The first line with something on it, its 1-based number, and where it ends. */
function firstLineAt(text: string): { line: string; number: number; end: number } | undefined {
  let at = 0;
  let number = 1;
  while (at < text.length) {
    let end = at;
    while (end < text.length && text[end] !== "\n" && text[end] !== "\r") end += 1;
    const line = text.slice(at, end);
    if (line.trim() !== "") return { line, number, end };
    at = end + (text[end] === "\r" && text[end + 1] === "\n" ? 2 : 1);
    number += 1;
  }
  return undefined;
}

function firstLine(text: string): string | undefined {
  return firstLineAt(text)?.line;
}
