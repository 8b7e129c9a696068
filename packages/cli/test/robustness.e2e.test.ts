import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildIndex } from "@granule/opus-index";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, example, fixture, granule } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "granule-robust-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hasScript = spawnSync("script", ["--version"]).status === 0;

describe("on a terminal", () => {
  it.skipIf(!hasScript)("ends after an error instead of hanging on a progress bar", () => {
    // `script` gives the command a pseudo-terminal, so progress bars are on.
    for (const command of ["info", "index"]) {
      const run = spawnSync("script", ["-qec", `${BIN} ${command} ${fixture("vorbis.ogg")}`, "/dev/null"], {
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(run.signal, command).toBeNull();
      expect(run.stdout).toMatch(/no Opus stream/);
    }
  });
});

describe("pipes and stdout", () => {
  it("ends quietly when the reader closes the pipe early", () => {
    const run = spawnSync(
      "bash",
      [
        "-c",
        `'${BIN}' extract '${example}' --start 0 --end 20 --format f32 -o - | head -c 100 > /dev/null; echo "status \${PIPESTATUS[0]}"`,
      ],
      {
        encoding: "utf8",
      },
    );
    expect(run.stdout).toMatch(/status 0/);
    expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });

  it("refuses -o - with --json, which would mix the two on stdout", () => {
    const run = granule(["extract", example, "--start", "1", "--end", "2", "-o", "-", "--json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/choose one/);
    expect(run.bytes.length).toBe(0);
  });

  it("writes a clip to stdout with -o -", async () => {
    const run = granule(["clip", example, "--start", "2", "--end", "3", "-o", "-"]);
    expect(run.code).toBe(0);
    const index = await buildIndex(new Uint8Array(run.bytes), { workers: 0, strict: true });
    expect(index.totalSamples).toBe(48_000);
  });
});

describe("import arguments", () => {
  it("takes --meta anywhere, repeated", () => {
    const archive = join(dir, "meta.zarr");
    const run = granule(["import", "--archive", archive, "--meta", "site=x", "--meta", "plot=7", example, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)[0].id).toBe("000001");
    const attributes = JSON.parse(readFileSync(join(archive, "000001", "zarr.json"), "utf8")).attributes;
    expect(JSON.stringify(attributes)).toMatch(/"site":"x".*"plot":"7"|"plot":"7".*"site":"x"/);
  });

  it("checks every option before creating anything: a usage error (exit 2) and no archive", () => {
    const cases: [string[], RegExp][] = [
      [["--recorded-at", "yesterday"], /--recorded-at: .*not an ISO 8601 time/],
      [["--utc-offset", "2h"], /--utc-offset "2h"/],
      [["--id", "../x"], /--id "..\/x" is not a recording id/],
      [["--original-rate", "fast"], /--original-rate "fast" is not a whole number/],
      [["--meta", "novalue"], /--meta "novalue" is not key=value/],
    ];
    for (const [options, message] of cases) {
      const archive = join(dir, `bad-${options[0]!.slice(2)}.zarr`);
      const run = granule(["import", example, "--archive", archive, ...options]);
      expect(run.code, options.join(" ")).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(existsSync(archive)).toBe(false);
    }
  });
});

describe("messages that say where", () => {
  it("names the CSV row of a range outside the recording", () => {
    const csv = join(dir, "late.csv");
    writeFileSync(csv, "start,end\n1,2\n19,25\n");
    const run = granule(["extract", example, "--segments", csv, "--out-dir", join(dir, "late")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/late.csv row 3: 19.000 s-25.000 s goes past the end/);
  });

  it("calls a missing archive a usage error, and refuses --sample-rate for an archived recording", () => {
    const missing = granule(["ls", join(dir, "nowhere.zarr")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nowhere.zarr: no such archive directory/);
    const archive = join(dir, "meta.zarr");
    const rate = granule(["info", join(archive, "000001"), "--sample-rate", "384000"]);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toMatch(/knows its own rate/);
  });
});
