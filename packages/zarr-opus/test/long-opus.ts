import { readFileSync } from "node:fs";
import { assemblePackets, readPages, writePages } from "@granule/ogg-pages";
import { fixturePath } from "./fixtures.ts";

/**
 * An Ogg Opus file of `seconds` seconds made of the real 160 kbit/s packets of
 * fixtures/ffmpeg-160k.opus, in one-second pages as ffmpeg writes them (like the benchmarks).
 */
export function longOpus(seconds: number, serial = 160): Uint8Array {
  const fixture = readFileSync(fixturePath("ffmpeg-160k.opus"));
  const [head, tags, ...audio] = [...assemblePackets(readPages(fixture))];
  const total = seconds * 50;
  function* packets() {
    yield { data: head!.data, granule: 0n, flush: true };
    yield { data: tags!.data, granule: 0n, flush: true };
    let granule = 312n;
    for (let n = 1; n <= total; n++) {
      granule += 960n;
      yield { data: audio[(n - 1) % audio.length]!.data, granule, flush: n % 50 === 0 };
    }
  }
  return writePages(packets(), { serial, targetBodyByteLength: 1 << 30 });
}
