// A plain file without a sidecar is read only where the asked ranges need it (opus-index's
// sparseIndex, as over a URL): the samples of the full index, from a few pages of a long file;
// and the full index wherever a sparse read cannot vouch for them (links, damage it reads), or
// the page headers show that the file is not one plain run of pages (whyNotOnePlainRun): a
// chain of files that share a serial number, granules that run back.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, readPages } from "@granule/ogg-pages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { longOpus } from "../../extract/test/helpers.ts";
import { granule, granuleAsync } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-local-sparse-"));
const SECONDS = 1200;
/** longOpus writes 50 packets a second and a pre-skip of 312 samples, which the timeline drops. */
const TOTAL = SECONDS * 48_000 - 312;
let size = 0;
/** Each file, and a copy of it with a sidecar (`granule index`): the full index's answers. */
const files = {
  plain: join(dir, "long.opus"),
  chained: join(dir, "chained.opus"),
  sameSerial: join(dir, "same-serial.opus"),
  damaged: join(dir, "damaged.opus"),
  later: join(dir, "later.opus"),
  earlier: join(dir, "earlier.opus"),
};
/** Samples the granules of the second half are moved by, in `later` and `earlier`. */
const SHIFT = 480_000;

/** The file with the granules of its second half's pages moved by `shift` (CRCs made good). */
function shiftedGranules(bytes: Uint8Array, shift: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const pages = [...readPages(out)];
  for (const page of pages.slice(pages.length / 2)) {
    const at = page.byteOffset;
    view.setBigUint64(at + 6, page.granule + BigInt(shift), true);
    view.setUint32(at + 22, 0, true);
    view.setUint32(at + 22, crc32(out.subarray(at, at + page.byteLength)), true);
  }
  return out;
}
const indexed = (file: string) => file.replace(/\.opus$/, "-indexed.opus");
const SPARSE_NOTE = /read (\d+) KiB of \S+ in \d+ rounds, placed by the granules/;

