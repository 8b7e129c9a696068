// The fuzzer's worker thread: checks the inputs the runner posts, one at a time, and answers
// with counts or a finding. A thread of its own so that the runner can stop it at the time
// limit (a hang) and bound its heap (resourceLimits), and so that a broken decoder state
// cannot leak from one worker into the runner.
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { checkInput, describeError, Finding, makeCanary, scratchFolder } from "./oracles.mjs";

const canary = await makeCanary(new Uint8Array(readFileSync(workerData.canaryPath)));
const scratch = scratchFolder();
process.on("exit", () => scratch.dispose());

parentPort.on("message", async ({ id, bytes, seed, kind }) => {
  try {
    const counts = await checkInput(bytes, { seed, canary, scratch: scratch.path, kind });
    parentPort.postMessage({ id, counts });
  } catch (error) {
    const finding =
      error instanceof Finding
        ? { oracle: error.oracle, message: error.message, details: error.details }
        : {
            oracle: "fuzzer-fault",
            message: String(error?.message ?? error),
            details: { error: describeError(error) },
          };
    parentPort.postMessage({ id, finding });
  }
});
parentPort.postMessage({ ready: true });
