/** What went wrong reading bytes, as a string a caller can switch on. None of them is damage in the data read. */
export type ByteSourceErrorCode =
  /** No response headers within `firstByteMs`, or no body bytes for `idleMs`. */
  | "timeout"
  /** The server answered 5xx (after the retries). */
  | "server-error"
  /** The connection could not be made or was reset before an answer (after the retries). */
  | "connection-failed"
  /** A 206 for another range than asked (Content-Range), or one without a usable Content-Range. */
  | "bad-range-response"
  /** The object changed between reads (another ETag, Last-Modified or size). */
  | "changed"
  /** The body ended (or the connection closed) before the bytes the answer announced. */
  | "premature-end"
  /** An answer larger than `maxResponseBytes` would have to be read. */
  | "too-large"
  /** 404 or 410: there is no object at the URL. */
  | "not-found"
  /** Redirected more than `maxRedirects` times. */
  | "too-many-redirects"
  /** Any other status that is not an answer to the request (401, 403, 400...). */
  | "http-status"
  /** An argument outside what the function accepts. */
  | "invalid-argument";

export interface ByteSourceErrorDetails {
  /** The URL (or source description) read. */
  url?: string | undefined;
  /** The first byte asked for. */
  start?: number | undefined;
  /** One past the last byte asked for (undefined for "to the end"). */
  end?: number | undefined;
  /** For a suffix range: how many bytes from the end were asked. */
  suffix?: number | undefined;
  /** The HTTP status of the answer, when there was one. */
  status?: number | undefined;
  cause?: unknown;
}

/**
 * The one error type of this package: a fault of the source or server, never of the data it
 * holds. `url` and the range say where; the message ends with them (`(GET <url> bytes=a-b)`).
 */
export class ByteSourceError extends Error {
  override readonly name = "ByteSourceError";
  readonly code: ByteSourceErrorCode;
  readonly url: string | undefined;
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly suffix: number | undefined;
  readonly status: number | undefined;

  constructor(code: ByteSourceErrorCode, message: string, details: ByteSourceErrorDetails = {}) {
    super(message + where(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.url = details.url;
    this.start = details.start;
    this.end = details.end;
    this.suffix = details.suffix;
    this.status = details.status;
  }
}

/** A range as HTTP writes it: `bytes=100-199`, `bytes=100-`, `bytes=-64`. */
export function rangeText(details: Pick<ByteSourceErrorDetails, "start" | "end" | "suffix">): string | undefined {
  if (details.suffix !== undefined) return `bytes=-${details.suffix}`;
  if (details.start === undefined) return undefined;
  return `bytes=${details.start}-${details.end === undefined ? "" : details.end - 1}`;
}

function where(details: ByteSourceErrorDetails): string {
  if (details.url === undefined) return "";
  const range = rangeText(details);
  return ` (GET ${details.url}${range === undefined ? "" : ` ${range}`})`;
}
