import type { OpusErrorCode } from "./errors.ts";
import type { IndexProblem } from "./index-data.ts";
import { allocateRows, type PageRows, resizeRows, viewRows } from "./page-columns.ts";
import { OPEN_END } from "./scan-batch.ts";
import type { PageTable } from "./stitch.ts";

const EOS = 0x04;
const CONTINUED = 0x01;
const MAX_SAFE_GRANULE = BigInt(Number.MAX_SAFE_INTEGER);

/** What a link needs to be placed on the timeline. */
export interface LinkPlacement {
  /** The link's index among the links. */
  link: number;
  serial: number;
  preSkip: number;
  /** Timeline sample where the link's first sample after pre-skip goes. */
  firstSample: number;
}

export interface LaidLink {
  firstRow: number;
  /** Where the link's first packet starts, on its granule scale. */
  startGranule: number;
  /** Where the link ends (after end trimming), on the same scale. */
  endGranule: number;
  sampleCount: number;
  /** Problems, on the timeline, their samples within the link's. */
  problems: IndexProblem[];
}

/** A page that ends a packet and carries a usable granule: it says where that packet ends. */
interface Anchor {
  row: number;
  sequence: number;
  byteOffset: number;
  byteLength: number;
  /** End of the last packet ending on the page, relative to its segment. */
  relEnd: number;
  /** End of the packets that ended before this page, relative to its segment. */
  relBefore: number;
  /** End of the last packet that starts on the page (it may end on a later one), or `relEnd`. */
  relReach: number;
  granule: number;
  eos: boolean;
}

/** Two anchors in a row of a segment that disagree, and the later pages agree with the second. */
interface Step {
  from: Anchor;
  to: Anchor;
  /** Granule minus packets of `to`, less that of `from`: positive when the granules jump forward. */
  jump: number;
  /** The segment's shift before the step (after it, `jump` more when it is forward). */
  shiftBefore: number;
}

/** A run of packets with no hole inside: positions are relative to its start until it is placed. */
interface Segment {
  firstRow: number;
  /** End of its last packet that ended, relative. */
  endRelative: number;
  /** Why it starts (after a hole), with the bytes concerned. */
  hole: { message: string; byteOffset: number; byteLength: number } | undefined;
  anchors: Anchor[];
  /** Where relative 0 lies on the link's granule scale by the anchors used; NaN when none is. */
  granuleBase: number;
  /** The first anchor used, if any. */
  firstUsed: Anchor | undefined;
  /** From `fromRow` on, rows lie `shift` samples later than their packets say (forward steps). */
  shifts: { fromRow: number; shift: number }[];
  steps: Step[];
  /** Samples the last page trims from the end (RFC 7845 §4.5); last segment only. */
  endTrim: number;
  /** Where relative 0 lies on the link's granule scale, once placed. */
  base: number;
  /** Its only anchor is the stream's last page, whose end trimming may hide where it starts. */
  placedByLastPageOnly: boolean;
}

/** A problem whose message may still need its (clamped) samples. */
type PendingProblem = Omit<IndexProblem, "message"> & {
  message: string | ((startSample: number, endSample: number) => string);
};

interface Note {
  code: OpusErrorCode;
  /** The message, or how to write it from the timeline samples the note refuses. */
  message: string | ((startSample: number, endSample: number) => string);
  byteOffset: number;
  byteLength: number;
  segment: number;
  row: number;
  /** Position relative to the segment, and the end of the samples refused (`at` when none are). */
  at: number;
  to: number;
}

/** Arrays at most 1/n spare are kept as views of the first rows (the spare bytes held too). */
const SPARE_SHARE_KEPT = 64;

/**
 * Builds the rows and packet list, link by link.
 *
 * Packets are laid one after another by their TOC durations within a segment: a run with no
 * hole. A page that ends a packet and carries a granule is an anchor: by RFC 7845 §4 its last
 * ending packet ends at the granule. Anchors that agree with their neighbours place the
 * segment; one that agrees with neither neighbour while the others agree is a wrong granule
 * and is ignored. Where consecutive anchors disagree and the later pages confirm the new value,
 * the samples between them cannot be placed exactly: a jump forward places the later packets by
 * granule (samples are missing somewhere before them), a jump back cannot (the timeline does not
 * run backwards) and keeps the packets' positions; either way the samples between the two
 * anchors become a problem with a sample range, which extraction refuses like a hole.
 *
 * A hole (missing pages, a broken continuation) drops the packet it broke and starts a new
 * segment, placed by its own granules. The broken packet is always the last to start on its
 * page, so the packets of a row stay contiguous.
 */
