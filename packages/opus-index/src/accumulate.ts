import { assemblePackets, type OggErrorCode, readPages } from "@granule/ogg-pages";
import { OpusError, type OpusErrorCode } from "./errors.ts";
import type { IndexProblem, OpusIndexData, OpusLink, PageRows } from "./index-data.ts";
import { describeStart, hasMagic, parseOpusHead } from "./opus-head.ts";
import { parseOpusTags } from "./opus-tags.ts";
import { OPEN_END } from "./scan-batch.ts";
import type { PageTable } from "./stitch.ts";

const OPUS_HEAD = [0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64];
const BOS = 0x02;
const EOS = 0x04;
const CONTINUED = 0x01;

export interface AccumulateOptions {
  /** Index this stream only; by default the first Opus stream of every link. */
  serial?: number | undefined;
  strict: boolean;
  /** Reads bytes of the file (for header packets). */
  read: (byteOffset: number, byteLength: number) => Promise<Uint8Array>;
  /** Byte ranges outside every valid page, with the reason their first byte is not a page. */
  damagedRanges: { byteOffset: number; byteLength: number; reason: OggErrorCode }[];
}

interface LinkPlan {
  serial: number;
  /** Page indices (into the table) of this stream, in order. */
  pages: number[];
}

/**
 * Phase 3 of indexing, sequential: finds the links and their Opus stream, reads and checks the
 * header packets, and lays every audio packet on the timeline from TOC durations and page
 * granules (pre-skip, start offset, end trim, granule -1 pages, continued packets, holes).
 */
export async function accumulate(
  table: PageTable,
  byteLength: number,
  options: AccumulateOptions,
): Promise<OpusIndexData> {
  if (table.pageCount === 0) {
    throw new OpusError("not-ogg", `no valid Ogg page in ${byteLength} bytes: this is not an Ogg file`, {
      byteOffset: 0,
    });
  }
  const problems: IndexProblem[] = [];
  const report = (problem: IndexProblem): void => {
    if (options.strict) {
      throw new OpusError(problem.code, problem.message, {
        byteOffset: problem.byteOffset,
        startSample: problem.startSample,
        endSample: problem.endSample,
      });
    }
    problems.push(problem);
  };
  for (const range of options.damagedRanges) {
    report({
      code: "damaged-bytes",
      message: `${range.byteLength} bytes belong to no valid page (${range.reason})`,
      byteOffset: range.byteOffset,
      byteLength: range.byteLength,
      startSample: 0,
      endSample: 0,
    });
  }

  const plans = await planLinks(table, options);
  const builder = new RowBuilder(table);
  const links: OpusLink[] = [];
  let firstSample = 0;
  for (const plan of plans) {
    const link = await readHeaders(table, plan, options.read);
    const laid = builder.addLink(plan.pages, link.headerPageCount);
    const sampleCount = Math.max(0, laid.endGranule - laid.startGranule - link.head.preSkip);
    const shift = firstSample - laid.startGranule - link.head.preSkip;
    builder.toTimeline(laid.firstRow, shift, links.length);
    links.push({
      serial: plan.serial,
      head: link.head,
      tags: link.tags,
      preSkip: link.head.preSkip,
      startGranule: laid.startGranule,
      endGranule: laid.endGranule,
      firstSample,
      sampleCount,
      firstPage: laid.firstRow,
      pageCount: builder.rowCount - laid.firstRow,
      headerByteOffset: link.headerByteOffset,
      headerByteLength: link.headerByteLength,
    });
    for (const problem of laid.problems) {
      report({ ...problem, startSample: problem.startSample + shift, endSample: problem.endSample + shift });
    }
    firstSample += sampleCount;
  }
  const rows = builder.finish();
  // Damaged byte ranges sit on the timeline where the next row starts.
  for (const problem of problems) {
    if (problem.code !== "damaged-bytes") continue;
    const next = firstRowAtOrAfter(rows, problem.byteOffset + problem.byteLength);
    const sample = next < rows.byteOffset.length ? Math.max(0, rows.startSample[next]!) : firstSample;
    problem.startSample = sample;
    problem.endSample = sample;
  }
  problems.sort((a, b) => a.byteOffset - b.byteOffset);
  return { byteLength, totalSamples: firstSample, links, problems, rows, packetSamples: builder.packetSamples() };
}

