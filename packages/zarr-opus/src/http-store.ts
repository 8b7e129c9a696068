import { ArchiveError } from "./errors.ts";
import {
  type AbsolutePath,
  type GetOptions,
  type RangeQuery,
  type RangeRead,
  type ReadableStore,
  sliceRange,
} from "./store.ts";

export interface HttpStoreOptions {
  /** Extra request headers (authorisation, say). */
  headers?: Record<string, string>;
  /** The `fetch` to use; the global one by default. */
  fetch?: typeof fetch;
}

/**
 * A read-only store over static HTTP(S) hosting: plain GETs, and Range requests for parts of
 * shards (`bytes=a-b`, and `bytes=-n` for a shard's index at its end). A 404 is a missing key.
 * A server that answers a Range request with the whole object (200) fails the read with
 * `range-not-supported` before its body is read, unless the whole object is no larger than the
 * range asked for: reading 32 MiB shards whole for each few kilobytes is not a way to work.
 * Ranged reads give the response's ETag and Content-Range total with the bytes (`RangeRead`).
 * `requests` and `bytesReceived` count what it fetched, to measure what a read costs.
 */
export class HttpStore implements ReadableStore {
  readonly description: string;
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly headers: Record<string, string>;
  requests = 0;
  bytesReceived = 0;

  constructor(url: string | URL, options: HttpStoreOptions = {}) {
    this.base = String(url).replace(/\/+$/, "");
    this.description = this.base;
    // Not `globalThis.fetch` itself: called as this.fetchImpl(...), browsers throw "Illegal
    // invocation" (fetch must not be called on another object). Node does not mind.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.headers = options.headers ?? {};
  }

  async get(key: AbsolutePath, options?: GetOptions): Promise<Uint8Array | undefined> {
    return (await this.request(key, undefined, options?.signal))?.bytes;
  }

  getRange(key: AbsolutePath, range: RangeQuery, options?: GetOptions): Promise<RangeRead | undefined> {
    return this.request(key, range, options?.signal);
  }

  private async request(
    key: AbsolutePath,
    range: RangeQuery | undefined,
    signal: AbortSignal | undefined,
  ): Promise<RangeRead | undefined> {
    const url = this.base + key.split("/").map(encodeURIComponent).join("/");
    const headers: Record<string, string> = { ...this.headers };
    if (range !== undefined) {
      if ("suffixLength" in range) {
        headers.range = `bytes=-${range.suffixLength}`;
      } else {
        if (range.length === 0) return { bytes: new Uint8Array(0) };
        headers.range = `bytes=${range.offset}-${range.offset + range.length - 1}`;
      }
    }
    this.requests++;
    let response: Response;
    try {
      response = await this.fetchImpl(url, { headers, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ArchiveError("io", `GET ${url} failed: ${(error as Error).message}`, { key, cause: error });
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      return undefined;
    }
    // Asked past the end of a (truncated) object: there are no bytes there.
    if (response.status === 416) {
      await response.body?.cancel();
      return { bytes: new Uint8Array(0) };
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new ArchiveError("io", `GET ${url} answered ${response.status} ${response.statusText}`, { key });
    }
    if (range !== undefined && response.status === 200) {
      const span = "suffixLength" in range ? range.suffixLength : range.offset === 0 ? range.length : 0;
      const whole = Number(response.headers.get("content-length") ?? Number.NaN);
      if (!(whole <= span)) {
        await response.body?.cancel();
        throw new ArchiveError(
          "range-not-supported",
          `GET ${url} with Range ${headers.range} answered 200 with the whole object${Number.isFinite(whole) ? ` (${whole} bytes)` : ""}: the server must support Range requests`,
          { key },
        );
      }
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    this.bytesReceived += bytes.length;
    if (range === undefined) return { bytes };
    const version = response.headers.get("etag") ?? undefined;
    if (response.status === 206) {
      const total = Number(response.headers.get("content-range")?.match(/\/(\d+)\s*$/)?.[1]);
      return { bytes, ...(Number.isSafeInteger(total) ? { size: total } : {}), ...(version ? { version } : {}) };
    }
    // The whole object, no larger than the range: cut out the part asked for.
    return { bytes: sliceRange(bytes, range), size: bytes.length, ...(version ? { version } : {}) };
  }
}
