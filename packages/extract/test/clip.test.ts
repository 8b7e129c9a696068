import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clip, extract } from "@granule/extract";
import { readPages } from "@granule/ogg-pages";
import { bufferSource, buildIndex, recording } from "@granule/opus-index";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { identical, open, snr } from "./helpers.ts";

const hasOpusdec = (() => {
  try {
    execFileSync("opusdec", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("clip", () => {
  for (const file of [
    "ffmpeg-mono.opus",
    "opusenc-stereo.opus",
    "ffmpeg-5.1.opus",
    "derived/repaged-continued.opus",
    "chained.opus",
  ]) {
    it(`${file}: a standalone file that plays exactly the range, decoding to the same samples`, async () => {
      const rec = await open(file);
      const total = rec.index.totalSamples;
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: total - 2 }), fc.integer({ min: 1, max: 60_000 }), async (start, length) => {
          const link = rec.index.links[rec.index.linkAt(start)]!;
          const end = Math.min(start + length, link.firstSample + link.sampleCount);
          const bytes = await clip(rec, { startSample: start, endSample: end });
          // A valid Ogg Opus file: strict pages, one stream, the original serial and tags.
          const pages = [...readPages(bytes, { strict: true })];
          expect(pages[0]!.bos && pages[pages.length - 1]!.eos).toBe(true);
          const clipped = recording(await buildIndex(bytes, { workers: 0, strict: true }), bufferSource(bytes));
          expect(clipped.index.totalSamples).toBe(end - start);
          expect(clipped.index.links[0]!.serial).toBe(link.serial);
          expect(clipped.index.tags).toEqual(link.tags);
          // Decoded from its first packet, the clip gives what extract gives from the original.
          const whole = await extract(clipped, { startSample: 0, endSample: end - start });
          const original = await extract(rec, { startSample: start, endSample: end });
          expect(identical(whole.channels, original.channels)).toBe(true);
        }),
        { numRuns: 12 },
      );
    });
  }

  it("refuses a range across chained links and one through a hole", async () => {
    const chained = await open("chained.opus");
    const at = chained.index.links[1]!.firstSample;
    await expect(clip(chained, { startSample: at - 5, endSample: at + 5 })).rejects.toMatchObject({
      code: "links-differ",
    });
    const holed = await open("derived/missing-page.opus");
    await expect(clip(holed, { startSample: 90_000, endSample: 100_000 })).rejects.toMatchObject({
      code: "damaged",
      byteOffset: 18_120,
    });
  });

  it.skipIf(!hasOpusdec)("plays in opusdec with exactly the range's sample count and the same audio", async () => {
    const rec = await open("ffmpeg-stereo.opus");
    const dir = mkdtempSync(join(tmpdir(), "granule-clip-"));
    try {
      const range = { startSample: 100_000, endSample: 148_123 };
      writeFileSync(join(dir, "clip.opus"), await clip(rec, range));
      execFileSync(
        "opusdec",
        ["--quiet", "--float", "--rate", "48000", join(dir, "clip.opus"), join(dir, "clip.raw")],
        {
          stdio: "ignore",
        },
      );
      const raw = readFileSync(join(dir, "clip.raw"));
      const interleaved = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
      expect(interleaved.length).toBe(2 * (range.endSample - range.startSample));
      const ours = await extract(rec, range);
      const left = interleaved.filter((_, i) => i % 2 === 0);
      expect(snr(ours.channels.slice(0, 1), [left])).toBeGreaterThan(60);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
