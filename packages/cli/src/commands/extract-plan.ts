import { basename } from "node:path";
import {
  LabelError,
  type LabelRow,
  type LabelTable,
  type NameInputs,
  type RecordingRef,
  rowSamples,
  utcToSample,
} from "@granule/labels";
import type { TimelinePlan } from "@granule/timeline";
import { UsageError } from "../usage-error.ts";
import type { ExtractTargets, TargetRecording } from "./extract-targets.ts";
import type { SpanSource } from "./shaped-stream.ts";

/** One output of an extraction, planned before anything is decoded. */
export interface PlannedOutput {
  /** 1-based position in the whole plan (every part of a split job numbers alike). */
  n: number;
  target: TargetRecording;
  /** Samples at the recording's true rate; the end is exclusive. */
  startSample: number;
  endSample: number;
  /** The table row it came from (windows and ranges get a row of their own, without fields). */
  row: LabelRow;
  /** Where it came from, for messages: "calls.txt row 3", "rec.opus window 4". */
  origin: string;
  /** Whether the row gave times (messages then speak of times). */
  byTime: boolean;
  /** The end the row asked for, when `--clip-to-end` cut it at the recording's end. */
  clippedFrom?: number;
  /**
   * A window of a deployment's timeline (extract-deployment-windows.ts): read from its span,
   * which may join recordings or hold silence. `target`, `startSample` and `endSample` are
   * then where it starts, on the timeline of the recording it starts in (or, starting in a
   * gap, of the recording before it), its end running on past that recording's end.
   */
  timeline?: TimelineWindow;
}

/** Where a window of a deployment's timeline comes from. */
export interface TimelineWindow {
  /** Its span, for grouping: the windows of one span are read from one stream. */
  spanKey: string;
  span: SpanSource;
  /** Where the window starts in the span's samples. */
  spanStartSample: number;
  /** The window's own plan: its recordings, pieces and gaps. */
  plan: TimelinePlan;
}

/** Where a table's row is, for messages: "calls.txt row 3" (`line`: the row's line in the file). */
export function rowOrigin(table: LabelTable, line: number): string {
  return `${table.file} row ${line}`;
}

/**
 * The output of a table's row, which it reads from the table when asked for: a large table's
 * rows are a view (@granule/labels), and a plan of millions of them held as row objects took
 * some 600 bytes a row.
 */
class TableOutput implements PlannedOutput {
  n = 0;
  startSample: number;
  endSample: number;
  clippedFrom?: number;

  constructor(
    readonly target: TargetRecording,
    range: { startSample: number; endSample: number },
    private readonly table: LabelTable,
    private readonly index: number,
    /** The row's line in the table. */
    private readonly line: number,
    readonly byTime: boolean,
  ) {
    this.startSample = range.startSample;
    this.endSample = range.endSample;
  }

  get row(): LabelRow {
    return this.table.rows[this.index]!;
  }

  get origin(): string {
    return rowOrigin(this.table, this.line);
  }
}

/** Rows left out (`--skip-invalid`) or shortened (`--clip-to-end`), and why. */
export interface PlanReport {
  skipped: { origin: string; reason: string }[];
  clipped: { origin: string; endSample: number; clippedTo: number }[];
}

export interface RowPolicy {
  /** Cut a row that runs past its recording's end at the end. */
  clipToEnd: boolean;
  /** Leave out rows that cannot be extracted (past the end, unknown recording, points), with a report. */
  skipInvalid: boolean;
}

/** A row that cannot be extracted: an error by default, a report line with `--skip-invalid`. */
class InvalidRow extends Error {}

/**
 * The outputs of a label table: each row placed in its recording (by archive id, by file
 * name, or by UTC time), its positions turned into samples at the recording's true rate by
 * the labels package's one rounding rule, and checked against the recording's end.
 */
