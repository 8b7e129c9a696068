/** What went wrong with an archive, as a string a caller can switch on. */
export type ArchiveErrorCode =
  /** The location holds no Zarr v3 group carrying the collection marker. */
  | "not-a-collection"
  /** The group is not a recording of this format (no recording marker). */
  | "not-a-recording"
  /** No recording (or no node) at that id or location. */
  | "not-found"
  /** The recording exists but its `complete` marker is missing: an import in progress or interrupted. */
  | "incomplete"
  /** The archive was written by a newer, incompatible version of the format. */
  | "unsupported-version"
  /** A `zarr.json` document is not valid JSON or lacks what the format requires. */
  | "bad-metadata"
  /** A chunk the data needs is absent: a shard file is gone, or its index marks the chunk empty. */
  | "missing-chunk"
  /** A chunk or shard is shorter than its metadata says. */
  | "truncated-chunk"
  /** A shard index fails its CRC-32C or points outside its shard. */
  | "bad-shard-index"
  /** The stored index disagrees with its checksum or with the recording's attributes. */
  | "index-mismatch"
  /** The recording's bytes do not hash to the SHA-256 recorded for them. */
  | "sha256-mismatch"
  /** A recording with the same SHA-256 is already in the collection (`onDuplicate: "error"`). */
  | "duplicate"
  /**
   * `originalSampleRate` says the file is time-expanded, but its OpusHead says it was encoded
   * from a source at that rate: an ordinary encoder resampled it to 48 kHz, and the ultrasound
   * is gone. Refused unless `acceptResampledSource`.
   */
  | "resampled-source"
  /** The requested id is taken, or no free id could be claimed. */
  | "id-taken"
  /** Not a usable recording id (ids are 1-128 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit). */
  | "invalid-id"
  /** The location cannot be written (an HTTP archive). */
  | "read-only"
  /**
   * The recording changed under a reader that holds it open: it was deleted and another one
   * imported under the same id. Open it again.
   */
  | "changed"
  /** The store failed: a file system error. (HTTP faults are `ByteSourceError`s of `@granule/byte-source`.) */
  | "io"
  /** An argument is outside what the function accepts. */
  | "invalid-argument";

export interface ArchiveErrorDetails {
  /** The store key (path inside the archive) concerned, if one is. */
  key?: string;
  /** Byte offset in the recording's `ogg` bytes concerned, if one is. */
  byteOffset?: number;
  /** The recording concerned, if known. */
  id?: string;
  cause?: unknown;
}

/**
 * The one error type of this package for archive problems; `key` names the file or object in
 * the archive, `byteOffset` the position in the recording. Problems with the Opus data itself
 * are `OpusError`s from `@granule/opus-index`.
 */
export class ArchiveError extends Error {
  override readonly name = "ArchiveError";
  readonly code: ArchiveErrorCode;
  readonly key: string | undefined;
  readonly byteOffset: number | undefined;
  readonly id: string | undefined;

  constructor(code: ArchiveErrorCode, message: string, details: ArchiveErrorDetails = {}) {
    super(message + where(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.key = details.key;
    this.byteOffset = details.byteOffset;
    this.id = details.id;
  }
}

function where(details: ArchiveErrorDetails): string {
  const parts: string[] = [];
  if (details.key !== undefined) parts.push(details.key);
  if (details.byteOffset !== undefined) parts.push(`byte ${details.byteOffset}`);
  return parts.length > 0 ? ` (at ${parts.join(", ")})` : "";
}
