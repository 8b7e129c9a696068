import { OggError } from "./errors.ts";
import type { OggPage } from "./page-header.ts";

/** A packet reassembled from the lacing values of one or more pages of one logical stream. */
export interface OggPacket {
  serial: number;
  data: Uint8Array;
  /** Index, in the order pages were given, of the page where the packet starts. */
  startPage: number;
  startPageByteOffset: number;
  /** Index of the page where the packet ends. */
  endPage: number;
  endPageByteOffset: number;
  /** The end page's granule if this is the last packet ending on that page, else undefined. */
  granule: bigint | undefined;
}

export type PacketProblemCode =
  | "sequence-gap"
  | "sequence-back"
  | "broken-continuation"
  | "packet-too-large"
  | "truncated";

/** Something that made the assembler drop data; the packets around it are still delivered. */
export interface PacketProblem {
  code: PacketProblemCode;
  serial: number;
  /** Index of the page where the problem showed. */
  pageIndex: number;
  byteOffset: number;
  message: string;
}

export interface AssemblePacketsOptions {
  /** Throw an `OggError` at the first problem instead of dropping the broken packet. */
  strict?: boolean;
  /** Called for every dropped packet or missing page. */
  onProblem?: (problem: PacketProblem) => void;
  /** Packets larger than this are dropped and reported (bounds memory). Default 16 MiB. */
  maxPacketByteLength?: number;
}

interface StreamState {
  nextSequence: number;
  /** Pieces of the packet in progress; empty when the last page ended on a packet boundary. */
  pieces: Uint8Array[];
  partialByteLength: number;
  partialStartPage: number;
  partialStartByteOffset: number;
  /** The rest of a dropped packet is still to come on continued pages: skip it silently. */
  discarding: boolean;
  /** An EOS page was read: a BOS page may start the stream again. */
  ended: boolean;
}

const DEFAULT_MAX_PACKET_BYTES = 16 * 1024 * 1024;

/**
 * Reassembles packets page by page, per serial number (grouped and chained streams alike).
 * Follows RFC 7845 §3: a sequence gap drops the packet it broke; a page that claims to
 * continue a packet whose start was not seen, or a packet left unfinished by a page that
 * does not continue it, is dropped and reported, never glued onto another. A page whose
 * sequence number is not after the last one of its stream (a page written twice, or one
 * out of order) is skipped whole and reported, leaving the packet in progress as it was:
 * read again, it would repeat audio; taken as a gap, it would drop a packet.
 */
export class PacketAssembler {
  private readonly streams = new Map<number, StreamState>();
  private readonly strict: boolean;
  private readonly onProblem: ((problem: PacketProblem) => void) | undefined;
  private readonly maxPacketByteLength: number;
  private pageCount = 0;

  constructor(options: AssemblePacketsOptions = {}) {
    this.strict = options.strict ?? false;
    this.onProblem = options.onProblem;
    this.maxPacketByteLength = options.maxPacketByteLength ?? DEFAULT_MAX_PACKET_BYTES;
  }

  /** Takes the next page (with its index in the input, by default the count so far). */
  push(page: OggPage, pageIndex = this.pageCount): OggPacket[] {
    this.pageCount = pageIndex + 1;
    let state = this.streams.get(page.serial);
    let gap = false;
    // A BOS page after the stream's EOS starts it again (a chain reusing the serial); any other
    // page that is not after the last one is a repeat or out of order.
    if (state !== undefined && ((page.sequence - state.nextSequence) | 0) < 0 && !(page.bos && state.ended)) {
      this.report(
        "sequence-back",
        page,
        pageIndex,
        `page ${page.sequence} of stream ${page.serial} comes after page ${(state.nextSequence - 1) >>> 0}: a repeated or out-of-order page; it is skipped`,
      );
      return [];
    }
    if (state === undefined || page.bos) {
      if (state !== undefined && state.pieces.length > 0) {
        this.report(
          "broken-continuation",
          page,
          pageIndex,
          "stream restarted (BOS) while a packet was unfinished; it is dropped",
        );
      }
      state = {
        nextSequence: 0,
        pieces: [],
        partialByteLength: 0,
        partialStartPage: 0,
        partialStartByteOffset: 0,
        discarding: false,
        ended: false,
      };
      this.streams.set(page.serial, state);
    } else if (page.sequence !== state.nextSequence) {
      gap = true;
      const dropped = state.pieces.length > 0 ? "; the packet it broke is dropped" : "";
      this.report(
        "sequence-gap",
        page,
        pageIndex,
        `page sequence ${page.sequence} follows ${(state.nextSequence - 1) >>> 0} in stream ${page.serial}: pages are missing${dropped}`,
      );
      this.clear(state);
    }
    state.nextSequence = (page.sequence + 1) >>> 0;
    if (page.eos) state.ended = true;

    const lacing = page.lacing;
    const body = page.body;
    let segment = 0;
    let bodyPos = 0;
    if (page.continued && state.pieces.length === 0) {
      // The start of this packet is gone: skip its remaining segments.
      if (!gap && !state.discarding) {
        this.report(
          "broken-continuation",
          page,
          pageIndex,
          "page continues a packet whose beginning is missing; it is dropped",
        );
      }
      let ended = false;
      while (segment < lacing.length) {
        const value = lacing[segment++]!;
        bodyPos += value;
        if (value < 255) {
          ended = true;
          break;
        }
      }
      state.discarding = !ended;
    } else if (!page.continued && state.pieces.length > 0) {
      this.report(
        "broken-continuation",
        page,
        pageIndex,
        `packet started on page ${state.partialStartPage} is not continued by this page; it is dropped`,
      );
      this.clear(state);
    } else if (!page.continued) {
      state.discarding = false;
    }

    const packets: OggPacket[] = [];
    // The page granule belongs to the last packet that ends here, unless that one was dropped.
    let lastEnded: OggPacket | undefined;
    let packetStart = bodyPos;
    for (; segment < lacing.length; segment++) {
      const value = lacing[segment]!;
      bodyPos += value;
      if (value === 255) continue;
      lastEnded = this.finishPacket(state, page, pageIndex, body.subarray(packetStart, bodyPos));
      if (lastEnded !== undefined) packets.push(lastEnded);
      packetStart = bodyPos;
    }
    if (packetStart < bodyPos) {
      this.continuePacket(state, page, pageIndex, body.subarray(packetStart, bodyPos));
    }
    if (lastEnded !== undefined) lastEnded.granule = page.granule;
    return packets;
  }

