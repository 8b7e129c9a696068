// lendSegments: segments' arrays come back with release() and later windows are decoded into
// them. The danger is a buffer decoded into while a segment that was not released still reads
// it, or handed out twice: each segment must hold its own samples from delivery until its
// release, whatever is held, released late, twice or never, across shared windows
// (readOnlySegments), long segments cut into windows, holes and links, with and without workers.

import { ExtractError, extractEach, extractMany, extractStream, type Segment } from "@granule/extract/node";
import { bufferSource, buildIndex, type Recording, recording } from "@granule/opus-index";
import { describe, expect, it } from "vitest";
import { dropPages, identical, longOpus, rng } from "./helpers.ts";

async function fromBytes(bytes: Uint8Array): Promise<Recording> {
  return recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes), 48_000);
}

function chained(): Uint8Array {
  const a = longOpus(13, "ffmpeg-mono.opus", 77);
  const b = dropPages(longOpus(11, "opusenc-mono.opus", 78), [5]);
  const all = new Uint8Array(a.length + b.length);
  all.set(a);
  all.set(b, a.length);
  return all;
}

const copy = (segment: Segment) => segment.channels.map((channel) => channel.slice());

describe("extractEach with lendSegments", () => {
  const cases: [string, () => Uint8Array][] = [
    ["long with holes", () => dropPages(longOpus(40), [6, 7, 15, 30])],
    ["two links, the second with a hole", chained],
  ];
  for (const [name, bytes] of cases) {
    it(`${name}: every segment keeps its own samples until released, however releases come`, async () => {
      const rec = await fromBytes(bytes());
      const total = rec.index.totalSamples;
      const random = rng(name.length * 104_729);
      const failures: string[] = [];
      for (let round = 0; round < 12; round++) {
        const ranges: { startSample: number; endSample: number }[] = [];
        const kind = round % 3;
        for (let k = 0; k < 60; k++) {
          const start = Math.floor(random() * (total - 1));
          const length =
            kind === 0
              ? 96_000 // many short windows of one size: buffers go round
              : random() < 0.2
                ? Math.floor(random() * 400_000) + 1 // cut into several windows
                : Math.floor(random() * 30_000) + 1;
          ranges.push({ startSample: start, endSample: Math.min(total, start + length) });
          if (random() < 0.15) ranges.push({ ...ranges[ranges.length - 1]! });
        }
        if (kind === 0) ranges.sort((a, b) => a.startSample - b.startSample);
        const options = {
          fillHoles: true,
          maxWindowSeconds: [0.5, 2.5, 30][Math.floor(random() * 3)]!,
          workers: random() < 0.5 ? 0 : 2,
          readOnlySegments: random() < 0.5,
        };
        const expected = await extractMany(rec, ranges, options);
        const held: { i: number; segment: Segment; until: number }[] = [];
        let delivered = 0;
        const check = (i: number, segment: Segment, when: string) => {
          if (!identical(expected[i]!.channels, segment.channels)) {
            failures.push(`round ${round} segment ${i} ${when} (${JSON.stringify(options)})`);
          }
        };
        const releaseDue = () => {
          for (let h = held.length - 1; h >= 0; h--) {
            const entry = held[h]!;
            if (entry.until > delivered) continue;
            check(entry.i, entry.segment, "before its late release");
            entry.segment.release!();
            if (random() < 0.2) entry.segment.release!(); // twice: nothing more
            held.splice(h, 1);
          }
        };
        await extractEach(
          rec,
          ranges,
          async (segment, i) => {
            delivered++;
            expect(typeof segment.release).toBe("function");
            check(i, segment, "on delivery");
            const fate = random();
            if (fate < 0.4) segment.release!();
            else if (fate < 0.8) held.push({ i, segment, until: delivered + 1 + Math.floor(random() * 12) });
            else if (fate < 0.9) {
              // Released after an await, as a write would.
              const kept = copy(segment);
              await new Promise((resolve) => setTimeout(resolve, 1));
              if (!identical(kept, segment.channels))
                failures.push(`round ${round} segment ${i} changed while written`);
              segment.release!();
            } // else never released
            releaseDue();
          },
          { ...options, lendSegments: true },
        );
        delivered = Number.POSITIVE_INFINITY;
        releaseDue();
      }
      expect(failures).toEqual([]);
    }, 300_000);
  }

  it("decodes later windows into released arrays (on the calling thread: the same buffers)", async () => {
    const rec = await fromBytes(longOpus(40));
    const ranges = Array.from({ length: 30 }, (_, k) => ({ startSample: k * 60_000, endSample: k * 60_000 + 48_000 }));
    // One window per segment (maxWindowSeconds), so that windows come after releases.
    const options = { workers: 0, maxWindowSeconds: 1.2 };
    const expected = await extractMany(rec, ranges, options);
    const buffers = new Set<ArrayBufferLike>();
    await extractEach(
      rec,
      ranges,
      (segment, i) => {
        expect(identical(expected[i]!.channels, segment.channels)).toBe(true);
        buffers.add(segment.channels[0]!.buffer);
        segment.release!();
      },
      { ...options, lendSegments: true },
    );
    // Without lending, 30 segments are 30 buffers; lent and released at once, a handful.
    expect(buffers.size).toBeLessThanOrEqual(3);
  });

  it("is refused by extractMany, which keeps every segment; without it segments have no release", async () => {
    const rec = await fromBytes(longOpus(4));
    await expect(extractMany(rec, [{ startSample: 0, endSample: 100 }], { lendSegments: true })).rejects.toThrow(
      ExtractError,
    );
    await extractEach(rec, [{ startSample: 0, endSample: 100 }], (segment) => {
      expect(segment.release).toBeUndefined();
    });
  });
});

describe("extractStream with lendSegments", () => {
  it("gives every chunk the samples it gives without lending, across holes and links, with and without workers", async () => {
    const recs = [await fromBytes(dropPages(longOpus(40), [6, 7, 15, 30])), await fromBytes(chained())];
    const random = rng(7);
    for (const rec of recs) {
      const total = rec.index.totalSamples;
      for (let round = 0; round < 6; round++) {
        const start = Math.floor(random() * total * 0.3);
        const range = { startSample: start, endSample: Math.min(total, start + 1 + Math.floor(random() * total)) };
        const options = {
          fillHoles: true,
          maxWindowSeconds: [1, 2.5, 7][round % 3]!,
          workers: round < 3 ? 0 : 2,
          readOnlySegments: random() < 0.5,
        };
        const expected: Float32Array[][] = [];
        for await (const chunk of extractStream(rec, range, options)) expected.push(chunk.channels);
        const buffers = new Set<ArrayBufferLike>();
        let k = 0;
        for await (const chunk of extractStream(rec, range, { ...options, lendSegments: true })) {
          // Intact until the next chunk is asked for, after an await as a write would have.
          await new Promise((resolve) => setTimeout(resolve, 0));
          expect(identical(expected[k]!, chunk.channels), `chunk ${k} of ${JSON.stringify({ range, options })}`).toBe(
            true,
          );
          buffers.add(chunk.channels[0]!.buffer);
          k++;
        }
        expect(k).toBe(expected.length);
        // On the calling thread the chunks' buffers go round.
        if (options.workers === 0 && k > 4) expect(buffers.size).toBeLessThan(k);
      }
    }
  }, 120_000);
});
