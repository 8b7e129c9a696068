import { rm, stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, join } from "node:path";
import type { EncodeResult } from "@granule/encode";
import {
  type Collection,
  checkId,
  type DuplicatePolicy,
  findRecordingBySha256,
  type GeoLocation,
  importRecording,
  looksLikeUnreadRecorderName,
  normaliseRecordedAt,
  openCollection,
  refreshManifest,
  scratchFolder,
} from "@granule/zarr-opus/node";
import type { CommandContext } from "../program/context.ts";
import { withProgress } from "../progress.ts";
import {
  describePlan,
  type EncodeArguments,
  encodedFrom,
  encoderOptions,
  type FileKind,
  sha256OfFile,
  sniffFile,
} from "../recorder-files.ts";
import { describeError } from "../report-error.ts";
import { originalRate } from "../source.ts";
import { formatDuration, parseCount } from "../time.ts";
import { EXIT_BAD_DATA, EXIT_OK, Interrupted, UsageError } from "../usage-error.ts";

export interface ImportArguments extends EncodeArguments {
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
  /** For a recorder's file (WAV, FLAC) that was encoded: what it was and how it became Opus; else null. */
  encodedFrom: ReturnType<typeof encodedSummary> | null;
  /** What reading the recorder's metadata found: conflicts between its sources, damaged chunks. */
  warnings: string[];
}

function failed(file: string, error: string): ImportedFile {
  return {
    file,
    id: null,
    skipped: false,
    error,
    totalSamples: null,
    sampleRate: null,
    recordedAt: null,
    problems: [],
    encodedFrom: null,
    warnings: [],
  };
}

type EncodedFile = { output: string; result: EncodeResult } | { done: ImportedFile };

/**
 * Encodes the recorders' files among `files` into `folder`, several at once. A file already in
 * the collection (by its own SHA-256) is not encoded: it is skipped or refused as a duplicate
 * right away; a file that fails to encode is reported, and the others go on.
 */
async function encodeRecorderFiles(
  files: string[],
  kinds: FileKind[],
  folder: string,
  collection: Collection,
  args: ImportArguments,
  encoding: ReturnType<typeof encoderOptions>,
  onProgress: (file: string, done: number, total: number) => void,
  signal: AbortSignal,
): Promise<Map<number, EncodedFile>> {
  const prepared = new Map<number, EncodedFile>();
  const jobs: { index: number; input: string; output: string; bytes: number }[] = [];
  for (let i = 0; i < files.length; i++) {
    if (kinds[i] !== "recorder") continue;
    const file = files[i]!;
    if (args.onDuplicate !== "allow") {
      const existing = await findRecordingBySha256(collection, await sha256OfFile(file, signal), signal);
      if (existing !== undefined) {
        prepared.set(
          i,
          args.onDuplicate === "skip"
            ? {
                done: {
                  ...failed(file, ""),
                  error: null,
                  id: existing.id,
                  skipped: true,
                  totalSamples: existing.totalSamples,
                  sampleRate: existing.sampleRate,
                  recordedAt: existing.recordedAt,
                },
              }
            : {
                done: failed(
                  file,
                  `${collection.description} already holds this file as recording ${existing.id} (same SHA-256)`,
                ),
              },
        );
        continue;
      }
    }
    jobs.push({ index: i, input: file, output: join(folder, `${i}.opus`), bytes: (await stat(file)).size });
  }
  if (jobs.length === 0) return prepared;
  const total = jobs.reduce((sum, job) => sum + job.bytes, 0);
  let done = 0;
  // The encoder (its WASM and readers) loads only when there are WAV/FLAC files to encode: it
  // took longer to load than an hour's .opus takes to import.
  const { encodeFiles } = await import("@granule/encode/node");
  const outcomes = await encodeFiles(jobs, {
    workers: encodeWorkers(args, jobs.length),
    ...encoding,
    fileNameModule: "@granule/zarr-opus",
    signal,
    onFile: (_, k) => {
      done += jobs[k]!.bytes;
      onProgress(`encoding ${basename(jobs[k]!.input)}`, done, total);
    },
  });
  outcomes.forEach((outcome, k) => {
    const { index, input } = jobs[k]!;
    prepared.set(
      index,
      "result" in outcome
        ? { output: outcome.output, result: outcome.result }
        : { done: failed(input, describeImportError(outcome.error)) },
    );
  });
  return prepared;
}

/** Encoders at once: `--workers`, else as many as help (one per core, at most the files). */
function encodeWorkers(args: ImportArguments, files: number): number {
  if (args.workers !== undefined) return parseCount(args.workers, "--workers");
  return Math.max(0, Math.min(files, availableParallelism()) - (files === 1 ? 1 : 0));
}

