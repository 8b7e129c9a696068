import { OpusError } from "./errors.ts";
import type { IndexProblem, OpusIndexData, OpusLink, PageRows } from "./index-data.ts";
import type { OpusHead } from "./opus-head.ts";
import type { OpusTags } from "./opus-tags.ts";
import { OPEN_END } from "./scan-batch.ts";

/** RFC 7845 §4.6: decode at least 80 ms before the target after a seek. */
export const MIN_PRE_ROLL_SAMPLES = 3840;

export interface LocateOptions {
  /** Samples to decode and discard before `startSample` so the decoder converges. Default 3840. */
  preRollSamples?: number;
}

/** What to read and decode to get the samples [startSample, endSample) of one link. */
export interface DecodePlan {
  startSample: number;
  endSample: number;
  /** The link the range lies in. */
  link: number;
  serial: number;
  /** Bytes to read: whole pages, from the page where the first packet starts to where the last ends. */
  byteOffset: number;
  byteLength: number;
  /** Rows (pages) of the index the read covers: [firstPage, lastPage]. */
  firstPage: number;
  lastPage: number;
  /** Index of the first packet to decode (into the index's packet list). */
  firstPacket: number;
  /** Packets to decode, from `firstPacket` on. */
  packetCount: number;
  /** Packets that start on the first page before `firstPacket`: parse them, do not decode them. */
  skipPackets: number;
  /** Timeline sample where the first decoded packet starts. */
  decodeStartSample: number;
  /** Decoded samples to drop before `startSample`: the pre-roll actually used, or the pre-skip. */
  discardSamples: number;
  /** Whether decoding starts at the link's first packet, where the decoder must start fresh with pre-skip. */
  fromLinkStart: boolean;
  /** Holes and other problems with samples inside [decodeStartSample, endSample). */
  problems: IndexProblem[];
}

/**
 * The sample-exact index of one Ogg Opus file: where every audio page and packet of the chosen
 * stream sits, in bytes and in samples. Sample 0 is the first sample after pre-skip of the
 * first link (opusfile's timeline); links follow one another; ends are trimmed by the last
 * granule. Build one with `buildIndex`, or reopen a saved one with `readSidecar`.
 */
export class OpusIndex {
  readonly byteLength: number;
  readonly totalSamples: number;
  readonly links: readonly OpusLink[];
  readonly problems: readonly IndexProblem[];
  readonly rows: PageRows;
  readonly packetSamples: Uint16Array;

  constructor(data: OpusIndexData) {
    this.byteLength = data.byteLength;
    this.totalSamples = data.totalSamples;
    this.links = data.links;
    this.problems = data.problems;
    this.rows = data.rows;
    this.packetSamples = data.packetSamples;
  }

  /** The plain data, as the sidecar stores it. */
  get data(): OpusIndexData {
    return {
      byteLength: this.byteLength,
      totalSamples: this.totalSamples,
      links: [...this.links],
      problems: [...this.problems],
      rows: this.rows,
      packetSamples: this.packetSamples,
    };
  }

  /** OpusHead of the first link. */
  get head(): OpusHead {
    return this.links[0]!.head;
  }

  get tags(): OpusTags {
    return this.links[0]!.tags;
  }

  /** Channels of the first link (links may differ: see `links`). */
  get channels(): number {
    return this.head.channels;
  }

  get preSkip(): number {
    return this.head.preSkip;
  }

  get pageCount(): number {
    return this.rows.byteOffset.length;
  }

  get packetCount(): number {
    return this.packetSamples.length;
  }

