import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeRaw, encodeWav, type Segment } from "@granule/extract";
import { extractEach } from "@granule/extract/node";
import type { CommandContext } from "../program/context.ts";
import { withProgress } from "../progress.ts";
import { type NamedSegment, parseSegmentsCsv } from "../segments-csv.ts";
import { type OpenedSource, openSource } from "../source.ts";
import { parseCount, parseSample, parseTime, preRollSamples as preRollFrom } from "../time.ts";
import { UsageError } from "../usage-error.ts";

export interface RangeArguments {
  start?: string;
  end?: string;
  startSample?: string;
  endSample?: string;
}

export type OutputFormat = "wav" | "f32" | "s16";

export async function runExtractCommand(
  source: string,
  options: ExtractArguments & { json?: boolean; sampleRate?: string },
  context: CommandContext,
): Promise<void> {
  if (options.output === "-" && options.json) {
    throw new UsageError("-o - writes the samples to stdout, so --json cannot go there too: choose one");
  }
  const started = performance.now();
  const opened = await openSource(
    source,
    options.sampleRate === undefined ? {} : { sampleRate: parseCount(options.sampleRate, "--sample-rate") },
  );
  try {
    const summary = await withProgress("extracting", "segments", context.quiet() || options.output === "-", (bar) =>
      runExtract(opened, options, (d, t) => {
        if (t > 1) bar.update(d, t);
      }),
    );
    if (options.json) context.json(summary);
    const where = options.output === "-" ? "stdout" : (options.outDir ?? options.output);
    const seconds = summary.seconds.toFixed(3);
    context.note(
      `wrote ${summary.segments.length} segment(s), ${seconds} s of audio, to ${where} in ${Math.round(performance.now() - started)} ms`,
    );
  } finally {
    await opened.close();
  }
}

/** The one range given by --start/--end or --start-sample/--end-sample, in samples. */
export function rangeOf(args: RangeArguments, sampleRate: number): { startSample: number; endSample: number } {
  const byTime = args.start !== undefined || args.end !== undefined;
  const bySample = args.startSample !== undefined || args.endSample !== undefined;
  if (byTime && bySample) throw new UsageError("give --start/--end or --start-sample/--end-sample, not both");
  if (byTime) {
    if (args.start === undefined || args.end === undefined) throw new UsageError("--start and --end go together");
    return {
      startSample: parseTime(args.start, sampleRate, "--start"),
      endSample: parseTime(args.end, sampleRate, "--end"),
    };
  }
  if (bySample) {
    if (args.startSample === undefined || args.endSample === undefined) {
      throw new UsageError("--start-sample and --end-sample go together");
    }
    return {
      startSample: parseSample(args.startSample, "--start-sample"),
      endSample: parseSample(args.endSample, "--end-sample"),
    };
  }
  throw new UsageError("say which samples: --start T --end T, --start-sample N --end-sample N, or --segments file.csv");
}

export function checkRange(
  range: { startSample: number; endSample: number; origin?: string },
  opened: OpenedSource,
): void {
  const total = opened.recording.index.totalSamples;
  const where = range.origin ? `${range.origin}: ` : "";
  if (range.startSample >= range.endSample) {
    throw new UsageError(
      `${where}the range ${range.startSample}-${range.endSample} is empty: the start must come before the end`,
    );
  }
  if (range.endSample > total) {
    const seconds = (total / opened.recording.sampleRate).toFixed(3);
    throw new UsageError(
      `${where}samples ${range.startSample}-${range.endSample} go past the end of ${opened.name}, which holds samples 0-${total} (${seconds} s)`,
    );
  }
}

/** Writes bytes to stdout, waiting for the pipe to take them. */
export function writeStdout(bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(bytes, (error) => (error ? reject(error) : resolve()));
  });
}

export interface ExtractArguments extends RangeArguments {
  segments?: string;
  output?: string;
  outDir?: string;
  format: OutputFormat;
  float?: boolean;
  preRoll?: string;
  workers?: string;
  fillHoles?: boolean;
}

export interface ExtractSummary {
  segments: {
    name: string;
    path: string;
    startSample: number;
    endSample: number;
    channels: number;
    filled: { startSample: number; endSample: number }[];
  }[];
  format: OutputFormat;
  sampleRate: number;
  seconds: number;
}

/** `granule extract`: writes each segment as it is decoded; returns what it wrote. */
export async function runExtract(
  opened: OpenedSource,
  args: ExtractArguments,
  onProgress: (done: number, total: number) => void,
): Promise<ExtractSummary> {
  const { sampleRate } = opened.recording;
  const format = args.format;
  if (!["wav", "f32", "s16"].includes(format))
    throw new UsageError(`--format must be wav, f32 or s16, not "${format}"`);
  let named: NamedSegment[];
  if (args.segments !== undefined) {
    if (args.start ?? args.end ?? args.startSample ?? args.endSample)
      throw new UsageError("give --segments or a range, not both");
    const text = await readFile(args.segments, "utf8").catch(() => {
      throw new UsageError(`${args.segments}: cannot read the segments CSV`);
    });
    named = parseSegmentsCsv(text, sampleRate, args.segments);
    if (args.outDir === undefined) throw new UsageError("--segments writes one file per row: give --out-dir");
  } else {
    named = [{ name: "segment", ...rangeOf(args, sampleRate) }];
    if (args.output === undefined && args.outDir === undefined)
      throw new UsageError("say where to write: -o file (- for stdout) or --out-dir dir");
  }
  for (const segment of named) checkRange(segment, opened);
  const preRollSamples = preRollFrom(args.preRoll);
  const workers = args.workers === undefined ? (named.length >= 16 ? 2 : 0) : parseCount(args.workers, "--workers");
  if (args.outDir !== undefined) await mkdir(args.outDir, { recursive: true });
  const pathOf = (segment: NamedSegment) =>
    args.outDir !== undefined ? join(args.outDir, `${segment.name}.${format}`) : (args.output as string);
  const mappingFamily = opened.recording.index.head.mappingFamily;
  const summary: ExtractSummary = { segments: new Array(named.length), format, sampleRate, seconds: 0 };
  let done = 0;
  await extractEach(
    opened.recording,
    named,
    async (segment: Segment, i: number) => {
      const bytes =
        format === "wav"
          ? encodeWav(segment.channels, segment.sampleRate, { format: args.float ? "f32" : "s16", mappingFamily })
          : encodeRaw(segment.channels, format);
      const path = pathOf(named[i]!);
      if (path === "-") await writeStdout(bytes);
      else await writeFile(path, bytes);
      summary.segments[i] = {
        name: named[i]!.name,
        path,
        startSample: segment.startSample,
        endSample: segment.endSample,
        channels: segment.channels.length,
        filled: segment.filled,
      };
      summary.seconds += (segment.endSample - segment.startSample) / sampleRate;
      onProgress(++done, named.length);
    },
    {
      workers,
      fillHoles: args.fillHoles ?? false,
      ...(preRollSamples === undefined ? {} : { preRollSamples }),
    },
  );
  return summary;
}
