import { ExtractError, extract } from "@granule/extract";
import { readPages, setPageCrc } from "@granule/ogg-pages";
import { bufferSource, buildIndex, OpusError, type Recording, recording } from "@granule/opus-index";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { identical, loadFixture, open } from "./helpers.ts";

// Damaged copies of ffmpeg-mono.opus (fixtures/make-derived-fixtures.mjs): pages repeated,
// reordered, or with granules that disagree with the packets. Whatever extract returns must be
// the undamaged file's samples at the right position, bit for bit when both decodes start at the
// same packet; samples whose place is unknown must fail with a typed error.
const HOUR = 48_000 * 3600;
const CASES: { file: string; toMono: (sample: number) => number }[] = [
  { file: "derived/dup-page.opus", toMono: (s) => s },
  { file: "derived/dup-run.opus", toMono: (s) => s },
  { file: "derived/dup-later-page.opus", toMono: (s) => s },
  { file: "derived/sequence-back.opus", toMono: (s) => s },
  { file: "derived/granule-jump.opus", toMono: (s) => (s >= 143_688 + HOUR ? s - HOUR : s) },
  { file: "derived/granule-back.opus", toMono: (s) => s },
  { file: "derived/granule-spike.opus", toMono: (s) => s },
  { file: "derived/granule-last-jump.opus", toMono: (s) => s },
];

let mono: Recording;
beforeAll(async () => {
  mono = await open("ffmpeg-mono.opus");
});

/** Starts worth testing: around every page boundary of the undamaged file, and between. */
const STARTS = [0, 1, 47_000, 47_688, 50_000, 95_000, 95_688, 100_000, 143_000, 143_688, 150_000, 191_688, 239_000];
const LENGTHS = [1, 960, 30_000];

describe("extract from files with pages or granules out of order", () => {
  for (const { file, toMono } of CASES) {
    it(`${file}: the undamaged file's samples at the right positions, or a typed error where their place is unknown`, async () => {
      const rec = await open(file);
      const refused = rec.index.problems.filter((p) => p.endSample > p.startSample);
      const monoEnd = mono.index.totalSamples;
      let exact = 0;
      for (const monoStart of STARTS) {
        for (const length of LENGTHS) {
          // Ranges are chosen on the undamaged timeline and carried over.
          const start = monoStart >= 143_688 && file.includes("granule-jump") ? monoStart + HOUR : monoStart;
          const end = Math.min(start + length, rec.index.totalSamples);
          if (toMono(start) + (end - start) > monoEnd) continue;
          const touching = refused.find((p) => p.startSample < end && p.endSample > start);
          const range = { startSample: start, endSample: end };
          if (touching !== undefined) {
            const error = await extract(rec, range).catch((e: unknown) => e);
            expect(error, `${start}-${end}`).toBeInstanceOf(ExtractError);
            expect(error).toMatchObject({
              code: "damaged",
              startSample: touching.startSample,
              endSample: touching.endSample,
              byteOffset: touching.byteOffset,
            });
            continue;
          }
          // Decoding starts at the link's first packet, or afresh where the last refused range ends.
          const after = refused.filter((p) => p.endSample <= start).at(-1);
          const segment = await extract(rec, range, { preRollSamples: start + 1_000_000 });
          const monoStart2 = toMono(start);
          const reference = await extract(
            mono,
            { startSample: monoStart2, endSample: monoStart2 + (end - start) },
            { preRollSamples: after === undefined ? monoStart2 + 1_000_000 : start - after.endSample },
          );
          expect(identical(segment.channels, reference.channels), `${file} ${start}-${end}`).toBe(true);
          exact++;
        }
      }
      expect(exact).toBeGreaterThan(10);
    });
  }

  it("fills the refused samples with silence when asked and decodes the rest at the undamaged file's positions", async () => {
    const rec = await open("derived/granule-back.opus");
    const segment = await extract(rec, { startSample: 90_000, endSample: 150_000 }, { fillHoles: true });
    expect(segment.filled).toEqual([{ startSample: 95_688, endSample: 143_688 }]);
    const channel = segment.channels[0]!;
    expect(channel.subarray(95_688 - 90_000, 143_688 - 90_000).every((x) => x === 0)).toBe(true);
    const before = await extract(mono, { startSample: 90_000, endSample: 95_688 });
    const after = await extract(mono, { startSample: 143_688, endSample: 150_000 }, { preRollSamples: 0 });
    const beforeHere = await extract(rec, { startSample: 90_000, endSample: 95_688 });
    expect(identical([channel.subarray(0, 5_688)], beforeHere.channels)).toBe(true);
    expect(identical(beforeHere.channels, before.channels)).toBe(true);
    expect(identical([channel.subarray(143_688 - 90_000)], after.channels)).toBe(true);
  });

  it("reads a window across a skipped duplicate and across junk between pages", async () => {
    for (const file of ["derived/dup-page.opus", "derived/junk-between.opus"]) {
      const rec = await open(file);
      const range = { startSample: 90_000, endSample: 200_000 };
      const a = await extract(rec, range, { preRollSamples: 200_000 });
      const b = await extract(mono, range, { preRollSamples: 200_000 });
      expect(identical(a.channels, b.channels), file).toBe(true);
    }
  });
});

