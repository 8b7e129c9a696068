import { createHash } from "node:crypto";
import { posix, relative, sep } from "node:path";
import {
  encodeNpy,
  encodeNpyHeader,
  encodeRaw,
  encodeWav,
  NpyStream,
  rawStream,
  type Segment,
  wavStream,
} from "@granule/extract";
import { extractEach } from "@granule/extract/node";
import { LabelError, outputNames } from "@granule/labels";
import { BoundedWrites } from "../bounded-writes.ts";
import { type OutputFile, openOutput, outputExists, pathInside, writeOutput } from "../output-file.ts";
import { UsageError } from "../usage-error.ts";
import {
  bySource,
  filledIn,
  type Job,
  partsOfOutputs,
  planar,
  segmentSummary,
  sourceStart,
  type WindowRun,
  windowRun,
} from "./extract-jobs.ts";
import { nameInputsOf, type PlannedOutput, type PlanReport } from "./extract-plan.ts";
import { type JobPart, partSuffix } from "./job-part.ts";
import { type ManifestRow, manifestCsv, manifestRow } from "./manifest.ts";
import {
  checkChannels,
  contextFor,
  outputChannelCount,
  outputSampleCount,
  type PcmShape,
  shapePcm,
} from "./pcm-shape.ts";
import { type ShapedStream, shapedSpanStream, shapedStream } from "./shaped-stream.ts";

/**
 * Output files written at once (see BoundedWrites). With it and views of the windows,
 * overlap3000's main thread went from 4.3 s idle of 13 s to 0.7 s of 8.8 s
 * (docs/benchmarks.md); no other limit was measured.
 */
const OUTPUT_WRITES_IN_FLIGHT = 8;

/** The formats of dataset outputs: what `--format` takes. */
export type DatasetFormat = "wav" | "f32" | "s16" | "npy";

export interface DatasetOptions {
  format: DatasetFormat;
  /** 32-bit float WAV. */
  float: boolean;
  /** One `(N, channels, samples)` float32 array instead of a file per output. */
  stack: boolean;
  outDir?: string;
  /** One output file (one range), or `-`: every output's samples one after another on stdout. */
  output?: string;
  /** The `--name` template (labels' `outputNames`). */
  nameTemplate: string;
  part?: JobPart;
  shape: PcmShape;
  overwrite: boolean;
  /** The label table, for messages. */
  tableFile?: string;
  extract: { preRollSamples?: number; workers?: number; fillHoles: boolean; signal?: AbortSignal };
  writeStdout: (bytes: Uint8Array) => Promise<void>;
  onProgress: (done: number, total: number) => void;
}

/** What `granule extract --json` says of a dataset run. */
export interface DatasetSummary {
  segments: {
    name: string;
    path: string;
    recording: string;
    startSample: number;
    endSample: number;
    channels: number;
    sampleRate: number;
    samples: number;
    filled: { startSample: number; endSample: number }[];
  }[];
  format: DatasetFormat;
  /** The outputs' rate when they all have one (else null). */
  sampleRate: number | null;
  seconds: number;
  manifest: ManifestRow[];
  manifestPath: string | null;
  stackPath: string | null;
  part: JobPart | null;
  /** Outputs of the whole plan (every part). */
  plannedOutputs: number;
  skipped: PlanReport["skipped"];
  clipped: PlanReport["clipped"];
}

/**
 * The job a split run is a part of, as 12 hex digits: a hash of the whole plan (every output's
 * recording and samples, in order) and of what is written (format, shape, names), which every
 * part computes alike from the same command, and another command does not.
 */
function jobId(planned: readonly PlannedOutput[], options: DatasetOptions): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify([options.format, options.float, options.stack, options.nameTemplate, options.shape]));
  for (const output of planned) hash.update(`\n${output.target.key}\t${output.startSample}\t${output.endSample}`);
  return hash.digest("hex").slice(0, 12);
}

/** The names of a run's own files in its folder, any part's (`manifest.csv`, `stack.part-2-of-4.npy`...). */
const RUN_FILE = /^(manifest|stack)(\.[^/]*)?\.(csv|npy)$/i;

/**
 * Output names are made from labels, which may hold any text: one whose folder has the name
 * of the run's manifest or stack would collide with it after every output was written.
 */
