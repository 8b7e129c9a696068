import { closeSync, openSync, readSync } from "node:fs";
import { OggError, PAGE_HEADER_MIN_BYTES, type PageHeader, parsePageHeader } from "@granule/ogg-pages";

/** The longest page header: the fixed part and 255 lacing values. */
const HEADER_MAX_BYTES = PAGE_HEADER_MIN_BYTES + 255;

/** Where each page of a plain run starts, and its granule (-1n: no packet ends on it). */
export interface WalkedPages {
  byteOffsets: number[];
  granules: bigint[];
}

/**
 * Walks a file's page headers alone: its pages when it is one plain run of pages, else why
 * not. One plain run: every page starts where the one before ends, from byte 0 to the file's
 * end; all are of one stream, numbered one after another, with a beginning-of-stream flag on
 * the first only and an end-of-stream flag on the last only; granules never run back.
 *
 * A sparse read places pages by the granules of the few it reads, which is sound only for
 * such a file. A chain of files that share a serial number (`cat` of two recordings from an
 * encoder with a fixed serial: not allowed by RFC 3533, but easily made) looks like one link
 * to its probes, whose second link's granules start again and would place its audio at the
 * first link's times. Bodies and CRCs are not read: the pages a window decodes are checked
 * then. `readAt(byteOffset, length)` gives up to `length` bytes (fewer at the end).
 */
export function walkPlainRun(
  readAt: (byteOffset: number, length: number) => Uint8Array,
  byteLength: number,
  /** Stop (and say why) after this many pages: past it, the walk costs more than a full scan. */
  maxPages = Number.POSITIVE_INFINITY,
): { pages: WalkedPages } | { reason: string } {
  const pages: WalkedPages = { byteOffsets: [], granules: [] };
  let byteOffset = 0;
  let serial = 0;
  let sequence = -1;
  let granule = -1n;
  let ended = false;
  const not = (reason: string) => ({ reason });
  while (byteOffset < byteLength) {
    if (pages.byteOffsets.length >= maxPages) return not(`more than ${maxPages} pages: a full scan is as quick`);
    const bytes = readAt(byteOffset, HEADER_MAX_BYTES);
    let header: PageHeader;
    try {
      header = parsePageHeader(bytes, 0);
    } catch (error) {
      if (error instanceof OggError) return not(`no page header at byte ${byteOffset} (${error.code})`);
      throw error;
    }
    const first = sequence < 0;
    if (first ? !header.bos : header.bos) {
      return not(
        first
          ? `the first page (byte 0) does not begin a stream`
          : `a stream begins again at byte ${byteOffset} (a chained file)`,
      );
    }
    if (ended) return not(`a page at byte ${byteOffset} after the end-of-stream page`);
    if (!first && header.serial !== serial) return not(`stream ${header.serial} at byte ${byteOffset}`);
    if (!first && header.sequence !== sequence + 1) {
      return not(`page ${header.sequence} at byte ${byteOffset} follows page ${sequence} (a page lost or repeated)`);
    }
    if (header.granule !== -1n) {
      if (header.granule < granule) return not(`granules run back at byte ${byteOffset}`);
      granule = header.granule;
    }
    pages.byteOffsets.push(byteOffset);
    pages.granules.push(header.granule);
    serial = header.serial;
    sequence = header.sequence;
    ended = header.eos;
    byteOffset += header.byteLength;
  }
  return byteOffset === byteLength ? { pages } : not(`the last page runs past the file's end`);
}

/** Why a file is not one plain run of pages (`undefined` when it is): see `walkPlainRun`. */
export function whyNotOnePlainRun(
  readAt: (byteOffset: number, length: number) => Uint8Array,
  byteLength: number,
  maxPages = Number.POSITIVE_INFINITY,
): string | undefined {
  const walked = walkPlainRun(readAt, byteLength, maxPages);
  return "reason" in walked ? walked.reason : undefined;
}

/**
 * A page header read costs about 2-3 us here, a full scan about 1 ns a byte: the walk stops
 * where the pages average less than this, and the file is scanned whole instead.
 */
const WALK_MIN_MEAN_PAGE_BYTES = 4096;

/** `walkPlainRun` of a file on disk, by positioned reads of its page headers. */
export function walkFile(path: string, byteLength: number): { pages: WalkedPages } | { reason: string } {
  const fd = openSync(path, "r");
  const buffer = new Uint8Array(HEADER_MAX_BYTES);
  try {
    return walkPlainRun(
      (byteOffset, length) => {
        const read = readSync(fd, buffer, 0, length, byteOffset);
        return buffer.subarray(0, read);
      },
      byteLength,
      Math.ceil(byteLength / WALK_MIN_MEAN_PAGE_BYTES) + 16,
    );
  } finally {
    closeSync(fd);
  }
}
