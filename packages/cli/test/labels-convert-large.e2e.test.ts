import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readTable, writeTable } from "@granule/labels";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, granule } from "./cli.ts";

// labels convert reads a table a chunk at a time and writes it a batch at a time: a table of
// several batches (megabytes) comes out as the library writes it, and a row found wrong late
// leaves no output behind.
const dir = mkdtempSync(join(tmpdir(), "granule-convert-large-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const makeTable = fileURLToPath(new URL("../../labels/bench/make-table.mjs", import.meta.url));

describe("granule labels convert of a large table", () => {
  it("writes, to a file or stdout, the bytes writeTable gives", () => {
    const season = join(dir, "season.BirdNET.selection.table.txt");
    execFileSync(process.execPath, [makeTable, "--rows", "70000", "--format", "raven", "--out", season]);
    const expected = writeTable(readTable(new Uint8Array(readFileSync(season))), "csv");
    expect(expected.length).toBeGreaterThan(4 << 20);
    const out = join(dir, "season.csv");
    const run = granule(["labels", "convert", season, "--to", "csv", "-o", out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("converted 70000 label(s) from raven to csv");
    expect(readFileSync(out, "utf8")).toBe(expected);
    // (spawnSync keeps 1 MiB of a child's stdout unless told more)
    const stdout = spawnSync(BIN, ["labels", "convert", season, "--to", "csv", "-o", "-"], {
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    expect(stdout.status, stdout.stderr).toBe(0);
    expect(stdout.stdout).toBe(expected);
  });

  it("refuses a row the target cannot hold late in the table, leaving no output", () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => `${i},${i + 1},call ${i}`);
    rows.push('100000,100001,"a\tb"');
    const table = join(dir, "late.csv");
    writeFileSync(table, `start,end,label\n${rows.join("\n")}\n`);
    const out = join(dir, "late.raven.txt");
    const run = granule(["labels", "convert", table, "--to", "raven", "-o", out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/late\.csv row 100002 column "Annotation": "a\\tb" holds a tab or line break/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((name) => name.includes("late.raven"))).toEqual([]);
  });
});
