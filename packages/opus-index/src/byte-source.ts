import {
  type ByteSource,
  type HttpByteSource,
  type HttpSourceOptions,
  openHttpSource,
  bufferSource as plainBufferSource,
} from "@granule/byte-source";
import { OpusError } from "./errors.ts";

export type { ByteSource, HttpSourceOptions };

/**
 * A source over bytes already in memory; reads are views, never copies. Arguments it refuses
 * are `OpusError`s (`invalid-argument`), as everywhere in this package.
 */
export function bufferSource(bytes: Uint8Array): ByteSource {
  const inner = plainBufferSource(bytes);
  return {
    size: inner.size,
    read: async (byteOffset, byteLength) => {
      checkRange(byteOffset, byteLength);
      return inner.read(byteOffset, byteLength);
    },
  };
}

/**
 * A source over an HTTP(S) URL, by `@granule/byte-source`'s rules: ranged GETs checked against
 * their Content-Range, timeouts, bounded bodies, retries of server faults; a server that ignores
 * Range works too (its 200 bodies are read only as far as needed; `onWarning` is told once).
 * Learns the size with a one-byte ranged GET (HEAD is not always allowed on static hosting).
 * Server faults reject with a `ByteSourceError`, a read after the object changed with its
 * `changed`: never with an `OpusError`, which would say the Opus data is damaged.
 */
export async function httpSource(
  url: string | URL,
  options: HttpSourceOptions = {},
): Promise<HttpByteSource & { requests: number }> {
  return openHttpSource(url, options);
}

/** Reads exactly `byteLength` bytes (or to the end of the source), failing loudly otherwise. */
export async function readExactly(
  source: ByteSource,
  byteOffset: number,
  byteLength: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const wanted = Math.max(0, Math.min(byteLength, source.size - byteOffset));
  const bytes = await source.read(byteOffset, wanted, signal);
  if (bytes.length !== wanted) {
    throw new OpusError("read-failed", `read of ${wanted} bytes returned ${bytes.length}`, { byteOffset });
  }
  return bytes;
}

function checkRange(byteOffset: number, byteLength: number): void {
  if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || !Number.isSafeInteger(byteLength) || byteLength < 0) {
    throw new OpusError("invalid-argument", `cannot read ${byteLength} bytes at ${byteOffset}`);
  }
}
