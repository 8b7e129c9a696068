import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example, fixture, granule, granuleAsync, wavInfo } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-archive-"));
const archive = join(dir, "season.zarr");
const audioMoth = join(dir, "AM07_20240501_053000.opus");
let base = "";
const server = createServer((request, response) => {
  // A static host with Range support, serving `dir`.
  const path = normalize(join(dir, decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname)));
  let bytes: Buffer;
  try {
    if (!path.startsWith(dir) || !statSync(path).isFile()) throw new Error("not a file");
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

beforeAll(async () => {
  copyFileSync(example, audioMoth);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe("granule import, ls and archived recordings", () => {
  it("imports with the time and device from an AudioMoth name, and lists it", () => {
    const run = granule([
      "import",
      audioMoth,
      fixture("chained.opus"),
      "--archive",
      archive,
      "--meta",
      "site=marsh",
      "--json",
    ]);
    expect(run.code).toBe(0);
    const results = JSON.parse(run.stdout);
    expect(results.map((r: { id: string; recordedAt: string | null }) => [r.id, r.recordedAt])).toEqual([
      ["000001", "2024-05-01T05:30:00.000Z"],
      ["000002", null],
    ]);
    const rows = JSON.parse(granule(["ls", archive, "--json"]).stdout);
    expect(rows[0]).toMatchObject({
      id: "000001",
      sourceName: "AM07_20240501_053000.opus",
      totalSamples: 960_000,
      sampleRate: 48_000,
      durationSeconds: 20,
      recordedAt: "2024-05-01T05:30:00.000Z",
      deviceId: "AM07",
      complete: true,
    });
    expect(rows[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(granule(["ls", archive]).stdout).toMatch(/^000002\tchained.opus\t/m);
  });

  it("refuses a duplicate by default (exit 1), skips or allows it when told", () => {
    const refused = granule(["import", example, "--archive", archive]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/000001/);
    const skipped = granule(["import", example, "--archive", archive, "--on-duplicate", "skip", "--json"]);
    expect(JSON.parse(skipped.stdout)[0]).toMatchObject({ id: "000001", skipped: true });
    expect(granule(["import", example, "--archive", archive, "--on-duplicate", "maybe"]).code).toBe(2);
  });

  it("extracts from the archive exactly what it extracts from the file", () => {
    const fromArchive = join(dir, "a.wav");
    const fromFile = join(dir, "f.wav");
    expect(granule(["extract", join(archive, "000001"), "--start", "3", "--end", "4.5", "-o", fromArchive]).code).toBe(
      0,
    );
    expect(granule(["extract", audioMoth, "--start", "3", "--end", "4.5", "-o", fromFile]).code).toBe(0);
    expect(readFileSync(fromArchive).equals(readFileSync(fromFile))).toBe(true);
    const doc = JSON.parse(granule(["info", join(archive, "000001"), "--json"]).stdout);
    expect(doc).toMatchObject({
      kind: "archive",
      recordedAt: "2024-05-01T05:30:00.000Z",
      deviceId: "AM07",
      totalSamples: 960_000,
    });
  });

  it("addresses time-expanded ultrasound in real time, keeping every sample", () => {
    const ultrasonic = join(dir, "bat.opus");
    copyFileSync(fixture("ffmpeg-mono.opus"), ultrasonic);
    const run = granule(["import", ultrasonic, "--archive", archive, "--original-rate", "384000", "--json"]);
    const { id } = JSON.parse(run.stdout)[0];
    const info = JSON.parse(granule(["info", join(archive, id), "--json"]).stdout);
    expect([info.sampleRate, info.totalSamples, info.durationSeconds]).toEqual([384_000, 240_000, 0.625]);
    const wav = join(dir, "bat.wav");
    expect(granule(["extract", join(archive, id), "--start", "0.25", "--end", "0.5", "-o", wav]).code).toBe(0);
    expect(wavInfo(readFileSync(wav))).toMatchObject({ sampleRate: 384_000, dataBytes: 96_000 * 2 });
  });

  it("reads archived recordings and plain files over HTTP", async () => {
    const remote = JSON.parse((await granuleAsync(["info", `${base}/season.zarr/000001`, "--json"])).stdout);
    expect(remote).toMatchObject({ kind: "url", totalSamples: 960_000, recordedAt: "2024-05-01T05:30:00.000Z" });
    const plain = JSON.parse((await granuleAsync(["info", `${base}/AM07_20240501_053000.opus`, "--json"])).stdout);
    expect(plain).toMatchObject({ kind: "url", totalSamples: 960_000 });
    const wav = join(dir, "remote.wav");
    expect(
      (await granuleAsync(["extract", `${base}/season.zarr/000001`, "--start", "3", "--end", "4.5", "-o", wav])).code,
    ).toBe(0);
    expect(readFileSync(wav).equals(readFileSync(join(dir, "a.wav")))).toBe(true);
  });

  it("verify passes an intact archive and fails one with a truncated shard, naming it", () => {
    expect(granule(["verify", archive]).code).toBe(0);
    const copy = join(dir, "damaged.zarr");
    mkdirSync(copy);
    granule(["import", example, "--archive", copy]);
    const shardDir = join(copy, "000001", "ogg", "c");
    const shard = join(shardDir, readdirSync(shardDir)[0]!);
    truncateSync(shard, statSync(shard).size - 1000);
    const run = granule(["verify", copy]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/000001: \d+ problem/);
    const read = granule(["extract", join(copy, "000001"), "--start", "19", "--end", "19.9", "-o", join(dir, "x.wav")]);
    expect(read.code).toBe(1);
    expect(read.stderr.trim().split("\n").length).toBeLessThanOrEqual(2);
  });

  it("verify reports a recording whose metadata is gone, and still checks the others", () => {
    const copy = join(dir, "half.zarr");
    mkdirSync(copy);
    granule(["import", example, fixture("ffmpeg-mono.opus"), "--archive", copy]);
    rmSync(join(copy, "000001", "zarr.json"));
    const run = granule(["verify", copy, "--json"]);
    expect(run.code).toBe(1);
    const results = JSON.parse(run.stdout) as { target: string; ok: boolean }[];
    expect(results.map((r) => [r.target.split("/").pop(), r.ok])).toEqual([
      ["000002", true],
      ["000001", false],
    ]);
  });

  it("says clearly when a directory is not an archive (exit 1)", () => {
    const plain = join(dir, "not-an-archive");
    mkdirSync(plain);
    writeFileSync(join(plain, "notes.txt"), "hello");
    const run = granule(["ls", plain]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not-an-archive/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