export class RowBuilder {
  rowCount = 0;
  private capacity: number;
  private rows: Required<PageRows>;
  /**
   * Durations of the packets so far (~180,000 an hour). Sized from the table, which holds every
   * packet that starts on a page, so that a clean file's are neither grown nor copied: a 10 h
   * file's 1.8 million would otherwise pass through arrays of 2, 4 and 3.6 MB.
   */
  private durations: Uint16Array;
  private packetTotal = 0;

  constructor(private readonly table: PageTable) {
    // Rows are at most the table's pages, and one per page in a clean file: allocated once.
    this.capacity = Math.max(1, table.pageCount);
    this.rows = allocateRows(this.capacity);
    this.durations = new Uint16Array(Math.max(1, table.durationCount));
  }

  /** Lays out the audio pages `pages[headerPageCount...]` of one link and places them on the timeline. */
  addLink(pages: number[], headerPageCount: number, placement: LinkPlacement): LaidLink {
    const table = this.table;
    const serial = placement.serial;
    const firstRow = this.rowCount;
    const notes: Note[] = [];
    const segments: Segment[] = [];
    const rowSegment: number[] = [];
    const newSegment = (hole: Segment["hole"]) => {
      segments.push({
        firstRow: this.rowCount,
        endRelative: 0,
        hole,
        anchors: [],
        granuleBase: Number.NaN,
        firstUsed: undefined,
        shifts: [],
        steps: [],
        endTrim: 0,
        base: 0,
        placedByLastPageOnly: false,
      });
    };
    newSegment(undefined);
    const note = (
      code: OpusErrorCode,
      message: Note["message"],
      byteOffset: number,
      byteLength: number,
      row: number,
      at: number,
      to = at,
    ) => {
      notes.push({ code, message, byteOffset, byteLength, segment: segments.length - 1, row, at, to });
    };

    let position = 0; // start of the next packet, relative to the segment
    let lastEnd = 0; // end of the last packet that ended, relative to the segment
    let open = -1; // row of the packet left open by the previous page, -1 if none
    let openDuration = 0;
    const lastHeader = pages[headerPageCount - 1]!;
    let previousSequence = table.sequence[lastHeader]!;
    let previousEnd = table.byteOffset[lastHeader]! + table.byteLength[lastHeader]!;
    let sawEos = (table.flags[lastHeader]! & EOS) !== 0;

    const dropOpen = () => {
      if (open < 0) return;
      this.rows.packetCount[open]!--;
      // Its row's last packet now ends on the page: reading on to a later page is not needed.
      this.rows.flags[open]! &= ~OPEN_END;
      this.packetTotal--;
      position -= openDuration;
      // Rows after it only continued the dropped packet (none starts one): they were numbered
      // and placed as if it existed.
      for (let r = open + 1; r < this.rowCount; r++) {
        this.rows.packetStart[r]!--;
        this.rows.startSample[r]! -= openDuration;
      }
      open = -1;
    };
    const breakSegment = (message: string, byteOffset: number, byteLength: number) => {
      dropOpen();
      segments[segments.length - 1]!.endRelative = lastEnd;
      newSegment({ message, byteOffset, byteLength });
      position = 0;
      lastEnd = 0;
    };

    for (let p = headerPageCount; p < pages.length; p++) {
      const page = pages[p]!;
      const flags = table.flags[page]!;
      const pageOffset = table.byteOffset[page]!;
      const pageLength = table.byteLength[page]!;
      const sequence = table.sequence[page]!;
      const expected = (previousSequence + 1) >>> 0;
      if (sequence !== expected) {
        const last = (sequence - 1) >>> 0;
        const which =
          last === expected
            ? `page ${expected} of stream ${serial} is missing`
            : `pages ${expected}-${last} of stream ${serial} are missing`;
        breakSegment(
          `${which} (the stream goes from page ${previousSequence} to page ${sequence})`,
          previousEnd,
          pageOffset - previousEnd,
        );
      } else if (flags & CONTINUED && open < 0) {
        breakSegment(
          `page ${sequence} of stream ${serial} continues a packet that never started`,
          pageOffset,
          pageLength,
        );
      } else if (!(flags & CONTINUED) && open >= 0) {
        breakSegment(
          `page ${sequence} of stream ${serial} does not continue the packet left open before it`,
          pageOffset,
          pageLength,
        );
      }
      previousSequence = sequence;
      previousEnd = pageOffset + pageLength;
      if (flags & EOS) sawEos = true;

      const relBefore = lastEnd;
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
            `packet ${i} of page ${sequence} of stream ${serial} has no valid TOC duration`,
            pageOffset,
            pageLength,
            row,
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

      const granule = table.granule[page]!;
      if (granule === -1n || ends === 0) continue;
      const relReach = Math.max(lastEnd, position);
      if (granule < 0n || granule > MAX_SAFE_GRANULE) {
        // A page whose header cannot be right may not be the stream's page either.
        note(
          "bad-granule",
          (start, end) =>
            `page ${sequence} of stream ${serial} has granule ${granule}, which no Opus stream can have: the page cannot be placed, so its samples ${start}-${end} are refused`,
          pageOffset,
          pageLength,
          row,
          relBefore,
          relReach,
        );
        continue;
      }
      segments[segments.length - 1]!.anchors.push({
        row,
        sequence,
        byteOffset: pageOffset,
        byteLength: pageLength,
        relEnd: lastEnd,
        relBefore,
        relReach,
        granule: Number(granule),
        eos: (flags & EOS) !== 0,
      });
    }
    dropOpen(); // a packet still open when the stream ends cannot be decoded
    segments[segments.length - 1]!.endRelative = lastEnd;
    if (!sawEos) {
      note(
        "truncated",
        `stream ${serial} has no end-of-stream page: the file may be cut short`,
        previousEnd,
        0,
        this.rowCount - 1,
        lastEnd,
      );
    }

    segments.forEach((segment, k) => {
      analyseAnchors(segment, k === segments.length - 1, serial, (anchor, message) =>
        notes.push({
          code: "bad-granule",
          message,
          byteOffset: anchor.byteOffset,
          byteLength: anchor.byteLength,
          segment: k,
          row: anchor.row,
          at: anchor.relBefore,
          to: anchor.relReach,
        }),
      );
    });

    // Place the first segment: it fixes the link's granule scale and so the timeline shift.
    const problems: PendingProblem[] = [];
    const first = segments[0]!;
    if (Number.isNaN(first.granuleBase)) {
      // (An empty first segment is a hole right after the headers: the hole says so.)
      const rowsBeforeHole = (segments[1]?.firstRow ?? this.rowCount) - first.firstRow;
      if (rowsBeforeHole > 0) {
        const message = segments.some((s) => s.firstUsed !== undefined)
          ? `the pages of stream ${serial} before its first hole carry no granule position: their packets are placed from the stream's start`
          : `no audio page of stream ${serial} carries a granule position`;
        problems.push(atPage("bad-granule", message, table, pages[0]!));
      }
      first.base = 0;
    } else if (first.granuleBase < 0) {
      problems.push(
        atPage(
          "bad-granule",
          `the first granule of stream ${serial} is smaller than the samples that end on its page`,
          table,
          pages[0]!,
        ),
      );
      first.base = 0;
    } else {
      first.base = first.granuleBase;
    }
    const startGranule = first.base;
    const toTimeline = placement.firstSample - startGranule - placement.preSkip;
    const endOf = (segment: Segment) => segment.base + shiftAtEnd(segment) + segment.endRelative;

    for (let k = 1; k < segments.length; k++) {
      const segment = segments[k]!;
      const previousEndSample = endOf(segments[k - 1]!);
      const hole = segment.hole!;
      const at = (domain: number) => domain + toTimeline;
      const holeProblem = (code: OpusErrorCode, message: PendingProblem["message"], start: number, end: number) =>
        problems.push({
          code,
          message,
          byteOffset: hole.byteOffset,
          byteLength: hole.byteLength,
          startSample: at(start),
          endSample: at(end),
        });
      if (Number.isNaN(segment.granuleBase)) {
        segment.base = previousEndSample;
        const end = endOf(segment);
        if (end > previousEndSample) {
          holeProblem(
            "hole",
            (a, b) =>
              `${hole.message}; no page after it carries a usable granule, so samples ${a}-${b} cannot be placed and are refused`,
            previousEndSample,
            end,
          );
        } else {
          holeProblem("hole", hole.message, previousEndSample, previousEndSample);
        }
      } else if (segment.placedByLastPageOnly) {
        segment.base = Math.max(previousEndSample, segment.granuleBase);
        holeProblem(
          "hole",
          (a, b) =>
            `${hole.message}; the only page after it is the last, whose granule may also cut off the end, so samples ${a}-${b} cannot be placed exactly and are refused`,
          previousEndSample,
          endOf(segment) - segment.endTrim,
        );
      } else if (segment.granuleBase >= previousEndSample) {
        segment.base = segment.granuleBase;
        const continues = segment.base === previousEndSample ? ", but the granules continue: no samples are lost" : "";
        holeProblem("hole", `${hole.message}${continues}`, previousEndSample, segment.base);
      } else {
        // The granule after the hole lies inside the packets before it: they cannot both be right.
        segment.base = previousEndSample;
        const behind = previousEndSample - segment.granuleBase;
        holeProblem(
          "hole",
          (a, b) =>
            `${hole.message}; the granule after it lies ${behind} samples before the end of the packets before it, so samples ${a}-${b} are refused and the pages after it are placed by their packets`,
          previousEndSample,
          segment.base + segment.firstUsed!.relEnd,
        );
      }
    }

    for (const segment of segments) {
      for (const step of segment.steps) problems.push(stepProblem(step, segment.base + toTimeline, serial));
    }
    for (let r = firstRow; r < this.rowCount; r++) {
      const segment = segments[rowSegment[r - firstRow]!]!;
      const delta = segment.base + shiftAt(segment, r) + toTimeline;
      this.rows.startSample[r]! += delta;
      this.rows.endSample[r]! += delta;
      this.rows.link[r] = placement.link;
    }
    for (const n of notes) {
      const segment = segments[n.segment]!;
      const delta = segment.base + shiftAt(segment, n.row) + toTimeline;
      problems.push({
        code: n.code,
        message: n.message,
        byteOffset: n.byteOffset,
        byteLength: n.byteLength,
        startSample: n.at + delta,
        endSample: n.to + delta,
      });
    }
    const last = segments[segments.length - 1]!;
    const endGranule = Math.max(startGranule, endOf(last) - last.endTrim);
    const sampleCount = Math.max(0, endGranule - startGranule - placement.preSkip);
    // Samples outside the link are on no timeline: clamp, then write the messages with the result.
    const linkEnd = placement.firstSample + sampleCount;
    const clamp = (sample: number) => Math.min(linkEnd, Math.max(placement.firstSample, sample));
    return {
      firstRow,
      startGranule,
      endGranule,
      sampleCount,
      problems: problems.map((p) => {
        const startSample = clamp(p.startSample);
        const endSample = Math.max(startSample, clamp(p.endSample));
        const message = typeof p.message === "string" ? p.message : p.message(startSample, endSample);
        return { ...p, message, startSample, endSample };
      }),
    };
  }

