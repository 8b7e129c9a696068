import type { OpusErrorCode } from "./errors.ts";
import type { OpusHead } from "./opus-head.ts";
import type { OpusTags } from "./opus-tags.ts";
import type { PageRows } from "./page-columns.ts";

export type { PageRows } from "./page-columns.ts";

/** One header page of a link as indexed: where it is and the CRC it carried. */
export interface HeaderPage {
  byteOffset: number;
  byteLength: number;
  crc: number;
}

/** One link of a (possibly chained) Ogg Opus file: one logical Opus stream. */
export interface OpusLink {
  serial: number;
  head: OpusHead;
  tags: OpusTags;
  preSkip: number;
  /** Granule position at the start of the link's first audio packet (0 unless cut from a longer stream). */
  startGranule: number;
  /** The link's granule at its end (the last page granule), which trims the decoded end. */
  endGranule: number;
  /** Timeline sample of the link's first sample after pre-skip. */
  firstSample: number;
  /** Samples the link contributes to the timeline. */
  sampleCount: number;
  /** Rows (audio pages) of the link: [firstPage, firstPage + pageCount). */
  firstPage: number;
  pageCount: number;
  /** Bytes from the link's first header page to the end of its last header page. */
  headerByteOffset: number;
  headerByteLength: number;
  /**
   * The link's own header pages (OpusHead, OpusTags), to check on open that the file still
   * holds them (`checkHeaders`). Absent in indexes read from archives written before it existed.
   */
  headerPages?: HeaderPage[];
}

/** Something wrong in the file that indexing went past (lenient mode). */
export interface IndexProblem {
  code: OpusErrorCode;
  message: string;
  byteOffset: number;
  byteLength: number;
  /** The timeline samples the problem makes undecodable: [startSample, endSample), possibly empty. */
  startSample: number;
  endSample: number;
}

/** Everything an index holds: what the sidecar stores and what `OpusIndex` wraps. */
export interface OpusIndexData {
  /** Size of the indexed file in bytes. */
  byteLength: number;
  totalSamples: number;
  links: OpusLink[];
  problems: IndexProblem[];
  rows: PageRows;
  /** Duration of every audio packet in 48 kHz samples, in stream order. */
  packetSamples: Uint16Array;
}
