// The attack run of issue 10: a folder that is not a recording, given as a source.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, granule } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-folder-source-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a folder given as a source", () => {
  it("a plain folder, or an archive's own folder, is a usage error (exit 2) that says what to name", {
    timeout: 60_000,
  }, () => {
    const plain = join(dir, "recordings");
    mkdirSync(plain);
    for (const command of [
      ["info", plain],
      ["extract", plain, "--start", "0", "--end", "1", "-o", join(dir, "a.wav")],
    ]) {
      const run = granule(command);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/is a folder with no zarr\.json: neither an archive's recording/);
    }
    const archive = join(dir, "a.zarr");
    expect(granule(["import", fixture("ffmpeg-stereo.opus"), "--archive", archive]).code).toBe(0);
    const run = granule(["info", archive]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/is an archive: name one of its recordings .*granule ls/);
    expect(granule(["info", join(archive, "000001")]).code).toBe(0);
  });
});
