import { readFile } from "node:fs/promises";
import { assemblePackets, OggError, readPages } from "@granule/ogg-pages";

const bytes = new Uint8Array(await readFile("dawn.opus"));

for (const page of readPages(bytes)) {
  // byteOffset, byteLength, granule (bigint, -1n when no packet ends here), serial, sequence,
  // continued, bos, eos, and lacing and body (views into `bytes`, not copies)
  console.log(page.sequence, page.byteOffset, page.byteLength, page.granule);
}

// Lenient (default): damage is skipped and reported once per run of bad bytes; no valid page is lost.
const damaged = bytes.slice();
damaged[5_000] ^= 0xff; // one flipped byte: the page holding it fails its CRC
const pages = [
  ...readPages(damaged, {
    onSkip: ({ byteOffset, byteLength, reason }) => console.log("skipped", byteLength, "bytes at", byteOffset, reason),
  }),
];
console.log(pages.length, "of 23 pages"); // "skipped 5234 bytes at 4656 crc", then 22 of 23 pages

// Strict: the first problem throws an OggError with a code and the byte offset. readPages is
// a generator: nothing is read, and nothing thrown, until it is iterated.
try {
  for (const _page of readPages(damaged, { strict: true }));
} catch (error) {
  if (!(error instanceof OggError)) throw error;
  console.log(error.code, error.byteOffset); // crc 4656: the damaged page's offset
}

// Packets per serial number, across any number of pages.
for (const packet of assemblePackets(readPages(bytes), { onProblem: (problem) => console.log(problem.message) })) {
  packet.serial;
  packet.data; // a view when the packet lies in one page, else a copy
  packet.startPage; // index of the page it starts on, in input order
  packet.startPageByteOffset;
  packet.endPage;
  packet.endPageByteOffset;
  packet.granule; // the page granule if this is the last packet ending on its page, else undefined
}
