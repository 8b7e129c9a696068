import { allocateScan, type BatchScan, copyPages } from "./scan-batch.ts";

/** A batch scan with where it applies: pages starting in [start, end). */
export interface PlacedScan {
  scan: BatchScan;
  start: number;
  end: number;
}

/** All pages of the file in order: the batch scans stitched, plus where each page's durations start. */
export interface PageTable extends BatchScan {
  durationStart: Uint32Array;
}

/**
 * Joins batch scans into the walk a single reader would make over the whole file. A batch's
 * walk starts at its first byte, perhaps inside a page; the true walk enters the batch at
 * position q, the end of the last page it took. A batch's first page is the lowest valid page
 * position at or after its start, so when q is at or before it the true walk reaches exactly
 * that page; when q is one of the batch's page starts the walks coincide from there. Only
 * otherwise (the batch found a page inside another page's body) is the batch rescanned from q.
 */
export async function stitchScans(
  placed: PlacedScan[],
  rescan: (from: number, end: number) => Promise<BatchScan>,
): Promise<PageTable> {
  const parts: { scan: BatchScan; from: number }[] = [];
  let q = 0;
  for (const { scan, end } of placed) {
    if (q >= end || scan.pageCount === 0) continue;
    let part: { scan: BatchScan; from: number };
    if (q <= scan.byteOffset[0]!) {
      part = { scan, from: 0 };
    } else {
      const at = indexOf(scan.byteOffset, q);
      part = at >= 0 ? { scan, from: at } : { scan: await rescan(q, end), from: 0 };
    }
    if (part.from >= part.scan.pageCount) continue;
    parts.push(part);
    const last = part.scan.pageCount - 1;
    q = part.scan.byteOffset[last]! + part.scan.byteLength[last]!;
  }
  return concat(parts);
}

function indexOf(sorted: Float64Array, value: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const v = sorted[mid]!;
    if (v === value) return mid;
    if (v < value) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

function concat(parts: { scan: BatchScan; from: number }[]): PageTable {
  let pages = 0;
  let durations = 0;
  const durationFrom: number[] = [];
  for (const { scan, from } of parts) {
    pages += scan.pageCount - from;
    let skipped = 0;
    for (let i = 0; i < from; i++) skipped += scan.packetStarts[i]!;
    durationFrom.push(skipped);
    durations += scan.durationCount - skipped;
  }
  const table: PageTable = {
    ...allocateScan(pages, durations),
    pageCount: pages,
    durationCount: durations,
    durationStart: new Uint32Array(pages),
  };
  let at = 0;
  let durationAt = 0;
  parts.forEach(({ scan, from }, p) => {
    const n = scan.pageCount - from;
    copyPages(table, at, scan, from, scan.pageCount);
    table.durations.set(scan.durations.subarray(durationFrom[p]!, scan.durationCount), durationAt);
    for (let i = 0; i < n; i++) {
      table.durationStart[at + i] = durationAt;
      durationAt += table.packetStarts[at + i]!;
    }
    at += n;
  });
  return table;
}

/** Byte ranges that belong to no page: before, between and after the stitched pages. */
export function gapsOf(table: PageTable, size: number): { byteOffset: number; byteLength: number }[] {
  const gaps: { byteOffset: number; byteLength: number }[] = [];
  let expected = 0;
  for (let i = 0; i < table.pageCount; i++) {
    const offset = table.byteOffset[i]!;
    if (offset > expected) gaps.push({ byteOffset: expected, byteLength: offset - expected });
    expected = offset + table.byteLength[i]!;
  }
  if (size > expected) gaps.push({ byteOffset: expected, byteLength: size - expected });
  return gaps;
}
