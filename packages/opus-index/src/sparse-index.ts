import { accumulate } from "./accumulate.ts";
import { type ByteSource, readExactly } from "./byte-source.ts";
import { OpusError } from "./errors.ts";
import { type ByteSpan, FetchedBytes } from "./fetched-bytes.ts";
import { OpusIndex } from "./opus-index.ts";
import { OPEN_END, scanBatch } from "./scan-batch.ts";
import { gapsOf, type PlacedScan, stitchScans } from "./stitch.ts";

/** Timeline samples [startSample, endSample) that will be extracted. */
export interface SampleRange {
  startSample: number;
  endSample: number;
}

export interface SparseIndexOptions {
  /** The pre-roll extraction will decode before each range (as passed to `locate`). */
  preRollSamples: number;
  /** Bytes per probe of the file. Default 64 KiB. */
  chunkBytes?: number;
  /** Read the whole file instead once the probes would read more than this. Default a quarter of the file. */
  maxBytes?: number;
  /**
   * Where every page starts and its granule (-1n: none), from a walk of the file's page
   * headers: each range's pages are then read at once, exactly, instead of found by
   * interpolating between the granules read so far, round after round.
   */
  pages?: { byteOffsets: ArrayLike<number>; granules: ArrayLike<bigint> };
  signal?: AbortSignal;
}

export type SparseIndexResult =
  | {
      kind: "sparse";
      /** Exact for the ranges asked: their pages are read; the rest of the file is holes. */
      index: OpusIndex;
      /** Serves the bytes read from memory (the ranges' pages among them), reads the rest from the file. */
      source: ByteSource;
      bytesRead: number;
      /** Rounds of reads, one after another (the reads of a round go out together). */
      rounds: number;
    }
  | {
      kind: "whole";
      reason: string;
      /** Nothing is wrong with the file: a whole read is as cheap (a small file, ranges that need much of it). */
      expected: boolean;
    };

/**
 * Bytes of the first and last reads (and the least of a probe). A source whose opening request
 * already holds the file's first this many bytes saves the head's round trip.
 */
export const SPARSE_CHUNK_BYTES = 64 * 1024;
/** A probe that would leave less than this unread between two read parts reads the gap instead. */
const FILL_FACTOR = 2;
const MAX_ROUNDS = 24;
/** Below this many chunks the whole file is as quick to read as the probes. */
const MIN_CHUNKS_FOR_SPARSE = 8;

/**
 * Indexes only the parts of a file that `ranges` need, as opusfile seeks a URL: the first
 * pages (the headers and where the timeline starts), the last (where it ends), then, for each
 * range, reads placed by interpolating between the granules already seen, narrowing until the
 * range's pages and its pre-roll are read, contiguous. Each round's reads go out together.
 * The result is an ordinary `OpusIndex` in which the unread bytes are holes: `locate` gives the
 * same plan for the ranges as the full index of a clean file, and refuses (as a hole) anything
 * it did not read.
 *
 * Positions come from the granules of the pages read, so a file that is not one plain stream
 * says so and gets `{ kind: "whole" }`, and the caller indexes all of it: several streams or
 * links, damage in the bytes read (gaps, missing pages, broken continuations, granules that
 * disagree with their packets), too small a file, or ranges that need more than `maxBytes`.
 * Damage in bytes it never reads, it cannot see: `verify` and `index` read everything.
 */
