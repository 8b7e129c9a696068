// Runs inputs in worker threads with a hard time limit and a heap limit, and the fuzzing loop
// itself: seeded mutants of the corpus, findings deduplicated by signature, minimized, and
// written under the findings folder. Used by `npm run fuzz` (main.mjs) and test/fuzz.test.ts.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { minimize } from "./minimize.mjs";
import { mutate } from "./mutations.mjs";
import { inputSeed, seededRandom } from "./random.mjs";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = new URL("./worker.mjs", import.meta.url);

/** The bound: nothing may take longer than this per input. */
export const INPUT_TIMEOUT_MS = 5000;
/** Heap per worker: an input that needs more is a finding (unbounded memory). */
const WORKER_HEAP_MB = 768;

/** The default corpus: Ogg files from real tools, the derived damaged ones, the decoder-fault ones. */
export const DEFAULT_CORPUS = [
  "fixtures",
  "fixtures/derived",
  "packages/extract/test/fixtures",
  "packages/encode/test/fixtures",
];

/** Reads the corpus: every .opus/.ogg/.bin file in the given folders (or the files themselves). */
export function loadCorpus(paths = DEFAULT_CORPUS) {
  const files = [];
  for (const path of paths) {
    const full = join(REPO, path);
    const names = statSync(full).isDirectory()
      ? readdirSync(full)
          .filter((n) => /\.(opus|ogg|bin|wav|flac|oga)$/.test(n))
          .sort()
          .map((n) => join(full, n))
      : [full];
    for (const file of names) {
      // Recorders' files go through @granule/encode, the rest through the Ogg Opus packages.
      const kind = /\.(wav|flac|oga)$/.test(file) ? "pcm" : "ogg";
      files.push({ name: relative(REPO, file), kind, bytes: new Uint8Array(readFileSync(file)) });
    }
  }
  if (files.length === 0) throw new Error(`no corpus files in ${paths.join(", ")}`);
  return files;
}

/** One worker thread, restarted after a time-out or a crash. */
export class WorkerSlot {
  #worker = null;
  #ready = null;
  #pending = null;
  #nextId = 0;

  #start() {
    const worker = new Worker(WORKER, {
      workerData: { canaryPath: join(REPO, "fixtures/ffmpeg-stereo.opus") },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    this.#worker = worker;
    this.#ready = new Promise((resolve, reject) => {
      const onMessage = (message) => {
        if (message.ready) {
          worker.off("error", reject);
          resolve();
        }
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
    worker.on("message", (message) => {
      if (message.id !== undefined && this.#pending?.id === message.id) this.#settle(message);
    });
    worker.on("error", (error) => {
      const oracle = error?.code === "ERR_WORKER_OUT_OF_MEMORY" ? "memory" : "worker-crash";
      this.#settle({ finding: { oracle, message: `${error?.code ?? ""} ${error?.message ?? error}`.trim() } });
      this.#worker = null;
    });
    worker.on("exit", (code) => {
      if (this.#worker === worker) this.#worker = null;
      this.#settle({ finding: { oracle: "worker-crash", message: `the worker exited with code ${code}` } });
    });
  }

  #settle(message) {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    clearTimeout(pending.timer);
    pending.resolve({ ...message, milliseconds: performance.now() - pending.started });
  }

  /** Checks one input: `{counts}` or `{finding}`, with the milliseconds it took. */
  async run(bytes, seed, kind = "ogg", timeoutMs = INPUT_TIMEOUT_MS) {
    if (this.#worker === null) this.#start();
    await this.#ready;
    const worker = this.#worker;
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#worker = null;
        this.#settle({
          finding: { oracle: "timeout", message: `no answer within ${timeoutMs} ms (the worker was stopped)` },
        });
        worker.terminate();
      }, timeoutMs);
      this.#pending = { id, resolve, timer, started: performance.now() };
      worker.postMessage({ id, bytes, seed, kind });
    });
  }

  async close() {
    const worker = this.#worker;
    this.#worker = null;
    if (worker !== null) await worker.terminate();
  }
}

/** Findings that are the same bug: the oracle and the message with its numbers taken out. */
export function signatureOf(finding) {
  const error = finding.details?.error;
  const top =
    error?.stack
      ?.split("\n")[1]
      ?.trim()
      .replace(/:\d+:\d+\)?$/, "") ?? "";
  const message = finding.message.replace(/"[^"]*"/g, '"…"').replace(/-?\d+(\.\d+)?(e-?\d+)?/g, "#");
  return `${finding.oracle}: ${message.slice(0, 160)} ${top}`;
}

/**
 * The fuzzing loop: mutants of the corpus until `seconds` have passed (or `maxInputs` were
 * tried), on `workers` threads. Each new kind of finding is confirmed (run again in a fresh
 * worker: a time-out on a busy machine must repeat), minimized when `minimizeSeconds` > 0, and
 * written to `findingsDir` (when given). Returns the counts and the findings.
 */
