// From a lab's label tables to a training set: tables of every format placed in an archive's
// recordings, output names, manifests, resampling, channels, .npy and stacks, windows, and
// jobs split into parts.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, example, fixture, granuleAsync, type Run, wavInfo } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-dataset-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs granule with extra environment variables (and none of a job scheduler's unless given). */
function run(args: string[], env: Record<string, string> = {}): Run {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("SLURM_") && k !== "JOB_COMPLETION_INDEX"),
  );
  const result = spawnSync(BIN, args, {
    encoding: "buffer",
    env: { ...base, FORCE_COLOR: "0", ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    code: result.status ?? -1,
    stdout: result.stdout.toString("utf8"),
    stderr: result.stderr.toString("utf8"),
    bytes: result.stdout,
  };
}

function ok(args: string[], env: Record<string, string> = {}): Run {
  const result = run(args, env);
  if (result.code !== 0) throw new Error(`granule ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return result;
}

/** A 16-bit PCM WAV of planar channels. */
function wav(channels: Float32Array[], rate: number): Buffer {
  const frames = channels[0]!.length;
  const count = channels.length;
  const out = Buffer.alloc(44 + frames * count * 2);
  out.write("RIFF", 0);
  out.writeUInt32LE(36 + frames * count * 2, 4);
  out.write("WAVEfmt ", 8);
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(count, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * count * 2, 28);
  out.writeUInt16LE(count * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36);
  out.writeUInt32LE(frames * count * 2, 40);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < count; c++) {
      out.writeInt16LE(Math.round(Math.max(-1, Math.min(1, channels[c]![i]!)) * 32767), 44 + (i * count + c) * 2);
    }
  }
  return out;
}

const tone = (hz: number, amplitude: number, rate: number, frames: number) =>
  Float32Array.from({ length: frames }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate));

/** A `.npy` file parsed as numpy reads it: the header dict and the float32 data. */
function parseNpy(bytes: Buffer) {
  expect([...bytes.subarray(0, 6)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
  const major = bytes[6]!;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.subarray(start, start + headerLength).toString("latin1");
  expect((start + headerLength) % 64).toBe(0);
  const m = /^\{'descr': '([^']+)', 'fortran_order': (True|False), 'shape': \(([\d, ]*)\), \} *\n$/.exec(header);
  expect(m, header).not.toBeNull();
  const shape = m![3]!
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const body = bytes.subarray(start + headerLength);
  const data = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  return { descr: m![1], fortran: m![2] === "True", shape, data };
}

const f32 = (bytes: Buffer) => new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));

/** Sign changes of a signal: about 2 x frequency x duration for a tone. */
function zeroCrossings(x: Float32Array): number {
  let n = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 !== x[i]! < 0) n++;
  return n;
}

/** The phase (radians) and amplitude of frequency `hz` in x sampled at `rate` (one DFT bin). */
function phasor(x: Float32Array, hz: number, rate: number) {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    const a = (2 * Math.PI * hz * i) / rate;
    re += x[i]! * Math.cos(a);
    im -= x[i]! * Math.sin(a);
  }
  return { phase: Math.atan2(im, re), amplitude: (2 * Math.hypot(re, im)) / x.length };
}

const manifest = (path: string): Record<string, string>[] => parse(readFileSync(path, "utf8"), { columns: true });

/** BirdNET-Analyzer 2.x's CSV of the second recording; its last window runs past the end. */
const BIRDNET =
  "Start (s),End (s),Scientific name,Common name,Confidence,File\n" +
  "0,3,Poecile atricapillus,Black-capped Chickadee,0.8141,/data/AM07_20250416_054019.wav\n" +
  "3,6,Haemorhous mexicanus,House Finch,0.4012,/data/AM07_20250416_054019.wav\n";

/** Rows placed by UTC time alone, in the second and the first recording. */
const UTC_ROWS =
  "start_utc,end_utc,label\n2025-04-16T05:40:20Z,2025-04-16T05:40:21.5Z,owl\n" +
  "2025-04-16T07:40:03+02:00,2025-04-16T07:40:04+02:00,tit\n";

const archive = join(dir, "season.zarr");
const first = join(dir, "AM07_20250416_053959.opus"); // 20 s mono, 05:39:59-05:40:19 UTC
const second = join(dir, "AM07_20250416_054019.opus"); // 5 s stereo, 05:40:19-05:40:24 UTC
const tones = join(dir, "tones.zarr");

beforeAll(() => {
  copyFileSync(example, first);
  copyFileSync(fixture("ffmpeg-stereo.opus"), second);
  ok(["import", first, second, "--archive", archive]);
  // Three channels of tones at 48 kHz, and a time-expanded 384 kHz recording of a 20 kHz tone.
  const three = join(dir, "three.wav");
  writeFileSync(
    three,
    wav([tone(1000, 0.5, 48_000, 96_000), tone(0, 0, 48_000, 96_000), tone(2500, 0.3, 48_000, 96_000)], 48_000),
  );
  const bat = join(dir, "bat.wav");
  writeFileSync(bat, wav([tone(20_000, 0.5, 384_000, 192_000)], 384_000));
  ok(["import", three, bat, "--archive", tones, "--bitrate", "128k"]);
}, 300_000);

describe("label tables of every format, placed in the archive's recordings", () => {
  const raven = join(dir, "marsh.Table.1.selections.txt");
  beforeAll(() => {
    // A multi-file Raven Pro selection table (tab-separated; Begin Time counts from the first
    // file's start, File Offset from each box's own file), with WAV names for the archived .opus.
    writeFileSync(
      raven,
      [
        "Selection\tView\tChannel\tBegin File\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tFile Offset (s)\tSpecies",
        "1\tSpectrogram 1\t1\tAM07_20250416_053959.wav\t1.5\t2.5\t2000\t6000\t1.5\tErithacus rubecula",
        "2\tSpectrogram 1\t1\tAM07_20250416_054019.wav\t21.00003125\t22.00003125\t1000\t3000\t1.00003125\tErithacus rubecula",
        "3\tSpectrogram 1\t1\tAM07_20250416_053959.wav\t5\t6\t1500\t2500\t5\tTurdus merula / blackbird?",
        "",
      ].join("\n"),
    );
  });

  it("reads a Raven table, finds each row's recording by its Begin File, converts at the true rate (halves up)", () => {
    const out = join(dir, "raven-out");
    const result = ok([
      "extract",
      archive,
      "--segments",
      raven,
      "--out-dir",
      out,
      "--name",
      "{label}/{recording}-{start_sample}",
      "--json",
    ]);
    const summary = JSON.parse(result.stdout);
    expect(
      summary.segments.map((s: { name: string; startSample: number; endSample: number }) => [
        s.name,
        s.startSample,
        s.endSample,
      ]),
    ).toEqual([
      ["Erithacus rubecula/000001-72000", 72_000, 120_000],
      // 1.00003125 s x 48000 = 48001.5: the labels package's rule rounds halves up.
      ["Erithacus rubecula/000002-48002", 48_002, 96_002],
      // "/" and "?" in a label cannot be in a file name: each becomes "_".
      ["Turdus merula _ blackbird_/000001-240000", 240_000, 288_000],
    ]);
    expect(wavInfo(readFileSync(join(out, "Erithacus rubecula", "000002-48002.wav")))).toMatchObject({
      channels: 2,
      sampleRate: 48_000,
      dataBytes: 48_000 * 2 * 2,
    });
    expect(existsSync(join(out, "Turdus merula _ blackbird_", "000001-240000.wav"))).toBe(true);
    const rows = manifest(join(out, "manifest.csv"));
    expect(Object.keys(rows[0]!).slice(0, 7)).toEqual([
      "file",
      "n",
      "recording",
      "start_sample",
      "end_sample",
      "sample_rate",
      "start_utc",
    ]);
    expect(rows[1]).toMatchObject({
      file: "Erithacus rubecula/000002-48002.wav",
      recording: "000002",
      start_sample: "48002",
      end_sample: "96002",
      sample_rate: "48000",
      start_utc: "2025-04-16T05:40:20.000042Z",
      output_samples: "48000",
      channels: "2",
      source_row: "3",
      // the row's own columns, verbatim
      "Begin File": "AM07_20250416_054019.wav",
      "File Offset (s)": "1.00003125",
      Species: "Erithacus rubecula",
      "Low Freq (Hz)": "1000",
    });
    expect(summary.manifest).toHaveLength(3);
    expect(summary.manifest[1]).toMatchObject({ file: "Erithacus rubecula/000002-48002.wav", start_sample: 48_002 });
  });

  it("dedupes names that meet in one folder, across recordings, deterministically", () => {
    const out = join(dir, "dedupe");
    ok(["extract", archive, "--segments", raven, "--out-dir", out, "--name", "{label}"]);
    expect(readdirSync(out).sort()).toEqual([
      "Erithacus rubecula-2.wav",
      "Erithacus rubecula.wav",
      "Turdus merula _ blackbird_.wav",
      "manifest.csv",
    ]);
    expect(manifest(join(out, "manifest.csv")).map((r) => [r.file, r.recording])).toEqual([
      ["Erithacus rubecula.wav", "000001"],
      ["Erithacus rubecula-2.wav", "000002"],
      ["Turdus merula _ blackbird_.wav", "000001"],
    ]);
    const bad = run(["extract", archive, "--segments", raven, "--out-dir", join(dir, "bad"), "--name", "{colour}"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown placeholder \{colour\}/);
  });

  it("BirdNET's last window past the end: strict by default, or clipped or skipped with a report", () => {
    const birdnet = join(dir, "AM07_20250416_054019.BirdNET.results.csv");
    writeFileSync(birdnet, BIRDNET);
    const strict = run(["extract", archive, "--segments", birdnet, "--out-dir", join(dir, "bn-strict")]);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/results\.csv row 3: 3\.000 s-6\.000 s goes past the end of .*000002.*--clip-to-end/);
    expect(existsSync(join(dir, "bn-strict"))).toBe(false);

    const clipped = ok([
      "extract",
      archive,
      "--segments",
      birdnet,
      "--out-dir",
      join(dir, "bn-clip"),
      "--clip-to-end",
      "--json",
    ]);
    expect(clipped.stderr).toMatch(/clipped .*row 3 at the recording's end \(sample 240000, not 288000\)/);
    const clip = JSON.parse(clipped.stdout);
    expect(clip.clipped).toEqual([{ origin: expect.stringMatching(/row 3$/), endSample: 288_000, clippedTo: 240_000 }]);
    expect(wavInfo(readFileSync(join(dir, "bn-clip", "2.wav"))).dataBytes).toBe(96_000 * 2 * 2);
    expect(manifest(join(dir, "bn-clip", "manifest.csv"))[1]).toMatchObject({
      end_sample: "240000",
      clipped_from: "288000",
      "Common name": "House Finch",
      Confidence: "0.4012",
    });

    const skipped = ok([
      "extract",
      archive,
      "--segments",
      birdnet,
      "--out-dir",
      join(dir, "bn-skip"),
      "--skip-invalid",
      "--json",
    ]);
    expect(skipped.stderr).toMatch(/skipped .*row 3: 3\.000 s-6\.000 s goes past the end/);
    expect(JSON.parse(skipped.stdout).segments).toHaveLength(1);
    expect(readdirSync(join(dir, "bn-skip")).sort()).toEqual(["1.wav", "manifest.csv"]);
  });

  it("reads Kaleidoscope (IN FILE), Audacity (with spectral lines) and UTC CSVs; --segments-format forces a format", () => {
    const kaleidoscope = join(dir, "id.csv");
    writeFileSync(
      kaleidoscope,
      "INDIR,OUTDIR,FOLDER,IN FILE,CHANNEL,OFFSET,DURATION,AUTO ID*,MANUAL ID\n" +
        "/Volumes/AM07,/Volumes/out,site-1,AM07_20250416_053959.opus,0,2.5,0.75,EPTFUS,\n",
    );
    const k = JSON.parse(
      ok([
        "extract",
        archive,
        "--segments",
        kaleidoscope,
        "--out-dir",
        join(dir, "k"),
        "--name",
        "{label}-{recording}",
        "--json",
      ]).stdout,
    );
    expect(k.segments[0]).toMatchObject({
      name: "EPTFUS-000001",
      recording: "000001",
      startSample: 120_000,
      endSample: 156_000,
    });

    const audacity = join(dir, "labels.txt");
    writeFileSync(audacity, "1.25\t2.5\trobin\n\\\t2000.000000\t6000.000000\n7.37\t8.58\twren\n");
    const a = JSON.parse(
      ok(["extract", first, "--segments", audacity, "--out-dir", join(dir, "a"), "--name", "{label}", "--json"]).stdout,
    );
    expect(
      a.segments.map((s: { name: string; startSample: number; endSample: number }) => [
        s.name,
        s.startSample,
        s.endSample,
      ]),
    ).toEqual([
      ["robin", 60_000, 120_000],
      ["wren", 353_760, 411_840],
    ]);

    const utc = join(dir, "utc.csv");
    writeFileSync(utc, UTC_ROWS);
    const u = JSON.parse(ok(["extract", archive, "--segments", utc, "--out-dir", join(dir, "u"), "--json"]).stdout);
    expect(
      u.manifest.map((r: Record<string, unknown>) => [r.recording, r.start_sample, r.end_sample, r.start_utc]),
    ).toEqual([
      ["000002", 48_000, 120_000, "2025-04-16T05:40:20.000000Z"],
      ["000001", 192_000, 240_000, "2025-04-16T05:40:03.000000Z"],
    ]);

    const forced = run([
      "extract",
      archive,
      "--segments",
      kaleidoscope,
      "--segments-format",
      "raven",
      "--out-dir",
      join(dir, "f"),
    ]);
    expect(forced.code).toBe(2);
    expect(forced.stderr).toMatch(/Begin Time/);
    const unplaced = join(dir, "unplaced.csv");
    writeFileSync(unplaced, "start,end\n1,2\n");
    const where = run(["extract", archive, "--segments", unplaced, "--out-dir", join(dir, "w")]);
    expect(where.code).toBe(2);
    expect(where.stderr).toMatch(/unplaced\.csv row 2: the row does not say which recording/);
    const unknown = join(dir, "unknown.csv");
    writeFileSync(unknown, "file,start,end\nAM99_20250101_000000.wav,1,2\n");
    expect(run(["extract", archive, "--segments", unknown, "--out-dir", join(dir, "x")]).stderr).toMatch(
      /row 2: no recording in the archive was imported from "AM99_20250101_000000.wav"/,
    );
  });
});

describe("the labels package's real-format fixtures, over a deployment", () => {
  it("places BirdNET's combined selection table (three files, Begin Path, File Offset) in their recordings", () => {
    // Three one-minute recorder files named by their start, imported as WAV (encoded on the way in).
    const deployment = join(dir, "deployment.zarr");
    const files = ["20250416_053000", "20250416_053100", "20250416_053200"].map((name, i) => {
      const path = join(dir, `${name}.wav`);
      writeFileSync(path, wav([tone(500 + 250 * i, 0.2, 16_000, 60 * 16_000)], 16_000));
      return path;
    });
    ok(["import", ...files, "--archive", deployment, "--bitrate", "24k"]);
    const table = fixture("../packages/labels/test/fixtures/birdnet/BirdNET_SelectionTable.txt");
    const result = JSON.parse(
      ok([
        "extract",
        deployment,
        "--segments",
        table,
        "--out-dir",
        join(dir, "bn-combined"),
        "--name",
        "{fields.Species Code}/{recording}-{start_sample}",
        "--json",
      ]).stdout,
    );
    expect(
      result.manifest.map((r: Record<string, unknown>) => [
        r.file,
        r.recording,
        r.start_sample,
        r.end_sample,
        r.start_utc,
      ]),
    ).toEqual([
      ["bkcchi/000001-0.wav", "000001", 0, 144_000, "2025-04-16T05:30:00.000000Z"],
      ["houfin/000002-0.wav", "000002", 0, 144_000, "2025-04-16T05:31:00.000000Z"],
      // File Offset 20.3 s, and End - Begin = 83.2 - 80.3 = 2.9 s exactly (decimal, not float)
      ["blujay/000002-974400.wav", "000002", 974_400, 1_113_600, "2025-04-16T05:31:20.300000Z"],
      // Begin Time summed with float noise (176.99997916666666) is not used: File Offset 57 is
      ["blujay/000003-2736000.wav", "000003", 2_736_000, 2_880_000, "2025-04-16T05:32:57.000000Z"],
    ]);
    expect(result.manifest[2]).toMatchObject({ Confidence: "0.2135", "Common Name": "Blue Jay" });
  });
});

describe("outputs models can eat", () => {
  it("resamples: a 1 kHz tone stays at 1 kHz and in phase, and the length is round(n x out/in)", () => {
    const original = f32(
      ok([
        "extract",
        join(tones, "000001"),
        "--start",
        "0.5",
        "--end",
        "1.5",
        "--channels",
        "0",
        "--format",
        "f32",
        "-o",
        "-",
      ]).bytes,
    );
    expect(original.length).toBe(48_000);
    for (const rate of [16_000, 22_050, 32_000]) {
      const out = f32(
        ok([
          "extract",
          join(tones, "000001"),
          "--start",
          "0.5",
          "--end",
          "1.5",
          "--channels",
          "0",
          "--sample-rate",
          String(rate),
          "--format",
          "f32",
          "-o",
          "-",
        ]).bytes,
      );
      expect(out.length).toBe(rate); // round(48000 x rate / 48000)
      expect(Math.abs(zeroCrossings(out) - 2000)).toBeLessThanOrEqual(2);
      const a = phasor(original, 1000, 48_000);
      const b = phasor(out, 1000, rate);
      expect(b.amplitude).toBeGreaterThan(0.45);
      expect(Math.abs(Math.atan2(Math.sin(a.phase - b.phase), Math.cos(a.phase - b.phase)))).toBeLessThan(0.02);
    }
    // An odd length: 12345 samples at 48 kHz to 44.1 kHz is round(11341.96875) = 11342.
    const odd = ok([
      "extract",
      join(tones, "000001"),
      "--start-sample",
      "1000",
      "--end-sample",
      "13345",
      "--sample-rate",
      "44100",
      "--json",
      "--out-dir",
      join(dir, "odd"),
    ]);
    expect(JSON.parse(odd.stdout).segments[0]).toMatchObject({ samples: 11_342, sampleRate: 44_100, channels: 3 });
    expect(wavInfo(readFileSync(join(dir, "odd", "segment.wav")))).toMatchObject({
      sampleRate: 44_100,
      dataBytes: 11_342 * 3 * 2,
    });
  });

  it("resamples a time-expanded recording to a real rate: a 20 kHz bat call at 96 kHz", () => {
    const info = JSON.parse(ok(["info", join(tones, "000002"), "--json"]).stdout);
    expect(info.sampleRate).toBe(384_000);
    const out = f32(
      ok([
        "extract",
        join(tones, "000002"),
        "--start",
        "0.1",
        "--end",
        "0.4",
        "--sample-rate",
        "96000",
        "--format",
        "f32",
        "-o",
        "-",
      ]).bytes,
    );
    expect(out.length).toBe(28_800); // 0.3 s of real time at 96 kHz
    expect(Math.abs(zeroCrossings(out) - 12_000)).toBeLessThanOrEqual(2); // 20 kHz x 0.3 s x 2
  });

  it("--channels picks channels in order, --mono is their mean", () => {
    const all = f32(
      ok(["extract", join(tones, "000001"), "--start", "0.5", "--end", "1", "--format", "f32", "-o", "-"]).bytes,
    );
    const picked = f32(
      ok([
        "extract",
        join(tones, "000001"),
        "--start",
        "0.5",
        "--end",
        "1",
        "--channels",
        "2,0",
        "--format",
        "f32",
        "-o",
        "-",
      ]).bytes,
    );
    expect(picked.length).toBe(24_000 * 2);
    for (let i = 0; i < 24_000; i++) {
      expect(picked[2 * i]).toBe(all[3 * i + 2]);
      expect(picked[2 * i + 1]).toBe(all[3 * i]);
    }
    const left = Float32Array.from({ length: 24_000 }, (_, i) => picked[2 * i]!);
    expect(Math.abs(zeroCrossings(left) - 2500)).toBeLessThanOrEqual(2); // channel 2 holds 2.5 kHz: 2 x 2500 x 0.5 s
    const mono = f32(
      ok(["extract", join(tones, "000001"), "--start", "0.5", "--end", "1", "--mono", "--format", "f32", "-o", "-"])
        .bytes,
    );
    expect(mono.length).toBe(24_000);
    for (const i of [0, 1, 777, 23_999]) {
      expect(mono[i]).toBeCloseTo((all[3 * i]! + all[3 * i + 1]! + all[3 * i + 2]!) / 3, 6);
    }
    const bad = run([
      "extract",
      join(tones, "000001"),
      "--start",
      "0",
      "--end",
      "1",
      "--channels",
      "0,3",
      "-o",
      join(dir, "c.wav"),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/has 3 channel\(s\), numbered 0-2/);
  });

  it("--channels row: each output is the channel its row names (Raven's 1-based Channel)", () => {
    const table = join(dir, "stereo.Table.1.selections.txt");
    writeFileSync(
      table,
      "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation\n" +
        "1\tSpectrogram 1\t2\t1\t1.5\t500\t4000\tright\n" +
        "2\tSpectrogram 1\t1\t1\t1.5\t500\t4000\tleft\n",
    );
    const out = join(dir, "row-channel");
    ok([
      "extract",
      join(archive, "000002"),
      "--segments",
      table,
      "--channels",
      "row",
      "--format",
      "f32",
      "--out-dir",
      out,
      "--name",
      "{label}",
    ]);
    const both = f32(
      ok(["extract", join(archive, "000002"), "--start", "1", "--end", "1.5", "--format", "f32", "-o", "-"]).bytes,
    );
    const right = f32(readFileSync(join(out, "right.f32")));
    const left = f32(readFileSync(join(out, "left.f32")));
    expect([right.length, left.length]).toEqual([24_000, 24_000]);
    expect(right.every((v, i) => v === both[2 * i + 1])).toBe(true);
    expect(left.every((v, i) => v === both[2 * i])).toBe(true);
    expect(manifest(join(out, "manifest.csv")).map((r) => [r.channels, r.Channel])).toEqual([
      ["1", "2"],
      ["1", "1"],
    ]);
    writeFileSync(table, `${readFileSync(table, "utf8")}3\tSpectrogram 1\t3\t2\t3\t500\t4000\tnone\n`);
    const bad = run([
      "extract",
      join(archive, "000002"),
      "--segments",
      table,
      "--channels",
      "row",
      "--out-dir",
      join(dir, "rc2"),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/row 4: channel 3 \(0-based 2\) is not in .*, which has 2/);
  });

  it("--format npy: one .npy per segment, (channels, samples) float32, the same samples as raw f32; numpy reads it", () => {
    const out = join(dir, "npy");
    const table = join(dir, "two.csv");
    writeFileSync(table, "recording,start,end,label\n000002,1,1.5,a\n000001,2,2.25,b\n");
    ok(["extract", archive, "--segments", table, "--out-dir", out, "--format", "npy", "--name", "{label}"]);
    expect(readdirSync(out).sort()).toEqual(["a.npy", "b.npy", "manifest.csv"]);
    const a = parseNpy(readFileSync(join(out, "a.npy")));
    expect(a).toMatchObject({ descr: "<f4", fortran: false, shape: [2, 24_000] });
    const raw = f32(
      ok(["extract", join(archive, "000002"), "--start", "1", "--end", "1.5", "--format", "f32", "-o", "-"]).bytes,
    );
    for (let i = 0; i < 24_000; i += 997) {
      expect(a.data[i]).toBe(raw[2 * i]);
      expect(a.data[24_000 + i]).toBe(raw[2 * i + 1]);
    }
    expect(parseNpy(readFileSync(join(out, "b.npy"))).shape).toEqual([1, 12_000]);
    expect(manifest(join(out, "manifest.csv")).map((r) => r.file)).toEqual(["a.npy", "b.npy"]);
    const numpy = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
    if (numpy.status !== 0) {
      console.warn("python3 with numpy is not installed: np.load check skipped (the JS header check above ran)");
      return;
    }
    const loaded = spawnSync(
      "python3",
      [
        "-c",
        "import sys, numpy as np; a = np.load(sys.argv[1]); print(a.dtype, a.shape, repr(float(a[1, 4321])), sep=' | ')",
        join(out, "a.npy"),
      ],
      { encoding: "utf8" },
    );
    const [dtype, shape, value] = loaded.stdout.trim().split(" | ");
    expect([dtype, shape], loaded.stderr).toEqual(["float32", "(2, 24000)"]);
    expect(Number(value)).toBe(a.data[24_000 + 4321]); // Python's repr of the float32 widened: exact
  });

  it("one range is streamed (bounded memory), bit-identical to the same row written through --out-dir", () => {
    for (const [start, end, rate] of [
      [12_346, 60_001, 44_100], // off the output grid
      [3, 50_000, 16_000], // filter context before the recording's start
      [200_000, 240_000, 22_050], // and after its end
    ] as const) {
      const table = join(dir, `one-${start}.csv`);
      writeFileSync(table, `start_sample,end_sample\n${start},${end}\n`);
      const out = join(dir, `one-${start}`);
      ok([
        "extract",
        join(archive, "000002"),
        "--segments",
        table,
        "--out-dir",
        out,
        "--sample-rate",
        String(rate),
        "--format",
        "npy",
      ]);
      const single = join(dir, `one-${start}.npy`);
      ok([
        "extract",
        join(archive, "000002"),
        "--start-sample",
        String(start),
        "--end-sample",
        String(end),
        "--sample-rate",
        String(rate),
        "-o",
        single,
      ]);
      const a = readFileSync(single);
      expect(parseNpy(a).shape).toEqual([2, Math.round(((end - start) * rate) / 48_000)]);
      expect(a.equals(readFileSync(join(out, "1.npy"))), `${start}-${end} at ${rate}`).toBe(true);
      // To a pipe, which cannot be written out of order: the same bytes.
      const piped = ok([
        "extract",
        join(archive, "000002"),
        "--start-sample",
        String(start),
        "--end-sample",
        String(end),
        "--sample-rate",
        String(rate),
        "--format",
        "npy",
        "-o",
        "-",
      ]).bytes;
      expect(piped.equals(a)).toBe(true);
    }
  });

  it("--stack: one (N, channels, samples) array when the shapes agree, a clear error when not", () => {
    const table = join(dir, "uneven.csv");
    writeFileSync(table, "recording,start,end\n000001,1,2\n000001,3,3.5\n");
    const uneven = run([
      "extract",
      archive,
      "--segments",
      table,
      "--out-dir",
      join(dir, "uneven"),
      "--format",
      "npy",
      "--stack",
    ]);
    expect(uneven.code).toBe(2);
    expect(uneven.stderr).toMatch(
      /--stack needs outputs of one shape: .*row 2 is 1 channel\(s\) x 48000 samples, .*row 3 is 1 x 24000/,
    );
    expect(existsSync(join(dir, "uneven"))).toBe(false);
    // Windows over the whole archive: mono (20 s) and stereo (5 s) agree once mixed to mono.
    const mixed = run([
      "extract",
      archive,
      "--window",
      "3",
      "--hop",
      "1.5",
      "--out-dir",
      join(dir, "st0"),
      "--format",
      "npy",
      "--stack",
    ]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/is 1 channel\(s\) x 144000 samples, .* is 2 x 144000/);
    const out = join(dir, "stack");
    ok([
      "extract",
      archive,
      "--window",
      "3",
      "--hop",
      "1.5",
      "--mono",
      "--sample-rate",
      "32000",
      "--out-dir",
      out,
      "--format",
      "npy",
      "--stack",
    ]);
    expect(readdirSync(out).sort()).toEqual(["manifest.csv", "stack.npy"]);
    const stack = parseNpy(readFileSync(join(out, "stack.npy")));
    expect(stack).toMatchObject({ descr: "<f4", shape: [14, 1, 96_000] }); // 12 windows of 20 s, 2 of 5 s
    const rows = manifest(join(out, "manifest.csv"));
    expect(rows.map((r) => r.index)).toEqual(Array.from({ length: 14 }, (_, i) => String(i)));
    expect(rows.every((r) => r.file === "stack.npy")).toBe(true);
    expect(rows[12]).toMatchObject({
      recording: "000002",
      start_sample: "0",
      start_utc: "2025-04-16T05:40:19.000000Z",
    });
    const alone = f32(
      ok([
        "extract",
        join(archive, "000002"),
        "--start",
        "0",
        "--end",
        "3",
        "--mono",
        "--sample-rate",
        "32000",
        "--format",
        "f32",
        "-o",
        "-",
      ]).bytes,
    );
    const row12 = stack.data.subarray(12 * 96_000, 13 * 96_000);
    let worst = 0;
    for (let i = 0; i < alone.length; i++) worst = Math.max(worst, Math.abs(alone[i]! - row12[i]!));
    expect(worst).toBeLessThan(1e-4);
    const numpy = spawnSync(
      "python3",
      ["-c", "import sys, numpy as np; a = np.load(sys.argv[1]); print(a.dtype, a.shape)", join(out, "stack.npy")],
      { encoding: "utf8" },
    );
    if (numpy.status === 0) expect(numpy.stdout.trim()).toBe("float32 (14, 1, 96000)");
    else console.warn("python3 with numpy is not installed: np.load check of the stack skipped");
  });

  it("overlapping windows to resample are resampled once as a stream: the same windows as one by one", () => {
    const streamed = f32(
      ok([
        "extract",
        join(archive, "000001"),
        "--window",
        "3",
        "--hop",
        "1.5",
        "--sample-rate",
        "32000",
        "--format",
        "f32",
        "-o",
        "-",
      ]).bytes,
    );
    expect(streamed.length).toBe(12 * 96_000);
    // The same windows as table rows in reverse order: each extracted and resampled on its own.
    const table = join(dir, "reversed-windows.csv");
    writeFileSync(
      table,
      `start_sample,end_sample\n${Array.from({ length: 12 }, (_, k) => `${(11 - k) * 72_000},${(11 - k) * 72_000 + 144_000}`).join("\n")}\n`,
    );
    const out = join(dir, "one-by-one");
    ok([
      "extract",
      join(archive, "000001"),
      "--segments",
      table,
      "--sample-rate",
      "32000",
      "--format",
      "f32",
      "--out-dir",
      out,
      "--name",
      "{start_sample}",
    ]);
    for (let k = 0; k < 12; k++) {
      const alone = f32(readFileSync(join(out, `${k * 72_000}.f32`)));
      const cut = streamed.subarray(k * 96_000, (k + 1) * 96_000);
      let worst = 0;
      for (let i = 0; i < alone.length; i++) worst = Math.max(worst, Math.abs(alone[i]! - cut[i]!));
      expect(worst, `window ${k}`).toBeLessThan(1e-4); // decoded from other starts: the decoder's noise floor
    }
    // A hop off the output grid (72000 x 16001 / 48000 is not whole): window by window, same lengths.
    const offGrid = ok([
      "extract",
      join(archive, "000001"),
      "--window",
      "3",
      "--hop",
      "1.5",
      "--sample-rate",
      "16001",
      "--format",
      "f32",
      "-o",
      "-",
    ]);
    expect(offGrid.bytes.length).toBe(12 * 48_003 * 4);
  });

  it("--window/--hop over a recording or a time range, as files with UTC starts or as one raw stream", () => {
    const stream = ok([
      "extract",
      join(archive, "000001"),
      "--window",
      "3",
      "--hop",
      "1.5",
      "--format",
      "f32",
      "-o",
      "-",
    ]).bytes;
    expect(stream.length).toBe(12 * 144_000 * 4); // starts 0, 1.5 ... 16.5 s: 12 whole windows in 20 s
    const third = f32(
      ok(["extract", join(archive, "000001"), "--start", "3", "--end", "6", "--format", "f32", "-o", "-"]).bytes,
    );
    const fromStream = f32(stream).subarray(2 * 144_000, 3 * 144_000);
    let worst = 0;
    for (let i = 0; i < third.length; i++) worst = Math.max(worst, Math.abs(third[i]! - fromStream[i]!));
    expect(worst).toBeLessThan(1e-4);
    const out = join(dir, "windows");
    const files = JSON.parse(
      ok([
        "extract",
        join(archive, "000001"),
        "--start",
        "2",
        "--end",
        "8",
        "--window",
        "3",
        "--hop",
        "1.5",
        "--out-dir",
        out,
        "--json",
      ]).stdout,
    );
    expect(files.segments.map((s: { name: string }) => s.name)).toEqual([
      "000001-96000",
      "000001-168000",
      "000001-240000",
    ]);
    expect(manifest(join(out, "manifest.csv")).map((r) => [r.start_sample, r.end_sample, r.start_utc])).toEqual([
      ["96000", "240000", "2025-04-16T05:40:01.000000Z"],
      ["168000", "312000", "2025-04-16T05:40:02.500000Z"],
      ["240000", "384000", "2025-04-16T05:40:04.000000Z"],
    ]);
  });
});

describe("jobs bigger than one machine", () => {
  const args = ["extract", archive, "--window", "3", "--hop", "1.5", "--mono", "--format", "f32"];

  it("--part K/N splits the outputs balanced by duration; parts never collide; manifest merge joins them", () => {
    const whole = join(dir, "whole");
    ok([...args, "--out-dir", whole]);
    const split = join(dir, "split");
    const parts = [1, 2, 3].map((k) =>
      JSON.parse(ok([...args, "--out-dir", split, "--part", `${k}/3`, "--json"]).stdout),
    );
    expect(parts.map((p) => p.segments.length).sort()).toEqual([4, 5, 5]); // 14 windows of 3 s
    const names = parts.flatMap((p) => p.segments.map((s: { name: string }) => s.name));
    expect(new Set(names).size).toBe(14);
    expect(readdirSync(split).sort()).toEqual(
      [
        ...readdirSync(whole).filter((f) => f !== "manifest.csv"),
        "manifest-part-1-of-3.csv",
        "manifest-part-2-of-3.csv",
        "manifest-part-3-of-3.csv",
      ].sort(),
    );
    // The same samples (decoded from other window starts, so equal to the decoder's noise floor).
    for (const file of readdirSync(whole).filter((f) => f.endsWith(".f32"))) {
      const a = f32(readFileSync(join(split, file)));
      const b = f32(readFileSync(join(whole, file)));
      expect(a.length).toBe(b.length);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      expect(worst, file).toBeLessThan(1e-4);
    }
    // The same part again refuses to overwrite; a part run twice is never silently merged.
    expect(run([...args, "--out-dir", split, "--part", "2/3"]).code).toBe(2);
    const merged = join(dir, "merged.csv");
    ok(["manifest", "merge", ...[3, 1, 2].map((k) => join(split, `manifest-part-${k}-of-3.csv`)), "-o", merged]);
    const wholeRows = manifest(join(whole, "manifest.csv"));
    const mergedRows = manifest(merged);
    // Files are named from the merged manifest's folder (the parts are in split/).
    expect(mergedRows.map(({ part, job, job_outputs, ...rest }) => rest)).toEqual(
      wholeRows.map((r) => ({ ...r, file: `split/${r.file}` })),
    );
    for (const row of mergedRows) expect(existsSync(join(dir, row.file!)), row.file).toBe(true);
    expect(mergedRows.map((r) => r.part).filter((p) => p !== undefined)).toHaveLength(14);
    expect(new Set(mergedRows.map((r) => r.job)).size).toBe(1);
    expect(new Set(mergedRows.map((r) => r.job_outputs))).toEqual(new Set(["14"]));
    // A part of another command (other windows) is not of this job, though it is "part 2 of 3".
    const other = join(dir, "split-other");
    ok([...args, "--hop", "3", "--out-dir", other, "--part", "2/3"]);
    const mixed = run([
      "manifest",
      "merge",
      join(split, "manifest-part-1-of-3.csv"),
      join(other, "manifest-part-2-of-3.csv"),
      join(split, "manifest-part-3-of-3.csv"),
      "-o",
      "-",
    ]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/are parts of different jobs \(job [0-9a-f]{12} and [0-9a-f]{12}\)/);
    // A part's manifest that lost a row is not merged as if the job were whole.
    const cut = join(dir, "split-cut");
    mkdirSync(cut);
    for (const k of [1, 2, 3]) {
      const lines = readFileSync(join(split, `manifest-part-${k}-of-3.csv`), "utf8").split("\n");
      if (k === 2) lines.splice(2, 1);
      writeFileSync(join(cut, `manifest-part-${k}-of-3.csv`), lines.join("\n"));
    }
    const holed = run([
      "manifest",
      "merge",
      ...[1, 2, 3].map((k) => join(cut, `manifest-part-${k}-of-3.csv`)),
      "-o",
      "-",
    ]);
    expect(holed.code).toBe(2);
    expect(holed.stderr).toMatch(/output n=\d+ of 14 is in no part's manifest/);
    const missing = run([
      "manifest",
      "merge",
      join(split, "manifest-part-1-of-3.csv"),
      join(split, "manifest-part-3-of-3.csv"),
      "-o",
      join(dir, "m2.csv"),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/part\(s\) 2 of 3 are missing/);
  });

  it("takes its part from a SLURM job array or a Kubernetes indexed Job", () => {
    const explicit = JSON.parse(ok([...args, "--part", "2/3", "--json", "--out-dir", join(dir, "p-explicit")]).stdout);
    const names = explicit.segments.map((s: { name: string }) => s.name);
    const slurm = JSON.parse(
      ok([...args, "--out-dir", join(dir, "p-slurm"), "--part", "auto", "--json"], {
        SLURM_ARRAY_TASK_ID: "2",
        SLURM_ARRAY_TASK_COUNT: "3",
        SLURM_ARRAY_TASK_MIN: "1",
      }).stdout,
    );
    expect(slurm.part).toEqual({ index: 2, count: 3 });
    expect(slurm.segments.map((s: { name: string }) => s.name)).toEqual(names);
    expect(existsSync(join(dir, "p-slurm", "manifest-part-2-of-3.csv"))).toBe(true);
    const k8s = JSON.parse(
      ok([...args, "--out-dir", join(dir, "p-k8s"), "--part", "auto/3", "--json"], { JOB_COMPLETION_INDEX: "1" })
        .stdout,
    );
    expect(k8s.segments.map((s: { name: string }) => s.name)).toEqual(names);
    const noCount = run([...args, "--out-dir", join(dir, "p-x"), "--part", "auto"], { JOB_COMPLETION_INDEX: "1" });
    expect(noCount.code).toBe(2);
    expect(noCount.stderr).toMatch(/--part auto\/N/);
    expect(run([...args, "--out-dir", join(dir, "p-y"), "--part", "4/3"]).stderr).toMatch(/must be 1 to 3/);
  });

  it("splits a job against an HTTP archive: the same outputs as from the local one", async () => {
    // A static host with Range support, serving `dir`.
    const server = createServer((request, response) => {
      const path = normalize(join(dir, decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname)));
      let bytes: Buffer;
      try {
        if (!path.startsWith(dir)) throw new Error("outside");
        bytes = readFileSync(path);
      } catch {
        response.writeHead(404);
        response.end();
        return;
      }
      // bytes=a-b, bytes=a- and the suffix form bytes=-n, as static hosts answer them.
      const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? "");
      if (!range || (range[1] === "" && range[2] === "")) {
        response.writeHead(200, { "content-length": bytes.length });
        response.end(bytes);
        return;
      }
      const suffix = range[1] === "";
      const start = suffix ? Math.max(0, bytes.length - Number(range[2])) : Number(range[1]);
      const end = suffix || range[2] === "" ? bytes.length - 1 : Math.min(Number(range[2]), bytes.length - 1);
      response.writeHead(206, {
        "content-range": `bytes ${start}-${end}/${bytes.length}`,
        "content-length": end - start + 1,
      });
      response.end(bytes.subarray(start, end + 1));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/season.zarr`;
      const table = join(dir, "http.BirdNET.results.csv");
      writeFileSync(table, BIRDNET);
      const local = JSON.parse(
        ok([
          "extract",
          archive,
          "--segments",
          table,
          "--clip-to-end",
          "--part",
          "2/2",
          "--out-dir",
          join(dir, "http-local"),
          "--json",
        ]).stdout,
      );
      const remote = await granuleAsync([
        "extract",
        url,
        "--segments",
        table,
        "--clip-to-end",
        "--part",
        "2/2",
        "--out-dir",
        join(dir, "http-remote"),
        "--json",
      ]);
      expect(remote.code, remote.stderr).toBe(0);
      const summary = JSON.parse(remote.stdout);
      expect(summary.segments.map((s: { name: string }) => s.name)).toEqual(
        local.segments.map((s: { name: string }) => s.name),
      );
      expect(summary.segments).toHaveLength(1);
      for (const { name } of summary.segments) {
        expect(
          readFileSync(join(dir, "http-remote", `${name}.wav`)).equals(
            readFileSync(join(dir, "http-local", `${name}.wav`)),
          ),
        ).toBe(true);
      }
      expect(readFileSync(join(dir, "http-remote", "manifest-part-2-of-2.csv"), "utf8")).toBe(
        readFileSync(join(dir, "http-local", "manifest-part-2-of-2.csv"), "utf8"),
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("stacks per part: stack-part-K-of-N.npy with its own N", () => {
    const out = join(dir, "stack-parts");
    mkdirSync(out);
    for (const k of [1, 2])
      ok([...args.filter((a) => a !== "f32"), "npy", "--stack", "--out-dir", out, "--part", `${k}/2`]);
    const shapes = [1, 2].map((k) => parseNpy(readFileSync(join(out, `stack-part-${k}-of-2.npy`))).shape);
    expect(shapes).toEqual([
      [7, 1, 144_000],
      [7, 1, 144_000],
    ]);
  });
});

describe("granule labels convert", () => {
  it("converts between every format with positions exact, and the converted table extracts the same samples", () => {
    const start = join(dir, "convert", "AM07_20250416_054019.BirdNET.results.csv");
    mkdirSync(join(dir, "convert"));
    writeFileSync(start, BIRDNET);
    const chain = ["kaleidoscope", "raven", "csv", "audacity", "birdnet"];
    let from = start;
    for (const to of chain) {
      const next = join(dir, `converted.${to}.txt`);
      ok(["labels", "convert", from, "--to", to, "-o", next]);
      from = next;
    }
    expect(readFileSync(join(dir, "converted.raven.txt"), "utf8").split("\n")[0]).toMatch(
      /^Selection\tView\tChannel\t/,
    );
    // Audacity has no file column: the last step keeps positions and labels.
    expect(readFileSync(from, "utf8")).toBe(
      "Start (s),End (s),Scientific name,Common name,Confidence,File\n0,3,,Black-capped Chickadee,,\n3,6,,House Finch,,\n",
    );
    const viaRaven = JSON.parse(
      ok([
        "extract",
        archive,
        "--segments",
        join(dir, "converted.raven.txt"),
        "--out-dir",
        join(dir, "cv1"),
        "--clip-to-end",
        "--json",
      ]).stdout,
    );
    const original = JSON.parse(
      ok(["extract", archive, "--segments", start, "--out-dir", join(dir, "cv2"), "--clip-to-end", "--json"]).stdout,
    );
    expect(viaRaven.manifest.map((r: Record<string, unknown>) => [r.recording, r.start_sample, r.end_sample])).toEqual(
      original.manifest.map((r: Record<string, unknown>) => [r.recording, r.start_sample, r.end_sample]),
    );
    // Rows placed by UTC time in two recordings: with the archive, a multi-file Raven table whose
    // File Offset places each box exactly, and Begin Time counts on from the first file.
    const utc = join(dir, "convert", "utc.csv");
    writeFileSync(utc, UTC_ROWS);
    const multi = join(dir, "utc.raven.txt");
    expect(run(["labels", "convert", utc, "--to", "raven", "-o", join(dir, "no-archive.txt")]).stderr).toMatch(
      /recording-start|UTC/,
    );
    ok(["labels", "convert", utc, "--to", "raven", "--archive", archive, "-o", multi]);
    const lines = readFileSync(multi, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split("\t"));
    const column = (name: string) => lines.slice(1).map((cells) => cells[lines[0]!.indexOf(name)]);
    expect(column("Begin File")).toEqual(["AM07_20250416_054019.opus", "AM07_20250416_053959.opus"]);
    expect(column("File Offset (s)")).toEqual(["1", "4"]);
    expect(column("Begin Time (s)")).toEqual(["1", "9"]); // 000002 first (5 s), then 000001
    const viaUtc = JSON.parse(
      ok(["extract", archive, "--segments", utc, "--out-dir", join(dir, "cv3"), "--json"]).stdout,
    );
    const viaMulti = JSON.parse(
      ok(["extract", archive, "--segments", multi, "--out-dir", join(dir, "cv4"), "--json"]).stdout,
    );
    expect(viaMulti.manifest.map((r: Record<string, unknown>) => [r.recording, r.start_sample, r.end_sample])).toEqual(
      viaUtc.manifest.map((r: Record<string, unknown>) => [r.recording, r.start_sample, r.end_sample]),
    );
    const exists = run(["labels", "convert", start, "--to", "raven", "-o", join(dir, "converted.raven.txt")]);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toMatch(/exists: pass --overwrite/);
    expect(run(["labels", "convert", start, "--to", "praat", "-o", "-"]).stderr).toMatch(
      /--to must be raven, audacity/,
    );
  });
});

describe("tables that once came out wrong with exit 0 (an adversarial review)", () => {
  const seen = (stdout: string) =>
    JSON.parse(stdout).manifest.map((r: Record<string, unknown>) => [r.recording, r.start_sample, r.end_sample]);

  it("labels convert of rows named by archive id: file names from the archive, or refused", () => {
    const ids = join(dir, "ids.csv");
    writeFileSync(ids, "recording,start,end,label\n000001,1,2,a\n000002,1,2,b\n");
    const expected = seen(ok(["extract", archive, "--segments", ids, "--out-dir", join(dir, "ids0"), "--json"]).stdout);
    expect(expected).toEqual([
      ["000001", 48_000, 96_000],
      ["000002", 48_000, 96_000],
    ]);
    for (const to of ["raven", "birdnet"]) {
      const out = join(dir, `ids.${to}.txt`);
      // Without the archive only the ids are known: refused, saying what would tell the files.
      const refused = run(["labels", "convert", ids, "--to", to, "-o", out]);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/known only by its id "000001".*give --archive/);
      expect(existsSync(out)).toBe(false);
      ok(["labels", "convert", ids, "--to", to, "--archive", archive, "-o", out]);
      const back = seen(
        ok(["extract", archive, "--segments", out, "--out-dir", join(dir, `ids-${to}`), "--json"]).stdout,
      );
      expect(back, to).toEqual(expected);
    }
    const audacity = run(["labels", "convert", ids, "--to", "audacity", "--archive", archive, "-o", "-"]);
    expect(audacity.code).toBe(2);
    expect(audacity.stderr).toMatch(/2 recordings.*an Audacity label track has no column/);
  });

  it("labels convert --archive of a table read as a view (over 50,000 rows): each row as in a table of its own", () => {
    // Rows by UTC time (placed in a recording, given its id and file) and by archive id alone
    // (given the file), 60,000 of them: the rows stay a view, placed as the writer reads them.
    const header = "start,end,recording,label";
    const rowText = (i: number) =>
      i % 3 === 0
        ? `2025-04-16T05:40:20Z,2025-04-16T05:40:21.5Z,,owl${i}`
        : i % 3 === 1
          ? `2025-04-16T07:40:03+02:00,2025-04-16T07:40:04+02:00,,tit${i}`
          : `${(i % 17) / 4},${(i % 17) / 4 + 1},000001,wren${i}`;
    const big = [header];
    const ROWS = 60_000;
    for (let i = 0; i < ROWS; i++) big.push(rowText(i));
    const bigPath = join(dir, "convert-view.csv");
    writeFileSync(bigPath, `${big.join("\n")}\n`);
    const out = join(dir, "convert-view.birdnet.csv");
    ok(["labels", "convert", bigPath, "--to", "birdnet", "--archive", archive, "-o", out]);
    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(ROWS + 1);
    for (const i of [0, 1, 2, 3, 4, 5, 29_999, 30_000, 30_001, ROWS - 3, ROWS - 2, ROWS - 1]) {
      const one = join(dir, `convert-one-${i}.csv`);
      writeFileSync(one, `${big[0]}\n${big[i + 1]}\n`);
      const alone = run(["labels", "convert", one, "--to", "birdnet", "--archive", archive, "-o", "-"]);
      expect(alone.code, alone.stderr).toBe(0);
      const [head, row] = alone.stdout.trimEnd().split("\n");
      expect(lines[0]).toBe(head);
      expect(lines[i + 1], `row ${i}`).toBe(row);
    }
  });

  it("a Raven table over two folders' files of one name is refused, not read from one recording", () => {
    const name = "AM07_20250416_053959.wav";
    const header = "Selection\tView\tChannel\tBegin File\tBegin Path\tBegin Time (s)\tEnd Time (s)\tSpecies";
    const rows = [
      `1\tSpectrogram 1\t1\t${name}\tD:\\siteA\\${name}\t2\t3\tWren`,
      `2\tSpectrogram 1\t1\t${name}\tD:\\siteB\\${name}\t12\t13\tOwl`,
    ];
    const plain = join(dir, "two-sites.txt");
    writeFileSync(plain, `${header}\n${rows.join("\n")}\n`);
    const withOffset = join(dir, "two-sites-offset.txt");
    writeFileSync(withOffset, `${header}\tFile Offset (s)\n${rows[0]}\t2\n${rows[1]}\t12\n`);
    const noOffset = run(["extract", `${archive}/000001`, "--segments", plain, "--out-dir", join(dir, "sites0")]);
    expect(noOffset.code).toBe(2);
    expect(noOffset.stderr).toMatch(/several files .* without "File Offset \(s\)"/);
    for (const source of [`${archive}/000001`, archive]) {
      const out = join(dir, `sites-${source === archive ? "archive" : "one"}`);
      const refused = run(["extract", source, "--segments", withOffset, "--out-dir", out]);
      expect(refused.code, source).toBe(2);
      expect(refused.stderr).toMatch(/rows 2 and 3 are in two files of one name in different folders/);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("--start and a table's start give the same sample (one rounding rule)", () => {
    const table = join(dir, "half.csv");
    writeFileSync(table, "start,end\n0.00028125,0.5\n");
    const byTable = JSON.parse(
      ok(["extract", example, "--segments", table, "--out-dir", join(dir, "half"), "--json", "-q"]).stdout,
    );
    const byOption = JSON.parse(
      ok(["extract", example, "--start", "0.00028125", "--end", "0.5", "-o", join(dir, "half.wav"), "--json", "-q"])
        .stdout,
    );
    expect(byTable.segments[0].startSample).toBe(14);
    expect(byOption.segments[0].startSample).toBe(14);
  });

  it("--skip-invalid that leaves every row out is an error, not an empty result with exit 0", () => {
    const table = join(dir, "all-past.csv");
    writeFileSync(table, "start,end\n30,31\n40,41\n");
    const out = join(dir, "all-past");
    const result = run(["extract", example, "--segments", table, "--out-dir", out, "--skip-invalid", "-q"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/every row was left out .* row 2: .*goes past the end.*\(and 1 more\)/);
    expect(existsSync(out)).toBe(false);
  });

  it("reads a table in another encoding with --segments-encoding / --encoding, and says so when it is not UTF-8", () => {
    const table = join(dir, "latin1.csv");
    // "Rotkehlchen ä" in windows-1252: the byte 0xe4 is not UTF-8.
    writeFileSync(table, Buffer.from("start,end,label\n1,2,Rotkehlchen \xe4\n", "latin1"));
    const refused = run(["extract", example, "--segments", table, "--out-dir", join(dir, "l0"), "-q"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not valid utf-8 \(byte offset 32\).*windows-1252\) with --segments-encoding/);
    const extracted = JSON.parse(
      ok([
        "extract",
        example,
        "--segments",
        table,
        "--segments-encoding",
        "windows-1252",
        "--name",
        "{label}",
        "--out-dir",
        join(dir, "l1"),
        "--json",
        "-q",
      ]).stdout,
    );
    expect(extracted.segments[0].name).toBe("Rotkehlchen ä");
    expect(run(["labels", "convert", table, "--to", "csv", "-o", "-"]).stderr).toMatch(/with --encoding/);
    expect(ok(["labels", "convert", table, "--to", "csv", "-o", "-", "--encoding", "windows-1252"]).stdout).toContain(
      "Rotkehlchen ä",
    );
  });

  it("timeline options with one recording are refused, not ignored (--device ZZZ gave this recording's windows)", () => {
    for (const extra of [["--device", "ZZZ"], ["--fill-gaps"], ["--join-tolerance", "50"]]) {
      const result = run(["extract", `${archive}/000001`, "--window", "1", "--out-dir", join(dir, "tl-one"), ...extra]);
      expect(result.code, extra.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/for an archive's timeline .* is one recording/);
    }
    expect(existsSync(join(dir, "tl-one"))).toBe(false);
  });

  it("an output folder named like the run's manifest is refused before anything is written", () => {
    const table = join(dir, "manifest-label.csv");
    writeFileSync(table, "start,end,label\n1,2,manifest.csv\n3,4,b\n");
    const out = join(dir, "reserved");
    for (const extra of [[], ["--overwrite"]]) {
      const result = run([
        "extract",
        example,
        "--segments",
        table,
        "--out-dir",
        out,
        "--name",
        "{label}/{n}",
        ...extra,
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/row 2: its output "manifest.csv\/1" would be in a folder named "manifest.csv"/);
      expect(existsSync(out)).toBe(false);
    }
  });
});
