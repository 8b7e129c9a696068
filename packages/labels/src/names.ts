import { LabelError } from "./errors.ts";
import type { LabelRow } from "./row.ts";

/** One thing to name: a row, and what the caller knows about it beyond the table. */
export interface NameInput {
  row: LabelRow;
  /** For `{start_sample}`/`{end_sample}` when the row's positions are not samples (see rowSamples). */
  startSample?: number;
  endSample?: number;
  /** For `{recording}`: default the row's recording id, else its file name without extension. */
  recording?: string;
}

/**
 * Inputs made one at a time (`at(i)`, as arrays have it), for lists too long to hold as
 * objects: each is asked for once, in order, and may be dropped after.
 */
export interface NameInputs {
  readonly length: number;
  at(index: number): NameInput | undefined;
}

export interface NameOptions {
  /**
   * Names already in use (earlier outputs, other recordings' outputs written to the same
   * folder): new names avoid them, compared as the file systems of Windows and macOS do
   * (ignoring case and Unicode normalisation).
   */
  taken?: Iterable<string>;
  /** The longest a path segment may be, in UTF-8 bytes (16-255, default 200: room for an extension under 255). */
  maxSegmentBytes?: number;
  /** The table's name, for messages. */
  file?: string;
}

type Part = { literal: string } | { placeholder: string };

const PLACEHOLDERS = [
  "label",
  "recording",
  "file",
  "start_sample",
  "end_sample",
  "start",
  "end",
  "channel",
  "row",
  "n",
];

/**
 * Output names from a template such as `{label}/{recording}-{start_sample}` or
 * `{fields.Species}_{n}`, one per input, all distinct: safe relative paths (without extension;
 * add yours) whatever the labels hold:
 * - `/` only where the template has one (in a value it becomes `_`, as `\` does), so every
 *   name has the template's depth and no name is a folder of another;
 * - no `.` or `..` segments, no leading dots or spaces, no trailing dots or spaces (Windows
 *   drops them), no control, bidi-control, zero-width or separator characters, none of
 *   `< > : " | ? *` (each becomes `_`); no reserved Windows names (`CON`, `nul.txt`, `COM1`...:
 *   prefixed `_`); empty segments become `_`;
 * - Unicode normalised to NFC; each segment at most `maxSegmentBytes` UTF-8 bytes, cut at a
 *   character boundary;
 * - deterministic de-duplication: a name equal to an earlier one or a `taken` one (ignoring
 *   case and normalisation) gets `-2`, `-3`... on its last segment.
 *
 * Placeholders: `{label}`, `{recording}`, `{file}` (the recording's file name without its
 * extension), `{start_sample}`, `{end_sample}`, `{start}`, `{end}` (the seconds as in the row),
 * `{channel}` (0-based), `{row}` (the table line), `{n}` (1-based position in `inputs`,
 * zero-padded), `{fields.COLUMN}` (any original column); `{{` and `}}` for braces. A
 * placeholder a row has no value for is an error naming the row.
 *
 * Names must be unique where outputs meet: pass every input written to one place in one call
 * (for a job split across tasks, every task names the whole list and takes its slice), and
 * earlier names as `taken`. `inputs` may also be made one at a time (`NameInputs`).
 */
export function outputNames(
  template: string,
  inputs: readonly NameInput[] | NameInputs,
  options: NameOptions = {},
): string[] {
  const maxBytes = options.maxSegmentBytes ?? 200;
  if (!Number.isInteger(maxBytes) || maxBytes < 16 || maxBytes > 255) {
    throw new LabelError("invalid-argument", `maxSegmentBytes must be a whole number from 16 to 255, got ${maxBytes}`);
  }
  const segments = parseTemplate(template);
  const width = String(inputs.length).length;
  const used = new Set<string>();
  for (const name of options.taken ?? []) used.add(foldKey(name));
  // Where the search for a free "-N" resumes, per name: linear, not quadratic, in repeats.
  const nextSuffix = new Map<string, number>();
  const names: string[] = new Array(inputs.length);
  for (let index = 0; index < names.length; index++) {
    const input = inputs.at(index)!;
    const parts = segments.map((segment) =>
      safeSegment(
        segment
          .map((part) =>
            "literal" in part ? part.literal : placeholderValue(part.placeholder, input, index, width, options.file),
          )
          .join(""),
        maxBytes,
      ),
    );
    let name = parts.join("/");
    let key = foldKey(name);
    if (used.has(key)) {
      const wanted = key;
      const last = parts.length - 1;
      const base = parts[last]!;
      for (let n = nextSuffix.get(wanted) ?? 2; ; n++) {
        const suffix = `-${n}`;
        parts[last] = `${fixEnds(cutToBytes(base, maxBytes - suffix.length))}${suffix}`;
        name = parts.join("/");
        key = foldKey(name);
        if (!used.has(key)) {
          nextSuffix.set(wanted, n + 1);
          break;
        }
      }
    }
    used.add(key);
    names[index] = name;
  }
  return names;
}

