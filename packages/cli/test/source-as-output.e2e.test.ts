// The attack run of issue 10 (scripts/fuzz, notes): an output path that is the source itself.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, granule } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-source-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const original = readFileSync(fixture("ffmpeg-stereo.opus"));

function freshCopy(name: string): string {
  const path = join(dir, name);
  copyFileSync(fixture("ffmpeg-stereo.opus"), path);
  return path;
}

describe("an output that is the recording being read", () => {
  const cases: [string, (source: string, output: string) => string[]][] = [
    ["index -o", (source, output) => ["index", source, "-o", output]],
    [
      "extract -o --overwrite",
      (source, output) => [
        "extract",
        source,
        "--start",
        "0",
        "--end",
        "1",
        "-o",
        output,
        "--format",
        "wav",
        "--overwrite",
      ],
    ],
    [
      "clip -o --overwrite",
      (source, output) => ["clip", source, "--start", "0", "--end", "1", "-o", output, "--overwrite"],
    ],
  ];
  for (const [what, args] of cases) {
    it(`${what}: refused as a usage error (exit 2), by name or through a link; the recording is untouched`, () => {
      const source = freshCopy(`${what.split(" ")[0]}.opus`);
      const link = join(dir, `${what.split(" ")[0]}-link.opus`);
      symlinkSync(source, link);
      for (const output of [source, link]) {
        const run = granule(args(source, output));
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(/is the source .*never replaces the recording it reads/);
        expect(readFileSync(source).equals(original)).toBe(true);
      }
    });
  }

  it("index -o refuses a file that is not a sidecar, and replaces its own sidecar when run again", () => {
    const source = freshCopy("notes-case.opus");
    const notes = join(dir, "notes.txt");
    writeFileSync(notes, "field notes\n");
    const refused = granule(["index", source, "-o", notes]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is not a granule index sidecar/);
    expect(readFileSync(notes, "utf8")).toBe("field notes\n");
    expect(granule(["index", source]).code).toBe(0);
    expect(granule(["index", source]).code).toBe(0);
    expect(readFileSync(`${source}.idx`).subarray(0, 7).toString()).toBe("GRNLIDX");
  });
});
