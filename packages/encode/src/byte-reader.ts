import type { ByteSource } from "@granule/opus-index";
import { EncodeError } from "./errors.ts";
import type { Sha256 } from "./sha256.ts";

/** What the encoder reads: a random-access source, bytes in memory, or a stream of bytes. */
export type EncodeInput = ByteSource | Uint8Array | ReadableStream<Uint8Array>;

/**
 * Forward-only reading, as the container parsers need it. `read` gives a view that stays
 * valid until the next call; both readers below implement it.
 */
export interface ForwardReader {
  /** Total bytes, when known (a stream of unknown length has none). */
  readonly size: number | undefined;
  /** Bytes consumed so far: the offset of the next byte. */
  readonly position: number;
  /** Up to `byteLength` bytes; fewer only at the end of the input. */
  read(byteLength: number): Promise<Uint8Array>;
  /** Moves on by up to `byteLength` bytes; returns how many there were. */
  skip(byteLength: number): Promise<number>;
}

const DEFAULT_CHUNK_BYTES = 4 << 20;

/**
 * Reads the whole input once, front to back, in chunks of `chunkBytes`, hashing every byte
 * as it arrives: the SHA-256 of the source comes out of the same pass as the audio. Holds one
 * chunk at a time, whatever the input's length.
 */
export class SequentialReader implements ForwardReader {
  readonly size: number | undefined;
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkPos = 0;
  private consumed = 0;
  private pulled = 0;
  private done = false;
  private readonly pull: () => Promise<Uint8Array | null>;
  private readonly release: () => void;

  constructor(
    input: EncodeInput,
    private readonly hash: Sha256 | null,
    private readonly signal?: AbortSignal,
    chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    if (input instanceof Uint8Array) {
      this.size = input.length;
      let given = false;
      this.pull = async () => {
        if (given) return null;
        given = true;
        return input;
      };
      this.release = () => undefined;
    } else if (isReadableStream(input)) {
      this.size = undefined;
      const reader = input.getReader();
      this.pull = async () => {
        for (;;) {
          let result: ReadableStreamReadResult<Uint8Array>;
          try {
            result = await reader.read();
          } catch (error) {
            throw new EncodeError("read-failed", `the input stream failed: ${(error as Error).message}`, {
              byteOffset: this.pulled,
              cause: error,
            });
          }
          if (result.done) return null;
          if (!(result.value instanceof Uint8Array)) {
            throw new EncodeError("invalid-argument", "the input stream must give Uint8Array chunks");
          }
          if (result.value.length > 0) return result.value;
        }
      };
      this.release = () => {
        reader.releaseLock();
      };
    } else {
      const source = input;
      this.size = source.size;
      this.pull = async () => {
        const start = this.pulled;
        if (start >= source.size) return null;
        const wanted = Math.min(chunkBytes, source.size - start);
        let bytes: Uint8Array;
        try {
          bytes = await source.read(start, wanted, signal);
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          throw new EncodeError("read-failed", `reading ${wanted} bytes failed: ${(error as Error).message}`, {
            byteOffset: start,
            cause: error,
          });
        }
        if (bytes.length !== wanted) {
          throw new EncodeError("read-failed", `a read of ${wanted} bytes returned ${bytes.length}`, {
            byteOffset: start,
          });
        }
        return bytes;
      };
      this.release = () => undefined;
    }
  }

  get position(): number {
    return this.consumed;
  }

  private async next(): Promise<boolean> {
    if (this.done) return false;
    this.signal?.throwIfAborted();
    const bytes = await this.pull();
    if (bytes === null) {
      this.done = true;
      this.release();
      return false;
    }
    this.hash?.update(bytes);
    this.pulled += bytes.length;
    this.chunk = bytes;
    this.chunkPos = 0;
    return true;
  }

  /** The next bytes (up to `byteLength`, fewer at the end) without consuming them. */
  async peek(byteLength: number): Promise<Uint8Array> {
    while (this.chunk.length - this.chunkPos < byteLength) {
      const kept = this.chunk.subarray(this.chunkPos);
      if (!(await this.next())) {
        this.chunk = kept;
        this.chunkPos = 0;
        break;
      }
      const merged = new Uint8Array(kept.length + this.chunk.length);
      merged.set(kept, 0);
      merged.set(this.chunk, kept.length);
      this.chunk = merged;
      this.chunkPos = 0;
    }
    return this.chunk.subarray(this.chunkPos, this.chunkPos + byteLength);
  }

  async read(byteLength: number): Promise<Uint8Array> {
    if (this.chunkPos === this.chunk.length && !(await this.next())) return new Uint8Array(0);
    const available = this.chunk.length - this.chunkPos;
    if (byteLength <= available) {
      const view = this.chunk.subarray(this.chunkPos, this.chunkPos + byteLength);
      this.chunkPos += byteLength;
      this.consumed += byteLength;
      return view;
    }
    // Spans chunks: copy into one buffer.
    const out = new Uint8Array(byteLength);
    let filled = 0;
    while (filled < byteLength) {
      if (this.chunkPos === this.chunk.length && !(await this.next())) break;
      const take = Math.min(byteLength - filled, this.chunk.length - this.chunkPos);
      out.set(this.chunk.subarray(this.chunkPos, this.chunkPos + take), filled);
      this.chunkPos += take;
      filled += take;
    }
    this.consumed += filled;
    return filled === byteLength ? out : out.subarray(0, filled);
  }

  async skip(byteLength: number): Promise<number> {
    let skipped = 0;
    while (skipped < byteLength) {
      if (this.chunkPos === this.chunk.length && !(await this.next())) break;
      const take = Math.min(byteLength - skipped, this.chunk.length - this.chunkPos);
      this.chunkPos += take;
      skipped += take;
    }
    this.consumed += skipped;
    return skipped;
  }

  /** Reads (and hashes) whatever is left; returns the byte count. */
  async drain(): Promise<number> {
    return this.skip(Number.POSITIVE_INFINITY);
  }

  /** Stops reading early (on an error): releases a stream's lock. */
  cancel(): void {
    if (!this.done) {
      this.done = true;
      this.release();
    }
  }
}

/**
 * Random-access reading of a `ByteSource` behind the same interface, where skipping costs
 * nothing: for a first look at a file's chunk layout (metadata written after the audio).
 */
export class SkippingReader implements ForwardReader {
  private at = 0;
  constructor(
    private readonly source: ByteSource,
    private readonly signal?: AbortSignal,
  ) {}

  get size(): number {
    return this.source.size;
  }

  get position(): number {
    return this.at;
  }

  async read(byteLength: number): Promise<Uint8Array> {
    const wanted = Math.max(0, Math.min(byteLength, this.source.size - this.at));
    if (wanted === 0) return new Uint8Array(0);
    const bytes = await this.source.read(this.at, wanted, this.signal);
    if (bytes.length !== wanted) {
      throw new EncodeError("read-failed", `a read of ${wanted} bytes returned ${bytes.length}`, {
        byteOffset: this.at,
      });
    }
    this.at += wanted;
    return bytes;
  }

  async skip(byteLength: number): Promise<number> {
    const skipped = Math.max(0, Math.min(byteLength, this.source.size - this.at));
    this.at += skipped;
    return skipped;
  }
}

export function isReadableStream(input: unknown): input is ReadableStream<Uint8Array> {
  return typeof (input as { getReader?: unknown }).getReader === "function";
}

export function isByteSource(input: unknown): input is ByteSource {
  return (
    !(input instanceof Uint8Array) &&
    typeof (input as { read?: unknown }).read === "function" &&
    typeof (input as { size?: unknown }).size === "number"
  );
}