/** The recording's attributes as the recorder's metadata gives them (the user's options win). */
function describeRecorderImport(result: EncodeResult): {
  recordedAt?: string;
  deviceId?: string;
  location?: GeoLocation;
} {
  const m = result.metadata;
  const described: { recordedAt?: string; deviceId?: string; location?: GeoLocation } = {};
  if (m.recordedAt !== null) described.recordedAt = withOffset(m.recordedAt, m.utcOffset);
  if (m.deviceId !== null) described.deviceId = m.deviceId;
  if (m.location !== null) described.location = { ...m.location };
  return described;
}

/** A UTC instant written in the recorder's local time, so that the archive keeps the offset too. */
function withOffset(utc: string, offset: string | null): string {
  const match = offset === null ? null : /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (match === null) return utc;
  const minutes = (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  return new Date(Date.parse(utc) + minutes * 60_000).toISOString().replace("Z", offset!);
}

function encodedSummary(result: EncodeResult) {
  return {
    format: result.source.format,
    sampleRate: result.source.sampleRate,
    channels: result.source.channels,
    bitsPerSample: result.source.bitsPerSample,
    sha256: result.source.sha256,
    ratePlan: result.ratePlan.kind,
    plan: describePlan(result),
    bitrate: result.encoder.bitrate,
  };
}

function recorderWarnings(result: EncodeResult): string[] {
  return [
    ...result.metadata.conflicts.map((c) => `metadata conflict: ${typeof c === "string" ? c : JSON.stringify(c)}`),
    ...result.warnings,
  ];
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
        if (r.encodedFrom !== null) context.io.out(`  ${r.encodedFrom.plan}\n`);
        for (const warning of r.warnings) context.note(`granule: warning: ${r.file}: ${warning}`);
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
  const kinds = await Promise.all(files.map(sniffFile));
  const encoding = encoderOptions(args);
  if (!kinds.includes("recorder") && Object.keys(encoding).length > 0) {
    throw new UsageError("--bitrate, --frame-size and --application are for WAV and FLAC files, which are encoded");
  }
  const collection = await openCollection(args.archive, { create: true });
  const results: ImportedFile[] = new Array(files.length);
  const scratch = kinds.includes("recorder") ? await scratchFolder(collection) : undefined;
  try {
    // Recorders' files: found by their own SHA-256 if archived already, else encoded (several
    // at once) into the scratch folder, then imported like any Opus file.
    const encoded = scratch
      ? await encodeRecorderFiles(files, kinds, scratch.path, collection, args, encoding, onProgress, context.signal)
      : new Map<number, EncodedFile>();
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      const prepared = encoded.get(i);
      if (prepared !== undefined && "done" in prepared) {
        results[i] = prepared.done;
        continue;
      }
      const recorder = prepared?.result;
      const described = recorder === undefined ? undefined : describeRecorderImport(recorder);
      try {
        const result = await importRecording(collection, prepared?.output ?? file, {
          ...(prepared === undefined ? {} : { sourceName: basename(file), parseFileName: false }),
          ...(recorder === undefined ? {} : { encodedFrom: encodedFrom(recorder) }),
          ...(described?.recordedAt === undefined || args.recordedAt !== undefined
            ? {}
            : { recordedAt: described.recordedAt }),
          ...(described?.deviceId === undefined ? {} : { deviceId: described.deviceId }),
          ...(described?.location === undefined ? {} : { location: described.location }),
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
        results[i] = {
          file,
          id: result.id,
          skipped: result.skipped,
          error: null,
          totalSamples: result.summary.totalSamples,
          sampleRate: result.summary.sampleRate,
          recordedAt: result.summary.recordedAt,
          problems: result.problems ?? [],
          encodedFrom: recorder === undefined ? null : encodedSummary(recorder),
          warnings: recorder === undefined ? [] : recorderWarnings(recorder),
        };
      } catch (error) {
        if (context.signal.aborted) {
          const done = results.filter((r) => r !== undefined && r.error === null && !r.skipped).length;
          throw new Interrupted(
            (context.signal.reason as Interrupted | undefined)?.signalName ?? "SIGINT",
            `interrupted while importing ${file}: nothing of it was kept (the partial import was removed); ${done} file(s) imported before it are complete`,
          );
        }
        results[i] = failed(file, describeImportError(error));
      }
    }
  } catch (error) {
    if (context.signal.aborted && !(error instanceof Interrupted)) {
      throw new Interrupted(
        (context.signal.reason as Interrupted | undefined)?.signalName ?? "SIGINT",
        "interrupted while encoding: the encoded files were removed, nothing was imported from them",
      );
    }
    throw error;
  } finally {
    await scratch?.release().catch(() => undefined);
    if (results.some((r) => r !== undefined && r.error === null && !r.skipped)) {
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