function firstRowAtOrAfter(rows: PageRows, byteOffset: number): number {
  let low = 0;
  let high = rows.byteOffset.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (rows.byteOffset[mid]! < byteOffset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Groups pages into links (runs of BOS pages and what follows) and picks each link's Opus stream. */
async function planLinks(table: PageTable, options: AccumulateOptions): Promise<LinkPlan[]> {
  const found: string[] = [];
  const plans: LinkPlan[] = [];
  let link: { bos: number[]; start: number } | undefined;
  const groups: { bos: number[]; start: number; end: number }[] = [];
  for (let i = 0; i < table.pageCount; i++) {
    const isBos = (table.flags[i]! & BOS) !== 0;
    if (isBos && (link === undefined || !(table.flags[i - 1]! & BOS))) {
      if (link !== undefined) groups.push({ ...link, end: i });
      link = { bos: [], start: i };
    }
    if (isBos) link!.bos.push(i);
  }
  if (link !== undefined) groups.push({ ...link, end: table.pageCount });

  for (const group of groups) {
    let chosen: number | undefined;
    for (const page of group.bos) {
      const serial = table.serial[page]!;
      if (options.serial !== undefined && serial !== options.serial) continue;
      const body = await pageBody(table, page, options.read);
      if (hasMagic(body, OPUS_HEAD)) {
        chosen = serial;
        break;
      }
      found.push(`serial ${serial} at byte ${table.byteOffset[page]} holds ${describeStart(body)}`);
      if (options.serial !== undefined) {
        throw new OpusError(
          "no-such-stream",
          `stream ${serial} is not an Opus stream: it holds ${describeStart(body)}`,
          {
            byteOffset: table.byteOffset[page]!,
          },
        );
      }
    }
    if (chosen === undefined) continue;
    const pages: number[] = [];
    for (let i = group.start; i < group.end; i++) if (table.serial[i] === chosen) pages.push(i);
    plans.push({ serial: chosen, pages });
    if (options.serial !== undefined) break;
  }
  if (plans.length === 0) {
    if (options.serial !== undefined) {
      throw new OpusError("no-such-stream", `no stream with serial ${options.serial} starts in this file`);
    }
    const what = found.length > 0 ? `found ${found.join("; ")}` : "no stream begins (no BOS page)";
    throw new OpusError("no-opus-stream", `no Opus stream in this Ogg file: ${what}`, { byteOffset: 0 });
  }
  return plans;
}

async function pageBody(
  table: PageTable,
  page: number,
  read: (byteOffset: number, byteLength: number) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const bytes = await read(table.byteOffset[page]!, table.byteLength[page]!);
  for (const parsed of readPages(bytes)) return parsed.body;
  return new Uint8Array(0);
}

/** Reads the OpusHead and OpusTags packets of a link (tags may span pages). */
async function readHeaders(
  table: PageTable,
  plan: LinkPlan,
  read: (byteOffset: number, byteLength: number) => Promise<Uint8Array>,
) {
  const first = plan.pages[0]!;
  const headerByteOffset = table.byteOffset[first]!;
  let ended = 0;
  let headerPageCount = 0;
  for (const page of plan.pages) {
    headerPageCount++;
    ended += table.packetEnds[page]!;
    if (ended >= 2) break;
  }
  const lastHeaderPage = plan.pages[headerPageCount - 1]!;
  const headerByteLength = table.byteOffset[lastHeaderPage]! + table.byteLength[lastHeaderPage]! - headerByteOffset;
  const bytes = await read(headerByteOffset, headerByteLength);
  const packets = [...assemblePackets(readPages(bytes))].filter((p) => p.serial === plan.serial);
  const at = { byteOffset: headerByteOffset };
  const head = withOffset(() => parseOpusHead(packets[0]!.data), at);
  if (packets.length < 2 || ended < 2) {
    throw new OpusError(
      "missing-tags",
      `stream ${plan.serial} ends after its OpusHead: there is no OpusTags packet`,
      at,
    );
  }
  const tagsPacket = packets[1]!.data;
  if (!hasMagic(tagsPacket, [0x4f, 0x70, 0x75, 0x73, 0x54, 0x61, 0x67, 0x73])) {
    throw new OpusError(
      "missing-tags",
      `stream ${plan.serial}: the packet after OpusHead should be OpusTags but is ${describeStart(tagsPacket)}`,
      { byteOffset: table.byteOffset[plan.pages[Math.min(1, plan.pages.length - 1)]!]! },
    );
  }
  const tags = withOffset(() => parseOpusTags(tagsPacket), { byteOffset: table.byteOffset[lastHeaderPage]! });
  if (ended > 2 || table.flags[lastHeaderPage]! & OPEN_END) {
    throw new OpusError("bad-header-pages", `stream ${plan.serial}: audio packets share a page with OpusTags`, {
      byteOffset: table.byteOffset[lastHeaderPage]!,
    });
  }
  return { head, tags, headerPageCount, headerByteOffset, headerByteLength };
}

function withOffset<T>(parse: () => T, at: { byteOffset: number }): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof OpusError) {
      throw new OpusError(error.code, error.message, { byteOffset: at.byteOffset, cause: error });
    }
    throw error;
  }
}

