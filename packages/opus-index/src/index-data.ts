import type { OpusErrorCode } from "./errors.ts";
import type { OpusHead } from "./opus-head.ts";
import type { OpusTags } from "./opus-tags.ts";

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

/** Per-page columns: one row per audio page of the chosen stream(s), in file order. */
export interface PageRows {
  byteOffset: Float64Array;
  byteLength: Uint32Array;
  /** The page's granule as written (-1 when no packet ends on it). */
  granule: BigInt64Array;
  /** Timeline start of the first packet that starts on the page (where the next one starts if none does). */
  startSample: Float64Array;
  /** Timeline end of the last packet that ends on the page (the previous row's if none ends here). */
  endSample: Float64Array;
  /** Index (into `packetSamples`) of the first packet that starts on the page. */
  packetStart: Uint32Array;
  /** Packets that start on the page. */
  packetCount: Uint16Array;
  /** OPEN_END (0x80): the last packet starting here ends on a later page; plus the page header flags. */
  flags: Uint8Array;
  /** Link each row belongs to. */
  link: Uint16Array;
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
