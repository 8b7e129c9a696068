import type { PlannedOutput } from "./extract-plan.ts";
import type { JobPart } from "./job-part.ts";

/** One line of `manifest.csv`: what was written, from where, and the row's own columns. */
export type ManifestRow = Record<string, string | number | null>;

/**
 * The manifest's own columns, in order. `index` (the position in a `--stack` array), `part`
 * (`K/N` of a split job), and `recordings` and `gaps` (of windows over a deployment's
 * timeline) appear only when they mean something.
 */
const OWN_COLUMNS = [
  "file",
  "index",
  "n",
  "recording",
  "start_sample",
  "end_sample",
  "sample_rate",
  "start_utc",
  "recordings",
  "gaps",
  "output_sample_rate",
  "output_samples",
  "channels",
  "source_row",
  "clipped_from",
  "part",
  "job",
  "job_outputs",
] as const;

const OPTIONAL_COLUMNS = new Set<string>(["index", "part", "job", "job_outputs", "recordings", "gaps"]);

/** A part of a split job, as its manifest names it: `K/N`, the job's id and its outputs (every part's). */
export interface ManifestPart extends JobPart {
  job: string;
  outputs: number;
}

/** What the writer knows of one output beyond its plan. */
export interface WrittenOutput {
  output: PlannedOutput;
  /** The file written, relative to the manifest's folder, with `/`. */
  file: string;
  /** Position in the stacked array (`--stack`). */
  index?: number;
  outputSampleRate: number;
  outputSamples: number;
  channels: number;
}

/** The manifest row of an output. */
export function manifestRow(written: WrittenOutput, part: ManifestPart | undefined): ManifestRow {
  const { output } = written;
  const { target } = output;
  const row: ManifestRow = {
    file: written.file,
    ...(written.index === undefined ? {} : { index: written.index }),
    n: output.n,
    recording: target.key,
    start_sample: output.startSample,
    end_sample: output.endSample,
    sample_rate: target.sampleRate,
    start_utc: target.recordedAt === null ? null : utcAt(target.recordedAt, output.startSample, target.sampleRate),
    // A window of a deployment's timeline: every recording it holds samples of, in order, and
    // the stretches of it that are silence because no recording covers them (--fill-gaps), as
    // samples from the window's start at sample_rate, `from-to` separated by spaces.
    ...(output.timeline === undefined
      ? {}
      : {
          recordings: output.timeline.plan.recordings.join(" "),
          gaps: output.timeline.plan.gaps.map((g) => `${g.outputStartSample}-${g.outputEndSample}`).join(" "),
        }),
    output_sample_rate: written.outputSampleRate,
    output_samples: written.outputSamples,
    channels: written.channels,
    source_row: Object.keys(output.row.fields).length === 0 ? null : output.row.row,
    clipped_from: output.clippedFrom ?? null,
    ...(part === undefined ? {} : { part: `${part.index}/${part.count}`, job: part.job, job_outputs: part.outputs }),
  };
  // The row's own columns, as written; one named like a manifest column is kept as `row.NAME`.
  const own = new Set<string>(OWN_COLUMNS);
  for (const [name, value] of Object.entries(output.row.fields)) {
    row[own.has(name.toLowerCase()) ? `row.${name}` : name] = value;
  }
  return row;
}

/**
 * The UTC time of a sample of a recording that started at `recordedAt`, to the microsecond
 * (ISO 8601 with `Z`): computed on whole microseconds, so a sample of a 384 kHz recording is
 * still told from its neighbours to within 1.3 us.
 */
export function utcAt(recordedAt: string, sample: number, sampleRate: number): string {
  const startMs = Date.parse(recordedAt);
  const micros = BigInt(startMs) * 1000n + (BigInt(sample) * 1_000_000n + BigInt(sampleRate) / 2n) / BigInt(sampleRate);
  // Floored, not truncated toward zero: before 1970 the microseconds are negative.
  let wholeMs = micros / 1000n;
  if (micros % 1000n < 0n) wholeMs -= 1n;
  const iso = new Date(Number(wholeMs)).toISOString(); // ...T05:30:01.250Z
  const extra = (micros - wholeMs * 1000n).toString().padStart(3, "0");
  return `${iso.slice(0, -1)}${extra}Z`;
}

/** The columns of a set of rows: the own ones in order, then every other in first-seen order. */
export function manifestColumns(rows: readonly ManifestRow[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  const own = OWN_COLUMNS.filter((c) => seen.has(c) || !OPTIONAL_COLUMNS.has(c));
  const rest = [...seen].filter((c) => !(OWN_COLUMNS as readonly string[]).includes(c));
  return [...own, ...rest];
}

/** The manifest as CSV (RFC 4180: cells with a comma, quote or line break are quoted). */
export function manifestCsv(rows: readonly ManifestRow[], columns = manifestColumns(rows)): string {
  const lines = [columns.map(csvCell).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c] ?? "")).join(","));
  return `${lines.join("\n")}\n`;
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
