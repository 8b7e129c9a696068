// `granule spectrogram`: PNGs of the requested size whose brightest row is the tone's frequency.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeToBytes } from "@granule/encode";
import { encodeWav } from "@granule/extract";
import { decode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, granule } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-spectrogram-"));
const tone = join(dir, "tone.opus");
const archive = join(dir, "season.zarr");
const RATE = 48_000;
const TONE_HZ = 1_000;

function ok(args: string[]) {
  const run = granule(args);
  if (run.code !== 0) throw new Error(`granule ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return run;
}

beforeAll(async () => {
  // 4 s of silence with a 1 kHz tone from 2 s to 3 s, encoded to Opus by granule's own encoder.
  const samples = new Float32Array(4 * RATE);
  for (let n = 2 * RATE; n < 3 * RATE; n++) samples[n] = 0.5 * Math.sin((2 * Math.PI * TONE_HZ * n) / RATE);
  const { bytes } = await encodeToBytes(encodeWav([samples], RATE));
  writeFileSync(tone, bytes);
  ok(["import", tone, "--archive", archive, "--id", "tone", "--recorded-at", "2025-04-16T05:40:00Z", "--device", "m1"]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Drawn {
  path: string;
  width: number;
  height: number;
  plot: { x: number; y: number; width: number; height: number };
  seconds: { start: number; end: number };
  hz: { low: number; high: number };
}

/** Luminance of each pixel of a decoded PNG (viridis grows brighter with the level). */
function luminance(path: string) {
  const png = decode(readFileSync(path));
  const channels = png.channels;
  const at = (x: number, y: number) => {
    const i = (y * png.width + x) * channels;
    return 0.2126 * png.data[i]! + 0.7152 * png.data[i + 1]! + 0.0722 * png.data[i + 2]!;
  };
  return { png, at };
}

/** The plot row whose pixels between `fromSeconds` and `toSeconds` are brightest in sum, as a frequency. */
function brightestHz(drawn: Drawn, fromSeconds: number, toSeconds: number): number {
  const { at } = luminance(drawn.path);
  const { plot, seconds, hz } = drawn;
  const x0 = Math.ceil(((fromSeconds - seconds.start) / (seconds.end - seconds.start)) * plot.width);
  const x1 = Math.floor(((toSeconds - seconds.start) / (seconds.end - seconds.start)) * plot.width);
  let best = { y: -1, sum: -1 };
  for (let y = 0; y < plot.height; y++) {
    let sum = 0;
    for (let x = x0; x < x1; x++) sum += at(plot.x + x, plot.y + y);
    if (sum > best.sum) best = { y, sum };
  }
  // Row 0 is the top (highest frequency).
  return hz.high - ((best.y + 0.5) / plot.height) * (hz.high - hz.low);
}

describe("granule spectrogram", () => {
  it("draws a PNG of the requested size whose brightest row is the tone's 1 kHz, between 2 and 3 s", () => {
    const out = join(dir, "tone.png");
    const run = ok([
      "spectrogram",
      tone,
      "--start",
      "1",
      "--end",
      "4",
      "--width",
      "300",
      "--height",
      "200",
      "--max-hz",
      "4000",
      "-o",
      out,
      "--json",
    ]);
    const drawn: Drawn = JSON.parse(run.stdout).pictures[0];
    const { png } = luminance(out);
    expect([png.width, png.height]).toEqual([300, 200]);
    expect([drawn.width, drawn.height]).toEqual([300, 200]);
    // The last bin at or below 4 kHz is 85 × 46.875 = 3984.375 Hz; the plot's edge is half a bin above.
    expect(drawn.hz.high).toBeCloseTo(3_984.375 + 46.875 / 2, 6);
    // One pixel row is 20 Hz here, one FFT bin 46.9 Hz.
    expect(Math.abs(brightestHz(drawn, 2.1, 2.9) - TONE_HZ)).toBeLessThanOrEqual(50);
    // The tone's row is bright only between 2 and 3 s.
    const { at } = luminance(out);
    const row = Math.round(((drawn.hz.high - TONE_HZ) / (drawn.hz.high - drawn.hz.low)) * drawn.plot.height);
    const xOf = (s: number) =>
      Math.floor(((s - drawn.seconds.start) / (drawn.seconds.end - drawn.seconds.start)) * 300);
    const inside = at(xOf(2.5), row);
    expect(inside).toBeGreaterThan(200);
    expect(at(xOf(1.5), row)).toBeLessThan(inside / 2);
    expect(at(xOf(3.5), row)).toBeLessThan(inside / 2);
  });

  it("refuses to overwrite a picture without --overwrite", () => {
    const out = join(dir, "twice.png");
    ok(["spectrogram", tone, "--start", "2", "--end", "3", "-o", out]);
    const again = granule(["spectrogram", tone, "--start", "2", "--end", "3", "-o", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists: pass --overwrite/);
    ok([
      "spectrogram",
      tone,
      "--start",
      "2",
      "--end",
      "3",
      "-o",
      out,
      "--overwrite",
      "--width",
      "64",
      "--height",
      "32",
    ]);
    expect(decode(readFileSync(out)).width).toBe(64);
  });

  it("draws one picture per row of --segments, named as extract names its outputs", () => {
    const csv = join(dir, "rows.csv");
    writeFileSync(csv, "start,end,name\n2.0,3.0,tone\n0.5,1.5,quiet\n");
    const outDir = join(dir, "pictures");
    const run = ok([
      "spectrogram",
      tone,
      "--segments",
      csv,
      "--out-dir",
      outDir,
      "--pixels-per-second",
      "100",
      "--json",
    ]);
    const pictures = JSON.parse(run.stdout).pictures;
    expect(pictures.map((p: { path: string }) => p.path)).toEqual([
      join(outDir, "tone.png"),
      join(outDir, "quiet.png"),
    ]);
    const png = decode(readFileSync(join(outDir, "tone.png")));
    // 100 pixels a second over the frames' span: 1 s less the part of a frame that cannot be whole.
    const span = pictures[0].seconds.end - pictures[0].seconds.start;
    expect(span).toBeGreaterThan(0.97);
    expect([png.width, png.height]).toEqual([Math.round(100 * span), 400]);
  });

  it("refuses a table whose recording column names another recording", () => {
    const csv = join(dir, "other.csv");
    writeFileSync(csv, "recording,start,end\ntone,2.0,3.0\nother,0.5,1.5\n");
    const run = granule(["spectrogram", join(archive, "tone"), "--segments", csv, "--out-dir", join(dir, "other")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/other\.csv row 3: names recording "other", but the source is .*tone/);
  });

  it("draws from an archive by UTC time, with axes around the plot", () => {
    const out = join(dir, "archive.png");
    const run = ok([
      "spectrogram",
      archive,
      "--start",
      "2025-04-16T05:40:01.500Z",
      "--end",
      "2025-04-16T05:40:03.500Z",
      "--width",
      "200",
      "--height",
      "120",
      "--max-hz",
      "3000",
      "--fft-size",
      "2048",
      "--hop",
      "512",
      "--axes",
      "-o",
      out,
      "--json",
    ]);
    const drawn: Drawn & { start: string } = JSON.parse(run.stdout).pictures[0];
    expect(drawn.start).toBe("2025-04-16T05:40:01.500Z");
    expect(drawn.plot).toMatchObject({ width: 200, height: 120 });
    const png = decode(readFileSync(out));
    expect([png.width, png.height]).toEqual([drawn.width, drawn.height]);
    expect(png.width).toBeGreaterThan(200);
    // The range starts 1.5 s into the recording: the tone is at 0.5-1.5 s of the picture.
    expect(Math.abs(brightestHz(drawn, 0.6, 1.4) - TONE_HZ)).toBeLessThanOrEqual(30);
  });

  it("says clearly what is wrong with the options", () => {
    const both = granule([
      "spectrogram",
      tone,
      "--start",
      "2",
      "--end",
      "3",
      "--width",
      "10",
      "--pixels-per-second",
      "5",
      "-o",
      join(dir, "x.png"),
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--width and --pixels-per-second/);
    const short = granule([
      "spectrogram",
      tone,
      "--start-sample",
      "0",
      "--end-sample",
      "100",
      "-o",
      join(dir, "y.png"),
    ]);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/fewer than one frame/);
  });
});

describe("granule spectrogram --segments: every label table extract reads, read by the same code", () => {
  const labels = (path: string) => fixture(`../packages/labels/test/fixtures/${path}`);

  it("places a Raven table's rows as extract places them, past the end clipped or skipped (reported)", () => {
    const table = labels("raven/marsh-0427.Table.1.selections.txt");
    // The fixture's boxes are of a longer recording: the tone's 4 s end cuts two, and one starts after it.
    const strict = granule(["spectrogram", tone, "--segments", table, "--out-dir", join(dir, "raven-strict")]);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(
      /row 2: 1\.898 s-4\.111 s goes past the end of .*tone\.opus.*--clip-to-end.*--skip-invalid/,
    );
    expect(existsSync(join(dir, "raven-strict"))).toBe(false);
    const policy = ["--clip-to-end", "--skip-invalid"];
    const run = ok(["spectrogram", tone, "--segments", table, ...policy, "--out-dir", join(dir, "raven"), "--json"]);
    const drawn = JSON.parse(run.stdout);
    const extracted = JSON.parse(
      ok(["extract", tone, "--segments", table, ...policy, "--out-dir", join(dir, "raven-wav"), "--json"]).stdout,
    );
    const ranges = (list: { name: string; startSample: number; endSample: number }[]) =>
      list.map((p) => [p.name, p.startSample, p.endSample]);
    expect(ranges(drawn.pictures)).toEqual(ranges(extracted.segments));
    expect(ranges(drawn.pictures)).toEqual([
      ["1", 91_087, 192_000], // 1.897648165999982 s x 48000, halves up; clipped at the end
      ["2", 152_760, 192_000],
      ["3", 4_800, 12_000],
    ]);
    expect(drawn.skipped).toEqual([expect.objectContaining({ origin: `${table} row 5` })]);
    expect(drawn.clipped.map((c: { origin: string }) => c.origin)).toEqual([`${table} row 2`, `${table} row 3`]);
    expect(run.stderr).toMatch(/skipped .*row 5: 15\.875 s-16\.070 s .* starts after the end/);
  });

  it("finds a BirdNET table's rows by the file they name: soundscape.wav's rows are the archived soundscape.opus's", () => {
    const named = join(dir, "soundscape.opus");
    copyFileSync(tone, named);
    const table = labels("birdnet/soundscape.BirdNET.results.csv");
    const run = ok([
      "spectrogram",
      named,
      "--segments",
      table,
      "--skip-invalid",
      "--out-dir",
      join(dir, "birdnet"),
      "--max-hz",
      "4000",
      "--json",
    ]);
    const [first, ...rest] = JSON.parse(run.stdout).pictures;
    expect(rest).toEqual([]); // the other detections are of a 120 s file
    expect([first.name, first.startSample, first.endSample]).toEqual(["1", 0, 3 * RATE]);
    // 0-3 s: the tone from 2 s.
    expect(Math.abs(brightestHz(first, 2.1, 2.9) - TONE_HZ)).toBeLessThanOrEqual(50);
  });

  it("reads Audacity labels (forced or detected) and refuses rows that name another recording", () => {
    const audacity = labels("audacity/labels.txt");
    for (const format of [[], ["--segments-format", "audacity"]]) {
      const run = ok([
        "spectrogram",
        tone,
        "--segments",
        audacity,
        ...format,
        "--skip-invalid",
        "--out-dir",
        join(dir, `audacity${format.length}`),
        "--json",
      ]);
      const pictures = JSON.parse(run.stdout).pictures;
      expect(pictures.map((p: { startSample: number; endSample: number }) => [p.startSample, p.endSample])).toEqual([
        [60_000, 120_000], // 1.25-2.5 s; the point label and the labels past 4 s are skipped
      ]);
    }
    // Forced as another format, the same file is read as that format (and fails as one).
    const forced = granule([
      "spectrogram",
      tone,
      "--segments",
      audacity,
      "--segments-format",
      "raven",
      "--out-dir",
      join(dir, "forced"),
    ]);
    expect(forced.code).toBe(2);
    expect(forced.stderr).toMatch(/labels\.txt row 1: a Raven selection table needs "Begin Time \(s\)"/);
    // Kaleidoscope's IN FILE names another recorder file: refused, naming the row and both files.
    const kaleidoscope = granule([
      "spectrogram",
      tone,
      "--segments",
      labels("kaleidoscope/id.csv"),
      "--out-dir",
      join(dir, "kaleidoscope"),
    ]);
    expect(kaleidoscope.code).toBe(2);
    expect(kaleidoscope.stderr).toMatch(
      /id\.csv row 2: names file "SMU00505_20210922_022259\.wav", but the source is .*tone\.opus/,
    );
  });

  it("places rows in an archive's recordings as extract does (by id here), with their UTC start", () => {
    const csv = join(dir, "archive-rows.csv");
    writeFileSync(csv, "recording,start,end,label\ntone,2,3,tone\n");
    const run = ok(["spectrogram", archive, "--segments", csv, "--out-dir", join(dir, "archive-rows"), "--json"]);
    const [picture] = JSON.parse(run.stdout).pictures;
    expect(picture).toMatchObject({
      name: "1",
      recording: "tone",
      startSample: 2 * RATE,
      endSample: 3 * RATE,
      start: "2025-04-16T05:40:02.000000Z",
    });
  });
});
