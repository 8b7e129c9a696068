import {
  type ByteSource,
  bufferSource,
  type IndexProblem,
  OPUS_SAMPLE_RATE,
  OpusError,
  type OpusIndex,
  plainFileRate,
} from "@granule/opus-index";
import * as v from "valibot";
import { removeLeftovers } from "./cleanup.ts";
import type { Collection } from "./collection.ts";
import {
  indexContent,
  recordedHighestId,
  recordHighestId,
  recordingWithSha256,
  sizeIsKnown,
  unindexContent,
} from "./content-index.ts";
import { ArchiveError } from "./errors.ts";
import { DEFAULT_CHUNK_BYTES, DEFAULT_SHARD_BYTES, INDEX_GROUP, OGG_ARRAY } from "./format.ts";
import { claimKey, withHashClaim } from "./hash-claim.ts";
import { checkId, numericId, numericValue } from "./ids.ts";
import { indexChecksum, writeIndexArrays } from "./index-arrays.ts";
import { releaseTemporary, temporaryName } from "./leases.ts";
import { highestNumericIdIn, refreshManifestIn } from "./manifest.ts";
import { formatUtcOffset, normaliseRecordedAt, parseRecorderFileName, parseUtcOffset } from "./recorded-at.ts";
import {
  type DescriptiveAttributes,
  type GeoLocation,
  recordingAttributes,
  recordingInfo,
} from "./recording-attributes.ts";
import { childIds, type RecordingSummary } from "./recording-entries.ts";
import { type EncodedFrom, encodedFromSchema, firstIssue, geoLocationSchema } from "./recording-schema.ts";
import { ShardedBytesWriter, shardedArrayMetadata, shardLayout } from "./sharded-bytes.ts";
import { type AbsolutePath, isWritable, type WritableStore } from "./store.ts";
import { teeSource } from "./tee-source.ts";
import { encodeJson, groupMetadata, readNode } from "./zarr-json.ts";

export type DuplicatePolicy = "error" | "skip" | "allow";

export interface ImportProgress {
  /** Bytes of the source hashed, stored and indexed so far. */
  bytesDone: number;
  bytesTotal: number;
}

export interface ImportOptions {
  /** The recording's id; by default the next free number (`000001`, `000002`, ...). */
  id?: string;
  /** The source file's name, kept in the attributes and read for a start time; the Node entry fills it from a path. */
  sourceName?: string;
  /** When the recording started. Default: read from a recorder file name (`20240501_053000.WAV`), else unknown. Never the current time. */
  recordedAt?: Date | string;
  /** UTC offset (`+02:00`) of times given without one, in `recordedAt` or in the file name. Default: they are UTC. */
  utcOffset?: string;
  /** Read the start time and device id from `sourceName` when they are not given. Default true. */
  parseFileName?: boolean;
  /** The true sample rate of a time-expanded recording (384000 for a 384 kHz AudioMoth file stored as 48 kHz Opus). */
  originalSampleRate?: number;
  /**
   * For a recording encoded from a recorder's file (what `granule import x.WAV` does with
   * `@granule/encode`): the source file, the rate plan, the encoder and the recorder's metadata.
   * Stored as the `encodedFrom` attribute; duplicates are found by the source's SHA-256 too.
   */
  encodedFrom?: EncodedFrom;
  /**
   * Import with `originalSampleRate` even though the OpusHead says the audio was encoded from a
   * source at that rate, i.e. resampled to 48 kHz (what `opusenc x.WAV` does): its time would be
   * stretched by the factor and its ultrasound is gone. Default false: refused (`resampled-source`).
   */
  acceptResampledSource?: boolean;
  /** Recorder or device id. Default: the prefix of a `<device>_YYYYMMDD_HHMMSS` file name, else none. */
  deviceId?: string;
  location?: GeoLocation;
  /** Free metadata, stored as given (JSON). */
  metadata?: Record<string, unknown>;
  /** What to do when a recording with the same SHA-256 is already in the collection. Default "error". */
  onDuplicate?: DuplicatePolicy;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /** Index the Opus stream with this serial number (see `buildIndex`). */
  serial?: number;
  /** Fail on the first problem in the Opus data instead of storing the file with its problems listed. Default false. */
  strict?: boolean;
  /** Index scan workers (see `buildIndex`). Default: none below 128 MiB, else the runtime's default (worker threads in Node). */
  workers?: number;
  /**
   * Rewrite the collection's manifest after the commit, every row from its recording's own
   * `zarr.json` (a cost that grows with the collection). Default true. A caller importing many
   * files passes false and calls `refreshManifest(collection, { full: false })` once at the end,
   * which reads only the recordings the manifest does not list yet (what `granule import` does).
   */
  refreshManifest?: boolean;
  /** Bytes per read of the source. Default 8 MiB. */
  batchBytes?: number;
  /** Inner chunk of the `ogg` array. Default 64 KiB. */
  chunkBytes?: number;
  /** Shard (one file) of the `ogg` array; a multiple of chunkBytes. Default 32 MiB. */
  shardBytes?: number;
}

