import { ByteSourceError } from "@granule/byte-source";
import { OggPageReader } from "@granule/ogg-pages";
import { type OpusIndex, OpusIndex as OpusIndexClass, PAGE_ROW_COLUMNS, writeSidecar } from "@granule/opus-index";
import type { Collection } from "./collection.ts";
import { ArchiveError, type ArchiveErrorCode } from "./errors.ts";
import { INDEX_GROUP, OGG_ARRAY } from "./format.ts";
import { checkId } from "./ids.ts";
import { readIndexArrays } from "./index-arrays.ts";
import { readRecordingNode } from "./open-recording.ts";
import type { Platform } from "./platform.ts";
import { parseRecordingAttributes, type RecordingAttributes } from "./recording-attributes.ts";
import { openShardedBytes, type ShardedByteSource } from "./sharded-bytes.ts";
import { type AbsolutePath, type ArchiveStore, joinKey } from "./store.ts";
import { teeSource } from "./tee-source.ts";

/**
 * A problem `verifyRecording` found. Archive codes (`ArchiveErrorCode`) mean the archive no
 * longer holds what was imported; `page-crc` and `damaged-bytes` describe the Ogg data itself,
 * which may have come damaged from the recorder (the archive then keeps it exactly so).
 */
export interface VerifyProblem {
  code: ArchiveErrorCode | "page-crc" | "damaged-bytes";
  message: string;
  key?: string;
  byteOffset?: number;
}

export interface VerifyReport {
  id: string;
  /** No problem of any kind. */
  ok: boolean;
  /** The archive holds exactly what was imported: every shard sound, SHA-256 and index as recorded. */
  intact: boolean;
  sha256: { expected: string | null; actual: string | null };
  /** Ogg pages whose CRC checked out. */
  pageCount: number;
  /** Bytes of the `ogg` array read. */
  bytesRead: number;
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  signal?: AbortSignal;
  /** Index scan workers for the rebuild (see `buildIndex`). */
  workers?: number;
}

/**
 * Checks a recording end to end: its metadata, every shard index, the SHA-256 of the `ogg`
 * bytes against the attribute, the CRC of every Ogg page, and the stored index against one
 * rebuilt from the bytes. Reports what it finds; throws only when the location holds no
 * recording of this format at all, or when the store fails (a server fault: `ByteSourceError`).
 */