export async function runFuzz(options) {
  const {
    seed = 1,
    seconds = 60,
    workers = 1,
    corpus = loadCorpus(),
    findingsDir = null,
    minimizeSeconds = 30,
    maxInputs,
    log = () => {},
  } = options;
  const deadline = performance.now() + seconds * 1000;
  const slots = Array.from({ length: workers }, () => new WorkerSlot());
  const totals = {
    inputs: 0,
    indexed: 0,
    extracts: 0,
    clips: 0,
    sparse: 0,
    imports: 0,
    encodes: 0,
    typedErrors: 0,
    decodeFaults: 0,
    traps: 0,
    findings: 0,
    seconds: 0,
  };
  /** Inputs on which the WASM decoder trapped or overflowed its stack: kept as fixture material. */
  let trapsKept = 0;
  const bySignature = new Map();
  let next = 0;
  const started = performance.now();

  const record = async (slot, n, mutant, inputSeedValue, finding) => {
    totals.findings++;
    const signature = signatureOf(finding);
    const known = bySignature.get(signature);
    if (known !== undefined) {
      known.repeats++;
      return;
    }
    // Confirm in a fresh worker: a time-out or crash must repeat to count.
    if (finding.oracle === "timeout" || finding.oracle === "worker-crash" || finding.oracle === "memory") {
      const confirm = new WorkerSlot();
      const again = await confirm.run(mutant.bytes, inputSeedValue, mutant.kind);
      await confirm.close();
      if (again.finding?.oracle !== finding.oracle) {
        log(
          `input ${n}: ${finding.oracle} did not repeat in a fresh worker (${again.milliseconds.toFixed(0)} ms); not counted`,
        );
        totals.findings--;
        return;
      }
    }
    const entry = {
      seed,
      input: n,
      inputSeed: inputSeedValue,
      base: mutant.base,
      steps: mutant.steps,
      ...finding,
      signature,
      repeats: 0,
    };
    bySignature.set(signature, entry);
    log(`input ${n} (${mutant.base}; ${mutant.steps.join("; ")}): ${finding.oracle}: ${finding.message}`);
    let smallest = mutant.bytes;
    if (minimizeSeconds > 0) {
      smallest = await minimize(mutant.bytes, {
        stillFails: async (candidate) => {
          const result = await slot.run(candidate, inputSeedValue, mutant.kind);
          return result.finding !== undefined && signatureOf(result.finding) === signature;
        },
        seconds: minimizeSeconds,
      });
      entry.minimizedByteLength = smallest.length;
      log(`  minimized ${mutant.bytes.length} -> ${smallest.length} bytes`);
    }
    entry.byteLength = mutant.bytes.length;
    if (findingsDir !== null) {
      const dir = join(findingsDir, `${seed}-${n}-${finding.oracle}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "input.opus"), mutant.bytes);
      writeFileSync(join(dir, "minimized.opus"), smallest);
      writeFileSync(join(dir, "finding.json"), `${JSON.stringify(entry, null, 2)}\n`);
      entry.dir = dir;
    }
  };

  const loop = async (slot) => {
    while (performance.now() < deadline && next < (maxInputs ?? Number.POSITIVE_INFINITY)) {
      const n = next++;
      const seedOfInput = inputSeed(seed, n);
      const random = seededRandom(seedOfInput);
      const mutant = mutate(random, { corpus });
      const result = await slot.run(mutant.bytes, seedOfInput, mutant.kind);
      totals.inputs++;
      if (result.finding !== undefined) await record(slot, n, mutant, seedOfInput, result.finding);
      else {
        for (const key of [
          "indexed",
          "extracts",
          "clips",
          "sparse",
          "imports",
          "encodes",
          "typedErrors",
          "decodeFaults",
          "traps",
        ]) {
          totals[key] += result.counts[key] ?? 0;
        }
        if (result.counts.traps > 0 && findingsDir !== null && trapsKept < 20) {
          // Not a finding (a trap is a typed decode-failed and the canary checked the decoder
          // after it), but packets that trap the WASM decoder are fixture material.
          trapsKept++;
          const dir = join(findingsDir, "decoder-faults");
          mkdirSync(dir, { recursive: true });
          const name = `${seed}-${n}-${result.counts.faultKinds.join("+")}`;
          writeFileSync(join(dir, `${name}.opus`), mutant.bytes);
          const facts = { seed, input: n, inputSeed: seedOfInput, base: mutant.base, steps: mutant.steps };
          writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(facts, null, 2)}\n`);
        }
      }
    }
  };
  try {
    await Promise.all(slots.map(loop));
  } finally {
    await Promise.all(slots.map((s) => s.close()));
  }
  totals.seconds = Math.round((performance.now() - started) / 100) / 10;
  const findings = [...bySignature.values()];
  if (findingsDir !== null) {
    mkdirSync(findingsDir, { recursive: true });
    writeFileSync(
      join(findingsDir, `run-${seed}.json`),
      `${JSON.stringify({ seed, seconds, workers, totals, findings: findings.map((f) => f.signature) }, null, 2)}\n`,
    );
  }
  return { totals, findings };
}
