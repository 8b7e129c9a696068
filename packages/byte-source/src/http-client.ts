import { type ContentRange, parseContentRange, unsatisfiedSize } from "./content-range.ts";
import { ByteSourceError, type ByteSourceErrorDetails } from "./errors.ts";
import { type BodyWindow, readBody } from "./read-body.ts";

/** Bytes `start` to `end` (exclusive; to the object's end when absent), or the last `suffix` bytes. */
export type ByteRange = { start: number; end?: number | undefined } | { suffix: number };

/** Something worth saying once that is not an error: a server that ignores Range. */
export interface ByteSourceWarning {
  code: "range-ignored";
  /** The URL that showed it. */
  url: string;
  message: string;
}

export interface HttpClientOptions {
  /** The `fetch` to use; the global one by default. */
  fetch?: typeof fetch;
  /** Extra request headers (authorisation, say). */
  headers?: Record<string, string>;
  /**
   * Longest wait from sending a request to its answer's headers, connecting included (fetch
   * does not say when a connection is made, so connect and first byte share this deadline).
   */
  firstByteMs?: number;
  /** Longest wait for the next piece of a body. */
  idleMs?: number;
  /**
   * Most body bytes one answer may make us read: the guard against endless or huge answers to
   * whole-object GETs, and against streaming far into an object whose server ignores Range.
   */
  maxResponseBytes?: number;
  /** Retries of an idempotent GET/HEAD after a 5xx/408/429, a refused or reset connection, a cut body. */
  retries?: number;
  /** Wait before the first retry; doubled for each next one. */
  retryDelayMs?: number;
  /** Redirects followed per request. */
  maxRedirects?: number;
  /** Called once per origin that ignores Range (answers 200 to a ranged GET). */
  onWarning?: (warning: ByteSourceWarning) => void;
}

export const HTTP_DEFAULTS = {
  firstByteMs: 30_000,
  idleMs: 30_000,
  maxResponseBytes: 256 * 1024 * 1024,
  retries: 3,
  retryDelayMs: 250,
  maxRedirects: 5,
} as const;

