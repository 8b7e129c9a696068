// The fuzzer (scripts/fuzz, `npm run fuzz`) for about a minute with a fixed seed, as part of
// `npm test`: any finding fails the test, with what was found and where its input was written.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mutate } from "../scripts/fuzz/mutations.mjs";
import { inputSeed, seededRandom } from "../scripts/fuzz/random.mjs";
import { loadCorpus, REPO, runFuzz } from "../scripts/fuzz/runner.mjs";

const SEED = 20261202;
const SECONDS = 60;

describe("fuzzer", () => {
  it("gives the same mutants for the same seed (a finding can be replayed from its seed and input number)", () => {
    const corpus = loadCorpus();
    for (let n = 0; n < 50; n++) {
      const a = mutate(seededRandom(inputSeed(SEED, n)), { corpus });
      const b = mutate(seededRandom(inputSeed(SEED, n)), { corpus });
      expect(b.steps).toEqual(a.steps);
      expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
    }
  });

  it(`finds nothing in ${SECONDS} s of mutants of the fixtures (seed ${SEED})`, {
    timeout: (SECONDS + 120) * 1000,
  }, async () => {
    const { totals, findings } = await runFuzz({
      seed: SEED,
      seconds: SECONDS,
      workers: 1,
      findingsDir: join(REPO, ".fuzz-findings", "ci"),
      minimizeSeconds: 10,
    });
    console.log(
      `fuzz: ${totals.inputs} inputs in ${totals.seconds} s: ${totals.indexed} indexed, ${totals.extracts} extracts, ${totals.clips} clips, ${totals.imports} archive imports, ${totals.encodes} WAV/FLAC encodes, ${totals.typedErrors} typed errors, ${totals.decodeFaults} decode-failed, ${findings.length} finding(s)`,
    );
    expect(totals.inputs).toBeGreaterThan(100);
    expect(findings.map((f) => `${f.signature} (input ${f.input}: ${f.steps.join("; ")}) -> ${f.dir}`)).toEqual([]);
  });
});
