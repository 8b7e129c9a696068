import { buildIndex, type IndexProblem, type OpusIndex } from "@granule/opus-index";
import { beforeAll, describe, expect, it } from "vitest";
import { fact, loadFixture } from "./fixtures.ts";

// The stream-order fixtures are ffmpeg-mono.opus with pages repeated, reordered or given other
// granules (fixtures/make-derived-fixtures.mjs). ffmpeg-mono's audio pages: sequence 2-6 with 50
// packets of 960 samples each, then the 1-packet EOS page 7; pre-skip 312. Its rows end at
// timeline samples 47688, 95688, 143688, 191688, 239688 and 240000 (trimmed).
const HOUR = 48_000 * 3600;
const MONO_PAGES = [
  { sequence: 2, byteOffset: 121, byteLength: 9025 },
  { sequence: 3, byteOffset: 9146, byteLength: 8974 },
  { sequence: 4, byteOffset: 18120, byteLength: 8587 },
  { sequence: 5, byteOffset: 26707, byteLength: 8741 },
  { sequence: 6, byteOffset: 35448, byteLength: 8647 },
  { sequence: 7, byteOffset: 44095, byteLength: 336 },
];

let mono: OpusIndex;
beforeAll(async () => {
  mono = await buildIndex(loadFixture("ffmpeg-mono.opus"), { workers: 0 });
});

const index = (file: string) => buildIndex(loadFixture(`derived/${file}`), { workers: 0 });
const summary = (p: IndexProblem) => [p.code, p.byteOffset, p.byteLength, p.startSample, p.endSample];

/** Where each of mono's audio pages lies in a damaged copy: mono's offset plus the bytes inserted before it. */
function expectRowsAt(idx: OpusIndex, inserted: (sequence: number) => number, sampleShift = (_s: number) => 0) {
  expect(idx.pageCount).toBe(MONO_PAGES.length);
  MONO_PAGES.forEach((page, r) => {
    expect([idx.rows.byteOffset[r], idx.rows.byteLength[r]], `row ${r}`).toEqual([
      page.byteOffset + inserted(page.sequence),
      page.byteLength,
    ]);
    expect(idx.rows.sequence![r]).toBe(page.sequence);
    expect([idx.rows.startSample[r], idx.rows.endSample[r]], `row ${r}`).toEqual([
      mono.rows.startSample[r]! + sampleShift(page.sequence),
      mono.rows.endSample[r]! + sampleShift(page.sequence),
    ]);
  });
  expect([...idx.packetSamples]).toEqual([...mono.packetSamples]);
}

describe("duplicated pages", () => {
  it("skips a page written twice in a row, so the timeline is the undamaged file's, and says it is a duplicate", async () => {
    const idx = await index("dup-page.opus");
    expect(idx.totalSamples).toBe(fact("derived/dup-page.opus").opus!.pcmTotal);
    expectRowsAt(idx, (s) => (s > 3 ? 8974 : 0));
    expect(idx.problems.map(summary)).toEqual([["duplicate-page", 18120, 8974, 95688, 95688]]);
    expect(idx.problems[0]!.message).toBe(
      "page 3 of stream 1001 repeats the page at byte 9146 byte for byte; the copy is skipped, no samples are lost",
    );
  });

  it("skips a repeated run of pages as one problem", async () => {
    const idx = await index("dup-run.opus");
    expect(idx.totalSamples).toBe(fact("derived/dup-run.opus").opus!.pcmTotal);
    expectRowsAt(idx, (s) => (s > 5 ? 8974 + 8587 + 8741 : 0));
    expect(idx.problems.map(summary)).toEqual([["duplicate-page", 35448, 8974 + 8587 + 8741, 191688, 191688]]);
    expect(idx.problems[0]!.message).toBe(
      "pages 3-5 of stream 1001 repeat the pages at bytes 9146-35447 byte for byte; the copies are skipped, no samples are lost",
    );
  });

  it("skips a copy of a later page that sits out of order, and keeps the page where it belongs", async () => {
    const idx = await index("dup-later-page.opus");
    // libopusfile's total too, though it decodes page 6 twice and reports two holes.
    expect(idx.totalSamples).toBe(fact("derived/dup-later-page.opus").opus!.pcmTotal);
    expectRowsAt(idx, (s) => (s > 3 ? 8647 : 0));
    expect(idx.problems.map(summary)).toEqual([["duplicate-page", 18120, 8647, 95688, 95688]]);
    expect(idx.problems[0]!.message).toBe(
      "page 6 of stream 1001 repeats the page at byte 44095 byte for byte, out of order (after page 3); the copy is skipped, no samples are lost",
    );
  });
});