export interface ImportResult {
  /** The new recording's id, or for a skipped duplicate the id of the recording already there. */
  id: string;
  /** True when the source was a duplicate and `onDuplicate: "skip"` left the collection unchanged. */
  skipped: boolean;
  summary: RecordingSummary;
  /**
   * Damage the index found in the file, which is stored as it is with these listed (empty for a
   * sound file; absent for a skipped duplicate, which imported nothing). With `strict`, such a
   * file is refused instead.
   */
  problems?: IndexProblem[];
  /**
   * Whether the manifest was rewritten to include the new recording. False for a skipped
   * duplicate (nothing changed), and when the refresh failed or did not settle: the recording
   * is imported all the same, and the next refresh (any import, deletion or `refreshManifest`)
   * brings the manifest up to date.
   */
  manifestUpdated: boolean;
}

const HASH_BYTES = 8 * 1024 * 1024;
/**
 * Below this size an import indexes on its own thread: starting scan workers cost more than
 * they saved for a one-hour file on two cores (bench/import.bench.mjs), while a 24-hour file
 * imported 1.7-2x faster with them.
 */
const WORKERS_FROM_BYTES = 128 * 1024 * 1024;

/**
 * Stores `source` byte for byte as a new recording of `collection`, with its index and
 * metadata. One pass over the source hashes, stores and indexes it, reading a batch at a time
 * (memory stays bounded whatever the size). The recording is written under a hidden temporary
 * name and appears under its id, complete, in one atomic rename: readers never see part of
 * it, and a killed import leaves only the hidden prefix, which later imports remove.
 */
