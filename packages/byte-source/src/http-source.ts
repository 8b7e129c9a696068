import { type ByteSource, checkRead } from "./byte-source.ts";
import { ByteSourceError } from "./errors.ts";
import { createHttpClient, type HttpClient, type HttpClientOptions } from "./http-client.ts";

export interface HttpSourceOptions extends HttpClientOptions {
  /** A client to share (its counters, its once-per-origin warning); one is made from the options otherwise. */
  client?: HttpClient;
  signal?: AbortSignal;
  /**
   * Bytes the opening request asks for (default 1, the least that tells the size). More, and
   * reads within them are answered from memory: a reader that starts with the file's first
   * bytes (Ogg headers) saves a round trip.
   */
  firstBytes?: number;
  /**
   * Bytes at the end to ask for with the opening request, at once (a suffix range), and hold
   * likewise (default 0): a reader that also starts with the file's last bytes (the last Ogg
   * pages) saves another round trip. Not asked of a server that ignores Range, which would
   * stream the whole object for them.
   */
  lastBytes?: number;
}

/** A `ByteSource` over a URL, with what it cost so far. */
export interface HttpByteSource extends ByteSource {
  readonly url: string;
  readonly version: string | undefined;
  /** Requests sent (by this source's client). */
  readonly requests: number;
  /** Body bytes received (by this source's client). */
  readonly bytesReceived: number;
}

/**
 * A source over an HTTP(S) URL, read with ranged GETs by `createHttpClient`'s rules. Learns
 * the size (and ETag or Last-Modified) with a ranged GET of its first byte (or `firstBytes`),
 * since HEAD is not always allowed on static hosting; HEAD only when that answer gives no
 * size. A later answer with another version or size fails with `changed`: the bytes would not
 * be the ones indexed.
 */
export async function openHttpSource(url: string | URL, options: HttpSourceOptions = {}): Promise<HttpByteSource> {
  const client = options.client ?? createHttpClient(options);
  const href = String(url);
  const firstBytes = options.firstBytes ?? 1;
  if (!Number.isSafeInteger(firstBytes) || firstBytes < 1) {
    throw new ByteSourceError("invalid-argument", `firstBytes must be a whole number of 1 or more, got ${firstBytes}`);
  }
  const lastBytes = options.lastBytes ?? 0;
  if (!Number.isSafeInteger(lastBytes) || lastBytes < 0) {
    throw new ByteSourceError("invalid-argument", `lastBytes must be a whole number of 0 or more, got ${lastBytes}`);
  }
  const tailAbort = new AbortController();
  const stopTail = () => tailAbort.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", stopTail, { once: true });
  // Settled, never rejected: a tail that fails is only not held (a later read asks again, and
  // reports what is wrong then).
  const tailPending =
    lastBytes === 0
      ? undefined
      : client.fetchRange(href, { suffix: lastBytes }, tailAbort.signal).then(
          (answer) => answer,
          () => undefined,
        );
  let first: Awaited<ReturnType<HttpClient["fetchRange"]>>;
  try {
    first = await client.fetchRange(href, { start: 0, end: firstBytes }, options.signal);
  } catch (error) {
    stopTail();
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", stopTail);
  }
  // A server that ignores Range answers 200: the tail's answer would be the whole object.
  if (first.status === 200) stopTail();
  let { size, version } = first;
  if (size === undefined) ({ size, version } = await client.fetchSize(href, options.signal));
  const total = size;
  // The opening answers' bytes, where they are the file's first (last) bytes as its size says.
  const held = first.bytes.length === Math.min(firstBytes, total) ? first.bytes : new Uint8Array(0);
  const tailAnswer = first.status === 200 ? undefined : await tailPending;
  const sameObject =
    tailAnswer !== undefined &&
    tailAnswer.status === 206 &&
    tailAnswer.size === total &&
    (tailAnswer.version === undefined || version === undefined || tailAnswer.version === version);
  const tail =
    sameObject && tailAnswer.bytes.length === Math.min(lastBytes, total) ? tailAnswer.bytes : new Uint8Array(0);
  const tailStart = total - tail.length;
  return {
    url: href,
    size: total,
    version,
    get requests() {
      return client.requests;
    },
    get bytesReceived() {
      return client.bytesReceived;
    },
    read: async (byteOffset, byteLength, signal) => {
      checkRead(byteOffset, byteLength);
      const end = Math.min(total, byteOffset + byteLength);
      if (end <= byteOffset) return new Uint8Array(0);
      if (end <= held.length) return held.slice(byteOffset, end);
      if (tail.length > 0 && byteOffset >= tailStart) return tail.slice(byteOffset - tailStart, end - tailStart);
      const answer = await client.fetchRange(href, { start: byteOffset, end }, signal);
      const where = { url: href, start: byteOffset, end, status: answer.status };
      if (answer.version !== undefined && version !== undefined && answer.version !== version) {
        throw new ByteSourceError(
          "changed",
          `the object changed since it was opened (version ${version}, now ${answer.version}): open it again`,
          where,
        );
      }
      if (answer.size !== undefined && answer.size !== total) {
        throw new ByteSourceError(
          "changed",
          `the object changed since it was opened (${total} bytes, now ${answer.size}): open it again`,
          where,
        );
      }
      if (answer.bytes.length !== end - byteOffset) {
        throw new ByteSourceError(
          "premature-end",
          `the answer held ${answer.bytes.length} of the ${end - byteOffset} bytes asked`,
          where,
        );
      }
      return answer.bytes;
    },
  };
}
