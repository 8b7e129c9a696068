import { ByteSourceError, type ByteSourceErrorDetails } from "./errors.ts";

/** Which part of a body to keep. */
export interface BodyWindow {
  /** Body bytes to pass over first (a 200 answer to a range that starts at `skip`). */
  skip: number;
  /** Bytes to keep after `skip`; `undefined`: to the end of the body. Reading stops there. */
  length: number | undefined;
  /** Keep only the body's last `tail` bytes (a suffix range answered 200 without a length). */
  tail?: number | undefined;
  /**
   * The body is announced to end where the window does (a 206, a whole object with its
   * length): reading goes on to see that end, so the connection can be used again.
   */
  endsThere?: boolean | undefined;
}

export interface BodyLimits {
  /** Longest wait for the next piece of the body. */
  idleMs: number;
  /** Most body bytes one answer may make us read, passed-over bytes included. */
  maxBytes: number;
}

export interface BodyRead {
  bytes: Uint8Array;
  /** The body ended (rather than reading stopping at the window's end). */
  ended: boolean;
  /** Body bytes read, passed-over ones included. */
  bodyBytes: number;
}

const IDLE = Symbol("idle");

/**
 * Reads the window of a response body and no further: once the window is full the reader is
 * cancelled and the request aborted, so an endless or huge answer costs at most one piece more
 * than the window. Every wait for a piece is bounded by `idleMs`; the body ending early, the
 * connection closing and the limits turn into typed errors naming `where`.
 */
export async function readBody(
  response: Response,
  window: BodyWindow,
  limits: BodyLimits,
  abort: AbortController,
  signal: AbortSignal | undefined,
  where: ByteSourceErrorDetails,
  onBytes: (count: number) => void,
): Promise<BodyRead> {
  const wantEnd = window.length === undefined ? Number.POSITIVE_INFINITY : window.skip + window.length;
  if (Number.isFinite(wantEnd) && wantEnd > limits.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    abort.abort();
    throw new ByteSourceError(
      "too-large",
      `the answer would need ${wantEnd} body bytes read, more than the ${limits.maxBytes} allowed (maxResponseBytes)`,
      where,
    );
  }
  const body = response.body;
  if (body === null) return { bytes: new Uint8Array(0), ended: true, bodyBytes: 0 };
  const reader = body.getReader();
  const out = window.length !== undefined && window.tail === undefined ? new Uint8Array(window.length) : undefined;
  const pieces: Uint8Array[] = [];
  const tail = window.tail === undefined ? undefined : new Uint8Array(window.tail);
  let position = 0;
  let ended = false;
  try {
    while (position < wantEnd || (window.endsThere === true && position === wantEnd)) {
      const result = await readWithin(reader, limits.idleMs);
      if (result.done) {
        ended = true;
        break;
      }
      const piece = result.value;
      onBytes(piece.length);
      const from = position;
      position += piece.length;
      if (position > limits.maxBytes && window.length === undefined) {
        throw new ByteSourceError(
          "too-large",
          `the body goes on past the ${limits.maxBytes} bytes allowed (maxResponseBytes)`,
          where,
        );
      }
      if (tail !== undefined) {
        keepTail(tail, piece, from);
        continue;
      }
      const keepStart = Math.max(from, window.skip);
      const keepEnd = Math.min(position, wantEnd);
      if (keepEnd <= keepStart) continue;
      const part = piece.subarray(keepStart - from, keepEnd - from);
      if (out !== undefined) out.set(part, keepStart - window.skip);
      else pieces.push(part);
    }
  } catch (error) {
    stop(reader, abort);
    if (signal?.aborted) throw signal.reason;
    if (error === IDLE) {
      throw new ByteSourceError("timeout", `no body bytes for ${limits.idleMs} ms after ${position} bytes`, where);
    }
    if (error instanceof ByteSourceError) throw error;
    throw new ByteSourceError(
      "premature-end",
      `the connection closed after ${position} body bytes (${(error as Error)?.message ?? String(error)})`,
      { ...where, cause: error },
    );
  }
  if (!ended) stop(reader, abort);
  let bytes: Uint8Array;
  if (tail !== undefined) bytes = linearTail(tail, position);
  else if (out !== undefined) bytes = out.subarray(0, Math.max(0, Math.min(position, wantEnd) - window.skip));
  else bytes = concat(pieces);
  return { bytes, ended, bodyBytes: position };
}

/** Stops reading: the rest of the body is never fetched (the connection is dropped). */
function stop(reader: ReadableStreamDefaultReader<Uint8Array>, abort: AbortController): void {
  reader.cancel().catch(() => undefined);
  abort.abort();
}

async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  idleMs: number,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(IDLE), idleMs);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes `piece` (body bytes from `from`) into the ring `tail`, indexed by body position. */
function keepTail(tail: Uint8Array, piece: Uint8Array, from: number): void {
  const n = tail.length;
  if (n === 0) return;
  const start = Math.max(0, piece.length - n);
  for (let i = start; i < piece.length; i++) tail[(from + i) % n] = piece[i]!;
}

/** The ring's bytes in body order: the last min(n, bodyBytes) bytes of the body. */
function linearTail(tail: Uint8Array, bodyBytes: number): Uint8Array {
  const n = Math.min(tail.length, bodyBytes);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = tail[(bodyBytes - n + i) % tail.length]!;
  return out;
}

function concat(pieces: Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(pieces.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
