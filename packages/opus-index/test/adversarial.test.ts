import { OggError, readPages, setPageCrc } from "@granule/ogg-pages";
import { buildIndex, OpusError, type OpusIndex } from "@granule/opus-index";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadFixture } from "./fixtures.ts";
import { checkIndex } from "./index-laws.ts";

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Index `bytes`: an index that keeps the laws, or a typed error. */
async function outcome(bytes: Uint8Array): Promise<OpusIndex | OpusError | OggError> {
  try {
    const idx = await buildIndex(bytes, { workers: 0 });
    checkIndex(idx, bytes.length);
    return idx;
  } catch (error) {
    if (error instanceof OpusError || error instanceof OggError) return error;
    throw error;
  }
}

describe("crashes found before, now typed errors", () => {
  it("refuses a first page that claims to continue a packet, naming the page", async () => {
    const mono = loadFixture("ffmpeg-mono.opus").slice();
    mono[5]! |= 0x01;
    setPageCrc(mono, 0);
    const error = await buildIndex(mono, { workers: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpusError);
    expect(error).toMatchObject({ code: "bad-header-pages", byteOffset: 0 });
    expect((error as Error).message).toMatch(
      /^the first page of stream 1001 claims to continue a packet from before the stream began/,
    );
    // Both header pages continued: no packet at all in the headers (a TypeError before).
    mono[47 + 5]! |= 0x01;
    setPageCrc(mono, 47);
    await expect(buildIndex(mono, { workers: 0 })).rejects.toMatchObject({ code: "bad-header-pages", byteOffset: 0 });
  });

  it("plans only whole pages inside the file when the file ends inside a continued packet", async () => {
    const bytes = loadFixture("derived/repaged-continued.opus");
    const pages = [...readPages(bytes)];
    // From 4 s on, pages end inside packets (targetBodyByteLength 1000): cut at and inside them.
    let cuts = 0;
    for (const page of pages.slice(200).filter((_, i) => i % 5 === 0)) {
      for (const end of [page.byteOffset + page.byteLength, page.byteOffset + (page.byteLength >> 1)]) {
        const cut = bytes.subarray(0, end);
        const idx = await buildIndex(cut, { workers: 0 });
        checkIndex(idx, cut.length);
        expect(idx.problems.map((p) => p.code).filter((c) => c !== "damaged-bytes")).toEqual(["truncated"]);
        cuts++;
      }
    }
    expect(cuts).toBeGreaterThan(20);
  }, 60_000);

  it("keeps the laws for a huge granule on the last page", async () => {
    const idx = await buildIndex(loadFixture("derived/granule-last-jump.opus"), { workers: 0 });
    checkIndex(idx, idx.byteLength);
  });

  it("lists a granule beyond 2^53 or negative as a problem instead of failing the file", async () => {
    for (const granule of [1n << 60n, -5n, -(1n << 62n)]) {
      const bytes = loadFixture("ffmpeg-mono.opus").slice();
      new DataView(bytes.buffer).setBigInt64(18120 + 6, granule, true);
      setPageCrc(bytes, 18120);
      const idx = await buildIndex(bytes, { workers: 0 });
      checkIndex(idx, bytes.length);
      expect(idx.totalSamples).toBe(240_000);
      expect(idx.problems.map((p) => [p.code, p.byteOffset, p.startSample, p.endSample])).toEqual([
        ["bad-granule", 18120, 95688, 143688],
      ]);
      expect(idx.problems[0]!.message).toBe(
        `page 4 of stream 1001 has granule ${granule}, which no Opus stream can have: the page cannot be placed, so its samples 95688-143688 are refused`,
      );
    }
  });
});

// Fixtures with every page shape: 1 s pages, continued packets and granule -1 pages, tags over
// two pages, a chain, a multiplexed file.
const SOURCES = [
  "ffmpeg-mono.opus",
  "derived/repaged-continued.opus",
  "derived/repaged-opusenc.opus",
  "chained.opus",
  "multiplexed.ogg",
];
const sourceBytes = new Map(SOURCES.map((file) => [file, loadFixture(file)]));

type Mutation =
  | { kind: "flip"; at: number; mask: number; fixCrc: boolean }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; junk: Uint8Array }
  | { kind: "duplicate" | "drop" | "swap" | "move"; page: number; other: number }
  | { kind: "field"; page: number; field: "sequence" | "granule" | "flags"; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant("flip" as const),
    at: fc.nat(),
    mask: fc.integer({ min: 1, max: 255 }),
    fixCrc: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    junk: fc.uint8Array({ minLength: 1, maxLength: 400 }),
  }),
  fc.record({
    kind: fc.constantFrom("duplicate" as const, "drop" as const, "swap" as const, "move" as const),
    page: fc.nat(),
    other: fc.nat(),
  }),
  fc.record({
    kind: fc.constant("field" as const),
    page: fc.nat(),
    field: fc.constantFrom("sequence" as const, "granule" as const, "flags" as const),
    value: fc.integer({ min: -3, max: 2 ** 32 - 1 }),
  }),
);

