import {
  LABEL_FORMATS,
  LabelError,
  type LabelFormat,
  type LabelTable,
  mapRows,
  type RecordingRef,
  readTable,
  type WriteOptions,
  writeTableLines,
} from "@granule/labels";
import { fileChunks } from "../label-table.ts";
import { openOutput, writeOutput } from "../output-file.ts";
import type { CommandContext } from "../program/context.ts";
import { writeStdout } from "../stdout.ts";
import { parseCount } from "../time.ts";
import { UsageError } from "../usage-error.ts";
import { findRecording, refFileName, rowOrigin } from "./extract-plan.ts";
import { openTargets, type TargetRecording } from "./extract-targets.ts";

export interface LabelsConvertArguments {
  output: string;
  to: string;
  from?: string;
  encoding?: string;
  rate?: string;
  recordingStart?: string;
  labelColumn?: string;
  positions?: string;
  overwrite?: boolean;
  archive?: string;
}

/** The format a name on the command line means: the package's names, and `birdnet` for its CSV. */
export function labelFormat(text: string, option: string): LabelFormat {
  const format = text === "birdnet" ? "birdnet-csv" : text;
  if (!LABEL_FORMATS.includes(format as LabelFormat)) {
    throw new UsageError(`${option} must be raven, audacity, birdnet, kaleidoscope or csv, not "${text}"`);
  }
  return format as LabelFormat;
}

/**
 * `granule labels convert`: a label table read in its format (detected, or `--from`) and
 * written in another, with every position exact (seconds as the decimals they are, samples
 * through `--rate` as seconds that read back as the same sample) and annotation columns kept.
 */
export async function runLabelsConvert(input: string, args: LabelsConvertArguments, context: CommandContext) {
  const to = labelFormat(args.to, "--to");
  const from = args.from === undefined ? undefined : labelFormat(args.from, "--from");
  const rate = args.rate === undefined ? undefined : parseCount(args.rate, "--rate");
  if (rate !== undefined && rate < 1) throw new UsageError("--rate must be a positive number of hertz");
  if (args.positions !== undefined && args.positions !== "seconds" && args.positions !== "samples") {
    throw new UsageError(`--positions must be seconds or samples, not "${args.positions}"`);
  }
  if (args.recordingStart !== undefined && Number.isNaN(Date.parse(args.recordingStart))) {
    throw new UsageError(`--recording-start "${args.recordingStart}" is not an ISO 8601 time`);
  }
  let rows = 0;
  let format: LabelFormat | undefined;
  let table: LabelTable | undefined;
  try {
    table = readTable(fileChunks(input, `${input}: cannot read the label table`), {
      file: input,
      ...(from === undefined ? {} : { format: from }),
      ...(args.encoding === undefined ? {} : { encoding: args.encoding }),
    });
    ({ format } = table);
    rows = table.rows.length;
    const placed = args.archive === undefined ? { table, options: {} } : await placeInArchive(table, args.archive);
    const lines = writeTableLines(placed.table, to, {
      file: input,
      ...placed.options,
      ...(rate === undefined ? {} : { sampleRate: rate }),
      ...(args.recordingStart === undefined ? {} : { recordingStartUtc: () => args.recordingStart }),
      ...(args.labelColumn === undefined ? {} : { labelColumn: args.labelColumn }),
      ...(args.positions === undefined ? {} : { positions: args.positions as "seconds" | "samples" }),
    });
    await writeLines(lines, args.output, args.overwrite ?? false);
  } catch (error) {
    if (error instanceof LabelError) {
      const hint =
        error.code === "bad-encoding"
          ? " with --encoding"
          : error.code === "needs-rate"
            ? " (give --rate, the recording's true rate)"
            : error.code === "needs-recording-start"
              ? " (give --recording-start)"
              : error.code === "unrepresentable" && args.archive === undefined && table !== undefined && idOnly(table)
                ? " (give --archive, where each id's file name is known)"
                : "";
      throw new UsageError(`${error.message}${hint}`);
    }
    throw error;
  }
  context.note(`converted ${rows} label(s) from ${format} to ${to}${args.output === "-" ? "" : `: ${args.output}`}`);
}

/** Whether some row names its recording by archive id alone (an archive knows its file name). */
function idOnly(table: LabelTable): boolean {
  return table.rows.some(
    (r) => r.recording?.id !== undefined && r.recording.file === undefined && r.recording.path === undefined,
  );
}

/** Characters of lines encoded and written at a time. */
const BATCH_CHARACTERS = 1 << 20;

/**
 * Writes a table's lines to `output` (or stdout for "-") a batch at a time, each line ended
 * with LF: a converted season is never one string. A problem found while writing (a row the
 * format cannot hold) leaves no output, as one found before: the file appears only when whole
 * (see openOutput), and stdout gets the bytes only once they are all made.
 */
