// `granule extract <archive> --window W --hop H`: windows on the deployment's timeline, per
// device; across the join of contiguous recordings sample-exactly, never across a gap unless
// filled with silence.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, type Run } from "./cli.ts";
import { CUT_SAMPLE, firstPart, secondPart, UNCUT_PATH } from "./cut-fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-deployment-windows-"));
const archive = join(dir, "season.zarr");
const T0 = Date.parse("2025-04-16T05:39:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
// a lasts 993.5 ms; b's stamp is the nearest millisecond after it (joined within the 1 ms
// tolerance); b lasts 192312 samples; c starts 2 s after b ends; x is another device.
const B_AT = T0 + 994;
const B_END = B_AT + ((240_000 - CUT_SAMPLE) * 1000) / 48_000;
const C_AT = Math.round(B_END) + 2_000;
const GAP_SAMPLES = Math.round(((C_AT - B_END) * 48_000) / 1000);
const WINDOW = 19_200; // 0.4 s
const HOP = 9_600; // 0.2 s
// Bit-exact decoding: a pre-roll longer than the file decodes every range from the first packet.
const EXACT = ["--format", "f32", "--pre-roll", "10000"];

/** Runs granule, as a user would, with room on stdout for every window. */
function granule(args: string[]): Run {
  const result = spawnSync(BIN, args, {
    encoding: "buffer",
    env: { ...process.env, FORCE_COLOR: "0" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    code: result.status ?? -1,
    stdout: result.stdout.toString("utf8"),
    stderr: result.stderr.toString("utf8"),
    bytes: result.stdout,
  };
}

function ok(args: string[]) {
  const run = granule(args);
  if (run.code !== 0) throw new Error(`granule ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return run;
}

const f32 = (bytes: Buffer) => new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
const manifest = (folder: string): Record<string, string>[] =>
  parse(readFileSync(join(folder, "manifest.csv"), "utf8"), { columns: true });
/** Samples [from, to) of a file or recording, decoded from its first packet. */
const cut = (source: string, from: number, to: number) =>
  f32(ok(["extract", source, "--start-sample", String(from), "--end-sample", String(to), ...EXACT, "-o", "-"]).bytes);
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const same = (a: Float32Array, b: Float32Array) => bytesOf(a).equals(bytesOf(b));

beforeAll(() => {
  writeFileSync(join(dir, "a.opus"), firstPart());
  writeFileSync(join(dir, "b.opus"), secondPart());
  const add = (file: string, id: string, at: number | null, device: string | null) =>
    ok([
      "import",
      join(dir, file),
      "--archive",
      archive,
      "--id",
      id,
      ...(at === null ? [] : ["--recorded-at", iso(at)]),
      ...(device === null ? [] : ["--device", device]),
      "--on-duplicate",
      "allow",
    ]);
  add("a.opus", "a", T0, "moth1");
  add("b.opus", "b", B_AT, "moth1");
  add("a.opus", "c", C_AT, "moth1");
  add("a.opus", "x", T0 + 500, "moth2");
  add("a.opus", "u", null, null); // on no timeline
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("granule extract <archive> --window over the deployment", () => {
  it("joins windows across contiguous recordings bit for bit, stops at a gap and says so, keeps devices apart", () => {
    const out = join(dir, "plain");
    const run = ok(["extract", archive, "--window", "0.4", "--hop", "0.2", ...EXACT, "--out-dir", out, "--json"]);
    const rows = manifest(out);
    const moth1 = rows.filter((r) => ["a", "b", "c"].includes(r.recording!));
    // a and b are one span of 240000 samples: 24 windows, 2 of them across the cut; c restarts after the gap.
    expect(moth1).toHaveLength(24 + 3);
    expect(moth1.slice(2, 6).map((r) => [r.file, r.recording, r.start_sample, r.end_sample, r.recordings])).toEqual([
      ["a-19200.f32", "a", "19200", "38400", "a"],
      ["a-28800.f32", "a", "28800", "48000", "a b"],
      ["a-38400.f32", "a", "38400", "57600", "a b"],
      // b's sample 0 is the span's sample 47688: window 5 starts at b's 48000 - 47688
      ["b-312.f32", "b", "312", "19512", "b"],
    ]);
    expect(moth1[3]).toMatchObject({ start_utc: "2025-04-16T05:39:00.600000Z", gaps: "" });
    // The first window after the gap is c's own first window: the windows start again there.
    expect(moth1[24]).toMatchObject({ recording: "c", start_sample: "0", start_utc: `${iso(C_AT).slice(0, -1)}000Z` });
    // The windows across the cut are the uncut recording's samples, bit for bit.
    for (const start of [28_800, 38_400]) {
      const window = f32(readFileSync(join(out, `a-${start}.f32`)));
      expect(window.length).toBe(WINDOW);
      expect(same(window, cut(UNCUT_PATH, start, start + WINDOW)), `window at ${start}`).toBe(true);
    }
    // Every window of the span is the uncut file's samples at k x hop.
    const uncut = cut(UNCUT_PATH, 0, 240_000);
    moth1.slice(0, 24).forEach((row, k) => {
      const window = f32(readFileSync(join(out, row.file!)));
      expect(same(window, uncut.subarray(k * HOP, k * HOP + WINDOW)), row.file).toBe(true);
    });
    // The gap is named: recordings and times; windows never crossed it.
    expect(run.stderr).toMatch(
      new RegExp(
        `skipped the gap of \\d\\.\\d{3} s between b \\(to ${iso(Math.floor(B_END)).replace(/\./g, "\\.")}\\) and c \\(from ${iso(C_AT).replace(/\./g, "\\.")}\\) of device moth1: windows stop before it and start again after it`,
      ),
    );
    const summary = JSON.parse(run.stdout);
    expect(summary.breaks).toEqual([
      expect.objectContaining({ kind: "gap", deviceId: "moth1", after: "b", before: "c", start: iso(C_AT) }),
    ]);
    expect(rows.filter((r) => r.recordings!.includes("x")).every((r) => r.recordings === "x")).toBe(true);
    // The other device's windows are its own (it overlaps a in time, and is never joined to it).
    expect(rows.filter((r) => r.recording === "x").map((r) => [r.start_sample, r.recordings, r.start_utc])).toEqual([
      ["0", "x", "2025-04-16T05:39:00.500000Z"],
      ["9600", "x", "2025-04-16T05:39:00.700000Z"],
      ["19200", "x", "2025-04-16T05:39:00.900000Z"],
    ]);
    // A recording without recordedAt keeps its own windows (as before), with no UTC start.
    expect(rows.filter((r) => r.recording === "u").map((r) => [r.start_sample, r.start_utc, r.recordings])).toEqual([
      ["0", "", ""],
      ["9600", "", ""],
      ["19200", "", ""],
    ]);
  });

  it("streams the same windows to stdout, and resamples across the join as inside one recording", () => {
    const args = ["extract", archive, "--device", "moth1", "--window", "0.4", "--hop", "0.2", ...EXACT];
    const stream = f32(ok([...args, "-o", "-"]).bytes);
    expect(stream.length).toBe(27 * WINDOW);
    expect(same(stream.subarray(4 * WINDOW, 5 * WINDOW), cut(UNCUT_PATH, 4 * HOP, 4 * HOP + WINDOW))).toBe(true);
    // 16001 Hz puts the hop off the output grid: each window is read and resampled on its own,
    // its filter's context read across the join from the neighbouring recording.
    const out = join(dir, "resampled");
    ok([...args, "--sample-rate", "16001", "--out-dir", out]);
    const outSamples = Math.round((WINDOW * 16_001) / 48_000);
    for (const [file, start] of [
      ["a-38400.f32", 38_400],
      ["b-312.f32", 48_000],
    ] as const) {
      const window = f32(readFileSync(join(out, file)));
      const alone = f32(
        ok([
          "extract",
          UNCUT_PATH,
          "--start-sample",
          String(start),
          "--end-sample",
          String(start + WINDOW),
          "--sample-rate",
          "16001",
          ...EXACT,
          "-o",
          "-",
        ]).bytes,
      );
      expect(window.length).toBe(outSamples);
      expect(same(window, alone), file).toBe(true);
    }
  });

  it("with --fill-gaps runs the windows through the gap as silence, and the manifest says where", () => {
    const out = join(dir, "filled");
    const run = ok([
      "extract",
      archive,
      "--device",
      "moth1",
      "--fill-gaps",
      "--window",
      "0.4",
      "--hop",
      "0.4",
      ...EXACT,
      "--out-dir",
      out,
      "--json",
    ]);
    const rows = manifest(out);
    const spanSamples = 240_000 + GAP_SAMPLES + CUT_SAMPLE;
    expect(rows).toHaveLength(Math.floor(spanSamples / WINDOW));
    expect(run.stderr).toMatch(
      /ran the windows of device moth1 through the gap of \d\.\d{3} s between b .* and c .*silence/,
    );
    expect(run.stderr).not.toMatch(/skipped the gap/);
    // The window where b ends: b's last samples, then silence.
    const bEnds = Math.floor(240_000 / WINDOW); // window 12 starts at 230400
    const bRow = rows[bEnds]!;
    expect(bRow).toMatchObject({ recording: "b", recordings: "b", gaps: `${240_000 - bEnds * WINDOW}-${WINDOW}` });
    const bWindow = f32(readFileSync(join(out, bRow.file!)));
    const tail = 240_000 - bEnds * WINDOW;
    expect(same(bWindow.subarray(0, tail), cut(UNCUT_PATH, bEnds * WINDOW, 240_000))).toBe(true);
    expect(bWindow.subarray(tail).every((v) => v === 0)).toBe(true);
    // Windows wholly in the gap: silence from no recording, placed in time after b.
    const inGap = rows[bEnds + 1]!;
    expect(inGap).toMatchObject({ recording: "b", start_sample: String(192_312 + WINDOW - tail), recordings: "" });
    expect(inGap.gaps).toBe(`0-${WINDOW}`);
    expect(f32(readFileSync(join(out, inGap.file!))).every((v) => v === 0)).toBe(true);
    // The window where c begins: silence, then c's first samples (c is a copy of the first part).
    const cStarts = Math.floor((240_000 + GAP_SAMPLES) / WINDOW);
    const cRow = rows[cStarts]!;
    const silent = 240_000 + GAP_SAMPLES - cStarts * WINDOW;
    expect(cRow).toMatchObject({ recording: "b", recordings: "c", gaps: `0-${silent}` });
    const cWindow = f32(readFileSync(join(out, cRow.file!)));
    expect(cWindow.subarray(0, silent).every((v) => v === 0)).toBe(true);
    expect(same(cWindow.subarray(silent), cut(join(archive, "c"), 0, WINDOW - silent))).toBe(true);
    const summary = JSON.parse(run.stdout);
    expect(summary.breaks).toEqual([]);
    expect(summary.filledGaps).toEqual([expect.objectContaining({ after: "b", before: "c", deviceId: "moth1" })]);
    expect(summary.segments[cStarts]).toMatchObject({
      recordings: ["c"],
      gaps: [expect.objectContaining({ outputStartSample: 0, outputEndSample: silent, after: "b", before: "c" })],
    });
  });

  it("takes a UTC range: windows from --start to --end, per device, leaving out recordings on no timeline", () => {
    const out = join(dir, "range");
    const run = ok([
      "extract",
      archive,
      "--start",
      iso(T0 + 900),
      "--end",
      iso(T0 + 1_800),
      "--window",
      "0.4",
      ...EXACT,
      "--out-dir",
      out,
    ]);
    const rows = manifest(out);
    expect(rows.map((r) => [r.recording, r.start_sample, r.start_utc, r.recordings])).toEqual([
      ["a", "43200", "2025-04-16T05:39:00.900000Z", "a b"],
      ["b", "14712", "2025-04-16T05:39:01.300500Z", "b"],
      // x (moth2) runs from 0.5 s to 1.4935 s: one whole window from 0.9 s
      ["x", "19200", "2025-04-16T05:39:00.900000Z", "x"],
    ]);
    expect(same(f32(readFileSync(join(out, "a-43200.f32"))), cut(UNCUT_PATH, 43_200, 43_200 + WINDOW))).toBe(true);
    expect(run.stderr).toMatch(/left out u: without recordedAt/);
    // One window to one file, streamed: 0.9 s to 1.301 s holds one whole window across the cut
    // (b's stamp is 0.5 ms late, so 0.9-1.3 s holds 24 samples less than 0.4 s).
    const one = join(dir, "one.f32");
    const single = JSON.parse(
      ok([
        "extract",
        archive,
        "--device",
        "moth1",
        "--start",
        iso(T0 + 900),
        "--end",
        iso(T0 + 1_301),
        "--window",
        "0.4",
        ...EXACT,
        "-o",
        one,
        "--json",
      ]).stdout,
    );
    expect(single.segments).toEqual([
      expect.objectContaining({ recording: "a", startSample: 43_200, recordings: ["a", "b"], gaps: [] }),
    ]);
    expect(same(f32(readFileSync(one)), cut(UNCUT_PATH, 43_200, 43_200 + WINDOW))).toBe(true);
    // Nothing fits: said, not an empty folder.
    const none = granule([
      "extract",
      archive,
      "--start",
      iso(C_AT - 1_000),
      "--end",
      iso(C_AT - 500),
      "--window",
      "0.4",
      "--out-dir",
      join(dir, "none"),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no whole --window 0\.4 fits in the recordings of .*season\.zarr between/);
    const samples = granule([
      "extract",
      archive,
      "--window",
      "1",
      "--start-sample",
      "0",
      "--end-sample",
      "9",
      "-o",
      "-",
    ]);
    expect(samples.code).toBe(2);
    expect(samples.stderr).toMatch(/sample numbers belong to one recording/);
  });
});