/** Applies a mutation; page-level ones keep every page valid (CRCs fixed where a header changes). */
function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const pages = [...readPages(bytes)];
  if (pages.length === 0 && m.kind !== "truncate" && m.kind !== "insert") return bytes;
  const whole = (i: number) => {
    const p = pages[i % pages.length]!;
    return { p, bytes: bytes.subarray(p.byteOffset, p.byteOffset + p.byteLength) };
  };
  switch (m.kind) {
    case "flip": {
      const out = bytes.slice();
      const at = m.at % out.length;
      out[at]! ^= m.mask;
      if (m.fixCrc) {
        const page = pages.find((p) => p.byteOffset <= at && at < p.byteOffset + p.byteLength);
        // A flip in the CRC field itself stays broken; elsewhere the page is made valid again.
        if (page !== undefined && (at < page.byteOffset + 22 || at >= page.byteOffset + 26)) {
          try {
            setPageCrc(out, page.byteOffset);
          } catch {
            // The flip changed the lacing so the page now runs past the end: leave it broken.
          }
        }
      }
      return out;
    }
    case "truncate":
      return bytes.subarray(0, m.at % (bytes.length + 1));
    case "insert": {
      const at = m.at % (bytes.length + 1);
      return concat(bytes.subarray(0, at), m.junk, bytes.subarray(at));
    }
    case "field": {
      const { p } = whole(m.page);
      const out = bytes.slice();
      const view = new DataView(out.buffer, p.byteOffset);
      if (m.field === "sequence") view.setUint32(18, m.value >>> 0, true);
      if (m.field === "granule") view.setBigInt64(6, p.granule + BigInt(m.value) * 960n, true);
      if (m.field === "flags") out[p.byteOffset + 5] = m.value & 0x07;
      setPageCrc(out, p.byteOffset);
      return out;
    }
    default: {
      const a = whole(m.page);
      const b = whole(m.other);
      const list = pages.map((_, i) => whole(i).bytes);
      const i = pages.indexOf(a.p);
      const j = pages.indexOf(b.p);
      if (m.kind === "duplicate") list.splice(j, 0, a.bytes);
      if (m.kind === "drop") list.splice(i, 1);
      if (m.kind === "swap") [list[i], list[j]] = [list[j]!, list[i]!];
      if (m.kind === "move") {
        list.splice(i, 1);
        list.splice(Math.min(j, list.length), 0, a.bytes);
      }
      return concat(...list);
    }
  }
}

/** PROPERTY_RUNS=5000 for a longer hunt. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 400);

describe("buildIndex on mutated files (property)", () => {
  it(
    "gives an index that keeps its laws, or an OpusError/OggError; never another exception",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...SOURCES),
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          async (source, mutations) => {
            let bytes = sourceBytes.get(source)!;
            for (const m of mutations) bytes = mutate(bytes, m);
            await outcome(bytes);
          },
        ),
        { numRuns: RUNS },
      );
    },
    RUNS * 300,
  );
});