function parseTemplate(template: string): Part[][] {
  const bad = (message: string) =>
    new LabelError("bad-template", `name template ${JSON.stringify(template)}: ${message}`);
  if (template === "") throw bad("it is empty");
  if (template.includes("\\")) throw bad("use / to separate folders, not \\");
  const segments: Part[][] = [[]];
  let literal = "";
  const flush = () => {
    if (literal !== "") segments[segments.length - 1]!.push({ literal });
    literal = "";
  };
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === "{" && template[i + 1] === "{") {
      literal += "{";
      i += 1;
    } else if (c === "}" && template[i + 1] === "}") {
      literal += "}";
      i += 1;
    } else if (c === "{") {
      const close = template.indexOf("}", i);
      if (close === -1) throw bad(`a { at ${i} is never closed`);
      const placeholder = template.slice(i + 1, close);
      if (!PLACEHOLDERS.includes(placeholder) && !(placeholder.startsWith("fields.") && placeholder.length > 7)) {
        throw bad(
          `unknown placeholder {${placeholder}}; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")} or {fields.COLUMN}`,
        );
      }
      flush();
      segments[segments.length - 1]!.push({ placeholder });
      i = close;
    } else if (c === "}") {
      throw bad(`a } at ${i} without its {`);
    } else if (c === "/") {
      flush();
      segments.push([]);
    } else {
      literal += c;
    }
  }
  flush();
  segments.forEach((segment, i) => {
    if (segment.length === 0) throw bad(i === 0 ? "it starts with /" : "it has an empty folder (// or a trailing /)");
    const only = segment.length === 1 && "literal" in segment[0]! ? segment[0].literal : undefined;
    if (only === "." || only === "..") throw bad(`it has a ${only} folder`);
  });
  return segments;
}

function placeholderValue(
  placeholder: string,
  input: NameInput,
  index: number,
  width: number,
  file: string | undefined,
): string {
  const { row } = input;
  const missing = (what: string) =>
    new LabelError("missing-value", `no value for {${placeholder}} in the name template: ${what}`, {
      file,
      row: row.row,
    });
  switch (placeholder) {
    case "label":
      return row.label ?? "";
    case "recording": {
      const name = input.recording ?? row.recording?.id ?? fileStem(row);
      if (name === undefined) throw missing("the row names no recording; pass recording with the input");
      return name;
    }
    case "file": {
      const name = fileStem(row);
      if (name === undefined) throw missing("the row names no file");
      return name;
    }
    case "start_sample":
    case "end_sample": {
      const point = placeholder === "start_sample" ? row.start : row.end;
      const given = placeholder === "start_sample" ? input.startSample : input.endSample;
      if (given !== undefined) return String(given);
      if ("sample" in point) return String(point.sample);
      throw missing("its position is not a sample; pass startSample/endSample (from rowSamples) with the input");
    }
    case "start":
    case "end": {
      const point = placeholder === "start" ? row.start : row.end;
      return "seconds" in point ? point.seconds : "sample" in point ? String(point.sample) : point.utc;
    }
    case "channel":
      if (row.channel === undefined) throw missing("the row has no channel");
      return String(row.channel);
    case "row":
      return String(row.row);
    case "n":
      return String(index + 1).padStart(width, "0");
    default: {
      const column = placeholder.slice("fields.".length);
      if (Object.hasOwn(row.fields, column)) return row.fields[column]!;
      const key = column.trim().toLowerCase();
      const found = Object.keys(row.fields).find((name) => name.trim().toLowerCase() === key);
      if (found === undefined) throw missing(`the row has no column "${column}"`);
      return row.fields[found]!;
    }
  }
}

function fileStem(row: LabelRow): string | undefined {
  const name = row.recording?.file ?? row.recording?.path;
  if (name === undefined) return undefined;
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

// Controls (C0, DEL, C1), bidi controls, zero-width and invisible format characters, line and
// paragraph separators, byte order marks and noncharacters, lone surrogates; and what Windows
// forbids in names (with / and \ so that values cannot add folders). Listed explicitly rather
// than by Unicode category, so that every runtime (whatever its Unicode version) names alike.
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ufffe\uffff<>:"/\\|?*]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const RESERVED = /^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])$/i;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function safeSegment(text: string, maxBytes: number): string {
  let segment = text.replace(UNSAFE, "_");
  if (!PRINTABLE_ASCII.test(segment)) segment = segment.normalize("NFC");
  segment = fixEnds(cutToBytes(segment, maxBytes));
  // Windows reserves these names with any extension ("nul.txt"), and ignores trailing spaces before the dot.
  const stem = segment.split(".")[0]!.trimEnd();
  if (RESERVED.test(stem)) segment = `_${fixEnds(cutToBytes(segment, maxBytes - 1))}`;
  return segment === "" ? "_" : segment;
}

/** Leading and trailing dots and spaces to `_` (no hidden files, no `..`, nothing Windows would drop). */
function fixEnds(segment: string): string {
  return segment.replace(/^[. ]+/, (run) => "_".repeat(run.length)).replace(/[. ]+$/, (run) => "_".repeat(run.length));
}

/** UTF-8 length of well-formed text (lone surrogates never reach here). */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 2; // a pair: 2 UTF-16 units, 4 bytes
      i += 1;
    } else if (c >= 0x800) bytes += 2;
    else if (c >= 0x80) bytes += 1;
  }
  return bytes;
}

/** The longest prefix of at most `maxBytes` UTF-8 bytes, cut between characters, still NFC. */
function cutToBytes(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  // A combining mark left at the end could compose differently; normalise and re-check.
  const cut = text.slice(0, end).normalize("NFC");
  return utf8Length(cut) <= maxBytes ? cut : cutToBytes(Array.from(cut).slice(0, -1).join(""), maxBytes);
}

/** Names that Windows or macOS would take as the same file compare equal here. */
function foldKey(name: string): string {
  if (PRINTABLE_ASCII.test(name)) return name.toLowerCase();
  return name.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");
}