async function writeLines(lines: Iterator<string>, output: string, overwrite: boolean): Promise<void> {
  const encoder = new TextEncoder();
  const batch = (): Uint8Array | undefined => {
    const part: string[] = [];
    let size = 0;
    while (size < BATCH_CHARACTERS) {
      const next = lines.next();
      if (next.done === true) break;
      part.push(next.value);
      size += next.value.length + 1;
    }
    return part.length === 0 ? undefined : encoder.encode(`${part.join("\n")}\n`);
  };
  // The first batch checks the whole table (and is all of a small one) before any output is opened.
  const first = batch() ?? new Uint8Array(0);
  const second = batch();
  if (output === "-") {
    const parts = [first];
    for (let part = second; part !== undefined; part = batch()) parts.push(part);
    for (const part of parts) await writeStdout(part);
    return;
  }
  if (second === undefined) {
    await writeOutput(output, first, { overwrite });
    return;
  }
  const file = await openOutput(output, { overwrite });
  try {
    await file.write(first);
    for (let part: Uint8Array | undefined = second; part !== undefined; part = batch()) await file.write(part);
    await file.close();
  } catch (error) {
    await file.abort();
    throw error;
  }
}

/**
 * What an archive knows for writing a table over its recordings: each row's recording (found
 * as `extract` finds it) gives its true rate (sample positions to seconds), its `recordedAt`
 * (UTC positions to seconds), and, for a Raven table over several recordings, where each
 * recording starts in the table's timeline: the recordings in the order the table first names
 * them, one after another (Raven's `Begin Time` of a multi-file table counts from the first
 * file's start; `File Offset` places each box in its own file exactly).
 */
async function placeInArchive(
  table: LabelTable,
  archive: string,
): Promise<{ table: LabelTable; options: WriteOptions }> {
  const targets = await openTargets(archive);
  try {
    // Each row's recording, found once (a row that names none is refused here, before any
    // output). The placed rows are made as the writer reads them (`mapRows`: a view stays a
    // view), so a table of millions of rows is not copied. A placed row names its recording
    // by id, or by the file name it was found by: that name gives its recording back.
    const found: TargetRecording[] = [];
    const recordingOf = new Uint32Array(table.rows.length);
    const numberOf = new Map<TargetRecording, number>();
    const byName = new Map<string, TargetRecording>();
    const starts = new Map<TargetRecording, number>();
    let seconds = 0;
    table.rows.forEach((row, i) => {
      const target = findRecording(row, targets, rowOrigin(table, row.row));
      let number = numberOf.get(target);
      if (number === undefined) {
        number = found.push(target) - 1;
        numberOf.set(target, number);
        starts.set(target, seconds);
        seconds += target.totalSamples / target.sampleRate;
      }
      recordingOf[i] = number;
      const name = refName(row.recording);
      if (name !== undefined) byName.set(name, target);
    });
    for (const target of found) byName.set(refName({ id: target.key })!, target);
    // Rows placed by their UTC time: one ref a recording, its id and file name.
    const timeRefs = found.map((target): RecordingRef => ({ id: target.key, file: target.fileNames[0] ?? target.key }));
    const rows = mapRows(table.rows, (row, i) => {
      const number = recordingOf[i]!;
      // A row placed by its UTC time gets its recording's id and file name, and a row named
      // by id alone its file name, so that the written table says where it is (formats other
      // than the plain CSV name files, not archive ids).
      if (refName(row.recording) === undefined) return { ...row, recording: timeRefs[number]! };
      const file = found[number]!.fileNames[0];
      return row.recording!.file === undefined && row.recording!.path === undefined && file !== undefined
        ? { ...row, recording: { ...row.recording, file } }
        : row;
    });
    const recordingOfRef = (ref: RecordingRef | undefined) => {
      const name = refName(ref);
      return name === undefined ? undefined : byName.get(name);
    };
    return {
      table: { ...table, rows },
      options: {
        sampleRate: (row) => recordingOfRef(row.recording)?.sampleRate,
        recordingStartUtc: (row) => recordingOfRef(row.recording)?.recordedAt ?? undefined,
        tableStart: (ref) => {
          const target = recordingOfRef(ref);
          return target === undefined ? undefined : starts.get(target);
        },
      },
    };
  } finally {
    await targets.close();
  }
}

/** What finds a row's recording (findRecording) when it names one: its archive id, else its file name. */
function refName(ref: RecordingRef | undefined): string | undefined {
  if (ref?.id !== undefined) return `id:${ref.id}`;
  const file = refFileName(ref);
  return file === undefined ? undefined : `file:${file}`;
}