  /** Ends the input: any packet still unfinished is reported as truncated. */
  end(): void {
    for (const [serial, state] of this.streams) {
      if (state.pieces.length > 0) {
        const message = `input ends inside a packet of stream ${serial} started on page ${state.partialStartPage}; it is dropped`;
        this.emit({
          code: "truncated",
          serial,
          pageIndex: state.partialStartPage,
          byteOffset: state.partialStartByteOffset,
          message,
        });
        this.clear(state);
      }
    }
  }

  private finishPacket(state: StreamState, page: OggPage, pageIndex: number, tail: Uint8Array): OggPacket | undefined {
    let data = tail;
    let startPage = pageIndex;
    let startPageByteOffset = page.byteOffset;
    if (state.pieces.length > 0) {
      if (!this.fits(state, page, pageIndex, tail.length)) return undefined;
      data = new Uint8Array(state.partialByteLength + tail.length);
      let offset = 0;
      for (const piece of state.pieces) {
        data.set(piece, offset);
        offset += piece.length;
      }
      data.set(tail, offset);
      startPage = state.partialStartPage;
      startPageByteOffset = state.partialStartByteOffset;
      this.clear(state);
    }
    return {
      serial: page.serial,
      data,
      startPage,
      startPageByteOffset,
      endPage: pageIndex,
      endPageByteOffset: page.byteOffset,
      granule: undefined,
    };
  }

  private continuePacket(state: StreamState, page: OggPage, pageIndex: number, piece: Uint8Array): void {
    if (state.discarding) return;
    if (state.pieces.length === 0) {
      state.partialStartPage = pageIndex;
      state.partialStartByteOffset = page.byteOffset;
    } else if (!this.fits(state, page, pageIndex, piece.length)) {
      state.discarding = true;
      return;
    }
    // Copy: the page's bytes may belong to a caller's buffer that changes before the packet ends.
    state.pieces.push(piece.slice());
    state.partialByteLength += piece.length;
  }

  private fits(state: StreamState, page: OggPage, pageIndex: number, extraBytes: number): boolean {
    if (state.partialByteLength + extraBytes <= this.maxPacketByteLength) return true;
    this.report(
      "packet-too-large",
      page,
      pageIndex,
      `packet started on page ${state.partialStartPage} exceeds ${this.maxPacketByteLength} bytes; it is dropped`,
    );
    this.clear(state);
    return false;
  }

  private clear(state: StreamState): void {
    state.pieces = [];
    state.partialByteLength = 0;
  }

  private report(code: PacketProblemCode, page: OggPage, pageIndex: number, message: string): void {
    this.emit({ code, serial: page.serial, pageIndex, byteOffset: page.byteOffset, message });
  }

  private emit(problem: PacketProblem): void {
    if (this.strict) throw new OggError(problem.code, problem.message, problem.byteOffset);
    this.onProblem?.(problem);
  }
}

/** Packets of `pages`, per serial number, in the order they end. See `PacketAssembler`. */
export function* assemblePackets(
  pages: Iterable<OggPage>,
  options: AssemblePacketsOptions = {},
): Generator<OggPacket, void, undefined> {
  const assembler = new PacketAssembler(options);
  let pageIndex = 0;
  for (const page of pages) {
    yield* assembler.push(page, pageIndex++);
  }
  assembler.end();
}