/** What a ranged GET gave. */
export interface RangeResponse {
  /** The bytes of the range asked (fewer only where the object ends); empty for a 416. */
  bytes: Uint8Array;
  /** The whole object's size, when the answer said (Content-Range total, a 200's Content-Length). */
  size: number | undefined;
  /** ETag, or Last-Modified when there is none: changes when the object is replaced. */
  version: string | undefined;
  /** 206, 200 (a server that ignores Range: the window was cut out of the body), or 416 (past the end). */
  status: number;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface HttpClient {
  /**
   * GETs `range` of `url` (the whole object without one), following the rules in the README:
   * the answer is checked against the request, read only as far as the range, within the
   * timeouts and the guard, retried on server faults. Rejects with a `ByteSourceError`.
   */
  fetchRange(url: string | URL, range?: ByteRange, signal?: AbortSignal): Promise<RangeResponse>;
  /** The object's size and version: HEAD, or a one-byte GET where HEAD gives none. */
  fetchSize(url: string | URL, signal?: AbortSignal): Promise<{ size: number; version: string | undefined }>;
  /** Requests sent (redirects and retries included). */
  readonly requests: number;
  /** Body bytes received. */
  readonly bytesReceived: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Failures a repeated idempotent request may not meet again. */
const RETRIED = new Set(["server-error", "connection-failed", "premature-end"]);

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const settings = { ...HTTP_DEFAULTS, ...definedOnly(options) };
  // Not `globalThis.fetch` itself: called as a method of another object, browsers throw
  // "Illegal invocation". Node does not mind.
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const stats = { requests: 0, bytesReceived: 0 };
  const warned = new Set<string>();

  const warnIgnoresRange = (url: string) => {
    const origin = originOf(url);
    if (warned.has(origin)) return;
    warned.add(origin);
    options.onWarning?.({
      code: "range-ignored",
      url,
      message: `${origin} ignores Range requests (it answers 200 with the whole object): each read streams the object from its start to the bytes needed`,
    });
  };

  /** One request and its redirects, resolved at the final answer's headers. */
  const send = async (
    url: string,
    method: "GET" | "HEAD",
    headers: Record<string, string>,
    abort: AbortController,
    where: ByteSourceErrorDetails,
  ): Promise<{ response: Response; url: string }> => {
    let current = url;
    for (let hop = 0; ; hop++) {
      stats.requests++;
      const response = await fetchImpl(current, { method, headers, redirect: "manual", signal: abort.signal });
      if (response.type === "opaqueredirect") {
        // A browser hides where a manual redirect goes: let it follow them (it stops at 20).
        stats.requests++;
        const followed = await fetchImpl(current, { method, headers, redirect: "follow", signal: abort.signal });
        return { response: followed, url: followed.url || current };
      }
      if (!REDIRECTS.has(response.status)) return { response, url: current };
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get("location");
      if (location === null) {
        throw new ByteSourceError("http-status", `answered ${response.status} without a Location`, {
          ...where,
          status: response.status,
        });
      }
      if (hop >= settings.maxRedirects) {
        throw new ByteSourceError("too-many-redirects", `redirected more than ${settings.maxRedirects} times`, {
          ...where,
          status: response.status,
        });
      }
      current = new URL(location, current).href;
    }
  };

  /** Sends one request within `firstByteMs`, then lets `answer` read it; cleans up either way. */
  const exchange = async <T>(
    url: string,
    method: "GET" | "HEAD",
    range: ByteRange | undefined,
    signal: AbortSignal | undefined,
    answer: (response: Response, finalUrl: string, abort: AbortController, where: ByteSourceErrorDetails) => Promise<T>,
  ): Promise<T> => {
    const where = { url, ...rangeDetails(range) };
    if (signal?.aborted) throw signal.reason;
    const abort = new AbortController();
    const onAbort = () => abort.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, settings.firstByteMs);
    try {
      const headers: Record<string, string> = { ...options.headers, "accept-encoding": "identity" };
      const text = rangeHeader(range);
      if (text !== undefined) headers.range = text;
      let sent: { response: Response; url: string };
      try {
        sent = await send(url, method, headers, abort, where);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (timedOut) throw new ByteSourceError("timeout", `no answer within ${settings.firstByteMs} ms`, where);
        if (error instanceof ByteSourceError) throw error;
        throw new ByteSourceError("connection-failed", `the request failed: ${causeText(error)}`, {
          ...where,
          cause: error,
        });
      } finally {
        clearTimeout(timer);
      }
      return await answer(sent.response, sent.url, abort, where);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  };

  const retrying = async <T>(attempt: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> => {
    for (let tried = 0; ; tried++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof ByteSourceError) || !RETRIED.has(error.code) || tried >= settings.retries) throw error;
        await sleep(settings.retryDelayMs * 2 ** tried, signal);
      }
    }
  };

  const limits = { idleMs: settings.idleMs, maxBytes: settings.maxResponseBytes };

  /** One GET of `range`, its answer checked and read. A 416 comes back as such (status 416). */
  const getOnce = (url: string, range: ByteRange | undefined, signal: AbortSignal | undefined) =>
    exchange(url, "GET", range, signal, async (response, finalUrl, abort, where): Promise<RangeResponse> => {
      const status = response.status;
      const version = versionOf(response);
      const read = (window: BodyWindow) =>
        readBody(response, window, limits, abort, signal, where, (count) => {
          stats.bytesReceived += count;
        });
      const refuse = async (code: "bad-range-response" | "too-large", message: string): Promise<never> => {
        await response.body?.cancel().catch(() => undefined);
        abort.abort();
        throw new ByteSourceError(code, message, { ...where, status });
      };
      if (status === 206) {
        const contentRange = parseContentRange(response.headers.get("content-range"));
        if (contentRange === undefined) {
          return refuse(
            "bad-range-response",
            `answered 206 without a single-range Content-Range (got ${JSON.stringify(response.headers.get("content-range"))})`,
          );
        }
        if (!answersRange(range, contentRange)) {
          return refuse(
            "bad-range-response",
            `answered 206 with Content-Range ${response.headers.get("content-range")}, another range than asked`,
          );
        }
        const length = contentRange.last - contentRange.first + 1;
        const announced = contentLength(response);
        if (announced !== undefined && announced !== length) {
          return refuse(
            "bad-range-response",
            `answered 206 with Content-Length ${announced} for the ${length} bytes of its Content-Range`,
          );
        }
        const body = await read({ skip: 0, length, endsThere: true });
        if (body.bytes.length < length) {
          throw new ByteSourceError(
            "premature-end",
            `the body ended after ${body.bytes.length} of the ${length} bytes its Content-Range announced`,
            { ...where, status },
          );
        }
        return { bytes: body.bytes, size: contentRange.total, version, status, url: finalUrl };
      }
      if (status === 200) {
        const size = contentLength(response);
        if (range === undefined) {
          if (size !== undefined && size > limits.maxBytes) {
            return refuse("too-large", `the object has ${size} bytes, more than the ${limits.maxBytes} allowed`);
          }
          const body = await read({ skip: 0, length: size, endsThere: size !== undefined });
          return checkedWhole(body, size, version, status, finalUrl, where);
        }
        warnIgnoresRange(finalUrl);
        if ("suffix" in range && size === undefined) {
          const body = await read({ skip: 0, length: undefined, tail: range.suffix });
          return { bytes: body.bytes, size: body.bodyBytes, version, status, url: finalUrl };
        }
        const start = "suffix" in range ? Math.max(0, size! - range.suffix) : range.start;
        const end = "suffix" in range ? size : range.end === undefined ? size : Math.min(range.end, size ?? range.end);
        const body = await read({ skip: start, length: end === undefined ? undefined : Math.max(0, end - start) });
        if (end !== undefined && body.bytes.length < end - start) {
          // The body ended early: where the server gave no length, the object is that short.
          if (size !== undefined || !body.ended) {
            throw new ByteSourceError(
              "premature-end",
              `the body ended after ${body.bodyBytes} bytes${size === undefined ? "" : ` of the ${size} its Content-Length announced`}`,
              { ...where, status },
            );
          }
          return { bytes: body.bytes, size: body.bodyBytes, version, status, url: finalUrl };
        }
        return {
          bytes: body.bytes,
          size: size ?? (body.ended ? body.bodyBytes : undefined),
          version,
          status,
          url: finalUrl,
        };
      }
      await response.body?.cancel().catch(() => undefined);
      if (status === 416) {
        return {
          bytes: new Uint8Array(0),
          size: unsatisfiedSize(response.headers.get("content-range")),
          version,
          status,
          url: finalUrl,
        };
      }
      throw statusError(response, where);
    });

  const fetchSize = async (url: string | URL, signal?: AbortSignal) => {
    const href = String(url);
    const head = await retrying(
      () =>
        exchange(href, "HEAD", undefined, signal, async (response, _finalUrl, _abort, where) => {
          await response.body?.cancel().catch(() => undefined);
          if (response.status === 405 || response.status === 501) return undefined;
          if (response.status !== 200) throw statusError(response, where);
          const size = contentLength(response);
          return size === undefined ? undefined : { size, version: versionOf(response) };
        }),
      signal,
    );
    if (head !== undefined) return head;
    // No HEAD (or no length in it): a one-byte GET's Content-Range, or the body counted.
    const first = await retrying(() => getOnce(href, { start: 0, end: 1 }, signal), signal);
    if (first.status === 416) return { size: first.size ?? 0, version: first.version };
    if (first.size !== undefined) return { size: first.size, version: first.version };
    const counted = await retrying(
      () =>
        exchange(href, "GET", undefined, signal, async (response, _finalUrl, abort, where) => {
          if (response.status !== 200) {
            await response.body?.cancel().catch(() => undefined);
            throw statusError(response, where);
          }
          const body = await readBody(
            response,
            { skip: 0, length: undefined, tail: 0 },
            limits,
            abort,
            signal,
            where,
            (n) => {
              stats.bytesReceived += n;
            },
          );
          return { size: body.bodyBytes, version: versionOf(response) };
        }),
      signal,
    );
    return counted;
  };

  const fetchRange = async (url: string | URL, range?: ByteRange, signal?: AbortSignal): Promise<RangeResponse> => {
    const href = String(url);
    checkRange(range, href);
    const answer = await retrying(() => getOnce(href, range, signal), signal);
    if (answer.status !== 416 || range === undefined) return answer;
    if ("suffix" in range) {
      // Some servers (http-server@14) refuse suffix ranges: learn the size, then ask by position.
      const { size } = await fetchSize(href, signal);
      if (size === 0) return { ...answer, size: 0 };
      return fetchRange(href, { start: Math.max(0, size - range.suffix), end: size }, signal);
    }
    const size = answer.size ?? (await fetchSize(href, signal)).size;
    if (size > range.start) {
      throw new ByteSourceError(
        "bad-range-response",
        `answered 416 Range Not Satisfiable although the object has ${size} bytes`,
        { url: href, ...rangeDetails(range), status: 416 },
      );
    }
    // Asked from past the end: there are no bytes there.
    return { ...answer, size };
  };

  return {
    fetchRange,
    fetchSize,
    get requests() {
      return stats.requests;
    },
    get bytesReceived() {
      return stats.bytesReceived;
    },
  };
}

