import { stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { encodeFiles } from "@granule/encode/node";
import { outputExists, pathInside } from "../output-file.ts";
import type { CommandContext } from "../program/context.ts";
import { withProgress } from "../progress.ts";
import { describePlan, type EncodeArguments, encoderOptions, sniffFile } from "../recorder-files.ts";
import { describeError } from "../report-error.ts";
import { parseCount } from "../time.ts";
import { EXIT_BAD_DATA, EXIT_OK, UsageError } from "../usage-error.ts";

export interface EncodeCommandArguments extends EncodeArguments {
  output?: string;
  outDir?: string;
  workers?: string;
  overwrite?: boolean;
  json?: boolean;
}

/**
 * `granule encode`: recorders' files to standalone Ogg Opus files, each sample kept where it
 * was (time-expanded above 48 kHz, resampled with a band-limited filter at rates Opus cannot
 * take, and said so in the file's tags). Every output is checked before any work.
 */
export async function runEncodeCommand(
  files: string[],
  args: EncodeCommandArguments,
  context: CommandContext,
): Promise<void> {
  if ((args.output === undefined) === (args.outDir === undefined)) {
    throw new UsageError("say where to write: -o file.opus (one file) or --out-dir dir");
  }
  if (args.output !== undefined && files.length > 1) {
    throw new UsageError("-o names one output: give --out-dir for several files");
  }
  const encoding = encoderOptions(args);
  const jobs: { input: string; output: string }[] = [];
  for (const file of files) {
    const info = await stat(file).catch(() => undefined);
    if (info === undefined) throw new UsageError(`${file}: no such file`);
    if (!info.isFile()) throw new UsageError(`${file} is not a regular file (a directory, a pipe or a device)`);
    const kind = await sniffFile(file);
    if (kind === "opus") throw new UsageError(`${file} is Ogg Opus already: import it as it is`);
    if (kind === "other") throw new UsageError(`${file} is not WAV (RIFF/RF64/BW64), FLAC or Ogg FLAC`);
    const output =
      args.output ?? (await pathInside(args.outDir!, `${basename(file).replace(/\.(wav|flac|oga|ogg)$/i, "")}.opus`));
    if (!args.overwrite && (await outputExists(output))) {
      throw new UsageError(`${output} exists: pass --overwrite to replace it`);
    }
    if (jobs.some((job) => job.output === output)) throw new UsageError(`two files would be written to ${output}`);
    jobs.push({ input: file, output });
  }
  if (args.outDir !== undefined)
    await import("node:fs/promises").then((fs) => fs.mkdir(args.outDir!, { recursive: true }));
  const workers =
    args.workers === undefined ? Math.min(jobs.length, availableParallelism()) : parseCount(args.workers, "--workers");
  const started = performance.now();
  const outcomes = await withProgress("encoding", "segments", context.quiet(), (bar) =>
    encodeFiles(jobs, {
      workers: jobs.length === 1 && args.workers === undefined ? 0 : workers,
      ...encoding,
      fileNameModule: "@granule/zarr-opus",
      signal: context.signal,
      onFile: (_, k) => bar.update(k + 1, jobs.length),
    }),
  );
  const report = outcomes.map((outcome) =>
    "result" in outcome
      ? {
          file: outcome.input,
          output: outcome.output,
          error: null,
          plan: outcome.result.ratePlan,
          source: outcome.result.source,
          totalSamples: outcome.result.opus.totalSamples,
          byteLength: outcome.result.opus.byteLength,
          recordedAt: outcome.result.metadata.recordedAt,
          deviceId: outcome.result.metadata.deviceId,
          warnings: [
            ...outcome.result.metadata.conflicts.map((c) => `metadata conflict: ${JSON.stringify(c)}`),
            ...outcome.result.warnings,
          ],
          describe: describePlan(outcome.result),
        }
      : { file: outcome.input, output: null, error: describeError(outcome.error).message },
  );
  if (args.json) context.json(report);
  else {
    for (const r of report) {
      if (r.error !== null) {
        context.io.err(`granule: ${r.file}: ${r.error}\n`);
        continue;
      }
      const ok = r as Extract<(typeof report)[number], { error: null }>;
      const when = ok.recordedAt === null ? "" : `, recorded ${ok.recordedAt}`;
      context.io.out(`${ok.file} -> ${ok.output} (${ok.totalSamples} samples, ${ok.byteLength} bytes${when})\n`);
      context.io.out(`  ${ok.describe}\n`);
      for (const warning of ok.warnings) context.note(`granule: warning: ${ok.file}: ${warning}`);
    }
    context.note(
      `encoded ${report.filter((r) => r.error === null).length} of ${jobs.length} file(s) in ${Math.round(performance.now() - started)} ms`,
    );
  }
  context.state.exitCode = report.some((r) => r.error !== null) ? EXIT_BAD_DATA : EXIT_OK;
}
