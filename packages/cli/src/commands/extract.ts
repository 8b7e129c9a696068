import { DEFAULT_PRE_ROLL_SAMPLES, encodeRaw, encodeWav, type Segment, warmUpDecoder } from "@granule/extract";
import { extractEach, extractStream, rawStream, wavStream } from "@granule/extract/node";
import type { OpusIndex } from "@granule/opus-index";
import { collectionAt } from "../collection-at.ts";
import { openOutput, outputExists, pathInside, refuseSourceAsOutput, writeOutput } from "../output-file.ts";
import type { CommandContext } from "../program/context.ts";
import { withProgress } from "../progress.ts";
import type { NamedSegment } from "../segments-csv.ts";
import { noteSparseRead, type OpenedSource, openSource, originalRate, warnOn } from "../source.ts";
import { parseCount, parseSample, parseTime, preRollSamples as preRollFrom } from "../time.ts";
import { UsageError } from "../usage-error.ts";
import type { TimelineArguments } from "./extract-timeline.ts";

export interface RangeArguments {
  start?: string;
  end?: string;
  startSample?: string;
  endSample?: string;
}

/** The output formats, by the name `--format` and a file extension give them. */
export const OUTPUT_FORMATS = ["wav", "f32", "s16", "npy"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * The format of the output: `--format` if given, else what the `-o` file's extension names
 * (`x.f32`), else WAV. An extension that names another format than `--format` is refused:
 * `-o x.f32 --format wav` would write a WAV file called x.f32.
 */
export function outputFormat(explicit: string | undefined, output: string | undefined): OutputFormat {
  const extension = output === undefined || output === "-" ? undefined : /\.([A-Za-z0-9]+)$/.exec(output)?.[1];
  const named = OUTPUT_FORMATS.find((f) => f === extension?.toLowerCase());
  if (explicit !== undefined) {
    const format = OUTPUT_FORMATS.find((f) => f === explicit);
    if (format === undefined) throw new UsageError(`--format must be ${OUTPUT_FORMATS.join(", ")}, not "${explicit}"`);
    if (named !== undefined && named !== format) {
      throw new UsageError(`-o ${output} names the ${named} format but --format says ${format}: choose one`);
    }
    return format;
  }
  return named ?? "wav";
}

/** A range and how the user gave it: times are spoken of as times in messages. */
export interface UserRange {
  startSample: number;
  endSample: number;
  byTime?: boolean;
  origin?: string;
}

export async function runExtractCommand(
  source: string,
  options: ExtractArguments & TimelineArguments & { json?: boolean },
  context: CommandContext,
): Promise<void> {
  if (options.output === "-" && options.json) {
    throw new UsageError("-o - writes the samples to stdout, so --json cannot go there too: choose one");
  }
  // Every extraction decodes on this thread too: the decoder's WASM compiles while the source
  // opens (over HTTP, while the requests travel).
  warmUpDecoder();
  // Label tables, windows, parts, resampling and channel picks: the dataset pipeline, for one
  // recording or a whole archive (extract-dataset-command.ts).
  if (wantsDataset(options)) {
    const { runDatasetCommand } = await import("./extract-dataset-command.ts");
    return runDatasetCommand(source, options, context);
  }
  // An archive's root with one range: found by UTC time on its timeline (extract-timeline.ts).
  const collection = await collectionAt(source);
  if (collection !== undefined) {
    const { runTimelineExtractCommand } = await import("./extract-timeline.ts");
    return runTimelineExtractCommand(collection, source, options, context);
  }
  const started = performance.now();
  const rate = originalRate(options.originalRate);
  const opened = await openSource(source, {
    onWarning: warnOn(context.io),
    ...(rate === undefined ? {} : { sampleRate: rate }),
    ...rangesToRead(options),
  });
  noteSparseRead(opened, (text) => context.note(text));
  try {
    const summary = await withProgress("extracting", "segments", context.quiet() || options.output === "-", (bar) =>
      runExtract(
        opened,
        options,
        (d, t) => {
          if (t > 1) bar.update(d, t);
        },
        context.signal,
      ),
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

/**
 * For a plain file or URL, the range to be extracted and its pre-roll, planned once the file's
 * first pages are read (times convert at its true rate, which a time-expanded file declares in
 * its tags), so that only its pages are read. No range when the arguments do not give a valid
 * one: `runExtract` then says what is wrong.
 */
export function rangesToRead(options: RangeArguments & { preRoll?: string }): {
  ranges?: (index: OpusIndex, sampleRate: number) => UserRange[];
  preRollSamples?: number;
} {
  let preRollSamples: number;
  try {
    preRollSamples = preRollFrom(options.preRoll) ?? DEFAULT_PRE_ROLL_SAMPLES;
  } catch {
    return {};
  }
  const ranges = (_: OpusIndex, sampleRate: number) => {
    try {
      return [rangeOf(options, sampleRate)];
    } catch {
      return [];
    }
  };
  return { ranges, preRollSamples };
}

/** The one range given by --start/--end or --start-sample/--end-sample, in samples. */
export function rangeOf(args: RangeArguments, sampleRate: number): UserRange {
  const byTime = args.start !== undefined || args.end !== undefined;
  const bySample = args.startSample !== undefined || args.endSample !== undefined;
  if (byTime && bySample) throw new UsageError("give --start/--end or --start-sample/--end-sample, not both");
  if (byTime) {
    if (args.start === undefined || args.end === undefined) throw new UsageError("--start and --end go together");
    return {
      startSample: parseTime(args.start, sampleRate, "--start"),
      endSample: parseTime(args.end, sampleRate, "--end"),
      byTime: true,
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

export function checkRange(range: UserRange, opened: OpenedSource): void {
  const total = opened.recording.index.totalSamples;
  const rate = opened.recording.sampleRate;
  const where = range.origin ? `${range.origin}: ` : "";
  const seconds = (sample: number) => `${(sample / rate).toFixed(3)} s`;
  const shown = range.byTime
    ? `${seconds(range.startSample)}-${seconds(range.endSample)}`
    : `samples ${range.startSample}-${range.endSample}`;
  if (range.startSample >= range.endSample) {
    throw new UsageError(`${where}the range ${shown} is empty: the start must come before the end`);
  }
  if (range.endSample > total) {
    throw new UsageError(
      `${where}${shown} goes past the end of ${opened.name}, which holds samples 0-${total} (${seconds(total)})`,
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
  format?: string;
  float?: boolean;
  preRoll?: string;
  workers?: string;
  fillHoles?: boolean;
  overwrite?: boolean;
  originalRate?: string;
  sampleRate?: string;
  /** The dataset options (commands/extract-dataset-command.ts). */
  segmentsFormat?: string;
  segmentsEncoding?: string;
  name?: string;
  clipToEnd?: boolean;
  skipInvalid?: boolean;
  channels?: string;
  mono?: boolean;
  stack?: boolean;
  window?: string;
  hop?: string;
  part?: string;
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
  signal?: AbortSignal,
): Promise<ExtractSummary> {
  const { sampleRate } = opened.recording;
  if (args.output !== undefined && args.outDir !== undefined) {
    throw new UsageError("-o names one output file and --out-dir a directory of them: give one");
  }
  const format = outputFormat(args.format, args.output);
  // .npy outputs go through the dataset pipeline (extract-dataset-command.ts).
  if (format === "npy") throw new UsageError("--format npy is written by runDatasetCommand");
  // Label tables (--segments) go through the dataset pipeline: here is one range.
  const named: (NamedSegment & { byTime?: boolean })[] = [{ name: "segment", ...rangeOf(args, sampleRate) }];
  if (args.output === undefined && args.outDir === undefined)
    throw new UsageError("say where to write: -o file (- for stdout) or --out-dir dir");
  for (const segment of named) checkRange(segment, opened);
  const preRollSamples = preRollFrom(args.preRoll);
  // The library decides how many decode workers help (extract's one policy), unless told.
  const workers = args.workers === undefined ? {} : { workers: parseCount(args.workers, "--workers") };
  const overwrite = args.overwrite ?? false;
  // Every output's path is decided, and checked against what exists, before anything is decoded.
  const paths: string[] = [];
  for (const segment of named) {
    const path = args.outDir !== undefined ? await pathInside(args.outDir, `${segment.name}.${format}`) : args.output!;
    if (opened.kind === "file") await refuseSourceAsOutput(path, opened.name);
    if (path !== "-" && !overwrite && (await outputExists(path))) {
      throw new UsageError(`${path} exists: pass --overwrite to replace it`);
    }
    paths.push(path);
  }
  const mappingFamily = opened.recording.index.head.mappingFamily;
  const summary: ExtractSummary = { segments: new Array(named.length), format, sampleRate, seconds: 0 };
  const options = {
    ...workers,
    fillHoles: args.fillHoles ?? false,
    signal,
    ...(preRollSamples === undefined ? {} : { preRollSamples }),
  };
  if (named.length === 1 && args.outDir === undefined) {
    // One range: streamed window by window to its output, in bounded memory however long.
    const path = paths[0]!;
    let stream: ReturnType<typeof extractStream> | undefined;
    await extractEachSpeaking(
      named,
      async () => {
        // Each chunk is written before the next is asked for: its arrays can be decoded into again.
        stream = extractStream(opened.recording, named[0]!, { ...options, lendSegments: true });
        const chunks =
          format === "wav" ? wavStream(stream, { format: args.float ? "f32" : "s16" }) : rawStream(stream, format);
        if (path === "-") {
          for await (const bytes of chunks) await writeStdout(bytes);
        } else {
          const output = await openOutput(path, { overwrite });
          try {
            for await (const bytes of chunks) await output.write(bytes);
            await output.close();
          } catch (error) {
            await output.abort();
            throw error;
          }
        }
      },
      opened,
    );
    const range = named[0]!;
    summary.segments[0] = {
      name: range.name,
      path,
      startSample: range.startSample,
      endSample: range.endSample,
      channels: stream!.channelCount,
      filled: stream!.filled,
    };
    summary.seconds = (range.endSample - range.startSample) / sampleRate;
    onProgress(1, 1);
    return summary;
  }
  let done = 0;
  await extractEachSpeaking(
    named,
    () =>
      extractEach(
        opened.recording,
        named,
        async (segment: Segment, i: number) => {
          const bytes =
            format === "wav"
              ? encodeWav(segment.channels, segment.sampleRate, { format: args.float ? "f32" : "s16", mappingFamily })
              : encodeRaw(segment.channels, format);
          const path = paths[i]!;
          if (path === "-") await writeStdout(bytes);
          else await writeOutput(path, bytes, { overwrite });
          segment.release?.();
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
        // Written segments are released: later windows are decoded into their arrays.
        { ...options, lendSegments: true },
      ),
    opened,
  );
  return summary;
}

/**
 * Runs the extraction; a range the file lost is reported in the units the user gave the
 * segments in (times or samples), with the command line's option to fill it.
 */
async function extractEachSpeaking(named: UserRange[], run: () => Promise<void>, opened: OpenedSource): Promise<void> {
  try {
    await run();
  } catch (error) {
    const e = error as { name?: string; code?: string; startSample?: number; endSample?: number; byteOffset?: number };
    if (e.name !== "ExtractError" || e.code !== "damaged" || e.startSample === undefined || e.endSample === undefined) {
      throw error;
    }
    const rate = opened.recording.sampleRate;
    const lost = named.some((n) => n.byTime)
      ? `${(e.startSample / rate).toFixed(3)}-${(e.endSample / rate).toFixed(3)} s`
      : `samples ${e.startSample}-${e.endSample}`;
    const at = e.byteOffset === undefined ? "" : ` (damage at byte ${e.byteOffset})`;
    throw new DamagedRange(
      `${opened.name} lost ${lost} of the range asked for${at}: pass --fill-holes to get silence there`,
    );
  }
}

/** A range the file lost: bad data, exit 1. */
class DamagedRange extends Error {
  override readonly name = "ExtractError";
  readonly code = "damaged";
}

/** Whether a call needs the dataset pipeline (tables, windows, parts, reshaped samples, .npy). */
export function wantsDataset(args: ExtractArguments): boolean {
  return (
    args.segments !== undefined ||
    args.window !== undefined ||
    args.part !== undefined ||
    args.sampleRate !== undefined ||
    args.channels !== undefined ||
    args.mono === true ||
    args.stack === true ||
    args.name !== undefined ||
    args.format === "npy" ||
    (args.output !== undefined && /\.npy$/i.test(args.output))
  );
}
