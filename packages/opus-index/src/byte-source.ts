import { OpusError } from "./errors.ts";

/**
 * Where bytes come from: a buffer, a file, an HTTP URL, a Zarr array. `read` resolves to
 * exactly `byteLength` bytes (fewer only at the end of the source) and may return a view.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  read(byteOffset: number, byteLength: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** Releases what the source holds open (a file handle); optional. */
  close?(): Promise<void>;
}

/** A source over bytes already in memory; reads are views, never copies. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (byteOffset, byteLength) => {
      checkRange(byteOffset, byteLength);
      return bytes.subarray(byteOffset, Math.min(bytes.length, byteOffset + byteLength));
    },
  };
}

export interface HttpSourceOptions {
  /** Extra request headers (authorisation, say). */
  headers?: Record<string, string>;
  /** The `fetch` to use; the global one by default. */
  fetch?: typeof fetch;
}

/**
 * A source over an HTTP(S) URL, read with Range requests. Learns the size with a one-byte
 * ranged GET (HEAD is not always allowed on static hosting). The server must honour Range.
 */
export async function httpSource(
  url: string | URL,
  options: HttpSourceOptions = {},
): Promise<ByteSource & { requests: number }> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const href = String(url);
  const state = { requests: 0 };
  const get = async (start: number, endInclusive: number, signal?: AbortSignal): Promise<Response> => {
    state.requests++;
    let response: Response;
    try {
      response = await fetchImpl(href, {
        headers: { ...options.headers, range: `bytes=${start}-${endInclusive}` },
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new OpusError("read-failed", `GET ${href} failed: ${(error as Error).message}`, {
        byteOffset: start,
        cause: error,
      });
    }
    if (response.status !== 206) {
      await response.body?.cancel();
      throw new OpusError(
        "read-failed",
        `GET ${href} with Range bytes=${start}-${endInclusive} answered ${response.status}, not 206 Partial Content`,
        { byteOffset: start },
      );
    }
    return response;
  };
  const first = await get(0, 0);
  const total = Number(first.headers.get("content-range")?.match(/\/(\d+)\s*$/)?.[1]);
  await first.arrayBuffer();
  if (!Number.isSafeInteger(total)) {
    throw new OpusError("read-failed", `GET ${href} gave no total size in Content-Range`);
  }
  return {
    size: total,
    get requests() {
      return state.requests;
    },
    read: async (byteOffset, byteLength, signal) => {
      checkRange(byteOffset, byteLength);
      const end = Math.min(total, byteOffset + byteLength);
      if (end <= byteOffset) return new Uint8Array(0);
      const response = await get(byteOffset, end - 1, signal);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length !== end - byteOffset) {
        throw new OpusError(
          "read-failed",
          `GET ${href} returned ${bytes.length} bytes, ${end - byteOffset} were asked`,
          {
            byteOffset,
          },
        );
      }
      return bytes;
    },
  };
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
