import { stat } from "node:fs/promises";
import { join } from "node:path";
import {
  type ByteSource,
  buildIndex,
  httpSource,
  type OpusIndex,
  plainFileRate,
  type Recording,
  recording,
  type SampleRange,
  SPARSE_CHUNK_BYTES,
  sparseIndex,
} from "@granule/opus-index";
import { buildIndex as buildFileIndex, fileSource, openFile } from "@granule/opus-index/node";
import type { RecordingInfo } from "@granule/zarr-opus/node";
import { type WalkedPages, walkFile } from "./page-walk.ts";
import { parseCount } from "./time.ts";
import { UsageError } from "./usage-error.ts";

/**
 * `--original-rate`: the true rate of a time-expanded recording, whose samples are stored one
 * for one as 48 kHz Opus (384000 for a 384 kHz AudioMoth file). Only relabels time: a rate
 * below 48 kHz cannot be a time expansion, and is refused rather than silently slowing the
 * audio down (a 32 kHz label on 48 kHz samples would stretch every time by 1.5).
 */
export function originalRate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const rate = parseCount(text, "--original-rate");
  if (rate < 48_000) {
    throw new UsageError(
      `--original-rate ${rate}: a time-expanded recording's true rate is 48000 Hz or more (its samples are stored one for one as 48 kHz Opus); ${rate} Hz cannot be one`,
    );
  }
  return rate;
}

/** A recording opened from whatever the user named, with what is known about it. */
export interface OpenedSource {
  kind: "file" | "archive" | "url";
  /** What the user typed. */
  name: string;
  recording: Recording;
  /** Archive metadata (recordedAt, device, SHA-256...), for archived recordings. */
  info?: RecordingInfo;
  /** Where a plain file's sidecar index is (whether or not it exists). */
  sidecarPath?: string;
  /** A plain file or URL read only where the ranges asked for need it (see `OpenOptions.ranges`). */
  sparse?: { bytesRead: number; rounds: number };
  close(): Promise<void>;
}

export interface OpenOptions {
  workers?: number;
  /** The true rate of a time-expanded plain file (archives know theirs). */
  sampleRate?: number;
  onProgress?: (done: number, total: number) => void;
  /** Told (once per server) what is worth saying about a URL's server: that it ignores Range. */
  onWarning?: (message: string) => void;
  /**
   * The only samples that will be read, for a plain file or URL without a sidecar: then only
   * the pages they need are read (`sparseIndex`), not the whole file, when the file allows it.
   */
  ranges?: SampleRange[] | ((index: OpusIndex, sampleRate: number) => SampleRange[]);
  /** The pre-roll the extraction will use before each range (with `ranges`). */
  preRollSamples?: number;
}

/**
 * Tells `note` what a sparse read of a plain file or URL did, if it did: how much it read, and that
 * positions come from the granules of the pages read (as opusfile places them).
 */
export function noteSparseRead(opened: OpenedSource, note: (text: string) => void): void {
  if (opened.sparse === undefined) return;
  const { bytesRead, rounds } = opened.sparse;
  // A file on disk had its page headers walked first; a URL's could not be (docs/cli.md).
  const unseen = opened.kind === "url" ? "; a chain of files sharing one serial number is not seen this way" : "";
  note(
    `read ${Math.ceil(bytesRead / 1024)} KiB of ${opened.name} in ${rounds} rounds, placed by the granules of the pages read (as opusfile seeks${unseen}; granule verify reads it all)`,
  );
}

/** Prints a source's warning on stderr, as `granule: warning: ...` (the client says each once). */
export const warnOn =
  (io: { err(text: string): void }) =>
  (message: string): void =>
    io.err(`granule: warning: ${message}\n`);

/** The sidecar `granule index` writes next to a plain file, and every command reuses. */
export const sidecarPathOf = (path: string): string => `${path}.idx`;

/**
 * A local file is read sparsely only for ranges that need at most this share (1/n) of it:
 * read straight to each range's pages, a byte costs about what it costs in a full scan, but
 * the bytes read are held until the index is built.
 */
