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
  let scan = allocate(capacity, capacity * 50);
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
    scan.flags[count] = page.flags | (open ? OPEN_END : 0);
    scan.packetStarts[count] = starts;
    scan.packetEnds[count] = ends;
    count++;
  }
  scan.pageCount = count;
  scan.durationCount = durationCount;
  return trim(scan);
}

function allocate(pages: number, durations: number): BatchScan {
  return {
    pageCount: 0,
    byteOffset: new Float64Array(pages),
    byteLength: new Uint32Array(pages),
    serial: new Uint32Array(pages),
    sequence: new Uint32Array(pages),
    granule: new BigInt64Array(pages),
    flags: new Uint8Array(pages),
    packetStarts: new Uint16Array(pages),
    packetEnds: new Uint16Array(pages),
    durations: new Uint16Array(durations),
    durationCount: 0,
  };
}

function grow(scan: BatchScan, pages: number, durations: number): BatchScan {
  const next = allocate(pages, durations);
  next.byteOffset.set(scan.byteOffset.subarray(0, Math.min(pages, scan.byteOffset.length)));
  next.byteLength.set(scan.byteLength.subarray(0, Math.min(pages, scan.byteLength.length)));
  next.serial.set(scan.serial.subarray(0, Math.min(pages, scan.serial.length)));
  next.sequence.set(scan.sequence.subarray(0, Math.min(pages, scan.sequence.length)));
  next.granule.set(scan.granule.subarray(0, Math.min(pages, scan.granule.length)));
  next.flags.set(scan.flags.subarray(0, Math.min(pages, scan.flags.length)));
  next.packetStarts.set(scan.packetStarts.subarray(0, Math.min(pages, scan.packetStarts.length)));
  next.packetEnds.set(scan.packetEnds.subarray(0, Math.min(pages, scan.packetEnds.length)));
  next.durations.set(scan.durations.subarray(0, Math.min(durations, scan.durations.length)));
  return next;
}

/** Copies into exactly-sized arrays, so transfers and memory are no larger than needed. */
function trim(scan: BatchScan): BatchScan {
  const n = scan.pageCount;
  return {
    pageCount: n,
    byteOffset: scan.byteOffset.slice(0, n),
    byteLength: scan.byteLength.slice(0, n),
    serial: scan.serial.slice(0, n),
    sequence: scan.sequence.slice(0, n),
    granule: scan.granule.slice(0, n),
    flags: scan.flags.slice(0, n),
    packetStarts: scan.packetStarts.slice(0, n),
    packetEnds: scan.packetEnds.slice(0, n),
    durations: scan.durations.slice(0, scan.durationCount),
    durationCount: scan.durationCount,
  };
}

/** The buffers of a scan, for `postMessage` transfer lists. */
export function scanBuffers(scan: BatchScan): ArrayBuffer[] {
  return [
    scan.byteOffset,
    scan.byteLength,
    scan.serial,
    scan.sequence,
    scan.granule,
    scan.flags,
    scan.packetStarts,
    scan.packetEnds,
    scan.durations,
  ].map((column) => column.buffer as ArrayBuffer);
}