export async function importRecording(
  collection: Collection,
  input: ByteSource | Uint8Array,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const store = collection.store;
  if (!isWritable(store)) {
    throw new ArchiveError(
      "read-only",
      `${collection.description} is read-only: import into a local or memory collection`,
    );
  }
  const source = input instanceof Uint8Array ? bufferSource(input) : input;
  const policy = options.onDuplicate ?? "error";
  if (policy !== "error" && policy !== "skip" && policy !== "allow") {
    throw new ArchiveError("invalid-argument", `onDuplicate must be "error", "skip" or "allow", not ${String(policy)}`);
  }
  if (options.id !== undefined) checkId(options.id);
  const described = describe(options);
  const signal = options.signal;
  signal?.throwIfAborted();
  const platform = collection.platform;

  if (options.id !== undefined && (await readNode(store, collection.child(options.id), signal)) !== undefined) {
    throw new ArchiveError("id-taken", `${collection.description} already has a recording ${options.id}`, {
      id: options.id,
    });
  }
  // Once per open collection: what killed imports left (a listing of the collection).
  if (collection.leftoversChecked === undefined) {
    collection.leftoversChecked = removeLeftovers(collection).then(
      () => undefined,
      () => undefined,
    );
  }
  await collection.leftoversChecked;

  // A duplicate can only be a recording of the same size (the content index knows the sizes):
  // only then is the file hashed first, so that re-importing a folder skips what is there
  // without writing it again.
  // An encoded recording's source (the WAV) is known by its hash before anything is written.
  const sourceSha256 = described.encodedFrom?.source.sha256;
  if (policy !== "allow" && sourceSha256 !== undefined) {
    const existing = await recordingWithSha256(collection, sourceSha256, signal);
    if (existing !== undefined) return duplicateFound(existing, policy, collection);
  }
  if (policy !== "allow" && (await sizeIsKnown(collection, source.size))) {
    const sha256 = await hashSource(source, platform.sha256, signal);
    const existing = await recordingWithSha256(collection, sha256, signal);
    if (existing !== undefined) return duplicateFound(existing, policy, collection);
  }

  const layout = shardLayout(
    source.size,
    options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    options.shardBytes ?? DEFAULT_SHARD_BYTES,
  );
  const prefix = collection.child(temporaryName(platform.identity, "importing"));
  const hash = platform.sha256();
  const writer = new ShardedBytesWriter(store, `${prefix}/${OGG_ARRAY}`, layout);
  const workers = options.workers ?? (source.size < WORKERS_FROM_BYTES ? 0 : undefined);
  // Write-behind: a batch's bytes are written while the indexer scans them and reads the next
  // batch, and the sink waits for that write when the next batch comes (a 1 h import: 517 ->
  // 487 ms; the write's copy is done by the thread pool on the other core). Sound only while
  // the indexer reads on this thread: it reuses a batch's buffer only for a read issued after
  // the next batch has passed the sink, i.e. after this write ended. Scan workers would take
  // the buffer away (transfer) as soon as its read resolves, so with them each write is
  // awaited in turn.
  const writeBehind = workers === 0;
  let writing: Promise<void> = Promise.resolve();
  const tee = teeSource(source, async (bytes, byteOffset) => {
    signal?.throwIfAborted();
    hash.update(bytes);
    await writing;
    writing = writer.write(bytes);
    if (writeBehind) writing.catch(() => undefined);
    else await writing;
    options.onProgress?.({ bytesDone: byteOffset + bytes.length, bytesTotal: source.size });
  });
  let committed = false;
  try {
    const index = await platform.buildIndex(tee, {
      ...(options.serial === undefined ? {} : { serial: options.serial }),
      ...(workers === undefined ? {} : { workers }),
      ...(options.batchBytes === undefined ? {} : { batchBytes: options.batchBytes }),
      strict: options.strict ?? false,
      ...(signal ? { signal } : {}),
    });
    const sampleRate = trueRate(index, options);
    if (sampleRate !== described.sampleRate) described.sampleRate = sampleRate;
    else checkTimeExpansion(index, sampleRate, options.acceptResampledSource ?? false);
    await tee.finish(signal);
    await writing;
    await writer.finish();
    const sha256 = hash.digestHex();
    const oggMetadata = shardedArrayMetadata(layout);
    await store.set(`${prefix}/${OGG_ARRAY}/zarr.json`, encodeJson(oggMetadata));
    const { columns, metadata } = await writeIndexArrays(store, `${prefix}/${INDEX_GROUP}`, index, platform.gzip);
    const attributes = recordingAttributes(index, { ...described, sha256, importedAt: new Date().toISOString() }, "");
    attributes.indexSha256 = indexChecksum(columns, attributes, platform.sha256);
    signal?.throwIfAborted();
    // Written last: the group's zarr.json, with `complete: true`.
    // With every node's metadata inline (consolidated), so a reader opens it with one request.
    await store.set(`${prefix}/zarr.json`, groupMetadata({ ...attributes }, { [OGG_ARRAY]: oggMetadata, ...metadata }));

    const commit = (confirm: () => Promise<void>) =>
      commitRecording({
        collection,
        store,
        prefix,
        sha256,
        alsoKnownAs: sourceSha256 === undefined ? [] : [sourceSha256],
        byteLength: source.size,
        freshListing: options.refreshManifest !== false,
        policy,
        requestedId: options.id,
        confirm,
        signal,
      });
    // Imports of the same file commit one at a time, so the second one sees the first.
    const outcome =
      policy === "allow"
        ? await commit(async () => signal?.throwIfAborted())
        : await withHashClaim(
            platform.identity,
            store,
            claimKey(collection, sourceSha256 ?? sha256),
            prefix,
            signal,
            commit,
          );
    if ("duplicate" in outcome) return duplicateFound(outcome.duplicate, policy, collection);
    committed = true;
    const summary = recordingInfo(outcome.id, attributes);
    // The recording exists now, whatever happens to the manifest: a failed refresh is left to the next one.
    const refresh =
      options.refreshManifest === false
        ? undefined
        : await refreshManifestIn(collection, { known: [summary], removeAbandoned: true }).catch(() => undefined);
    return {
      id: outcome.id,
      skipped: false,
      summary,
      problems: [...index.problems],
      manifestUpdated: refresh?.settled === true,
    };
  } catch (error) {
    if (!committed) {
      await tee.stop();
      await writing.catch(() => undefined);
      await writer.abort();
      await store.remove(prefix).catch(() => undefined);
    }
    throw error;
  } finally {
    releaseTemporary(prefix);
  }
}

