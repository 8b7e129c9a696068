import { PAGE_HEADER_MIN_BYTES, type WritePacket, writePages } from "@granule/ogg-pages";

export type PageSink = (page: Uint8Array) => void | Promise<void>;

export interface PagePolicy {
  /** A page is closed once its body reaches this many bytes. */
  targetPageBytes: number;
  /** ... or once it holds this many 48 kHz samples (1 s, as opusenc). */
  maxPageSamples: number;
}

export const DEFAULT_PAGE_POLICY: PagePolicy = { targetPageBytes: 4096, maxPageSamples: 48000 };

/**
 * Lays Opus packets out in Ogg pages with `@granule/ogg-pages`' writer and hands each page to
 * the sink as soon as it is complete. The latest packet is always held back, so the last
 * page can take the end-trimmed granule and the EOS flag when the input ends.
 */
export class OggOpusWriter {
  private sequence = 0;
  private pending: WritePacket[] = [];
  private pendingBytes = 0;
  private pendingLacing = 0;
  private pendingStart = 0n;
  pages = 0;
  packets = 0;
  byteLength = 0;

  constructor(
    private readonly serial: number,
    private readonly sink: PageSink,
    private readonly policy: PagePolicy = DEFAULT_PAGE_POLICY,
  ) {}

  /** OpusHead alone on the first page (BOS), OpusTags on the next page(s), both granule 0. */
  async headers(head: Uint8Array, tags: Uint8Array): Promise<void> {
    await this.emit(
      [
        { data: head, granule: 0n, flush: true },
        { data: tags, granule: 0n, flush: true },
      ],
      true,
      false,
    );
  }

  /** Adds an audio packet ending at `granule` (48 kHz samples, pre-skip included). */
  async packet(data: Uint8Array, granule: bigint): Promise<void> {
    const lacing = Math.floor(data.length / 255) + 1;
    const last = this.pending[this.pending.length - 1];
    if (
      last !== undefined &&
      (this.pendingLacing + lacing > 255 ||
        this.pendingBytes >= this.policy.targetPageBytes ||
        last.granule - this.pendingStart >= BigInt(this.policy.maxPageSamples))
    ) {
      await this.flushPage(false);
    }
    this.pending.push({ data, granule });
    this.pendingBytes += data.length;
    this.pendingLacing += lacing;
    this.packets++;
  }

  /** Writes the held page as the last one: its granule becomes `finalGranule` (end trimming), with EOS. */
  async end(finalGranule: bigint): Promise<void> {
    const last = this.pending[this.pending.length - 1];
    if (last === undefined) throw new Error("OggOpusWriter.end without a packet");
    last.granule = finalGranule;
    await this.flushPage(true);
  }

  private async flushPage(eos: boolean): Promise<void> {
    const packets = this.pending;
    this.pendingStart = packets[packets.length - 1]!.granule;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingLacing = 0;
    await this.emit(packets, false, eos);
  }

  private async emit(packets: WritePacket[], bos: boolean, eos: boolean): Promise<void> {
    const bytes = writePages(packets, {
      serial: this.serial,
      firstSequence: this.sequence,
      bos,
      eos,
      targetBodyByteLength: Number.MAX_SAFE_INTEGER,
    });
    // Usually one page; a packet of more than 255 × 255 bytes (many streams) spans several.
    let at = 0;
    while (at < bytes.length) {
      const segments = bytes[at + 26]!;
      let end = at + PAGE_HEADER_MIN_BYTES + segments;
      for (let i = 0; i < segments; i++) end += bytes[at + PAGE_HEADER_MIN_BYTES + i]!;
      this.sequence = (this.sequence + 1) >>> 0;
      this.pages++;
      await this.sink(bytes.subarray(at, end));
      at = end;
    }
    this.byteLength += bytes.length;
  }
}
