import { type ExtractOptions, extract } from "@granule/extract";
import { nodeDecoderFactory } from "@granule/extract/node";
import { LabelError, outputNames } from "@granule/labels";
import {
  type ColormapName,
  encodePng,
  type ImageOptions,
  renderImage,
  type SpectrogramOptions,
  spectrogram,
  WINDOW_NAMES,
  type WindowName,
} from "@granule/spectrogram";
import { extractPlans, planTimeline } from "@granule/timeline";
import { listRecordings, openRecording } from "@granule/zarr-opus/node";
import { collectionAt } from "../collection-at.ts";
import { defaultNameTemplate, readLabelTable } from "../label-table.ts";
import { outputExists, pathInside, writeOutput } from "../output-file.ts";
import type { CommandContext } from "../program/context.ts";
import { openSource, originalRate } from "../source.ts";
import { parseCount, preRollSamples as preRollFrom } from "../time.ts";
import { UsageError } from "../usage-error.ts";
import { parseArchiveTime } from "../utc-time.ts";
import { checkRange, type RangeArguments, rangeOf } from "./extract.ts";
import { nameInputsOf, type PlanReport, planRows } from "./extract-plan.ts";
import { openTargets } from "./extract-targets.ts";
import { type TimelineArguments, timelineOptions } from "./extract-timeline.ts";
import { utcAt } from "./manifest.ts";

export interface SpectrogramArguments extends RangeArguments, TimelineArguments {
  segments?: string;
  segmentsFormat?: string;
  segmentsEncoding?: string;
  clipToEnd?: boolean;
  skipInvalid?: boolean;
  output?: string;
  outDir?: string;
  overwrite?: boolean;
  width?: string;
  height?: string;
  pixelsPerSecond?: string;
  minHz?: string;
  maxHz?: string;
  fftSize?: string;
  hop?: string;
  window?: string;
  channel?: string;
  floorDb?: string;
  minDb?: string;
  maxDb?: string;
  colormap?: string;
  axes?: boolean;
  preRoll?: string;
  fillHoles?: boolean;
  originalRate?: string;
  json?: boolean;
}

/** Default picture size (of the plot; `--axes` adds margins) when neither width nor pixels per second is given. */
export const DEFAULT_WIDTH = 1000;
export const DEFAULT_HEIGHT = 400;

/**
 * Most samples per channel one picture decodes: the whole range is held in memory for the
 * STFT (2^26 samples: 23 minutes at 48 kHz, 3 minutes at 384 kHz, 256 MB a channel).
 */
export const MAX_SPECTROGRAM_SAMPLES = 2 ** 26;

/** One picture to draw: a name for its file and the PCM it shows. */
interface Picture {
  name: string;
  path: string;
  pcm: { channels: Float32Array[]; sampleRate: number; startSample: number };
  /** UTC time of the first sample, for pictures of an archive by time and of rows of recordings with a `recordedAt`. */
  start?: string | null;
  /** The recording a table's row is in. */
  recording?: string;
}

/** `granule spectrogram`: a PNG of a range (of a file, a recording, or an archive by UTC time), or one per row of a CSV. */
export async function runSpectrogramCommand(
  source: string,
  args: SpectrogramArguments,
  context: CommandContext,
): Promise<void> {
  const started = performance.now();
  const stft = stftOptions(args);
  const image = imageOptions(args);
  const overwrite = args.overwrite ?? false;
  if (args.output !== undefined && args.outDir !== undefined) {
    throw new UsageError("-o names one picture and --out-dir a directory of them: give one");
  }
  if (args.output === "-") throw new UsageError("-o -: a PNG goes to a file, not to stdout");
  const report: PlanReport = { skipped: [], clipped: [] };
  const pictures = await picturesOf(source, args, context, report);
  // Every output's path is checked against what exists before anything is drawn.
  for (const picture of pictures) {
    if (!overwrite && (await outputExists(picture.path))) {
      throw new UsageError(`${picture.path} exists: pass --overwrite to replace it`);
    }
  }
  const written = [];
  for (const picture of pictures) {
    const samples = picture.pcm.channels[0]?.length ?? 0;
    const spec = spectrogram(picture.pcm, stft);
    const imageOptionsFor: ImageOptions =
      image.width === undefined && image.pixelsPerSecond === undefined ? { ...image, width: DEFAULT_WIDTH } : image;
    const rendered = renderImage(spec, imageOptionsFor);
    await writeOutput(picture.path, encodePng(rendered), { overwrite });
    written.push({
      name: picture.name,
      path: picture.path,
      width: rendered.width,
      height: rendered.height,
      plot: rendered.plot,
      seconds: rendered.seconds,
      hz: rendered.hz,
      sampleRate: picture.pcm.sampleRate,
      startSample: picture.pcm.startSample,
      endSample: picture.pcm.startSample + samples,
      ...(picture.recording === undefined ? {} : { recording: picture.recording }),
      ...(picture.start === undefined ? {} : { start: picture.start }),
      frames: spec.frameCount,
      bins: spec.binCount,
      maxDb: spec.maxDb,
    });
  }
  for (const r of report.skipped) context.note(`skipped ${r.origin}: ${r.reason}`);
  for (const c of report.clipped)
    context.note(`clipped ${c.origin} at the recording's end (sample ${c.clippedTo}, not ${c.endSample})`);
  if (args.json) context.json({ pictures: written, skipped: report.skipped, clipped: report.clipped });
  context.note(
    `drew ${written.length} spectrogram(s) to ${args.outDir ?? args.output} in ${Math.round(performance.now() - started)} ms`,
  );
}

