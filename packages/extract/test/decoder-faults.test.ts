import { readFileSync } from "node:fs";
import { ExtractError, extract, WindowDecoder } from "@granule/extract";
import { extractMany as extractManyNode } from "@granule/extract/node";
import { assemblePackets, readPages } from "@granule/ogg-pages";
import { bufferSource, buildIndex, type Recording, recording } from "@granule/opus-index";
import { beforeAll, describe, expect, it } from "vitest";
import { identical, open } from "./helpers.ts";

/**
 * Files made by test/fixtures/make-fault-fixtures.mjs: stereo Ogg Opus whose packets break
 * opus-decoder's WASM build (native libopus decodes the first three), with the culprit
 * packet's byte offset and first sample found independently of granule's reader.
 */
interface FaultFact {
  file: string;
  culpritByteOffset: number;
  culpritFirstSample: number;
  wasmDecoder: string;
}
const FACTS: FaultFact[] = JSON.parse(
  readFileSync(new URL("./fixtures/fault-fixtures.json", import.meta.url), "utf8"),
).files;

async function openFault(file: string): Promise<Recording & { bytes: Uint8Array }> {
  const bytes = new Uint8Array(readFileSync(new URL(`./fixtures/${file}`, import.meta.url)));
  return { ...recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes)), bytes };
}

/** Segments of a clean stereo file: decoded with the same channel layout as the faulty files. */
const CLEAN = [0, 30_000, 100_000, 190_000].map((s) => ({ startSample: s, endSample: s + 20_000 }));
let clean: Recording;
let reference: Float32Array[][];
let referenceAlone: Float32Array[][];
beforeAll(async () => {
  clean = await open("ffmpeg-stereo.opus");
  // A fresh process's samples: decoded before any fault here (together, and one at a time).
  reference = (await extractManyNode(clean, CLEAN, { workers: 0 })).map((s) => s.channels);
  referenceAlone = [];
  for (const range of CLEAN) referenceAlone.push((await extract(clean, range)).channels);
});

describe("decoder faults: a packet opus-decoder's WASM cannot decode", () => {
  it("the fixtures are sound Ogg Opus to the index: no holes, no damaged pages", async () => {
    expect(FACTS.map((f) => f.file)).toEqual([
      "trap-divide-by-zero.opus",
      "trap-out-of-bounds.opus",
      "stack-overflow.opus",
      "oversized-packet.opus",
      "invalid-packet.opus",
    ]);
    for (const fact of FACTS) {
      const rec = await openFault(fact.file);
      expect(rec.index.problems).toEqual([]);
      expect(rec.index.head.channels).toBe(2);
    }
  });

  for (const fact of FACTS) {
    for (const workers of [0, 1, 2]) {
      it(`${fact.file}, workers ${workers}: fails typed with the culprit's byte offset, and later extractions are bit-identical to a fresh decoder's`, async () => {
        const rec = await openFault(fact.file);
        const range = { startSample: fact.culpritFirstSample - 2_000, endSample: fact.culpritFirstSample + 20_000 };
        // Several windows (one per segment), so with two workers both take part; the others'
        // pre-rolls do not reach the culprit.
        const ranges = [range, { startSample: 0, endSample: 1_000 }, { startSample: 95_000, endSample: 96_000 }];
        const error = await extractManyNode(rec, ranges, { workers, maxWindowSeconds: 0.01 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ExtractError);
        expect(error).toMatchObject({
          name: "ExtractError",
          code: "decode-failed",
          byteOffset: fact.culpritByteOffset,
        });
        expect((error as ExtractError).message).toContain(`byte ${fact.culpritByteOffset}`);
        // The window that failed is named by its samples.
        expect((error as ExtractError).startSample).toBe(range.startSample);
        expect((error as ExtractError).endSample).toBe(range.endSample);
        // Decoding goes on: the same decoders (this thread's, or the pooled workers') give the clean file's samples.
        for (let round = 0; round < 2; round++) {
          const after = await extractManyNode(clean, CLEAN, { workers });
          after.forEach((segment, i) => {
            expect(identical(segment.channels, reference[i]!), `segment ${i} after the fault`).toBe(true);
          });
        }
        // Stretches of the faulty file that do not reach the packet decode as usual.
        const before = await extractManyNode(rec, [{ startSample: 0, endSample: 20_000 }], { workers });
        expect(before[0]!.channels[0]!.length).toBe(20_000);
      }, 60_000);
    }
  }

  it("in-process extract after a fault gives the same samples as before it, segment after segment", async () => {
    const rec = await openFault("trap-divide-by-zero.opus");
    const at = FACTS[0]!.culpritFirstSample;
    for (let round = 0; round < 3; round++) {
      await expect(extract(rec, { startSample: at, endSample: at + 960 })).rejects.toMatchObject({
        code: "decode-failed",
      });
      for (let i = 0; i < CLEAN.length; i++) {
        expect(identical((await extract(clean, CLEAN[i]!)).channels, referenceAlone[i]!)).toBe(true);
      }
    }
  }, 60_000);
});

describe("WindowDecoder after a fault", () => {
  it("reports a trap or an overwritten stack as decode-failed with the packet, and refuses to decode again", async () => {
    for (const fact of FACTS.slice(0, 3)) {
      const rec = await openFault(fact.file);
      const packets = [...assemblePackets(readPages(rec.bytes))].slice(2).map((p) => p.data);
      const decoder = await WindowDecoder.create(rec.index.head);
      await decoder.restart();
      const out = [new Float32Array(960), new Float32Array(960)];
      const error = (() => {
        try {
          decoder.decodeInto(packets, 0, out, 1);
        } catch (e) {
          return e;
        }
      })();
      expect(error, fact.file).toMatchObject({ name: "ExtractError", code: "decode-failed" });
      expect(decoder.broken).toBe(true);
      await expect(decoder.restart()).rejects.toMatchObject({ code: "decode-failed" });
    }
  });

  it("keeps a decoder that decoded clean packets intact", async () => {
    const rec = await open("ffmpeg-stereo.opus");
    const packets = [...assemblePackets(readPages(rec.bytes))].slice(2).map((p) => p.data);
    const decoder = await WindowDecoder.create(rec.index.head);
    await decoder.restart();
    const out = [new Float32Array(48_000), new Float32Array(48_000)];
    expect(decoder.decodeInto(packets, 0, out, 1)).toBe(packets.length * 960);
    expect(decoder.broken).toBe(false);
  });
});