interface LaidLink {
  firstRow: number;
  startGranule: number;
  endGranule: number;
  /** Problems with sample ranges in the link's granule domain, converted by the caller. */
  problems: IndexProblem[];
}

/** A run of packets with no hole inside, laid relative to a base that a page granule fixes. */
interface Segment {
  firstRow: number;
  /** Where the segment's first packet starts, from its first granule; NaN if it has none. */
  granuleBase: number;
  /** Whether the page that gave `granuleBase` is the last page (RFC 7845 §4.5 end trimming). */
  anchoredOnEos: boolean;
  /** End of its last packet, relative to the base. */
  endRelative: number;
  /** Why it starts (after a hole), with the bytes concerned. */
  hole: { message: string; byteOffset: number; byteLength: number } | undefined;
  base: number;
}

interface PendingProblem {
  problem: IndexProblem;
  segment: number;
}

/**
 * Builds the rows and packet list.
 *
 * Packets are laid one after another by their TOC durations within a segment: a run with no
 * hole. A segment's base is fixed by its first page granule: the last packet ending on that
 * page ends at the granule (RFC 7845 §4); later granules only check the durations. A hole
 * (missing pages, a broken continuation) drops the packet it broke and starts a new segment.
 * The broken packet is always the last to start on its page, so the packets of a row stay
 * contiguous. Positions are in the link's granule domain until `toTimeline`.
 */
class RowBuilder {
  rowCount = 0;
  private capacity = 64;
  private rows: PageRows = allocateRows(64);
  /** Durations of the packets so far: a growable typed array, as there are ~180,000 an hour. */
  private durations = new Uint16Array(1024);
  private packetTotal = 0;

  constructor(private readonly table: PageTable) {}

