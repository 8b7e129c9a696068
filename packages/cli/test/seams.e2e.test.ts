// The command line at its seams with the user's world: options that used to answer wrong with
// exit 0, outputs that were overwritten, archives left behind, interrupts, pipes and links.
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setPageCrc } from "@granule/ogg-pages";
import { afterAll, describe, expect, it } from "vitest";
import { describeError } from "../src/report-error.ts";
import { BIN, example, fixture, granule, wavInfo } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-seams-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rates that can only be relabelled", () => {
  it("refuses a rate below 48 kHz as a time expansion (it would stretch every time)", () => {
    for (const args of [
      ["info", example, "--sample-rate", "16000"],
      ["info", example, "--original-rate", "32000"],
      ["extract", example, "--original-rate", "32000", "--start", "1", "--end", "2", "-o", join(dir, "x.wav")],
    ]) {
      const run = granule(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/cannot be one/);
    }
    expect(existsSync(join(dir, "x.wav"))).toBe(false);
  });

  it("still relabels a true time expansion, by its explicit name", () => {
    const run = granule(["info", example, "--original-rate", "384000", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ sampleRate: 384_000, timeExpansion: 8, durationSeconds: 2.5 });
  });

  it("--sample-rate on extract resamples (32000 samples for a second), never a relabel", () => {
    const run = granule([
      "extract",
      example,
      "--sample-rate",
      "32000",
      "--start",
      "1",
      "--end",
      "2",
      "--format",
      "f32",
      "-o",
      "-",
    ]);
    expect(run.code).toBe(0);
    expect(run.bytes.length).toBe(32_000 * 4);
  });
});

