import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { type DuplicatePolicy, importRecording, openCollection } from "@granule/zarr-opus/node";
import { parseSample } from "../time.ts";
import { UsageError } from "../usage-error.ts";

export interface ImportArguments {
  archive: string;
  id?: string;
  recordedAt?: string;
  utcOffset?: string;
  originalRate?: string;
  device?: string;
  meta?: string[];
  onDuplicate: string;
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

/** `granule import`: each file in turn; a failed file is reported and the others go on. */
export async function runImport(
  files: string[],
  args: ImportArguments,
  onProgress: (file: string, done: number, total: number) => void,
): Promise<ImportedFile[]> {
  if (files.length === 0) throw new UsageError("name at least one file to import");
  if (args.id !== undefined && files.length > 1)
    throw new UsageError("--id names one recording: import one file with it");
  if (!["error", "skip", "allow"].includes(args.onDuplicate)) {
    throw new UsageError(`--on-duplicate must be error, skip or allow, not "${args.onDuplicate}"`);
  }
  const metadata: Record<string, string> = {};
  for (const pair of args.meta ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--meta "${pair}" is not key=value`);
    metadata[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const originalSampleRate =
    args.originalRate === undefined ? undefined : parseSample(args.originalRate, "--original-rate");
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
        ...(args.workers === undefined ? {} : { workers: parseSample(args.workers, "--workers") }),
        metadata,
        onDuplicate: args.onDuplicate as DuplicatePolicy,
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
      if (error instanceof UsageError) throw error;
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
