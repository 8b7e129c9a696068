import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, readPages, setPageCrc } from "@granule/ogg-pages";
import {
  bufferSource,
  buildIndex,
  checkHeaders,
  OpusError,
  OpusIndex,
  PAGE_ROW_COLUMNS,
  readSidecar,
  SIDECAR_VERSION,
  writeSidecar,
} from "@granule/opus-index";
import { openFile, openSidecar, saveSidecar } from "@granule/opus-index/node";
import { describe, expect, it } from "vitest";
import { loadFixture, opusFixtures } from "./fixtures.ts";

function expectBad(data: Uint8Array, size: number | undefined, message: RegExp): void {
  let error: unknown;
  try {
    readSidecar(data, size);
  } catch (e) {
    error = e;
  }
  expect(error, `expected bad-sidecar ${message}`).toBeInstanceOf(OpusError);
  expect((error as OpusError).code).toBe("bad-sidecar");
  expect((error as OpusError).message).toMatch(message);
}

const pad8 = (n: number) => (n + 7) & ~7;

/** The sidecar with its JSON replaced by `edit(json)` (or by raw text), the CRC made valid again. */
function withJson(sidecar: Uint8Array, edit: (json: Record<string, unknown>) => unknown, raw?: string): Uint8Array {
  const view = new DataView(sidecar.buffer, sidecar.byteOffset, sidecar.byteLength);
  const length = view.getUint32(12, true);
  const json = JSON.parse(new TextDecoder().decode(sidecar.subarray(16, 16 + length)));
  const text = new TextEncoder().encode(raw ?? JSON.stringify(edit(json)));
  const rest = sidecar.subarray(pad8(16 + length), sidecar.length - 4);
  const out = new Uint8Array(pad8(16 + text.length) + rest.length + 4);
  out.set(sidecar.subarray(0, 16));
  new DataView(out.buffer).setUint32(12, text.length, true);
  out.set(text, 16);
  out.set(rest, pad8(16 + text.length));
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** A sidecar with the version field set and the CRC made valid again. */
function withVersion(sidecar: Uint8Array, version: number): Uint8Array {
  const out = sidecar.slice();
  const view = new DataView(out.buffer);
  view.setUint32(8, version, true);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

describe("sidecar", () => {
  it("gives back the same index for every fixture", async () => {
    for (const f of opusFixtures) {
      const bytes = loadFixture(f.file);
      const index = await buildIndex(bytes, { workers: 0 });
      const sidecar = writeSidecar(index);
      const reopened = readSidecar(sidecar, bytes.length);
      expect(reopened.data, f.file).toEqual(index.data);
      expect(writeSidecar(reopened)).toEqual(sidecar);
      expect(reopened.locate(1000, 2000)).toEqual(index.locate(1000, 2000));
    }
  }, 30_000);

  it("records each audio page's CRC and sequence number, and each link's header pages", async () => {
    const bytes = loadFixture("derived/repaged-opusenc.opus");
    const index = readSidecar(writeSidecar(await buildIndex(bytes, { workers: 0 })));
    const pages = [...readPages(bytes)];
    const rows = index.rows;
    for (let r = 0; r < index.pageCount; r++) {
      const page = pages.find((p) => p.byteOffset === rows.byteOffset[r])!;
      expect([rows.crc![r], rows.sequence![r]]).toEqual([page.crc, page.sequence]);
    }
    // OpusTags spans two pages here: three header pages.
    expect(index.links[0]!.headerPages).toEqual(
      pages.slice(0, 3).map((p) => ({ byteOffset: p.byteOffset, byteLength: p.byteLength, crc: p.crc })),
    );
  });

  it("has one column table that the rows, the sidecar and the archive follow", async () => {
    const index = await buildIndex(loadFixture("ffmpeg-mono.opus"), { workers: 0 });
    expect(PAGE_ROW_COLUMNS.map((c) => c.name).sort()).toEqual(Object.keys(index.rows).sort());
    for (const column of PAGE_ROW_COLUMNS) {
      expect(index.rows[column.name]).toBeInstanceOf(column.type);
      expect(column.meaning.length).toBeGreaterThan(10);
    }
    expect(PAGE_ROW_COLUMNS.filter((c) => c.since === 2).map((c) => c.name)).toEqual(["crc", "sequence"]);
  });

  it("is compact: a few bytes per packet", async () => {
    const index = await buildIndex(loadFixture("../examples/dawn-chorus.opus"), { workers: 0 });
    const sidecar = writeSidecar(index);
    expect(sidecar.length).toBeLessThan(2 * index.packetCount + 64 * index.pageCount + 2048);
  });

  it("refuses a damaged sidecar, another version, or one written for another file", async () => {
    const bytes = loadFixture("ffmpeg-mono.opus");
    const sidecar = writeSidecar(await buildIndex(bytes, { workers: 0 }));
    const flipped = sidecar.slice();
    flipped[100]! ^= 1;
    expectBad(flipped, undefined, /checksum/);
    expectBad(sidecar, bytes.length + 1, /44431-byte file, but this file has 44432/);
    expectBad(bytes, undefined, /magic/);
    expectBad(sidecar.subarray(0, 10), undefined, /magic/);
    expectBad(withVersion(sidecar, 9), undefined, /version 9 .*newer version of granule/);
    expect(SIDECAR_VERSION).toBe(2);
  });

  it("refuses a sidecar written by an older version, asking to index again", async () => {
    const sidecar = writeSidecar(await buildIndex(loadFixture("ffmpeg-mono.opus"), { workers: 0 }));
    expectBad(
      withVersion(sidecar, 1),
      undefined,
      /^sidecar format version 1 was written by an older version of granule: index the file again/,
    );
  });

  it("refuses a sidecar whose JSON is malformed, naming the field, even with a valid checksum", async () => {
    const sidecar = writeSidecar(await buildIndex(loadFixture("chained.opus"), { workers: 0 }));
    type Json = Record<string, unknown> & { links: Record<string, unknown>[]; problems: unknown[] };
    const cases: [string, (j: Json) => unknown, RegExp][] = [
      ["links []", (j) => ({ ...j, links: [] }), /links: at least one link is needed/],
      ["links null", (j) => ({ ...j, links: null }), /links: expected a list/],
      ["a link null", (j) => ({ ...j, links: [null, j.links[1]] }), /links\[0\]: expected an object/],
      ["no head", (j) => ({ ...j, links: [{ ...j.links[0], head: undefined }, j.links[1]] }), /links\[0\]\.head/],
      [
        "mapping not a list",
        (j) => ({
          ...j,
          links: [{ ...j.links[0], head: { ...(j.links[0]!.head as object), mapping: 7 } }, j.links[1]],
        }),
        /links\[0\]\.head\.mapping/,
      ],
      [
        "channels 0",
        (j) => ({
          ...j,
          links: [{ ...j.links[0], head: { ...(j.links[0]!.head as object), channels: 0 } }, j.links[1]],
        }),
        /links\[0\]\.head\.channels/,
      ],
      ["serial a string", (j) => ({ ...j, links: [{ ...j.links[0], serial: "x" }, j.links[1]] }), /links\[0\]\.serial/],
      ["tags missing", (j) => ({ ...j, links: [{ ...j.links[0], tags: null }, j.links[1]] }), /links\[0\]\.tags/],
      [
        "pages out of range",
        (j) => ({ ...j, links: [j.links[0], { ...j.links[1], pageCount: 1e6 }] }),
        /links\[1\]: rows .* but the sidecar has/,
      ],
      ["totals disagree", (j) => ({ ...j, totalSamples: 5 }), /totalSamples: 5, but the links add up to \d+/],
      ["problems null", (j) => ({ ...j, problems: null }), /problems: expected a list/],
      [
        "unknown code",
        (j) => ({
          ...j,
          problems: [{ code: "nope", message: "m", byteOffset: 0, byteLength: 0, startSample: 0, endSample: 0 }],
        }),
        /problems\[0\]\.code/,
      ],
      [
        "problem past the end",
        (j) => ({
          ...j,
          problems: [{ code: "hole", message: "m", byteOffset: 0, byteLength: 0, startSample: 0, endSample: 1e9 }],
        }),
        /problems\[0\]/,
      ],
      ["rowCount negative", (j) => ({ ...j, rowCount: -1 }), /rowCount/],
      ["rowCount huge", (j) => ({ ...j, rowCount: 2 ** 40 }), /rowCount|runs past its end/],
      ["packetCount a string", (j) => ({ ...j, packetCount: "12" }), /packetCount/],
      ["byteLength fractional", (j) => ({ ...j, byteLength: 1.5 }), /byteLength/],
      ["not an object", () => [], /expected an object/],
    ];
    for (const [what, edit, message] of cases) {
      let error: unknown;
      try {
        readSidecar(withJson(sidecar, edit as never));
      } catch (e) {
        error = e;
      }
      expect(error, what).toBeInstanceOf(OpusError);
      expect((error as OpusError).code, what).toBe("bad-sidecar");
      expect((error as OpusError).message, what).toMatch(message);
    }
    expectBad(
      withJson(sidecar, () => 0, "{not json"),
      undefined,
      /JSON/,
    );
  });

  it("refuses rows that contradict each other, even with a valid checksum", async () => {
    const index = await buildIndex(loadFixture("ffmpeg-mono.opus"), { workers: 0 });
    const rows = { ...index.rows, startSample: index.rows.startSample.slice() };
    rows.startSample[3] = rows.startSample[1]! - 1;
    const broken = new OpusIndex({ ...index.data, rows });
    expectBad(writeSidecar(broken), undefined, /row 3 starts at sample .* before row 2/);
  });
});

describe("stale sidecars: the header pages are compared on every open", () => {
  const edits: [string, (bytes: Uint8Array) => void, number][] = [
    [
      "OpusHead output gain",
      (b) => {
        b[28 + 16] = 0x00;
        b[28 + 17] = 0x06; // +6 dB
        setPageCrc(b, 0);
      },
      0,
    ],
    [
      "OpusHead pre-skip",
      (b) => {
        b[28 + 10] = 0x10;
        setPageCrc(b, 0);
      },
      0,
    ],
    [
      "OpusTags vendor",
      (b) => {
        b[47 + 28 + 12]! ^= 0x20; // "ffmpeg" -> "fFmpeg"
        setPageCrc(b, 47);
      },
      47,
    ],
  ];

  for (const [what, edit, byteOffset] of edits) {
    it(`refuses the old index after the ${what} is edited in place (same size), with stale-index at byte ${byteOffset}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "granule-stale-"));
      try {
        const path = join(dir, "a.opus");
        const sidecarPath = join(dir, "a.opus.idx");
        const original = loadFixture("ffmpeg-mono.opus");
        writeFileSync(path, original);
        const index = await buildIndex(original, { workers: 0 });
        await saveSidecar(index, sidecarPath);
        expect((await openSidecar(sidecarPath, path)).data).toEqual(index.data);
        const edited = original.slice();
        edit(edited);
        expect(edited.length).toBe(original.length);
        writeFileSync(path, edited);
        for (const open of [
          () => openSidecar(sidecarPath, path),
          async () => (await openFile(path, { sidecarPath })).source.close(),
          () => checkHeaders(index, bufferSource(edited)),
        ]) {
          const error = await open().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(OpusError);
          expect(error).toMatchObject({ code: "stale-index", byteOffset });
          expect((error as Error).message).toMatch(/does not match the index: the file changed after it was indexed/);
        }
        // Without a sidecar the file is indexed afresh, and opens.
        const fresh = await openFile(path);
        expect(fresh.index.head.preSkip).toBe(readFileSync(path)[28 + 10]! | (readFileSync(path)[28 + 11]! << 8));
        await fresh.source.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("checks an index without recorded header pages (an older archive) by its parsed headers", async () => {
    const original = loadFixture("ffmpeg-mono.opus");
    const index = await buildIndex(original, { workers: 0 });
    const legacy = new OpusIndex({
      ...index.data,
      links: index.links.map(({ headerPages: _, ...link }) => link),
    });
    await expect(checkHeaders(legacy, bufferSource(original))).resolves.toBeUndefined();
    const edited = original.slice();
    edits[0]![1](edited);
    await expect(checkHeaders(legacy, bufferSource(edited))).rejects.toMatchObject({
      code: "stale-index",
      byteOffset: 0,
    });
  });

  it("passes every fixture against its own bytes", async () => {
    for (const f of opusFixtures) {
      const bytes = loadFixture(f.file);
      await expect(checkHeaders(await buildIndex(bytes, { workers: 0 }), bufferSource(bytes))).resolves.toBeUndefined();
    }
  });
});