beforeAll(() => {
  const bytes = longOpus(SECONDS);
  size = bytes.length;
  writeFileSync(files.plain, bytes);
  writeFileSync(
    files.chained,
    new Uint8Array([
      ...longOpus(SECONDS / 2, "ffmpeg-mono.opus", 77),
      ...longOpus(SECONDS / 2, "ffmpeg-mono.opus", 78),
    ]),
  );
  // Two files of one encoder's fixed serial put one after the other (`cat`), with other audio.
  writeFileSync(
    files.sameSerial,
    new Uint8Array([
      ...longOpus(SECONDS / 2, "ffmpeg-mono.opus", 77),
      ...longOpus(SECONDS / 2, "ffmpeg-stereo.opus", 77),
    ]),
  );
  // One byte of a page at the middle changed: that page fails its CRC.
  const broken = bytes.slice();
  broken[Math.floor(bytes.length / 2)]! ^= 0x55;
  writeFileSync(files.damaged, broken);
  // A recorder that skipped 10 s of buffers (granules jump on), and granules that run back.
  writeFileSync(files.later, shiftedGranules(bytes, SHIFT));
  writeFileSync(files.earlier, shiftedGranules(bytes, -SHIFT));
  for (const file of Object.values(files)) {
    copyFileSync(file, indexed(file));
    expect(granule(["index", indexed(file), "--quiet"]).code).toBe(0);
  }
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const range = (start: number, end: number) => ["--start-sample", String(start), "--end-sample", String(end)];
const extract = (source: string, args: string[]) =>
  granuleAsync(["extract", source, ...args, "--format", "f32", "-o", "-"]);
const kibRead = (stderr: string) => Number(SPARSE_NOTE.exec(stderr)?.[1] ?? Number.NaN);

describe("granule extract from a plain file without a sidecar", () => {
  const middle = (SECONDS / 2) * 48_000 + 12_345;
  it.each([
    ["the middle", middle, middle + 96_000],
    ["the start", 0, 48_000],
    ["the end", TOTAL - 30_000, TOTAL],
  ])("reads %s from a few pages: the full index's samples", async (_, start, end) => {
    const full = await extract(indexed(files.plain), range(start, end));
    expect([full.code, full.bytes.length]).toEqual([0, (end - start) * 4]);
    expect(full.stderr).not.toMatch(SPARSE_NOTE);
    const sparse = await extract(files.plain, range(start, end));
    expect(sparse.code).toBe(0);
    expect(Buffer.compare(sparse.bytes, full.bytes)).toBe(0);
    expect(kibRead(sparse.stderr) * 1024).toBeLessThan(size / 16);
    // Its page headers were walked: no caveat about chains, as a URL's note has.
    expect(sparse.stderr).not.toMatch(/serial number/);
  });

  it("extracts a label table's rows and clips from a few pages: the full index's outputs, byte for byte", async () => {
    const labels = join(dir, "labels.csv");
    writeFileSync(labels, "start,end,label\n12.5,14.5,wren\n700.25,703.25,robin\n");
    for (const [file, out] of [
      [files.plain, "sparse"],
      [indexed(files.plain), "full"],
    ] as const) {
      const run = await granuleAsync(["extract", file, "--segments", labels, "--out-dir", join(dir, out)]);
      expect(run.code).toBe(0);
      expect(SPARSE_NOTE.test(run.stderr)).toBe(out === "sparse");
    }
    const names = readdirSync(join(dir, "full")).filter((n) => n.endsWith(".wav"));
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(Buffer.compare(readFileSync(join(dir, "sparse", name)), readFileSync(join(dir, "full", name)))).toBe(0);
    }
    const clip = (file: string) => granuleAsync(["clip", file, ...range(middle, middle + 48_000), "-o", "-"]);
    const [sparse, full] = [await clip(files.plain), await clip(indexed(files.plain))];
    expect([sparse.code, full.code]).toEqual([0, 0]);
    expect(Buffer.compare(sparse.bytes, full.bytes)).toBe(0);
    expect(sparse.stderr).toMatch(SPARSE_NOTE);
  });

  it("reads a chained file whole, silently as before, with the full index's samples", async () => {
    const at = (SECONDS / 2) * 48_000 + 96_000; // In the second link.
    const [sparse, full] = [
      await extract(files.chained, range(at, at + 9_600)),
      await extract(indexed(files.chained), range(at, at + 9_600)),
    ];
    expect([sparse.code, full.code]).toEqual([0, 0]);
    expect(Buffer.compare(sparse.bytes, full.bytes)).toBe(0);
    expect(sparse.stderr).not.toMatch(SPARSE_NOTE);
    expect(sparse.stderr).not.toContain("warning");
  });

  it("reads a chain whose links share a serial number whole: each link's own samples, never the other's", async () => {
    // Found in review: probes saw one serial at the head and the tail, took the file for one
    // link and placed the second link's pages (whose granules start again) at the first's times.
    expect(granule(["info", indexed(files.sameSerial)]).stdout).toMatch(/link 1\s+serial 77/);
    for (const at of [0.2, 0.375, 0.75].map((share) => Math.round(SECONDS * share) * 48_000)) {
      const [sparse, full] = [
        await extract(files.sameSerial, range(at, at + 48_000)),
        await extract(indexed(files.sameSerial), range(at, at + 48_000)),
      ];
      expect([sparse.code, full.code]).toEqual([0, 0]);
      expect(Buffer.compare(sparse.bytes, full.bytes)).toBe(0);
      expect(sparse.stderr).not.toMatch(SPARSE_NOTE);
    }
  });

  it("gives the full index's typed error for a range over damage, and clean samples away from it", async () => {
    const at = (SECONDS / 2) * 48_000 - 24_000;
    const [sparse, full] = [
      await extract(files.damaged, range(at, at + 96_000)),
      await extract(indexed(files.damaged), range(at, at + 96_000)),
    ];
    expect(full.code).toBe(1);
    expect(sparse.code).toBe(full.code);
    const firstLine = (text: string, file: string) =>
      text
        .split("\n")
        .find((line) => line.startsWith("granule: "))
        ?.replaceAll(file, "X");
    expect(firstLine(sparse.stderr, files.damaged)).toBe(firstLine(full.stderr, indexed(files.damaged)));
    expect(firstLine(sparse.stderr, files.damaged)).toMatch(/lost|hole|damage/i);
    // Far from the damage, the pages read are clean: the clean file's samples.
    const away = await extract(files.damaged, range(100 * 48_000, 102 * 48_000));
    const clean = await extract(indexed(files.plain), range(100 * 48_000, 102 * 48_000));
    expect([away.code, clean.code]).toEqual([0, 0]);
    expect(Buffer.compare(away.bytes, clean.bytes)).toBe(0);
    expect(away.stderr).toMatch(SPARSE_NOTE);
  });

  it("places by the granules as the full index does after a gap, and reads granules that run back whole", async () => {
    const at = Math.round(SECONDS * 0.8) * 48_000;
    const samples = async (file: string, start: number) => {
      const run = await extract(file, range(start, start + 48_000));
      expect(run.code).toBe(0);
      return run;
    };
    // A gap: the full index places the pages after it by their granules too.
    const later = await samples(files.later, at);
    expect(later.stderr).toMatch(SPARSE_NOTE);
    expect(Buffer.compare(later.bytes, (await samples(indexed(files.later), at)).bytes)).toBe(0);
    // Granules that run back (the full index places the pages after by their packets, and says
    // so, bad-granule): the page headers show it, and the file is indexed whole.
    const earlier = await samples(files.earlier, at);
    expect(earlier.stderr).not.toMatch(SPARSE_NOTE);
    expect(Buffer.compare(earlier.bytes, (await samples(indexed(files.earlier), at)).bytes)).toBe(0);
    expect(granule(["info", indexed(files.earlier)]).stdout).toMatch(/bad-granule/);
  });

  it("refuses a range past the end as the full index does", async () => {
    const past = range(TOTAL - 10, TOTAL + 10);
    const [sparse, full] = [await extract(files.plain, past), await extract(indexed(files.plain), past)];
    expect([sparse.code, full.code]).toEqual([2, 2]);
    const errors = (run: { stderr: string }, file: string) =>
      run.stderr
        .split("\n")
        .filter((line) => line.startsWith("granule: "))
        .map((line) => line.replaceAll(file, "X"));
    expect(errors(sparse, files.plain)).toEqual(errors(full, indexed(files.plain)));
    expect(errors(sparse, files.plain)).toEqual([expect.stringMatching(/goes past the end of X/)]);
  });
});
