import { extractEach, extractMany, extractStream, type Segment } from "@granule/extract/node";
import { bufferSource, buildIndex, type Recording, recording } from "@granule/opus-index";
import { describe, expect, it } from "vitest";
import { dropPages, identical, longOpus, rng } from "./helpers.ts";

async function fromBytes(bytes: Uint8Array): Promise<Recording> {
  return recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes), 48_000);
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

function randomRanges(random: () => number, total: number, count: number) {
  const ranges: { startSample: number; endSample: number }[] = [];
  for (let k = 0; k < count; k++) {
    const start = Math.floor(random() * (total - 1));
    const length =
      random() < 0.3 ? 96_000 : random() < 0.2 ? Math.floor(random() * 400_000) + 1 : Math.floor(random() * 30_000) + 1;
    ranges.push({ startSample: start, endSample: Math.min(total, start + length) });
    if (random() < 0.15) ranges.push({ ...ranges[ranges.length - 1]! });
  }
  if (random() < 0.5) ranges.sort((a, b) => a.startSample - b.startSample);
  return ranges;
}

/** Runs one lent extraction with random holding; records every violation. */
async function lentRun(
  rec: Recording,
  ranges: { startSample: number; endSample: number }[],
  options: Record<string, unknown>,
  expected: Segment[],
  random: () => number,
  failures: string[],
  tag: string,
  abortAfter = -1,
) {
  const held: { i: number; segment: Segment; copy: Float32Array[] }[] = [];
  const controller = new AbortController();
  let delivered = 0;
  try {
    await extractEach(
      rec,
      ranges,
      async (segment, i) => {
        delivered++;
        if (!identical(expected[i]!.channels, segment.channels)) failures.push(`${tag} seg ${i} wrong on delivery`);
        held.push({ i, segment, copy: segment.channels.map((c) => c.slice()) });
        // release a random held one
        while (held.length > 0 && random() < 0.6) {
          const k = Math.floor(random() * held.length);
          const h = held[k]!;
          if (!identical(h.copy, h.segment.channels)) failures.push(`${tag} seg ${h.i} changed before release`);
          h.segment.release!();
          held.splice(k, 1);
        }
        if (random() < 0.3) await new Promise((r) => setTimeout(r, 0));
        for (const h of held)
          if (!identical(h.copy, h.segment.channels)) failures.push(`${tag} seg ${h.i} changed while held`);
        if (delivered === abortAfter) controller.abort();
      },
      { ...options, lendSegments: true, signal: controller.signal },
    );
  } catch (error) {
    if (abortAfter === -1) throw error;
  }
  // after the extraction (or its abort), held segments are still intact
  await new Promise((r) => setTimeout(r, 20));
  for (const h of held)
    if (!identical(h.copy, h.segment.channels)) failures.push(`${tag} seg ${h.i} changed after end`);
  return held;
}

describe("lendSegments, adversarial", () => {
  const files: [string, () => Uint8Array][] = [
    ["stereo with holes", () => dropPages(longOpus(30, "ffmpeg-stereo.opus", 91), [5, 6, 17])],
    ["5.1", () => longOpus(20, "opusenc-5.1.opus", 92)],
    [
      "mono link then stereo link",
      () => concat(longOpus(12, "ffmpeg-mono.opus", 93), longOpus(12, "ffmpeg-stereo.opus", 94)),
    ],
  ];
  for (const [name, bytes] of files) {
    it(`${name}: two concurrent lent extractions, aborts, held segments stay intact`, async () => {
      const rec = await fromBytes(bytes());
      const total = rec.index.totalSamples;
      const random = rng(name.length * 7919);
      const failures: string[] = [];
      for (let round = 0; round < 6; round++) {
        const options = {
          fillHoles: true,
          maxWindowSeconds: [0.5, 2.5, 30][round % 3]!,
          workers: round < 3 ? 0 : 2,
          readOnlySegments: random() < 0.5,
        };
        let a = randomRanges(random, total, 30);
        let b = randomRanges(random, total, 30);
        // avoid segments crossing links of different channel counts
        const ok = (r: { startSample: number; endSample: number }) => {
          try {
            const pieces = rec.index.splitByLink(r.startSample, r.endSample);
            return new Set(pieces.map((p) => rec.index.links[p.link]!.head.channels)).size === 1;
          } catch {
            return false;
          }
        };
        a = a.filter(ok);
        b = b.filter(ok);
        const ea = await extractMany(rec, a, options);
        const eb = await extractMany(rec, b, options);
        const l0 = rec.index.links[0]!;
        const stream = { startSample: 1000, endSample: Math.min(total, l0.firstSample + l0.sampleCount) };
        const expectedChunks: Float32Array[][] = [];
        for await (const c of extractStream(rec, stream, options))
          expectedChunks.push(c.channels.map((x) => x.slice()));
        const streamRun = async () => {
          let k = 0;
          for await (const chunk of extractStream(rec, stream, { ...options, lendSegments: true })) {
            await new Promise((r) => setTimeout(r, 0));
            if (!identical(expectedChunks[k]!, chunk.channels)) failures.push(`stream round ${round} chunk ${k}`);
            k++;
          }
        };
        await Promise.all([
          lentRun(rec, a, options, ea, rng(round * 31 + 1), failures, `A r${round}`),
          lentRun(rec, b, options, eb, rng(round * 31 + 2), failures, `B r${round}`, round % 2 === 0 ? 7 : -1),
          streamRun(),
        ]);
      }
      expect(failures).toEqual([]);
    }, 300_000);
  }
});
