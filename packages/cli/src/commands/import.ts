import { rm, stat } from "node:fs/promises";
import { basename } from "node:path";
import {
  checkId,
  type DuplicatePolicy,
  type GeoLocation,
  importRecording,
  looksLikeUnreadRecorderName,
  normaliseRecordedAt,
  openCollection,
  refreshManifest,
} from "@granule/zarr-opus/node";
import type { CommandContext } from "../program/context.ts";
import { withProgress } from "../progress.ts";
import { describeError } from "../report-error.ts";
import { originalRate } from "../source.ts";
import { formatDuration, parseCount } from "../time.ts";
import { EXIT_BAD_DATA, EXIT_OK, Interrupted, UsageError } from "../usage-error.ts";

export interface ImportArguments {
  archive: string;
  id?: string;
  recordedAt?: string;
  utcOffset?: string;
  originalRate?: string;
  device?: string;
  location?: string;
  meta?: string[];
  onDuplicate: DuplicatePolicy;
  workers?: string;
  strict?: boolean;
  acceptResampled?: boolean;
}

export interface ImportedFile {
  file: string;
  id: string | null;
  skipped: boolean;
  error: string | null;
  totalSamples: number | null;
  sampleRate: number | null;
  recordedAt: string | null;
  /** Damage the index found in the file (imported as it is, problems listed): codes, byte offsets, lost samples. */
  problems: { code: string; byteOffset: number; startSample: number; endSample: number; message: string }[];
}

export async function runImportCommand(
  files: string[],
  options: ImportArguments & { json?: boolean },
  context: CommandContext,
): Promise<void> {
  const started = performance.now();
  const results = await withProgress("importing", "bytes", context.quiet(), (bar) =>
    runImport(files, options, (file, d, t) => bar.update(d, t, file), context),
  );
  if (options.json) context.json(results);
  else {
    for (const r of results) {
      if (r.error !== null) context.io.err(`granule: ${r.file}: ${r.error}\n`);
      else if (r.skipped) context.io.out(`${r.file}: already archived as ${r.id}, skipped\n`);
      else {
        const when = r.recordedAt ? `, recorded ${r.recordedAt}` : "";
        context.io.out(
          `${r.file} -> ${options.archive}/${r.id} (${formatDuration(r.totalSamples! / r.sampleRate!)}${when})\n`,
        );
        if (r.problems.length > 0) {
          context.io.out(`  ${r.problems.length} problem(s) in the file, kept as they are:\n`);
          for (const p of r.problems) {
            const lost = p.endSample > p.startSample ? `, samples ${p.startSample}-${p.endSample} lost` : "";
            context.io.out(`    byte ${p.byteOffset}: ${p.code}: ${p.message}${lost}\n`);
          }
        }
      }
    }
    const imported = results.filter((r) => r.error === null && !r.skipped).length;
    context.note(`imported ${imported} of ${results.length} file(s) in ${Math.round(performance.now() - started)} ms`);
  }
  context.state.exitCode = results.some((r) => r.error !== null) ? EXIT_BAD_DATA : EXIT_OK;
}

/**
 * `--location`: `lat,lon` or `lat,lon,elevation` (decimal degrees WGS 84, metres), optionally
 * after a site name and `@` (`pond-3@47.3769,8.5417`), or a site name alone.
 */
export function parseLocation(text: string): GeoLocation {
  const at = text.lastIndexOf("@");
  const name = at >= 0 ? text.slice(0, at).trim() : undefined;
  const rest = (at >= 0 ? text.slice(at + 1) : text).trim();
  const numbers = /^(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)(?:\s*,\s*(-?\d+(?:\.\d+)?))?$/.exec(rest);
  if (numbers === null) {
    if (at >= 0 || rest === "" || /^-?\d/.test(rest)) {
      throw new UsageError(
        `--location "${text}" is not lat,lon[,elevation] in decimal degrees and metres, name@lat,lon, or a site name`,
      );
    }
    return { name: rest };
  }
  const latitude = Number(numbers[1]);
  const longitude = Number(numbers[2]);
  if (Math.abs(latitude) > 90) throw new UsageError(`--location latitude ${latitude} is not in [-90, 90]`);
  if (Math.abs(longitude) > 180) throw new UsageError(`--location longitude ${longitude} is not in [-180, 180]`);
  return {
    ...(name ? { name } : {}),
    latitude,
    longitude,
    ...(numbers[3] === undefined ? {} : { elevationM: Number(numbers[3]) }),
  };
}

/**
 * `granule import`: checks every argument first (nothing is created for a call that cannot
 * run), then imports each file in turn; a failed file is reported and the others go on. An
 * archive this call created is removed again when no file made it in. Interrupted (`signal`),
 * the import in progress removes what it wrote, and the run stops with `Interrupted`.
 */
