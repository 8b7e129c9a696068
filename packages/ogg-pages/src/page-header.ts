import { OggError } from "./errors.ts";

/** Header flag bits (RFC 3533 §6). The other five bits are reserved and must be 0. */
export const FLAG_CONTINUED = 0x01;
export const FLAG_BOS = 0x02;
export const FLAG_EOS = 0x04;
const RESERVED_FLAGS = 0xf8;

/** Size of the fixed part of a page header, before the lacing values. */
export const PAGE_HEADER_MIN_BYTES = 27;
/** The largest page the format allows: 27 + 255 lacing values + 255 * 255 body bytes. */
export const PAGE_MAX_BYTES = 27 + 255 + 255 * 255;

/** The fields of a page header and the sizes it implies. */
export interface PageHeader {
  version: number;
  /** The raw flag byte; `continued`, `bos` and `eos` are its bits. */
  flags: number;
  /** The first packet on this page continues one from the previous page. */
  continued: boolean;
  /** First page of a logical stream. */
  bos: boolean;
  /** Last page of a logical stream. */
  eos: boolean;
  /** Position at the end of the last packet that ends on this page; -1n if none ends here. */
  granule: bigint;
  serial: number;
  sequence: number;
  /** The CRC stored in the header. */
  crc: number;
  /** The lacing values (a view into the input, not a copy). */
  lacing: Uint8Array;
  /** 27 + number of lacing values. */
  headerByteLength: number;
  /** Sum of the lacing values. */
  bodyByteLength: number;
  /** Whole page: header plus body. */
  byteLength: number;
}

/** A whole, CRC-checked page as the readers yield it. */
export interface OggPage extends PageHeader {
  /** Where the page starts in the input. */
  byteOffset: number;
  /** The page's body (a view, not a copy). */
  body: Uint8Array;
}

export function readUint32LE(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

export function readInt64LE(bytes: Uint8Array, at: number): bigint {
  const low = readUint32LE(bytes, at);
  const high = readUint32LE(bytes, at + 4) | 0;
  // Two's complement: a negative high word makes the whole value negative (-1n for all ones).
  return (BigInt(high) << 32n) | BigInt(low);
}

/**
 * Reads the header and lacing table of the page at `byteOffset`. Checks the capture
 * pattern, version, reserved flags and that the header is complete; it does not look at the
 * body or the CRC (the readers do).
 */
export function parsePageHeader(bytes: Uint8Array, byteOffset: number): PageHeader {
  const at = byteOffset;
  const available = bytes.length - at;
  if (!Number.isInteger(at) || at < 0 || at > bytes.length) {
    throw new OggError("invalid-argument", `byteOffset ${at} is outside the ${bytes.length} bytes given`, at);
  }
  if (
    available < 4 ||
    bytes[at] !== 0x4f ||
    bytes[at + 1] !== 0x67 ||
    bytes[at + 2] !== 0x67 ||
    bytes[at + 3] !== 0x53
  ) {
    if (available < 4 && isCapturePrefix(bytes, at, bytes.length)) {
      throw new OggError("truncated", `page header cut off after ${available} bytes`, at);
    }
    throw new OggError("no-capture-pattern", "no Ogg capture pattern 'OggS' where a page should start", at);
  }
  if (available < PAGE_HEADER_MIN_BYTES) {
    throw new OggError("truncated", `page header cut off after ${available} of 27 bytes`, at);
  }
  const version = bytes[at + 4]!;
  if (version !== 0) {
    throw new OggError("bad-version", `page has stream structure version ${version}; only 0 exists`, at);
  }
  const flags = bytes[at + 5]!;
  if (flags & RESERVED_FLAGS) {
    throw new OggError("bad-flags", `page header flags 0x${flags.toString(16)} set reserved bits`, at);
  }
  const segmentCount = bytes[at + 26]!;
  const headerByteLength = PAGE_HEADER_MIN_BYTES + segmentCount;
  if (available < headerByteLength) {
    throw new OggError("truncated", `lacing table cut off: needs ${headerByteLength} bytes, ${available} left`, at);
  }
  const lacing = bytes.subarray(at + PAGE_HEADER_MIN_BYTES, at + headerByteLength);
  let bodyByteLength = 0;
  for (let i = 0; i < segmentCount; i++) bodyByteLength += lacing[i]!;
  return {
    version,
    flags,
    continued: (flags & FLAG_CONTINUED) !== 0,
    bos: (flags & FLAG_BOS) !== 0,
    eos: (flags & FLAG_EOS) !== 0,
    granule: readInt64LE(bytes, at + 6),
    serial: readUint32LE(bytes, at + 14),
    sequence: readUint32LE(bytes, at + 18),
    crc: readUint32LE(bytes, at + 22),
    lacing,
    headerByteLength,
    bodyByteLength,
    byteLength: headerByteLength + bodyByteLength,
  };
}

/** True if `bytes[at, end)` (fewer than four bytes) could be the start of `OggS`. */
export function isCapturePrefix(bytes: Uint8Array, at: number, end: number): boolean {
  const capture = [0x4f, 0x67, 0x67, 0x53];
  for (let i = at; i < end && i - at < 4; i++) {
    if (bytes[i] !== capture[i - at]) return false;
  }
  return true;
}