describe("sequence numbers out of order", () => {
  it("skips a page whose sequence number goes back to one already taken, and loses only its samples", async () => {
    const idx = await index("sequence-back.opus");
    expect(idx.totalSamples).toBe(fact("derived/sequence-back.opus").opus!.pcmTotal);
    expect(idx.pageCount).toBe(5);
    expect([...idx.rows.byteOffset]).toEqual([121, 9146, 18120, 35448, 44095]);
    expect(idx.problems.map(summary)).toEqual([
      ["hole", 26707, 8741, 143688, 191688],
      ["duplicate-page", 26707, 8741, 191688, 191688],
    ]);
    expect(idx.problems[1]!.message).toBe(
      "the page at byte 26707 claims to be page 3 of stream 1001, like the page at byte 9146, but its bytes differ and it is out of order (after page 4); it is skipped",
    );
    expect(idx.problems[0]!.message).toBe("page 5 of stream 1001 is missing (the stream goes from page 4 to page 6)");
    // The pages around the hole keep the positions of the undamaged file.
    for (const r of [0, 1, 2]) expect(idx.rows.startSample[r]).toBe(mono.rows.startSample[r]);
    expect(idx.rows.startSample[3]).toBe(mono.rows.startSample[4]);
  });

  it("keeps no copy when two different pages claim the same place in the stream", async () => {
    const { setPageCrc, readPages } = await import("@granule/ogg-pages");
    const bytes = loadFixture("ffmpeg-mono.opus");
    const pages = [...readPages(bytes)];
    const page3 = bytes.slice(9146, 9146 + 8974);
    const other = page3.slice();
    other[27 + 50 + 100]! ^= 0x55; // a byte of a packet: the same header, other audio
    setPageCrc(other, 0);
    const parts = [bytes.subarray(0, 18120), other, bytes.subarray(18120)];
    const damaged = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      damaged.set(p, at);
      at += p.length;
    }
    expect(pages.length).toBe(8);
    const idx = await buildIndex(damaged, { workers: 0 });
    expect(idx.problems.map(summary)).toEqual([
      ["hole", 9146, 17948, 47688, 95688],
      ["duplicate-page", 9146, 8974, 95688, 95688],
    ]);
    expect(idx.problems[0]!.message).toBe("page 3 of stream 1001 is missing (the stream goes from page 2 to page 4)");
    expect(idx.problems[1]!.message).toBe(
      "the pages at bytes 9146 and 18120 both claim to be page 3 of stream 1001, with different bytes; neither is used",
    );
  });

  it("skips one of two swapped pages as out of order, and loses only its samples", async () => {
    const bytes = loadFixture("ffmpeg-mono.opus");
    const swapped = new Uint8Array(bytes.length);
    swapped.set(bytes.subarray(0, 18120));
    swapped.set(bytes.subarray(26707, 35448), 18120); // page 5
    swapped.set(bytes.subarray(18120, 26707), 18120 + 8741); // page 4
    swapped.set(bytes.subarray(35448), 35448);
    const idx = await buildIndex(swapped, { workers: 0 });
    expect([...idx.rows.sequence!]).toEqual([2, 3, 4, 6, 7]);
    expect(idx.problems.map(summary)).toEqual([
      ["misplaced-page", 18120, 8741, 95688, 95688],
      ["hole", 35448, 0, 143688, 191688],
    ]);
    expect(idx.problems[0]!.message).toBe(
      "page 5 of stream 1001 is out of order (after page 3, before page 4); it is skipped",
    );
  });

  it("reports a jump in sequence numbers whose granules continue as losing no samples", async () => {
    const { setPageCrc } = await import("@granule/ogg-pages");
    const bytes = loadFixture("ffmpeg-mono.opus").slice();
    for (const at of [26707, 35448, 44095]) {
      const view = new DataView(bytes.buffer, at);
      view.setUint32(18, view.getUint32(18, true) + 100, true);
      setPageCrc(bytes, at);
    }
    const idx = await buildIndex(bytes, { workers: 0 });
    expect([...idx.rows.sequence!]).toEqual([2, 3, 4, 105, 106, 107]);
    expect([...idx.rows.byteOffset]).toEqual([...mono.rows.byteOffset]);
    expect([...idx.rows.startSample]).toEqual([...mono.rows.startSample]);
    expect([...idx.rows.endSample]).toEqual([...mono.rows.endSample]);
    expect(idx.problems.map(summary)).toEqual([["hole", 26707, 0, 143688, 143688]]);
    expect(idx.problems[0]!.message).toBe(
      "pages 5-104 of stream 1001 are missing (the stream goes from page 4 to page 105), but the granules continue: no samples are lost",
    );
  });
});

