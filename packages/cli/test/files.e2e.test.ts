import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildIndex } from "@granule/opus-index";
import { afterAll, describe, expect, it } from "vitest";
import { example, fixture, granule, wavInfo } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("granule info", () => {
  it("prints the facts of a file, and the same as one JSON document with stable keys", () => {
    const text = granule(["info", example]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/960000 samples at 48000 Hz/);
    const run = granule(["info", example, "--json"]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      totalSamples: 960_000,
      channels: 1,
      preSkip: 312,
      sampleRate: 48_000,
      durationSeconds: 20,
      problems: [],
    });
    expect(doc.links).toEqual([
      { serial: 6001, channels: 1, preSkip: 312, startSample: 0, totalSamples: 960_000, startGranule: 0 },
    ]);
  });

  it("lists every link of a chained file", () => {
    const doc = JSON.parse(granule(["info", fixture("chained.opus"), "--json"]).stdout);
    expect(
      doc.links.map((l: { channels: number; startSample: number; totalSamples: number }) => [
        l.channels,
        l.startSample,
        l.totalSamples,
      ]),
    ).toEqual([
      [1, 0, 96_000],
      [2, 96_000, 96_000],
    ]);
  });

  it("lists damage with its byte offset and still exits 0", () => {
    const run = granule(["info", fixture("derived/bad-crc.opus"), "--json"]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.problems.map((p: { code: string; byteOffset: number }) => [p.code, p.byteOffset])).toEqual([
      ["hole", 9146],
      ["damaged-bytes", 9146],
    ]);
    expect(doc.problems[0].message).toMatch(/missing/);
  });
});

describe("granule index and verify on plain files", () => {
  it("saves a sidecar that later commands reuse, and verify checks it", () => {
    const file = join(dir, "dawn.opus");
    copyFileSync(example, file);
    const run = granule(["index", file, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ sidecar: `${file}.idx`, totalSamples: 960_000, problems: 0 });
    expect(existsSync(`${file}.idx`)).toBe(true);
    expect(granule(["verify", file]).code).toBe(0);
    // A sidecar for another file is refused rather than trusted.
    copyFileSync(fixture("ffmpeg-mono.opus"), file);
    const stale = granule(["info", file]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/sidecar indexes a 95992-byte file, but this file has 44431/);
  });

  it("verify exits 1 and names each problem of a damaged file", () => {
    const run = granule(["verify", fixture("derived/missing-page.opus")]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /byte 18120: hole: page 4 of stream 1001 is missing \(the stream goes from page 3 to page 5\)/,
    );
  });
});

describe("granule extract", () => {
  it("writes exactly the samples asked for, by time or by sample, as WAV or raw", () => {
    const wav = join(dir, "a.wav");
    expect(granule(["extract", example, "--start", "1.5", "--end", "2", "-o", wav]).code).toBe(0);
    expect(wavInfo(readFileSync(wav))).toEqual({
      format: 1,
      channels: 1,
      sampleRate: 48_000,
      bits: 16,
      dataBytes: 24_000 * 2,
    });
    expect(
      granule([
        "extract",
        example,
        "--start-sample",
        "100",
        "--end-sample",
        "1061",
        "-o",
        wav,
        "--float",
        "--overwrite",
      ]).code,
    ).toBe(0);
    expect(wavInfo(readFileSync(wav))).toMatchObject({ format: 3, bits: 32, dataBytes: 961 * 4 });
    const raw = granule([
      "extract",
      fixture("ffmpeg-stereo.opus"),
      "--start",
      "00:00:01.000",
      "--end",
      "1100ms",
      "--format",
      "f32",
      "-o",
      "-",
      "--quiet",
    ]);
    expect(raw.code).toBe(0);
    expect(raw.bytes.length).toBe(4800 * 2 * 4);
    const s16 = granule([
      "extract",
      fixture("ffmpeg-5.1.opus"),
      "--start-sample",
      "0",
      "--end-sample",
      "10",
      "--format",
      "s16",
      "-o",
      "-",
    ]);
    expect(s16.bytes.length).toBe(10 * 6 * 2);
  });

  it("writes one file per CSV row, named or numbered in input order", () => {
    const csv = join(dir, "calls.csv");
    writeFileSync(csv, "name,start,end\ntrill,2.0,2.5\nwhistle,0:00:07,7250ms\n");
    const out = join(dir, "named");
    const run = granule(["extract", example, "--segments", csv, "--out-dir", out, "--json"]);
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["manifest.csv", "trill.wav", "whistle.wav"]);
    expect(wavInfo(readFileSync(join(out, "whistle.wav"))).dataBytes).toBe(12_000 * 2);
    const numbered = join(dir, "numbered.csv");
    writeFileSync(
      numbered,
      `start_sample,end_sample\n${Array.from({ length: 11 }, (_, i) => `${i * 1000},${i * 1000 + 480}`).join("\n")}\n`,
    );
    const out2 = join(dir, "numbered");
    expect(granule(["extract", example, "--segments", numbered, "--out-dir", out2, "--format", "s16"]).code).toBe(0);
    expect(readdirSync(out2).sort()[0]).toBe("01.s16");
    expect(readdirSync(out2).length).toBe(12); // 11 rows and manifest.csv
    expect(readFileSync(join(out2, "11.s16")).length).toBe(480 * 2);
  });
});

describe("granule clip", () => {
  it("writes a playable .opus of exactly the range", async () => {
    const out = join(dir, "clip.opus");
    const run = granule(["clip", example, "--start", "5", "--end", "6.25", "-o", out]);
    expect(run.code).toBe(0);
    const index = await buildIndex(new Uint8Array(readFileSync(out)), { workers: 0, strict: true });
    expect(index.totalSamples).toBe(60_000);
  });
});

describe("bad input: clear messages and exit codes", () => {
  const cases: [string, string[], number, RegExp][] = [
    ["a missing file", ["info", "no-such.opus"], 2, /no-such.opus: no such file or directory/],
    ["a non-Opus file", ["info", fixture("vorbis.ogg")], 1, /no Opus stream .*vorbis/],
    // (info on this file, a WAV, now says what it is: see recorders.e2e.test.ts)
    ["not Ogg at all", ["index", fixture("derived/not-ogg.bin")], 1, /not an Ogg file/],
    [
      "a range past the end",
      ["extract", example, "--start", "19", "--end", "21", "-o", "x.wav"],
      2,
      /holds samples 0-960000 \(20\.000 s\)/,
    ],
    [
      "an empty range",
      ["extract", example, "--start", "3", "--end", "2", "-o", "x.wav"],
      2,
      /start must come before the end/,
    ],
    [
      "not a time",
      ["extract", example, "--start", "soon", "--end", "2", "-o", "x.wav"],
      2,
      /--start "soon" is not a time/,
    ],
    ["no output given", ["extract", example, "--start", "1", "--end", "2"], 2, /say where to write/],
    ["an unknown command", ["frobnicate"], 2, /unknown command 'frobnicate'/],
    ["an unknown option", ["info", example, "--colour"], 2, /unknown option '--colour'/],
    ["a bad format", ["extract", example, "--start", "1", "--end", "2", "--format", "mp3", "-o", "x"], 2, /mp3/],
  ];
  for (const [what, args, code, message] of cases) {
    it(`${what}: exit ${code}`, () => {
      const run = granule(args, dir);
      expect(run.code).toBe(code);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split("\n").length).toBeLessThanOrEqual(2);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it("--help and --version exit 0", () => {
    expect(granule(["--help"]).code).toBe(0);
    expect(granule(["--version"]).stdout.trim()).toBe("0.1.0");
  });
});
