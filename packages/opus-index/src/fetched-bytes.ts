/** A byte range, end exclusive. */
export interface ByteSpan {
  start: number;
  end: number;
}

/**
 * The parts of a file read so far, kept in memory: sorted, disjoint ranges, merged when they
 * touch (merging copies: over a URL a sparse index reads a few hundred KiB, and the spans
 * of a local file's ranges, read at once from its walked pages, seldom touch). The bytes
 * added are kept, not copied: they must not change after.
 */
export class FetchedBytes {
  ranges: { start: number; bytes: Uint8Array }[] = [];

  get byteCount(): number {
    let n = 0;
    for (const r of this.ranges) n += r.bytes.length;
    return n;
  }

  add(start: number, bytes: Uint8Array): void {
    const end = start + bytes.length;
    const touching = this.ranges.filter((r) => r.start <= end && r.start + r.bytes.length >= start);
    if (touching.length === 0) {
      // Apart from everything read: kept as it is, not copied (a sparse read of a local file
      // adds a hundred such spans, megabytes in all).
      this.ranges.push({ start, bytes });
      this.ranges.sort((a, b) => a.start - b.start);
      return;
    }
    const from = Math.min(start, ...touching.map((r) => r.start));
    const to = Math.max(end, ...touching.map((r) => r.start + r.bytes.length));
    const merged = new Uint8Array(to - from);
    for (const r of touching) merged.set(r.bytes, r.start - from);
    merged.set(bytes, start - from);
    this.ranges = this.ranges.filter((r) => !touching.includes(r));
    this.ranges.push({ start: from, bytes: merged });
    this.ranges.sort((a, b) => a.start - b.start);
  }

  /** The bytes [start, start + length) when they were read (a view), else undefined. */
  slice(start: number, length: number): Uint8Array | undefined {
    for (const r of this.ranges) {
      if (r.start <= start && start + length <= r.start + r.bytes.length) {
        return r.bytes.subarray(start - r.start, start - r.start + length);
      }
    }
    return undefined;
  }

  /** The parts of [start, end) not read yet. */
  missing(start: number, end: number): ByteSpan[] {
    const out: ByteSpan[] = [];
    let at = start;
    for (const r of this.ranges) {
      const rEnd = r.start + r.bytes.length;
      if (rEnd <= at) continue;
      if (r.start >= end) break;
      if (r.start > at) out.push({ start: at, end: Math.min(r.start, end) });
      at = Math.max(at, rEnd);
      if (at >= end) break;
    }
    if (at < end) out.push({ start: at, end });
    return out;
  }
}