/**
 * The recording's true rate: what the file declares in its tags (a time-expanded file written by
 * `@granule/encode`), or `originalSampleRate`, or 48000. A declared rate and a different given
 * one contradict each other: refused, never one silently chosen.
 */
function trueRate(index: OpusIndex, options: ImportOptions): number {
  try {
    return plainFileRate(index.tags, options.originalSampleRate);
  } catch (error) {
    // A contradicting rate is the caller's argument to this import: an archive error.
    if (error instanceof OpusError && error.code === "invalid-argument") {
      throw new ArchiveError("invalid-argument", `originalSampleRate: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * A time-expanded recording keeps every source sample as a 48 kHz sample. An ordinary encoder
 * given a 384 kHz WAV resamples it instead, and writes 384000 as the OpusHead's input rate:
 * labelling that file 384 kHz would stretch its time eightfold, with the ultrasound already lost.
 */
function checkTimeExpansion(index: OpusIndex, sampleRate: number, accept: boolean): void {
  if (sampleRate <= OPUS_SAMPLE_RATE || accept) return;
  const head = index.links[0]!.head;
  if (head.inputSampleRate !== sampleRate) return;
  throw new ArchiveError(
    "resampled-source",
    `the file's OpusHead says it was encoded from a ${sampleRate} Hz source, so its encoder resampled it to 48 kHz (the ultrasound above 24 kHz is gone); labelling it ${sampleRate} Hz would stretch its time ${sampleRate / OPUS_SAMPLE_RATE}-fold. Import it without originalSampleRate, or re-encode the source with time expansion`,
  );
}

/** The descriptive attributes an import's options give (all but `importedAt` and `sha256`, known at the end). */
function describe(options: ImportOptions): Omit<DescriptiveAttributes, "importedAt" | "sha256"> {
  const sourceName = options.sourceName ?? null;
  let recordedAt: string | null = null;
  let utcOffset: string | null = null;
  let deviceId = options.deviceId ?? null;
  if (options.recordedAt !== undefined) {
    ({ recordedAt, utcOffset } = normaliseRecordedAt(options.recordedAt, options.utcOffset));
  }
  if (sourceName !== null && options.parseFileName !== false) {
    const parsed = parseRecorderFileName(
      sourceName,
      options.utcOffset === undefined ? {} : { utcOffset: options.utcOffset },
    );
    if (parsed !== undefined) {
      if (recordedAt === null) {
        recordedAt = parsed.recordedAt;
        utcOffset = options.utcOffset === undefined ? null : formatUtcOffset(parseUtcOffset(options.utcOffset));
      }
      deviceId ??= parsed.deviceId;
    }
  }
  const sampleRate = options.originalSampleRate ?? OPUS_SAMPLE_RATE;
  if (typeof sampleRate !== "number" || !(sampleRate > 0) || !Number.isFinite(sampleRate)) {
    throw new ArchiveError(
      "invalid-argument",
      `originalSampleRate must be a positive number of samples per second, got ${sampleRate}`,
    );
  }
  let location: GeoLocation | null = null;
  if (options.location !== undefined && options.location !== null) {
    const parsed = v.safeParse(geoLocationSchema, options.location);
    if (!parsed.success) {
      throw new ArchiveError("invalid-argument", `location.${firstIssue(parsed.issues)}`);
    }
    location = parsed.output;
  }
  const metadata = options.metadata ?? {};
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new ArchiveError("invalid-argument", "metadata must be a plain object");
  }
  const indexedSerial = options.serial ?? null;
  let encodedFrom: EncodedFrom | null = null;
  if (options.encodedFrom !== undefined) {
    const parsed = v.safeParse(encodedFromSchema, options.encodedFrom);
    if (!parsed.success) throw new ArchiveError("invalid-argument", `encodedFrom.${firstIssue(parsed.issues)}`);
    encodedFrom = parsed.output;
  }
  return { sourceName, recordedAt, utcOffset, deviceId, location, sampleRate, metadata, indexedSerial, encodedFrom };
}

async function hashSource(
  source: ByteSource,
  sha256: () => { update(bytes: Uint8Array): void; digestHex(): string },
  signal?: AbortSignal,
): Promise<string> {
  const hash = sha256();
  for (let at = 0; at < source.size; at += HASH_BYTES) {
    signal?.throwIfAborted();
    hash.update(await source.read(at, Math.min(HASH_BYTES, source.size - at), signal));
  }
  return hash.digestHex();
}

function duplicateFound(existing: RecordingSummary, policy: DuplicatePolicy, collection: Collection): ImportResult {
  if (policy === "skip") return { id: existing.id, skipped: true, summary: existing, manifestUpdated: false };
  throw new ArchiveError(
    "duplicate",
    `${collection.description} already holds this file as recording ${existing.id} (same SHA-256 ${existing.sha256})`,
    { id: existing.id },
  );
}

interface Commit {
  collection: Collection;
  store: WritableStore;
  /** The temporary prefix holding the finished recording. */
  prefix: AbsolutePath;
  sha256: string;
  /** Other hashes the recording is known by (an encoded recording's source file). */
  alsoKnownAs: string[];
  byteLength: number;
  policy: DuplicatePolicy;
  requestedId: string | undefined;
  /** Take a fresh listing for the next numeric id (else one listing per open collection). */
  freshListing: boolean;
  /** Called right before the rename: throws when the import must not commit (aborted, claim lost). */
  confirm: () => Promise<void>;
  signal: AbortSignal | undefined;
}

/** Attempts at renaming to a numeric id before giving up. */
const COMMIT_ATTEMPTS = 100;

/**
 * Moves the finished recording from its temporary prefix to its id. The rename never replaces
 * a recording, so a taken id fails it: an explicit id is then an error; a numeric one counts on
 * from the highest id recorded (listing the collection once when the record proves stale) and
 * is tried again, skipping the numbers already tried. Duplicates are checked just before, by the
 * content index confirmed against the recording's own attributes; the index entries for this
 * recording are written before the rename, so that no moment exists in which the recording is
 * there and a duplicate import could miss it.
 */
async function commitRecording(commit: Commit): Promise<{ id: string } | { duplicate: RecordingSummary }> {
  const { collection, store, prefix, requestedId } = commit;
  const tried = new Set<number>();
  let next: number | undefined;
  for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
    if (commit.policy !== "allow") {
      for (const sha256 of [commit.sha256, ...commit.alsoKnownAs]) {
        const existing = await recordingWithSha256(collection, sha256, commit.signal);
        if (existing !== undefined) {
          await store.remove(prefix);
          return { duplicate: existing };
        }
      }
    }
    let id = requestedId;
    if (id === undefined) {
      // The recorded highest id first; after two taken ids, a listing (ids made by other means).
      if (next === undefined) {
        // The highest id of a listing (ids of damaged recordings and of folders made by hand count)
        // and the highest recorded since by any importer. An import that refreshes the manifest
        // lists the collection anyway, so it lists now; one of a batch (no refresh each) lists once
        // per open collection.
        if (commit.freshListing) collection.listedHighestId = undefined;
        collection.listedHighestId ??= childIds(collection).then((ids) => highestNumericIdIn(collection, ids));
        next = Math.max(await collection.listedHighestId, await recordedHighestId(collection)) + 1;
      }
      while (tried.has(next)) next++;
      tried.add(next);
      id = numericId(next);
    }
    await commit.confirm();
    const entry = { id, sha256: commit.sha256, byteLength: commit.byteLength, alsoKnownAs: commit.alsoKnownAs };
    await indexContent(collection, entry, commit.policy === "allow");
    if (await store.rename(prefix, collection.child(id))) {
      // An explicit numeric id counts too: automatic ids go on after it.
      const given = requestedId === undefined ? next : numericValue(requestedId);
      if (given !== undefined) await recordHighestId(collection, given).catch(() => undefined);
      return { id };
    }
    await unindexContent(collection, entry).catch(() => undefined);
    if (requestedId !== undefined) {
      await store.remove(prefix);
      throw new ArchiveError("id-taken", `${collection.description} already has a recording ${id}`, { id });
    }
  }
  await store.remove(prefix);
  throw new ArchiveError("id-taken", `no free recording id could be claimed in ${collection.description}`);
}