async function picturesOf(
  source: string,
  args: SpectrogramArguments,
  context: CommandContext,
  report: PlanReport,
): Promise<Picture[]> {
  const preRollSamples = preRollFrom(args.preRoll);
  const decode = {
    workerFactory: nodeDecoderFactory,
    fillHoles: args.fillHoles ?? false,
    signal: context.signal,
    ...(preRollSamples === undefined ? {} : { preRollSamples }),
  };
  if (args.segments !== undefined) return tablePictures(source, args.segments, args, decode, report);
  if (args.clipToEnd || args.skipInvalid) throw new UsageError("--clip-to-end and --skip-invalid go with --segments");
  const collection = await collectionAt(source);
  if (collection !== undefined) {
    if (args.startSample !== undefined || args.endSample !== undefined) {
      throw new UsageError(
        `${source} is an archive: give UTC --start/--end, or name a recording (${source}/<id>) for sample numbers`,
      );
    }
    if (args.start === undefined || args.end === undefined) {
      throw new UsageError(`say which time of ${source}: --start and --end as UTC times (2025-04-16T05:40:00Z)`);
    }
    const path = singleOutput(args);
    const [plan] = planTimeline(
      await listRecordings(collection),
      [{ start: parseArchiveTime(args.start, "--start", source), end: parseArchiveTime(args.end, "--end", source) }],
      timelineOptions(args),
    );
    checkSize(plan!.sampleCount, plan!.sampleRate, source);
    const [segment] = await extractPlans(
      [plan!],
      (id) => openRecording(collection, id, { signal: context.signal }),
      decode,
    );
    return [
      {
        name: "spectrogram",
        path,
        pcm: { channels: segment!.channels, sampleRate: segment!.sampleRate, startSample: 0 },
        start: plan!.start,
      },
    ];
  }
  const rate = originalRate(args.originalRate);
  const opened = await openSource(source, rate === undefined ? {} : { sampleRate: rate });
  try {
    const { sampleRate } = opened.recording;
    const range = rangeOf(args, sampleRate);
    const path = singleOutput(args);
    checkRange(range, opened);
    checkSize(range.endSample - range.startSample, sampleRate, source);
    const segment = await extract(opened.recording, range, decode);
    return [
      {
        name: "spectrogram",
        path,
        pcm: { channels: segment.channels, sampleRate: segment.sampleRate, startSample: segment.startSample },
      },
    ];
  } finally {
    await opened.close();
  }
}

/**
 * One picture per row of a label table, read as `extract --segments` reads it (every format
 * it reads, `--segments-format` to force one): each row placed in its recording as extract
 * places it (one recording: rows naming another are refused; an archive: by id, file name or
 * UTC time), its times turned into samples at the recording's true rate by the labels
 * package's rule, named as extract names its outputs (a plain CSV's `name` column, else the
 * row's number).
 */
