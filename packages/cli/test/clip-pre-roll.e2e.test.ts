// The attack run of issue 10: a clip's pre-roll longer than OpusHead's pre-skip can hold.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, granule } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-clip-pre-roll-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("granule clip --pre-roll", () => {
  it("a pre-roll the clip's pre-skip cannot hold is a usage error in milliseconds; near the start it still fits", {
    timeout: 60_000,
  }, () => {
    const source = fixture("ffmpeg-stereo.opus");
    const refused = granule([
      "clip",
      source,
      "--start",
      "3",
      "--end",
      "4",
      "--pre-roll",
      "2000",
      "-o",
      join(dir, "a.opus"),
    ]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(
      /--pre-roll 2000 ms: this clip would need a pre-skip of 2006\.5 ms, and a clip holds at most 1365 ms/,
    );
    const fits = granule([
      "clip",
      source,
      "--start",
      "0.5",
      "--end",
      "1",
      "--pre-roll",
      "2000",
      "-o",
      join(dir, "b.opus"),
    ]);
    expect(fits.code, fits.stderr).toBe(0);
  });
});
