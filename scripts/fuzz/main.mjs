// npm run fuzz [-- --seed N --seconds S --workers W --corpus DIR[,DIR] --minimize-seconds S]
// A seeded, time-bounded mutation fuzzer over the Ogg Opus fixtures through the library (see
// oracles.mjs for what it checks). Findings go to .fuzz-findings/ (git-ignored): per finding
// its input, a minimized input and a JSON description. Exits 1 if it found anything.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadCorpus, REPO, runFuzz } from "./runner.mjs";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    seconds: { type: "string", default: "60" },
    workers: { type: "string", default: "1" },
    corpus: { type: "string" },
    "minimize-seconds": { type: "string", default: "60" },
    "max-inputs": { type: "string" },
    out: { type: "string", default: join(REPO, ".fuzz-findings") },
  },
});
const seed = Number(values.seed);
const seconds = Number(values.seconds);
const workers = Number(values.workers);
if (!Number.isSafeInteger(seed) || !(seconds > 0) || !(workers >= 1 && workers <= 2)) {
  console.error(
    "usage: npm run fuzz -- [--seed N] [--seconds S] [--workers 1|2] [--corpus dir,dir] [--minimize-seconds S]",
  );
  process.exit(2);
}
const corpus = loadCorpus(values.corpus?.split(","));
console.log(
  `fuzz: seed ${seed}, ${seconds} s, ${workers} worker(s), ${corpus.length} corpus files; findings in ${values.out}`,
);
const { totals, findings } = await runFuzz({
  seed,
  seconds,
  workers,
  corpus,
  findingsDir: values.out,
  minimizeSeconds: Number(values["minimize-seconds"]),
  maxInputs: values["max-inputs"] === undefined ? undefined : Number(values["max-inputs"]),
  log: (line) => console.log(line),
});
console.log(
  `fuzz: ${totals.inputs} inputs in ${totals.seconds} s (${totals.indexed} indexed, ${totals.extracts} extracts, ${totals.clips} clips, ${totals.sparse} sparse reads compared, ${totals.imports} imports, ${totals.encodes} WAV/FLAC encodes, ${totals.typedErrors} typed errors, ${totals.decodeFaults} decode-failed, ${totals.traps} with a WASM trap or stack overflow); ${totals.findings} failing input(s), ${findings.length} distinct finding(s)`,
);
for (const f of findings) console.log(`  ${f.signature} (x${f.repeats + 1})${f.dir ? ` -> ${f.dir}` : ""}`);
process.exit(findings.length > 0 ? 1 : 0);