  addLink(pages: number[], headerPageCount: number): LaidLink {
    const table = this.table;
    const firstRow = this.rowCount;
    const pending: PendingProblem[] = [];
    const segments: Segment[] = [];
    const rowSegment: number[] = [];
    const newSegment = (hole: Segment["hole"]) => {
      segments.push({
        firstRow: this.rowCount,
        granuleBase: Number.NaN,
        anchoredOnEos: false,
        endRelative: 0,
        hole,
        base: 0,
      });
    };
    newSegment(undefined);
    const note = (code: OpusErrorCode, message: string, byteOffset: number, byteLength: number, at: number) => {
      const problem = { code, message, byteOffset, byteLength, startSample: at, endSample: at };
      pending.push({ problem, segment: segments.length - 1 });
    };

    let position = 0; // start of the next packet, relative to the segment base
    let lastEnd = 0; // end of the last packet that ended, relative to the segment base
    let open = -1; // row of the packet left open by the previous page, -1 if none
    let openDuration = 0;
    let drift = 0;
    let endGranule = Number.NaN;
    const lastHeader = pages[headerPageCount - 1]!;
    let expectedSequence = (table.sequence[lastHeader]! + 1) >>> 0;
    let previousEnd = table.byteOffset[lastHeader]! + table.byteLength[lastHeader]!;
    let sawEos = (table.flags[lastHeader]! & EOS) !== 0;

    const dropOpen = () => {
      if (open < 0) return;
      this.rows.packetCount[open]!--;
      this.packetTotal--;
      position -= openDuration;
      open = -1;
    };
    const breakSegment = (message: string, byteOffset: number, byteLength: number) => {
      dropOpen();
      segments[segments.length - 1]!.endRelative = lastEnd;
      newSegment({ message, byteOffset, byteLength });
      position = 0;
      lastEnd = 0;
      drift = 0;
    };

    for (let p = headerPageCount; p < pages.length; p++) {
      const page = pages[p]!;
      const flags = table.flags[page]!;
      const pageOffset = table.byteOffset[page]!;
      const pageLength = table.byteLength[page]!;
      const sequence = table.sequence[page]!;
      if (sequence !== expectedSequence) {
        const missing = (sequence - expectedSequence) >>> 0;
        breakSegment(
          `${missing} page(s) of stream ${table.serial[page]} missing before page ${sequence}`,
          previousEnd,
          pageOffset - previousEnd,
        );
      } else if (flags & CONTINUED && open < 0) {
        breakSegment(`page ${sequence} continues a packet that never started`, pageOffset, pageLength);
      } else if (!(flags & CONTINUED) && open >= 0) {
        breakSegment(`page ${sequence} does not continue the packet left open before it`, pageOffset, pageLength);
      }
      expectedSequence = (sequence + 1) >>> 0;
      previousEnd = pageOffset + pageLength;
      if (flags & EOS) sawEos = true;

      const starts = table.packetStarts[page]!;
      const ends = table.packetEnds[page]!;
      const leadingEnds = flags & CONTINUED && ends > 0 ? 1 : 0;
      if (leadingEnds && open >= 0) {
        lastEnd = position;
        open = -1;
      }
      const row = this.pushRow(page, position, starts);
      rowSegment.push(segments.length - 1);
      const durationAt = table.durationStart[page]!;
      for (let i = 0; i < starts; i++) {
        const duration = table.durations[durationAt + i]!;
        if (duration === 0) {
          note(
            "bad-packet",
            `packet ${i} of page ${sequence} has no valid TOC duration`,
            pageOffset,
            pageLength,
            position,
          );
        }
        this.pushDuration(duration);
        position += duration;
        if (i < ends - leadingEnds) lastEnd = position;
      }
      if (starts > 0) {
        open = flags & OPEN_END ? row : -1;
        openDuration = table.durations[durationAt + starts - 1]!;
      }
      this.rows.endSample[row] = lastEnd;

      const granuleBig = table.granule[page]!;
      if (granuleBig === -1n || ends === 0) continue;
      if (granuleBig > 9007199254740991n || granuleBig < -9007199254740991n) {
        throw new OpusError("bad-granule", `page ${sequence} granule ${granuleBig} is beyond 2^53`, {
          byteOffset: pageOffset,
        });
      }
      const granule = Number(granuleBig);
      endGranule = granule;
      const segment = segments[segments.length - 1]!;
      if (Number.isNaN(segment.granuleBase)) {
        segment.granuleBase = granule - lastEnd;
        segment.anchoredOnEos = (flags & EOS) !== 0;
      } else if (
        granule - lastEnd - segment.granuleBase !== drift &&
        !(flags & EOS && granule < lastEnd + segment.granuleBase)
      ) {
        // (A last page whose granule falls short of its packets is end trimming, RFC 7845 §4.5.)
        const off = granule - lastEnd - segment.granuleBase - drift;
        note(
          "bad-granule",
          `page ${sequence} granule ${granule} is ${off} samples off the packet durations`,
          pageOffset,
          pageLength,
          lastEnd,
        );
        drift = granule - lastEnd - segment.granuleBase;
      }
    }
    dropOpen(); // a packet still open when the stream ends cannot be decoded
    segments[segments.length - 1]!.endRelative = lastEnd;
    if (!sawEos) {
      note(
        "truncated",
        `stream ${table.serial[pages[0]!]} has no end-of-stream page: the file may be cut short`,
        previousEnd,
        0,
        lastEnd,
      );
    }

    // Fix each segment's base, from the first one on.
    const problems: IndexProblem[] = [];
    const first = segments[0]!;
    if (Number.isNaN(first.granuleBase)) {
      if (pages.length > headerPageCount) {
        problems.push(
          problemAt("bad-granule", "no audio page of the stream carries a granule position", pages, table, 0),
        );
      }
      first.base = 0;
    } else if (first.granuleBase < 0) {
      // A first granule smaller than the samples ending on its page: valid only on the last page.
      if (!first.anchoredOnEos) {
        problems.push(
          problemAt(
            "bad-granule",
            "the first granule is smaller than the samples that end on its page",
            pages,
            table,
            0,
          ),
        );
      }
      first.base = 0;
    } else {
      first.base = first.granuleBase;
    }
    for (let k = 1; k < segments.length; k++) {
      const segment = segments[k]!;
      const previous = segments[k - 1]!;
      const previousEndSample = previous.base + previous.endRelative;
      const hole = segment.hole!;
      let base = segment.granuleBase;
      if (Number.isNaN(base)) base = previousEndSample;
      if (base < previousEndSample) {
        problems.push({
          code: "bad-granule",
          message: `${hole.message}; the granule after it lies ${previousEndSample - base} samples before the end of the packets before it`,
          byteOffset: hole.byteOffset,
          byteLength: hole.byteLength,
          startSample: previousEndSample,
          endSample: previousEndSample,
        });
        base = previousEndSample;
      } else {
        problems.push({
          code: "hole",
          message: hole.message,
          byteOffset: hole.byteOffset,
          byteLength: hole.byteLength,
          startSample: previousEndSample,
          endSample: base,
        });
      }
      segment.base = base;
    }
    for (let r = firstRow; r < this.rowCount; r++) {
      const base = segments[rowSegment[r - firstRow]!]!.base;
      this.rows.startSample[r]! += base;
      this.rows.endSample[r]! += base;
    }
    for (const { problem, segment } of pending) {
      const base = segments[segment]!.base;
      problems.push({ ...problem, startSample: problem.startSample + base, endSample: problem.endSample + base });
    }
    const startGranule = first.base;
    const last = segments[segments.length - 1]!;
    if (Number.isNaN(endGranule)) endGranule = last.base + last.endRelative;
    return { firstRow, startGranule, endGranule: Math.max(endGranule, startGranule), problems };
  }

