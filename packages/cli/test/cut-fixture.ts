import { readFileSync } from "node:fs";
import { setPageCrc } from "@granule/ogg-pages";
import { fixture } from "./cli.ts";

/**
 * fixtures/ffmpeg-mono.opus cut in two contiguous recordings (as in the timeline package's
 * tests): the first holds its pages up to the end of the first audio page (samples 0-47688),
 * marked EOS; the second holds every page with a pre-skip over that first audio page, so its
 * sample 0 is the uncut file's sample 47688.
 */
export const UNCUT_PATH = fixture("ffmpeg-mono.opus");
export const CUT_SAMPLE = 48_000 - 312;
const UNCUT = new Uint8Array(readFileSync(UNCUT_PATH));

export function firstPart(): Uint8Array {
  const bytes = UNCUT.slice(0, 9_146);
  bytes[121 + 5]! |= 0x04;
  setPageCrc(bytes, 121);
  return bytes;
}

export function secondPart(): Uint8Array {
  const bytes = UNCUT.slice();
  new DataView(bytes.buffer).setUint16(28 + 10, 312 + CUT_SAMPLE, true);
  setPageCrc(bytes, 0);
  return bytes;
}
