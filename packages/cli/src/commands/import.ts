import { stat } from "node:fs/promises";
import { basename } from "node:path";
import {
  type DuplicatePolicy,
  type GeoLocation,
  importRecording,
  normaliseRecordedAt,
  openCollection,
} from "@granule/zarr-opus/node";
import type { CommandContext } from "../program/context.ts";
import { withProgress } from "../progress.ts";
import { formatDuration, parseCount } from "../time.ts";
import { EXIT_BAD_DATA, EXIT_OK, UsageError } from "../usage-error.ts";

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
}

export interface ImportedFile {
  file: string;
  id: string | null;
  skipped: boolean;
  error: string | null;
  totalSamples: number | null;
  sampleRate: number | null;
  recordedAt: string | null;
}

export async function runImportCommand(
  files: string[],
  options: ImportArguments & { json?: boolean },
  context: CommandContext,
): Promise<void> {
  const started = performance.now();
  const results = await withProgress("importing", "bytes", context.quiet(), (bar) =>
    runImport(files, options, (file, d, t) => bar.update(d, t, file)),
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
 * run), then imports each file in turn; a failed file is reported and the others go on.
 */
export async function runImport(
  files: string[],
  args: ImportArguments,
  onProgress: (file: string, done: number, total: number) => void,
): Promise<ImportedFile[]> {
  if (files.length === 0) throw new UsageError("name at least one file to import");
  if (args.id !== undefined && files.length > 1)
    throw new UsageError("--id names one recording: import one file with it");
  if (args.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(args.id)) {
    throw new UsageError(
      `--id "${args.id}" is not a recording id: letters, digits, "_", "." and "-", not starting with "." or "-"`,
    );
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
  const originalSampleRate =
    args.originalRate === undefined ? undefined : parseCount(args.originalRate, "--original-rate");
  if (originalSampleRate === 0) throw new UsageError("--original-rate must be above 0 Hz");
  const workers = args.workers === undefined ? undefined : parseCount(args.workers, "--workers");
  const location = args.location === undefined ? undefined : parseLocation(args.location);
  for (const file of files) {
    const info = await stat(file).catch(() => undefined);
    if (info === undefined || !info.isFile()) throw new UsageError(`${file}: no such file`);
  }
  const collection = await openCollection(args.archive, { create: true });
  const results: ImportedFile[] = [];
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
        metadata,
        onDuplicate: args.onDuplicate,
        onProgress: (p) => onProgress(basename(file), p.bytesDone, p.bytesTotal),
      });
      results.push({
        file,
        id: result.id,
        skipped: result.skipped,
        error: null,
        totalSamples: result.summary.totalSamples,
        sampleRate: result.summary.sampleRate,
        recordedAt: result.summary.recordedAt,
      });
    } catch (error) {
      results.push({
        file,
        id: null,
        skipped: false,
        error: (error as Error).message,
        totalSamples: null,
        sampleRate: null,
        recordedAt: null,
      });
    }
  }
  return results;
}
