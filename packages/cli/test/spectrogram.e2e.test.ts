// `granule spectrogram`: PNGs of the requested size whose brightest row is the tone's frequency.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeToBytes } from "@granule/encode";
import { encodeWav } from "@granule/extract";
import { decode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { granule } from "./cli.ts";

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
    expect(run.stderr).toMatch(/other\.csv row 3 is of recording other, but the source is recording tone/);
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
