// Inputs the fuzzer (scripts/fuzz) found, each rebuilt from a fixture by the edit that shows the bug.
import { clip, ExtractError, extract } from "@granule/extract";
import { readPages, writePage } from "@granule/ogg-pages";
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
    // A packet split in two, as a lacing edit does: the first part keeps the TOC (and the
    // duration), the second starts with code 3 and 0 frames. The granules still agree, so the
    // index lists only a bad-packet problem with no samples of its own.
    const source = loadFixture("ffmpeg-stereo.opus");
    const page = [...readPages(source)][5]!;
    const packets: Uint8Array[] = [];
    let at = 0;
    let start = 0;
    for (const value of page.lacing) {
      at += value;
      if (value < 255) {
        packets.push(page.body.slice(start, at));
        start = at;
      }
    }
    const whole = packets[0]!;
    const second = whole.slice(whole.length >> 1);
    second[0] = (whole[0]! & 0xf8) | 3;
    second[1] = 0;
    packets.splice(0, 1, whole.slice(0, whole.length >> 1), second);
    const lacing: number[] = [];
    for (const packet of packets) {
      for (let n = packet.length; ; n -= 255) {
        lacing.push(Math.min(255, n));
        if (n < 255) break;
      }
    }
    const body = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const packet of packets) {
      body.set(packet, offset);
      offset += packet.length;
    }
    const edited = writePage({ ...page, lacing, body });
    const bytes = new Uint8Array(source.length - page.byteLength + edited.length);
    bytes.set(source.subarray(0, page.byteOffset));
    bytes.set(edited, page.byteOffset);
    bytes.set(source.subarray(page.byteOffset + page.byteLength), page.byteOffset + edited.length);

    const rec = await openBytes(bytes);
    expect(rec.index.problems.map((p) => [p.code, p.byteOffset, p.endSample - p.startSample])).toEqual([
      ["bad-packet", page.byteOffset, 0],
    ]);
    const row = rec.index.rows.byteOffset.indexOf(page.byteOffset);
    const startSample = rec.index.rows.startSample[row]!;
    const error = await clip(rec, { startSample, endSample: startSample + 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractError);
    expect((error as ExtractError).code).toBe("damaged");
    expect((error as ExtractError).byteOffset).toBe(page.byteOffset);
  });
});
