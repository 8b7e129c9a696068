import { DEFAULT_PRE_ROLL_SAMPLES } from "@granule/extract";
import { MIN_WINDOWS_FOR_WORKERS, prestartDecodeWorkers } from "@granule/extract/node";
import type { OpusIndex } from "@granule/opus-index";
import { deviceOptionText } from "../device-option.ts";
import { defaultNameTemplate, readLabelTable } from "../label-table.ts";
import type { CommandContext } from "../program/context.ts";
import { withProgress } from "../progress.ts";
import { noteSparseRead, openSource, originalRate, warnOn } from "../source.ts";
import { parseCount, preRollSamples as preRollFrom } from "../time.ts";
import { UsageError } from "../usage-error.ts";
import type { ExtractArguments } from "./extract.ts";
import { outputFormat, rangeOf, writeStdout } from "./extract.ts";
import { type DatasetFormat, runDataset } from "./extract-dataset.ts";
import type { DeploymentWindows } from "./extract-deployment-windows.ts";
import { partsOfOutputs } from "./extract-jobs.ts";
import { checkSpan, numbered, type PlannedOutput, type PlanReport, planRows } from "./extract-plan.ts";
import { type ExtractTargets, openTargets, recordingTargets } from "./extract-targets.ts";
import type { TimelineArguments } from "./extract-timeline.ts";
import { planWindows } from "./extract-windows.ts";
import { parsePart } from "./job-part.ts";
import { contextFor, parseChannels, parseOutputRate } from "./pcm-shape.ts";

