// The attack run of issue 10: a recording whose zarr.json was deleted must not vanish from `ls` in silence.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, granule } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-damaged-ls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("granule ls on a damaged archive", () => {
  it("lists the sound recordings and names on stderr each one it leaves out, with what is wrong", {
    timeout: 60_000,
  }, () => {
    const archive = join(dir, "a.zarr");
    const imported = granule([
      "import",
      fixture("ffmpeg-stereo.opus"),
      fixture("opusenc-mono.opus"),
      "--archive",
      archive,
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    rmSync(join(archive, "000002", "zarr.json"));
    const run = granule(["ls", archive]);
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .split("\n")
        .filter((line) => /^\d{6}\t/.test(line))
        .map((line) => line.split("\t")[0]),
    ).toEqual(["000001"]);
    expect(run.stderr).toMatch(/000002 is not listed: bad-metadata: .*no zarr\.json/);
    const json = granule(["ls", archive, "--json"]);
    expect(JSON.parse(json.stdout).map((r: { id: string }) => r.id)).toEqual(["000001"]);
    expect(json.stderr).toMatch(/000002 is not listed/);
  });
});