export async function sparseIndex(
  source: ByteSource,
  rangesOrPlan: readonly SampleRange[] | ((index: OpusIndex) => readonly SampleRange[]),
  options: SparseIndexOptions,
): Promise<SparseIndexResult> {
  const size = source.size;
  const chunk = options.chunkBytes ?? SPARSE_CHUNK_BYTES;
  const maxBytes = options.maxBytes ?? Math.floor(size / 4);
  const signal = options.signal;
  if (size < MIN_CHUNKS_FOR_SPARSE * chunk) return { kind: "whole", reason: "the file is small", expected: true };
  let ranges = typeof rangesOrPlan === "function" ? undefined : rangesOrPlan;
  if (ranges?.length === 0) return { kind: "whole", reason: "no range was asked for", expected: true };
  const fetched = new FetchedBytes();
  let rounds = 0;
  const unread = (spans: ByteSpan[]) =>
    coalesce(
      spans.flatMap((s) => fetched.missing(s.start, s.end)),
      chunk,
    );
  const fetchAll = async (spans: ByteSpan[]) => {
    const wanted = unread(spans);
    if (wanted.length === 0) return false;
    rounds++;
    const parts = await Promise.all(wanted.map((s) => readExactly(source, s.start, s.end - s.start, signal)));
    for (const [i, s] of wanted.entries()) fetched.add(s.start, parts[i]!);
    return true;
  };
  const read = async (byteOffset: number, byteLength: number): Promise<Uint8Array> => {
    const length = Math.max(0, Math.min(byteLength, size - byteOffset));
    const held = fetched.slice(byteOffset, length);
    if (held !== undefined) return held;
    await fetchAll([{ start: byteOffset, end: byteOffset + length }]);
    return fetched.slice(byteOffset, length)!;
  };

  // The first and last pages: a chunk of each, or with the pages walked, exactly the header
  // pages and two audio pages, and the last three pages.
  const ends = options.pages === undefined ? { head: chunk, tail: size - chunk } : walkedEnds(options.pages, size);
  if (ends.head + size - Math.max(ends.head, ends.tail) > maxBytes)
    return { kind: "whole", reason: "its first or last pages are larger than the bytes to read", expected: true };
  await fetchAll([
    { start: 0, end: ends.head },
    { start: ends.tail, end: size },
  ]);
  // The header pages (OpusTags can hold pictures) must be read whole, with a page after them;
  // the end, with two whole pages (the last granule is checked against the one before it).
  for (;;) {
    const head = fetched.ranges[0]!;
    const tail = fetched.ranges[fetched.ranges.length - 1]!;
    const headDone = headersRead(head.bytes);
    const tailDone = tail.start === 0 || scanBatch(tail.bytes, tail.start, tail.bytes.length).pageCount >= 2;
    if (headDone && tailDone) break;
    if (fetched.byteCount >= maxBytes)
      return { kind: "whole", reason: "its first or last pages are larger than the bytes to read", expected: true };
    const spans: ByteSpan[] = [];
    if (!headDone) spans.push({ start: head.bytes.length, end: Math.min(size, head.bytes.length * 2) });
    if (!tailDone) spans.push({ start: Math.max(0, tail.start - tail.bytes.length), end: tail.start });
    await fetchAll(spans);
  }
  // The timeline sample at which each walked page ends (null: no walk, or it does not fit).
  let pageEnds: WalkedPageEnds | null | undefined;
  // Probes must be able to hold whole pages: twice the longest page seen.
  const longestPage = Math.max(...fetched.ranges.map((r) => longestPageIn(r.bytes, r.start)));
  const probe = Math.max(chunk, 2 * longestPage);

  for (;;) {
    signal?.throwIfAborted();
    let index: OpusIndex;
    try {
      const built = await indexFetched(fetched, size, read);
      if (typeof built === "string") return { kind: "whole", reason: built, expected: false };
      index = built;
    } catch (error) {
      // The whole file's index says what is wrong, with the right offsets.
      if (error instanceof OpusError)
        return { kind: "whole", reason: `its pages read so far: ${error.message}`, expected: false };
      throw error;
    }
    // Ranges planned from the recording (its length and rate known from the first and last
    // pages): none is nothing more to read.
    ranges ??= (rangesOrPlan as (index: OpusIndex) => readonly SampleRange[])(index);
    pageEnds ??= options.pages === undefined ? null : walkedPageEnds(options.pages, index);
    const wanted: ByteSpan[] = [];
    for (const range of ranges) {
      wanted.push(...toRead(index, fetched, range, options.preRollSamples, probe, size, pageEnds ?? undefined));
    }
    if (wanted.length === 0) {
      return { kind: "sparse", index, source: fetchedSource(source, fetched), bytesRead: fetched.byteCount, rounds };
    }
    if (rounds >= MAX_ROUNDS)
      return { kind: "whole", reason: `the ranges were not placed in ${MAX_ROUNDS} rounds`, expected: false };
    // Known before it is read: more than a whole read's share is not worth reading in parts.
    const more = unread(wanted).reduce((n, s) => n + s.end - s.start, 0);
    if (fetched.byteCount + more > maxBytes) {
      const reason = `the ranges need more than ${maxBytes} bytes (${fetched.byteCount} read, ${more} more wanted)`;
      return { kind: "whole", reason, expected: true };
    }
    if (!(await fetchAll(wanted)))
      return { kind: "whole", reason: "the ranges' pages could not be placed", expected: false };
  }
}

function longestPageIn(bytes: Uint8Array, byteOffset: number): number {
  const scan = scanBatch(bytes, byteOffset, bytes.length);
  let longest = 0;
  for (let i = 0; i < scan.pageCount; i++) longest = Math.max(longest, scan.byteLength[i]!);
  return longest;
}

