// node scripts/fuzz/replay.mjs <finding dir | input file> [inputSeed]
// Runs one input's checks in this process (no worker, no time limit) and prints the finding
// with its whole stack: for debugging a finding and checking a fix.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkInput, Finding, makeCanary, scratchFolder } from "./oracles.mjs";
import { REPO } from "./runner.mjs";

const [target, seedArgument] = process.argv.slice(2);
const isDir = statSync(target).isDirectory();
const facts = isDir ? JSON.parse(readFileSync(join(target, "finding.json"), "utf8")) : {};
const bytes = new Uint8Array(readFileSync(isDir ? join(target, "minimized.opus") : target));
const seed = Number(seedArgument ?? facts.inputSeed ?? 1);
const kind = /\.(wav|flac|oga)$/.test(facts.base ?? target) ? "pcm" : "ogg";
const canary = await makeCanary(new Uint8Array(readFileSync(join(REPO, "fixtures/ffmpeg-stereo.opus"))));
const scratch = scratchFolder();
try {
  const counts = await checkInput(bytes, { seed, canary, scratch: scratch.path, kind });
  console.log("no finding:", JSON.stringify(counts));
} catch (error) {
  if (error instanceof Finding) {
    console.log(`${error.oracle}: ${error.message}`);
    if (error.details?.error?.stack) console.log(error.details.error.stack);
    process.exitCode = 1;
  } else throw error;
} finally {
  scratch.dispose();
}
