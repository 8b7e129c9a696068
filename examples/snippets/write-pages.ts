import { deepEqual } from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { assemblePackets, readPages, writePages } from "@granule/ogg-pages";

// The example's packets: OpusHead, OpusTags, then 20 ms (960-sample) audio packets.
const bytes = new Uint8Array(await readFile("dawn.opus"));
const [opusHead, opusTags, ...audio] = [...assemblePackets(readPages(bytes))].map((packet) => packet.data);
const preSkip = 312n;
const lastGranule = preSkip + 960_000n; // where the audio ends: the last page's granule trims it

const rewritten = writePages(
  [
    { data: opusHead, granule: 0n, flush: true },
    { data: opusTags, granule: 0n, flush: true },
    ...audio.map((data, i) => {
      const granule = preSkip + BigInt((i + 1) * 960);
      return { data, granule: granule < lastGranule ? granule : lastGranule };
    }),
  ],
  { serial: 1234, maxLacingValues: 255, targetBodyByteLength: 4096 },
);

// Other pages, the same packets.
const again = [...assemblePackets(readPages(rewritten, { strict: true }))].map((packet) => packet.data);
deepEqual(again, [opusHead, opusTags, ...audio]);
console.log(rewritten.length, [...readPages(rewritten)].length, "pages"); // 96046 25 pages (the original: 95992, 23)