/** Whether `head` (the file's first bytes) holds the first stream's two header packets and a page after them. */
function headersRead(head: Uint8Array): boolean {
  const scan = scanBatch(head, 0, head.length);
  if (scan.pageCount === 0) return true; // Not Ogg: the index says so.
  const serial = scan.serial[0]!;
  let ended = 0;
  for (let i = 0; i < scan.pageCount; i++) {
    if (scan.serial[i] !== serial) continue;
    if (ended >= 2) return true;
    ended += scan.packetEnds[i]!;
  }
  return false;
}

/**
 * The index of the bytes read, unread bytes as holes; or why the file must be read whole
 * (what a sparse read cannot vouch for).
 */
async function indexFetched(
  fetched: FetchedBytes,
  size: number,
  read: (byteOffset: number, byteLength: number) => Promise<Uint8Array>,
): Promise<OpusIndex | string> {
  const placed: PlacedScan[] = fetched.ranges.map((r) => ({
    scan: scanBatch(r.bytes, r.start, r.bytes.length),
    start: r.start,
    end: r.start + r.bytes.length,
  }));
  // Ranges never overlap, so no batch starts inside another's page: nothing is rescanned.
  const table = await stitchScans(placed, async (from, end) =>
    scanBatch(await read(from, end - from), from, end - from),
  );
  for (let i = 1; i < table.pageCount; i++) {
    if (table.serial[i] !== table.serial[0]) return "it holds more than one stream or link";
  }
  const gaps = gapsOf(table, size);
  for (const gap of gaps) {
    if (fetched.missing(gap.byteOffset, gap.byteOffset + gap.byteLength).length === 0) {
      return `${gap.byteLength} bytes at ${gap.byteOffset} belong to no page`;
    }
  }
  for (let i = 1; i < table.pageCount; i++) {
    if (table.byteOffset[i - 1]! + table.byteLength[i - 1]! !== table.byteOffset[i]) continue;
    // Pages read one after the other must follow on: no page missing, no continuation broken.
    const follows = table.sequence[i] === (table.sequence[i - 1]! + 1) >>> 0;
    const continues = ((table.flags[i - 1]! & OPEN_END) !== 0) === ((table.flags[i]! & 1) !== 0);
    if (!follows || !continues) return `page ${table.sequence[i]} at byte ${table.byteOffset[i]} does not follow on`;
  }
  const damagedRanges = gaps.map((g) => ({ ...g, reason: "no-capture-pattern" as const }));
  const index = new OpusIndex(await accumulate(table, size, { strict: false, read, damagedRanges }));
  // Holes and unplaced bytes are the parts not read; "truncated" is about the end, always read.
  const other = index.problems.find((p) => p.code !== "hole" && p.code !== "damaged-bytes" && p.code !== "truncated");
  if (other !== undefined) return other.message;
  return index;
}

/** Walked pages: where each starts, and the timeline sample it ends at (carried over pages that end no packet). */
interface WalkedPageEnds {
  byteOffsets: ArrayLike<number>;
  endSamples: Float64Array;
}

/**
 * The walked pages' end samples: a page's granule less the link's offset (granule minus
 * timeline sample), taken from a page the index read whole. Undefined when no page read
 * says what the offset is, or the walk does not fit the index: then reads are found by
 * interpolation, as without a walk. A wrong offset could only cost reads, never positions:
 * each range is placed from the pages read, and reading stops only when `locate` finds them.
 */
function walkedPageEnds(pages: NonNullable<SparseIndexOptions["pages"]>, index: OpusIndex): WalkedPageEnds | null {
  const rows = index.rows;
  const pageAt = new Map<number, number>();
  for (let p = 0; p < pages.byteOffsets.length; p++) pageAt.set(pages.byteOffsets[p]!, p);
  let offset: bigint | undefined;
  // A row past the first audio page (whose start may be trimmed) that ends a packet.
  for (let r = 1; r < index.pageCount && offset === undefined; r++) {
    const p = pageAt.get(rows.byteOffset[r]!);
    if (p === undefined) return null;
    const granule = pages.granules[p]!;
    if (rows.packetCount[r]! > 0 && granule !== -1n && rows.startSample[r]! > 0) {
      offset = granule - BigInt(rows.endSample[r]!);
    }
  }
  if (offset === undefined) return null;
  const endSamples = new Float64Array(pages.byteOffsets.length);
  let last = 0;
  for (let p = 0; p < endSamples.length; p++) {
    const granule = pages.granules[p]!;
    if (granule !== -1n) last = Number(granule - offset);
    endSamples[p] = last;
  }
  return { byteOffsets: pages.byteOffsets, endSamples };
}

