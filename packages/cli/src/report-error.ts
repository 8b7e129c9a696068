import { CommanderError } from "commander";
import { EXIT_BAD_DATA, EXIT_OK, EXIT_USAGE, UsageError } from "./usage-error.ts";

/** Bad-data errors of the granule packages: a name and a code, maybe a byte offset. */
const DATA_ERRORS = new Set(["OggError", "OpusError", "ExtractError", "ArchiveError"]);

/**
 * Prints an error as one or two lines (a stack trace only with --debug) and gives its exit
 * code: 2 for mistakes in the call (and for arguments a library refused), 1 for bad data.
 */
export function reportError(error: unknown, debug: boolean, write: (text: string) => void): number {
  if (error instanceof CommanderError) {
    // commander has printed its own message already.
    return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.exitCode === 0
      ? EXIT_OK
      : EXIT_USAGE;
  }
  const e = error as Error & { code?: string; byteOffset?: number };
  let code: number;
  let message = e?.message ?? String(error);
  if (error instanceof UsageError || error instanceof RangeError) {
    code = EXIT_USAGE;
  } else if (DATA_ERRORS.has(e?.name) && e.code === "invalid-argument") {
    code = EXIT_USAGE;
  } else if (DATA_ERRORS.has(e?.name)) {
    code = EXIT_BAD_DATA;
  } else if (e?.code === "ENOENT" || e?.code === "EACCES" || e?.code === "EISDIR" || e?.code === "ENOTDIR") {
    code = EXIT_USAGE;
  } else {
    code = EXIT_BAD_DATA;
    message = `unexpected error: ${message}${debug ? "" : " (run with --debug for details)"}`;
  }
  write(`granule: ${message}\n`);
  if (debug && e?.stack) write(`${e.stack}\n`);
  return code;
}
