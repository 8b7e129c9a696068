import { HttpStore, type HttpStoreOptions } from "@granule/zarr-opus/node";

/**
 * The `zarr.json` documents a probe read (is this URL an archive's root?), by URL, each handed
 * once to the reader that opens what the probe found. A command asks an archive URL what it
 * is, then opens it: without this, the recording's `zarr.json` is fetched twice in a row, one
 * round trip more before the first useful one. Taken once: any later read (the check that a
 * recording was not replaced while it was read) goes to the server.
 */
const probed = new Map<string, Uint8Array>();

const urlOf = (store: HttpStore, key: string) => `${store.description}${key}`;

/** A store for asking what `url` is (`openCollection`): it keeps the `zarr.json` of `url` for the next opener. */
export class ProbeStore extends HttpStore {
  override async get(key: `/${string}`, options?: { signal?: AbortSignal }): Promise<Uint8Array | undefined> {
    const bytes = await super.get(key, options);
    if (bytes !== undefined && key === "/zarr.json") probed.set(urlOf(this, key), bytes);
    return bytes;
  }
}

/** A store for opening `url`, whose first read of a document a probe just read is the probe's. */
export class OpenerStore extends HttpStore {
  override async get(key: `/${string}`, options?: { signal?: AbortSignal }): Promise<Uint8Array | undefined> {
    const url = urlOf(this, key);
    const held = probed.get(url);
    if (held !== undefined) {
      probed.delete(url);
      return held;
    }
    return super.get(key, options);
  }
}

export const probeStore = (url: string) => new ProbeStore(url);
export const openerStore = (url: string, options?: HttpStoreOptions) => new OpenerStore(url, options);