/** The bytes to read first with the pages walked: to the end of the second page that ends audio (granule above 0), and from the third-to-last page on. */
function walkedEnds(pages: NonNullable<SparseIndexOptions["pages"]>, size: number): { head: number; tail: number } {
  const count = pages.byteOffsets.length;
  let head = size;
  for (let p = 0, audio = 0; p < count; p++) {
    if (pages.granules[p]! > 0n && ++audio === 2) {
      head = p + 1 < count ? pages.byteOffsets[p + 1]! : size;
      break;
    }
  }
  return { head, tail: count === 0 ? 0 : pages.byteOffsets[Math.max(0, count - 3)]! };
}

/** The first page whose end sample is above `sample` (binary search; ends never run back). */
function firstPageEndingAfter(ends: Float64Array, sample: number): number {
  let low = 0;
  let high = ends.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ends[mid]! <= sample) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** What to read next for `range` to be decodable from the bytes read; nothing when it is. */
function toRead(
  index: OpusIndex,
  fetched: FetchedBytes,
  range: SampleRange,
  preRollSamples: number,
  chunk: number,
  size: number,
  walked?: WalkedPageEnds,
): ByteSpan[] {
  const { startSample, endSample } = range;
  // A range the recording does not hold is for extraction to refuse, with its own words.
  if (!(startSample >= 0 && startSample < endSample && endSample <= index.totalSamples)) return [];
  try {
    const plan = index.locate(startSample, endSample, { preRollSamples });
    if (plan.problems.length === 0 && fetched.slice(plan.byteOffset, plan.byteLength) !== undefined) return [];
  } catch (error) {
    if (!(error instanceof OpusError)) throw error;
  }
  const rows = index.rows;
  const needStart = Math.max(0, startSample - preRollSamples);
  if (walked !== undefined) {
    // From the last page that ends by the pre-roll's start (where the first packet's start
    // is known) to the first page that starts after the range's end.
    const { byteOffsets, endSamples } = walked;
    const before = firstPageEndingAfter(endSamples, needStart) - 1;
    const after = firstPageEndingAfter(endSamples, endSample) + 1;
    const from = before < 0 ? 0 : byteOffsets[before]!;
    const to = after + 1 >= byteOffsets.length ? size : byteOffsets[after + 1]!;
    const spans = fetched.missing(from, to);
    // All read and still not placed: the reads below decide, as without a walk.
    if (spans.length > 0) return spans;
  }
  // The rows around what is needed: the last that ends by its start, the first that starts after its end.
  let before = -1;
  let after = -1;
  for (let r = 0; r < index.pageCount; r++) {
    if (rows.endSample[r]! <= needStart && rows.packetCount[r]! > 0) before = r;
    if (after < 0 && rows.startSample[r]! > endSample) after = r;
  }
  const from = before < 0 ? 0 : rows.byteOffset[before]!;
  const to = after < 0 ? size : rows.byteOffset[after]! + rows.byteLength[after]!;
  const spans: ByteSpan[] = [];
  for (const gap of fetched.missing(from, to)) {
    if (gap.end - gap.start <= FILL_FACTOR * chunk) {
      spans.push(gap);
      continue;
    }
    // The samples the unread bytes hold, between the rows on either side of them.
    let left = -1;
    let right = -1;
    for (let r = 0; r < index.pageCount; r++) {
      if (rows.byteOffset[r]! + rows.byteLength[r]! <= gap.start) left = r;
      if (right < 0 && rows.byteOffset[r]! >= gap.end) right = r;
    }
    const spanStart = left < 0 ? 0 : rows.endSample[left]!;
    const spanEnd = right < 0 ? index.totalSamples : rows.startSample[right]!;
    const at = (sample: number) => {
      const share = spanEnd > spanStart ? (sample - spanStart) / (spanEnd - spanStart) : 0.5;
      return gap.start + Math.round(Math.min(1, Math.max(0, share)) * (gap.end - gap.start));
    };
    const a = needStart > spanStart ? at(needStart) - chunk / 2 : gap.start;
    const b = endSample < spanEnd ? at(endSample) + chunk / 2 : gap.end;
    spans.push({ start: Math.max(gap.start, Math.floor(a)), end: Math.min(gap.end, Math.ceil(b)) });
  }
  return spans;
}

/** Spans sorted and joined where they overlap or lie less than a chunk apart (one request for both). */
function coalesce(spans: ByteSpan[], chunk: number): ByteSpan[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: ByteSpan[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s.start <= last.end + chunk) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/** The file, with the bytes already read served from memory. */
function fetchedSource(source: ByteSource, fetched: FetchedBytes): ByteSource {
  return {
    size: source.size,
    read: async (byteOffset, byteLength, signal) =>
      fetched.slice(byteOffset, Math.max(0, Math.min(byteLength, source.size - byteOffset))) ??
      source.read(byteOffset, byteLength, signal),
  };
}
