import type { OggPage } from "./page-header.ts";
import { PageSync, pageAt, type ReadPagesOptions } from "./page-sync.ts";

/**
 * Iterates the valid pages of a whole buffer, in order. Pages are views into `bytes`.
 * Lenient by default: damaged or foreign bytes are skipped and reported through `onSkip`;
 * with `strict: true` the first problem throws an `OggError` naming its byte offset.
 */
export function* readPages(bytes: Uint8Array, options: ReadPagesOptions = {}): Generator<OggPage, void, undefined> {
  const sync = new PageSync(options);
  let pos = 0;
  for (;;) {
    const at = sync.findPage(bytes, pos, bytes.length, 0, true);
    if (at < 0) return;
    yield pageAt(bytes, at, sync.length, at);
    pos = at + sync.length;
  }
}
