import { type SampledWindow, sampleWindows, selectRecordings } from "@granule/timeline";
import { listRecordings, openCollection } from "@granule/zarr-opus/node";
import { checkArchiveArgument } from "../archive-directory.ts";
import { writeOutput } from "../output-file.ts";
import type { CommandContext } from "../program/context.ts";
import { segmentsTable } from "../segments-table.ts";
import { type SelectionArguments, selectionOf } from "../selection-options.ts";
import { parseCount, parseTime } from "../time.ts";
import { UsageError } from "../usage-error.ts";

export interface SampleArguments extends SelectionArguments {
  n?: string;
  duration?: string;
  seed?: string;
  output?: string;
  overwrite?: boolean;
  json?: boolean;
}

/** `granule sample`: random non-overlapping windows of an archive's recordings, as a segments table. */
export async function runSampleCommand(archive: string, args: SampleArguments, context: CommandContext): Promise<void> {
  if (args.n === undefined) throw new UsageError("say how many windows: --n 200");
  if (args.duration === undefined) throw new UsageError("say how long each window is: --duration 3 (seconds)");
  const count = parseCount(args.n, "--n");
  if (count < 1) throw new UsageError(`--n "${args.n}": say how many windows, 1 or more`);
  const duration = args.duration;
  // Read as --window is: exact decimal text, converted at each recording's rate by one rule.
  const windowSamplesAt = (sampleRate: number) => parseTime(duration, sampleRate, "--duration");
  // In seconds, to the nanosecond: for messages and --json only (the windows use the rule above).
  const durationSeconds = windowSamplesAt(1_000_000_000) / 1_000_000_000;
  if (!(durationSeconds > 0)) throw new UsageError(`--duration "${duration}" is not a positive time`);
  const seed = args.seed === undefined ? 1 : parseSeed(args.seed);
  if (args.json && (args.output === undefined || args.output === "-")) {
    throw new UsageError("--json prints the windows on stdout, so the table needs -o file: choose one");
  }
  const selection = selectionOf(args);
  await checkArchiveArgument(archive);
  const collection = await openCollection(archive);
  const recordings = selectRecordings(await listRecordings(collection), selection);
  if (recordings.length === 0) throw new UsageError(`no recording of ${archive} matches the selection`);
  const windows: SampledWindow[] = sampleWindows(recordings, {
    count,
    durationSeconds,
    windowSamplesAt,
    seed,
    ...(selection.from === undefined ? {} : { from: selection.from }),
    ...(selection.to === undefined ? {} : { to: selection.to }),
  });
  const table = segmentsTable(windows);
  if (args.output === undefined || args.output === "-") context.io.out(table);
  else await writeOutput(args.output, new TextEncoder().encode(table), { overwrite: args.overwrite ?? false });
  if (args.json) context.json({ seed, durationSeconds, windows });
  const from = new Set(windows.map((w) => w.recording)).size;
  context.note(
    `${windows.length} window(s) of ${durationSeconds} s from ${from} of ${recordings.length} recording(s), seed ${seed}${args.output === undefined || args.output === "-" ? "" : `, to ${args.output}`}`,
  );
}

function parseSeed(text: string): number {
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--seed "${text}" is not a whole number`);
  }
  return Number(text);
}