  /** The link that holds timeline sample `sample`. */
  linkAt(sample: number): number {
    const links = this.links;
    let found = -1;
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!;
      if (link.sampleCount > 0 && sample >= link.firstSample && sample < link.firstSample + link.sampleCount) found = i;
    }
    return found;
  }

  /** Splits [startSample, endSample) where it crosses links: one range per link touched. */
  splitByLink(startSample: number, endSample: number): { link: number; startSample: number; endSample: number }[] {
    this.checkRange(startSample, endSample);
    const parts = [];
    for (let i = 0; i < this.links.length; i++) {
      const link = this.links[i]!;
      const from = Math.max(startSample, link.firstSample);
      const to = Math.min(endSample, link.firstSample + link.sampleCount);
      if (from < to) parts.push({ link: i, startSample: from, endSample: to });
    }
    return parts;
  }

  /**
   * The bytes to read and packets to decode for timeline samples [startSample, endSample),
   * at packet granularity: decoding starts with the packet that holds
   * `startSample - preRollSamples` (or the link's first packet) and ends with the packet that
   * holds `endSample - 1`. The range must lie in one link (see `splitByLink`).
   */
  locate(startSample: number, endSample: number, options: LocateOptions = {}): DecodePlan {
    const preRoll = options.preRollSamples ?? MIN_PRE_ROLL_SAMPLES;
    if (!Number.isSafeInteger(preRoll) || preRoll < 0) {
      throw new OpusError("invalid-argument", `preRollSamples must be a whole number of samples, got ${preRoll}`);
    }
    this.checkRange(startSample, endSample);
    const linkIndex = this.linkAt(startSample);
    const link = this.links[linkIndex]!;
    const linkEnd = link.firstSample + link.sampleCount;
    if (endSample > linkEnd) {
      throw new OpusError(
        "invalid-argument",
        `samples ${startSample}-${endSample} cross from link ${linkIndex} (ending at ${linkEnd}) into the next: locate each part (splitByLink)`,
      );
    }
    const rows = this.rows;
    const lastRow = link.firstPage + link.pageCount - 1;
    if (
      link.pageCount === 0 ||
      rows.packetStart[lastRow]! + rows.packetCount[lastRow]! === rows.packetStart[link.firstPage]
    ) {
      // Damage took every packet of the link; its problems cover its samples.
      throw new OpusError("hole", `link ${linkIndex} holds no packet that can be decoded`, { startSample, endSample });
    }
    const linkFirstPacketStart = rows.startSample[link.firstPage]!;
    const decodeFrom = Math.max(startSample - preRoll, linkFirstPacketStart);
    const first = this.packetAt(decodeFrom, link.firstPage, lastRow);
    const last = this.packetAt(endSample - 1, link.firstPage, lastRow);
    let endRow = last.row;
    if (
      last.packet === rows.packetStart[last.row]! + rows.packetCount[last.row]! - 1 &&
      rows.flags[last.row]! & OPEN_END
    ) {
      // The last packet continues: read on to the page where it ends (never past the link: an
      // index from an older version could flag a packet the stream's end cut off).
      if (endRow < lastRow) endRow++;
      while (endRow < lastRow && rows.packetCount[endRow] === 0 && rows.flags[endRow]! & OPEN_END) endRow++;
    }
    const byteOffset = rows.byteOffset[first.row]!;
    const problems = this.problems.filter(
      (p) =>
        p.endSample > p.startSample && p.startSample < endSample && p.endSample > Math.min(first.start, startSample),
    );
    return {
      startSample,
      endSample,
      link: linkIndex,
      serial: link.serial,
      byteOffset,
      byteLength: rows.byteOffset[endRow]! + rows.byteLength[endRow]! - byteOffset,
      firstPage: first.row,
      lastPage: endRow,
      firstPacket: first.packet,
      packetCount: last.packet - first.packet + 1,
      skipPackets: first.packet - rows.packetStart[first.row]!,
      decodeStartSample: first.start,
      discardSamples: startSample - first.start,
      fromLinkStart: first.packet === rows.packetStart[link.firstPage]!,
      problems,
    };
  }

  /** The packet holding timeline sample `sample`, searched among rows [firstRow, lastRow]. */
  private packetAt(sample: number, firstRow: number, lastRow: number): { row: number; packet: number; start: number } {
    const rows = this.rows;
    // Last row with packets whose first packet starts at or before `sample`.
    let low = firstRow;
    let high = lastRow;
    let row = firstRow;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (rows.startSample[mid]! <= sample) {
        row = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    while (row > firstRow && rows.packetCount[row] === 0) row--;
    let packet = rows.packetStart[row]!;
    let start = rows.startSample[row]!;
    const end = packet + rows.packetCount[row]! - 1;
    while (packet < end && start + this.packetSamples[packet]! <= sample) {
      start += this.packetSamples[packet]!;
      packet++;
    }
    return { row, packet, start };
  }

  private checkRange(startSample: number, endSample: number): void {
    if (!Number.isSafeInteger(startSample) || !Number.isSafeInteger(endSample)) {
      throw new RangeError(`sample positions must be whole numbers, got ${startSample}-${endSample}`);
    }
    if (startSample < 0 || endSample > this.totalSamples || startSample >= endSample) {
      throw new RangeError(
        `samples ${startSample}-${endSample} are not a range inside the recording, which holds samples 0-${this.totalSamples}`,
      );
    }
  }
}
