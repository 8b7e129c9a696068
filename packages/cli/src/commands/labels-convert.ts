import { readFile } from "node:fs/promises";
import {
  LABEL_FORMATS,
  LabelError,
  type LabelFormat,
  type LabelRow,
  type LabelTable,
  type RecordingRef,
  readTable,
  type WriteOptions,
  writeTable,
} from "@granule/labels";
import { writeOutput } from "../output-file.ts";
import type { CommandContext } from "../program/context.ts";
import { writeStdout } from "../stdout.ts";
import { parseCount } from "../time.ts";
import { UsageError } from "../usage-error.ts";
import { findRecording } from "./extract-plan.ts";
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
  const bytes = await readFile(input).catch(() => {
    throw new UsageError(`${input}: cannot read the label table`);
  });
  let text: string;
  let rows: number;
  let format: LabelFormat;
  // Rows that name their recording by archive id alone: an archive knows their file names.
  let idOnlyRows = false;
  try {
    const table = readTable(new Uint8Array(bytes), {
      file: input,
      ...(from === undefined ? {} : { format: from }),
      ...(args.encoding === undefined ? {} : { encoding: args.encoding }),
    });
    ({ format } = table);
    rows = table.rows.length;
    idOnlyRows = table.rows.some(
      (r) => r.recording?.id !== undefined && r.recording.file === undefined && r.recording.path === undefined,
    );
    const placed = args.archive === undefined ? { table, options: {} } : await placeInArchive(table, args.archive);
    text = writeTable(placed.table, to, {
      file: input,
      ...placed.options,
      ...(rate === undefined ? {} : { sampleRate: rate }),
      ...(args.recordingStart === undefined ? {} : { recordingStartUtc: () => args.recordingStart }),
      ...(args.labelColumn === undefined ? {} : { labelColumn: args.labelColumn }),
      ...(args.positions === undefined ? {} : { positions: args.positions as "seconds" | "samples" }),
    });
  } catch (error) {
    if (error instanceof LabelError) {
      const hint =
        error.code === "bad-encoding"
          ? " with --encoding"
          : error.code === "needs-rate"
            ? " (give --rate, the recording's true rate)"
            : error.code === "needs-recording-start"
              ? " (give --recording-start)"
              : error.code === "unrepresentable" && args.archive === undefined && idOnlyRows
                ? " (give --archive, where each id's file name is known)"
                : "";
      throw new UsageError(`${error.message}${hint}`);
    }
    throw error;
  }
  const out = new TextEncoder().encode(text);
  if (args.output === "-") await writeStdout(out);
  else await writeOutput(args.output, out, { overwrite: args.overwrite ?? false });
  context.note(`converted ${rows} label(s) from ${format} to ${to}${args.output === "-" ? "" : `: ${args.output}`}`);
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
    const byRow = new Map<LabelRow, TargetRecording>();
    const byRef = new Map<RecordingRef, TargetRecording>();
    const starts = new Map<TargetRecording, number>();
    let seconds = 0;
    const rows = table.rows.map((row) => {
      const target = findRecording(row, targets, `${table.file} row ${row.row}`);
      // A row placed by its UTC time gets its recording's id and file name, and a row named
      // by id alone its file name, so that the written table says where it is (formats other
      // than the plain CSV name files, not archive ids).
      const file = target.fileNames[0];
      const placed: LabelRow =
        row.recording === undefined
          ? { ...row, recording: { id: target.key, file: file ?? target.key } }
          : row.recording.file === undefined && row.recording.path === undefined && file !== undefined
            ? { ...row, recording: { ...row.recording, file } }
            : row;
      byRow.set(placed, target);
      byRef.set(placed.recording!, target);
      if (!starts.has(target)) {
        starts.set(target, seconds);
        seconds += target.totalSamples / target.sampleRate;
      }
      return placed;
    });
    return {
      table: { ...table, rows },
      options: {
        sampleRate: (row) => byRow.get(row)?.sampleRate,
        recordingStartUtc: (row) => byRow.get(row)?.recordedAt ?? undefined,
        tableStart: (ref) => {
          const target = byRef.get(ref);
          return target === undefined ? undefined : starts.get(target);
        },
      },
    };
  } finally {
    await targets.close();
  }
}
