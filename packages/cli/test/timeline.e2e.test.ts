// The deployment timeline from the command line: `granule extract <archive> --start/--end` in
// UTC across recordings, `granule ls` filters and times, `granule sample`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStaticServer } from "../../../test/static-server.ts";
import { granule, granuleAsync, wavInfo } from "./cli.ts";
import { CUT_SAMPLE, firstPart, secondPart, UNCUT_PATH } from "./cut-fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-timeline-"));
const archive = join(dir, "season.zarr");
const T0 = Date.parse("2025-04-16T05:39:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
// a lasts 993.5 ms; b's stamp is the nearest millisecond after it. b lasts 192312 samples.
const B_AT = T0 + 994;
const B_END = B_AT + ((240_000 - CUT_SAMPLE) * 1000) / 48_000;
const C_AT = Math.round(B_END) + 2_000;

function ok(args: string[]) {
  const run = granule(args);
  if (run.code !== 0) throw new Error(`granule ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return run;
}

beforeAll(() => {
  writeFileSync(join(dir, "a.opus"), firstPart());
  writeFileSync(join(dir, "b.opus"), secondPart());
  const add = (file: string, id: string, at: number, device: string, site: string) =>
    ok([
      "import",
      join(dir, file),
      "--archive",
      archive,
      "--id",
      id,
      "--recorded-at",
      iso(at),
      "--device",
      device,
      "--meta",
      `site=${site}`,
      "--on-duplicate",
      "allow",
    ]);
  add("a.opus", "a", T0, "moth1", "marsh");
  add("b.opus", "b", B_AT, "moth1", "marsh");
  add("a.opus", "c", C_AT, "moth1", "wood");
  add("a.opus", "x", T0 + 500, "moth2", "wood");
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Float samples of a 32-bit float WAV's data chunk. */
function floats(path: string): Float32Array {
  const bytes = readFileSync(path);
  const at = bytes.indexOf("data") + 8;
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + bytes.length));
}

describe("granule extract <archive> by UTC time", () => {
  it("joins two contiguous recordings at the cut, the samples equal to the uncut file's", () => {
    const out = join(dir, "joined.wav");
    const run = ok([
      "extract",
      archive,
      "--start",
      "2025-04-16T05:39:00.900Z",
      "--end",
      "2025-04-16T07:39:01.100+02:00",
      "--device",
      "moth1",
      "--float",
      "--pre-roll",
      "10000",
      "-o",
      out,
      "--json",
    ]);
    const summary = JSON.parse(run.stdout);
    expect(summary.segments[0]).toMatchObject({
      start: "2025-04-16T05:39:00.900Z",
      deviceId: "moth1",
      recordings: ["a", "b"],
      endSample: CUT_SAMPLE - 43_200 + 5_088,
      gaps: [],
    });
    expect(summary.segments[0].pieces).toEqual([
      { kind: "audio", recording: "a", startSample: 43_200, endSample: CUT_SAMPLE, outputStartSample: 0 },
      { kind: "audio", recording: "b", startSample: 0, endSample: 5_088, outputStartSample: CUT_SAMPLE - 43_200 },
    ]);
    // The uncut file, decoded from its first packet (a pre-roll longer than the file).
    const reference = join(dir, "uncut.wav");
    ok([
      "extract",
      UNCUT_PATH,
      "--start-sample",
      "43200",
      "--end-sample",
      String(CUT_SAMPLE + 5_088),
      "--float",
      "--pre-roll",
      "10000",
      "-o",
      reference,
    ]);
    expect(wavInfo(readFileSync(out))).toMatchObject({ sampleRate: 48_000, channels: 1, dataBytes: 9_576 * 4 });
    expect(Buffer.from(floats(out).buffer).equals(Buffer.from(floats(reference).buffer))).toBe(true);
  });

  it("reads the same samples from the archive over HTTP (its manifest and Range requests)", async () => {
    const server = await startStaticServer(dir);
    try {
      const remote = `${server.origin}/season.zarr`;
      const listed = await granuleAsync(["ls", remote, "--device", "moth1", "--json"]);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout).map((r: { id: string }) => r.id)).toEqual(["a", "b", "c"]);
      const range = ["--start", "2025-04-16T05:39:00.900Z", "--end", "2025-04-16T05:39:01.100Z", "--device", "moth1"];
      const local = join(dir, "local.wav");
      const http = join(dir, "http.wav");
      ok(["extract", archive, ...range, "-o", local]);
      const run = await granuleAsync(["extract", remote, ...range, "-o", http]);
      expect(run.code).toBe(0);
      expect(readFileSync(http).equals(readFileSync(local))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("asks which device when recordings of two cover the time", () => {
    const run = granule([
      "extract",
      archive,
      "--start",
      iso(T0 + 600),
      "--end",
      iso(T0 + 700),
      "-o",
      join(dir, "x.wav"),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/device moth1, device moth2.*--device/);
  });

  it("refuses to cross a gap, and fills it with silence with --fill-gaps", () => {
    const range = ["--start", iso(Math.round(B_END) - 500), "--end", iso(Math.round(B_END) + 2_500)];
    const refused = granule(["extract", archive, ...range, "--device", "moth1", "-o", join(dir, "gap.wav")]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/gap of 2\.\d{3} s between b .* and c .*pass --fill-gaps/);
    const out = join(dir, "gap.wav");
    const filled = ok(["extract", archive, ...range, "--device", "moth1", "--fill-gaps", "-o", out, "--json"]);
    const segment = JSON.parse(filled.stdout).segments[0];
    expect(segment.recordings).toEqual(["b", "c"]);
    expect(segment.gaps).toHaveLength(1);
    const gap = segment.gaps[0];
    expect(gap).toMatchObject({ after: "b", before: "c" });
    expect(wavInfo(readFileSync(out)).dataBytes).toBe(segment.endSample * 2);
    const samples = new Int16Array(readFileSync(out).buffer.slice(44));
    expect(samples.subarray(gap.outputStartSample, gap.outputEndSample).every((v) => v === 0)).toBe(true);
    expect(samples.subarray(0, gap.outputStartSample).some((v) => v !== 0)).toBe(true);
    // Nothing is overwritten without asking.
    const again = granule(["extract", archive, ...range, "--device", "moth1", "--fill-gaps", "-o", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists: pass --overwrite/);
  });

  it("refuses times without a zone, and sample numbers without a recording", () => {
    const local = granule(["extract", archive, "--start", "2025-04-16T05:39:00", "--end", iso(T0 + 100), "-o", "-"]);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/not a UTC time/);
    const seconds = granule(["extract", archive, "--start", "12.5", "--end", "14", "-o", "-"]);
    expect(seconds.code).toBe(2);
    expect(seconds.stderr).toMatch(/is an archive, so times are UTC .* name it \(.*season\.zarr\/<id>\)/);
    const samples = granule(["extract", archive, "--start-sample", "0", "--end-sample", "10", "-o", "-"]);
    expect(samples.code).toBe(2);
    expect(samples.stderr).toMatch(/name it/);
  });

  it("reshapes a UTC range (--mono, --sample-rate, .npy) from the samples the range has, across the join and gaps", () => {
    // Across the join of a and b: the same samples whether or not the output is reshaped.
    const range = ["--start", "2025-04-16T05:39:00.900Z", "--end", "2025-04-16T05:39:01.100Z", "--device", "moth1"];
    const plain = join(dir, "range-plain.wav");
    const mono = join(dir, "range-mono.wav");
    ok(["extract", archive, ...range, "--float", "-o", plain]);
    const reshaped = JSON.parse(ok(["extract", archive, ...range, "--float", "--mono", "-o", mono, "--json"]).stdout);
    expect(reshaped.segments[0]).toMatchObject({ recording: "a", startSample: 43_200, recordings: ["a", "b"] });
    expect(Buffer.from(floats(mono).buffer).equals(Buffer.from(floats(plain).buffer))).toBe(true);
    const npy = join(dir, "range.npy");
    ok(["extract", archive, ...range, "-o", npy]);
    expect(readFileSync(npy).subarray(0, 6).toString("latin1")).toBe("\u0093NUMPY");
    const r16 = join(dir, "range-16k.wav");
    ok(["extract", archive, ...range, "--sample-rate", "16000", "-o", r16]);
    // round(n x 16000 / 48000) samples of the range's n at 48 kHz.
    expect(wavInfo(readFileSync(r16))).toMatchObject({ sampleRate: 16_000, dataBytes: (floats(plain).length / 3) * 2 });
    // A gap is refused as without reshaping, and filled with --fill-gaps (silence where no audio is).
    const gap = ["--start", iso(Math.round(B_END) - 500), "--end", iso(Math.round(B_END) + 2_500), "--device", "moth1"];
    const refused = granule(["extract", archive, ...gap, "--mono", "-o", join(dir, "range-gap.wav")]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/gap of 2\.\d{3} s between b .* and c .*pass --fill-gaps/);
    const filledPlain = join(dir, "range-gap-plain.wav");
    const filledMono = join(dir, "range-gap-mono.wav");
    ok(["extract", archive, ...gap, "--fill-gaps", "--float", "-o", filledPlain]);
    ok(["extract", archive, ...gap, "--fill-gaps", "--float", "--mono", "-o", filledMono]);
    expect(Buffer.from(floats(filledMono).buffer).equals(Buffer.from(floats(filledPlain).buffer))).toBe(true);
    // Without a time the archive still asks which recording.
    const none = granule(["extract", archive, "--mono", "-o", join(dir, "none.wav")]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/name a recording .* give UTC --start and --end/);
  });
});

describe("recordings imported without a device id", () => {
  // u has no device id and overlaps m (moth1): they can be told apart only by --no-device.
  const mixed = join(dir, "mixed.zarr");
  beforeAll(() => {
    const add = (id: string, at: number, device: string[]) =>
      ok([
        "import",
        join(dir, "a.opus"),
        "--archive",
        mixed,
        "--id",
        id,
        "--recorded-at",
        iso(at),
        "--on-duplicate",
        "allow",
        ...device,
      ]);
    add("m", T0, ["--device", "moth1"]);
    add("u", T0 + 500, []);
  }, 60_000);

  it("are chosen by --no-device in extract, ls and sample, and named so when the time is ambiguous", () => {
    const range = ["--start", iso(T0 + 600), "--end", iso(T0 + 700)];
    const ambiguous = granule(["extract", mixed, ...range, "-o", join(dir, "nd.wav")]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain("device moth1, the recordings without a device id");
    expect(ambiguous.stderr).toContain("--no-device for the recordings without one");
    const unknown = JSON.parse(
      ok(["extract", mixed, ...range, "--no-device", "-o", join(dir, "nd.wav"), "--json"]).stdout,
    );
    expect(unknown.segments[0]).toMatchObject({ deviceId: null, recordings: ["u"] });
    expect(unknown.segments[0].pieces[0]).toMatchObject({ recording: "u", startSample: 4_800, endSample: 9_600 });
    const known = JSON.parse(
      ok(["extract", mixed, ...range, "--device", "moth1", "-o", join(dir, "d.wav"), "--overwrite", "--json"]).stdout,
    );
    expect(known.segments[0]).toMatchObject({ deviceId: "moth1", recordings: ["m"] });
    expect(known.segments[0].pieces[0]).toMatchObject({ recording: "m", startSample: 28_800, endSample: 33_600 });
    const ls = (args: string[]) =>
      JSON.parse(ok(["ls", mixed, "--json", ...args]).stdout).map((r: { id: string }) => r.id);
    expect(ls(["--no-device"])).toEqual(["u"]);
    expect(ls(["--device", "moth1"])).toEqual(["m"]);
    const table = ok(["sample", mixed, "--n", "3", "--duration", "0.1", "--seed", "1", "--no-device"]).stdout;
    const rows = table.trim().split("\n").slice(1);
    expect(rows).toHaveLength(3);
    for (const line of rows) expect(line).toMatch(/^u,/);
  });
});

describe("granule ls on the timeline", () => {
  const ids = (args: string[]) =>
    JSON.parse(ok(["ls", archive, "--json", ...args]).stdout).map((r: { id: string }) => r.id);

  it("filters by time (overlap), device and metadata", () => {
    expect(ids([])).toEqual(["a", "b", "c", "x"]);
    expect(ids(["--device", "moth2"])).toEqual(["x"]);
    expect(ids(["--meta", "site=wood"])).toEqual(["c", "x"]);
    expect(ids(["--meta", "site=wood", "--device", "moth1"])).toEqual(["c"]);
    // a (to 05:39:00.993) and x (from 05:39:00.500) have audio at 05:39:00.990; b starts after.
    expect(ids(["--from", "2025-04-16T05:39:00.990Z", "--to", "2025-04-16T07:39:00.993+02:00"])).toEqual(["a", "x"]);
    expect(ids(["--from", iso(Math.round(B_END) + 1)])).toEqual(["c"]);
    const bad = granule(["ls", archive, "--from", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from "yesterday" is not a UTC time/);
  });

  it("shows each recording's UTC start and end, duration, device, location and metadata", () => {
    const rows = JSON.parse(ok(["ls", archive, "--json"]).stdout);
    expect(rows[1]).toMatchObject({ id: "b", recordedAt: iso(B_AT), endAt: iso(Math.floor(B_END)), deviceId: "moth1" });
    const table = ok(["ls", archive]).stdout.split("\n");
    expect(table[0]).toBe(
      "id\tsource\tstart\tend\tduration\tdevice\tlocation\tmetadata\trate\tchannels\tsamples\tsha256\tcomplete",
    );
    expect(table[1]).toMatch(
      /^a\ta\.opus\t2025-04-16T05:39:00\.000Z\t2025-04-16T05:39:00\.993Z\t0:00:00\.994\tmoth1\t-\tsite=marsh\t48000\t1\t47688\t/,
    );
  });
});

describe("granule sample", () => {
  it("writes random non-overlapping windows as a segments table, the same for a seed", () => {
    const args = ["sample", archive, "--n", "8", "--duration", "0.5", "--seed", "1", "--device", "moth1"];
    const first = ok(args).stdout;
    expect(ok(args).stdout).toBe(first);
    expect(ok([...args.slice(0, -4), "--seed", "2", "--device", "moth1"]).stdout).not.toBe(first);
    const lines = first.trim().split("\n");
    expect(lines[0]).toBe("recording,start,end,start_sample,end_sample,start_utc");
    expect(lines).toHaveLength(9);
    const rows = lines.slice(1).map((line) => line.split(","));
    const byRecording = new Map<string, number[][]>();
    for (const [recording, start, end, startSample, endSample] of rows) {
      expect(["a", "b", "c"]).toContain(recording);
      expect(Number(endSample) - Number(startSample)).toBe(24_000);
      expect(Math.round(Number(start) * 48_000)).toBe(Number(startSample));
      expect(Math.round(Number(end) * 48_000)).toBe(Number(endSample));
      byRecording.set(recording!, [...(byRecording.get(recording!) ?? []), [Number(startSample), Number(endSample)]]);
    }
    for (const windows of byRecording.values()) {
      for (let i = 1; i < windows.length; i++) expect(windows[i]![0]!).toBeGreaterThanOrEqual(windows[i - 1]![1]!);
    }
  });

  it("writes to -o, refuses to overwrite it, and says when the windows cannot fit", () => {
    const out = join(dir, "background.csv");
    ok(["sample", archive, "--n", "3", "--duration", "1", "-o", out]);
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(4);
    const again = granule(["sample", archive, "--n", "3", "--duration", "1", "-o", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists: pass --overwrite/);
    const full = granule(["sample", archive, "--n", "200", "--duration", "3"]);
    expect(full.code).toBe(2);
    expect(full.stderr).toMatch(/200 windows of 3 s do not fit .* at most \d+ fit/);
  });

  it("reads --duration as --window is (units, exact decimals), and names --n and too short windows", () => {
    const ms = ok(["sample", archive, "--n", "2", "--duration", "1500ms"]).stdout.trim().split("\n");
    for (const line of ms.slice(1)) {
      const [, , , startSample, endSample] = line.split(",");
      expect(Number(endSample) - Number(startSample)).toBe(72_000);
    }
    const zero = granule(["sample", archive, "--n", "0", "--duration", "1"]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--n "0": say how many windows, 1 or more/);
    const hex = granule(["sample", archive, "--n", "1", "--duration", "0x1"]);
    expect(hex.code).toBe(2);
    expect(hex.stderr).toMatch(/--duration "0x1" is not a time/);
    const short = granule(["sample", archive, "--n", "1", "--duration", "0.00001"]);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/shorter than one sample at 48000 Hz/);
  });
});
