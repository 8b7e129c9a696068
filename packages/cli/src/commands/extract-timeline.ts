import { nodeDecoderFactory, rawStream, wavStream } from "@granule/extract/node";
import { openTimelineStream, type PlanOptions, planTimeline, type TimelinePlan } from "@granule/timeline";
import { type Collection, listRecordings, openRecording } from "@granule/zarr-opus/node";
import { deviceOf } from "../device-option.ts";
import { openOutput } from "../output-file.ts";
import type { CommandContext } from "../program/context.ts";
import { parseCount, preRollSamples as preRollFrom } from "../time.ts";
import { UsageError } from "../usage-error.ts";
import { parseArchiveTime } from "../utc-time.ts";
import { type ExtractArguments, outputFormat, writeStdout } from "./extract.ts";

/** What `granule extract <archive root>` takes besides extract's own options. */
export interface TimelineArguments {
  /** `--device ID`, or false for `--no-device` (see `deviceOf`). */
  device?: string | false;
  fillGaps?: boolean;
  joinTolerance?: string;
}

/** The join tolerance `--join-tolerance <ms>` gives, if given. */
export function toleranceOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Number(text);
  if (text.trim() === "" || !Number.isFinite(ms) || ms < 0) {
    throw new UsageError(`--join-tolerance "${text}" is not a number of milliseconds (0 or more)`);
  }
  return ms;
}

/** What `--fill-gaps`, `--device` and `--join-tolerance` ask of `planTimeline`. */
export function timelineOptions(args: TimelineArguments): PlanOptions {
  const tolerance = toleranceOf(args.joinTolerance);
  return {
    fillGaps: args.fillGaps ?? false,
    ...(args.device === undefined ? {} : { deviceId: deviceOf(args.device) }),
    ...(tolerance === undefined ? {} : { toleranceMs: tolerance }),
  };
}

/**
 * `granule extract <archive> --start <UTC> --end <UTC>`: the range found on the archive's
 * timeline (the recording(s) that hold it; contiguous recordings of one device joined
 * sample-exactly; gaps refused, or silence with --fill-gaps), streamed to one output.
 */
export async function runTimelineExtractCommand(
  collection: Collection,
  source: string,
  options: ExtractArguments & TimelineArguments & { json?: boolean },
  context: CommandContext,
): Promise<void> {
  const started = performance.now();
  if (options.segments !== undefined) {
    throw new UsageError(
      `${source} is an archive: --segments reads one recording's table, so name the recording (${source}/<id>)`,
    );
  }
  if (options.startSample !== undefined || options.endSample !== undefined) {
    throw new UsageError(
      `${source} is an archive: sample numbers belong to one recording, so name it (${source}/<id>), or give UTC --start/--end`,
    );
  }
  if (options.start === undefined || options.end === undefined) {
    throw new UsageError(`say which time of ${source}: --start and --end as UTC times (2025-04-16T05:40:00Z)`);
  }
  if (options.outDir !== undefined)
    throw new UsageError("one range of an archive is one output: give -o, not --out-dir");
  if (options.output === undefined) throw new UsageError("say where to write: -o file (- for stdout)");
  if (options.output === "-" && options.json) {
    throw new UsageError("-o - writes the samples to stdout, so --json cannot go there too: choose one");
  }
  if (options.originalRate !== undefined) {
    throw new UsageError(
      `${source} is an archive, whose recordings know their own rates: --original-rate is for plain files`,
    );
  }
  const startMs = parseArchiveTime(options.start, "--start", source);
  const endMs = parseArchiveTime(options.end, "--end", source);
  const format = outputFormat(options.format, options.output);
  // .npy outputs, resampling and windows go through the dataset pipeline (extract-dataset-command.ts).
  if (format === "npy") throw new UsageError("--format npy is written by the dataset pipeline");
  const rows = await listRecordings(collection);
  const [plan] = planTimeline(rows, [{ start: startMs, end: endMs }], timelineOptions(options));
  const preRollSamples = preRollFrom(options.preRoll);
  const stream = await openTimelineStream(plan!, (id) => openRecording(collection, id, { signal: context.signal }), {
    workerFactory: nodeDecoderFactory,
    ...(options.workers === undefined ? {} : { workers: parseCount(options.workers, "--workers") }),
    ...(preRollSamples === undefined ? {} : { preRollSamples }),
    fillHoles: options.fillHoles ?? false,
    signal: context.signal,
  });
  const chunks =
    format === "wav" ? wavStream(stream, { format: options.float ? "f32" : "s16" }) : rawStream(stream, format);
  if (options.output === "-") {
    for await (const bytes of chunks) await writeStdout(bytes);
  } else {
    const output = await openOutput(options.output, { overwrite: options.overwrite ?? false });
    try {
      for await (const bytes of chunks) await output.write(bytes);
      await output.close();
    } catch (error) {
      await output.abort();
      throw error;
    }
  }
  const summary = timelineSummary(plan!, options.output, format, stream.filled);
  if (options.json) context.json(summary);
  const gaps = plan!.gaps.length === 0 ? "" : `, ${plan!.gaps.length} gap(s) filled with silence`;
  context.note(
    `wrote ${summary.seconds.toFixed(3)} s from ${plan!.recordings.join(", ")}${gaps} to ${options.output === "-" ? "stdout" : options.output} in ${Math.round(performance.now() - started)} ms`,
  );
}

/** What `--json` prints for a range of an archive: extract's summary, with where the samples came from. */
function timelineSummary(
  plan: TimelinePlan,
  path: string,
  format: string,
  filled: { startSample: number; endSample: number }[],
) {
  return {
    segments: [
      {
        name: "segment",
        path,
        startSample: 0,
        endSample: plan.sampleCount,
        channels: plan.channels,
        filled,
        start: plan.start,
        deviceId: plan.deviceId,
        recordings: plan.recordings,
        pieces: plan.pieces,
        gaps: plan.gaps,
      },
    ],
    format,
    sampleRate: plan.sampleRate,
    seconds: plan.sampleCount / plan.sampleRate,
  };
}
