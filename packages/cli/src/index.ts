import { createRequire } from "node:module";
import { buildProgram, type Io } from "./program.ts";
import { reportError } from "./report-error.ts";

export { type NamedSegment, parseSegmentsCsv } from "./segments-csv.ts";
export { formatDuration, parseSample, parseTime } from "./time.ts";
export { UsageError } from "./usage-error.ts";

const version = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

/** Runs `granule` with the given arguments; resolves to the exit code. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const state = { exitCode: 0 };
  const program = buildProgram(io, state, version);
  try {
    await program.parseAsync(argv, { from: "user" });
    return state.exitCode;
  } catch (error) {
    return reportError(error, argv.includes("--debug"), io.err);
  }
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};
