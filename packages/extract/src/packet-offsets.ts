import { readPages } from "@granule/ogg-pages";
import type { WindowJob } from "./decode-window.ts";

/**
 * The absolute byte offset of the first byte of each packet a window decodes (the packets
 * `windowPackets` gives), from the pages' lacing values. Only for error messages: it reads
 * the window's pages again.
 */
export function packetByteOffsets(job: WindowJob): number[] {
  const starts: number[] = [];
  let open = false; // a packet of our serial is continued onto the next page
  for (const page of readPages(job.bytes)) {
    if (page.serial !== job.serial) continue;
    let at = page.byteOffset + page.headerByteLength;
    // A first page continuing a packet from before the window: its fragment is not decoded.
    let fragment = page.continued && !open;
    for (const lacing of page.lacing) {
      if (!open && !fragment) starts.push(job.byteOffset + at);
      open = lacing === 255;
      if (!open) fragment = false;
      at += lacing;
    }
    if (starts.length >= job.skipPackets + job.packetSamples.length) break;
  }
  return starts.slice(job.skipPackets, job.skipPackets + job.packetSamples.length);
}
