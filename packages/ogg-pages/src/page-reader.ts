import type { OggPage } from "./page-header.ts";
import { PageSync, pageAt, type ReadPagesOptions } from "./page-sync.ts";

/**
 * A streaming page reader: push chunks of any size, get back exactly the pages (and skipped
 * ranges) that `readPages` gives for the concatenated bytes. It keeps only the bytes of the
 * page in progress (at most 65,307) plus the chunk being read. Each page it returns owns a
 * copy of its bytes, so callers may reuse their chunk buffers.
 */
export class OggPageReader {
  private readonly sync: PageSync;
  private buffer = new Uint8Array(0);
  /** Absolute offset of `buffer[0]`. */
  private bufferOffset = 0;
  private filled = 0;
  private pos = 0;
  private ended = false;

  constructor(options: ReadPagesOptions = {}) {
    this.sync = new PageSync(options);
  }

  /** Bytes held for a page still in progress: always less than `PAGE_MAX_BYTES`. */
  get bufferedByteLength(): number {
    return this.filled - this.pos;
  }

  /** Adds the next bytes of the input; returns the pages they complete. */
  push(chunk: Uint8Array): OggPage[] {
    if (this.ended) throw new Error("OggPageReader.push called after end()");
    this.append(chunk);
    return this.drain(false);
  }

  /** Marks the end of the input; returns the last pages and reports trailing damage. */
  end(): OggPage[] {
    if (this.ended) return [];
    this.ended = true;
    return this.drain(true);
  }

  private drain(final: boolean): OggPage[] {
    const pages: OggPage[] = [];
    for (;;) {
      const at = this.sync.findPage(this.buffer, this.pos, this.filled, this.bufferOffset, final);
      if (at < 0) break;
      const length = this.sync.length;
      pages.push(pageAt(this.buffer.slice(at, at + length), 0, length, this.bufferOffset + at));
      this.pos = at + length;
    }
    this.pos = this.sync.resume;
    return pages;
  }

  private append(chunk: Uint8Array): void {
    const kept = this.filled - this.pos;
    if (this.buffer.length - this.filled < chunk.length) {
      // Drop the bytes already consumed; grow only when the kept bytes and the chunk do not fit.
      const needed = kept + chunk.length;
      const target =
        needed <= this.buffer.length ? this.buffer : new Uint8Array(Math.max(needed, this.buffer.length * 2, 4096));
      if (target === this.buffer) target.copyWithin(0, this.pos, this.filled);
      else target.set(this.buffer.subarray(this.pos, this.filled), 0);
      this.buffer = target;
      this.bufferOffset += this.pos;
      this.filled = kept;
      this.pos = 0;
    }
    this.buffer.set(chunk, this.filled);
    this.filled += chunk.length;
  }
}

/**
 * A WHATWG `TransformStream` from byte chunks to pages, for `ReadableStream.pipeThrough`
 * (fetch bodies, `Blob.stream()`, Node's `Readable.toWeb`).
 */
export function createPageStream(options: ReadPagesOptions = {}): TransformStream<Uint8Array, OggPage> {
  const reader = new OggPageReader(options);
  return new TransformStream<Uint8Array, OggPage>({
    transform(chunk, controller) {
      for (const page of reader.push(chunk)) controller.enqueue(page);
    },
    flush(controller) {
      for (const page of reader.end()) controller.enqueue(page);
    },
  });
}
