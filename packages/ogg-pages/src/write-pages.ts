import { crc32Range } from "./crc32.ts";
import { OggError } from "./errors.ts";
import { FLAG_BOS, FLAG_CONTINUED, FLAG_EOS, PAGE_HEADER_MIN_BYTES } from "./page-header.ts";

/** One packet to write and the granule position at its end. */
export interface WritePacket {
  data: Uint8Array;
  /** Granule at the end of this packet; the page on which it ends carries it if it ends last there. */
  granule: bigint;
  /** End the page right after this packet (an Ogg flush), as Opus needs after its headers. */
  flush?: boolean;
}

export interface WritePagesOptions {
  serial: number;
  /** Sequence number of the first page. Default 0. */
  firstSequence?: number;
  /** Set BOS on the first page. Default true. */
  bos?: boolean;
  /** Set EOS on the last page. Default true. */
  eos?: boolean;
  /** Lacing values per page, 1 to 255. Small values force packets across pages. Default 255. */
  maxLacingValues?: number;
  /** A page is closed once its body holds at least this many bytes. Default 4096, as libogg. */
  targetBodyByteLength?: number;
}

/** The fields of one page for `writePage`. */
export interface WritePageFields {
  continued?: boolean;
  bos?: boolean;
  eos?: boolean;
  granule: bigint;
  serial: number;
  sequence: number;
  /** Lacing values; their sum must equal the body length. */
  lacing: ArrayLike<number>;
  body: Uint8Array;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Writes one page with its CRC. For crafting unusual pages in tests and tools. */
export function writePage(fields: WritePageFields): Uint8Array {
  const segmentCount = fields.lacing.length;
  if (segmentCount > 255)
    throw new OggError("invalid-argument", `a page holds at most 255 lacing values, got ${segmentCount}`, 0);
  let bodyByteLength = 0;
  for (let i = 0; i < segmentCount; i++) bodyByteLength += fields.lacing[i]!;
  if (bodyByteLength !== fields.body.length) {
    throw new OggError(
      "invalid-argument",
      `lacing values sum to ${bodyByteLength} but the body has ${fields.body.length} bytes`,
      0,
    );
  }
  const flags = (fields.continued ? FLAG_CONTINUED : 0) | (fields.bos ? FLAG_BOS : 0) | (fields.eos ? FLAG_EOS : 0);
  const page = new Uint8Array(PAGE_HEADER_MIN_BYTES + segmentCount + bodyByteLength);
  writeHeader(page, 0, flags, fields.granule, fields.serial, fields.sequence, fields.lacing);
  page.set(fields.body, PAGE_HEADER_MIN_BYTES + segmentCount);
  setPageCrc(page, 0);
  return page;
}

/**
 * Recomputes and stores the CRC of the (whole, in-bounds) page at `byteOffset`, in place.
 * For tools and tests that edit a header field and want the page to stay valid.
 */
export function setPageCrc(bytes: Uint8Array, byteOffset: number): void {
  const at = byteOffset;
  const headerByteLength = PAGE_HEADER_MIN_BYTES + bytes[at + 26]!;
  let end = at + headerByteLength;
  for (let i = at + PAGE_HEADER_MIN_BYTES; i < at + headerByteLength; i++) end += bytes[i]!;
  if (end > bytes.length) throw new OggError("truncated", "page extends past the end of the buffer", at);
  bytes.fill(0, at + 22, at + 26);
  const crc = crc32Range(bytes, at, end, 0);
  bytes[at + 22] = crc & 0xff;
  bytes[at + 23] = (crc >>> 8) & 0xff;
  bytes[at + 24] = (crc >>> 16) & 0xff;
  bytes[at + 25] = crc >>> 24;
}

interface PagePlan {
  continued: boolean;
  granule: bigint;
  lacing: number[];
  /** Body bytes as [packet index, start, end] pieces, copied when the page is written. */
  pieces: number[];
}

/**
 * Lays packets out in pages of one logical stream, as libogg does: lacing values of 255 for
 * each full 255 bytes and a final value below 255 (0 for a length that is a multiple of
 * 255, which may land on the next page); continued flags on pages that carry on a packet;
 * granule -1 on pages where no packet ends; BOS, EOS, sequence numbers and CRCs.
 * Returns the pages as one buffer.
 */
export function writePages(packets: Iterable<WritePacket>, options: WritePagesOptions): Uint8Array {
  const maxLacing = options.maxLacingValues ?? 255;
  const targetBody = options.targetBodyByteLength ?? 4096;
  checkUint32("serial", options.serial);
  checkUint32("firstSequence", options.firstSequence ?? 0);
  if (!Number.isInteger(maxLacing) || maxLacing < 1 || maxLacing > 255) {
    throw new OggError("invalid-argument", `maxLacingValues must be an integer from 1 to 255, got ${maxLacing}`, 0);
  }
  if (!(targetBody >= 1)) {
    throw new OggError("invalid-argument", `targetBodyByteLength must be at least 1, got ${targetBody}`, 0);
  }

  const datas: Uint8Array[] = [];
  const plans: PagePlan[] = [];
  let page: PagePlan = { continued: false, granule: -1n, lacing: [], pieces: [] };
  let pageBody = 0;
  let packetOpen = false;
  const closePage = (): void => {
    plans.push(page);
    page = { continued: packetOpen, granule: -1n, lacing: [], pieces: [] };
    pageBody = 0;
  };

  for (const packet of packets) {
    const index = datas.length;
    const data = packet.data;
    if (packet.granule < INT64_MIN || packet.granule > INT64_MAX) {
      throw new OggError("invalid-argument", `packet ${index} granule ${packet.granule} is outside int64`, 0);
    }
    datas.push(data);
    let offset = 0;
    for (;;) {
      if (page.lacing.length === maxLacing || (pageBody >= targetBody && page.lacing.length > 0)) closePage();
      const value = Math.min(255, data.length - offset);
      page.lacing.push(value);
      page.pieces.push(index, offset, offset + value);
      offset += value;
      pageBody += value;
      if (value < 255) break;
      packetOpen = true;
    }
    packetOpen = false;
    page.granule = packet.granule;
    if (packet.flush) closePage();
  }
  if (page.lacing.length > 0) plans.push(page);

  let total = 0;
  for (const plan of plans) {
    total += PAGE_HEADER_MIN_BYTES + plan.lacing.length;
    for (const value of plan.lacing) total += value;
  }
  const out = new Uint8Array(total);
  const bos = options.bos ?? true;
  const eos = options.eos ?? true;
  let sequence = options.firstSequence ?? 0;
  let at = 0;
  for (let p = 0; p < plans.length; p++) {
    const plan = plans[p]!;
    const flags =
      (plan.continued ? FLAG_CONTINUED : 0) |
      (bos && p === 0 ? FLAG_BOS : 0) |
      (eos && p === plans.length - 1 ? FLAG_EOS : 0);
    const pageStart = at;
    at = writeHeader(out, at, flags, plan.granule, options.serial, sequence, plan.lacing);
    for (let i = 0; i < plan.pieces.length; i += 3) {
      const data = datas[plan.pieces[i]!]!;
      const start = plan.pieces[i + 1]!;
      const end = plan.pieces[i + 2]!;
      out.set(data.subarray(start, end), at);
      at += end - start;
    }
    setPageCrc(out, pageStart);
    sequence = (sequence + 1) >>> 0;
  }
  return out;
}

function writeHeader(
  out: Uint8Array,
  at: number,
  flags: number,
  granule: bigint,
  serial: number,
  sequence: number,
  lacing: ArrayLike<number>,
): number {
  out[at] = 0x4f;
  out[at + 1] = 0x67;
  out[at + 2] = 0x67;
  out[at + 3] = 0x53;
  out[at + 4] = 0;
  out[at + 5] = flags;
  const unsigned = BigInt.asUintN(64, granule);
  writeUint32LE(out, at + 6, Number(unsigned & 0xffffffffn));
  writeUint32LE(out, at + 10, Number(unsigned >> 32n));
  writeUint32LE(out, at + 14, serial);
  writeUint32LE(out, at + 18, sequence);
  writeUint32LE(out, at + 22, 0);
  out[at + 26] = lacing.length;
  for (let i = 0; i < lacing.length; i++) out[at + PAGE_HEADER_MIN_BYTES + i] = lacing[i]!;
  return at + PAGE_HEADER_MIN_BYTES + lacing.length;
}

function writeUint32LE(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}

function checkUint32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new OggError("invalid-argument", `${name} must be an integer from 0 to 2^32-1, got ${value}`, 0);
  }
}