export function planRows(
  table: LabelTable,
  targets: ExtractTargets,
  policy: RowPolicy,
): {
  outputs: PlannedOutput[];
  report: PlanReport;
} {
  const report: PlanReport = { skipped: [], clipped: [] };
  const outputs: PlannedOutput[] = [];
  refuseSharedFileNames(table);
  let index = -1;
  for (const row of table.rows) {
    index++;
    const origin = rowOrigin(table, row.row);
    try {
      const target = recordingOf(row, targets, origin);
      let range: { startSample: number; endSample: number };
      try {
        range = rowSamples(row, target.sampleRate, {
          file: table.file,
          ...(target.recordedAt === null ? {} : { recordingStartUtc: target.recordedAt }),
        });
      } catch (error) {
        if (error instanceof LabelError) {
          // The labels package speaks of its option; here the time comes from the archive.
          const hint =
            error.code === "needs-recording-start"
              ? `: ${target.name} has no recording time (a plain file, or imported without one: granule import --recorded-at)`
              : "";
          throw new UsageError(`${error.message}${hint}`);
        }
        throw error;
      }
      const byTime = !("sample" in row.start);
      const shown = describeRange(range, target.sampleRate, byTime);
      if (range.startSample === range.endSample) {
        throw new InvalidRow(`${origin}: ${shown} is empty (a point label): there are no samples to extract`);
      }
      const output = new TableOutput(target, range, table, index, row.row, byTime);
      if (range.endSample > target.totalSamples) {
        const past = `${origin}: ${shown} goes past the end of ${target.name}, which holds samples 0-${target.totalSamples} (${(target.totalSamples / target.sampleRate).toFixed(3)} s)`;
        if (!policy.clipToEnd || range.startSample >= target.totalSamples) {
          throw new InvalidRow(
            `${past}${policy.clipToEnd ? "; it starts after the end, so there is nothing to keep" : ": pass --clip-to-end to cut it there, or --skip-invalid to leave it out"}`,
          );
        }
        output.clippedFrom = range.endSample;
        output.endSample = target.totalSamples;
        report.clipped.push({ origin, endSample: range.endSample, clippedTo: target.totalSamples });
      }
      outputs.push(output);
    } catch (error) {
      if (!(error instanceof InvalidRow)) throw error;
      if (!policy.skipInvalid) throw new UsageError(error.message);
      report.skipped.push({ origin, reason: error.message.slice(origin.length + 2) });
    }
  }
  return { outputs: numbered(outputs), report };
}

/** What `outputNames` names the outputs by, made one at a time (a large table's rows are not held: TableOutput). */
export function nameInputsOf(outputs: readonly PlannedOutput[]): NameInputs {
  return {
    length: outputs.length,
    at: (i) => {
      const output = outputs[i]!;
      return {
        row: output.row,
        startSample: output.startSample,
        endSample: output.endSample,
        recording: output.target.key,
      };
    },
  };
}

/** Numbers outputs 1, 2, 3... in plan order. */
export function numbered(outputs: PlannedOutput[]): PlannedOutput[] {
  outputs.forEach((output, i) => {
    output.n = i + 1;
  });
  return outputs;
}

/** Checks a range given on the command line against its recording (the messages of `checkRange`). */
export function checkSpan(
  range: { startSample: number; endSample: number; byTime?: boolean },
  target: TargetRecording,
): void {
  const shown = describeRange(range, target.sampleRate, range.byTime ?? false);
  if (range.startSample >= range.endSample) {
    throw new UsageError(`the range ${shown} is empty: the start must come before the end`);
  }
  if (range.endSample > target.totalSamples) {
    throw new UsageError(
      `${shown} goes past the end of ${target.name}, which holds samples 0-${target.totalSamples} (${(target.totalSamples / target.sampleRate).toFixed(3)} s)`,
    );
  }
}

/** A range for messages, in the units the user gave: times or samples. */
export function describeRange(range: { startSample: number; endSample: number }, rate: number, byTime: boolean) {
  const seconds = (sample: number) => `${(sample / rate).toFixed(3)} s`;
  return byTime
    ? `${seconds(range.startSample)}-${seconds(range.endSample)}`
    : `samples ${range.startSample}-${range.endSample}`;
}

