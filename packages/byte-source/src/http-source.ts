import { type ByteSource, checkRead } from "./byte-source.ts";
import { ByteSourceError } from "./errors.ts";
import { createHttpClient, type HttpClient, type HttpClientOptions } from "./http-client.ts";

export interface HttpSourceOptions extends HttpClientOptions {
  /** A client to share (its counters, its once-per-origin warning); one is made from the options otherwise. */
  client?: HttpClient;
  signal?: AbortSignal;
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
 * the size (and ETag or Last-Modified) with a one-byte ranged GET, since HEAD is not always
 * allowed on static hosting; HEAD only when that answer gives no size. A later answer with
 * another version or size fails with `changed`: the bytes would not be the ones indexed.
 */
export async function openHttpSource(url: string | URL, options: HttpSourceOptions = {}): Promise<HttpByteSource> {
  const client = options.client ?? createHttpClient(options);
  const href = String(url);
  const first = await client.fetchRange(href, { start: 0, end: 1 }, options.signal);
  let { size, version } = first;
  if (size === undefined) ({ size, version } = await client.fetchSize(href, options.signal));
  const total = size;
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
