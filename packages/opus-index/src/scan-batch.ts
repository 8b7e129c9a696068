import { readPages } from "@granule/ogg-pages";
import { tocSamples } from "./packet-samples.ts";

/** Row flag: the last packet that starts on the page continues onto a later page. */
export const OPEN_END = 0x80;

/**
 * What one pass over a batch of bytes learns about the pages that start in it, for every
 * logical stream: the page headers and the TOC duration of every packet that starts on each
 * page. Columns of typed arrays so a worker can transfer them without copying.
 */
export interface BatchScan {
  pageCount: number;
  byteOffset: Float64Array;
  byteLength: Uint32Array;
  serial: Uint32Array;
  sequence: Uint32Array;
  granule: BigInt64Array;
  /** The CRC stored in the page header (checked against the page's bytes by the reader). */
  crc: Uint32Array;
  /** Header flags (continued 1, BOS 2, EOS 4) plus OPEN_END. */
  flags: Uint8Array;
  /** Packets that start on the page (a leading continuation does not count). */
  packetStarts: Uint16Array;
  /** Packets that end on the page (lacing values below 255). */
  packetEnds: Uint16Array;
  /** TOC duration in 48 kHz samples of each packet start, page after page; 0 when invalid. */
  durations: Uint16Array;
  durationCount: number;
}

/**
 * Scans `bytes` (which start at absolute `byteOffset`) and records the valid pages that start
 * before `scanEnd` (relative). The bytes past `scanEnd` are look-ahead, so that a page starting
 * just before it is seen whole: with at least 65,306 bytes of look-ahead (or the end of the
 * file) every decision matches a walk over the whole file. Pure and synchronous: the worker
 * pipeline runs it in workers or in-process.
 */
export function scanBatch(bytes: Uint8Array, byteOffset: number, scanEnd: number): BatchScan {
  let capacity = Math.max(16, Math.ceil(scanEnd / 8192));
  let scan = allocateScan(capacity, capacity * 50);
  let count = 0;
  let durationCount = 0;
  for (const page of readPages(bytes)) {
    if (page.byteOffset >= scanEnd) break;
    if (count === capacity) {
      capacity *= 2;
      scan = grow(scan, capacity, Math.max(scan.durations.length, durationCount + 256));
    }
    const lacing = page.lacing;
    const segmentCount = lacing.length;
    if (scan.durations.length - durationCount < segmentCount) {
      scan = grow(scan, capacity, (scan.durations.length + segmentCount) * 2);
    }
    const body = page.body;
    let segment = 0;
    let bodyPos = 0;
    let ends = 0;
    if (page.continued) {
      // The first packet here began on an earlier page: skip to its end.
      while (segment < segmentCount) {
        const value = lacing[segment++]!;
        bodyPos += value;
        if (value < 255) {
          ends++;
          break;
        }
      }
    }
    let starts = 0;
    let open = false;
    while (segment < segmentCount) {
      const first = lacing[segment]!;
      scan.durations[durationCount++] = tocSamples(body, bodyPos, Math.min(first, 2));
      starts++;
      open = true;
      while (segment < segmentCount) {
        const value = lacing[segment++]!;
        bodyPos += value;
        if (value < 255) {
          ends++;
          open = false;
          break;
        }
      }
    }
    if (page.continued && ends === 0) open = true;
    scan.byteOffset[count] = byteOffset + page.byteOffset;
    scan.byteLength[count] = page.byteLength;
    scan.serial[count] = page.serial;
    scan.sequence[count] = page.sequence;
    scan.granule[count] = page.granule;
    scan.crc[count] = page.crc;
    scan.flags[count] = page.flags | (open ? OPEN_END : 0);
    scan.packetStarts[count] = starts;
    scan.packetEnds[count] = ends;
    count++;
  }
  scan.pageCount = count;
  scan.durationCount = durationCount;
  return trim(scan);
}

/** The per-page columns of a scan, in one list so allocating, copying and transferring agree. */
const PAGE_COLUMNS = [
  "byteOffset",
  "byteLength",
  "serial",
  "sequence",
  "granule",
  "crc",
  "flags",
  "packetStarts",
  "packetEnds",
] as const satisfies readonly (keyof BatchScan)[];

type Column = {
  set(values: ArrayLike<unknown>, offset?: number): void;
  subarray(from: number, to?: number): ArrayLike<unknown>;
};

/** Room for `pages` pages and `durations` packet durations. */
export function allocateScan(pages: number, durations: number): BatchScan {
  return {
    pageCount: 0,
    byteOffset: new Float64Array(pages),
    byteLength: new Uint32Array(pages),
    serial: new Uint32Array(pages),
    sequence: new Uint32Array(pages),
    granule: new BigInt64Array(pages),
    crc: new Uint32Array(pages),
    flags: new Uint8Array(pages),
    packetStarts: new Uint16Array(pages),
    packetEnds: new Uint16Array(pages),
    durations: new Uint16Array(durations),
    durationCount: 0,
  };
}

/** Copies the page columns of pages [from, to) of `source` into `target` from page `at` on. */
export function copyPages(target: BatchScan, at: number, source: BatchScan, from: number, to: number): void {
  for (const name of PAGE_COLUMNS) {
    (target[name] as unknown as Column).set((source[name] as unknown as Column).subarray(from, to), at);
  }
}

function grow(scan: BatchScan, pages: number, durations: number): BatchScan {
  const next = allocateScan(pages, durations);
  copyPages(next, 0, scan, 0, Math.min(pages, scan.byteOffset.length));
  next.durations.set(scan.durations.subarray(0, Math.min(durations, scan.durations.length)));
  return next;
}

/** Copies into exactly-sized arrays, so transfers and memory are no larger than needed. */
function trim(scan: BatchScan): BatchScan {
  const trimmed = allocateScan(scan.pageCount, scan.durationCount);
  copyPages(trimmed, 0, scan, 0, scan.pageCount);
  trimmed.durations.set(scan.durations.subarray(0, scan.durationCount));
  trimmed.pageCount = scan.pageCount;
  trimmed.durationCount = scan.durationCount;
  return trimmed;
}

/** The buffers of a scan, for `postMessage` transfer lists. */
export function scanBuffers(scan: BatchScan): ArrayBuffer[] {
  return [...PAGE_COLUMNS.map((name) => scan[name].buffer as ArrayBuffer), scan.durations.buffer as ArrayBuffer];
}