/** `granule extract` over a label table, fixed windows, or one reshaped range. */
export async function runDatasetCommand(
  source: string,
  args: ExtractArguments & TimelineArguments & { json?: boolean },
  context: CommandContext,
): Promise<void> {
  const started = performance.now();
  if (args.output !== undefined && args.outDir !== undefined) {
    throw new UsageError("-o names one output file and --out-dir a directory of them: give one");
  }
  if (args.output === undefined && args.outDir === undefined) {
    throw new UsageError("say where to write: -o file (- for stdout) or --out-dir dir");
  }
  const hasRange = (args.start ?? args.end ?? args.startSample ?? args.endSample) !== undefined;
  if (args.segments !== undefined && hasRange) throw new UsageError("give --segments or a range, not both");
  if (args.segments !== undefined && args.window !== undefined) {
    throw new UsageError("give --segments or --window, not both");
  }
  if (args.hop !== undefined && args.window === undefined) throw new UsageError("--hop goes with --window");
  const format = outputFormat(args.format, args.output) as DatasetFormat;
  const shape = {
    ...(args.channels === undefined
      ? {}
      : args.channels.trim() === "row"
        ? { rowChannel: true }
        : { channels: parseChannels(args.channels) }),
    mono: args.mono ?? false,
    ...(args.sampleRate === undefined ? {} : { sampleRate: parseOutputRate(args.sampleRate) }),
  };
  const part = parsePart(args.part);
  const preRollSamples = preRollFrom(args.preRoll);
  const table =
    args.segments === undefined
      ? undefined
      : await readLabelTable(args.segments, args.segmentsFormat, args.segmentsEncoding);
  const rate = originalRate(args.originalRate);
  // Many rows will decode on workers: start them now, so that their start overlaps indexing.
  if ((table?.rows.length ?? 0) >= MIN_WINDOWS_FOR_WORKERS && args.workers !== "0") prestartDecodeWorkers();
  let timeline: typeof import("./extract-deployment-windows.ts") | undefined;
  /** The outputs of the table, the windows or the one range, over the targets. */
  const planOutputs = (targets: ExtractTargets) => {
    if (targets.kind !== "collection") {
      // Options of an archive's timeline: with one recording they would be ignored, and a
      // --device naming another device would still give this one's audio.
      const given = [
        args.device === undefined ? undefined : deviceOptionText(args.device),
        args.fillGaps ? "--fill-gaps" : undefined,
        args.joinTolerance === undefined ? undefined : "--join-tolerance",
      ].filter((o) => o !== undefined);
      if (given.length > 0) {
        throw new UsageError(
          `${given.join(", ")}: for an archive's timeline (give the archive, not one recording or file); ${source} is one recording`,
        );
      }
    }
    let planned: PlannedOutput[];
    let report: PlanReport = { skipped: [], clipped: [] };
    let deployment: DeploymentWindows | undefined;
    if (table !== undefined) {
      ({ outputs: planned, report } = planRows(table, targets, {
        clipToEnd: args.clipToEnd ?? false,
        skipInvalid: args.skipInvalid ?? false,
      }));
    } else if (args.window !== undefined) {
      if (targets.kind === "collection") {
        if (args.startSample !== undefined || args.endSample !== undefined) {
          throw new UsageError(
            `${source} is an archive: sample numbers belong to one recording, so name it (${source}/<id>), or give UTC --start/--end`,
          );
        }
        // Windows on the deployment's timeline: across joins, never across a gap unless filled.
        deployment = timeline!.planDeploymentWindows(targets.recordings, source, { ...args, window: args.window });
        planned = deployment.outputs;
        if (planned.length === 0) {
          throw new UsageError(
            `no whole --window ${args.window} fits in the recordings of ${source}${args.device === undefined ? "" : ` (${deviceOptionText(args.device)})`}${hasRange ? ` between ${args.start} and ${args.end}` : ""}`,
          );
        }
      } else {
        const spans = targets.recordings.map((target) => {
          if (!hasRange) return { target, startSample: 0, endSample: target.totalSamples };
          const range = rangeOf(args, target.sampleRate);
          checkSpan(range, target);
          return { target, ...range };
        });
        planned = planWindows(spans, { window: args.window, ...(args.hop === undefined ? {} : { hop: args.hop }) });
      }
    } else {
      if (targets.kind === "collection") {
        if (args.startSample !== undefined || args.endSample !== undefined) {
          throw new UsageError(
            `${source} is an archive: sample numbers belong to one recording, so name it (${source}/<id>), or give UTC --start/--end`,
          );
        }
        if (args.start === undefined || args.end === undefined) {
          throw new UsageError(
            `${source} is an archive: name a recording (${source}/<id>), give UTC --start and --end, or give --segments or --window`,
          );
        }
        planned = timeline!.planDeploymentRange(targets.recordings, source, {
          ...args,
          start: args.start,
          end: args.end,
        });
        return { planned, report, deployment };
      }
      const target = targets.recordings[0]!;
      const range = rangeOf(args, target.sampleRate);
      checkSpan(range, target);
      planned = numbered([
        {
          n: 0,
          target,
          ...range,
          row: {
            row: 1,
            recording: { id: target.key },
            start: { sample: range.startSample },
            end: { sample: range.endSample },
            fields: {},
          },
          origin: target.name,
          byTime: range.byTime ?? false,
        },
      ]);
    }
    return { planned, report, deployment };
  };
  // A plain URL reads only the pages the outputs need (and the resampler's context around them).
  const rangesFor = (name: string) => (index: OpusIndex, sampleRate: number) => {
    try {
      const context = contextFor(shape, sampleRate);
      const planning = () => Promise.reject(new Error("a target planned before it is read is not opened"));
      const { planned } = planOutputs(recordingTargets(name, { name, recording: { index, sampleRate } }, planning));
      // Only this part's outputs: the other parts' are other processes' to read.
      const partOf = part === undefined ? undefined : partsOfOutputs(planned, part.count);
      return planned
        .filter((_, i) => partOf === undefined || partOf[i] === part!.index)
        .map((o) => ({
          startSample: Math.max(0, o.startSample - context),
          endSample: Math.min(index.totalSamples, o.endSample + context),
        }));
    } catch {
      return []; // Planning says what is wrong once the source is open.
    }
  };
  const targets = await openTargets(source, async (name) => {
    const opened = await openSource(name, {
      onWarning: warnOn(context.io),
      ...(rate === undefined ? {} : { sampleRate: rate }),
      ranges: rangesFor(name),
      preRollSamples: preRollSamples ?? DEFAULT_PRE_ROLL_SAMPLES,
    });
    noteSparseRead(opened, (text) => context.note(text));
    return opened;
  });
  // The timeline's planners, for an archive only: a plain file's extraction does not load them.
  if (targets.kind === "collection") timeline = await import("./extract-deployment-windows.ts");
  try {
    const { planned, report, deployment } = planOutputs(targets);
    if (planned.length === 0 && report.skipped.length > 0) {
      // --skip-invalid leaves rows out; leaving every row out is no result to report as one.
      const [first] = report.skipped;
      throw new UsageError(
        `every row was left out (--skip-invalid), so there is nothing to extract: ${first!.origin}: ${first!.reason}${report.skipped.length > 1 ? ` (and ${report.skipped.length - 1} more)` : ""}`,
      );
    }
    if (table !== undefined && args.outDir === undefined && args.output !== "-") {
      throw new UsageError("--segments writes one file per row: give --out-dir");
    }
    const summary = await withProgress("extracting", "segments", context.quiet() || args.output === "-", (bar) =>
      runDataset(planned, report, {
        format,
        float: args.float ?? false,
        stack: args.stack ?? false,
        ...(args.outDir === undefined ? {} : { outDir: args.outDir }),
        ...(args.output === undefined ? {} : { output: args.output }),
        nameTemplate: args.name ?? defaultNameTemplate(table, args.window !== undefined),
        ...(part === undefined ? {} : { part }),
        shape,
        overwrite: args.overwrite ?? false,
        ...(table === undefined ? {} : { tableFile: table.file }),
        extract: {
          fillHoles: args.fillHoles ?? false,
          signal: context.signal,
          ...(preRollSamples === undefined ? {} : { preRollSamples }),
          ...(args.workers === undefined ? {} : { workers: parseCount(args.workers, "--workers") }),
        },
        writeStdout,
        onProgress: (d, t) => {
          if (t > 1) bar.update(d, t);
        },
      }),
    );
    for (const s of report.skipped) context.note(`skipped ${s.origin}: ${s.reason}`);
    for (const c of report.clipped)
      context.note(`clipped ${c.origin} at the recording's end (sample ${c.clippedTo}, not ${c.endSample})`);
    if (deployment !== undefined)
      for (const line of deploymentNotes(deployment, args.fillGaps ?? false, timeline!.breakNote)) context.note(line);
    if (args.json) {
      context.json(
        deployment === undefined
          ? summary
          : {
              ...summary,
              breaks: deployment.breaks,
              filledGaps: deployment.filledGaps,
              untimed: deployment.untimed.ids,
            },
      );
    }
    const where = args.output === "-" ? "stdout" : (args.outDir ?? args.output);
    const partText =
      part === undefined
        ? ""
        : ` (part ${part.index} of ${part.count}: ${summary.segments.length} of ${summary.plannedOutputs})`;
    context.note(
      `wrote ${summary.segments.length} segment(s)${partText}, ${summary.seconds.toFixed(3)} s of audio, to ${where} in ${Math.round(performance.now() - started)} ms` +
        (report.skipped.length + report.clipped.length > 0
          ? `; ${report.skipped.length} row(s) skipped, ${report.clipped.length} clipped`
          : ""),
    );
  } finally {
    await targets.close();
  }
}

/** What stderr says of windows over a deployment: the gaps they did not cross, or ran through, and what was left out. */
function deploymentNotes(
  deployment: DeploymentWindows,
  fillGaps: boolean,
  breakNote: typeof import("./extract-deployment-windows.ts").breakNote,
): string[] {
  return [
    ...deployment.breaks.map((b) => breakNote(b, fillGaps)),
    ...deployment.filledGaps.map(
      (g) =>
        `ran the windows of ${g.deviceId === null ? "the recordings without a device id" : `device ${g.deviceId}`} through the gap of ${((g.outputEndSample - g.outputStartSample) / g.sampleRate).toFixed(3)} s between ${g.after} (to ${g.start}) and ${g.before} (from ${g.end}) with silence (the manifest's gaps column says where)`,
    ),
    ...(deployment.untimed.ids.length > 0 && deployment.untimed.leftOut
      ? [
          `left out ${deployment.untimed.ids.join(", ")}: without recordedAt they are on no timeline for --start/--end to select from`,
        ]
      : []),
  ];
}
