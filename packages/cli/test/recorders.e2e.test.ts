// Recorders' files in: WAV and FLAC encoded on the way into an archive, exactly.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { granule, wavInfo } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-recorders-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const recorder = (name: string) => new URL(`../../encode/test/fixtures/${name}`, import.meta.url).pathname;
const json = (args: string[]) => {
  const run = granule(args);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
};

describe("granule import of recorders' files", () => {
  const archive = join(dir, "season.zarr");

  it("encodes WAV and FLAC on the way in: every sample kept, time-expanded above 48 kHz, metadata read", () => {
    const results = json([
      "import",
      recorder("audiomoth-1.6.0-384k.wav"),
      recorder("pcm-s16-44k1-mono.wav"),
      recorder("audiomoth-1.11.1-guano.wav"),
      recorder("flac-16k-mono.flac"),
      "--archive",
      archive,
      "--json",
    ]);
    expect(results.map((r: { id: string; error: string | null }) => [r.id, r.error])).toEqual([
      ["000001", null],
      ["000002", null],
      ["000003", null],
      ["000004", null],
    ]);
    // 19,200 frames at 384 kHz: 19,200 samples, labelled 384 kHz (0.05 s of real time).
    expect(results[0]).toMatchObject({
      totalSamples: 19_200,
      sampleRate: 384_000,
      recordedAt: "2024-05-01T05:30:00.000Z",
    });
    expect(results[0].encodedFrom).toMatchObject({ format: "wav", sampleRate: 384_000, ratePlan: "time-expanded" });
    // 22,050 frames at 44.1 kHz: round(22,050 × 48000 / 44100) = 24,000 samples at 48 kHz.
    expect(results[1]).toMatchObject({ totalSamples: 24_000, sampleRate: 48_000 });
    expect(results[1].encodedFrom.ratePlan).toBe("resampled");
    const rows = json(["ls", archive, "--json"]);
    expect(rows[0]).toMatchObject({
      sourceName: "audiomoth-1.6.0-384k.wav",
      deviceId: "242A260456C03CDB",
      timeExpansion: 8,
    });
    expect(rows[0].encodedFrom).toMatchObject({ format: "wav", channels: 1, bitsPerSample: 16 });
    expect(rows[2].location).toMatchObject({ latitude: expect.any(Number), longitude: expect.any(Number) });
    const info = json(["info", join(archive, "000001"), "--json"]);
    expect(info.encodedFrom.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("addresses a time-expanded recording in real time", () => {
    const out = join(dir, "bat.wav");
    expect(granule(["extract", join(archive, "000001"), "--start", "0.01", "--end", "0.02", "-o", out]).code).toBe(0);
    expect(wavInfo(readFileSync(out))).toMatchObject({ sampleRate: 384_000, dataBytes: 3840 * 2 });
  });

  it("finds a recorder's file already archived by its own SHA-256, before encoding it again", () => {
    const again = granule(["import", recorder("audiomoth-1.6.0-384k.wav"), "--archive", archive]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds this file as recording 000001/);
    const skipped = json([
      "import",
      recorder("audiomoth-1.6.0-384k.wav"),
      "--archive",
      archive,
      "--on-duplicate",
      "skip",
      "--json",
    ]);
    expect(skipped[0]).toMatchObject({ id: "000001", skipped: true });
    expect(json(["ls", archive, "--json"]).length).toBe(4);
  });

  it("reports a damaged WAV and goes on with the others", () => {
    const bytes = readFileSync(recorder("pcm-s16-16k-mono.wav"));
    const cut = join(dir, "cut.wav");
    writeFileSync(cut, bytes.subarray(0, 30)); // inside the fmt chunk
    const run = granule(["import", cut, recorder("pcm-s16-16k-mono.wav"), "--archive", archive, "--json"]);
    expect(run.code).toBe(1);
    const results = JSON.parse(run.stdout);
    expect(results[0].error).toMatch(/byte|truncated|ends/);
    expect(results[1].error).toBeNull();
  });
});

describe("granule info and encode on recorders' files", () => {
  it("info says what a WAV is and what import would do, without decoding it", () => {
    const doc = json(["info", recorder("audiomoth-1.6.0-384k.wav"), "--json"]);
    expect(doc).toMatchObject({ kind: "recorder", format: "wav", sampleRate: 384_000, frames: 19_200 });
    expect(doc.ratePlan).toMatchObject({ kind: "time-expanded", originalSampleRate: 384_000 });
    expect(granule(["info", recorder("audiomoth-1.6.0-384k.wav")]).stdout).toMatch(/on import: time-expanded 8x/);
  });

  it("encode writes a standalone .opus that says its true rate, and refuses to overwrite", () => {
    const out = join(dir, "u.opus");
    expect(granule(["encode", recorder("ultrasonic-384k.wav"), "-o", out]).code).toBe(0);
    expect(json(["info", out, "--json"])).toMatchObject({ sampleRate: 384_000, totalSamples: 38_400 });
    const again = granule(["encode", recorder("ultrasonic-384k.wav"), "-o", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists: pass --overwrite/);
    // Imported as Opus, its declared rate is taken; a contradicting one is refused.
    const archive = join(dir, "from-opus.zarr");
    expect(json(["import", out, "--archive", archive, "--json"])[0]).toMatchObject({ sampleRate: 384_000 });
    const conflict = granule(["import", out, "--archive", join(dir, "c.zarr"), "--original-rate", "250000"]);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toMatch(/declares itself time-expanded from 384000 Hz/);
    // Read as a plain file, the same: its declared rate, or a refusal, never the given one.
    const wav = join(dir, "from-opus.wav");
    const read = granule(["extract", out, "--start", "0.05", "--end", "0.06", "-o", wav]);
    expect(read.code).toBe(0);
    expect(wavInfo(readFileSync(wav))).toMatchObject({ sampleRate: 384_000, dataBytes: 3840 * 2 });
    const relabel = granule(["extract", out, "--original-rate", "250000", "--start", "0", "--end", "0.01", "-o", wav]);
    expect(relabel.code).not.toBe(0);
    expect(relabel.stderr).toMatch(
      /rate given is 250000 Hz, but the file declares itself time-expanded from 384000 Hz/,
    );
  });
});
