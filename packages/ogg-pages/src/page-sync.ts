import { CRC32_MANY_IS_FAST, crc32Many, crc32Range } from "./crc32.ts";
import { OggError, type OggErrorCode } from "./errors.ts";
import { isCapturePrefix, type OggPage, PAGE_HEADER_MIN_BYTES, readInt64LE, readUint32LE } from "./page-header.ts";

/** A byte range the lenient readers passed over, and why its first byte could not start a page. */
export interface SkippedRange {
  byteOffset: number;
  byteLength: number;
  reason: OggErrorCode;
}

export interface ReadPagesOptions {
  /** Throw an `OggError` at the first problem instead of resynchronising. Default false. */
  strict?: boolean;
  /** Lenient mode: called once for each maximal run of bytes that belongs to no valid page. */
  onSkip?: (skipped: SkippedRange) => void;
}

// probePage results: a positive page length, NEED_MORE, or one of the failures below.
const NEED_MORE = 0;
const NO_CAPTURE = -1;
const BAD_VERSION = -2;
const BAD_FLAGS = -3;
const BAD_CRC = -4;
const TRUNCATED = -5;

const REASONS: Record<number, OggErrorCode> = {
  [NO_CAPTURE]: "no-capture-pattern",
  [BAD_VERSION]: "bad-version",
  [BAD_FLAGS]: "bad-flags",
  [BAD_CRC]: "crc",
  [TRUNCATED]: "truncated",
};

const MESSAGES: Record<number, string> = {
  [NO_CAPTURE]: "no Ogg capture pattern 'OggS' where a page should start",
  [BAD_VERSION]: "page with a stream structure version other than 0",
  [BAD_FLAGS]: "page header with reserved flag bits set",
  [BAD_CRC]: "page CRC does not match its bytes",
  [TRUNCATED]: "data ends inside a page",
};

const ZERO_CRC_FIELD = new Uint8Array(4);

/**
 * Decides whether a valid page starts at `bytes[pos]`, looking no further than `end`.
 * Returns its length, NEED_MORE when the bytes so far are a valid beginning, or a failure.
 * The CRC is computed in place, with the CRC field read as four zero bytes.
 */
function probePage(bytes: Uint8Array, pos: number, end: number): number {
  const length = pageLength(bytes, pos, end);
  if (length <= 0) return length;
  return crc32Range(bytes, pos + 26, pos + length, headerCrc(bytes, pos)) === readUint32LE(bytes, pos + 22)
    ? length
    : BAD_CRC;
}

/** What `probePage` says before the CRC: the length of the page the header describes, or why not. */
function pageLength(bytes: Uint8Array, pos: number, end: number): number {
  const available = end - pos;
  if (available < PAGE_HEADER_MIN_BYTES) {
    if (!isCapturePrefix(bytes, pos, end)) return NO_CAPTURE;
    if (available > 4 && bytes[pos + 4] !== 0) return BAD_VERSION;
    if (available > 5 && bytes[pos + 5]! & 0xf8) return BAD_FLAGS;
    return NEED_MORE;
  }
  if (bytes[pos] !== 0x4f || bytes[pos + 1] !== 0x67 || bytes[pos + 2] !== 0x67 || bytes[pos + 3] !== 0x53) {
    return NO_CAPTURE;
  }
  if (bytes[pos + 4] !== 0) return BAD_VERSION;
  if (bytes[pos + 5]! & 0xf8) return BAD_FLAGS;
  const headerByteLength = PAGE_HEADER_MIN_BYTES + bytes[pos + 26]!;
  if (available < headerByteLength) return NEED_MORE;
  let pageByteLength = headerByteLength;
  for (let i = pos + PAGE_HEADER_MIN_BYTES; i < pos + headerByteLength; i++) pageByteLength += bytes[i]!;
  if (available < pageByteLength) return NEED_MORE;
  return pageByteLength;
}

/** The CRC of a page's first 26 bytes, with the CRC field (bytes 22-25) read as zeros. */
function headerCrc(bytes: Uint8Array, pos: number): number {
  return crc32Range(ZERO_CRC_FIELD, 0, 4, crc32Range(bytes, pos, pos + 22, 0));
}

/*
 * Pages checked ahead: where `crc32Many` is fast (WebAssembly SIMD), the synchroniser reads the
 * headers of the run of whole pages that follow the one it is asked about, checks all their
 * CRCs in one call and remembers each result by absolute offset. A remembered result is what
 * `probePage` gives at that offset, because it depends only on the bytes there (readers are
 * given the same bytes at the same absolute offsets), so reading stays exactly as without it.
 * At most this many pages and bytes ahead, so a reader stopped early wastes little.
 */
const AHEAD_MAX_PAGES = 128;
const AHEAD_MAX_BYTES = 2 * 1024 * 1024;

/** The next position at or after `from` that holds `OggS`, or its beginning cut off by `end`. */
function findCapture(bytes: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i < end) {
    i = bytes.indexOf(0x4f, i);
    if (i < 0 || i >= end) return end;
    if (
      (i + 1 >= end || bytes[i + 1] === 0x67) &&
      (i + 2 >= end || bytes[i + 2] === 0x67) &&
      (i + 3 >= end || bytes[i + 3] === 0x53)
    ) {
      return i;
    }
    i++;
  }
  return end;
}

/** Arguments for `crc32Many`, shared by all synchronisers (they run one at a time). */
let scratch: { starts: Int32Array; ends: Int32Array; crcs: Uint32Array } | undefined;

/**
 * The page synchroniser shared by `readPages` and the streaming reader, so the two cannot
 * disagree. Like libogg's `ogg_sync_pageseek`: a capture pattern counts only with a valid
 * CRC, and after a failure the search resumes one byte after the failed pattern, so a valid
 * page is never lost. Unlike libogg, a page cut off by the end of the input is given up at
 * the end and the search goes on inside it, because its "body" may hold real pages.
 */