  /** Converts the rows of a finished link from its granule domain to the timeline. */
  toTimeline(from: number, delta: number, link: number): void {
    for (let r = from; r < this.rowCount; r++) {
      this.rows.startSample[r]! += delta;
      this.rows.endSample[r]! += delta;
      this.rows.link[r] = link;
    }
  }

  private pushRow(page: number, startSample: number, packetCount: number): number {
    if (this.rowCount === this.capacity) {
      this.capacity *= 2;
      this.rows = growRows(this.rows, this.capacity);
    }
    const r = this.rowCount++;
    const table = this.table;
    this.rows.byteOffset[r] = table.byteOffset[page]!;
    this.rows.byteLength[r] = table.byteLength[page]!;
    this.rows.granule[r] = table.granule[page]!;
    this.rows.startSample[r] = startSample;
    this.rows.endSample[r] = startSample;
    this.rows.packetStart[r] = this.packetTotal;
    this.rows.packetCount[r] = packetCount;
    this.rows.flags[r] = table.flags[page]!;
    return r;
  }

  finish(): PageRows {
    return growRows(this.rows, this.rowCount);
  }

  packetSamples(): Uint16Array {
    return this.durations.slice(0, this.packetTotal);
  }

  private pushDuration(duration: number): void {
    if (this.packetTotal === this.durations.length) {
      const grown = new Uint16Array(this.durations.length * 2);
      grown.set(this.durations);
      this.durations = grown;
    }
    this.durations[this.packetTotal++] = duration;
  }
}

function problemAt(
  code: OpusErrorCode,
  message: string,
  pages: number[],
  table: PageTable,
  sample: number,
): IndexProblem {
  const page = pages[0]!;
  return { code, message, byteOffset: table.byteOffset[page]!, byteLength: 0, startSample: sample, endSample: sample };
}

export function allocateRows(n: number): PageRows {
  return {
    byteOffset: new Float64Array(n),
    byteLength: new Uint32Array(n),
    granule: new BigInt64Array(n),
    startSample: new Float64Array(n),
    endSample: new Float64Array(n),
    packetStart: new Uint32Array(n),
    packetCount: new Uint16Array(n),
    flags: new Uint8Array(n),
    link: new Uint16Array(n),
  };
}

function growRows(rows: PageRows, n: number): PageRows {
  const next = allocateRows(n);
  for (const key of Object.keys(rows) as (keyof PageRows)[]) {
    const from = rows[key];
    (next[key] as typeof from).set(from.subarray(0, Math.min(n, from.length)) as never);
  }
  return next;
}