type PageEdit = { kind: "duplicate" | "drop" | "swap" | "move" | "renumber"; page: number; other: number };

/** Whole-page edits that keep every page valid and every granule as it was. */
function editPages(bytes: Uint8Array, edits: PageEdit[]): Uint8Array {
  let list = [...readPages(bytes)].map((p) => bytes.slice(p.byteOffset, p.byteOffset + p.byteLength));
  for (const edit of edits) {
    const i = edit.page % list.length;
    const j = edit.other % list.length;
    if (edit.kind === "duplicate") list.splice(j, 0, list[i]!.slice());
    if (edit.kind === "drop" && list.length > 3) list.splice(i, 1);
    if (edit.kind === "swap") [list[i], list[j]] = [list[j]!, list[i]!];
    if (edit.kind === "move") {
      const [page] = list.splice(i, 1);
      list.splice(j % (list.length + 1), 0, page!);
    }
    if (edit.kind === "renumber") {
      const page = list[i]!.slice();
      new DataView(page.buffer).setUint32(18, j, true);
      setPageCrc(page, 0);
      list[i] = page;
    }
    list = list.filter((p) => p.length > 0);
  }
  const out = new Uint8Array(list.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const page of list) {
    out.set(page, at);
    at += page.length;
  }
  return out;
}

/** PROPERTY_RUNS=500 for a longer hunt. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);

describe("extract from files with pages repeated, lost or reordered (property)", () => {
  const sources = new Map<string, Recording & { bytes: Uint8Array }>();
  beforeAll(async () => {
    for (const file of ["ffmpeg-mono.opus", "derived/repaged-continued.opus"]) sources.set(file, await open(file));
  });

  it(
    "gives the undamaged file's samples at the granules' positions, or ExtractError damaged where samples are lost",
    async () => {
      const edit = fc.record({
        kind: fc.constantFrom(
          "duplicate" as const,
          "drop" as const,
          "swap" as const,
          "move" as const,
          "renumber" as const,
        ),
        page: fc.integer({ min: 2, max: 400 }),
        other: fc.integer({ min: 2, max: 400 }),
      });
      const range = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(1, 960, 20_000));
      let exact = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("ffmpeg-mono.opus", "derived/repaged-continued.opus"),
          fc.array(edit, { minLength: 1, maxLength: 3 }),
          fc.array(range, { minLength: 1, maxLength: 3 }),
          async (file, edits, ranges) => {
            const original = sources.get(file)!;
            const bytes = editPages(loadFixture(file), edits);
            let rec: Recording;
            try {
              rec = recording(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes));
            } catch (error) {
              expect(error).toBeInstanceOf(OpusError); // a header page lost or moved
              return;
            }
            const index = rec.index;
            if (index.links.length !== 1 || index.totalSamples === 0) return;
            // Granules are untouched: damaged sample p is the original's p + this.
            const toOriginal = index.links[0]!.startGranule - original.index.links[0]!.startGranule;
            const refused = index.problems.filter((p) => p.endSample > p.startSample);
            for (const [where, length] of ranges) {
              const start = Math.min(index.totalSamples - 1, Math.floor(where * index.totalSamples));
              const end = Math.min(index.totalSamples, start + length);
              const mapped = start + toOriginal;
              if (mapped < 0 || mapped + (end - start) > original.index.totalSamples) continue;
              const touching = refused.find((p) => p.startSample < end && p.endSample > start);
              const result = await extract(
                rec,
                { startSample: start, endSample: end },
                { preRollSamples: start + 1e6 },
              ).catch((e: unknown) => e);
              if (touching !== undefined) {
                expect(result).toBeInstanceOf(ExtractError);
                expect(result).toMatchObject({ code: "damaged" });
                continue;
              }
              expect(result, `${file} ${JSON.stringify(edits)} ${start}-${end}`).not.toBeInstanceOf(Error);
              // The damaged decode starts afresh at its link's first packet or after the last refused
              // range: start the original's at the same packet.
              const after = refused.filter((p) => p.endSample <= start).at(-1);
              const from = after?.endSample ?? index.rows.startSample[0]!;
              const reference = await extract(
                original,
                { startSample: mapped, endSample: mapped + (end - start) },
                { preRollSamples: start - from },
              );
              const segment = result as Awaited<ReturnType<typeof extract>>;
              expect(
                identical(segment.channels, reference.channels),
                `${file} ${JSON.stringify(edits)} ${start}-${end}`,
              ).toBe(true);
              exact++;
            }
          },
        ),
        { numRuns: RUNS },
      );
      expect(exact).toBeGreaterThan(10);
    },
    RUNS * 3000,
  );
});
