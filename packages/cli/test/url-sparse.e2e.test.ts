// `granule extract <plain .opus URL>` without a sidecar reads only the pages the range needs
// (opus-index's sparseIndex): the same samples as from the file, a small part of its bytes;
// and the whole file where a sparse read cannot vouch for the answer.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostileServer, startHostileServer } from "../../byte-source/test/hostile-server.ts";
import { longOpus } from "../../extract/test/helpers.ts";
import { granuleAsync, wavInfo } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-url-sparse-"));
const SECONDS = 300;
/** longOpus writes 50 packets a second and a pre-skip of 312 samples, which the timeline drops. */
const TOTAL = SECONDS * 48_000 - 312;
let plain: HostileServer;
let chained: HostileServer;
let damaged: HostileServer;
let expanded: HostileServer;
const files = {
  plain: join(dir, "long.opus"),
  chained: join(dir, "chained.opus"),
  damaged: join(dir, "damaged.opus"),
  expanded: join(dir, "expanded.opus"),
};
/** Tags by which a file says its samples were recorded at 384 kHz (docs/encode.md). */
const TIME_EXPANDED = ["RATE_PLAN=time-expanded", "ORIGINAL_SAMPLE_RATE=384000", "TIME_EXPANSION=8"];
let size = 0;

beforeAll(async () => {
  const bytes = longOpus(SECONDS);
  size = bytes.length;
  writeFileSync(files.plain, bytes);
  const links = new Uint8Array([
    ...longOpus(SECONDS / 2, "ffmpeg-mono.opus", 77),
    ...longOpus(SECONDS / 2, "ffmpeg-mono.opus", 78),
  ]);
  writeFileSync(files.chained, links);
  // One byte of a page at the middle changed: that page fails its CRC.
  const broken = bytes.slice();
  broken[Math.floor(bytes.length / 2)]! ^= 0x55;
  writeFileSync(files.damaged, broken);
  // The same audio, declared time-expanded: 300 s of 48 kHz samples are 37.5 s at 384 kHz.
  const bat = longOpus(SECONDS, "ffmpeg-mono.opus", 77, TIME_EXPANDED);
  writeFileSync(files.expanded, bat);
  plain = await startHostileServer({ bytes });
  chained = await startHostileServer({ bytes: links });
  damaged = await startHostileServer({ bytes: broken });
  expanded = await startHostileServer({ bytes: bat });
}, 60_000);

