import { assemblePackets, type OggPage, readPages } from "@granule/ogg-pages";
import { type ByteSource, readExactly } from "./byte-source.ts";
import { OpusError } from "./errors.ts";
import type { OpusLink } from "./index-data.ts";
import { type OpusHead, parseOpusHead } from "./opus-head.ts";
import type { OpusIndex } from "./opus-index.ts";
import { parseOpusTags } from "./opus-tags.ts";

const hex = (crc: number) => `0x${crc.toString(16).padStart(8, "0")}`;

const stale = (byteOffset: number, subject: string, detail?: string) =>
  new OpusError(
    "stale-index",
    `${subject} does not match the index: the file changed after it was indexed${detail === undefined ? "" : ` (${detail})`}; index it again`,
    { byteOffset },
  );

/**
 * Checks that `source` still holds the header pages the index was built from (OpusHead and
 * OpusTags of every link): the same pages at the same offsets with the same CRCs, or, for an
 * index from an older archive without recorded header pages, the same parsed headers. A file
 * edited in place after indexing (a new output gain or pre-skip, other tags; the same size)
 * would otherwise be read with the old index. Throws `OpusError` `stale-index` naming the byte
 * offset of the first page that differs. Reads only the header pages: cheap enough for every open.
 */
export async function checkHeaders(index: OpusIndex, source: ByteSource, signal?: AbortSignal): Promise<void> {
  if (source.size !== index.byteLength) {
    throw new OpusError(
      "stale-index",
      `the file has ${source.size} bytes but the index was built for ${index.byteLength}: not the same file`,
    );
  }
  for (const link of index.links) {
    const bytes = await readExactly(source, link.headerByteOffset, link.headerByteLength, signal);
    const pages = [...readPages(bytes)];
    if (link.headerPages !== undefined) checkRecordedPages(link, pages);
    else checkParsedHeaders(link, pages);
  }
}

function checkRecordedPages(link: OpusLink, pages: OggPage[]): void {
  const found = new Map(pages.map((page) => [link.headerByteOffset + page.byteOffset, page]));
  for (const expected of link.headerPages!) {
    const page = found.get(expected.byteOffset);
    const which = `the header page at byte ${expected.byteOffset} of stream ${link.serial}`;
    if (page === undefined) throw stale(expected.byteOffset, which, "no valid page is there any more");
    if (page.byteLength !== expected.byteLength || page.serial !== link.serial || page.crc !== expected.crc) {
      throw stale(
        expected.byteOffset,
        which,
        `${page.byteLength} bytes, CRC ${hex(page.crc)}; the index recorded ${expected.byteLength} bytes, CRC ${hex(expected.crc)}`,
      );
    }
  }
}

function checkParsedHeaders(link: OpusLink, pages: OggPage[]): void {
  const own = pages.filter((page) => page.serial === link.serial);
  const packets = [...assemblePackets(own)];
  let head: OpusHead;
  let tags: ReturnType<typeof parseOpusTags>;
  try {
    head = parseOpusHead(packets[0]?.data ?? new Uint8Array(0));
    tags = parseOpusTags(packets[1]?.data ?? new Uint8Array(0));
  } catch {
    throw stale(
      link.headerByteOffset,
      `the header pages of stream ${link.serial}`,
      "they no longer hold an OpusHead and OpusTags",
    );
  }
  const a = link.head;
  if (
    head.version !== a.version ||
    head.channels !== a.channels ||
    head.preSkip !== a.preSkip ||
    head.inputSampleRate !== a.inputSampleRate ||
    head.outputGainQ8 !== a.outputGainQ8 ||
    head.mappingFamily !== a.mappingFamily ||
    head.streamCount !== a.streamCount ||
    head.coupledCount !== a.coupledCount ||
    head.mapping.join() !== a.mapping.join()
  ) {
    throw stale(
      link.headerByteOffset + packets[0]!.startPageByteOffset,
      `the OpusHead of stream ${link.serial}`,
      `pre-skip ${head.preSkip}, output gain ${head.outputGainQ8}, ${head.channels} channels; the index has ${a.preSkip}, ${a.outputGainQ8}, ${a.channels}`,
    );
  }
  if (tags.vendor !== link.tags.vendor || tags.comments.join("\n") !== link.tags.comments.join("\n")) {
    throw stale(link.headerByteOffset + packets[1]!.startPageByteOffset, `the OpusTags of stream ${link.serial}`);
  }
}
