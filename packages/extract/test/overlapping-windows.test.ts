// Windows cut at their ends (planWindows): extractMany of many overlapping, duplicate and
// nested segments, across holes and links, in any window size and worker count, with or
// without readOnlySegments, gives each segment what extract of it alone gives (>= 50 dB),
// exact lengths, the same filled ranges and silence in the holes; extractStream its pieces in
// order. Written by an adversarial review of the change; it found nothing.

import { extract, extractMany, extractStream, type Segment } from "@granule/extract/node";
import { bufferSource, buildIndex, type Recording, recording } from "@granule/opus-index";
import { describe, expect, it } from "vitest";
import { dropPages, longOpus, open, rng, snr } from "./helpers.ts";

async function fromBytes(bytes: Uint8Array): Promise<Recording> {
  return recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes), 48_000);
}

const cases: [string, () => Promise<Recording>][] = [
  ["missing-page", () => open("derived/missing-page.opus")],
  [
    "chained mono links",
    async () => {
      const a = longOpus(13, "ffmpeg-mono.opus", 77);
      const b = dropPages(longOpus(17, "ffmpeg-mono.opus", 78), [5]);
      const c = longOpus(9, "opusenc-mono.opus", 79);
      const all = new Uint8Array(a.length + b.length + c.length);
      all.set(a);
      all.set(b, a.length);
      all.set(c, a.length + b.length);
      return fromBytes(all);
    },
  ],
  ["long with holes", () => fromBytes(dropPages(longOpus(40), [6, 7, 15, 30]))],
];

describe("extractMany of overlapping segments across holes and links", () => {
  for (const [name, load] of cases) {
    it(`${name}: each segment as extract alone gives it`, async () => {
      const rec = await load();
      const total = rec.index.totalSamples;
      const random = rng(name.length * 7919);
      const failures: string[] = [];
      for (const maxWindowSeconds of [0.01, 0.3, 1, 1.7, 2.5, 4, 30, 0.01, 1, 2.5, 3]) {
        const ranges: { startSample: number; endSample: number }[] = [];
        const hop = 1 + Math.floor(random() * 60_000);
        const width = hop + Math.floor(random() * 150_000);
        for (let a = Math.floor(random() * 50_000); a + 1 < total; a += hop) {
          ranges.push({ startSample: a, endSample: Math.min(total, a + width) });
        }
        for (let k = 0; k < 40; k++) {
          const start = Math.floor(random() * (total - 1));
          const kind = random();
          const length =
            kind < 0.15 ? 1 : kind < 0.5 ? Math.floor(random() * 200_000) + 1 : Math.floor(random() * 20_000) + 1;
          ranges.push({ startSample: start, endSample: Math.min(total, start + length) });
          if (random() < 0.2) ranges.push({ ...ranges[ranges.length - 1]! }); // duplicate
          if (random() < 0.2) {
            const r = ranges[ranges.length - 1]!;
            const a = r.startSample + Math.floor(random() * (r.endSample - r.startSample));
            ranges.push({ startSample: a, endSample: Math.min(r.endSample, a + 1 + Math.floor(random() * 30_000)) });
          }
        }
        const options = {
          fillHoles: true,
          maxWindowSeconds,
          workers: random() < 0.5 ? 0 : 2,
          readOnlySegments: random() < 0.5,
        };
        let many: Segment[];
        try {
          many = await extractMany(rec, ranges, options);
        } catch (error) {
          failures.push(`mw ${maxWindowSeconds}: extractMany threw ${String(error)}`);
          continue;
        }
        for (const [i, range] of ranges.entries()) {
          const alone = await extract(rec, range, { ...options, workers: 0 });
          const got = many[i]!;
          const length = range.endSample - range.startSample;
          if (got.channels[0]!.length !== length || got.startSample !== range.startSample) {
            failures.push(`mw ${maxWindowSeconds} seg ${i}: length ${got.channels[0]!.length} not ${length}`);
            continue;
          }
          const db = snr(alone.channels, got.channels);
          if (db < 50) {
            failures.push(
              `mw ${maxWindowSeconds} seg ${i} ${range.startSample}-${range.endSample}: ${db.toFixed(1)} dB`,
            );
          }
          expect(got.filled).toEqual(alone.filled);
          for (const f of got.filled) {
            for (const ch of got.channels) {
              if (
                !ch.subarray(f.startSample - range.startSample, f.endSample - range.startSample).every((x) => x === 0)
              ) {
                failures.push(`seg ${i}: hole not silent`);
              }
            }
          }
        }
        // The stream of one long segment: pieces in order, exactly its samples.
        const r = ranges[0]!;
        let at = 0;
        for await (const chunk of extractStream(rec, r, options)) {
          if (chunk.startSample !== r.startSample + at) failures.push(`stream order at ${at}`);
          at += chunk.channels[0]!.length;
        }
        if (at !== r.endSample - r.startSample) failures.push(`stream length ${at}`);
      }
      expect(failures).toEqual([]);
    }, 600_000);
  }
});
