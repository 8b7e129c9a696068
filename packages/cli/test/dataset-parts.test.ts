// The pure pieces of split jobs and manifests: parts from K/N and schedulers' variables, the
// balanced deterministic assignment, UTC times of samples, manifest CSV cells.
import { describe, expect, it } from "vitest";
import { assignParts, parsePart, partSuffix } from "../src/commands/job-part.ts";
import { manifestCsv, utcAt } from "../src/commands/manifest.ts";

describe("--part", () => {
  it("reads K/N (1-based) and refuses what is not a part", () => {
    expect(parsePart("2/8", {})).toEqual({ index: 2, count: 8 });
    expect(parsePart(undefined, { SLURM_ARRAY_TASK_ID: "3" })).toBeUndefined(); // opt-in only
    for (const bad of ["0/4", "5/4", "1/0", "2", "a/b", "-1/4"])
      expect(() => parsePart(bad, {}), bad).toThrow(/--part/);
  });

  it("takes a SLURM array's task from its id, min and step", () => {
    expect(parsePart("auto", { SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "4" })).toEqual({
      index: 1,
      count: 4,
    });
    expect(
      parsePart("auto", { SLURM_ARRAY_TASK_ID: "8", SLURM_ARRAY_TASK_COUNT: "8", SLURM_ARRAY_TASK_MIN: "1" }),
    ).toEqual({ index: 8, count: 8 });
    expect(
      parsePart("auto", {
        SLURM_ARRAY_TASK_ID: "10",
        SLURM_ARRAY_TASK_COUNT: "8",
        SLURM_ARRAY_TASK_MIN: "0",
        SLURM_ARRAY_TASK_STEP: "2",
      }),
    ).toEqual({ index: 6, count: 8 });
    expect(() =>
      parsePart("auto", { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "8", SLURM_ARRAY_TASK_STEP: "2" }),
    ).toThrow(/not on the array's grid/);
    expect(() =>
      parsePart("auto", { SLURM_ARRAY_TASK_ID: "9", SLURM_ARRAY_TASK_COUNT: "4", SLURM_ARRAY_TASK_MIN: "1" }),
    ).toThrow(/must be 1 to 4, not 9/);
  });

  it("refuses an N that contradicts the SLURM array, and two schedulers' variables at once", () => {
    // A 2-task array with auto/4 once did parts 1 and 2 of 4, exit 0: half the job.
    expect(() => parsePart("auto/4", { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2" })).toThrow(
      /auto\/4 names 4 parts, but this SLURM array has 2 tasks/,
    );
    expect(parsePart("auto/2", { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2" })).toEqual({
      index: 2,
      count: 2,
    });
    expect(parsePart("auto/3", { SLURM_ARRAY_TASK_ID: "1" })).toEqual({ index: 2, count: 3 });
    expect(() => parsePart("auto/4", { SLURM_ARRAY_TASK_ID: "1", JOB_COMPLETION_INDEX: "1" })).toThrow(
      /both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX/,
    );
  });

  it("takes a Kubernetes indexed Job's part from JOB_COMPLETION_INDEX and the count given", () => {
    expect(parsePart("auto/5", { JOB_COMPLETION_INDEX: "0" })).toEqual({ index: 1, count: 5 });
    expect(parsePart("auto/5", { JOB_COMPLETION_INDEX: "4" })).toEqual({ index: 5, count: 5 });
    expect(() => parsePart("auto", { JOB_COMPLETION_INDEX: "4" })).toThrow(/give --part auto\/N/);
    expect(() => parsePart("auto/5", { JOB_COMPLETION_INDEX: "5" })).toThrow(/must be 1 to 5/);
    expect(() => parsePart("auto", {})).toThrow(/SLURM_ARRAY_TASK_ID .* or JOB_COMPLETION_INDEX/);
  });

  it("assigns every item to exactly one part, balanced by duration, the same way every time", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 50; trial++) {
      const durations = Array.from({ length: 1 + Math.floor(random() * 300) }, () => 0.5 + random() * 10);
      const count = 1 + Math.floor(random() * 12);
      const parts = assignParts(durations, count);
      expect(assignParts([...durations], count)).toEqual(parts);
      expect(parts.every((p) => Number.isInteger(p) && p >= 1 && p <= count)).toBe(true);
      const load = new Array(count).fill(0);
      parts.forEach((p, i) => {
        load[p - 1] += durations[i]!;
      });
      // Each part's audio is within one item's duration of total / N.
      const total = durations.reduce((a, b) => a + b, 0);
      for (const l of load) expect(Math.abs(l - total / count)).toBeLessThanOrEqual(Math.max(...durations) + 1e-9);
      // Runs: in the given order, parts never go back.
      for (let i = 1; i < parts.length; i++) expect(parts[i]!).toBeGreaterThanOrEqual(parts[i - 1]!);
    }
    expect(assignParts([3, 3, 3, 3, 3], 2)).toEqual([1, 1, 2, 2, 2]);
    // In the order given (here: by time), not the input order.
    expect(assignParts([1, 1, 1, 1], 2, [3, 2, 1, 0])).toEqual([2, 2, 1, 1]);
    expect(partSuffix({ index: 2, count: 8 })).toBe("-part-2-of-8");
    expect(partSuffix(undefined)).toBe("");
  });
});

describe("manifests", () => {
  it("gives a sample's UTC time to the microsecond, at the recording's true rate", () => {
    expect(utcAt("2025-04-16T05:39:59.000Z", 0, 48_000)).toBe("2025-04-16T05:39:59.000000Z");
    expect(utcAt("2025-04-16T05:39:59.000Z", 48_002, 48_000)).toBe("2025-04-16T05:40:00.000042Z");
    expect(utcAt("2025-04-16T05:39:59.250Z", 384_000 * 61 + 1, 384_000)).toBe("2025-04-16T05:41:00.250003Z");
    expect(utcAt("2025-12-31T23:59:59.999Z", 48, 48_000)).toBe("2026-01-01T00:00:00.000000Z");
    // Before 1970 (negative epoch time): once "1969-12-31T23:59:58.001-979Z".
    expect(utcAt("1969-12-31T23:59:58.000Z", 48, 48_000)).toBe("1969-12-31T23:59:58.001000Z");
    expect(utcAt("1969-12-31T23:59:59.999Z", 1, 48_000)).toBe("1969-12-31T23:59:59.999021Z");
    expect(utcAt("1969-12-31T23:59:59.999Z", 48, 48_000)).toBe("1970-01-01T00:00:00.000000Z");
  });

  it("quotes cells with commas, quotes or line breaks (RFC 4180)", () => {
    expect(
      manifestCsv(
        [{ file: "a,b.wav", n: 1, label: 'say "hi"', note: "two\nlines", empty: null }],
        ["file", "n", "label", "note", "empty"],
      ),
    ).toBe('file,n,label,note,empty\n"a,b.wav",1,"say ""hi""","two\nlines",\n');
  });
});

describe("--meta", () => {
  it("refuses a key given twice with two values (no recording holds both); the same pair twice is one", async () => {
    const { selectionOf } = await import("../src/selection-options.ts");
    expect(() => selectionOf({ meta: ["site=wood", "site=marsh"] })).toThrow(
      /--meta site is given twice, as "wood" and "marsh"/,
    );
    expect(selectionOf({ meta: ["site=wood", "site=wood", "q=a=b"] }).metadata).toEqual({ site: "wood", q: "a=b" });
  });
});