export async function verifyRecordingAt(
  store: ArchiveStore,
  prefix: AbsolutePath,
  id: string,
  platform: Platform,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const signal = options.signal;
  const { key, node } = await readRecordingNode(store, prefix, id, signal);

  const problems: VerifyProblem[] = [];
  const report = (error: unknown) => {
    if (signal?.aborted) throw signal.reason;
    // A server's or store's fault says nothing about the archive: verify cannot conclude, and
    // fails with that fault rather than report damage that may not be there.
    if (error instanceof ByteSourceError) throw error;
    const problem: VerifyProblem =
      error instanceof ArchiveError
        ? {
            code: error.code,
            message: error.message,
            ...(error.key === undefined ? {} : { key: error.key }),
            ...(error.byteOffset === undefined ? {} : { byteOffset: error.byteOffset }),
          }
        : { code: "index-mismatch", message: (error as Error).message };
    // The shard check and the streaming pass meet the same damaged shard: report it once.
    const same = (p: VerifyProblem) =>
      p.code === problem.code &&
      p.message === problem.message &&
      p.key === problem.key &&
      p.byteOffset === problem.byteOffset;
    if (!problems.some(same)) problems.push(problem);
  };
  if (node.attributes?.complete !== true) {
    problems.push({ code: "incomplete", message: "no complete marker: the import did not finish", key });
  }
  let attributes: RecordingAttributes | undefined;
  try {
    attributes = parseRecordingAttributes(node.attributes ?? {}, key);
  } catch (error) {
    report(error);
  }
  let source: ShardedByteSource | undefined;
  try {
    source = await openShardedBytes(store, joinKey(prefix, OGG_ARRAY), signal ? { signal } : {});
  } catch (error) {
    report(error);
  }
  const result = (actual: string | null, pageCount: number, bytesRead: number): VerifyReport => {
    const archiveProblems = problems.filter((p) => p.code !== "page-crc" && p.code !== "damaged-bytes");
    return {
      id,
      ok: problems.length === 0,
      intact: archiveProblems.length === 0,
      sha256: { expected: attributes?.source.sha256 ?? null, actual },
      pageCount,
      bytesRead,
      problems,
    };
  };
  if (source === undefined) return result(null, 0, 0);
  if (attributes !== undefined && source.size !== attributes.source.byteLength) {
    problems.push({
      code: "index-mismatch",
      message: `the ogg array holds ${source.size} bytes but the source had ${attributes.source.byteLength}`,
    });
  }
  for (const error of await source.checkShards(signal)) report(error);

  let stored: OpusIndex | undefined;
  if (attributes !== undefined) {
    try {
      stored = await readIndexArrays(store, joinKey(prefix, INDEX_GROUP), attributes, platform.sha256, signal);
    } catch (error) {
      report(error);
    }
  }

  // One streaming pass: SHA-256, page CRCs and the index rebuilt from the same reads.
  const hash = platform.sha256();
  let pageCount = 0;
  const pages = new OggPageReader({
    onSkip: (skipped) =>
      problems.push({
        code: skipped.reason === "crc" ? "page-crc" : "damaged-bytes",
        message: `${skipped.byteLength} bytes belong to no valid Ogg page (${skipped.reason})`,
        byteOffset: skipped.byteOffset,
      }),
  });
  const tee = teeSource(source, async (bytes) => {
    hash.update(bytes);
    pageCount += pages.push(bytes).length;
  });
  let rebuilt: OpusIndex | undefined;
  let actual: string | null = null;
  try {
    rebuilt = await platform.buildIndex(tee, {
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      ...(signal ? { signal } : {}),
      ...(typeof attributes?.indexedSerial === "number" ? { serial: attributes.indexedSerial } : {}),
    });
    await tee.finish(signal);
    pageCount += pages.end().length;
    actual = hash.digestHex();
  } catch (error) {
    await tee.stop();
    if (signal?.aborted) throw signal.reason;
    report(error);
  }
  if (actual !== null && attributes !== undefined && actual !== attributes.source.sha256) {
    problems.push({
      code: "sha256-mismatch",
      message: `the ogg bytes hash to ${actual}, not the recorded ${attributes.source.sha256}`,
    });
  }
  if (
    rebuilt !== undefined &&
    stored !== undefined &&
    !sameBytes(writeSidecar(rebuilt), writeSidecar(completed(stored, rebuilt)))
  ) {
    problems.push({
      code: "index-mismatch",
      message: "the stored index differs from the index rebuilt from the ogg bytes",
    });
  }
  return result(actual, pageCount, tee.bytesDone);
}

/**
 * An index from an archive written before the `crc`/`sequence` arrays and `headerPages`
 * existed, with those taken from the rebuilt index, so the rest is compared byte for byte.
 */
function completed(stored: OpusIndex, rebuilt: OpusIndex): OpusIndex {
  const rows = { ...stored.rows };
  for (const column of PAGE_ROW_COLUMNS) {
    if (rows[column.name] === undefined) (rows as Record<string, unknown>)[column.name] = rebuilt.rows[column.name];
  }
  const links = stored.links.map((link, i) =>
    link.headerPages === undefined ? { ...link, headerPages: rebuilt.links[i]?.headerPages } : link,
  );
  return new OpusIndexClass({ ...stored.data, rows, links });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `verifyRecording(collection, id)`. */
export function verifyRecordingIn(
  collection: Collection,
  id: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  checkId(id);
  return verifyRecordingAt(collection.store, collection.child(id), id, collection.platform, options);
}
