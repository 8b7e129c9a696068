import {
  type ByteRange,
  ByteSourceError,
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
} from "@granule/byte-source";
import type { AbsolutePath, GetOptions, RangeQuery, RangeRead, ReadableStore } from "./store.ts";

export interface HttpStoreOptions extends HttpClientOptions {
  /** A client to share (its counters, its once-per-origin warning); one is made from the options otherwise. */
  client?: HttpClient;
}

/**
 * A read-only store over static HTTP(S) hosting, read through `@granule/byte-source`'s client
 * and its rules (timeouts, bodies read only as far as the range, a size guard, retries of server
 * faults, Content-Range checked against the request): plain GETs, and Range requests for parts
 * of shards (`bytes=a-b`, and `bytes=-n` for a shard's index at its end). A 404 is a missing
 * key. A server that ignores Range works too: its 200 bodies are read only as far as the range
 * (`onWarning` is told once); a server that refuses suffix ranges (416) is asked for the size,
 * then by position. Ranged reads give the answer's ETag and the object's size (`RangeRead`).
 * Server faults reject with a `ByteSourceError` (never an `ArchiveError`, which would call the
 * archive damaged). `requests` and `bytesReceived` count what it fetched.
 */
export class HttpStore implements ReadableStore {
  readonly description: string;
  private readonly base: string;
  private readonly client: HttpClient;

  constructor(url: string | URL, options: HttpStoreOptions = {}) {
    this.base = String(url).replace(/\/+$/, "");
    this.description = this.base;
    this.client = options.client ?? createHttpClient(options);
  }

  /** Requests sent (redirects and retries included). */
  get requests(): number {
    return this.client.requests;
  }

  /** Body bytes received. */
  get bytesReceived(): number {
    return this.client.bytesReceived;
  }

  async get(key: AbsolutePath, options?: GetOptions): Promise<Uint8Array | undefined> {
    return (await this.request(key, undefined, options?.signal))?.bytes;
  }

  async getRange(key: AbsolutePath, range: RangeQuery, options?: GetOptions): Promise<RangeRead | undefined> {
    if (!("suffixLength" in range) && range.length === 0) return { bytes: new Uint8Array(0) };
    if ("suffixLength" in range && range.suffixLength === 0) return { bytes: new Uint8Array(0) };
    const asked: ByteRange =
      "suffixLength" in range
        ? { suffix: range.suffixLength }
        : { start: range.offset, end: range.offset + range.length };
    return this.request(key, asked, options?.signal);
  }

  private async request(
    key: AbsolutePath,
    range: ByteRange | undefined,
    signal: AbortSignal | undefined,
  ): Promise<RangeRead | undefined> {
    const url = this.base + key.split("/").map(encodeURIComponent).join("/");
    try {
      // A 416 (asked from past the end of a truncated object) is an empty answer: no bytes there.
      const { bytes, size, version } = await this.client.fetchRange(url, range, signal);
      return { bytes, ...(size === undefined ? {} : { size }), ...(version === undefined ? {} : { version }) };
    } catch (error) {
      if (error instanceof ByteSourceError && error.code === "not-found") return undefined;
      throw error;
    }
  }
}
