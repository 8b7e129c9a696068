import { OggError, type OggPage, PacketAssembler, readPages } from "@granule/ogg-pages";
import { type OpusHead, type OpusIndex, packetSamples } from "@granule/opus-index";
import { DecoderFault, ExtractError } from "./errors.ts";
import { SpareBuffers } from "./spare-buffers.ts";
import type { WindowDecoder } from "./window-decoder.ts";
import { outputGain } from "./window-decoder.ts";
import { describeFault } from "./window-fault.ts";

/** Everything needed to decode one window, in a worker or in-process. Plain data: it is posted. */
export interface WindowJob {
  /** The window's whole pages, as read with one read. */
  bytes: Uint8Array;
  /** Absolute file offset of `bytes[0]`, for error messages. */
  byteOffset: number;
  serial: number;
  /** The pages the index lists for the window: only these are read, each checked against it. */
  pages: WindowPages;
  /** Packets starting on the first page before the first one to decode. */
  skipPackets: number;
  /** Durations of the packets to decode, from the index: checked against the bytes. */
  packetSamples: Uint16Array;
  /** Timeline sample where the first decoded packet starts. */
  decodeStartSample: number;
  head: OpusHead;
  applyGain: boolean;
  /** Output ranges, on the timeline: each gets its own arrays, or with `viewParts` a view. */
  parts: { startSample: number; endSample: number }[];
  /** Parts as views of one decoded span (`ExtractOptions.readOnlySegments`), not copies. */
  viewParts?: boolean;
  /** Buffers to decode into (of outputs already used): handed over with the job, used if they fit. */
  spare?: ArrayBuffer[];
}

/**
 * The index's rows for a window's pages, copied (a job is posted to a worker). Pages in the
 * bytes between them (a repeated page the index left out, other streams, junk) are passed over.
 */
export interface WindowPages {
  /** Absolute file offset of each page. */
  byteOffsets: Float64Array;
  byteLengths: Uint32Array;
  /** The CRC and sequence number the index recorded; absent in indexes from older archives. */
  crcs: Uint32Array | undefined;
  sequences: Uint32Array | undefined;
}

/** The pages of rows [firstPage, lastPage] of `index`, for a `WindowJob`. */
export function windowPages(index: OpusIndex, firstPage: number, lastPage: number): WindowPages {
  const rows = index.rows;
  const end = lastPage + 1;
  return {
    byteOffsets: rows.byteOffset.slice(firstPage, end),
    byteLengths: rows.byteLength.slice(firstPage, end),
    crcs: rows.crc?.slice(firstPage, end),
    sequences: rows.sequence?.slice(firstPage, end),
  };
}

/** Per part, per channel, the decoded samples. */
export type WindowOutput = Float32Array[][];

/**
 * Decodes one window from a fresh decoder state and cuts out its parts. The bytes are checked
 * page by page (CRC) and the packets found must be the ones the index promised, by count and
 * TOC duration, or the window fails with `bad-data` instead of giving shifted audio. A packet
 * the decoder cannot decode fails it with `decode-failed`, naming the packet's byte offset.
 */
export async function decodeWindow(decoder: WindowDecoder, job: WindowJob): Promise<WindowOutput> {
  const packets = windowPackets(job);
  try {
    return await decodePackets(decoder, job, packets);
  } catch (error) {
    if (error instanceof DecoderFault) throw await describeFault(error, job, packets);
    throw error;
  }
}

/**
 * This thread's buffers to decode into: those that came with jobs and were not used, and the
 * spans that multi-part windows were cut from. Bounded: a few windows' outputs.
 */
const threadSpares = new SpareBuffers(8 * 1024 * 1024);

/** The samples a window's parts cover, from the first part's start to the last one's end: what it decodes. */
export function partsSpan(parts: readonly { startSample: number; endSample: number }[]): { from: number; to: number } {
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const part of parts) {
    from = Math.min(from, part.startSample);
    to = Math.max(to, part.endSample);
  }
  return { from, to };
}