async function tablePictures(
  source: string,
  file: string,
  args: SpectrogramArguments,
  decode: ExtractOptions,
  report: PlanReport,
): Promise<Picture[]> {
  if (args.start ?? args.end ?? args.startSample ?? args.endSample) {
    throw new UsageError("give --segments or a range, not both");
  }
  if (args.outDir === undefined) throw new UsageError("--segments draws one picture per row: give --out-dir");
  const table = await readLabelTable(file, args.segmentsFormat, args.segmentsEncoding);
  const rate = originalRate(args.originalRate);
  const targets = await openTargets(source, (name) => openSource(name, rate === undefined ? {} : { sampleRate: rate }));
  try {
    const planned = planRows(table, targets, {
      clipToEnd: args.clipToEnd ?? false,
      skipInvalid: args.skipInvalid ?? false,
    });
    report.skipped.push(...planned.report.skipped);
    report.clipped.push(...planned.report.clipped);
    for (const output of planned.outputs) {
      checkSize(output.endSample - output.startSample, output.target.sampleRate, output.origin);
    }
    let names: string[];
    try {
      names = outputNames(defaultNameTemplate(table, false), nameInputsOf(planned.outputs), { file: table.file });
    } catch (error) {
      if (error instanceof LabelError) throw new UsageError(error.message);
      throw error;
    }
    const pictures: Picture[] = [];
    for (const [i, output] of planned.outputs.entries()) {
      const segment = await extract(await output.target.open(), output, decode);
      const { recordedAt, sampleRate } = output.target;
      pictures.push({
        name: names[i]!,
        path: await pathInside(args.outDir, `${names[i]!}.png`),
        pcm: { channels: segment.channels, sampleRate: segment.sampleRate, startSample: segment.startSample },
        recording: output.target.key,
        ...(recordedAt === null ? {} : { start: utcAt(recordedAt, output.startSample, sampleRate) }),
      });
    }
    return pictures;
  } finally {
    await targets.close();
  }
}

function singleOutput(args: SpectrogramArguments): string {
  if (args.outDir !== undefined) throw new UsageError("one range is one picture: give -o x.png, not --out-dir");
  if (args.output === undefined) throw new UsageError("say where to draw: -o x.png");
  return args.output;
}

function checkSize(samples: number, sampleRate: number, where: string): void {
  if (samples > MAX_SPECTROGRAM_SAMPLES) {
    throw new UsageError(
      `${where}: ${(samples / sampleRate).toFixed(3)} s is ${samples} samples, more than the ${MAX_SPECTROGRAM_SAMPLES} one picture holds in memory (${(MAX_SPECTROGRAM_SAMPLES / sampleRate).toFixed(1)} s at ${sampleRate} Hz): draw shorter ranges`,
    );
  }
}

function number(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new UsageError(`${what} "${text}" is not a number`);
  return value;
}

function stftOptions(args: SpectrogramArguments): SpectrogramOptions {
  const options: SpectrogramOptions = {};
  if (args.fftSize !== undefined) options.fftSize = parseCount(args.fftSize, "--fft-size");
  if (args.hop !== undefined) options.hopSize = parseCount(args.hop, "--hop");
  if (args.window !== undefined) {
    if (!WINDOW_NAMES.includes(args.window as WindowName)) {
      throw new UsageError(`--window must be ${WINDOW_NAMES.join(", ")}, not "${args.window}"`);
    }
    options.window = args.window as WindowName;
  }
  if (args.channel !== undefined)
    options.channel = args.channel === "mean" ? "mean" : parseCount(args.channel, "--channel");
  const minHz = number(args.minHz, "--min-hz");
  const maxHz = number(args.maxHz, "--max-hz");
  const floorDb = number(args.floorDb, "--floor-db");
  if (minHz !== undefined) options.minHz = minHz;
  if (maxHz !== undefined) options.maxHz = maxHz;
  if (floorDb !== undefined) options.floorDb = floorDb;
  return options;
}

function imageOptions(args: SpectrogramArguments): ImageOptions {
  const options: ImageOptions = {};
  if (args.width !== undefined && args.pixelsPerSecond !== undefined) {
    throw new UsageError("--width and --pixels-per-second both set the width: give one");
  }
  if (args.width !== undefined) options.width = parseCount(args.width, "--width");
  const pixelsPerSecond = number(args.pixelsPerSecond, "--pixels-per-second");
  if (pixelsPerSecond !== undefined) options.pixelsPerSecond = pixelsPerSecond;
  options.height = args.height === undefined ? DEFAULT_HEIGHT : parseCount(args.height, "--height");
  const minDb = number(args.minDb, "--min-db");
  const maxDb = number(args.maxDb, "--max-db");
  if (minDb !== undefined) options.minDb = minDb;
  if (maxDb !== undefined) options.maxDb = maxDb;
  if (args.colormap !== undefined) {
    if (args.colormap !== "viridis" && args.colormap !== "magma") {
      throw new UsageError(`--colormap must be viridis or magma, not "${args.colormap}"`);
    }
    options.colormap = args.colormap as ColormapName;
  }
  if (args.axes) options.axes = true;
  return options;
}