/** Does a 206's Content-Range answer the range asked (allowing the end clamped at the object's end)? */
function answersRange(range: ByteRange | undefined, got: ContentRange): boolean {
  const atObjectEnd = got.total !== undefined && got.last === got.total - 1;
  if (range === undefined) return got.first === 0 && (got.total === undefined || atObjectEnd);
  if ("suffix" in range) {
    return got.total === undefined
      ? got.last - got.first + 1 === range.suffix
      : atObjectEnd && got.first === Math.max(0, got.total - range.suffix);
  }
  if (got.first !== range.start) return false;
  if (range.end === undefined) return got.total === undefined || atObjectEnd;
  return got.last === range.end - 1 || (atObjectEnd && got.last < range.end - 1);
}

function checkedWhole(
  body: { bytes: Uint8Array; bodyBytes: number },
  size: number | undefined,
  version: string | undefined,
  status: number,
  url: string,
  where: ByteSourceErrorDetails,
): RangeResponse {
  if (size !== undefined && body.bytes.length < size) {
    throw new ByteSourceError(
      "premature-end",
      `the body ended after ${body.bytes.length} of the ${size} bytes its Content-Length announced`,
      { ...where, status },
    );
  }
  return { bytes: body.bytes, size: size ?? body.bytes.length, version, status, url };
}

