import { assemblePackets, type OggErrorCode, readPages } from "@granule/ogg-pages";
import { OpusError } from "./errors.ts";
import type { HeaderPage, IndexProblem, OpusIndexData, OpusLink, PageRows } from "./index-data.ts";
import { describeStart, hasMagic, parseOpusHead } from "./opus-head.ts";
import { parseOpusTags } from "./opus-tags.ts";
import { selectPages } from "./page-selection.ts";
import { RowBuilder } from "./row-builder.ts";
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
  /** Reads bytes of the file (for header packets, and to compare repeated pages). */
  read: (byteOffset: number, byteLength: number) => Promise<Uint8Array>;
  /** Byte ranges outside every valid page, with the reason their first byte is not a page. */
  damagedRanges: { byteOffset: number; byteLength: number; reason: OggErrorCode }[];
}

interface LinkPlan {
  serial: number;
  /** Page indices (into the table) of this stream, in order. */
  pages: number[];
}

/** Problems that sit between rows rather than on samples: placed where the next row starts. */
const BETWEEN_ROWS = new Set(["damaged-bytes", "duplicate-page", "misplaced-page"]);

/**
 * Phase 3 of indexing, sequential: finds the links and their Opus stream, chooses each
 * stream's pages (leaving out repeated and misplaced ones), reads and checks the header
 * packets, and lays every audio packet on the timeline from TOC durations and page granules
 * (pre-skip, start offset, end trim, granule -1 pages, continued packets, holes, granules that
 * disagree).
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
    const selection = await selectPages(table, plan.pages, options.read);
    for (const problem of selection.problems) report(problem);
    if (selection.pages[0] !== plan.pages[0]) {
      // The page selection distrusted the stream's first page (another page claims its
      // sequence number): without it there is no OpusHead to read.
      const bosOffset = table.byteOffset[plan.pages[0]!]!;
      const why = selection.problems.find((p) => p.byteOffset === bosOffset) ?? selection.problems[0];
      throw new OpusError(
        "bad-header-pages",
        `stream ${plan.serial}: its first page, which holds the OpusHead, cannot be used${why === undefined ? "" : `: ${why.message}`}`,
        { byteOffset: bosOffset },
      );
    }
    const link = await readHeaders(table, { serial: plan.serial, pages: selection.pages }, options.read);
    const laid = builder.addLink(selection.pages, link.headerPageCount, {
      link: links.length,
      serial: plan.serial,
      preSkip: link.head.preSkip,
      firstSample,
    });
    links.push({
      serial: plan.serial,
      head: link.head,
      tags: link.tags,
      preSkip: link.head.preSkip,
      startGranule: laid.startGranule,
      endGranule: laid.endGranule,
      firstSample,
      sampleCount: laid.sampleCount,
      firstPage: laid.firstRow,
      pageCount: builder.rowCount - laid.firstRow,
      headerByteOffset: link.headerByteOffset,
      headerByteLength: link.headerByteLength,
      headerPages: link.headerPages,
    });
    for (const problem of laid.problems) report(problem);
    firstSample += laid.sampleCount;
  }
  const rows = builder.finish();
  for (const problem of problems) {
    if (BETWEEN_ROWS.has(problem.code)) {
      // Bytes that are no row's sit on the timeline where the next row starts.
      const next = firstRowAtOrAfter(rows, problem.byteOffset + problem.byteLength);
      const sample = next < rows.byteOffset.length ? rows.startSample[next]! : firstSample;
      problem.startSample = sample;
      problem.endSample = sample;
    }
    // Samples before the first or after the last are on no timeline.
    problem.startSample = Math.min(firstSample, Math.max(0, problem.startSample));
    problem.endSample = Math.min(firstSample, Math.max(problem.startSample, problem.endSample));
  }
  problems.sort((a, b) => a.byteOffset - b.byteOffset || a.startSample - b.startSample || a.endSample - b.endSample);
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
  // A link starts at a BOS page that follows a page of another kind, unless that BOS page
  // belongs to a stream of the current link that has not ended: then it is a repeated page.
  let link: { bos: number[]; start: number; seen: Set<number>; open: Set<number> } | undefined;
  const groups: { bos: number[]; start: number; end: number }[] = [];
  for (let i = 0; i < table.pageCount; i++) {
    const flags = table.flags[i]!;
    const serial = table.serial[i]!;
    const isBos = (flags & BOS) !== 0;
    if (isBos && (link === undefined || (!(table.flags[i - 1]! & BOS) && !link.open.has(serial)))) {
      if (link !== undefined) groups.push({ bos: link.bos, start: link.start, end: i });
      link = { bos: [], start: i, seen: new Set(), open: new Set() };
    }
    if (link === undefined) continue;
    if (isBos && !link.seen.has(serial)) {
      link.bos.push(i);
      link.seen.add(serial);
      link.open.add(serial);
    }
    if (flags & EOS) link.open.delete(serial);
  }
  if (link !== undefined) groups.push({ bos: link.bos, start: link.start, end: table.pageCount });

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

/** Reads the OpusHead and OpusTags packets of a link (tags may span pages) from its chosen pages. */
async function readHeaders(
  table: PageTable,
  plan: LinkPlan,
  read: (byteOffset: number, byteLength: number) => Promise<Uint8Array>,
) {
  const first = plan.pages[0]!;
  const headerByteOffset = table.byteOffset[first]!;
  const at = { byteOffset: headerByteOffset };
  if (table.flags[first]! & CONTINUED) {
    throw new OpusError(
      "bad-header-pages",
      `the first page of stream ${plan.serial} claims to continue a packet from before the stream began (its continued flag is set), so it cannot hold the OpusHead`,
      at,
    );
  }
  let ended = 0;
  let headerPageCount = 0;
  for (const page of plan.pages) {
    headerPageCount++;
    ended += table.packetEnds[page]!;
    if (ended >= 2) break;
  }
  const headerPages: HeaderPage[] = plan.pages.slice(0, headerPageCount).map((page) => ({
    byteOffset: table.byteOffset[page]!,
    byteLength: table.byteLength[page]!,
    crc: table.crc[page]!,
  }));
  const lastHeaderPage = plan.pages[headerPageCount - 1]!;
  const headerByteLength = table.byteOffset[lastHeaderPage]! + table.byteLength[lastHeaderPage]! - headerByteOffset;
  const bytes = await read(headerByteOffset, headerByteLength);
  // Only the chosen pages: a repeated header page in between must not count twice.
  const chosen = new Set(headerPages.map((p) => p.byteOffset - headerByteOffset));
  const pages = [...readPages(bytes)].filter((p) => chosen.has(p.byteOffset));
  const packets = [...assemblePackets(pages)].filter((p) => p.serial === plan.serial);
  if (packets.length === 0) {
    throw new OpusError("bad-header-pages", `stream ${plan.serial}: its header pages hold no whole packet`, at);
  }
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
  return { head, tags, headerPageCount, headerByteOffset, headerByteLength, headerPages };
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