const LOCAL_SPARSE_SHARE = 4;
/** ...and at most this many bytes, whatever the file's size: what it holds is bounded. */
const LOCAL_SPARSE_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Opens a source: a `.opus`/`.ogg` file (indexed, or from its sidecar when one matches), a
 * recording in an archive (`archive.zarr/<id>`), or an `http(s)://` URL of either (a plain
 * file's URL from the sidecar next to it, `x.opus.idx`, when the server has one).
 */
export async function openSource(name: string, options: OpenOptions = {}): Promise<OpenedSource> {
  // A server that ignores Range streams every read from the file's start: one read of it all
  // is then cheaper than probes.
  let rangeIgnored = false;
  const http = {
    onWarning: (w: { code: string; message: string }) => {
      if (w.code === "range-ignored") rangeIgnored = true;
      options.onWarning?.(w.message);
    },
  };
  const openArchived = async (location: string) => {
    if (options.sampleRate !== undefined) {
      throw new UsageError(
        `${name} is an archived recording, which knows its own rate: --sample-rate is for plain files`,
      );
    }
    // Loaded here, not at start: a plain file's extraction never needs the archive code.
    const { openRecording } = await import("@granule/zarr-opus/node");
    if (!/^https?:\/\//i.test(location)) return openRecording(location);
    const { openerStore } = await import("./remote-store.ts");
    // Over HTTP, the recording's zarr.json as a probe (`collectionAt`) may just have read it.
    return openRecording(openerStore(location, http));
  };
  const progress = options.onProgress
    ? { onProgress: (p: { bytesDone: number; bytesTotal: number }) => options.onProgress!(p.bytesDone, p.bytesTotal) }
    : {};
  const workers = options.workers === undefined ? {} : { workers: options.workers };
  // At its true rate, as `openFile` opens the same file from disk (`plainFileRate`).
  const plainRecording = (index: OpusIndex, source: ByteSource) =>
    recording(index, source, plainFileRate(index.tags, options.sampleRate));
  /** Reads only the pages `options.ranges` need (their times at the file's true rate), if it can. */
  const readSparsely = (
    source: ByteSource,
    ranges: NonNullable<OpenOptions["ranges"]>,
    limits: { maxBytes?: number; pages?: WalkedPages } = {},
  ) =>
    sparseIndex(
      source,
      typeof ranges === "function" ? (index) => ranges(index, plainFileRate(index.tags, options.sampleRate)) : ranges,
      { preRollSamples: options.preRollSamples ?? 0, ...limits },
    );
  if (/^https?:\/\//i.test(name)) {
    if (/\.(opus|ogg|oga)(\?.*)?$/i.test(name)) {
      const [{ createHttpClient }, { fetchRemoteSidecar, remoteSidecarIndex }] = await Promise.all([
        import("@granule/byte-source"),
        import("./remote-sidecar.ts"),
      ]);
      // One client for the file and its sidecar: one warning, one count of what was fetched.
      const client = createHttpClient(http);
      // The file's size, its first and last pages (where a sparse read starts) and the sidecar,
      // asked for at once: one round trip, not three. If both fail, the file's failure is told.
      const [opened, fetchedSidecar] = await Promise.allSettled([
        httpSource(name, {
          client,
          firstBytes: SPARSE_CHUNK_BYTES,
          // Its last pages too, where a sparse read will start with them.
          ...(options.ranges === undefined ? {} : { lastBytes: SPARSE_CHUNK_BYTES }),
        }),
        fetchRemoteSidecar(name, client),
      ]);
      if (opened.status === "rejected") throw opened.reason;
      if (fetchedSidecar.status === "rejected") throw fetchedSidecar.reason;
      const source = opened.value;
      const sidecarBytes = fetchedSidecar.value;
      const close = async () => source.close?.();
      if (sidecarBytes !== undefined) {
        const sidecar = await remoteSidecarIndex(sidecarBytes, source);
        return { kind: "url", name, recording: plainRecording(sidecar, source), close };
      }
      if (options.ranges !== undefined && !rangeIgnored) {
        const sparse = await readSparsely(source, options.ranges);
        if (sparse.kind === "sparse") {
          const { bytesRead, rounds } = sparse;
          const opened = plainRecording(sparse.index, sparse.source);
          return { kind: "url", name, recording: opened, sparse: { bytesRead, rounds }, close };
        }
        if (!sparse.expected) options.onWarning?.(`reading all of ${name}: ${sparse.reason}`);
      }
      const index = await buildIndex(source, { workers: 0, ...progress });
      return { kind: "url", name, recording: plainRecording(index, source), close };
    }
    const remote = await openArchived(name);
    return { kind: "url", name, recording: remote, info: remote.info, close: async () => {} };
  }
  const info = await stat(name).catch(() => undefined);
  if (info === undefined) throw new UsageError(`${name}: no such file or directory`);
  if (!info.isDirectory() && !info.isFile()) {
    // A pipe or a device would block a reader forever, or give different bytes each time.
    throw new UsageError(`${name} is not a regular file or an archive directory (a pipe, socket or device?)`);
  }
  if (info.isDirectory()) {
    await refuseNonRecordingFolder(name);
    const local = await openArchived(name);
    return { kind: "archive", name, recording: local, info: local.info, close: async () => {} };
  }
  const sidecarPath = sidecarPathOf(name);
  const hasSidecar = await stat(sidecarPath).then(
    (s) => s.isFile(),
    () => false,
  );
  if (options.ranges !== undefined && !hasSidecar) {
    // Only the pages the ranges need, as over a URL: an hour's file is not read and CRC-checked
    // whole for a few seconds of it. A file a sparse read cannot vouch for (several links,
    // damage in the pages it reads) is indexed whole, as it always was, and says what it says.
    const source = await fileSource(name);
    const close = () => source.close();
    try {
      // Its page headers first (9-25 ms an hour of 160 kbit/s): only a file that is one run
      // of pages of one link is placed by the granules of the pages read (a chain of files
      // sharing a serial number would fool the probes), and the walk says where each range's
      // pages are, so they are read at once and exactly.
      const walked = walkFile(name, source.size);
      if ("pages" in walked) {
        const maxBytes = Math.min(LOCAL_SPARSE_MAX_BYTES, Math.floor(source.size / LOCAL_SPARSE_SHARE));
        const sparse = await readSparsely(source, options.ranges, { maxBytes, pages: walked.pages });
        if (sparse.kind === "sparse") {
          const { bytesRead, rounds } = sparse;
          // Windows are read from the file again (its pages are in the OS's cache by now), so
          // that the bytes the sparse read held are not held through the decode as well.
          const opened = plainRecording(sparse.index, source);
          return { kind: "file", name, recording: opened, sidecarPath, sparse: { bytesRead, rounds }, close };
        }
      }
      const index = await buildFileIndex(source, { ...workers, ...progress });
      return { kind: "file", name, recording: plainRecording(index, source), sidecarPath, close };
    } catch (error) {
      await source.close();
      throw error;
    }
  }
  const opened = await openFile(name, {
    ...workers,
    ...progress,
    ...(options.sampleRate === undefined ? {} : { sampleRate: options.sampleRate }),
    ...(hasSidecar ? { sidecarPath } : {}),
  });
  return { kind: "file", name, recording: opened, sidecarPath, close: () => opened.source.close() };
}

/**
 * A folder given as a source must be a recording of an archive (`archive.zarr/<id>`). A folder
 * with no `zarr.json`, or an archive's own folder, is the user naming the wrong thing: a usage
 * error that says what to name, not an archive error about a recording that is not there.
 */
async function refuseNonRecordingFolder(name: string): Promise<void> {
  const hasMetadata = await stat(join(name, "zarr.json")).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!hasMetadata) {
    throw new UsageError(
      `${name} is a folder with no zarr.json: neither an archive's recording (archive.zarr/<id>) nor a .opus file`,
    );
  }
  const { openCollection } = await import("@granule/zarr-opus/node");
  const isArchive = await openCollection(name).then(
    () => true,
    () => false,
  );
  if (isArchive) {
    throw new UsageError(
      `${name} is an archive: name one of its recordings (${name}/<id>; granule ls ${name} lists them)`,
    );
  }
}