function statusError(response: Response, where: ByteSourceErrorDetails): ByteSourceError {
  const { status } = response;
  const said = `answered ${status}${response.statusText ? ` ${response.statusText}` : ""}`;
  if (status === 404 || status === 410)
    return new ByteSourceError("not-found", `${said}: nothing is there`, { ...where, status });
  if (status >= 500 || status === 408 || status === 429) {
    return new ByteSourceError("server-error", `${said}: a fault of the server`, { ...where, status });
  }
  return new ByteSourceError("http-status", said, { ...where, status });
}

/** Content-Length, when it counts the bytes as sent (no content coding). */
function contentLength(response: Response): number | undefined {
  const coding = response.headers.get("content-encoding");
  if (coding !== null && coding.toLowerCase() !== "identity") return undefined;
  const text = response.headers.get("content-length");
  const value = text === null || !/^\s*\d+\s*$/.test(text) ? Number.NaN : Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

function versionOf(response: Response): string | undefined {
  return response.headers.get("etag") ?? response.headers.get("last-modified") ?? undefined;
}

function rangeHeader(range: ByteRange | undefined): string | undefined {
  if (range === undefined) return undefined;
  if ("suffix" in range) return `bytes=-${range.suffix}`;
  return `bytes=${range.start}-${range.end === undefined ? "" : range.end - 1}`;
}

function rangeDetails(range: ByteRange | undefined): Pick<ByteSourceErrorDetails, "start" | "end" | "suffix"> {
  if (range === undefined) return {};
  if ("suffix" in range) return { suffix: range.suffix };
  return { start: range.start, end: range.end };
}

function checkRange(range: ByteRange | undefined, url: string): void {
  if (range === undefined) return;
  const whole = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  const ok =
    "suffix" in range
      ? whole(range.suffix) && range.suffix > 0
      : whole(range.start) && (range.end === undefined || (whole(range.end) && range.end > range.start));
  if (!ok) {
    throw new ByteSourceError("invalid-argument", `not a non-empty byte range: ${JSON.stringify(range)}`, { url });
  }
}

function causeText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const own = (error as Error)?.message ?? String(error);
  if (cause?.code !== undefined) return `${cause.code}${cause.message ? ` (${cause.message})` : ""}`;
  return cause?.message !== undefined ? `${own}: ${cause.message}` : own;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function definedOnly<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}