async function decodePackets(decoder: WindowDecoder, job: WindowJob, packets: Uint8Array[]): Promise<WindowOutput> {
  const { from, to } = partsSpan(job.parts);
  const gain = job.applyGain ? outputGain(job.head) : 1;
  await decoder.restart();
  const channels = job.head.channels;
  threadSpares.giveBuffers(job.spare);
  job.spare = undefined;
  const span = Array.from({ length: channels }, () => threadSpares.array(to - from));
  decodeChecked(decoder, packets, from - job.decodeStartSample, span, gain, job);
  // One part: decoded straight into its arrays.
  if (job.parts.length === 1) return [span];
  if (job.viewParts === true) {
    return job.parts.map((part) =>
      span.map((channel) => channel.subarray(part.startSample - from, part.endSample - from)),
    );
  }
  const parts = job.parts.map((part) =>
    span.map((channel) => {
      const copy = threadSpares.array(part.endSample - part.startSample);
      copy.set(channel.subarray(part.startSample - from, part.endSample - from));
      return copy;
    }),
  );
  threadSpares.give(span);
  return parts;
}

function decodeChecked(
  decoder: WindowDecoder,
  packets: Uint8Array[],
  skip: number,
  out: Float32Array[],
  gain: number,
  job: WindowJob,
): void {
  const decoded = decoder.decodeInto(packets, skip, out, gain);
  if (decoded < skip + (out[0]?.length ?? 0)) {
    throw new ExtractError(
      "bad-data",
      `decoded ${decoded} samples where the index promised at least ${skip + (out[0]?.length ?? 0)}`,
      { byteOffset: job.byteOffset },
    );
  }
}

/**
 * The packets to decode, from the window's pages as the index lists them. Each page must be
 * there whole and valid, of the window's stream, with the CRC and sequence number the index
 * recorded, or the window fails with `bad-data` naming the page's byte offset: a file edited
 * after indexing is never decoded with the old index.
 */
export function windowPackets(job: WindowJob): Uint8Array[] {
  const wanted = job.packetSamples.length;
  const packets: Uint8Array[] = [];
  // Lenient: a first page that continues a packet from before the window yields a dropped
  // fragment, as expected; the pages themselves were checked one by one against the index.
  const assembler = new PacketAssembler();
  let seen = 0;
  for (let k = 0; k < job.pages.byteOffsets.length && packets.length < wanted; k++) {
    const page = checkedPage(job, k);
    for (const packet of assembler.push(page, k)) {
      if (seen++ < job.skipPackets) continue;
      packets.push(packet.data);
      if (packets.length === wanted) break;
    }
  }
  if (packets.length !== wanted) {
    throw new ExtractError(
      "bad-data",
      `found ${packets.length} packets where the index promised ${wanted}: has the file changed?`,
      {
        byteOffset: job.byteOffset,
      },
    );
  }
  for (let i = 0; i < wanted; i++) {
    let toc = 0;
    try {
      toc = packetSamples(packets[i]!);
    } catch {
      // An invalid TOC fails the comparison below.
    }
    if (toc !== job.packetSamples[i]) {
      throw new ExtractError(
        "bad-data",
        `packet ${i} of the window lasts ${toc} samples, the index says ${job.packetSamples[i]}`,
        {
          byteOffset: job.byteOffset,
        },
      );
    }
  }
  return packets;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

/** Page `k` of the job, parsed and compared with what the index recorded. */
function checkedPage(job: WindowJob, k: number): OggPage {
  const byteOffset = job.pages.byteOffsets[k]!;
  const byteLength = job.pages.byteLengths[k]!;
  const at = byteOffset - job.byteOffset;
  const changed = (what: string) =>
    new ExtractError("bad-data", `the page at byte ${byteOffset} ${what}: has the file changed since it was indexed?`, {
      byteOffset,
    });
  let page: OggPage | undefined;
  try {
    for (const found of readPages(job.bytes.subarray(at, at + byteLength), { strict: true })) {
      page = found;
      break;
    }
  } catch (error) {
    if (!(error instanceof OggError)) throw error;
    throw new ExtractError(
      "bad-data",
      `no valid page at byte ${byteOffset}, where the index has one (${error.code}): has the file changed since it was indexed?`,
      { byteOffset, cause: error },
    );
  }
  if (page === undefined || page.byteLength !== byteLength) {
    throw changed(`is not the ${byteLength}-byte page the index recorded`);
  }
  if (page.serial !== job.serial) throw changed(`belongs to stream ${page.serial}, not ${job.serial}`);
  const crc = job.pages.crcs?.[k];
  if (crc !== undefined && page.crc !== crc) {
    throw changed(`has CRC ${hex(page.crc)}, but the index recorded ${hex(crc)}`);
  }
  const sequence = job.pages.sequences?.[k];
  if (sequence !== undefined && page.sequence !== sequence) {
    throw changed(`is page ${page.sequence} of its stream, but the index recorded page ${sequence}`);
  }
  return page;
}