export class PageSync {
  /** Length of the page `findPage` last returned. */
  length = 0;
  /** Where to resume once more bytes arrive, after `findPage` returned -1. */
  resume = 0;
  private readonly strict: boolean;
  private readonly onSkip: ((skipped: SkippedRange) => void) | undefined;
  private skipStart = -1;
  private skipReason: OggErrorCode = "no-capture-pattern";
  /** Pages checked ahead: absolute offsets, results as `probePage` gives them, and the next to use. */
  private aheadOffset: Float64Array | undefined;
  private aheadResult = new Int32Array(0);
  private aheadCount = 0;
  private aheadNext = 0;

  constructor(options: ReadPagesOptions = {}) {
    this.strict = options.strict ?? false;
    this.onSkip = options.onSkip;
  }

  /**
   * Finds the next valid page in `bytes[pos, end)`, where `bytes[0]` is at absolute offset
   * `base`. Returns its position (and sets `length`), or -1 when there is none yet (and
   * sets `resume`). With `final`, the input ends at `end`.
   */
  findPage(bytes: Uint8Array, pos: number, end: number, base: number, final: boolean): number {
    while (pos < end) {
      let result = this.probe(bytes, pos, end, base);
      if (result > 0) {
        this.endSkip(base + pos);
        this.length = result;
        return pos;
      }
      if (result === NEED_MORE) {
        if (!final) {
          this.resume = pos;
          return -1;
        }
        result = TRUNCATED;
      }
      if (this.strict) {
        throw new OggError(REASONS[result]!, MESSAGES[result]!, base + pos);
      }
      if (this.skipStart < 0) {
        this.skipStart = base + pos;
        this.skipReason = REASONS[result]!;
      }
      pos = findCapture(bytes, pos + 1, end);
    }
    if (final) this.endSkip(base + end);
    this.resume = end;
    return -1;
  }

  /** `probePage(bytes, pos, end)`, from the pages checked ahead where they reach. */
  private probe(bytes: Uint8Array, pos: number, end: number, base: number): number {
    if (!CRC32_MANY_IS_FAST) return probePage(bytes, pos, end);
    const offset = base + pos;
    const ahead = this.aheadOffset;
    if (ahead !== undefined) {
      while (this.aheadNext < this.aheadCount && ahead[this.aheadNext]! < offset) this.aheadNext++;
      if (this.aheadNext < this.aheadCount && ahead[this.aheadNext] === offset) {
        return this.aheadResult[this.aheadNext++]!;
      }
    }
    const length = pageLength(bytes, pos, end);
    if (length <= 0) return length;
    this.checkAhead(bytes, pos, length, end, base);
    return this.aheadResult[this.aheadNext++]!;
  }

  /** Checks the CRCs of the page at `pos` (of `length` bytes) and of the whole pages after it. */
  private checkAhead(bytes: Uint8Array, pos: number, length: number, end: number, base: number): void {
    if (this.aheadOffset === undefined) {
      this.aheadOffset = new Float64Array(AHEAD_MAX_PAGES);
      this.aheadResult = new Int32Array(AHEAD_MAX_PAGES);
      scratch ??= {
        starts: new Int32Array(AHEAD_MAX_PAGES),
        ends: new Int32Array(AHEAD_MAX_PAGES),
        crcs: new Uint32Array(AHEAD_MAX_PAGES),
      };
    }
    const { starts, ends, crcs } = scratch!;
    let count = 0;
    let at = pos;
    let pageByteLength = length;
    const limit = Math.min(end, pos + AHEAD_MAX_BYTES);
    for (;;) {
      starts[count] = at + 26;
      ends[count] = at + pageByteLength;
      crcs[count] = headerCrc(bytes, at);
      count++;
      at += pageByteLength;
      if (count === AHEAD_MAX_PAGES) break;
      pageByteLength = pageLength(bytes, at, end);
      if (pageByteLength <= 0 || at + pageByteLength > limit) break;
    }
    crc32Many(bytes, starts, ends, crcs, count);
    for (let i = 0; i < count; i++) {
      const start = starts[i]! - 26;
      this.aheadOffset[i] = base + start;
      this.aheadResult[i] = crcs[i] === readUint32LE(bytes, start + 22) ? ends[i]! - start : BAD_CRC;
    }
    this.aheadCount = count;
    this.aheadNext = 0;
  }

  private endSkip(byteOffset: number): void {
    if (this.skipStart < 0) return;
    const skipped = { byteOffset: this.skipStart, byteLength: byteOffset - this.skipStart, reason: this.skipReason };
    this.skipStart = -1;
    this.onSkip?.(skipped);
  }
}

/** Builds the page object for a page that `PageSync` found valid at `bytes[at]`. */
export function pageAt(bytes: Uint8Array, at: number, byteLength: number, byteOffset: number): OggPage {
  const flags = bytes[at + 5]!;
  const headerByteLength = PAGE_HEADER_MIN_BYTES + bytes[at + 26]!;
  return {
    byteOffset,
    byteLength,
    version: 0,
    flags,
    continued: (flags & 1) !== 0,
    bos: (flags & 2) !== 0,
    eos: (flags & 4) !== 0,
    granule: readInt64LE(bytes, at + 6),
    serial: readUint32LE(bytes, at + 14),
    sequence: readUint32LE(bytes, at + 18),
    crc: readUint32LE(bytes, at + 22),
    lacing: bytes.subarray(at + PAGE_HEADER_MIN_BYTES, at + headerByteLength),
    headerByteLength,
    bodyByteLength: byteLength - headerByteLength,
    body: bytes.subarray(at + headerByteLength, at + byteLength),
  };
}
