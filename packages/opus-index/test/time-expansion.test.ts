import { declaredOriginalRate, OpusError, plainFileRate } from "@granule/opus-index";
import { describe, expect, it } from "vitest";

const tags = (...comments: string[]) => ({ vendor: "test", comments });
const EXPANDED = tags("RATE_PLAN=time-expanded", "ORIGINAL_SAMPLE_RATE=384000", "TIME_EXPANSION=8");

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof OpusError) return error.code;
    throw error;
  }
  return undefined;
}

describe("a plain file's true rate", () => {
  it("is what a time-expanded file declares, else the caller's, else 48 kHz", () => {
    expect(plainFileRate(EXPANDED, undefined)).toBe(384_000);
    expect(plainFileRate(EXPANDED, 384_000)).toBe(384_000);
    expect(plainFileRate(tags("ARTIST=x"), 250_000)).toBe(250_000);
    expect(plainFileRate(tags(), undefined)).toBe(48_000);
    // A rate without the plan is not a declaration (an ordinary encoder's note, say).
    expect(declaredOriginalRate(tags("ORIGINAL_SAMPLE_RATE=96000"))).toBeUndefined();
  });

  it("refuses a given rate that contradicts the declared one, and tags that contradict each other", () => {
    expect(codeOf(() => plainFileRate(EXPANDED, 250_000))).toBe("invalid-argument");
    expect(() => plainFileRate(EXPANDED, 250_000)).toThrow(/given is 250000 Hz.*from 384000 Hz/);
    const twoRates = tags("RATE_PLAN=time-expanded", "ORIGINAL_SAMPLE_RATE=384000", "ORIGINAL_SAMPLE_RATE=256000");
    expect(codeOf(() => plainFileRate(twoRates, undefined))).toBe("bad-tags");
    const badFactor = tags("RATE_PLAN=time-expanded", "ORIGINAL_SAMPLE_RATE=384000", "TIME_EXPANSION=4");
    expect(codeOf(() => plainFileRate(badFactor, undefined))).toBe("bad-tags");
  });

  it("takes a given rate that one of two disagreeing tags names, and refuses any other", () => {
    const badFactor = tags("RATE_PLAN=time-expanded", "ORIGINAL_SAMPLE_RATE=384000", "TIME_EXPANSION=4");
    expect(plainFileRate(badFactor, 384_000)).toBe(384_000);
    expect(plainFileRate(badFactor, 192_000)).toBe(192_000); // 4 x 48 kHz
    expect(codeOf(() => plainFileRate(badFactor, 250_000))).toBe("bad-tags");
    const twoRates = tags("RATE_PLAN=time-expanded", "ORIGINAL_SAMPLE_RATE=384000", "ORIGINAL_SAMPLE_RATE=256000");
    expect(plainFileRate(twoRates, 256_000)).toBe(256_000);
  });
});