describe("granules that disagree with the packets", () => {
  it("places audio by granule after a jump forward that the later pages confirm, refusing the samples whose place is unknown", async () => {
    const idx = await index("granule-jump.opus");
    // libopusfile's total too: the jump is an hour of recording the file does not hold.
    expect(idx.totalSamples).toBe(fact("derived/granule-jump.opus").opus!.pcmTotal);
    expect(idx.totalSamples).toBe(240_000 + HOUR);
    expectRowsAt(
      idx,
      () => 0,
      (s) => (s >= 4 ? HOUR : 0),
    );
    expect(idx.problems.map(summary)).toEqual([["bad-granule", 18120, 8587, 95688, 143688 + HOUR]]);
    expect(idx.problems[0]!.message).toBe(
      `page 4 of stream 1001 has granule ${144000 + HOUR}, ${HOUR} samples later than its packets reach, and the pages after it agree: ${HOUR} samples are missing somewhere in samples 95688-${143688 + HOUR} (no page is missing; a recorder gap or wrong granules)`,
    );
  });

  it("keeps the packets' positions after a jump backwards that the later pages confirm, refusing the samples in between", async () => {
    const idx = await index("granule-back.opus");
    // libopusfile ends the stream by the shifted last granule, 30000 samples before its packets
    // do; here the packets keep their places, so the end trim is the one the encoder wrote.
    expect(fact("derived/granule-back.opus").opus!.pcmTotal).toBe(210_000);
    expect(idx.totalSamples).toBe(240_000);
    expectRowsAt(idx, () => 0);
    expect(idx.problems.map(summary)).toEqual([["bad-granule", 18120, 8587, 95688, 143688]]);
    expect(idx.problems[0]!.message).toBe(
      "page 4 of stream 1001 has granule 114000, 30000 samples before the end of its packets, and the pages after it agree: the packets cannot be placed by granule, so samples 95688-143688 are refused and later pages are placed by their packets",
    );
  });

  it("refuses the samples of a page whose granule the pages around it contradict (the granule or the page is wrong)", async () => {
    const idx = await index("granule-spike.opus");
    expect(idx.totalSamples).toBe(fact("derived/granule-spike.opus").opus!.pcmTotal);
    expectRowsAt(idx, () => 0);
    expect(idx.problems.map(summary)).toEqual([["bad-granule", 18120, 8587, 95688, 143688]]);
    expect(idx.problems[0]!.message).toBe(
      `page 4 of stream 1001 has granule ${144000 + 2 ** 40}, ${2 ** 40} samples off its packets, while the pages around it agree with the packets: either the granule or the page is wrong, so the page's samples 95688-143688 are refused and its granule is ignored`,
    );
  });

  it("ignores a last granule far past the packets, refusing the last page (libopusfile reports 2^40 samples it cannot decode)", async () => {
    const f = fact("derived/granule-last-jump.opus");
    const idx = await index("granule-last-jump.opus");
    expect(f.opus!.pcmTotal).toBe(2 ** 40 + 240_000);
    // What libopusfile decodes: every packet, untrimmed.
    expect(idx.totalSamples).toBe(240_648);
    expect(idx.links[0]!.endGranule).toBe(240_960);
    expect(idx.problems.map(summary)).toEqual([["bad-granule", 44095, 336, 239688, 240648]]);
    expect(idx.problems[0]!.message).toBe(
      `the last page of stream 1001 (page 7) has granule ${240312 + 2 ** 40}, ${2 ** 40 - 648} samples past the end of its packets, but a last page can only cut samples off: either the granule or the page is wrong, so the page's samples 239688-240648 are refused, its granule is ignored and the stream ends with its last packet`,
    );
  });
});
