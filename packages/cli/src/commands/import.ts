import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { type DuplicatePolicy, importRecording, normaliseRecordedAt, openCollection } from "@granule/zarr-opus/node";
import { parseCount } from "../time.ts";
import { UsageError } from "../usage-error.ts";

export interface ImportArguments {
  archive: string;
  id?: string;
  recordedAt?: string;
  utcOffset?: string;
  originalRate?: string;
  device?: string;
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