describe("output formats and files", () => {
  it("takes the format from the -o extension, and refuses a conflict", () => {
    const raw = join(dir, "call.f32");
    expect(granule(["extract", example, "--start", "1", "--end", "2", "-o", raw]).code).toBe(0);
    expect(readFileSync(raw).length).toBe(48_000 * 4); // raw float, not a WAV header
    const conflict = granule([
      "extract",
      example,
      "--start",
      "1",
      "--end",
      "2",
      "-o",
      join(dir, "c.s16"),
      "--format",
      "wav",
    ]);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toMatch(/names the s16 format but --format says wav/);
    expect(existsSync(join(dir, "c.s16"))).toBe(false);
  });

  it("refuses to replace an existing output unless --overwrite, and -o with --out-dir", () => {
    const wav = join(dir, "keep.wav");
    writeFileSync(wav, "precious");
    const refused = granule(["extract", example, "--start", "1", "--end", "2", "-o", wav]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/exists: pass --overwrite/);
    expect(readFileSync(wav, "utf8")).toBe("precious");
    expect(granule(["extract", example, "--start", "1", "--end", "2", "-o", wav, "--overwrite"]).code).toBe(0);
    expect(wavInfo(readFileSync(wav)).dataBytes).toBe(96_000);
    const both = granule(["extract", example, "--start", "1", "--end", "2", "-o", wav, "--out-dir", dir]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give one/);
  });

  it("a second recording's segments never replace the first's in one --out-dir", () => {
    const csv = join(dir, "rows.csv");
    writeFileSync(csv, "start,end\n1,2\n3,4\n");
    const out = join(dir, "set");
    expect(granule(["extract", example, "--segments", csv, "--out-dir", out]).code).toBe(0);
    const before = readFileSync(join(out, "1.wav"));
    const again = granule(["extract", fixture("ffmpeg-mono.opus"), "--segments", csv, "--out-dir", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/1\.wav exists/);
    expect(readFileSync(join(out, "1.wav")).equals(before)).toBe(true);
  });

  it("never writes through a link planted in --out-dir: refused, or with --overwrite the link itself is replaced", () => {
    const out = join(dir, "planted");
    mkdirSync(out);
    const target = join(dir, "victim.txt");
    writeFileSync(target, "do not touch");
    symlinkSync(target, join(out, "segment.wav"));
    const refused = granule(["extract", example, "--start", "1", "--end", "2", "--out-dir", out]);
    expect(refused.code).toBe(2);
    expect(granule(["extract", example, "--start", "1", "--end", "2", "--out-dir", out, "--overwrite"]).code).toBe(0);
    expect(readFileSync(target, "utf8")).toBe("do not touch");
    expect(lstatSync(join(out, "segment.wav")).isSymbolicLink()).toBe(false);
  });

  it("leaves no partial output when the extraction fails", () => {
    const out = join(dir, "partial.wav");
    const run = granule(["extract", fixture("derived/missing-page.opus"), "--start", "0", "--end", "4", "-o", out]);
    expect(run.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.endsWith(".part"))).toEqual([]);
  });

  it("speaks of a lost range in the times the user gave, with the command line's option", () => {
    const run = granule(["extract", fixture("derived/missing-page.opus"), "--start", "0", "--end", "4", "-o", "-"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/lost \d+\.\d{3}-\d+\.\d{3} s .*pass --fill-holes/);
    expect(run.stderr).not.toMatch(/fillHoles/);
  });
});

describe("import", () => {
  it("refuses --recorded-at for several files: it would stamp them all alike", () => {
    const archive = join(dir, "stamps.zarr");
    const run = granule([
      "import",
      example,
      fixture("ffmpeg-mono.opus"),
      "--archive",
      archive,
      "--recorded-at",
      "2024-05-01T05:30:00Z",
    ]);
    expect(run.code).toBe(2);
    expect(existsSync(archive)).toBe(false);
  });

  it("warns of a file name that looks like a recorder's but gives no time", () => {
    const odd = join(dir, "AM07_2024-05-01_05-30-00.opus");
    writeFileSync(odd, readFileSync(fixture("ffmpeg-mono.opus")));
    const run = granule(["import", odd, "--archive", join(dir, "odd.zarr"), "--json"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/looks like a recorder's file name .* no start time was read/);
    expect(JSON.parse(run.stdout)[0].recordedAt).toBeNull();
  });

  it("lists the damage it found in each file, and refuses damaged files with --strict", () => {
    const archive = join(dir, "damage.zarr");
    const run = granule(["import", fixture("derived/bad-crc.opus"), "--archive", archive]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/problem\(s\) in the file/);
    expect(run.stdout).toMatch(/byte \d+: (hole|damaged-bytes)/);
    const json = granule(["import", fixture("derived/missing-page.opus"), "--archive", archive, "--json"]);
    expect(JSON.parse(json.stdout)[0].problems.map((p: { code: string }) => p.code)).toContain("hole");
    const strict = granule(["import", fixture("derived/truncated.opus"), "--archive", archive, "--strict"]);
    expect(strict.code).toBe(1);
  });

  it("refuses --id manifest as a usage error, creating nothing", () => {
    const archive = join(dir, "reserved.zarr");
    const run = granule(["import", example, "--archive", archive, "--id", "manifest"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--id "manifest" is not a recording id/);
    expect(existsSync(archive)).toBe(false);
  });

  it("leaves no archive behind when it made one and no file went in", () => {
    const archive = join(dir, "nothing.zarr");
    const run = granule(["import", fixture("vorbis.ogg"), "--archive", archive]);
    expect(run.code).toBe(1);
    expect(existsSync(archive)).toBe(false);
  });

  it("refuses --original-rate for a file an ordinary encoder resampled from that rate, unless accepted", () => {
    // What `opusenc x.WAV` makes of a 384 kHz WAV: 48 kHz audio, OpusHead input rate 384000.
    const bytes = new Uint8Array(readFileSync(fixture("ffmpeg-mono.opus")));
    new DataView(bytes.buffer).setUint32(27 + bytes[26]! + 12, 384_000, true);
    setPageCrc(bytes, 0);
    const file = join(dir, "resampled.opus");
    writeFileSync(file, bytes);
    const archive = join(dir, "bats.zarr");
    const run = granule(["import", file, "--archive", archive, "--original-rate", "384000"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/encoded from a 384000 Hz source.*resampled.*--accept-resampled/);
    expect(existsSync(archive)).toBe(false);
    const accepted = granule(["import", file, "--archive", archive, "--original-rate", "384000", "--accept-resampled"]);
    expect(accepted.code).toBe(0);
  });

  it("maps an unusable archive path to one message and exit 2, without the archive's internal names", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const run = granule(["import", example, "--archive", join(file, "x.zarr")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not a directory/);
    expect(run.stderr).not.toMatch(/\.importing-|\n\s+at /);
  });

  it("says what a permission error concerns, stopping before the archive's temporary folders", () => {
    const error = Object.assign(
      new Error("EACCES: permission denied, open '/data/a.zarr/.importing-h-1-0123456789ab/ogg/c/0'"),
      {
        code: "EACCES",
        syscall: "open",
        path: "/data/a.zarr/.importing-h-1-0123456789ab/ogg/c/0",
      },
    );
    const wrapped = Object.assign(new Error("file system: ..."), { name: "ArchiveError", code: "io", cause: error });
    expect(describeError(wrapped)).toEqual({ message: "/data/a.zarr: permission denied", code: 2 });
  });
});

describe("what is not a regular file", () => {
  const hasMkfifo = spawnSync("mkfifo", ["--version"]).status === 0;
  it.skipIf(!hasMkfifo)("refuses a FIFO at once instead of blocking on it", () => {
    const fifo = join(dir, "pipe.opus");
    spawnSync("mkfifo", [fifo]);
    for (const command of [
      ["info", fifo],
      ["extract", fifo, "--start", "0", "--end", "1", "-o", "-"],
    ]) {
      const started = Date.now();
      const run = spawnSync(BIN, command, { encoding: "utf8", timeout: 20_000 });
      expect(run.signal, command.join(" ")).toBeNull();
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/not a regular file/);
      expect(Date.now() - started).toBeLessThan(15_000);
    }
  });
});

describe("Ctrl-C", () => {
  it("during an import: says so, removes the partial import, exits 130", async () => {
    // A file large enough that the import is still running when the signal comes.
    const { longOpus } = await import("../../zarr-opus/test/long-opus.ts");
    const big = join(dir, "long.opus");
    writeFileSync(big, longOpus(3600));
    const archive = join(dir, "interrupted.zarr");
    mkdirSync(archive);
    expect(granule(["import", example, "--archive", archive]).code).toBe(0);
    const child = spawn(BIN, ["import", big, "--archive", archive], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Interrupt once the import has started writing its hidden folder.
    const deadline = Date.now() + 20_000;
    while (!readdirSync(archive).some((n) => n.startsWith(".importing-")) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted while importing .*long\.opus: nothing of it was kept/);
    expect(readdirSync(archive).filter((n) => n.startsWith("."))).toEqual([]);
    expect(JSON.parse(granule(["ls", archive, "--json"]).stdout).length).toBe(1);
  }, 60_000);
});
