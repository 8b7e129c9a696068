import { ByteSourceError, type HttpClient } from "@granule/byte-source";
import { type ByteSource, checkHeaders, type OpusIndex, readSidecar } from "@granule/opus-index";

/** `https://h/x.opus?sig=1` → `https://h/x.opus.idx?sig=1`: where `granule index` puts a file's sidecar. */
export function sidecarUrlOf(url: string): string {
  const at = url.search(/[?#]/);
  return at < 0 ? `${url}.idx` : `${url.slice(0, at)}.idx${url.slice(at)}`;
}

/**
 * The bytes of the sidecar next to a plain file's URL (`x.opus.idx`, published with the file),
 * when the server has one. No sidecar (404), or one the URL's credentials do not reach (401,
 * 403: a signed URL is signed for the file alone): `undefined`, and the file is indexed. It
 * needs nothing of the file, so it is asked for while the file is opened.
 */
export async function fetchRemoteSidecar(
  url: string,
  client: HttpClient,
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  try {
    return (await client.fetchRange(sidecarUrlOf(url), undefined, signal)).bytes;
  } catch (error) {
    const absent =
      error instanceof ByteSourceError &&
      (error.code === "not-found" || (error.code === "http-status" && (error.status === 401 || error.status === 403)));
    if (absent) return undefined;
    throw error;
  }
}

/**
 * The index a fetched sidecar holds, checked as a local sidecar is (the file's size, its header
 * pages read again): a sidecar of another or edited file is an `OpusError` (`bad-sidecar`,
 * `stale-index`), never used. Then a few ranges of the file are read instead of all of it.
 */
export async function remoteSidecarIndex(
  bytes: Uint8Array,
  source: ByteSource,
  signal?: AbortSignal,
): Promise<OpusIndex> {
  const index = readSidecar(bytes, source.size);
  await checkHeaders(index, source, signal);
  return index;
}
