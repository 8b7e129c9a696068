// Inputs the fuzzer (scripts/fuzz) found, each rebuilt from a fixture by the edit that shows the bug.
import { clip, ExtractError, extract } from "@granule/extract";
import { readPages, setPageCrc } from "@granule/ogg-pages";
import { bufferSource, buildIndex, recording } from "@granule/opus-index";
import { describe, expect, it } from "vitest";
import { loadFixture } from "./helpers.ts";

async function openBytes(bytes: Uint8Array) {
  return recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes));
}

describe("clips of files the fuzzer found", () => {
  it("an audio page between OpusHead and OpusTags: the clip takes the header pages the index chose, and is a clean file", async () => {
    const source = loadFixture("ffmpeg-stereo.opus");
    const [, tagsPage, firstAudio] = [...readPages(source)];
    // The OpusTags page and the first audio page swapped: the index skips the audio page as
    // out of order and reads the tags after it.
    const bytes = new Uint8Array(source.length);
    let at = 0;
    for (const part of [
      source.subarray(0, tagsPage!.byteOffset),
      source.subarray(firstAudio!.byteOffset, firstAudio!.byteOffset + firstAudio!.byteLength),
      source.subarray(tagsPage!.byteOffset, tagsPage!.byteOffset + tagsPage!.byteLength),
      source.subarray(firstAudio!.byteOffset + firstAudio!.byteLength),
    ]) {
      bytes.set(part, at);
      at += part.length;
    }
    const rec = await openBytes(bytes);
    expect(rec.index.problems.map((p) => p.code)).toContain("misplaced-page");
    const range = { startSample: 96_000, endSample: 100_000 };
    const clipped = await openBytes(await clip(rec, range));
    expect(clipped.index.problems).toEqual([]);
    expect(clipped.index.totalSamples).toBe(4000);
    const fromClip = await extract(clipped, { startSample: 0, endSample: 4000 }, { workers: 0 });
    const fromFile = await extract(rec, range, { workers: 0 });
    expect(fromClip.channels).toEqual(fromFile.channels);
  });

  it("a packet with no valid TOC duration inside the range: clip refuses it as damaged at its page, instead of copying it", async () => {
    const bytes = loadFixture("ffmpeg-stereo.opus").slice();
    const page = [...readPages(bytes)][5]!;
    const body = page.byteOffset + page.headerByteLength;
    bytes[body] = (bytes[body]! & 0xf8) | 3; // code 3 ...
    bytes[body + 1] = 0; // ... with 0 frames
    setPageCrc(bytes, page.byteOffset);
    const rec = await openBytes(bytes);
    const problem = rec.index.problems.find((p) => p.code === "bad-packet");
    expect(problem?.byteOffset).toBe(page.byteOffset);
    const row = rec.index.rows.byteOffset.indexOf(page.byteOffset);
    const startSample = rec.index.rows.startSample[row]!;
    const error = await clip(rec, { startSample, endSample: startSample + 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractError);
    expect((error as ExtractError).code).toBe("damaged");
    expect((error as ExtractError).byteOffset).toBe(page.byteOffset);
  });
});