/** The recording a row names, for other commands (every problem a usage error naming the row). */
export function findRecording(row: LabelRow, targets: ExtractTargets, origin: string): TargetRecording {
  try {
    return recordingOf(row, targets, origin);
  } catch (error) {
    if (error instanceof InvalidRow) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Rows are placed in recordings by file name, which cannot tell two files of one name in
 * different folders apart: recorders name files by their start time, so two sites' files of
 * one moment share a name. A table whose rows give two such paths (and no archive ids) is
 * refused rather than having both folders' rows taken from one recording.
 */
function refuseSharedFileNames(table: LabelTable): void {
  const pathsByName = new Map<string, { path: string; row: number }>();
  for (const row of table.rows) {
    const ref = row.recording;
    if (ref?.id !== undefined || ref?.path === undefined) continue;
    const path = ref.path.replace(/\\/g, "/");
    const key = fileStem(ref.file ?? basename(path)).toLowerCase();
    const seen = pathsByName.get(key);
    if (seen === undefined) {
      pathsByName.set(key, { path, row: row.row });
      continue;
    }
    if (seen.path !== path) {
      throw new UsageError(
        `${table.file} rows ${seen.row} and ${row.row} are in two files of one name in different folders (${JSON.stringify(seen.path)} and ${JSON.stringify(path)}), and rows are placed in recordings by file name, which cannot tell them apart: give each row its recording's archive id (a recording column), or one table per folder`,
      );
    }
  }
}

/** A file name without its extension. */
const fileStem = (name: string) => name.replace(/\.[^.]*$/, "");

/** The file name a row's recording ref gives: its file, else the last part of its path. */
export function refFileName(ref: RecordingRef | undefined): string | undefined {
  return ref?.file ?? (ref?.path === undefined ? undefined : basename(ref.path.replace(/\\/g, "/")));
}

/** The recording a row names: by archive id, by file name, or by the UTC time it starts at. */
function recordingOf(row: LabelRow, targets: ExtractTargets, origin: string): TargetRecording {
  const { recordings } = targets;
  const ref = row.recording;
  const fileName = refFileName(ref);
  if (targets.kind === "recording") {
    const only = recordings[0]!;
    if (ref?.id !== undefined && ref.id !== only.key) {
      throw new InvalidRow(
        `${origin}: names recording ${JSON.stringify(ref.id)}, but the source is ${only.name}; give the archive to place rows in several recordings`,
      );
    }
    if (ref?.id === undefined && fileName !== undefined && byFileName([only], fileName).length === 0) {
      throw new InvalidRow(
        `${origin}: names file ${JSON.stringify(fileName)}, but the source is ${only.name} (${only.fileNames.join(", ")}); give the archive to place rows by file name`,
      );
    }
    return only;
  }
  if (ref?.id !== undefined) {
    const found = recordings.find((r) => r.key === ref.id);
    if (found === undefined) throw new InvalidRow(`${origin}: the archive has no recording ${JSON.stringify(ref.id)}`);
    return found;
  }
  if (fileName !== undefined) {
    const found = byFileName(recordings, fileName);
    if (found.length === 0) {
      throw new InvalidRow(`${origin}: no recording in the archive was imported from ${JSON.stringify(fileName)}`);
    }
    if (found.length > 1) {
      throw new UsageError(
        `${origin}: ${JSON.stringify(fileName)} names ${found.length} recordings (${found.map((r) => r.key).join(", ")}); give their ids in a recording column`,
      );
    }
    return found[0]!;
  }
  if ("utc" in row.start) {
    const utc = row.start.utc;
    const found = recordings.filter((r) => {
      if (r.recordedAt === null) return false;
      try {
        return utcToSample(utc, r.recordedAt, r.sampleRate) < r.totalSamples;
      } catch {
        return false; // before the recording's start
      }
    });
    if (found.length === 0) throw new InvalidRow(`${origin}: no recording in the archive holds ${utc}`);
    if (found.length > 1) {
      throw new UsageError(
        `${origin}: ${utc} is in ${found.length} recordings (${found.map((r) => `${r.key}${r.deviceId ? ` of ${r.deviceId}` : ""}`).join(", ")}); give a recording column`,
      );
    }
    return found[0]!;
  }
  throw new UsageError(
    `${origin}: the row does not say which recording of the archive it is in: give a recording column (archive id), a file name column, or UTC times`,
  );
}

/**
 * Recordings a file name in a table stands for: the same name (the imported file or the
 * recorder's file it was encoded from), else the same name ignoring case, else the same
 * name without its extension (a Raven table of `x.wav` for the archived `x.opus`).
 */
function byFileName(recordings: TargetRecording[], fileName: string): TargetRecording[] {
  const tests: ((name: string) => boolean)[] = [
    (name) => name === fileName,
    (name) => name.toLowerCase() === fileName.toLowerCase(),
    (name) => fileStem(name).toLowerCase() === fileStem(fileName).toLowerCase(),
  ];
  for (const test of tests) {
    const found = recordings.filter((r) => r.fileNames.some((name) => test(basename(name))));
    if (found.length > 0) return found;
  }
  return [];
}