afterAll(async () => {
  await Promise.all([plain?.close(), chained?.close(), damaged?.close(), expanded?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const range = (start: number, end: number) => ["--start-sample", String(start), "--end-sample", String(end)];
const extract = (source: string, args: string[]) =>
  granuleAsync(["extract", source, ...args, "--format", "f32", "-o", "-"]);

describe("granule extract from a plain URL without a sidecar", () => {
  const middle = (SECONDS / 2) * 48_000 + 12_345;
  it.each([
    ["the middle", middle, middle + 96_000],
    ["the start", 0, 48_000],
    ["the end", TOTAL - 30_000, TOTAL],
  ])("reads %s from a few ranges of the file: the file's samples", async (_, start, end) => {
    const local = await extract(files.plain, range(start, end));
    expect([local.code, local.bytes.length]).toEqual([0, (end - start) * 4]);
    plain.reset();
    const remote = await extract(plain.url("ok"), range(start, end));
    expect(remote.code).toBe(0);
    expect(Buffer.compare(remote.bytes, local.bytes)).toBe(0);
    expect(plain.requests).toBeLessThanOrEqual(16);
    expect(plain.bytesSent).toBeLessThan(Math.min(1024 * 1024, size / 4));
    expect(remote.stderr).toMatch(/read \d+ KiB of http:\S+ in \d+ rounds, placed by the granules/);
    // A URL's page headers cannot be walked: the note says what a sparse read cannot see.
    expect(remote.stderr).toMatch(/a chain of files sharing one serial number is not seen this way/);
  });

  it("places a time-expanded file's times at its declared rate, as from the file, sparse or whole", async () => {
    // 20 s at 384 kHz is sample 7,680,000 (160 s at 48 kHz): a range read sparsely. A sample
    // range and a whole read (a server that ignores Range) must agree with the file too.
    const cases = [
      [["--start", "20", "--end", "20.5"], "ok", /placed by the granules/],
      [range(7_680_000, 7_872_000), "ok", /placed by the granules/],
      [["--start", "20", "--end", "20.5"], "ignore-range", /ignores Range requests/],
    ] as const;
    for (const [args, behaviour, note] of cases) {
      const wav = (source: string) => granuleAsync(["extract", source, ...args, "-o", "-"]);
      const local = await wav(files.expanded);
      expect(local.code).toBe(0);
      expect(wavInfo(local.bytes)).toMatchObject({ sampleRate: 384_000, dataBytes: 192_000 * 2 });
      expanded.reset();
      const remote = await wav(expanded.url(behaviour));
      expect(remote.code).toBe(0);
      expect(Buffer.compare(remote.bytes, local.bytes)).toBe(0);
      expect(remote.stderr).toMatch(note);
      if (behaviour === "ok") expect(expanded.bytesSent).toBeLessThan(size / 4);
    }
    const info = await granuleAsync(["info", expanded.url("ok"), "--json"]);
    expect(JSON.parse(info.stdout)).toMatchObject({ sampleRate: 384_000 });
  });

  it("clips from a few ranges of the file: the file's clip, byte for byte", async () => {
    const args = (source: string) => ["clip", source, ...range(middle, middle + 48_000), "-o", "-"];
    const local = await granuleAsync(args(files.plain));
    expect(local.code).toBe(0);
    plain.reset();
    const remote = await granuleAsync(args(plain.url("ok")));
    expect(remote.code).toBe(0);
    expect(Buffer.compare(remote.bytes, local.bytes)).toBe(0);
    expect(plain.bytesSent).toBeLessThan(size / 4);
    expect(remote.stderr).toMatch(/placed by the granules/);
  });

  it("extracts a label table's rows, resampled, from a few ranges: the file's outputs", async () => {
    // An Audacity label track: start, end (seconds), label; the last row is past the end.
    const labels = join(dir, "labels.txt");
    writeFileSync(labels, "12.5\t14.5\twren\n150.25\t153.25\trobin\n298.0\t301.0\tlate\n");
    const run = async (source: string, out: string) =>
      granuleAsync([
        "extract",
        source,
        "--segments",
        labels,
        "--clip-to-end",
        "--sample-rate",
        "32000",
        "--format",
        "npy",
        "--out-dir",
        join(dir, out),
      ]);
    const local = await run(files.plain, "local");
    expect(local.code).toBe(0);
    plain.reset();
    const remote = await run(plain.url("ok"), "remote");
    expect(remote.code).toBe(0);
    const names = readdirSync(join(dir, "local")).sort();
    expect(names.filter((n) => n.endsWith(".npy"))).toHaveLength(3);
    expect(readdirSync(join(dir, "remote")).sort()).toEqual(names);
    for (const name of names.filter((n) => n.endsWith(".npy"))) {
      expect(Buffer.compare(readFileSync(join(dir, "remote", name)), readFileSync(join(dir, "local", name)))).toBe(0);
    }
    expect(plain.bytesSent).toBeLessThan(size / 4);
    expect(remote.stderr).not.toContain("warning");
    expect(remote.stderr).toMatch(/read \d+ KiB of http:\S+ in \d+ rounds, placed by the granules/);
  });

  it("says why a label table's URL is read whole: a chained file, a server that ignores Range", async () => {
    const labels = join(dir, "labels-chained.csv");
    writeFileSync(labels, "start,end,label\n10,11,a\n200,201.5,b\n");
    const run = (source: string, out: string) =>
      granuleAsync(["extract", source, "--segments", labels, "--format", "f32", "--out-dir", join(dir, out)]);
    const cases = [
      [
        files.chained,
        chained.url("ok"),
        "chained",
        /warning: reading all of http:\S+: it holds more than one stream or link/,
      ],
      [files.plain, plain.url("ignore-range"), "ignoring", /warning: .*ignores Range requests/],
    ] as const;
    for (const [file, url, name, warning] of cases) {
      const local = await run(file, `${name}-local`);
      const remote = await run(url, `${name}-remote`);
      expect([local.code, remote.code]).toEqual([0, 0]);
      expect(remote.stderr).toMatch(warning);
      expect(remote.stderr).not.toContain("placed by the granules");
      const names = readdirSync(join(dir, `${name}-local`)).filter((n) => n.endsWith(".f32"));
      expect(names).toHaveLength(2);
      for (const n of names) {
        const [a, b] = [join(dir, `${name}-remote`, n), join(dir, `${name}-local`, n)].map((f) => readFileSync(f));
        expect(Buffer.compare(a!, b!)).toBe(0);
      }
    }
  });

  it("reads a whole plain URL for windows over much of it, without a warning", async () => {
    // Windows at 0, 100 and 200 s, 40 s each: 40% of the file, more than a sparse read takes.
    const windows = ["--window", "40", "--hop", "100", "--format", "f32", "-o", "-"];
    const local = await granuleAsync(["extract", files.plain, ...windows]);
    plain.reset();
    const remote = await granuleAsync(["extract", plain.url("ok"), ...windows]);
    expect(plain.bytesSent).toBeGreaterThanOrEqual(size);
    expect([local.code, remote.code]).toEqual([0, 0]);
    expect(Buffer.compare(remote.bytes, local.bytes)).toBe(0);
    expect(remote.stderr).not.toContain("warning");
  });

  it("reads only its own part's pages with --part: each part the file's part, together the whole job", async () => {
    // The same three 40 s windows: the whole job needs 40% of the file, one part of three 13%.
    const windows = ["--window", "40", "--hop", "100", "--format", "f32", "-o", "-"];
    const whole = await granuleAsync(["extract", files.plain, ...windows]);
    expect(whole.code).toBe(0);
    const parts: Buffer[] = [];
    for (const part of ["1/3", "2/3", "3/3"]) {
      const local = await granuleAsync(["extract", files.plain, ...windows, "--part", part]);
      plain.reset();
      const remote = await granuleAsync(["extract", plain.url("ok"), ...windows, "--part", part]);
      expect([local.code, remote.code]).toEqual([0, 0]);
      expect(local.bytes.length).toBe(40 * 48_000 * 4);
      expect(Buffer.compare(remote.bytes, local.bytes)).toBe(0);
      expect(plain.bytesSent).toBeLessThan(size / 4);
      expect(remote.stderr).not.toContain("warning");
      parts.push(local.bytes);
    }
    expect(Buffer.compare(Buffer.concat(parts), whole.bytes)).toBe(0);
  });

  it("reads the whole file from a server that ignores Range, with the same samples", async () => {
    const local = await extract(files.plain, range(middle, middle + 4_800));
    const remote = await extract(plain.url("ignore-range"), range(middle, middle + 4_800));
    expect(remote.code).toBe(0);
    expect(Buffer.compare(remote.bytes, local.bytes)).toBe(0);
    expect(remote.stderr).toContain("ignores Range requests");
    expect(remote.stderr).not.toContain("placed by the granules");
  });

  it("reads a chained file whole, and says why", async () => {
    const at = SECONDS * 48_000 - 48_000; // In the second link.
    const local = await extract(files.chained, range(at, at + 9_600));
    chained.reset();
    const remote = await extract(chained.url("ok"), range(at, at + 9_600));
    expect([remote.code, local.code]).toEqual([0, 0]);
    expect(Buffer.compare(remote.bytes, local.bytes)).toBe(0);
    expect(remote.stderr).toMatch(/warning: reading all of http:\S+: it holds more than one stream or link/);
    expect(chained.bytesSent).toBeGreaterThanOrEqual(size);
  });

  it("gives the file's answer for a range over damage it reads: the whole file's typed error", async () => {
    const at = Math.floor(SECONDS / 2) * 48_000 - 24_000;
    const local = await extract(files.damaged, range(at, at + 96_000));
    const remote = await extract(damaged.url("ok"), range(at, at + 96_000));
    expect(local.code).toBe(1);
    expect(remote.code).toBe(local.code);
    const firstLine = (text: string) =>
      text.split("\n").find((line) => line.startsWith("granule: ") && !line.includes("warning"));
    expect(firstLine(remote.stderr)?.replace(/http:\S+/, "X")).toBe(
      firstLine(local.stderr)?.replace(files.damaged, "X"),
    );
    expect(remote.stderr).toMatch(/warning: reading all of http:\S+: \d+ bytes at \d+ belong to no page/);
  });

  it("retries a flaky server's faults and reports a failing one as a server fault, naming the range", async () => {
    const local = await extract(files.plain, range(middle, middle + 4_800));
    const flaky = await extract(plain.url("flaky-5xx"), range(middle, middle + 4_800));
    expect(flaky.code).toBe(0);
    expect(Buffer.compare(flaky.bytes, local.bytes)).toBe(0);
    const failing = await extract(plain.url("always-5xx"), range(middle, middle + 4_800));
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/http:\S+always-5xx\S*/);
    expect(failing.stderr).toMatch(/\b50\d\b/);
    expect(failing.stderr).not.toMatch(/damage|hole|not an Ogg/i);
  });

  it("refuses a range past the end as the file does", async () => {
    const past = range(TOTAL - 10, TOTAL + 10);
    const local = await extract(files.plain, past);
    const remote = await extract(plain.url("ok"), past);
    expect([local.code, remote.code]).toEqual([2, 2]);
    expect(remote.stderr).toContain(`holds samples 0-${TOTAL}`);
  });
});