function refuseReservedFolders(jobs: readonly Job[]): void {
  for (const job of jobs) {
    const slash = job.name.indexOf("/");
    if (slash < 0) continue;
    const folder = job.name.slice(0, slash);
    if (RUN_FILE.test(folder.normalize("NFC"))) {
      throw new UsageError(
        `${job.output.origin}: its output ${JSON.stringify(job.name)} would be in a folder named ${JSON.stringify(folder)}, the name of the run's own ${folder.toLowerCase().startsWith("manifest") ? "manifest" : "stack"} file: change --name (for example {label}-{n} or a fixed prefix, labels/{label}/{n})`,
      );
    }
  }
}

/**
 * Writes the outputs of a plan (a label table's rows, fixed windows, one range) as files in a
 * folder, one stacked `.npy`, one file, or a stream on stdout, with a manifest of them. Every
 * path is decided and checked before anything is decoded; with a part of a split job, names
 * still come from the whole plan, so no two parts ever write the same file.
 */
export async function runDataset(
  planned: PlannedOutput[],
  report: PlanReport,
  options: DatasetOptions,
): Promise<DatasetSummary> {
  const { format, shape, part, outDir } = options;
  const toStdout = options.output === "-";
  if (options.stack && format !== "npy") throw new UsageError("--stack writes one .npy array: give --format npy");
  if (options.stack && outDir === undefined) {
    throw new UsageError("--stack writes stack.npy and manifest.csv: give --out-dir");
  }
  if (toStdout && (format === "wav" || format === "npy") && planned.length > 1) {
    throw new UsageError(
      `-o - with ${planned.length} outputs writes their samples one after another: use --format f32 or s16 (raw)`,
    );
  }
  if (options.output !== undefined && !toStdout && planned.length !== 1) {
    throw new UsageError(`-o names one file but there are ${planned.length} outputs: give --out-dir`);
  }
  // `--channels row`: each output's own channel, from its row.
  const shapeOf = (output: PlannedOutput): PcmShape => {
    if (!shape.rowChannel) return shape;
    if (output.row.channel === undefined) {
      throw new UsageError(`${output.origin}: the row names no channel, which --channels row needs`);
    }
    const { rowChannel: _, ...rest } = shape;
    return { ...rest, channels: [output.row.channel] };
  };
  for (const output of planned) {
    const own = shapeOf(output);
    if (shape.rowChannel) {
      if (output.row.channel! >= output.target.channels) {
        throw new UsageError(
          `${output.origin}: channel ${output.row.channel! + 1} (0-based ${output.row.channel}) is not in ${output.target.name}, which has ${output.target.channels}`,
        );
      }
    } else checkChannels(own, output.target.channels, output.target.name);
  }

  let names: string[];
  try {
    names = outputNames(
      options.nameTemplate,
      nameInputsOf(planned),
      options.tableFile === undefined ? {} : { file: options.tableFile },
    );
  } catch (error) {
    if (error instanceof LabelError) throw new UsageError(`--name: ${error.message}`);
    throw error;
  }
  const partOf = part === undefined ? undefined : partsOfOutputs(planned, part.count);
  const jobs: Job[] = [];
  for (let i = 0; i < planned.length; i++) {
    if (partOf !== undefined && partOf[i] !== part!.index) continue;
    const output = planned[i]!;
    const inRate = output.target.sampleRate;
    const path =
      outDir === undefined ? options.output! : options.stack ? "" : await pathInside(outDir, `${names[i]!}.${format}`);
    jobs.push({
      output,
      name: names[i]!,
      path,
      shape: shapeOf(output),
      channels: outputChannelCount(shapeOf(output), output.target.channels),
      samples: outputSampleCount(shape, output.endSample - output.startSample, inRate),
      outRate: shape.sampleRate ?? inRate,
      position: jobs.length,
    });
  }

  const suffix = partSuffix(part);
  if (outDir !== undefined) refuseReservedFolders(jobs);
  let stackPath: string | null = null;
  let stackShape: [number, number] | undefined;
  if (options.stack) {
    stackPath = await pathInside(outDir!, `stack${suffix}.npy`);
    // A part with nothing to do still writes its (0, channels, samples) stack.
    const first = planned[0];
    stackShape =
      jobs[0] !== undefined
        ? [jobs[0].channels, jobs[0].samples]
        : first === undefined
          ? [0, 0]
          : [
              outputChannelCount(shapeOf(first), first.target.channels),
              outputSampleCount(shape, first.endSample - first.startSample, first.target.sampleRate),
            ];
    for (const job of jobs) {
      if (job.channels !== stackShape[0] || job.samples !== stackShape[1]) {
        throw new UsageError(
          `--stack needs outputs of one shape: ${jobs[0]!.output.origin} is ${stackShape[0]} channel(s) x ${stackShape[1]} samples, ${job.output.origin} is ${job.channels} x ${job.samples}; use fixed windows (--window), or --format npy without --stack`,
        );
      }
    }
    for (const job of jobs) job.path = stackPath;
  }
  const manifestPath = outDir === undefined ? null : await pathInside(outDir, `manifest${suffix}.csv`);
  // Every path is checked before anything is decoded.
  for (const path of [...(options.stack ? [] : jobs.map((j) => j.path)), stackPath, manifestPath]) {
    if (path === null || path === "-") continue;
    if (!options.overwrite && (await outputExists(path))) {
      throw new UsageError(`${path} exists: pass --overwrite to replace it`);
    }
  }

  const summary: DatasetSummary = {
    segments: new Array(jobs.length),
    format,
    sampleRate: new Set(jobs.map((j) => j.outRate)).size === 1 ? jobs[0]!.outRate : (shape.sampleRate ?? null),
    seconds: 0,
    manifest: [],
    manifestPath,
    stackPath,
    part: part ?? null,
    plannedOutputs: planned.length,
    skipped: report.skipped,
    clipped: report.clipped,
  };
  let stack: { file: OutputFile; npy: NpyStream; bytesPer: number } | undefined;
  if (stackPath !== null) {
    const npy = new NpyStream("<f4", [jobs.length, ...stackShape!]);
    const file = await openOutput(stackPath, { overwrite: options.overwrite });
    await file.write(npy.header);
    stack = { file, npy, bytesPer: stackShape![0] * stackShape![1] * 4 };
  }
  const writes = new BoundedWrites(OUTPUT_WRITES_IN_FLIGHT);
  // stdout takes outputs in plan order; a segment decoded early waits here for its turn.
  const waiting = new Map<number, Uint8Array>();
  let nextOut = 0;
  let done = 0;
  try {
    if (options.output !== undefined && jobs.length === 1 && stack === undefined) {
      // One range: streamed to its output, in bounded memory however long.
      const job = jobs[0]!;
      const stream = await streamOf(job.output, job.shape);
      await writeStreamed(job, stream);
      summary.segments[0] = segmentSummary(job, filledIn(job.output, stream.filled));
      summary.seconds = (job.output.endSample - job.output.startSample) / job.output.target.sampleRate;
      options.onProgress(1, 1);
    }
    for (const group of options.output !== undefined && jobs.length === 1 ? [] : bySource(jobs)) {
      const target = group[0]!.output.target;
      const timeline = group[0]!.output.timeline;
      const run = windowRun(group, shape, timeline?.span.plan.sampleRate ?? target.sampleRate);
      if (run !== undefined) {
        await streamWindows(group, run);
        continue;
      }
      if (timeline !== undefined) {
        // Windows of a span one by one (one window, or a hop off the output grid): each its own stream.
        for (const job of group) {
          const stream = await streamOf(job.output, job.shape);
          const channels = Array.from({ length: stream.channelCount }, () => new Float32Array(job.samples));
          for await (const chunk of stream) {
            chunk.channels.forEach((samples, c) => {
              channels[c]!.set(samples, chunk.startSample);
            });
          }
          await writeJob(job, channels, stream.mappingFamily);
          summary.segments[job.position] = segmentSummary(job, filledIn(job.output, stream.filled));
          summary.seconds += (job.output.endSample - job.output.startSample) / target.sampleRate;
          options.onProgress(++done, jobs.length);
        }
        continue;
      }
      const recording = await target.open();
      const context = contextFor(shape, target.sampleRate);
      const ranges = group.map((job) => ({
        startSample: Math.max(0, job.output.startSample - context),
        endSample: Math.min(target.totalSamples, job.output.endSample + context),
      }));
      await extractEach(
        recording,
        ranges,
        async (segment: Segment, i: number) => {
          const job = group[i]!;
          const length = job.output.endSample - job.output.startSample;
          const channels = shapePcm(
            segment.channels,
            job.shape,
            target.sampleRate,
            job.output.startSample - segment.startSample,
            length,
          );
          await writeJob(job, channels, target.mappingFamily, segment.release);
          summary.segments[job.position] = segmentSummary(
            job,
            segment.filled
              .map((f) => ({
                startSample: Math.max(f.startSample, job.output.startSample),
                endSample: Math.min(f.endSample, job.output.endSample),
              }))
              .filter((f) => f.startSample < f.endSample),
          );
          summary.seconds += length / target.sampleRate;
          options.onProgress(++done, jobs.length);
        },
        // Segments are only read (shaped, encoded, written): views of their windows will do,
        // and once written their arrays are released for later windows to be decoded into.
        { ...options.extract, readOnlySegments: true, lendSegments: true },
      );
    }
    await writes.drain();
    if (stack !== undefined) {
      stack.npy.end();
      await stack.file.close();
    }
  } catch (error) {
    await writes.settle();
    await stack?.file.abort();
    throw error;
  }

  const manifestFolder = outDir ?? ".";
  // Every part of a split job names the same job: what `manifest merge` checks the parts by.
  const jobPart = part === undefined ? undefined : { ...part, job: jobId(planned, options), outputs: planned.length };
  summary.manifest = jobs.map((job) =>
    manifestRow(
      {
        output: job.output,
        file: job.path === "-" ? "-" : relative(manifestFolder, job.path).split(sep).join(posix.sep),
        ...(options.stack ? { index: job.position } : {}),
        outputSampleRate: job.outRate,
        outputSamples: job.samples,
        channels: job.channels,
      },
      jobPart,
    ),
  );
  if (manifestPath !== null) {
    await writeOutput(manifestPath, new TextEncoder().encode(manifestCsv(summary.manifest)), {
      overwrite: options.overwrite,
    });
  }
  return summary;

  /**
   * Overlapping windows of one recording: the stretch they cover is decoded (and resampled)
   * once, as one stream, and each window is cut from it (its start is on the output grid, so
   * it is the same band-limited signal the window alone would give), instead of decoding and
   * resampling every sample (window / hop) times.
   */
  async function streamWindows(group: Job[], run: WindowRun): Promise<void> {
    const first = group[0]!.output;
    const last = group[group.length - 1]!.output;
    const stream = await streamOf(
      {
        ...first,
        endSample: first.startSample + sourceStart(last) - sourceStart(first) + (last.endSample - last.startSample),
      },
      shape,
    );
    const channelCount = stream.channelCount;
    let buffered: Float32Array[] = Array.from({ length: channelCount }, () => new Float32Array(0));
    let bufferStart = 0; // output sample of buffered[c][0]
    let next = 0;
    for await (const chunk of stream) {
      buffered = buffered.map((held, c) => {
        const joined = new Float32Array(held.length + chunk.channels[c]!.length);
        joined.set(held);
        joined.set(chunk.channels[c]!, held.length);
        return joined;
      });
      while (next < group.length && next * run.hopOut + run.windowOut - bufferStart <= buffered[0]!.length) {
        const job = group[next]!;
        const from = next * run.hopOut - bufferStart;
        await writeJob(
          job,
          buffered.map((c) => c.slice(from, from + run.windowOut)),
          stream.mappingFamily,
        );
        summary.segments[job.position] = segmentSummary(job, filledIn(job.output, stream.filled));
        summary.seconds += (job.output.endSample - job.output.startSample) / job.output.target.sampleRate;
        options.onProgress(++done, jobs.length);
        next++;
      }
      // What no later window needs is let go: memory stays about one window and one chunk.
      const keepFrom = Math.min(next * run.hopOut, bufferStart + buffered[0]!.length) - bufferStart;
      if (keepFrom > 0) {
        buffered = buffered.map((c) => c.slice(keepFrom));
        bufferStart += keepFrom;
      }
    }
    if (next !== group.length) {
      throw new Error(`internal: ${group.length - next} window(s) were not cut from the resampled stream`);
    }
  }

  /**
   * The shaped samples of an output (or of a run of windows: `output` stretched to the last
   * one's end): from its recording, or from its span of a deployment's timeline.
   */
  async function streamOf(output: PlannedOutput, own: PcmShape): Promise<ShapedStream> {
    const length = output.endSample - output.startSample;
    if (output.timeline !== undefined) {
      const from = output.timeline.spanStartSample;
      return shapedSpanStream(
        output.timeline.span,
        { startSample: from, endSample: from + length },
        own,
        options.extract,
      );
    }
    return shapedStream(await output.target.open(), output, own, options.extract);
  }

  async function writeStreamed(job: Job, stream: ShapedStream): Promise<void> {
    const write =
      job.path === "-"
        ? { write: options.writeStdout, writeAt: undefined, close: async () => {}, abort: async () => {} }
        : await openOutput(job.path, { overwrite: options.overwrite });
    try {
      if (format === "npy") {
        const header = encodeNpyHeader("<f4", [job.channels, job.samples]);
        await write.write(header);
        if (job.channels === 1) {
          for await (const chunk of stream) await write.write(encodeRaw(chunk.channels, "f32"));
        } else if (write.writeAt !== undefined) {
          // (channels, samples) in C order: each channel's run goes to its own place in the file.
          for await (const chunk of stream) {
            for (let c = 0; c < chunk.channels.length; c++) {
              const at = header.length + (c * job.samples + chunk.startSample) * 4;
              await write.writeAt(encodeRaw([chunk.channels[c]!], "f32"), at);
            }
          }
        } else {
          // A pipe cannot be written out of order: a channel at a time needs the whole segment.
          const all = Array.from({ length: job.channels }, () => new Float32Array(job.samples));
          for await (const chunk of stream) {
            for (let c = 0; c < chunk.channels.length; c++) all[c]!.set(chunk.channels[c]!, chunk.startSample);
          }
          await write.write(encodeRaw([planar(all, job.samples)], "f32"));
        }
      } else {
        const chunks =
          format === "wav" ? wavStream(stream, { format: options.float ? "f32" : "s16" }) : rawStream(stream, format);
        for await (const bytes of chunks) await write.write(bytes);
      }
      await write.close();
    } catch (error) {
      await write.abort();
      throw error;
    }
  }

  /**
   * Writes a job's output; `release` (the decoded segment's, which `channels` may be views of)
   * is called once the bytes, which may be views of them too, are written or no longer needed.
   */
  async function writeJob(
    job: Job,
    channels: Float32Array[],
    mappingFamily: number | undefined,
    release: (() => void) | undefined = undefined,
  ) {
    // Picked or mixed channels are no longer the Opus layout: WAV then gets no speaker order.
    const family = job.shape.channels === undefined && !job.shape.mono ? mappingFamily : 0;
    if (stack !== undefined) {
      const bytes = stack.npy.chunk(planar(channels, job.samples));
      await stack.file.writeAt(bytes, stack.npy.header.length + job.position * stack.bytesPer);
      release?.();
      return;
    }
    let bytes: Uint8Array;
    if (format === "wav") {
      bytes = encodeWav(channels, job.outRate, {
        format: options.float ? "f32" : "s16",
        ...(family === undefined ? {} : { mappingFamily: family }),
      });
    } else if (format === "npy") {
      bytes = encodeNpy(planar(channels, job.samples), [channels.length, job.samples]);
    } else {
      bytes = encodeRaw(channels, format);
    }
    if (job.path !== "-") {
      await writes.add(() => writeOutput(job.path, bytes, { overwrite: options.overwrite }).finally(release));
      return;
    }
    // Standard output in job order: a job's bytes may wait for earlier ones, so they are copied
    // when they are views of the segment (whose arrays are then released at once).
    waiting.set(job.position, release === undefined ? bytes : bytes.slice());
    release?.();
    while (waiting.has(nextOut)) {
      const next = waiting.get(nextOut)!;
      waiting.delete(nextOut++);
      await options.writeStdout(next);
    }
  }
}