  private pushRow(page: number, startSample: number, packetCount: number): number {
    if (this.rowCount === this.capacity) {
      this.capacity *= 2;
      this.rows = resizeRows(this.rows, this.capacity);
    }
    const r = this.rowCount++;
    const table = this.table;
    const rows = this.rows;
    rows.byteOffset[r] = table.byteOffset[page]!;
    rows.byteLength[r] = table.byteLength[page]!;
    rows.granule[r] = table.granule[page]!;
    rows.startSample[r] = startSample;
    rows.endSample[r] = startSample;
    rows.packetStart[r] = this.packetTotal;
    rows.packetCount[r] = packetCount;
    rows.flags[r] = table.flags[page]!;
    rows.crc[r] = table.crc[page]!;
    rows.sequence[r] = table.sequence[page]!;
    return r;
  }

  finish(): Required<PageRows> {
    // Views where little is spare (the header pages, a repeated page left out), not copies.
    return this.rowCount >= this.capacity - this.capacity / SPARE_SHARE_KEPT
      ? viewRows(this.rows, this.rowCount)
      : resizeRows(this.rows, this.rowCount);
  }

  packetSamples(): Uint16Array {
    const length = this.durations.length;
    return this.packetTotal >= length - length / SPARE_SHARE_KEPT
      ? this.durations.subarray(0, this.packetTotal)
      : this.durations.slice(0, this.packetTotal);
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

/**
 * Decides which anchors of a segment to believe (see `RowBuilder`): fills `granuleBase`,
 * `firstUsed`, `shifts`, `steps` and `endTrim`, and reports each anchor it ignores.
 */
function analyseAnchors(
  segment: Segment,
  isLast: boolean,
  serial: number,
  ignore: (anchor: Anchor, message: (startSample: number, endSample: number) => string) => void,
): void {
  const all = segment.anchors;
  const value = (a: Anchor) => a.granule - a.relEnd;
  // The last page of the stream may trim its end (RFC 7845 §4.5): judged on its own below.
  const trim = isLast && all.length > 0 && all[all.length - 1]!.eos ? all[all.length - 1]! : undefined;
  const list = trim === undefined ? all : all.slice(0, -1);
  const m = list.length;
  const used: Anchor[] = [];
  const isUsed = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    const v = value(list[i]!);
    if ((i > 0 && v === value(list[i - 1]!)) || (i < m - 1 && v === value(list[i + 1]!))) {
      used.push(list[i]!);
      isUsed[i] = 1;
    }
  }
  if (used.length === 0 && m > 0) {
    used.push(list[0]!);
    isUsed[0] = 1;
  }
  for (let i = 0; i < m; i++) {
    if (isUsed[i]) continue;
    let before = -1;
    let after = -1;
    for (let j = i - 1; j >= 0 && before < 0; j--) if (isUsed[j]) before = j;
    for (let j = i + 1; j < m && after < 0; j++) if (isUsed[j]) after = j;
    const reference = value(list[before >= 0 ? before : after]!);
    const anchor = list[i]!;
    const around = before >= 0 && after >= 0 ? "around it" : before >= 0 ? "before it" : "after it";
    const off = Math.abs(value(anchor) - reference);
    ignore(
      anchor,
      (start, end) =>
        `page ${anchor.sequence} of stream ${serial} has granule ${anchor.granule}, ${off} samples off its packets, while the pages ${around} agree with the packets: either the granule or the page is wrong, so the page's samples ${start}-${end} are refused and its granule is ignored`,
    );
  }

  if (used.length === 0) {
    if (trim === undefined) return;
    // The last page is the only anchor: a granule below its packets is end trimming. After a
    // hole that cannot be told from a later start, so such a segment is placed but refused.
    const v = value(trim);
    segment.firstUsed = trim;
    segment.granuleBase = v >= 0 || segment.hole !== undefined ? v : 0;
    segment.endTrim = Math.max(0, segment.granuleBase - v);
    segment.placedByLastPageOnly = segment.hole !== undefined;
    return;
  }
  segment.firstUsed = used[0]!;
  let reference = value(used[0]!);
  segment.granuleBase = reference;
  let shift = 0;
  for (let k = 1; k < used.length; k++) {
    const to = used[k]!;
    const jump = value(to) - reference;
    if (jump === 0) continue;
    segment.steps.push({ from: used[k - 1]!, to, jump, shiftBefore: shift });
    if (jump > 0) {
      shift += jump;
      segment.shifts.push({ fromRow: used[k - 1]!.row + 1, shift });
    }
    reference = value(to);
  }
  if (trim === undefined) return;
  const off = value(trim) - reference;
  if (off === 0) return;
  if (off < 0 && trim.relEnd + off >= trim.relBefore) {
    segment.endTrim = -off;
    return;
  }
  const why =
    off > 0
      ? `${off} samples past the end of its packets, but a last page can only cut samples off`
      : `${-off} samples before the end of its packets, more than the page holds`;
  ignore(
    trim,
    (start, end) =>
      `the last page of stream ${serial} (page ${trim.sequence}) has granule ${trim.granule}, ${why}: either the granule or the page is wrong, so the page's samples ${start}-${end} are refused, its granule is ignored and the stream ends with its last packet`,
  );
}

function shiftAt(segment: Segment, row: number): number {
  let shift = 0;
  for (const s of segment.shifts) if (s.fromRow <= row) shift = s.shift;
  return shift;
}

function shiftAtEnd(segment: Segment): number {
  return segment.shifts.length > 0 ? segment.shifts[segment.shifts.length - 1]!.shift : 0;
}

/** The problem for a step between two anchors, with its samples on the timeline (`delta` = segment base + shift to it). */
function stepProblem(step: Step, delta: number, serial: number): PendingProblem {
  const { from, to, jump } = step;
  const message = (start: number, end: number) =>
    jump > 0
      ? `page ${to.sequence} of stream ${serial} has granule ${to.granule}, ${jump} samples later than its packets reach, and the pages after it agree: ${jump} samples are missing somewhere in samples ${start}-${end} (no page is missing; a recorder gap or wrong granules)`
      : `page ${to.sequence} of stream ${serial} has granule ${to.granule}, ${-jump} samples before the end of its packets, and the pages after it agree: the packets cannot be placed by granule, so samples ${start}-${end} are refused and later pages are placed by their packets`;
  return {
    code: "bad-granule",
    message,
    byteOffset: to.byteOffset,
    byteLength: to.byteLength,
    startSample: from.relEnd + step.shiftBefore + delta,
    endSample: to.relEnd + step.shiftBefore + Math.max(0, jump) + delta,
  };
}

function atPage(code: OpusErrorCode, message: string, table: PageTable, page: number): PendingProblem {
  return { code, message, byteOffset: table.byteOffset[page]!, byteLength: 0, startSample: 0, endSample: 0 };
}