export async function runImport(
  files: string[],
  args: ImportArguments,
  onProgress: (file: string, done: number, total: number) => void,
  context: Pick<CommandContext, "signal" | "note"> = { signal: new AbortController().signal, note: () => {} },
): Promise<ImportedFile[]> {
  if (files.length === 0) throw new UsageError("name at least one file to import");
  if (args.id !== undefined && files.length > 1)
    throw new UsageError("--id names one recording: import one file with it");
  if (args.recordedAt !== undefined && files.length > 1) {
    throw new UsageError("--recorded-at gives one recording's start time: import one file with it");
  }
  if (args.id !== undefined) {
    try {
      checkId(args.id);
    } catch (error) {
      throw new UsageError(`--id ${(error as Error).message}`);
    }
  }
  if (args.utcOffset !== undefined && !/^[+-](?:[01]\d|2[0-3]):[0-5]\d$/.test(args.utcOffset)) {
    throw new UsageError(`--utc-offset "${args.utcOffset}" is not an offset like +02:00 or -05:30`);
  }
  if (args.recordedAt !== undefined) {
    try {
      normaliseRecordedAt(args.recordedAt, args.utcOffset);
    } catch (error) {
      throw new UsageError(`--recorded-at: ${(error as Error).message}`);
    }
  }
  const metadata: Record<string, string> = {};
  for (const pair of args.meta ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--meta "${pair}" is not key=value`);
    metadata[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const originalSampleRate = originalRate(args.originalRate);
  const workers = args.workers === undefined ? undefined : parseCount(args.workers, "--workers");
  const location = args.location === undefined ? undefined : parseLocation(args.location);
  for (const file of files) {
    const info = await stat(file).catch(() => undefined);
    if (info === undefined) throw new UsageError(`${file}: no such file`);
    if (!info.isFile()) throw new UsageError(`${file} is not a regular file (a directory, a pipe or a device)`);
  }
  if (args.recordedAt === undefined) {
    for (const file of files) {
      if (looksLikeUnreadRecorderName(file)) {
        context.note(
          `granule: warning: ${basename(file)} looks like a recorder's file name but is not <device>_YYYYMMDD_HHMMSS: no start time was read from it (give --recorded-at)`,
        );
      }
    }
  }
  const created = !(await stat(args.archive).then(
    () => true,
    () => false,
  ));
  const collection = await openCollection(args.archive, { create: true });
  const results: ImportedFile[] = [];
  try {
    for (const file of files) {
      try {
        const result = await importRecording(collection, file, {
          ...(args.id === undefined ? {} : { id: args.id }),
          ...(args.recordedAt === undefined ? {} : { recordedAt: args.recordedAt }),
          ...(args.utcOffset === undefined ? {} : { utcOffset: args.utcOffset }),
          ...(originalSampleRate === undefined ? {} : { originalSampleRate }),
          ...(args.device === undefined ? {} : { deviceId: args.device }),
          ...(location === undefined ? {} : { location }),
          ...(workers === undefined ? {} : { workers }),
          strict: args.strict ?? false,
          acceptResampledSource: args.acceptResampled ?? false,
          metadata,
          onDuplicate: args.onDuplicate,
          onProgress: (p) => onProgress(basename(file), p.bytesDone, p.bytesTotal),
          signal: context.signal,
          // One manifest refresh for the whole batch, below: its cost follows what changed.
          refreshManifest: false,
        });
        results.push({
          file,
          id: result.id,
          skipped: result.skipped,
          error: null,
          totalSamples: result.summary.totalSamples,
          sampleRate: result.summary.sampleRate,
          recordedAt: result.summary.recordedAt,
          problems: result.problems ?? [],
        });
      } catch (error) {
        if (context.signal.aborted) {
          const done = results.filter((r) => r.error === null && !r.skipped).length;
          throw new Interrupted(
            (context.signal.reason as Interrupted | undefined)?.signalName ?? "SIGINT",
            `interrupted while importing ${file}: nothing of it was kept (the partial import was removed); ${done} file(s) imported before it are complete`,
          );
        }
        results.push({
          file,
          id: null,
          skipped: false,
          error: describeImportError(error),
          totalSamples: null,
          sampleRate: null,
          recordedAt: null,
          problems: [],
        });
      }
    }
  } finally {
    if (results.some((r) => r.error === null && !r.skipped)) {
      // The recordings exist whatever happens here; a failed refresh is caught up by the next one.
      await refreshManifest(collection, { full: false, removeAbandoned: true }).catch(() => undefined);
    } else if (created) {
      // This call made the archive and nothing made it in: leave no empty archive behind.
      await rm(args.archive, { recursive: true, force: true }).catch(() => undefined);
    }
  }
  return results;
}

/** The message for a file that could not be imported, as the command line says it. */
function describeImportError(error: unknown): string {
  const { message } = describeError(error);
  return (error as { code?: string }).code === "resampled-source" ? `${message} (or pass --accept-resampled)` : message;
}
