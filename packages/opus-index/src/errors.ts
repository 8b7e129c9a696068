/** What went wrong with Opus data, as a string a caller can switch on. */
export type OpusErrorCode =
  /** The bytes are not Ogg at all: no valid page anywhere. */
  | "not-ogg"
  /** Valid Ogg, but no logical stream starts with an OpusHead packet. */
  | "no-opus-stream"
  /** A packet that should be OpusHead or OpusTags does not start with that magic. */
  | "bad-magic"
  /** OpusHead version 16 or higher (an incompatible major version). */
  | "bad-version"
  /** Channel count 0, or more channels than the mapping family allows. */
  | "bad-channels"
  /** Stream/coupled counts or a channel mapping entry out of range. */
  | "bad-mapping"
  /** A header packet is shorter than its fields say. */
  | "truncated-header"
  /** OpusTags comments that contradict each other (a time-expanded file's rate tags). */
  | "bad-tags"
  /** The stream has no OpusTags packet after OpusHead. */
  | "missing-tags"
  /** Audio shares a page with the header packets, which RFC 7845 §3 forbids. */
  | "bad-header-pages"
  /** The stream has no end-of-stream page: the file may have been cut short. */
  | "truncated"
  /** An audio packet whose TOC byte gives no valid duration (empty, over 120 ms, bad frame count). */
  | "bad-packet"
  /**
   * Page granules disagree with the packet durations, or a granule is impossible. With a sample
   * range: the samples whose place the granules leave unknown, refused like a hole.
   */
  | "bad-granule"
  /** Pages of the stream are missing or damaged: the samples in between cannot be decoded. */
  | "hole"
  /** A page repeats the serial and sequence number of another page of its stream (identical or not); skipped. */
  | "duplicate-page"
  /** A page whose sequence number does not fit the order of the pages around it; skipped. */
  | "misplaced-page"
  /** Bytes that belong to no valid page (junk, a bad CRC, a cut-off page). */
  | "damaged-bytes"
  /** The requested serial number is not an Opus stream in this file. */
  | "no-such-stream"
  /** A sidecar index file is not one, is from another version, is malformed, or does not match the file's size. */
  | "bad-sidecar"
  /** The file's header pages are not those the index recorded: the file changed after it was indexed. */
  | "stale-index"
  /** A read from a byte source failed or returned fewer bytes than asked. */
  | "read-failed"
  /** An argument is outside what the function accepts. */
  | "invalid-argument";

export interface OpusErrorDetails {
  /** Absolute byte offset in the file where the problem is, if it has one. */
  byteOffset?: number;
  /** First sample (on the recording's timeline) the problem affects. */
  startSample?: number;
  /** End (exclusive) of the samples the problem affects. */
  endSample?: number;
  cause?: unknown;
}

/** The one error type of this package; `byteOffset` and the sample range say where. */
export class OpusError extends Error {
  override readonly name = "OpusError";
  readonly code: OpusErrorCode;
  readonly byteOffset: number | undefined;
  readonly startSample: number | undefined;
  readonly endSample: number | undefined;

  constructor(code: OpusErrorCode, message: string, details: OpusErrorDetails = {}) {
    super(message + where(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.byteOffset = details.byteOffset;
    this.startSample = details.startSample;
    this.endSample = details.endSample;
  }
}

function where(details: OpusErrorDetails): string {
  const parts: string[] = [];
  if (details.byteOffset !== undefined) parts.push(`byte ${details.byteOffset}`);
  if (details.startSample !== undefined && details.endSample !== undefined) {
    parts.push(`samples ${details.startSample}-${details.endSample}`);
  }
  return parts.length > 0 ? ` (at ${parts.join(", ")})` : "";
}

/** Every `OpusErrorCode`, for checking codes read from files (sidecars, archives). */
export const OPUS_ERROR_CODES = [
  "not-ogg",
  "no-opus-stream",
  "bad-magic",
  "bad-version",
  "bad-channels",
  "bad-mapping",
  "truncated-header",
  "bad-tags",
  "missing-tags",
  "bad-header-pages",
  "truncated",
  "bad-packet",
  "bad-granule",
  "hole",
  "duplicate-page",
  "misplaced-page",
  "damaged-bytes",
  "no-such-stream",
  "bad-sidecar",
  "stale-index",
  "read-failed",
  "invalid-argument",
] as const satisfies readonly OpusErrorCode[];

// Fails to compile when a code is added to OpusErrorCode but not to the list.
const listsEveryCode: Exclude<OpusErrorCode, (typeof OPUS_ERROR_CODES)[number]> extends never ? true : never = true;
void listsEveryCode;
