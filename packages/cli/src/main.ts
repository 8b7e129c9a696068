// What the installed `granule` command loads at start (bin/granule.js, through the bundle of
// this file and its imports in bundle/): the program and its options, nothing a command does
// not use. The library surface (index.ts) re-exports this.
import { createRequire } from "node:module";
import { buildProgram, type Io } from "./program.ts";
import { reportError } from "./report-error.ts";
import { Interrupted } from "./usage-error.ts";

export { Interrupted };

const version = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

/**
 * Runs `granule` with the given arguments; resolves to the exit code. `signal` stops the run
 * (the installed command aborts it on Ctrl-C): what the run was making is removed, and the
 * exit code is 130 (143 for SIGTERM).
 */
export async function main(argv: string[], io: Io = defaultIo, signal?: AbortSignal): Promise<number> {
  const state = { exitCode: 0 };
  const program = buildProgram(io, state, version, signal);
  try {
    await program.parseAsync(argv, { from: "user" });
    return state.exitCode;
  } catch (error) {
    // Loaded here: only a command that writes files has opened any (and loaded this module).
    const { abortOpenOutputs } = await import("./output-file.ts");
    await abortOpenOutputs();
    // Interrupted, whatever failed on the way out is the interrupt (unless a command said more).
    const reported = signal?.aborted && !(error instanceof Interrupted) ? (signal.reason ?? error) : error;
    return reportError(reported, argv.includes("--debug"), io.err);
  }
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};
